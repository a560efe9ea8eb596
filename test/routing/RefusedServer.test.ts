/**
 * A server of the routing table that refuses connections is forgotten and the next one used
 * (issue 14, deviation 5: TestKit routing `..._not_a_leader_code`, where the refused 9021 surfaced
 * as the session's error).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { formatAddress } from "../../src/internal/uri.ts"
import { C, Code, S, Stub, StubServer } from "../stub/index.ts"
import * as Cluster from "./cluster.ts"

const deadAddress = (name: string) =>
  Effect.gen(function*() {
    const server = yield* StubServer.make(undefined, { name, verifyOnClose: false })
    yield* Effect.promise(() => server.close())
    return server.address
  })

/** A router whose table names itself as router and reader and one writer, which the test scripts. */
const routerAndWriter = Effect.gen(function*() {
  const router = yield* StubServer.make(undefined, { name: "router" })
  const writer = yield* StubServer.make(undefined, { name: "writer" })
  router.script(Stub.connection(
    Stub.handshakeAndHello(),
    Stub.route(
      { routers: [router.address], readers: [router.address], writers: [writer.address], ttl: 300, db: "neo4j" },
      { extra: { db: "neo4j" } }
    )
  ))
  return { router, writer }
})

describe("a refused server of the routing table", () => {
  it.effect("is forgotten, and the work runs on the next writer", () =>
    Effect.gen(function*() {
      const dead = yield* deadAddress("dead-writer")
      const router = yield* StubServer.make(undefined, { name: "router" })
      const writer = yield* StubServer.make(undefined, { name: "writer" })
      router.script(Stub.connection(
        Stub.handshakeAndHello(),
        Stub.route(
          { routers: [router.address], readers: [router.address], writers: [dead, writer.address], ttl: 300, db: "neo4j" },
          { extra: { db: "neo4j" } }
        )
      ))
      writer.script(Stub.connection(
        Stub.handshakeAndHello(),
        Stub.autoCommit("RETURN 1 AS n", { fields: ["n"], records: [[1]] }),
        Stub.autoCommit("RETURN 1 AS n", { fields: ["n"], records: [[1]] })
      ))
      const cluster = yield* Cluster.make(router.routingUri())
      // Twice: whichever writer the balancer picks first, the dead one is skipped and forgotten.
      for (let i = 0; i < 2; i++) {
        const result = yield* cluster.session({ database: "neo4j" }).run("RETURN 1 AS n")
        assert.strictEqual(result.records[0]!.get("n"), 1)
      }
      const table = yield* cluster.router.table("neo4j")
      assert.deepStrictEqual(table?.writers.map(formatAddress), [writer.address])
      assert.strictEqual(router.messages("ROUTE").length, 1)
    }))

  it.effect("all writers refused: the error says no writer is left, after trying each once, without a new ROUTE", () =>
    Effect.gen(function*() {
      const dead1 = yield* deadAddress("dead-1")
      const dead2 = yield* deadAddress("dead-2")
      const router = yield* StubServer.make(undefined, { name: "router" })
      const rt = { routers: [router.address], readers: [router.address], writers: [dead1, dead2], ttl: 300, db: "neo4j" }
      router.script(Stub.connection(
        Stub.handshakeAndHello(),
        Stub.route(rt, { extra: { db: "neo4j" } }),
        Stub.optional(Stub.route(rt, { extra: { db: "neo4j" } }))
      ))
      const cluster = yield* Cluster.make(router.routingUri())
      const error = yield* Effect.flip(cluster.session({ database: "neo4j" }).run("RETURN 1 AS n"))
      assert.strictEqual(error._tag, "Neo4jConnectionError")
      assert.isTrue(error.isRetryable)
      // The table left without writers is fetched again by the next acquisition, not by this one
      // (Java and Go drivers; TestKit routing test_should_write_successfully_after_leader_switch_using_tx_run).
      assert.strictEqual(router.messages("ROUTE").length, 1)
      assert.deepStrictEqual((yield* cluster.router.table("neo4j"))?.writers, [])
    }))

  it.effect("a writer answering NotALeader in an explicit transaction is forgotten at once, not when the scope ends", () =>
    Effect.gen(function*() {
      const { router, writer } = yield* routerAndWriter
      writer.script(Stub.connection(
        Stub.handshakeAndHello(),
        C.begin(),
        S.success(),
        C.run("CREATE ()"),
        S.failure(Code.NOT_A_LEADER),
        C.pull(),
        S.ignored(),
        Stub.reset()
      ))
      const cluster = yield* Cluster.make(router.routingUri())
      const writers = yield* Effect.scoped(Effect.gen(function*() {
        const tx = yield* cluster.session({ database: "neo4j" }).beginTransaction()
        const error = yield* Effect.flip(tx.run("CREATE ()"))
        assert.strictEqual((error as { code?: string }).code, Code.NOT_A_LEADER)
        // Still inside the transaction's scope, which will end without a failure.
        return (yield* cluster.router.table("neo4j"))?.writers.map(formatAddress)
      }))
      assert.deepStrictEqual(writers, [])
    }))

  it.effect("a writer answering NotALeader to a session's cursor is forgotten", () =>
    Effect.gen(function*() {
      const { router, writer } = yield* routerAndWriter
      writer.script(Stub.connection(
        Stub.handshakeAndHello(),
        C.run("CREATE ()"),
        S.failure(Code.NOT_A_LEADER),
        C.pull(),
        S.ignored(),
        Stub.optional(Stub.reset())
      ))
      const cluster = yield* Cluster.make(router.routingUri())
      const error = yield* Effect.flip(Effect.scoped(cluster.session({ database: "neo4j" }).cursor("CREATE ()")))
      assert.strictEqual((error as { code?: string }).code, Code.NOT_A_LEADER)
      assert.deepStrictEqual((yield* cluster.router.table("neo4j"))?.writers.map(formatAddress), [])
    }))
})
