/**
 * The Bolt server state machine as a pure transition table, seen from the client: apply
 * {@link onSend} when a request is written and {@link onResponse} when the response (a RECORD or
 * the summary) to the oldest outstanding request arrives. Pipelining is fine because responses
 * arrive in request order.
 *
 * A test oracle: the golden transcripts (test/bolt/Golden.test.ts) are checked against it, and
 * `scripts/capture-golden.ts` names requests with its kinds. The driver does not run it: a
 * connection needs four facts (a FAILURE not yet cleared, an open transaction, responses still
 * expected, an auto-commit result the server still streams), all of which it keeps to decide
 * whether RESET must run before reuse; checking every message against the full table would add
 * work per message to what the server checks anyway.
 *
 * Spec: https://neo4j.com/docs/bolt/current/bolt/server-state/ and the "Bolt message state
 * transitions in version 5.1+" appendix.
 */
import { Neo4jProtocolError } from "../../src/Neo4jError.ts"

/**
 * Connection phases (the spec's server states).
 */
export const Phase = {
  /** handshake done, HELLO not yet answered (the spec's CONNECTED / NEGOTIATION) */
  NEGOTIATION: "NEGOTIATION",
  /** Bolt 5.1+: HELLO or LOGOFF accepted, "ready to accept a LOGON message" */
  AUTHENTICATION: "AUTHENTICATION",
  /** "ready to accept a RUN message" */
  READY: "READY",
  /** "Auto-commit Transaction, a result is available for streaming from the server" */
  STREAMING: "STREAMING",
  /** "Explicit Transaction, ready to accept a RUN message" */
  TX_READY: "TX_READY",
  /** "Explicit Transaction, a result is available for streaming from the server" */
  TX_STREAMING: "TX_STREAMING",
  /** "a connection is in a temporarily unusable state": everything is IGNORED until RESET */
  FAILED: "FAILED",
  /** a RESET was sent ("<INTERRUPT> jumps ahead"); responses before its own are ignored */
  INTERRUPTED: "INTERRUPTED",
  /** "the socket connection is permanently closed" */
  DEFUNCT: "DEFUNCT"
} as const

/**
 * A connection phase.
 */
export type Phase = (typeof Phase)[keyof typeof Phase]

/**
 * The request kinds the client sends.
 */
export type RequestKind =
  | "HELLO"
  | "LOGON"
  | "LOGOFF"
  | "GOODBYE"
  | "RESET"
  | "RUN"
  | "BEGIN"
  | "COMMIT"
  | "ROLLBACK"
  | "PULL"
  | "DISCARD"
  | "ROUTE"
  | "TELEMETRY"

/**
 * What the server answered: a RECORD detail, or a summary (a PULL/DISCARD SUCCESS with
 * `has_more: true` is told apart).
 */
export type ResponseKind = "SUCCESS" | "SUCCESS_HAS_MORE" | "RECORD" | "FAILURE" | "IGNORED"

/**
 * All request kinds, for exhaustive tables and tests.
 */
export const REQUEST_KINDS: ReadonlyArray<RequestKind> = [
  "HELLO",
  "LOGON",
  "LOGOFF",
  "GOODBYE",
  "RESET",
  "RUN",
  "BEGIN",
  "COMMIT",
  "ROLLBACK",
  "PULL",
  "DISCARD",
  "ROUTE",
  "TELEMETRY"
]

/**
 * All response kinds, for exhaustive tables and tests.
 */
export const RESPONSE_KINDS: ReadonlyArray<ResponseKind> = ["SUCCESS", "SUCCESS_HAS_MORE", "RECORD", "FAILURE", "IGNORED"]

/**
 * All phases, for exhaustive tables and tests.
 */
export const PHASES: ReadonlyArray<Phase> = Object.values(Phase)

/**
 * The client's view of the connection: its phase, the results open in an explicit transaction
 * ("TX_READY or TX_STREAMING if there are other streams open") and the RESETs still unanswered.
 */
export interface BoltState {
  readonly phase: Phase
  readonly openStreams: number
  readonly pendingResets: number
}

/**
 * The state right after the handshake.
 */
export const initial: BoltState = { phase: Phase.NEGOTIATION, openStreams: 0, pendingResets: 0 }

/**
 * Where a transition leads: a phase, or a rule that needs the rest of the state.
 */
