import { assert, describe, it } from "@effect/vitest"
import * as SM from "../support/BoltStateMachine.ts"
import type { BoltState, Phase, RequestKind, ResponseKind } from "../support/BoltStateMachine.ts"
import { Neo4jProtocolError } from "../../src/Neo4jError.ts"

// The expected table, written out by hand from the spec's appendix ("Bolt message state transitions
// in version 5.1+"). Every (phase, request, response) triple not listed here must be a violation.
// Targets: a phase, or AFTER_HELLO / STREAM_OPENED / STREAM_CLOSED / RESET_DONE.
const EXPECTED = `
NEGOTIATION HELLO SUCCESS AFTER_HELLO
NEGOTIATION HELLO FAILURE DEFUNCT
AUTHENTICATION LOGON SUCCESS READY
AUTHENTICATION LOGON FAILURE DEFUNCT
READY RUN SUCCESS STREAMING
READY RUN FAILURE FAILED
READY BEGIN SUCCESS TX_READY
READY BEGIN FAILURE FAILED
READY ROUTE SUCCESS READY
READY ROUTE FAILURE FAILED
READY TELEMETRY SUCCESS READY
READY TELEMETRY FAILURE FAILED
READY LOGOFF SUCCESS AUTHENTICATION
READY LOGOFF FAILURE FAILED
STREAMING PULL RECORD STREAMING
STREAMING PULL SUCCESS_HAS_MORE STREAMING
STREAMING PULL SUCCESS READY
STREAMING PULL FAILURE FAILED
STREAMING DISCARD SUCCESS_HAS_MORE STREAMING
STREAMING DISCARD SUCCESS READY
STREAMING DISCARD FAILURE FAILED
TX_READY RUN SUCCESS STREAM_OPENED
TX_READY RUN FAILURE FAILED
TX_READY COMMIT SUCCESS READY
TX_READY COMMIT FAILURE FAILED
TX_READY ROLLBACK SUCCESS READY
TX_READY ROLLBACK FAILURE FAILED
TX_STREAMING RUN SUCCESS STREAM_OPENED
TX_STREAMING RUN FAILURE FAILED
TX_STREAMING PULL RECORD TX_STREAMING
TX_STREAMING PULL SUCCESS_HAS_MORE TX_STREAMING
TX_STREAMING PULL SUCCESS STREAM_CLOSED
TX_STREAMING PULL FAILURE FAILED
TX_STREAMING DISCARD SUCCESS_HAS_MORE TX_STREAMING
TX_STREAMING DISCARD SUCCESS STREAM_CLOSED
TX_STREAMING DISCARD FAILURE FAILED
TX_STREAMING COMMIT SUCCESS READY
TX_STREAMING COMMIT FAILURE FAILED
TX_STREAMING ROLLBACK SUCCESS READY
TX_STREAMING ROLLBACK FAILURE FAILED
FAILED LOGON IGNORED FAILED
FAILED LOGOFF IGNORED FAILED
FAILED RUN IGNORED FAILED
FAILED BEGIN IGNORED FAILED
FAILED COMMIT IGNORED FAILED
FAILED ROLLBACK IGNORED FAILED
FAILED PULL IGNORED FAILED
FAILED DISCARD IGNORED FAILED
FAILED ROUTE IGNORED FAILED
FAILED TELEMETRY IGNORED FAILED
INTERRUPTED LOGOFF SUCCESS INTERRUPTED
INTERRUPTED LOGOFF FAILURE INTERRUPTED
INTERRUPTED LOGOFF IGNORED INTERRUPTED
INTERRUPTED RUN SUCCESS INTERRUPTED
INTERRUPTED RUN FAILURE INTERRUPTED
INTERRUPTED RUN IGNORED INTERRUPTED
INTERRUPTED BEGIN SUCCESS INTERRUPTED
INTERRUPTED BEGIN FAILURE INTERRUPTED
INTERRUPTED BEGIN IGNORED INTERRUPTED
INTERRUPTED COMMIT SUCCESS INTERRUPTED
INTERRUPTED COMMIT FAILURE INTERRUPTED
INTERRUPTED COMMIT IGNORED INTERRUPTED
INTERRUPTED ROLLBACK SUCCESS INTERRUPTED
INTERRUPTED ROLLBACK FAILURE INTERRUPTED
INTERRUPTED ROLLBACK IGNORED INTERRUPTED
INTERRUPTED PULL RECORD INTERRUPTED
INTERRUPTED PULL SUCCESS_HAS_MORE INTERRUPTED
INTERRUPTED PULL SUCCESS INTERRUPTED
INTERRUPTED PULL FAILURE INTERRUPTED
INTERRUPTED PULL IGNORED INTERRUPTED
INTERRUPTED DISCARD SUCCESS_HAS_MORE INTERRUPTED
INTERRUPTED DISCARD SUCCESS INTERRUPTED
INTERRUPTED DISCARD FAILURE INTERRUPTED
INTERRUPTED DISCARD IGNORED INTERRUPTED
INTERRUPTED ROUTE SUCCESS INTERRUPTED
INTERRUPTED ROUTE FAILURE INTERRUPTED
INTERRUPTED ROUTE IGNORED INTERRUPTED
INTERRUPTED TELEMETRY SUCCESS INTERRUPTED
INTERRUPTED TELEMETRY FAILURE INTERRUPTED
INTERRUPTED TELEMETRY IGNORED INTERRUPTED
INTERRUPTED RESET SUCCESS RESET_DONE
INTERRUPTED RESET FAILURE DEFUNCT
`

