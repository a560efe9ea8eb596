/**
 * Driver bugs the stub server found (issue 5), kept as regression tests: connections left inside a
 * transaction after failed work, and pooled connections the server closed while idle.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Neo4j from "../../src/Neo4j.ts"
import { drive, driverLayer, goodAttempt, QUERY, VALUE, valueOf, writeWork } from "./driverHelpers.ts"
import { C, S } from "./Script.ts"
import * as Stub from "./Script.ts"
import * as StubServer from "./StubServer.ts"

/** Real time for the server's FIN to reach the client's socket. */
const IDLE_CLOSE_SETTLE_MILLIS = 50

/**
 * Runs `failing` (work that fails inside a transaction) and then a good transaction function on a
 * one-connection stub: the stub expects the failed transaction's ROLLBACK (or a RESET) before the
 * next BEGIN, so a connection returned to the pool inside an open transaction fails the test.
 */
const rollsBackBeforeReuse = <E>(failing: Effect.Effect<unknown, E, Neo4j.Neo4j>) =>
  Effect.gen(function*() {
    const server = yield* StubServer.make(
      Stub.connection(
        Stub.handshakeAndHello(),
        Stub.transaction({ queries: [{ query: QUERY, records: [{ value: 1 }] }] }).slice(0, -2),
        C.oneOf(C.rollback(), C.reset()),
        S.success(),
        goodAttempt()
      )
    )
    const program = Effect.andThen(Effect.flip(failing), writeWork)
    assert.strictEqual(valueOf((yield* drive(program.pipe(Effect.provide(driverLayer(server))))).exit), VALUE)
  })

describe("issue 5 findings", () => {
  it.effect("a transaction function whose work fails rolls back before its connection is reused", () =>
    // Found by the stub (issue 5), since fixed: the stub saw BEGIN, RUN, PULL, then nothing, and the
    // connection went back to the pool inside the open transaction (the next BEGIN landed in it).
    // An open transaction now marks its connection for RESET on release (`needsReset`).
    rollsBackBeforeReuse(
      Neo4j.executeWrite((tx) => Effect.andThen(tx.run(QUERY), Effect.fail("not enough stock" as const)))
    ))

  it.effect("a pooled connection the server closed while idle is not handed out again", () =>
    Effect.gen(function*() {
      // The server replies to COMMIT and closes the connection (FIN). Nothing reads an idle
      // connection, but its socket records the EOF; the pool checks that before handing it out and
      // opens a new connection instead. A FIN that has not reached the client yet when the next
      // session asks (the same event-loop turn) cannot be seen: that request fails with a
      // retryable connection error, which transaction functions absorb. Hence the short real pause.
      const server = yield* StubServer.make([
        Stub.connection({ name: "closes after COMMIT" }, Stub.handshakeAndHello(), goodAttempt("bookmark:1"), S.close()),
        Stub.connection({ name: "next" }, Stub.handshakeAndHello(), Stub.autoCommit("RETURN 1 AS n", { records: [{ n: 1 }] }))
      ], { graceMillis: 200 })
      const program = writeWork.pipe(
        Effect.andThen(Effect.promise(() => new Promise((resolve) => setTimeout(resolve, IDLE_CLOSE_SETTLE_MILLIS)))),
        Effect.andThen(Effect.scoped(Effect.flatMap(Neo4j.session(), (s) => s.run("RETURN 1 AS n"))))
      )
      valueOf((yield* drive(program.pipe(Effect.provide(driverLayer(server))))).exit)
      assert.strictEqual(server.connectionCount, 2)
    }))

  it.effect("an explicit transaction whose scope closes on a failure rolls back before its connection is reused", () =>
    rollsBackBeforeReuse(Effect.scoped(
      Effect.gen(function*() {
        const session = yield* Neo4j.session()
        const tx = yield* session.beginTransaction()
        yield* tx.run(QUERY)
        return yield* Effect.fail("validation failed" as const)
      })
    )))
})
