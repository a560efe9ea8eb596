/**
 * The driver layers connect once when built (issue 15): a wrong password, port or scheme fails the
 * program at start, with the typed error, without retries and within `connectionTimeout`, instead
 * of the first query after 30 s of retries. `verifyConnectivity: false` builds without a connection.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer } from "effect"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Net from "node:net"
import * as Neo4j from "../../src/Neo4j.ts"
import * as Auth from "../../src/Neo4jAuth.ts"
import { Neo4jAuthenticationError, Neo4jConnectionError } from "../../src/Neo4jError.ts"
import * as Stub from "../stub/Script.ts"
import { Code } from "../stub/Script.ts"
import * as StubServer from "../stub/StubServer.ts"

const PASSWORD = "layer-secret-pw"

/** Builds `layer` alone (no query), timing it. */
const buildOf = <E>(layer: Layer.Layer<Neo4j.Neo4j, E>) =>
  Effect.gen(function*() {
    const started = Date.now()
    const exit = yield* Effect.exit(Effect.scoped(Layer.build(layer)))
    return { exit, ms: Date.now() - started }
  })

const errorOf = (exit: Exit.Exit<unknown, unknown>): unknown => Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined

/** A port nothing listens on (bound, then closed). */
const closedPort = Effect.callback<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as Net.AddressInfo
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** Accepts and never writes, for the life of the test's scope. */
const silentServer = Effect.acquireRelease(
  Effect.callback<Net.Server>((resume) => {
    const server = Net.createServer((socket) => void socket.on("error", () => {}))
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) => Effect.sync(() => server.close())
).pipe(Effect.map((server) => (server.address() as Net.AddressInfo).port))

describe("Neo4j.layer verifies connectivity and credentials when built", () => {
  it.live("a wrong password fails the build at once with Neo4jAuthenticationError, one connection, no retry", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(Stub.connection(Stub.handshakeAndHello({ authFailure: Code.UNAUTHORIZED })))
      const { exit, ms } = yield* buildOf(Neo4j.layer({ uri: server.uri, username: "neo4j", password: PASSWORD }))
      const error = errorOf(exit)
      assert.instanceOf(error, Neo4jAuthenticationError)
      assert.strictEqual((error as Neo4jAuthenticationError).code, Code.UNAUTHORIZED)
      assert.notInclude(String((error as Error).message), PASSWORD)
      assert.strictEqual(server.connectionCount, 1)
      assert.isBelow(ms, 1_000, `took ${ms} ms`)
    }))

  it.live("Neo4j.layerConfig (and so Neo4jLive) verifies too", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(Stub.connection(Stub.handshakeAndHello({ authFailure: Code.UNAUTHORIZED })))
      const env = ConfigProvider.layer(ConfigProvider.fromEnvRecord({ NEO4J_URI: server.uri, NEO4J_PASSWORD: PASSWORD }))
      const { exit } = yield* buildOf(Neo4j.layerConfig().pipe(Layer.provide(env)))
      assert.instanceOf(errorOf(exit), Neo4jAuthenticationError)
    }))

  it.live("a port nothing listens on fails the build with Refused, not retried", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const { exit, ms } = yield* buildOf(Neo4j.layer({ uri: `bolt://127.0.0.1:${port}`, username: "neo4j", password: PASSWORD }))
      const error = errorOf(exit)
      assert.instanceOf(error, Neo4jConnectionError)
      assert.strictEqual((error as Neo4jConnectionError).reason, "Refused")
      assert.isBelow(ms, 1_000, `took ${ms} ms`)
    }))

  for (const scheme of ["bolt", "neo4j"]) {
    // bolt://: the connect's own bound; neo4j://: routing table and reader bounded together.
    it.live(`${scheme}://: a server that never answers fails the build with Timeout within connectionTimeout`, () =>
      Effect.gen(function*() {
        const port = yield* silentServer
        const { exit, ms } = yield* buildOf(Neo4j.layer({
          uri: `${scheme}://127.0.0.1:${port}`,
          username: "neo4j",
          password: PASSWORD,
          connectionTimeout: "500 millis"
        }))
        const error = errorOf(exit)
        assert.instanceOf(error, Neo4jConnectionError)
        assert.strictEqual((error as Neo4jConnectionError).reason, "Timeout")
        assert.isAtLeast(ms, 450)
        assert.isBelow(ms, 1_500, `took ${ms} ms`)
      }), 10_000)
  }

  it.live("the verified connection is pooled: later calls reuse it, proving it with RESET", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(Stub.connection(Stub.handshakeAndHello(), Stub.reset(), Stub.reset()))
      yield* Neo4j.verifyConnectivity.pipe(
        Effect.andThen(Neo4j.verifyConnectivity),
        Effect.provide(Neo4j.layer({ uri: server.uri, username: "neo4j", password: PASSWORD }))
      )
      assert.strictEqual(server.connectionCount, 1)
      assert.strictEqual(server.messages("HELLO").length, 1)
      assert.strictEqual(server.messages("RESET").length, 2)
    }))

  it.live("a token manager that handles the rejection gets its new token tried once more", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make([
        Stub.connection(Stub.handshakeAndHello({ authFailure: Code.UNAUTHORIZED })),
        Stub.connection(Stub.handshakeAndHello())
      ])
      let fetched = 0
      const auth = Auth.basicTokenManager(Effect.sync(() => {
        fetched++
        return { token: Auth.basic("neo4j", fetched === 1 ? "stale-password" : PASSWORD) }
      }))
      const { exit } = yield* buildOf(Neo4j.layer({ uri: server.uri, auth }))
      assert.isTrue(Exit.isSuccess(exit), String(errorOf(exit)))
      assert.strictEqual(fetched, 2)
      assert.strictEqual(server.connectionCount, 2)
    }))

  it.live("verifyConnectivity: false builds without connecting", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const { exit } = yield* buildOf(Neo4j.layer({
        uri: `bolt://127.0.0.1:${port}`,
        username: "neo4j",
        password: PASSWORD,
        verifyConnectivity: false
      }))
      assert.isTrue(Exit.isSuccess(exit))
    }))
})