export type Target =
  | Phase
  /** READY when HELLO carried the credentials (4.4, 5.0), else AUTHENTICATION */
  | "AFTER_HELLO"
  /** TX_STREAMING with one more open result */
  | "STREAM_OPENED"
  /** one result less: TX_READY when none is left, else TX_STREAMING */
  | "STREAM_CLOSED"
  /** one RESET less: READY when none is left, else still INTERRUPTED */
  | "RESET_DONE"

type Row = Partial<Record<ResponseKind, Target>>

const ok = (success: Target, failure: Target): Row => ({ SUCCESS: success, FAILURE: failure })

const streaming = (stay: Phase, done: Target, records: boolean): Row => ({
  ...(records ? { RECORD: stay } : {}),
  SUCCESS_HAS_MORE: stay,
  SUCCESS: done,
  FAILURE: Phase.FAILED
})

const ignoredInFailed: Row = { IGNORED: Phase.FAILED }

/** Every answer keeps INTERRUPTED; PULL may also answer RECORD, PULL/DISCARD `has_more`. */
const pending = (kind: "plain" | "pull" | "discard"): Row => ({
  ...(kind === "pull" ? { RECORD: Phase.INTERRUPTED } : {}),
  ...(kind !== "plain" ? { SUCCESS_HAS_MORE: Phase.INTERRUPTED } : {}),
  SUCCESS: Phase.INTERRUPTED,
  FAILURE: Phase.INTERRUPTED,
  IGNORED: Phase.INTERRUPTED
})

/**
 * The transition table: phase x request x response -> target. A missing entry is a protocol
 * violation. RESET and GOODBYE also act when sent (see {@link onSend}).
 */
export const TRANSITIONS: { readonly [P in Phase]: Partial<Record<RequestKind, Row>> } = {
  NEGOTIATION: {
    HELLO: ok("AFTER_HELLO", Phase.DEFUNCT)
  },
  AUTHENTICATION: {
    // "If authentication fails, the server must respond with a FAILURE message and immediately
    // closes the connection."
    LOGON: ok(Phase.READY, Phase.DEFUNCT)
  },
  READY: {
    RUN: ok(Phase.STREAMING, Phase.FAILED),
    BEGIN: ok(Phase.TX_READY, Phase.FAILED),
    ROUTE: ok(Phase.READY, Phase.FAILED),
    TELEMETRY: ok(Phase.READY, Phase.FAILED),
    LOGOFF: ok(Phase.AUTHENTICATION, Phase.FAILED)
  },
  STREAMING: {
    PULL: streaming(Phase.STREAMING, Phase.READY, true),
    DISCARD: streaming(Phase.STREAMING, Phase.READY, false)
  },
  TX_READY: {
    RUN: ok("STREAM_OPENED", Phase.FAILED),
    COMMIT: ok(Phase.READY, Phase.FAILED),
    ROLLBACK: ok(Phase.READY, Phase.FAILED)
  },
  TX_STREAMING: {
    RUN: ok("STREAM_OPENED", Phase.FAILED),
    PULL: streaming(Phase.TX_STREAMING, "STREAM_CLOSED", true),
    DISCARD: streaming(Phase.TX_STREAMING, "STREAM_CLOSED", false),
    // Not in the spec's table, but servers end a transaction with unconsumed results (they are
    // discarded), and drivers roll back without draining first.
    COMMIT: ok(Phase.READY, Phase.FAILED),
    ROLLBACK: ok(Phase.READY, Phase.FAILED)
  },
  FAILED: {
    // "RUN/PULL/DISCARD to FAILED" with IGNORED; servers ignore every other request there too.
    LOGON: ignoredInFailed,
    LOGOFF: ignoredInFailed,
    RUN: ignoredInFailed,
    BEGIN: ignoredInFailed,
    COMMIT: ignoredInFailed,
    ROLLBACK: ignoredInFailed,
    PULL: ignoredInFailed,
    DISCARD: ignoredInFailed,
    ROUTE: ignoredInFailed,
    TELEMETRY: ignoredInFailed
  },
  INTERRUPTED: {
    // Requests sent before the RESET: IGNORED once the interrupt arrived, or their normal answer
    // when the server processed them first. Either way the RESET decides what comes next.
    LOGOFF: pending("plain"),
    RUN: pending("plain"),
    BEGIN: pending("plain"),
    COMMIT: pending("plain"),
    ROLLBACK: pending("plain"),
    PULL: pending("pull"),
    DISCARD: pending("discard"),
    ROUTE: pending("plain"),
    TELEMETRY: pending("plain"),
    // "RESET to READY or DEFUNCT"; "Clients receiving a FAILURE in response to RESET should treat
    // that connection as DEFUNCT"
    RESET: ok("RESET_DONE", Phase.DEFUNCT)
  },
  DEFUNCT: {}
}

