/**
 * Routing against stub-server clusters: several stub servers on loopback ports, each playing its
 * script, and a routing driver (see `cluster.ts`) running sessions and transaction functions
 * against them. Table expiry runs on the TestClock; the sockets are real.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Scope } from "effect"
import { TestClock } from "effect/testing"
import { formatAddress, parseAddress } from "../../src/internal/uri.ts"
import type { Neo4jConnectionError } from "../../src/Neo4jError.ts"
import { C, Code, Pattern, S, Stub, StubServer } from "../stub/index.ts"
import * as Cluster from "./cluster.ts"

const QUERY = "RETURN 1 AS n"
const answer = Stub.autoCommit(QUERY, { fields: ["n"], records: [[1]] })
const table = (servers: { routers: Array<string>; readers: Array<string>; writers: Array<string> }, ttl = 300) => ({
  ...servers,
  ttl
})
const DB = { extra: { db: "neo4j" } }

/** Servers named by role; a table can name them before their scripts are added. */
const servers = (...names: ReadonlyArray<string>) =>
  Effect.forEach(names, (name) => StubServer.make(undefined, { name }))

/** An address nothing listens on: a stub server that was started and closed again. */
const deadAddress = Effect.gen(function*() {
  const server = yield* StubServer.make(undefined, { name: "dead", verifyOnClose: false })
  yield* Effect.promise(() => server.close())
  return server.address
})

const readSession = (cluster: Cluster.ClusterDriver, database: string | undefined) =>
  cluster.session({ database, defaultAccessMode: "READ" })

