/**
 * `Neo4j.layerConfig`: options read through the current `ConfigProvider` (`NEO4J_URI`,
 * `NEO4J_USERNAME`, `NEO4J_PASSWORD`) when the layer is built, `overrides` on top, a `Config` of the
 * caller's own instead, and a missing URI as a `ConfigError`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Neo4j from "../../src/Neo4j.ts"
import { errorOf } from "./driverHelpers.ts"
import * as Stub from "./Script.ts"
import * as StubServer from "./StubServer.ts"

const withEnv = (env: Record<string, string>) => Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord(env)))

/**
 * A server that expects one connection authenticated as `principal` / `credentials`: the layer's
 * check opens it, and each later `verifyConnectivity` / `getServerInfo` proves it with a RESET.
 */
const serverFor = (principal: string, credentials: string, resets: number) =>
  StubServer.make(
    Stub.connection(
      Stub.handshakeAndHello({ auth: Stub.partial({ scheme: "basic", principal, credentials }) }),
      ...Array.from({ length: resets }, () => Stub.reset())
    )
  )

describe("Neo4j.layerConfig", () => {
  it.live("reads NEO4J_URI, NEO4J_USERNAME and NEO4J_PASSWORD when the layer is built", () =>
    Effect.gen(function*() {
      const server = yield* serverFor("alice", "s3cret", 2)
      const layer = Neo4j.layerConfig().pipe(
        withEnv({ NEO4J_URI: server.uri, NEO4J_USERNAME: "alice", NEO4J_PASSWORD: "s3cret" })
      )
      const info = yield* Neo4j.verifyConnectivity.pipe(Effect.andThen(Neo4j.getServerInfo), Effect.provide(layer))
      assert.strictEqual(info.address, server.uri.replace("bolt://", ""))
      assert.strictEqual(server.messages("LOGON").length, 1)
    }))

  it.live("applies overrides on top of what was read", () =>
    Effect.gen(function*() {
      const server = yield* serverFor("bob", "s3cret", 1)
      const layer = Neo4j.layerConfig(undefined, { username: "bob" }).pipe(
        withEnv({ NEO4J_URI: server.uri, NEO4J_USERNAME: "alice", NEO4J_PASSWORD: "s3cret" })
      )
      yield* Neo4j.verifyConnectivity.pipe(Effect.provide(layer))
      assert.strictEqual(server.messages("LOGON").length, 1)
    }))

  it.live("takes a Config of the caller's own", () =>
    Effect.gen(function*() {
      const server = yield* serverFor("carol", "pw", 1)
      const options = Config.map(Config.String("DB_URL"), (uri) => ({ uri, username: "carol", password: "pw" }))
      const layer = Neo4j.layerConfig(options).pipe(withEnv({ DB_URL: server.uri }))
      yield* Neo4j.verifyConnectivity.pipe(Effect.provide(layer))
      assert.strictEqual(server.messages("LOGON").length, 1)
    }))

  it.effect("fails with a ConfigError naming NEO4J_URI when it is not set", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Neo4j.verifyConnectivity.pipe(Effect.provide(Neo4j.layerConfig().pipe(withEnv({})))))
      const error = errorOf(exit)
      assert.instanceOf(error, Config.ConfigError)
      assert.include(String(error), "NEO4J_URI")
    }))
})