const expected = new Map<string, string>()
for (const line of EXPECTED.trim().split("\n")) {
  const [phase, request, response, target] = line.trim().split(/\s+/)
  expected.set(`${phase} ${request} ${response}`, target!)
}

const ctx = { helloCarriesCredentials: false }
const state = (phase: Phase, openStreams = 0, pendingResets = 0): BoltState => ({ phase, openStreams, pendingResets })

const step = (s: BoltState, request: RequestKind, response: ResponseKind, context = ctx): BoltState => {
  const next = SM.onResponse(s, request, response, context)
  if (next instanceof Neo4jProtocolError) return assert.fail(next.message)
  return next
}

describe("state machine table", () => {
  it("covers every phase, request and response", () => {
    assert.strictEqual(SM.PHASES.length, 9)
    assert.strictEqual(SM.REQUEST_KINDS.length, 13)
    assert.strictEqual(SM.RESPONSE_KINDS.length, 5)
  })

  for (const phase of SM.PHASES) {
    describe(phase, () => {
      for (const request of SM.REQUEST_KINDS) {
        for (const response of SM.RESPONSE_KINDS) {
          const key = `${phase} ${request} ${response}`
          const want = expected.get(key)
          it(`${request} -> ${response}: ${want ?? "violation"}`, () => {
            assert.strictEqual(SM.lookup(phase, request, response), want)
            const result = SM.onResponse(state(phase, 1, 1), request, response, ctx)
            if (want === undefined) {
              assert.instanceOf(result, Neo4jProtocolError)
              assert.include((result as Neo4jProtocolError).message, phase)
            } else {
              assert.notInstanceOf(result, Neo4jProtocolError)
            }
          })
        }
      }
    })
  }
})

