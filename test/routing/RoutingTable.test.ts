import { assert, describe, it } from "@effect/vitest"
import * as Auth from "../../src/Neo4jAuth.ts"
import { Neo4jProtocolError } from "../../src/Neo4jError.ts"
import { HomeDatabaseCache, userKey } from "../../src/routing/HomeDatabaseCache.ts"
import { LeastConnected, loadFromStats } from "../../src/routing/LoadBalancer.ts"
import * as RoutingTable from "../../src/routing/RoutingTable.ts"

const a = (port: number) => ({ host: "10.0.0.1", port })
const from = a(7687)

const table = (overrides: Partial<Parameters<typeof RoutingTable.fromRoute>[0]> = {}) => {
  const built = RoutingTable.fromRoute({
    ttl: 300,
    db: "neo4j",
    routers: ["10.0.0.1:1", "10.0.0.1:2"],
    readers: ["10.0.0.1:2", "10.0.0.1:3"],
    writers: ["10.0.0.1:1"],
    ...overrides
  }, { now: 1_000, requested: undefined, from })
  if (built instanceof Neo4jProtocolError) throw built
  return built
}

describe("RoutingTable", () => {
  it("builds a table from ROUTE SUCCESS with an expiry from the ttl in seconds", () => {
    const t = table()
    assert.deepStrictEqual(t.routers, [a(1), a(2)])
    assert.deepStrictEqual(t.readers, [a(2), a(3)])
    assert.deepStrictEqual(t.writers, [a(1)])
    assert.strictEqual(t.database, "neo4j")
    assert.strictEqual(t.expiresAt, 1_000 + 300_000)
    assert.deepStrictEqual(t.fetchedFrom, from)
  })

  it("parses IPv6 and host-only addresses and drops duplicates", () => {
    const t = table({ routers: ["[::1]:7000", "db.example", "db.example:7687"] })
    assert.deepStrictEqual(t.routers, [{ host: "::1", port: 7000 }, { host: "db.example", port: 7687 }])
  })

  it("rejects tables without routers or readers, and invalid addresses, but accepts no writers", () => {
    const build = (route: Partial<Parameters<typeof RoutingTable.fromRoute>[0]>) =>
      RoutingTable.fromRoute(
        { ttl: 1, db: "x", routers: ["h:1"], readers: ["h:2"], writers: [], ...route },
        { now: 0, requested: "x", from }
      )
    assert.instanceOf(build({ routers: [] }), Neo4jProtocolError)
    assert.instanceOf(build({ readers: [] }), Neo4jProtocolError)
    assert.instanceOf(build({ readers: ["h:99999"] }), Neo4jProtocolError)
    assert.notInstanceOf(build({}), Neo4jProtocolError)
  })

  it("falls back to the requested database when the server names none", () => {
    const t = RoutingTable.fromRoute(
      { ttl: 1, db: undefined, routers: ["h:1"], readers: ["h:1"], writers: [] },
      { now: 0, requested: "movies", from }
    )
    assert.strictEqual((t as RoutingTable.RoutingTable).database, "movies")
  })

  it("is stale when expired, without routers, or without a server of the role", () => {
    const t = table()
    assert.isFalse(RoutingTable.isStaleFor(t, "READ", t.expiresAt - 1))
    assert.isTrue(RoutingTable.isStaleFor(t, "READ", t.expiresAt))
    assert.isTrue(RoutingTable.isStaleFor({ ...t, routers: [] }, "READ", 0))
    assert.isTrue(RoutingTable.isStaleFor({ ...t, writers: [] }, "WRITE", 0))
    assert.isFalse(RoutingTable.isStaleFor({ ...t, writers: [] }, "READ", 0))
    assert.isTrue(RoutingTable.isStaleFor({ ...t, readers: [] }, "READ", 0))
  })

  it("forgets a failed server as reader and writer but keeps it as a router", () => {
    const t = RoutingTable.forget(table(), a(1))
    assert.deepStrictEqual(t.writers, [])
    assert.deepStrictEqual(t.routers, [a(1), a(2)])
    const u = RoutingTable.forget(t, a(2))
    assert.deepStrictEqual(u.readers, [a(3)])
    assert.strictEqual(RoutingTable.forget(u, a(42)), u, "an unknown server leaves the table as it is")
  })

  it("forgets a writer only as a writer, and a router only as a router", () => {
    const t = table({ readers: ["10.0.0.1:1"] })
    const w = RoutingTable.forgetWriter(t, a(1))
    assert.deepStrictEqual(w.writers, [])
    assert.deepStrictEqual(w.readers, [a(1)])
    const r = RoutingTable.forgetRouter(t, a(1))
    assert.deepStrictEqual(r.routers, [a(2)])
    assert.deepStrictEqual(r.writers, [a(1)])
  })

  it("lists every server once and becomes purgeable 30 s after expiry", () => {
    const t = table()
    assert.deepStrictEqual([...RoutingTable.servers(t).keys()].sort(), ["10.0.0.1:1", "10.0.0.1:2", "10.0.0.1:3"])
    assert.isFalse(RoutingTable.isPurgeable(t, t.expiresAt + RoutingTable.TABLE_TIMING.PURGE_DELAY_MILLIS - 1))
    assert.isTrue(RoutingTable.isPurgeable(t, t.expiresAt + RoutingTable.TABLE_TIMING.PURGE_DELAY_MILLIS))
  })

  it("describes itself for logs and errors", () => {
    assert.strictEqual(
      RoutingTable.describe(table()),
      "database 'neo4j': routers [10.0.0.1:1, 10.0.0.1:2], readers [10.0.0.1:2, 10.0.0.1:3], writers [10.0.0.1:1]"
    )
  })
})