/**
 * Context a transition needs beyond the table.
 */
export interface TransitionContext {
  /** Bolt 4.4 / 5.0: a successful HELLO authenticates (no LOGON follows) */
  readonly helloCarriesCredentials: boolean
}

const violation = (state: BoltState, request: RequestKind, response: ResponseKind | "SEND"): Neo4jProtocolError =>
  new Neo4jProtocolError({
    message: response === "SEND"
      ? `Cannot send ${request} on a connection in state ${state.phase}`
      : `Unexpected ${response} for ${request} in state ${state.phase}`
  })

const resolve = (state: BoltState, target: Target, context: TransitionContext): BoltState => {
  switch (target) {
    case "AFTER_HELLO":
      return { ...state, phase: context.helloCarriesCredentials ? Phase.READY : Phase.AUTHENTICATION }
    case "STREAM_OPENED":
      return { ...state, phase: Phase.TX_STREAMING, openStreams: state.openStreams + 1 }
    case "STREAM_CLOSED": {
      const openStreams = Math.max(0, state.openStreams - 1)
      return { ...state, phase: openStreams === 0 ? Phase.TX_READY : Phase.TX_STREAMING, openStreams }
    }
    case "RESET_DONE": {
      const pendingResets = Math.max(0, state.pendingResets - 1)
      return { phase: pendingResets === 0 ? Phase.READY : Phase.INTERRUPTED, openStreams: 0, pendingResets }
    }
    default: {
      // Results stay open only inside a transaction.
      const openStreams = target === Phase.TX_READY || target === Phase.TX_STREAMING ? state.openStreams : 0
      // RECORD and has_more keep the state: no allocation on the per-record path.
      return state.phase === target && state.openStreams === openStreams
        ? state
        : { ...state, phase: target, openStreams }
    }
  }
}

/**
 * The table entry for a (phase, request, response) triple, `undefined` for a violation.
 */
export const lookup = (phase: Phase, request: RequestKind, response: ResponseKind): Target | undefined =>
  TRANSITIONS[phase][request]?.[response]

/**
 * The state after the response to `request` arrived, or the protocol error it reveals (the
 * connection must then be closed).
 */
export const onResponse = (
  state: BoltState,
  request: RequestKind,
  response: ResponseKind,
  context: TransitionContext
): BoltState | Neo4jProtocolError => {
  const target = lookup(state.phase, request, response)
  return target === undefined ? violation(state, request, response) : resolve(state, target, context)
}

/**
 * The state after writing `request`. RESET is an `<INTERRUPT>` that "jumps ahead in the message
 * queue" (the phase becomes INTERRUPTED at once); GOODBYE is a `<DISCONNECT>`. Nothing may be sent
 * on a DEFUNCT connection, and RESET only once the connection is authenticated.
 */
export const onSend = (state: BoltState, request: RequestKind): BoltState | Neo4jProtocolError => {
  if (state.phase === Phase.DEFUNCT) return violation(state, request, "SEND")
  switch (request) {
    case "GOODBYE":
      return { phase: Phase.DEFUNCT, openStreams: 0, pendingResets: 0 }
    case "RESET":
      if (state.phase === Phase.NEGOTIATION || state.phase === Phase.AUTHENTICATION) {
        return violation(state, request, "SEND")
      }
      return { phase: Phase.INTERRUPTED, openStreams: 0, pendingResets: state.pendingResets + 1 }
    default:
      return state
  }
}

/**
 * The state after the socket closed or a fatal error: DEFUNCT.
 */
export const onDisconnect = (_state: BoltState): BoltState => ({ phase: Phase.DEFUNCT, openStreams: 0, pendingResets: 0 })

/**
 * The response kind of a summary for a request (`has_more: true` on PULL/DISCARD matters).
 */
export const summaryKind = (tag: "Success" | "Failure" | "Ignored", hasMore: boolean): ResponseKind => {
  switch (tag) {
    case "Success":
      return hasMore ? "SUCCESS_HAS_MORE" : "SUCCESS"
    case "Failure":
      return "FAILURE"
    case "Ignored":
      return "IGNORED"
  }
}