describe("state machine rules", () => {
  it("HELLO: 5.1+ goes to AUTHENTICATION, then LOGON to READY; 4.4/5.0 straight to READY", () => {
    assert.strictEqual(step(SM.initial, "HELLO", "SUCCESS").phase, "AUTHENTICATION")
    assert.strictEqual(step(step(SM.initial, "HELLO", "SUCCESS"), "LOGON", "SUCCESS").phase, "READY")
    assert.strictEqual(step(SM.initial, "HELLO", "SUCCESS", { helloCarriesCredentials: true }).phase, "READY")
  })

  it("auto-commit with has_more: RUN, PULL(has_more), PULL, back to READY", () => {
    let s = state("READY")
    s = step(s, "RUN", "SUCCESS")
    assert.strictEqual(s.phase, "STREAMING")
    s = step(s, "PULL", "RECORD")
    s = step(s, "PULL", "SUCCESS_HAS_MORE")
    assert.strictEqual(s.phase, "STREAMING")
    s = step(s, "PULL", "SUCCESS")
    assert.strictEqual(s.phase, "READY")
  })

  it("RECORD and has_more keep the same state object (no allocation per record)", () => {
    const s = state("TX_STREAMING", 2)
    assert.strictEqual(SM.onResponse(s, "PULL", "RECORD", ctx), s)
    assert.strictEqual(SM.onResponse(s, "PULL", "SUCCESS_HAS_MORE", ctx), s)
  })

  it("explicit transaction with two open results", () => {
    let s = step(state("READY"), "BEGIN", "SUCCESS")
    assert.strictEqual(s.phase, "TX_READY")
    s = step(s, "RUN", "SUCCESS")
    s = step(s, "RUN", "SUCCESS")
    assert.deepStrictEqual(s, state("TX_STREAMING", 2))
    s = step(s, "PULL", "SUCCESS_HAS_MORE")
    assert.deepStrictEqual(s, state("TX_STREAMING", 2))
    s = step(s, "PULL", "SUCCESS")
    assert.deepStrictEqual(s, state("TX_STREAMING", 1))
    s = step(s, "DISCARD", "SUCCESS")
    assert.deepStrictEqual(s, state("TX_READY", 0))
    s = step(s, "COMMIT", "SUCCESS")
    assert.deepStrictEqual(s, state("READY"))
  })

  it("pipelined failure: RUN FAILURE, PULL IGNORED, RUN IGNORED, RESET -> READY", () => {
    let s = state("READY")
    s = step(s, "RUN", "FAILURE")
    assert.strictEqual(s.phase, "FAILED")
    s = step(s, "PULL", "IGNORED")
    s = step(s, "RUN", "IGNORED")
    assert.strictEqual(s.phase, "FAILED")
    const sent = SM.onSend(s, "RESET") as BoltState
    assert.deepStrictEqual(sent, state("INTERRUPTED", 0, 1))
    assert.deepStrictEqual(step(sent, "RESET", "SUCCESS"), state("READY"))
  })

  it("a failure inside a transaction drops the open results", () => {
    const s = step(state("TX_STREAMING", 3), "PULL", "FAILURE")
    assert.deepStrictEqual(s, state("FAILED"))
  })

  it("RESET while streaming: earlier responses (even SUCCESS) keep INTERRUPTED until the RESET's own", () => {
    let s = SM.onSend(state("STREAMING"), "RESET") as BoltState
    s = step(s, "PULL", "RECORD")
    s = step(s, "PULL", "SUCCESS")
    s = step(s, "RUN", "IGNORED")
    assert.strictEqual(s.phase, "INTERRUPTED")
    assert.strictEqual(step(s, "RESET", "SUCCESS").phase, "READY")
  })

  it("two RESETs in flight: READY only after the second answer", () => {
    let s = SM.onSend(state("READY"), "RESET") as BoltState
    s = SM.onSend(s, "RESET") as BoltState
    assert.strictEqual(s.pendingResets, 2)
    s = step(s, "RESET", "SUCCESS")
    assert.deepStrictEqual(s, state("INTERRUPTED", 0, 1))
    s = step(s, "RUN", "IGNORED")
    s = step(s, "RESET", "SUCCESS")
    assert.deepStrictEqual(s, state("READY"))
  })

  it("RESET FAILURE -> DEFUNCT", () => {
    const s = SM.onSend(state("FAILED"), "RESET") as BoltState
    assert.strictEqual(step(s, "RESET", "FAILURE").phase, "DEFUNCT")
  })

  it("onSend: GOODBYE -> DEFUNCT; nothing may be sent when DEFUNCT; RESET needs authentication", () => {
    for (const phase of SM.PHASES) {
      const s = state(phase)
      for (const request of SM.REQUEST_KINDS) {
        const r = SM.onSend(s, request)
        if (phase === "DEFUNCT") {
          assert.instanceOf(r, Neo4jProtocolError)
        } else if (request === "GOODBYE") {
          assert.deepStrictEqual(r, state("DEFUNCT"))
        } else if (request === "RESET") {
          if (phase === "NEGOTIATION" || phase === "AUTHENTICATION") assert.instanceOf(r, Neo4jProtocolError)
          else assert.deepStrictEqual(r, state("INTERRUPTED", 0, 1))
        } else {
          assert.strictEqual(r, s)
        }
      }
    }
  })

  it("onDisconnect -> DEFUNCT from anywhere", () => {
    for (const phase of SM.PHASES) assert.strictEqual(SM.onDisconnect(state(phase)).phase, "DEFUNCT")
  })

  it("summaryKind", () => {
    assert.strictEqual(SM.summaryKind("Success", false), "SUCCESS")
    assert.strictEqual(SM.summaryKind("Success", true), "SUCCESS_HAS_MORE")
    assert.strictEqual(SM.summaryKind("Failure", true), "FAILURE")
    assert.strictEqual(SM.summaryKind("Ignored", false), "IGNORED")
  })
})
