/**
 * A connection whose user is interrupted with responses unread: the pool's release RESETs it (the
 * handlers of the interrupted requests are drained by the RESET's pump) before anyone uses it
 * again, and nothing queues a request on it once its lease ended. Run against the stub server, so
 * that every request the driver sends is seen.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import * as Neo4j from "../../src/Neo4j.ts"
import { driverLayer } from "../stub/driverHelpers.ts"
import { C, S, Stub, StubServer } from "../stub/index.ts"

/** Real time: the stub server answers on real sockets, the test runs on the TestClock. */
const realPause = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 5)))

/** Waits (real time, bounded) until the pool holds `address`'s connections idle, none in use. */
const idleAgain = Effect.gen(function*() {
  for (let i = 0; i < 400; i++) {
    const stats = yield* Neo4j.poolStats
    if (stats.length > 0 && stats.every((s) => s.inUse === 0 && s.creating === 0 && s.idle > 0)) return
    yield* realPause
  }
  assert.fail(`the pool did not get its connection back: ${JSON.stringify(yield* Neo4j.poolStats)}`)
})

describe("a connection whose user was interrupted", () => {
  // Bug (src/connection/BoltConnection.ts, `needsReset`): an auto-commit cursor's scope ends by
  // interruption (or failure) after a PULL answered `has_more: true`. No response is pending, no
  // FAILURE, no transaction: `needsReset` is false, so the pool takes the connection back without
  // RESET although the server still streams the result (STREAMING accepts only PULL/DISCARD/RESET;
  // the next user's RUN fails). And nothing ends the result: the session still names the cursor as
  // open (src/internal/session.ts, `openCursor`), and its next query reads it into memory first
  // (`bufferOpenCursor`), queueing a PULL (and its handler) on the connection now idle in the pool,
  // which another session may hold. Seen on the wire: PULL where RESET is due.
  // Skipped until BoltConnection counts an unfinished auto-commit result in `needsReset` and RESET
  // ends it (see the report; the session's `openCursor` fix is in SessionInterruption.test.ts).
  it.effect("is RESET on release, and the session's next query sends nothing for the interrupted cursor", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          C.run("RETURN n", {}, Stub.any),
          S.success({ fields: ["n"] }),
          C.pull(),
          S.record([1]),
          S.success({ has_more: true }),
          // The interrupted lease's release.
          C.reset(),
          S.success(),
          C.run("RETURN 2 AS n", {}, Stub.any),
          S.success({ fields: ["n"] }),
          C.pull(),
          S.record([2]),
          S.success({ type: "r" })
        ),
        { verifyOnClose: false }
      )
      yield* Effect.gen(function*() {
        const session = yield* Neo4j.session()
        const read = yield* Deferred.make<void>()
        const user = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
          const cursor = yield* session.cursor("RETURN n")
          yield* cursor.next
          yield* Deferred.succeed(read, undefined)
          return yield* Effect.never
        })))
        yield* Deferred.await(read)
        yield* Fiber.interrupt(user)
        yield* idleAgain
        const next = yield* Effect.exit(session.run("RETURN 2 AS n"))
        assert.deepStrictEqual(server.problems, [], server.problems.join("\n"))
        assert.deepStrictEqual(server.messages("PULL").length, 2, "no PULL for the interrupted cursor")
        assert.isTrue(next._tag === "Success", String(next))
        yield* idleAgain
      }).pipe(Effect.provide(driverLayer(server, { verifyConnectivity: false })))
    }))
})
