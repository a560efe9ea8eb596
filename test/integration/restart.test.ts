/**
 * A server killed under a running query: the query fails with a connection error, the broken
 * connection is not reused, and once a server listens again on that port the same driver works.
 * Needs a server of its own to kill, so it runs where the embedded launcher is available.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule, Stream } from "effect"
import { inject } from "vitest"
import { startNeo4j } from "../../scripts/neo4j/launcher.ts"
import * as Neo4j from "../../src/Neo4j.ts"
import { Neo4jConnectionError } from "../../src/Neo4jError.ts"

const embedded = inject("neo4jServers").some((server) => server.source === "embedded")
const PASSWORD = "restart-test"

describe("server restart", () => {
  it.live.skipIf(!embedded)("a killed server gives a connection error; the same driver works once it is back", () =>
    Effect.gen(function*() {
      const first = yield* Effect.acquireRelease(
        Effect.promise(() => startNeo4j({ line: "5.26", password: PASSWORD })),
        (server) => Effect.promise(() => server.stop())
      )
      const driver = yield* Neo4j.make({ uri: first.uri, username: "neo4j", password: PASSWORD })
      const ok = yield* driver.executeQuery("RETURN 1 AS one")
      assert.strictEqual(ok.records[0]!.get("one"), 1)

      // A long stream is running when the JVM dies.
      let received = 0
      const running = driver.stream("UNWIND range(1, 100000000) AS i RETURN i", {}, { fetchSize: 100 }).pipe(
        Stream.runForEach(() =>
          Effect.sync(() => {
            received++
            if (received === 1000) process.kill(first.javaPid, "SIGKILL")
          })
        )
      )
      const failure = yield* Effect.flip(running)
      assert.isAtLeast(received, 1000)
      assert.instanceOf(failure, Neo4jConnectionError)
      assert.isTrue((failure as Neo4jConnectionError).isRetryable)
      yield* Effect.promise(() => first.stop())

      const down = yield* Effect.flip(driver.executeQuery("RETURN 1", {}, { retry: Schedule.recurs(0) }))
      assert.instanceOf(down, Neo4jConnectionError)

      yield* Effect.acquireRelease(
        Effect.promise(() => startNeo4j({ line: "5.26", port: first.port, password: PASSWORD })),
        (server) => Effect.promise(() => server.stop())
      )
      const back = yield* driver.executeQuery("RETURN 2 AS two")
      assert.strictEqual(back.records[0]!.get("two"), 2)
      const stats = yield* driver.poolStats
      assert.strictEqual(stats.reduce((n, s) => n + s.inUse, 0), 0)
    }).pipe(Effect.scoped), 240_000)
})
