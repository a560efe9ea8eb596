/**
 * The script model of the stub server and its building blocks: `C.*` is what the client must send,
 * `S.*` what the server answers or does, `optional`/`many` relax the order, `connection`,
 * `repeat`, `anyOrder` say which connections play what. Common exchanges (`handshakeAndHello`,
 * `autoCommit`, `transaction`, `route`) are in `Exchanges.ts`; `Script.ts` exports everything.
 *
 * ```ts
 * Stub.connection(
 *   Stub.handshakeAndHello({ version: "5.8" }),
 *   C.run("RETURN 1 AS n", {}, Pattern.partial({ db: "neo4j" })),
 *   S.success({ fields: ["n"] }),
 *   C.pull(),
 *   S.record([1]),
 *   S.success({ type: "r" })
 * )
 * ```
 */
import * as Version from "../../src/bolt/Version.ts"
import type { BoltVersion } from "../../src/bolt/Version.ts"
import { any, anyMap, anyString, formatPattern, formatValue } from "./Pattern.ts"
import type { ClientMessage, FailureSpec, RequestName, ServerMessage } from "./Wire.ts"
import { codecFor, encodeServerMessages, failureMetadata } from "./Wire.ts"

// ---------------------------------------------------------------------------------------------
// Model

/**
 * A Bolt version as scripts write it: `"5.8"` or `{ major, minor }`.
 */
export type VersionInput = `${number}.${number}` | BoltVersion

/**
 * What a step may look at when it runs.
 */
export interface StepContext {
  readonly version: BoltVersion
  /** index of the connection on its server, in order of acceptance (0-based) */
  readonly connection: number
  /** the last message the client sent, if any */
  readonly received: ClientMessage | undefined
}

/**
 * How the handshake goes: the version to agree on (offered alone through manifest v1 when the
 * client sent the sentinel and `manifest` allows it, else answered in the pre-manifest form), or a
 * raw `reply` to send instead (e.g. `"none"`, `"http"`).
 */
export interface HandshakeStep {
  readonly _tag: "Handshake"
  readonly version: BoltVersion
  readonly manifest: "auto" | "always" | "never"
  readonly reply?: Uint8Array | undefined
}

/**
 * The client must send this message; `fields` are matched as patterns (`undefined`: any fields).
 * With `alternatives`, any one of them will do (`C.oneOf`).
 */
export interface ExpectStep {
  readonly _tag: "Expect"
  readonly name: RequestName
  readonly fields: ReadonlyArray<unknown> | undefined
  readonly alternatives?: ReadonlyArray<ExpectStep> | undefined
}

/**
 * The server sends these messages (in one write).
 */
export interface SendStep {
  readonly _tag: "Send"
  readonly messages: ReadonlyArray<ServerMessage>
}

/**
 * The server sends messages computed from the last client message.
 */
export interface RespondStep {
  readonly _tag: "Respond"
  readonly label: string
  readonly reply: (context: StepContext) => ReadonlyArray<ServerMessage>
}

/**
 * The server sends raw bytes (garbage, a NOOP chunk, a truncated message).
 */
export interface RawStep {
  readonly _tag: "Raw"
  readonly label: string
  readonly bytes: Uint8Array
}

/**
 * The server waits (real time, not the Effect clock) before the next step.
 */
export interface DelayStep {
  readonly _tag: "Delay"
  readonly millis: number
}

/**
 * The server closes the connection: FIN (`abort: false`) or RST (`abort: true`). Ends the script.
 */
export interface CloseStep {
  readonly _tag: "Close"
  readonly abort: boolean
}

/**
 * The server stops answering but keeps the socket open. Ends the script; later client messages are
 * recorded, not checked.
 */
export interface SilentStep {
  readonly _tag: "Silent"
}

/**
 * Steps played only when the client's next message matches the first of them (an `Expect`); with
 * `repeat`, as often as it does.
 */
export interface OptionalStep {
  readonly _tag: "Optional"
  readonly steps: ReadonlyArray<Step>
  readonly repeat: boolean
}

/**
 * Steps that depend on the negotiated version (e.g. LOGON only on Bolt 5.1+), expanded once the
 * handshake is done.
 */
export interface DynamicStep {
  readonly _tag: "Dynamic"
  readonly label: string
  readonly expand: (version: BoltVersion) => ReadonlyArray<Step>
}