describe("LeastConnected", () => {
  const servers = [a(1), a(2), a(3)]
  const stats = (loads: Record<string, number>) =>
    loadFromStats(Object.entries(loads).map(([address, inUse]) => ({ address, inUse, idle: 0, creating: 0, waiting: 0 })))

  it("picks the server with the fewest connections in use", () => {
    const balancer = new LeastConnected()
    const load = stats({ "10.0.0.1:1": 5, "10.0.0.1:2": 1, "10.0.0.1:3": 7 })
    for (let i = 0; i < 5; i++) assert.deepStrictEqual(balancer.select("READ", servers, load), a(2))
  })

  it("breaks ties round-robin, per role", () => {
    const balancer = new LeastConnected()
    const idle = stats({})
    const reads = Array.from({ length: 6 }, () => balancer.select("READ", servers, idle)!.port)
    assert.deepStrictEqual(reads, [1, 2, 3, 1, 2, 3])
    assert.strictEqual(balancer.select("WRITE", servers, idle)!.port, 1, "writes rotate on their own")
  })

  it("counts connections being created and waited for as load", () => {
    const load = loadFromStats([
      { address: "10.0.0.1:1", inUse: 0, idle: 9, creating: 2, waiting: 0 },
      { address: "10.0.0.1:2", inUse: 1, idle: 0, creating: 0, waiting: 3 },
      { address: "10.0.0.1:3", inUse: 1, idle: 0, creating: 0, waiting: 0 }
    ])
    assert.strictEqual(new LeastConnected().select("READ", servers, load)!.port, 3)
  })

  it("has nothing to pick from an empty list", () => {
    assert.isUndefined(new LeastConnected().select("READ", [], stats({})))
  })
})

describe("HomeDatabaseCache", () => {
  it("keys users by impersonated user, then auth principal, never by secret", () => {
    assert.strictEqual(userKey({}), "driver")
    assert.strictEqual(userKey({ impersonatedUser: "ann", auth: Auth.basic("bob", "pw") }), "impersonated:ann")
    assert.strictEqual(userKey({ auth: Auth.basic("bob", "secret-pw") }), "basic::bob")
    const token = Auth.bearer("secret-token")
    assert.strictEqual(userKey({ auth: token }), userKey({ auth: token }))
    assert.notStrictEqual(userKey({ auth: token }), userKey({ auth: Auth.bearer("secret-token") }))
    assert.notInclude(userKey({ auth: token }), "secret")
  })

  it("expires entries, invalidates per user and per database, and evicts the oldest beyond its size", () => {
    const cache = new HomeDatabaseCache(2)
    cache.set("u1", "db1", 100)
    assert.strictEqual(cache.get("u1", 99), "db1")
    assert.isUndefined(cache.get("u1", 100))
    cache.set("u1", "db1", 1_000)
    cache.set("u2", "db1", 1_000)
    cache.invalidateDatabase("db1")
    assert.strictEqual(cache.size, 0)
    cache.set("u1", "a", 1_000)
    cache.set("u2", "b", 1_000)
    cache.set("u3", "c", 1_000)
    assert.isUndefined(cache.get("u1", 0))
    assert.strictEqual(cache.get("u3", 0), "c")
    cache.invalidate("u3")
    assert.isUndefined(cache.get("u3", 0))
  })
})