describe("routing against stub clusters", () => {
  it.effect("discovers the cluster: ROUTE with the routing context, reads to a reader, writes to the writer", () =>
    Effect.gen(function*() {
      const [router, reader, writer] = yield* servers("router", "reader", "writer")
      router.script(Stub.connection(
        Stub.handshakeAndHello({ hello: Pattern.partial({ routing: Pattern.partial({ region: "eu" }) }) }),
        Stub.route(
          table({ routers: [router!.address], readers: [reader!.address], writers: [writer!.address] }),
          { routing: { address: router!.address, region: "eu" }, bookmarks: [], extra: { db: "neo4j" } }
        )
      ))
      reader!.script(Stub.connection(Stub.handshakeAndHello(), Stub.autoCommit(QUERY, { fields: ["n"], records: [[7]], extra: Pattern.partial({ mode: "r", db: "neo4j" }) })))
      writer!.script(Stub.connection(Stub.handshakeAndHello(), Stub.transaction({ queries: [{ query: "CREATE ()" }] })))
      const cluster = yield* Cluster.make(router!.routingUri({ region: "eu" }))
      const session = readSession(cluster, "neo4j")
      const read = yield* session.run(QUERY)
      assert.strictEqual(read.records[0]!.get("n"), 7)
      yield* session.executeWrite((tx) => tx.run("CREATE ()"))
      assert.strictEqual(router!.messages("ROUTE").length, 1)
      const current = yield* cluster.router.table("neo4j")
      assert.deepStrictEqual(current?.writers.map(formatAddress), [writer!.address])
    }))

  it.effect("leader switch during executeWrite: NotALeader on the old leader, the write lands on the new one", () =>
    Effect.gen(function*() {
      const [router, oldLeader, newLeader] = yield* servers("router", "old-leader", "new-leader")
      router!.script(Stub.connection(
        Stub.handshakeAndHello(),
        Stub.route(table({ routers: [router!.address], readers: [router!.address], writers: [oldLeader!.address] }), DB),
        Stub.route(table({ routers: [router!.address], readers: [oldLeader!.address], writers: [newLeader!.address] }), DB)
      ))
      oldLeader!.script(Stub.connection(
        Stub.handshakeAndHello(),
        C.begin(),
        S.success(),
        C.run("CREATE (:Person)"),
        S.failure(Code.NOT_A_LEADER),
        C.pull(),
        S.ignored(),
        Stub.reset()
      ))
      newLeader!.script(Stub.connection(
        Stub.handshakeAndHello(),
        Stub.transaction({ queries: [{ query: "CREATE (:Person)" }], bookmark: "bm:new-leader" })
      ))
      const cluster = yield* Cluster.make(router!.routingUri())
      const session = cluster.session({ database: "neo4j" })
      yield* session.executeWrite((tx) => tx.run("CREATE (:Person)"))
      assert.deepStrictEqual(yield* session.lastBookmarks, ["bm:new-leader"])
      assert.deepStrictEqual(cluster.routes.map((r) => formatAddress(r.address)), [oldLeader!.address, newLeader!.address])
      assert.strictEqual(router!.messages("ROUTE").length, 2, "forgetting the only writer forced a refresh")
      const current = yield* cluster.router.table("neo4j")
      assert.deepStrictEqual(current?.writers.map(formatAddress), [newLeader!.address])
    }))

  it.effect("a reader that goes down mid-read is forgotten and the read is retried on another reader", () =>
    Effect.gen(function*() {
      const [router, first, second] = yield* servers("router", "reader-1", "reader-2")
      router!.script(Stub.connection(
        Stub.handshakeAndHello(),
        Stub.route(table({ routers: [router!.address], readers: [first!.address, second!.address], writers: [router!.address] }), DB)
      ))
      first!.script(Stub.connection(
        Stub.handshakeAndHello(),
        C.begin(),
        S.success(),
        C.run(QUERY),
        S.success({ fields: ["n"] }),
        C.pull(),
        S.record([1]),
        S.abort()
      ))
      second!.script(Stub.connection(
        Stub.handshakeAndHello(),
        Stub.transaction({ queries: [{ query: QUERY, fields: ["n"], records: [[1], [2]] }] })
      ))
      const cluster = yield* Cluster.make(router!.routingUri())
      const result = yield* readSession(cluster, "neo4j").executeRead((tx) => tx.run(QUERY))
      assert.deepStrictEqual(result.records.map((r) => r.get("n")), [1, 2])
      assert.deepStrictEqual(cluster.routes.map((r) => formatAddress(r.address)), [first!.address, second!.address])
      const current = yield* cluster.router.table("neo4j")
      assert.deepStrictEqual(current?.readers.map(formatAddress), [second!.address])
      assert.strictEqual(router!.messages("ROUTE").length, 1, "one reader left: no refresh needed")
    }))

  it.effect("refreshes an expired table and closes the idle connections of servers that left it", () =>
    Effect.gen(function*() {
      const [router, before, after] = yield* servers("router", "reader-before", "reader-after")
      router!.script(Stub.connection(
        Stub.handshakeAndHello(),
        Stub.route(table({ routers: [router!.address], readers: [before!.address], writers: [router!.address] }, 10), DB),
        Stub.route(table({ routers: [router!.address], readers: [after!.address], writers: [router!.address] }, 10), DB)
      ))
      before!.script(Stub.connection(Stub.handshakeAndHello(), answer, answer))
      after!.script(Stub.connection(Stub.handshakeAndHello(), answer))
      const cluster = yield* Cluster.make(router!.routingUri())
      const session = readSession(cluster, "neo4j")
      yield* session.run(QUERY)
      yield* TestClock.adjust(Duration.millis(9_999))
      yield* session.run(QUERY)
      assert.strictEqual(router!.messages("ROUTE").length, 1)
      yield* TestClock.adjust(Duration.millis(1))
      yield* session.run(QUERY)
      assert.strictEqual(router!.messages("ROUTE").length, 2)
      assert.deepStrictEqual(cluster.routes.map((r) => formatAddress(r.address)), [before!.address, before!.address, after!.address])
      const stats = yield* cluster.driver.pool.stats
      assert.isUndefined(stats.find((s) => s.address === before!.address), "the old reader's connection was purged")
      yield* before!.waitForMessages("GOODBYE", 1)
    }))

  it.effect("all routers down: the error names each router tried and why it failed", () =>
    Effect.gen(function*() {
      const dead = yield* deadAddress
      const [router, reader] = yield* servers("router", "reader")
      router!.script(Stub.connection(
        Stub.handshakeAndHello(),
        Stub.route(table({ routers: [router!.address, dead], readers: [reader!.address], writers: [reader!.address] }, 10), DB)
      ))
      reader!.script(Stub.connection(Stub.handshakeAndHello(), answer))
      const cluster = yield* Cluster.make(router!.routingUri())
      const session = readSession(cluster, "neo4j")
      yield* session.run(QUERY)
      yield* Effect.promise(() => router!.close())
      yield* TestClock.adjust(Duration.seconds(10))
      const error = yield* Effect.flip(session.run(QUERY))
      assert.strictEqual(error._tag, "Neo4jConnectionError")
      assert.strictEqual((error as Neo4jConnectionError).reason, "ServiceUnavailable")
      assert.include(error.message, "Could not get a routing table for database 'neo4j': no routing servers available; tried ")
      assert.include(error.message, `${router!.address} (`)
      assert.include(error.message, `${dead} (Refused`)
      const current = yield* cluster.router.table("neo4j")
      assert.deepStrictEqual(current?.routers, [], "both routers were forgotten")
    }))

  it.effect("a database that does not exist fails fast: one ROUTE, no retries", () =>
    Effect.gen(function*() {
      const [router] = yield* servers("router")
      router!.script(Stub.connection(
        Stub.handshakeAndHello(),
        C.route(Pattern.any, [], { db: "nowhere" }),
        S.failure(Code.DATABASE_NOT_FOUND),
        Stub.reset()
      ))
      const cluster = yield* Cluster.make(router!.routingUri())
      const error = yield* Effect.flip(cluster.session({ database: "nowhere" }).executeRead((tx) => tx.run(QUERY)))
      assert.strictEqual(error._tag, "Neo4jClientError")
      assert.strictEqual((error as { code?: string }).code, Code.DATABASE_NOT_FOUND)
      assert.isFalse(error.isRetryable)
      assert.strictEqual(router!.messages("ROUTE").length, 1)
    }))

  it.effect("resolves the home database once per user: no ROUTE for the second session", () =>
    Effect.gen(function*() {
      const [router, reader] = yield* servers("router", "reader")
      const homeTable = table({ routers: [router!.address], readers: [reader!.address], writers: [reader!.address] })
      // A router that resolves home databases itself (ssr.enabled, Bolt 5.8): its answers are cached.
      router!.script(Stub.connection(
        Stub.handshakeAndHello({ version: "5.8", hints: { "ssr.enabled": true } }),
        Stub.route({ ...homeTable, db: "neo4j" }, { extra: {} }),
        Stub.route({ ...homeTable, db: "annsdb" }, { extra: { imp_user: "ann" } })
      ))
      // Without the ssr.enabled hint the resolved home database is named in RUN (wired driver).
      const home = (db: string) => Pattern.partial({ db: Cluster.WIRED ? db : Pattern.absent })
      reader!.script(Stub.connection(
        Stub.handshakeAndHello(),
        Stub.autoCommit(QUERY, { fields: ["n"], records: [[1]], extra: home("neo4j") }),
        Stub.autoCommit(QUERY, { fields: ["n"], records: [[1]], extra: home("neo4j") }),
        Stub.autoCommit(QUERY, { fields: ["n"], records: [[1]], extra: Pattern.partial({ imp_user: "ann", db: Cluster.WIRED ? "annsdb" : Pattern.absent }) })
      ))
      const cluster = yield* Cluster.make(router!.routingUri())
      yield* readSession(cluster, undefined).run(QUERY)
      yield* readSession(cluster, undefined).run(QUERY)
      assert.strictEqual(router!.messages("ROUTE").length, 1)
      assert.strictEqual(yield* cluster.router.homeDatabase({}), "neo4j")
      assert.deepStrictEqual(cluster.routes.map((r) => [r.database, r.homeDatabase]), [["neo4j", true], ["neo4j", true]])
      yield* cluster.session({ defaultAccessMode: "READ", impersonatedUser: "ann" }).run(QUERY)
      assert.strictEqual(router!.messages("ROUTE").length, 2, "another user resolves on their own")
      assert.strictEqual(yield* cluster.router.homeDatabase({ impersonatedUser: "ann" }), "annsdb")
    }))

  // TestKit (snapshot 5.0) authorization test_dynamic_auth_manager: below Bolt 5.8 / without
  // ssr.enabled, the official drivers send a ROUTE for each session that names no database.
  it.effect("without server-side routing the home database is resolved per session: a ROUTE each", () =>
    Effect.gen(function*() {
      const [router, reader] = yield* servers("router", "reader")
      const homeTable = table({ routers: [router!.address], readers: [reader!.address], writers: [reader!.address] })
      router!.script(Stub.connection(
        Stub.handshakeAndHello(),
        Stub.route({ ...homeTable, db: "neo4j" }, { extra: {} }),
        Stub.route({ ...homeTable, db: "moved" }, { extra: {} })
      ))
      const home = (db: string) => Pattern.partial({ db: Cluster.WIRED ? db : Pattern.absent })
      reader!.script(Stub.connection(
        Stub.handshakeAndHello(),
        Stub.autoCommit(QUERY, { fields: ["n"], records: [[1]], extra: home("neo4j") }),
        Stub.autoCommit(QUERY, { fields: ["n"], records: [[1]], extra: home("moved") })
      ))
      const cluster = yield* Cluster.make(router!.routingUri())
      yield* readSession(cluster, undefined).run(QUERY)
      yield* readSession(cluster, undefined).run(QUERY)
      assert.strictEqual(router!.messages("ROUTE").length, 2)
      assert.isUndefined(yield* cluster.router.homeDatabase({}))
      assert.deepStrictEqual(cluster.routes.map((r) => r.database), ["neo4j", "moved"])
    }))

  it.effect("spreads 100 concurrent reads least-connected over 3 readers", () =>
    Effect.gen(function*() {
      const [router, ...readers] = yield* servers("router", "reader-a", "reader-b", "reader-c")
      router!.script(Stub.connection(
        Stub.handshakeAndHello(),
        Stub.route(table({ routers: [router!.address], readers: readers.map((r) => r.address), writers: [router!.address] }), DB)
      ))
      for (const reader of readers) {
        reader.script(Stub.anyNumberOf(Stub.connection(Stub.handshakeAndHello(), Stub.many(answer))))
      }
      const cluster = yield* Cluster.make(router!.routingUri())
      const session = readSession(cluster, "neo4j")
      yield* Effect.forEach(Array.from({ length: 100 }), () => session.run(QUERY), { concurrency: "unbounded" })
      const runs = readers.map((r) => r.messages("RUN").length)
      assert.strictEqual(runs.reduce((a, b) => a + b, 0), 100)
      // All 100 start before any finishes: equal loads, so the ties rotate: 34/33/33.
      for (const count of runs) assert.isTrue(count === 33 || count === 34, `RUNs per reader: ${runs.join(", ")}`)
      assert.strictEqual(router!.messages("ROUTE").length, 1, "the concurrent first reads shared one discovery")
    }))

  it.effect("sends new work to the least busy reader, by the pool's in-use counts", () =>
    Effect.gen(function*() {
      const [router, busy, halfBusy, idle] = yield* servers("router", "busy", "half-busy", "idle")
      router!.script(Stub.connection(
        Stub.handshakeAndHello(),
        Stub.route(table({ routers: [router!.address], readers: [busy!.address, halfBusy!.address, idle!.address], writers: [router!.address] }), DB)
      ))
      busy!.script(Stub.repeat(Stub.connection(Stub.handshakeAndHello()), 2))
      halfBusy!.script(Stub.connection(Stub.handshakeAndHello()))
      idle!.script(Stub.connection(Stub.handshakeAndHello(), Stub.many(answer)))
      const cluster = yield* Cluster.make(router!.routingUri())
      const session = readSession(cluster, "neo4j")
      yield* cluster.router.select({ mode: "READ", database: "neo4j" })
      const held = yield* Scope.make()
      const at = (server: StubServer.StubServer) => parseAddress(server.address)!
      yield* Scope.provide(cluster.driver.pool.acquire(at(busy!)), held)
      yield* Scope.provide(cluster.driver.pool.acquire(at(busy!)), held)
      yield* Scope.provide(cluster.driver.pool.acquire(at(halfBusy!)), held)
      cluster.routes.length = 0
      for (let i = 0; i < 6; i++) yield* session.run(QUERY)
      assert.deepStrictEqual(new Set(cluster.routes.map((r) => formatAddress(r.address))), new Set([idle!.address]))
      yield* Scope.close(held, Exit.void)
    }))

  it.effect("speaks ROUTE in its Bolt 4.4 form to 4.4 routers", () =>
    Effect.gen(function*() {
      const [router, reader] = yield* servers("router", "reader")
      router!.script(Stub.connection(
        Stub.handshakeAndHello({ version: "4.4" }),
        Stub.route(table({ routers: [router!.address], readers: [reader!.address], writers: [router!.address] }), {
          routing: { address: router!.address },
          // The session's bookmarks reach ROUTE once the driver passes them to acquire.
          bookmarks: Cluster.WIRED ? ["bm:1"] : [],
          extra: { db: "neo4j", imp_user: "ann" }
        })
      ))
      reader!.script(Stub.connection(Stub.handshakeAndHello({ version: "4.4" }), answer))
      const cluster = yield* Cluster.make(router!.routingUri())
      yield* cluster.session({ database: "neo4j", defaultAccessMode: "READ", impersonatedUser: "ann", bookmarks: ["bm:1"] })
        .run(QUERY)
      assert.strictEqual(router!.connections[0]!.version, "4.4")
    }))

  it.effect.skipIf(!Cluster.WIRED)(
    "ssr.enabled on Bolt 5.8: the server resolves the home database, and a different answer invalidates the cache",
    () =>
      Effect.gen(function*() {
        const [router, reader] = yield* servers("router", "reader")
        const homeTable = table({ routers: [router!.address], readers: [reader!.address], writers: [reader!.address] })
        router!.script(Stub.connection(
          Stub.handshakeAndHello({ version: "5.8", hints: { "ssr.enabled": true } }),
          Stub.route({ ...homeTable, db: "neo4j" }, { extra: {} }),
          Stub.route({ ...homeTable, db: "moved" }, { extra: {} })
        ))
        const noDb = Pattern.partial({ db: Pattern.absent })
        reader!.script(Stub.connection(
          Stub.handshakeAndHello({ version: "5.8", hints: { "ssr.enabled": true } }),
          Stub.autoCommit(QUERY, { fields: ["n"], records: [[1]], extra: noDb, runMetadata: { db: "neo4j" } }),
          Stub.autoCommit(QUERY, { fields: ["n"], records: [[1]], extra: noDb, runMetadata: { db: "moved" } }),
          Stub.autoCommit(QUERY, { fields: ["n"], records: [[1]], extra: noDb, runMetadata: { db: "moved" } })
        ))
        const cluster = yield* Cluster.make(router!.routingUri())
        yield* readSession(cluster, undefined).run(QUERY)
        yield* readSession(cluster, undefined).run(QUERY)
        assert.isUndefined(yield* cluster.router.homeDatabase({}), "the server answered 'moved': the entry is gone")
        yield* readSession(cluster, undefined).run(QUERY)
        assert.strictEqual(router!.messages("ROUTE").length, 2)
        assert.strictEqual(yield* cluster.router.homeDatabase({}), "moved")
      })
  )
})