/**
 * One step of a connection script.
 */
export type Step =
  | HandshakeStep
  | ExpectStep
  | SendStep
  | RespondStep
  | RawStep
  | DelayStep
  | CloseStep
  | SilentStep
  | OptionalStep
  | DynamicStep

/**
 * Steps, or nested lists of steps (flattened).
 */
export type Part = Step | ReadonlyArray<Part>

/**
 * The script of one connection, played by between `min` and `max` connections.
 */
export interface ConnectionScript {
  readonly _tag: "ConnectionScript"
  readonly name: string | undefined
  readonly steps: ReadonlyArray<Step>
  readonly min: number
  readonly max: number
}

/**
 * Connection scripts that concurrent clients may play in any order: a connection is bound to the
 * first script whose steps fit what it sends (the shared prefix is played before the choice).
 */
export interface AnyOrder {
  readonly _tag: "AnyOrder"
  readonly scripts: ReadonlyArray<ConnectionScript>
}

/**
 * What a server plays: connection scripts in order of acceptance, or any-order groups.
 */
export type ScriptEntry = ConnectionScript | AnyOrder

/**
 * Options of a connection script.
 */
export interface ConnectionOptions {
  /** shown in failure messages */
  readonly name?: string | undefined
}

// ---------------------------------------------------------------------------------------------
// Versions

/**
 * The version scripts get unless they name one (the newest Bolt 5).
 */
export const DEFAULT_VERSION: BoltVersion = Version.make(5, 8)

/**
 * Parses `"5.8"` (or passes a version through).
 */
export const parseVersion = (input: VersionInput): BoltVersion => {
  if (typeof input !== "string") return input
  const [major, minor] = input.split(".").map(Number)
  return Version.make(major!, minor!)
}

// ---------------------------------------------------------------------------------------------
// Connections

const flatten = (parts: ReadonlyArray<Part>): Array<Step> =>
  parts.flatMap((part) => (Array.isArray(part) ? flatten(part) : [part as Step]))

/**
 * The script of one connection: `connection(...steps)` or `connection({ name }, ...steps)`. Without a
 * leading `handshake` step the handshake agrees on {@link DEFAULT_VERSION}.
 */
export function connection(options: ConnectionOptions, ...parts: ReadonlyArray<Part>): ConnectionScript
export function connection(...parts: ReadonlyArray<Part>): ConnectionScript
export function connection(...args: ReadonlyArray<ConnectionOptions | Part>): ConnectionScript {
  const first = args[0]
  const hasOptions = first !== undefined && !Array.isArray(first) && !("_tag" in (first as object))
  const options = hasOptions ? (first as ConnectionOptions) : {}
  const steps = flatten((hasOptions ? args.slice(1) : args) as ReadonlyArray<Part>)
  return { _tag: "ConnectionScript", name: options.name, steps, min: 1, max: 1 }
}

/**
 * The same connection script played by `times` connections (exactly), or between `min` and `max`.
 */
export const repeat = (
  script: ConnectionScript,
  times: number | { readonly min: number; readonly max: number }
): ConnectionScript =>
  typeof times === "number" ? { ...script, min: times, max: times } : { ...script, min: times.min, max: times.max }

/**
 * The same connection script for any number of connections (none included). Put it last: it takes
 * every connection that reaches it.
 */
export const anyNumberOf = (script: ConnectionScript): ConnectionScript => ({ ...script, min: 0, max: Number.POSITIVE_INFINITY })

/**
 * Connection scripts that concurrent clients may play in any order.
 */
export const anyOrder = (...scripts: ReadonlyArray<ConnectionScript>): AnyOrder => ({ _tag: "AnyOrder", scripts })

// ---------------------------------------------------------------------------------------------
// Client messages

const expect = (name: RequestName, fields: ReadonlyArray<unknown> | undefined): ExpectStep => ({ _tag: "Expect", name, fields })

const orAny = (u: unknown): unknown => (u === undefined ? any : u)

/**
 * What the client must send. Each field is a value (matched exactly) or a pattern; an omitted or
 * `undefined` field matches anything.
 */
