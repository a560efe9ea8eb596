/**
 * The embedded launcher opens Bolt only once the password is set (issue 15): a client that keeps
 * connecting while a server starts on its port (as during a restart test) sees the connection
 * refused, then success, and never `Unauthorized` for the password the server is started with.
 * Needs a server of its own, so it runs where the embedded launcher is available.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber } from "effect"
import * as Net from "node:net"
import { inject } from "vitest"
import { startNeo4j } from "../../scripts/neo4j/launcher.ts"
import * as Neo4j from "../../src/Neo4j.ts"

const embedded = inject("neo4jServers").some((server) => server.source === "embedded")
const PASSWORD = "launcher-test"

const freePort = Effect.callback<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as Net.AddressInfo
    server.close(() => resume(Effect.succeed(port)))
  })
})

describe("embedded launcher", () => {
  it.live.skipIf(!embedded)("a client connecting while the server starts is refused, then let in, never Unauthorized", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const driver = yield* Neo4j.make({
        uri: `bolt://127.0.0.1:${port}`,
        username: "neo4j",
        password: PASSWORD,
        connectionTimeout: "2 seconds"
      })
      const outcomes: Record<string, number> = {}
      const poller = Effect.gen(function*() {
        while (true) {
          const exit = yield* Effect.exit(driver.verifyConnectivity())
          const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) as { _tag?: string; reason?: string } : undefined
          const outcome = error === undefined ? "ok" : `${error._tag}${error.reason === undefined ? "" : `/${error.reason}`}`
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
          if (outcome === "ok") return
          yield* Effect.sleep("20 millis")
        }
      })
      const polling = yield* Effect.forkChild(poller)
      yield* Effect.acquireRelease(
        Effect.promise(() => startNeo4j({ line: "5.26", port, password: PASSWORD })),
        (server) => Effect.promise(() => server.stop())
      )
      yield* Fiber.join(polling).pipe(Effect.timeout("30 seconds"))
      console.log(`[launcher] outcomes while the server started: ${JSON.stringify(outcomes)}`)
      assert.strictEqual(outcomes["ok"], 1)
      assert.isUndefined(outcomes["Neo4jAuthenticationError"], JSON.stringify(outcomes))
      assert.deepStrictEqual(
        Object.keys(outcomes).filter((k) => k !== "ok" && !k.startsWith("Neo4jConnectionError/")),
        [],
        JSON.stringify(outcomes)
      )
    }).pipe(Effect.scoped), 240_000)
})
