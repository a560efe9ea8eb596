/**
 * `verifyConnectivity` / `getServerInfo` (issue 14, deviation 6): on `neo4j://` every call fetches
 * the table afresh and tries the readers in order until one answers; a pooled connection proves
 * itself with RESET, a new one with its handshake.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Verify from "../../src/internal/verify.ts"
import * as Neo4j from "../../src/Neo4j.ts"
import * as Auth from "../../src/Neo4jAuth.ts"
import { Stub, StubServer } from "../stub/index.ts"
import * as Cluster from "./cluster.ts"

const servers = (...names: ReadonlyArray<string>) =>
  Effect.forEach(names, (name) => StubServer.make(undefined, { name }))

/** An address nothing listens on: a stub server that was started and closed again. */
const deadAddress = (name: string) =>
  Effect.gen(function*() {
    const server = yield* StubServer.make(undefined, { name, verifyOnClose: false })
    yield* Effect.promise(() => server.close())
    return server.address
  })

describe("verifyConnectivity / getServerInfo", () => {
  it.effect("routing: a fresh ROUTE each call, unreachable readers skipped, a pooled reader RESET", () =>
    Effect.gen(function*() {
      const dead1 = yield* deadAddress("dead-1")
      const dead2 = yield* deadAddress("dead-2")
      const [router, reader, writer] = yield* servers("router", "reader", "writer")
      const rt = (readers: Array<string>) => ({
        routers: [router!.address],
        readers,
        writers: [writer!.address],
        ttl: 300,
        db: "homedb"
      })
      router!.script(Stub.connection(
        Stub.handshakeAndHello(),
        Stub.route(rt([dead1, dead2, reader!.address]), { extra: {} }),
        Stub.route(rt([reader!.address]), { extra: {} })
      ))
      reader!.script(Stub.connection(Stub.handshakeAndHello(), Stub.reset()))
      const cluster = yield* Cluster.make(router!.routingUri())
      const first = yield* Verify.serverInfo(cluster.driver, undefined)
      assert.strictEqual(first.address, reader!.address)
      assert.strictEqual(router!.messages("ROUTE").length, 1)
      assert.strictEqual(reader!.messages("RESET").length, 0, "a new connection proved itself with HELLO")
      const table = yield* cluster.router.table("homedb")
      assert.notInclude(table!.readers.map((a) => `${a.host}:${a.port}`), dead1, "the unreachable reader was forgotten")
      const second = yield* Verify.serverInfo(cluster.driver, undefined)
      assert.strictEqual(second.address, reader!.address)
      assert.strictEqual(router!.messages("ROUTE").length, 2, "the table is fetched afresh")
      assert.strictEqual(reader!.messages("RESET").length, 1, "the pooled connection proved itself with RESET")
      assert.strictEqual(writer!.messages("HELLO").length, 0, "the writer is not contacted")
    }))
})

describe("verifyAuthentication", () => {
  it.effect("routing: the table of the system database, fetched as the user being verified, and a reader logged on as them", () =>
    Effect.gen(function*() {
      // As the official drivers (TestKit authorization verify_authentication, routing=True).
      const [router, reader] = yield* servers("router", "reader")
      const eve = Stub.partial({ scheme: "basic", principal: "eve", credentials: "eves-secret" })
      router!.script(Stub.connection(
        Stub.handshakeAndHello({ auth: eve }),
        Stub.route(
          { routers: [router!.address], readers: [reader!.address], writers: [router!.address], ttl: 300, db: "system" },
          { extra: { db: "system" } }
        )
      ))
      reader!.script(Stub.connection(Stub.handshakeAndHello({ auth: eve })))
      const verified = yield* Neo4j.verifyAuthentication(Auth.basic("eve", "eves-secret")).pipe(
        Effect.provide(Neo4j.layer({ uri: router!.routingUri(), username: "neo4j", password: "secret", verifyConnectivity: false }))
      )
      assert.isTrue(verified)
      assert.strictEqual(router!.messages("ROUTE").length, 1)
      assert.strictEqual(reader!.messages("HELLO").length, 1)
    }))
})