export const C = {
  /** HELLO `extra` */
  hello: (extra?: unknown): ExpectStep => expect("HELLO", [extra ?? anyMap]),
  /** LOGON `auth` (Bolt 5.1+) */
  logon: (auth?: unknown): ExpectStep => expect("LOGON", [auth ?? anyMap]),
  logoff: (): ExpectStep => expect("LOGOFF", []),
  goodbye: (): ExpectStep => expect("GOODBYE", []),
  reset: (): ExpectStep => expect("RESET", []),
  /** RUN `query`, `parameters`, `extra` */
  run: (query?: unknown, parameters?: unknown, extra?: unknown): ExpectStep =>
    expect("RUN", [query ?? anyString, orAny(parameters), orAny(extra)]),
  /** BEGIN `extra` */
  begin: (extra?: unknown): ExpectStep => expect("BEGIN", [orAny(extra)]),
  commit: (): ExpectStep => expect("COMMIT", []),
  rollback: (): ExpectStep => expect("ROLLBACK", []),
  /** PULL `{n, qid}` */
  pull: (extra?: unknown): ExpectStep => expect("PULL", [orAny(extra)]),
  /** DISCARD `{n, qid}` */
  discard: (extra?: unknown): ExpectStep => expect("DISCARD", [orAny(extra)]),
  /** TELEMETRY `api` (Bolt 5.4+) */
  telemetry: (api?: unknown): ExpectStep => expect("TELEMETRY", [orAny(api)]),
  /** ROUTE `routing`, `bookmarks`, `extra` */
  route: (routing?: unknown, bookmarks?: unknown, extra?: unknown): ExpectStep =>
    expect("ROUTE", [orAny(routing), orAny(bookmarks), orAny(extra)]),
  /** any request by name; `fields` omitted: any fields */
  message: (name: RequestName, fields?: ReadonlyArray<unknown>): ExpectStep => expect(name, fields),
  /** any one of these messages, e.g. `C.oneOf(C.rollback(), C.reset())` */
  oneOf: (...alternatives: ReadonlyArray<ExpectStep>): ExpectStep => ({
    _tag: "Expect",
    name: alternatives[0]!.name,
    fields: alternatives[0]!.fields,
    alternatives
  })
} as const

// ---------------------------------------------------------------------------------------------
// Server messages and actions

/**
 * Neo4j status codes the tests inject.
 */
export const Code = {
  DEADLOCK_DETECTED: "Neo.TransientError.Transaction.DeadlockDetected",
  TERMINATED: "Neo.TransientError.Transaction.Terminated",
  LOCK_CLIENT_STOPPED: "Neo.TransientError.Transaction.LockClientStopped",
  DATABASE_UNAVAILABLE: "Neo.TransientError.General.DatabaseUnavailable",
  AUTHORIZATION_EXPIRED: "Neo.ClientError.Security.AuthorizationExpired",
  TOKEN_EXPIRED: "Neo.ClientError.Security.TokenExpired",
  UNAUTHORIZED: "Neo.ClientError.Security.Unauthorized",
  FORBIDDEN: "Neo.ClientError.Security.Forbidden",
  NOT_A_LEADER: "Neo.ClientError.Cluster.NotALeader",
  FORBIDDEN_ON_READ_ONLY_DATABASE: "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase",
  DATABASE_NOT_FOUND: "Neo.ClientError.Database.DatabaseNotFound",
  SYNTAX_ERROR: "Neo.ClientError.Statement.SyntaxError",
  UNKNOWN_FAILURE: "Neo.DatabaseError.General.UnknownError",
  /** what the stub answers when the client diverges from the script */
  SCRIPT_DIVERGENCE: "Neo.DatabaseError.Stub.ScriptDivergence"
} as const

/** Messages close to the server's own, so error texts in tests look familiar. */
const DEFAULT_MESSAGES: Readonly<Record<string, string>> = {
  [Code.DEADLOCK_DETECTED]: "ForsetiClient[transactionId=7, clientId=1] can't acquire ExclusiveLock{owner=ForsetiClient[transactionId=6, clientId=3]} on NODE(1), because holders of that lock are waiting for ForsetiClient[transactionId=7, clientId=1].",
  [Code.TERMINATED]: "The transaction has been terminated. Retry your operation in a new transaction, and you should see a successful result. Explicitly terminated by the user.",
  [Code.LOCK_CLIENT_STOPPED]: "The transaction has been terminated, so no more locks can be acquired.",
  [Code.DATABASE_UNAVAILABLE]: "Database 'neo4j' is unavailable.",
  [Code.AUTHORIZATION_EXPIRED]: "Authorization info expired.",
  [Code.TOKEN_EXPIRED]: "Token expired.",
  [Code.UNAUTHORIZED]: "The client is unauthorized due to authentication failure.",
  [Code.FORBIDDEN]: "Impersonation is not supported in community edition.",
  [Code.NOT_A_LEADER]: "No write operations are allowed directly on this database. Writes must pass through the leader.",
  [Code.FORBIDDEN_ON_READ_ONLY_DATABASE]: "Writing in read access mode not allowed.",
  [Code.DATABASE_NOT_FOUND]: "Graph not found: nowhere",
  [Code.SYNTAX_ERROR]: "Invalid input 'RETRUN': expected a clause",
  [Code.UNKNOWN_FAILURE]: "An unknown error occurred."
}

const send = (...messages: ReadonlyArray<ServerMessage>): SendStep => ({ _tag: "Send", messages })

const CHUNK_HEADER_BYTES = 2 // "Chunk headers are 16-bit unsigned integers"
const GARBAGE_HEADER = 0x00 // a chunk header announcing ...
const GARBAGE_SIZE = 0x03 // ... 3 bytes:
const GARBAGE_BODY = [0xb1, 0xff, 0xc0] // a struct with an unknown tag 0xFF
const TRUNCATE_DEFAULT_KEEP = 3 // bytes of a message sent before the cut: a chunk header and one byte

/**
 * What the server sends or does.
 */
export const S = {
  /** SUCCESS `{metadata}` */
  success: (metadata: Readonly<Record<string, unknown>> = {}): SendStep => send({ _tag: "SUCCESS", metadata }),
  /** one RECORD `[values]` */
  record: (values: ReadonlyArray<unknown>): SendStep => send({ _tag: "RECORD", values }),
  /** several RECORDs in one write */
  records: (rows: ReadonlyArray<ReadonlyArray<unknown>>): SendStep =>
    send(...rows.map((values): ServerMessage => ({ _tag: "RECORD", values }))),
  ignored: (): SendStep => send({ _tag: "IGNORED" }),
  /** FAILURE: a status code (see {@link Code}) with a realistic default message, or a full spec */
  failure: (failure: string | FailureSpec, message?: string): SendStep =>
    send({ _tag: "FAILURE", failure: typeof failure === "string" ? failureSpec(failure, message) : failure }),
  /** several messages in one write */
  messages: (...messages: ReadonlyArray<ServerMessage>): SendStep => send(...messages),
  /** messages computed from the last client message (e.g. echo its bookmarks) */
  respond: (label: string, reply: (context: StepContext) => ReadonlyArray<ServerMessage>): RespondStep => ({
    _tag: "Respond",
    label,
    reply
  }),
  /** close the socket gracefully (FIN); the script ends here */
  close: (): CloseStep => ({ _tag: "Close", abort: false }),
  /** reset the socket (RST); the script ends here */
  abort: (): CloseStep => ({ _tag: "Close", abort: true }),
  /** wait this many real milliseconds before the next step */
  delay: (millis: number): DelayStep => ({ _tag: "Delay", millis }),
  /** stop answering, keep the socket open; the script ends here */
  silent: (): SilentStep => ({ _tag: "Silent" }),
  /** bytes that are no Bolt message (default: a framed struct with the unknown tag 0xFF) */
  garbage: (bytes: Uint8Array = Uint8Array.of(GARBAGE_HEADER, GARBAGE_SIZE, ...GARBAGE_BODY, 0, 0)): RawStep => ({
    _tag: "Raw",
    label: `<garbage ${bytes.length} bytes>`,
    bytes
  }),
  /** an empty chunk `00 00`: a keep-alive NOOP between messages */
  noop: (): RawStep => ({ _tag: "Raw", label: "<noop>", bytes: new Uint8Array(CHUNK_HEADER_BYTES) }),
  /** raw bytes */
  raw: (bytes: Uint8Array, label = `<raw ${bytes.length} bytes>`): RawStep => ({ _tag: "Raw", label, bytes }),
  /**
   * The first `keep` bytes of a framed message, e.g. a RECORD cut mid-stream (follow with
   * `S.close()`); encoded for the default version's codec.
   */
  truncated: (message: ServerMessage, keep: number = TRUNCATE_DEFAULT_KEEP): DynamicStep => ({
    _tag: "Dynamic",
    label: `<first ${keep} bytes of ${describeServerMessage(message, DEFAULT_VERSION)}>`,
    expand: (version) => [{ _tag: "Raw", label: `<${keep} bytes of ${message._tag}>`, bytes: truncate(message, version, keep) }]
  })
} as const

const truncate = (message: ServerMessage, version: BoltVersion, keep: number): Uint8Array =>
  encodeServerMessages([message], version, codecFor(version)).slice(0, keep)

/**
 * A FAILURE spec for `code`, with the default message for known codes.
 */
export const failureSpec = (code: string, message?: string, options: Partial<FailureSpec> = {}): FailureSpec => ({
  ...options,
  code,
  message: message ?? DEFAULT_MESSAGES[code] ?? `Stub failure ${code}`
})

// ---------------------------------------------------------------------------------------------
// Structure

/**
 * Steps played only when the client's next message matches their first step (which must be a
 * `C.*`): e.g. `optional(C.reset(), S.success())`.
 */
export const optional = (...parts: ReadonlyArray<Part>): OptionalStep => guarded(flatten(parts), false)

/**
 * Steps played as often as the client's next message matches their first step (zero times too).
 */
export const many = (...parts: ReadonlyArray<Part>): OptionalStep => guarded(flatten(parts), true)

const guarded = (steps: ReadonlyArray<Step>, repeat: boolean): OptionalStep => {
  if (steps[0]?._tag !== "Expect") throw new Error("optional/many steps must start with a client message (C.*)")
  return { _tag: "Optional", steps, repeat }
}

/**
 * Steps computed from the negotiated version.
 */
export const forVersion = (label: string, expand: (version: BoltVersion) => ReadonlyArray<Part>): DynamicStep => ({
  _tag: "Dynamic",
  label,
  expand: (version) => flatten(expand(version))
})

// ---------------------------------------------------------------------------------------------
// Printing

/**
 * A server message as a transcript line body: `SUCCESS {"fields": ["n"]}`.
 */
export const describeServerMessage = (message: ServerMessage, version: BoltVersion): string => {
  switch (message._tag) {
    case "SUCCESS":
      return `SUCCESS ${formatValue(message.metadata)}`
    case "RECORD":
      return `RECORD ${formatValue(message.values)}`
    case "IGNORED":
      return "IGNORED"
    case "FAILURE":
      return `FAILURE ${formatValue(failureMetadata(message.failure, version))}`
  }
}

/**
 * A client message as a transcript line body: `RUN "RETURN 1" {} {"db": "neo4j"}`.
 */
export const describeClientMessage = (message: ClientMessage): string =>
  [message.name === "UNKNOWN" ? `UNKNOWN(0x${message.tag.toString(16)})` : message.name, ...message.fields.map(formatValue)]
    .join(" ")

/**
 * One step as a transcript line (`C: ...`, `S: ...`).
 */
export const describeStep = (step: Step, version: BoltVersion = DEFAULT_VERSION): string => {
  switch (step._tag) {
    case "Handshake":
      return step.reply === undefined ? `S: <handshake ${Version.format(step.version)}>` : `S: <handshake reply ${formatValue(step.reply)}>`
    case "Expect":
      if (step.alternatives !== undefined) return step.alternatives.map((a) => describeStep(a, version)).join(" | ")
      return `C: ${[step.name, ...(step.fields ?? ["<any fields>"]).map(formatPattern)].join(" ")}`
    case "Send":
      return step.messages.map((m) => `S: ${describeServerMessage(m, version)}`).join("\n")
    case "Respond":
      return `S: <${step.label}>`
    case "Raw":
      return `S: ${step.label}`
    case "Delay":
      return `S: <delay ${step.millis} ms>`
    case "Close":
      return step.abort ? "S: <abort connection>" : "S: <close connection>"
    case "Silent":
      return "S: <silent>"
    case "Optional":
      return `${step.repeat ? "*" : "?"}{ ${step.steps.map((s) => describeStep(s, version)).join("; ")} }`
    case "Dynamic":
      return `S: ${step.label}`
  }
}
