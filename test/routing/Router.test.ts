import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Duration, Effect, Exit, Fiber, Scope } from "effect"
import { TestClock } from "effect/testing"
import type * as Metadata from "../../src/bolt/Metadata.ts"
import { formatAddress, type ServerAddress } from "../../src/internal/uri.ts"
import * as Auth from "../../src/Neo4jAuth.ts"
import {
  Neo4jAuthenticationError,
  Neo4jClientError,
  Neo4jConnectionError,
  type Neo4jError,
  Neo4jTransientError
} from "../../src/Neo4jError.ts"
import type * as Rediscovery from "../../src/routing/Rediscovery.ts"
import * as Router from "../../src/routing/Router.ts"

const seed: ServerAddress = { host: "cluster.example", port: 7687 }
const s = (n: number): ServerAddress => ({ host: `core${n}`, port: 7687 })
const k = (n: number) => `core${n}:7687`

type Answer = (request: Rediscovery.TableRequest) => Effect.Effect<Rediscovery.FetchedTable, Neo4jError>

/** A table from a router that resolves home databases itself (ssr.enabled, Bolt 5.8+): their only cache. */
const ssr = (table: Metadata.RouteMetadata): Rediscovery.FetchedTable => ({ ...table, serverSideRouting: true })

const tableOf = (
  servers: { routers: Array<number>; readers: Array<number>; writers: Array<number> },
  db: string | undefined = "neo4j",
  ttl = 300
): Metadata.RouteMetadata => ({
  ttl,
  db,
  routers: servers.routers.map(k),
  readers: servers.readers.map(k),
  writers: servers.writers.map(k)
})

const refused = (router: ServerAddress) =>
  new Neo4jConnectionError({ reason: "Refused", address: formatAddress(router), message: "connection refused" })

const notFound = new Neo4jClientError({ code: "Neo.ClientError.Database.DatabaseNotFound", message: "no such db" })

/** A fake cluster: per-router answers to ROUTE, pool loads, purges. */
const makeCluster = () => {
  const answers = new Map<string, Answer>()
  const calls: Array<{ readonly router: string; readonly database: string | undefined; readonly impersonated?: string | undefined }> = []
  const load = new Map<string, number>()
  const purged: Array<string> = []
  const fetch: Rediscovery.FetchTable = (router, request) =>
    Effect.suspend(() => {
      calls.push({ router: formatAddress(router), database: request.database, impersonated: request.impersonatedUser })
      const answer = answers.get(formatAddress(router))
      return answer === undefined ? Effect.fail(refused(router)) : answer(request)
    })
  const answer = (router: string, table: Rediscovery.FetchedTable | Answer) =>
    answers.set(router, typeof table === "function" ? table : () => Effect.succeed(table))
  const make = (resolver?: Rediscovery.Resolver) =>
    Router.make({
      seed,
      fetch,
      resolver,
      load: Effect.sync(() => (key: string) => load.get(key) ?? 0),
      purge: (address) => Effect.sync(() => void purged.push(formatAddress(address)))
    })
  return { answers, answer, calls, load, purged, make }
}

const three = { routers: [1, 2, 3], readers: [2, 3], writers: [1] }

describe("Router (routing)", () => {
  it.effect("discovers the cluster from the seed and routes reads to readers, writes to the writer", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      cluster.answer("cluster.example:7687", tableOf(three))
      const router = yield* cluster.make()
      const write = yield* router.select({ mode: "WRITE", database: "neo4j" })
      assert.deepStrictEqual(write.address, s(1))
      const read = yield* router.select({ mode: "READ", database: "neo4j" })
      assert.include(["core2:7687", "core3:7687"], formatAddress(read.address))
      assert.deepStrictEqual(cluster.calls, [{ router: "cluster.example:7687", database: "neo4j", impersonated: undefined }])
      const table = yield* router.table("neo4j")
      assert.deepStrictEqual(table?.routers, [s(1), s(2), s(3)])
      assert.deepStrictEqual(table?.fetchedFrom, seed)
      assert.deepStrictEqual(cluster.purged, ["cluster.example:7687"], "the seed is a door in, named by no table")
    }))

  it.effect("keeps a table until its TTL runs out, then asks the known routers again (TestClock)", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      cluster.answer("cluster.example:7687", tableOf(three, "neo4j", 10))
      cluster.answer(k(1), tableOf(three, "neo4j", 10))
      const router = yield* cluster.make()
      yield* router.select({ mode: "READ", database: "neo4j" })
      yield* TestClock.adjust(Duration.millis(9_999))
      yield* router.select({ mode: "READ", database: "neo4j" })
      assert.strictEqual(cluster.calls.length, 1)
      yield* TestClock.adjust(Duration.millis(1))
      yield* router.select({ mode: "READ", database: "neo4j" })
      assert.deepStrictEqual(cluster.calls.map((c) => c.router), ["cluster.example:7687", k(1)])
      const table = yield* router.table("neo4j")
      assert.strictEqual(table?.expiresAt, 20_000)
    }))

  it.effect("sends the request's bookmarks, database and impersonated user with ROUTE", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      const seen: Array<Rediscovery.TableRequest> = []
      cluster.answer("cluster.example:7687", (request) => Effect.sync(() => (seen.push(request), tableOf(three, "db1"))))
      const router = yield* cluster.make()
      const auth = Auth.basic("bob", "pw")
      yield* router.select({ mode: "READ", database: "db1", bookmarks: ["bm:1", "bm:2"], impersonatedUser: "ann", auth })
      assert.deepStrictEqual(seen, [{ database: "db1", bookmarks: ["bm:1", "bm:2"], impersonatedUser: "ann", auth }])
    }))

  it.effect("tries known routers in order, forgets the failed ones, and falls back to the re-resolved seed", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      const resolved: Array<string> = []
      cluster.answer("cluster.example:7687", tableOf(three, "neo4j", 1))
      const router = yield* cluster.make((address) =>
        Effect.sync(() => {
          resolved.push(formatAddress(address))
          return [{ host: "10.1.1.1", port: 7687 }, { host: "10.1.1.2", port: 7687 }]
        })
      )
      // First discovery goes through the resolver as well.
      cluster.answer("10.1.1.1:7687", tableOf(three, "neo4j", 1))
      yield* router.select({ mode: "READ", database: "neo4j" })
      yield* TestClock.adjust(Duration.seconds(1))
      // Known routers 1..3 are all down; the resolved seed addresses are asked next.
      cluster.answers.delete("10.1.1.1:7687")
      cluster.answer("10.1.1.2:7687", tableOf({ routers: [4], readers: [4], writers: [4] }, "neo4j", 1))
      const route = yield* router.select({ mode: "READ", database: "neo4j" })
      assert.deepStrictEqual(route.address, s(4))
      assert.deepStrictEqual(cluster.calls.map((c) => c.router), [
        "10.1.1.1:7687",
        k(1),
        k(2),
        k(3),
        "10.1.1.1:7687",
        "10.1.1.2:7687"
      ])
      assert.deepStrictEqual(resolved, ["cluster.example:7687", "cluster.example:7687"])
      assert.includeMembers(cluster.purged, [k(1), k(2), k(3)], "servers that left every table are purged")
    }))

  it.effect("all routers down: the error names every router tried and why", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      cluster.answer("cluster.example:7687", tableOf(three, "neo4j", 1))
      const router = yield* cluster.make()
      yield* router.select({ mode: "READ", database: "neo4j" })
      yield* TestClock.adjust(Duration.seconds(1))
      cluster.answers.clear()
      cluster.answer(k(2), () =>
        Effect.fail(new Neo4jTransientError({ code: "Neo.TransientError.General.DatabaseUnavailable", message: "db starting" })))
      const error = yield* Effect.flip(router.select({ mode: "READ", database: "neo4j" }))
      assert.strictEqual(error._tag, "Neo4jConnectionError")
      assert.strictEqual((error as Neo4jConnectionError).reason, "ServiceUnavailable")
      assert.isTrue(error.isRetryable)
      assert.strictEqual(
        error.message,
        "Could not get a routing table for database 'neo4j': no routing servers available; tried " +
          "core1:7687 (Refused, connection refused); " +
          "core2:7687 (Neo4jTransientError, Neo.TransientError.General.DatabaseUnavailable: db starting); " +
          "core3:7687 (Refused, connection refused); " +
          "cluster.example:7687 (Refused, connection refused)"
      )
      const table = yield* router.table("neo4j")
      assert.deepStrictEqual(table?.routers, [], "every failed router was forgotten")
    }))

  it.effect("a database that does not exist fails fast: no other router is asked, and it is not retryable", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      cluster.answer("cluster.example:7687", tableOf(three, "neo4j"))
      cluster.answer(k(1), () => Effect.fail(notFound))
      cluster.answer(k(2), tableOf(three, "nope"))
      const router = yield* cluster.make()
      yield* router.select({ mode: "READ", database: "neo4j" })
      const error = yield* Effect.flip(router.select({ mode: "READ", database: "nope" }))
      assert.strictEqual(error, notFound)
      assert.isFalse(error.isRetryable)
      assert.deepStrictEqual(cluster.calls.map((c) => c.router), ["cluster.example:7687", k(1)])
    }))

  // As the official drivers (TestKit routing test_should_request_rt_from_all_initial_routers_until_successful_on_*):
  // an unknown server error and AuthorizationExpired are worth the next router; a wrong request,
  // Forbidden and other security errors end the search.
  const routeFailures: ReadonlyArray<readonly [error: Neo4jClientError | Neo4jAuthenticationError, next: boolean]> = [
    [new Neo4jClientError({ code: "Neo.ClientError.General.Unknown", message: "wut!" }), true],
    [new Neo4jAuthenticationError({ code: "Neo.ClientError.Security.AuthorizationExpired", message: "expired" }), true],
    [new Neo4jAuthenticationError({ code: "Neo.ClientError.Security.Unauthorized", message: "no" }), false],
    [new Neo4jClientError({ code: "Neo.ClientError.Security.Forbidden", message: "forbidden" }), false],
    [new Neo4jClientError({ code: "Neo.ClientError.Transaction.InvalidBookmark", message: "bad bookmark" }), false],
    [new Neo4jClientError({ code: "Neo.ClientError.Statement.ArgumentError", message: "bad argument" }), false]
  ]
  for (const [failure, next] of routeFailures) {
    it.effect(`ROUTE failing with ${failure.code}: ${next ? "the next router is asked" : "no other router is asked"}`, () =>
      Effect.gen(function*() {
        const cluster = makeCluster()
        cluster.answer(k(1), () => Effect.fail(failure))
        cluster.answer(k(2), tableOf(three))
        const router = yield* cluster.make(() => Effect.succeed([s(1), s(2)]))
        const selected = router.select({ mode: "READ", database: "neo4j" })
        if (next) assert.strictEqual((yield* selected).address.host, "core2")
        else assert.strictEqual(yield* Effect.flip(selected), failure)
        assert.deepStrictEqual(cluster.calls.map((c) => c.router), next ? [k(1), k(2)] : [k(1)])
      }))
  }

  it.effect("a setup failure (TLS, HTTP port, no common version) is reported as it is, not as 'no routers'", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      const tls = new Neo4jConnectionError({ reason: "Tls", message: "self-signed certificate" })
      cluster.answer("cluster.example:7687", () => Effect.fail(tls))
      const router = yield* cluster.make(() => Effect.succeed([seed, s(9)]))
      const error = yield* Effect.flip(router.select({ mode: "READ", database: "neo4j" }))
      assert.strictEqual(error, tls)
      assert.isFalse(error.isRetryable)
      assert.deepStrictEqual(cluster.calls.map((c) => c.router), ["cluster.example:7687"])
    }))

  it.effect("skips a router whose table is unusable (no readers) and asks the next", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      cluster.answer("cluster.example:7687", tableOf(three, "neo4j", 1))
      cluster.answer(k(1), tableOf({ routers: [1], readers: [], writers: [1] }, "neo4j"))
      cluster.answer(k(2), tableOf(three, "neo4j"))
      const router = yield* cluster.make()
      yield* router.select({ mode: "READ", database: "neo4j" })
      yield* TestClock.adjust(Duration.seconds(1))
      yield* router.select({ mode: "READ", database: "neo4j" })
      assert.deepStrictEqual(cluster.calls.map((c) => c.router), ["cluster.example:7687", k(1), k(2)])
    }))

  it.effect("spreads reads least-connected, ties round-robin", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      cluster.answer("cluster.example:7687", tableOf({ routers: [1], readers: [1, 2, 3], writers: [1] }))
      const router = yield* cluster.make()
      const picks: Array<string> = []
      for (let i = 0; i < 6; i++) picks.push(formatAddress((yield* router.select({ mode: "READ", database: "neo4j" })).address))
      assert.deepStrictEqual(picks.slice().sort(), [k(1), k(1), k(2), k(2), k(3), k(3)])
      cluster.load.set(k(1), 4)
      cluster.load.set(k(2), 2)
      cluster.load.set(k(3), 3)
      for (let i = 0; i < 3; i++) {
        assert.deepStrictEqual((yield* router.select({ mode: "READ", database: "neo4j" })).address, s(2))
      }
    }))

  it.effect("forgets a failed server for that database and purges its idle connections", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      cluster.answer("cluster.example:7687", tableOf(three))
      cluster.answer(k(1), tableOf({ routers: [1, 2, 3], readers: [3], writers: [1] }))
      const router = yield* cluster.make()
      const route = yield* router.select({ mode: "READ", database: "neo4j" })
      assert.deepStrictEqual(route.address, s(2))
      yield* router.onConnectionFailure(s(2), "neo4j")
      const table = yield* router.table("neo4j")
      assert.deepStrictEqual(table?.readers, [s(3)])
      assert.deepStrictEqual(table?.routers, [s(1), s(2), s(3)], "still a router until ROUTE to it fails")
      assert.include(cluster.purged, k(2))
      for (let i = 0; i < 3; i++) {
        assert.deepStrictEqual((yield* router.select({ mode: "READ", database: "neo4j" })).address, s(3))
      }
      // Only reader left fails too: the next read refreshes.
      yield* router.onConnectionFailure(s(3), "neo4j")
      assert.deepStrictEqual((yield* router.select({ mode: "READ", database: "neo4j" })).address, s(3))
      assert.strictEqual(cluster.calls.length, 2)
    }))

  for (const code of ["Neo.ClientError.Cluster.NotALeader", "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase"]) {
    it.effect(`${code.split(".").pop()} makes the next write refresh the table and go to the new leader`, () =>
      Effect.gen(function*() {
        const cluster = makeCluster()
        cluster.answer("cluster.example:7687", tableOf(three))
        cluster.answer(k(1), tableOf({ routers: [1, 2, 3], readers: [1, 3], writers: [2] }))
        const router = yield* cluster.make()
        const first = yield* router.select({ mode: "WRITE", database: "neo4j" })
        assert.deepStrictEqual(first.address, s(1))
        const notAWriter = new Neo4jClientError({ code, message: "No write operations are allowed" })
        yield* router.onFailure(first, Cause.fail(notAWriter))
        const table = yield* router.table("neo4j")
        assert.deepStrictEqual(table?.writers, [])
        assert.deepStrictEqual(table?.readers, [s(2), s(3)], "still a reader")
        const second = yield* router.select({ mode: "WRITE", database: "neo4j" })
        assert.deepStrictEqual(second.address, s(2))
        assert.deepStrictEqual(cluster.calls.map((c) => c.router), ["cluster.example:7687", k(1)])
      }))
  }

  it.effect("classifies failures: lost connections forget the server, others leave the table alone", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      cluster.answer("cluster.example:7687", tableOf({ routers: [1], readers: [1, 2, 3], writers: [1] }))
      const router = yield* cluster.make()
      const route = (n: number): Router.Route => ({ address: s(n), mode: "READ", database: "neo4j", homeDatabase: false, user: "driver" })
      yield* router.select({ mode: "READ", database: "neo4j" })
      yield* router.onFailure(route(2), Cause.fail(new Neo4jConnectionError({ reason: "AcquisitionTimeout", message: "pool full" })))
      yield* router.onFailure(route(2), Cause.fail(new Neo4jClientError({ code: "Neo.ClientError.Statement.SyntaxError", message: "x" })))
      yield* router.onFailure(route(2), Cause.fail("some user error"))
      assert.strictEqual((yield* router.table("neo4j"))?.readers.length, 3)
      yield* router.onFailure(route(2), Cause.fail(new Neo4jConnectionError({ reason: "Closed", message: "reset by peer" })))
      yield* router.onFailure(route(3), Cause.fail(new Neo4jTransientError({ code: Router.RoutingCodes.DATABASE_UNAVAILABLE, message: "x" })))
      assert.deepStrictEqual((yield* router.table("neo4j"))?.readers, [s(1)])
      yield* router.onFailure(route(1), Cause.fail(notFound))
      assert.isUndefined(yield* router.table("neo4j"), "an unknown database loses its table")
    }))

  it.effect("no writer after a refresh: a retryable SessionExpired that shows the table", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      cluster.answer("cluster.example:7687", tableOf({ routers: [1], readers: [1], writers: [] }))
      cluster.answer(k(1), tableOf({ routers: [1], readers: [1], writers: [] }))
      const router = yield* cluster.make()
      const error = yield* Effect.flip(router.select({ mode: "WRITE", database: "neo4j" }))
      assert.strictEqual((error as Neo4jConnectionError).reason, "SessionExpired")
      assert.isTrue(error.isRetryable)
      assert.include(error.message, "No writer is available (database 'neo4j': routers [core1:7687]")
      // The table had no writer: the second attempt refreshes once more before giving up.
      yield* Effect.flip(router.select({ mode: "WRITE", database: "neo4j" }))
      assert.strictEqual(cluster.calls.length, 2)
    }))

  it.effect("deduplicates concurrent refreshes of the same database", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      cluster.answer("cluster.example:7687", () => Effect.as(Effect.sleep(Duration.seconds(1)), tableOf(three)))
      const router = yield* cluster.make()
      const fibers = yield* Effect.forEach(
        Array.from({ length: 20 }, (_, i) => i),
        (i) => Effect.forkChild(router.select({ mode: i % 2 === 0 ? "READ" : "WRITE", database: "neo4j" }))
      )
      const other = yield* Effect.forkChild(router.select({ mode: "READ", database: "other" }))
      yield* Effect.yieldNow
      yield* TestClock.adjust(Duration.seconds(1))
      const routes = yield* Fiber.joinAll(fibers)
      yield* Fiber.join(other)
      assert.strictEqual(routes.length, 20)
      assert.deepStrictEqual(cluster.calls.map((c) => c.database).sort(), ["neo4j", "other"])
    }))

  it.effect("an interrupted caller does not cancel the refresh the others wait for", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      const gate = yield* Deferred.make<void>()
      cluster.answer("cluster.example:7687", () => Effect.as(Deferred.await(gate), tableOf(three)))
      const router = yield* cluster.make()
      const first = yield* Effect.forkChild(router.select({ mode: "READ", database: "neo4j" }))
      const second = yield* Effect.forkChild(router.select({ mode: "READ", database: "neo4j" }))
      yield* Effect.yieldNow
      yield* Fiber.interrupt(first)
      yield* Deferred.succeed(gate, undefined)
      const route = yield* Fiber.join(second)
      assert.include([k(2), k(3)], formatAddress(route.address))
      assert.strictEqual(cluster.calls.length, 1)
    }))

  it.effect("resolves a user's home database once and caches it until the table expires", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      const answer: Answer = (request) =>
        Effect.succeed(ssr(tableOf(three, request.database ?? (request.impersonatedUser === "ann" ? "annsdb" : "neo4j"), 60)))
      cluster.answer("cluster.example:7687", answer)
      cluster.answer(k(1), answer)
      const router = yield* cluster.make()
      const first = yield* router.select({ mode: "READ", database: undefined })
      assert.strictEqual(first.database, "neo4j")
      assert.isTrue(first.homeDatabase)
      const second = yield* router.select({ mode: "WRITE", database: undefined })
      assert.strictEqual(second.database, "neo4j")
      assert.strictEqual(cluster.calls.length, 1, "the second session costs no ROUTE")
      assert.strictEqual(yield* router.homeDatabase({}), "neo4j")
      assert.strictEqual((yield* router.table(undefined))?.database, "neo4j", "no name: the driver user's home table")
      const ann = yield* router.select({ mode: "READ", database: undefined, impersonatedUser: "ann" })
      assert.strictEqual(ann.database, "annsdb")
      yield* router.select({ mode: "READ", database: undefined, impersonatedUser: "ann" })
      assert.deepStrictEqual(cluster.calls.map((c) => [c.database, c.impersonated]), [
        [undefined, undefined],
        [undefined, "ann"]
      ])
      assert.isDefined(yield* router.table("annsdb"))
      yield* TestClock.adjust(Duration.seconds(60))
      const again = yield* router.select({ mode: "READ", database: undefined })
      assert.strictEqual(again.database, "neo4j")
      assert.deepStrictEqual(cluster.calls.slice(2).map((c) => [c.router, c.database]), [[k(1), undefined]])
    }))

  // TestKit (snapshot 5.0) authorization test_dynamic_auth_manager and driver_parameters
  // TestLivenessCheckRouting: a ROUTE per session that names no database, below Bolt 5.8.
  it.effect("without server-side routing, every session that names no database resolves it with a ROUTE", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      let home = "db1"
      const answer: Answer = (request) => Effect.sync(() => tableOf(three, request.database ?? home, 60))
      cluster.answer("cluster.example:7687", answer)
      cluster.answer(k(1), answer)
      const router = yield* cluster.make()
      assert.strictEqual((yield* router.select({ mode: "READ", database: undefined })).database, "db1")
      assert.isFalse((yield* router.table("db1"))!.serverSideRouting)
      home = "db2"
      assert.strictEqual((yield* router.select({ mode: "READ", database: undefined })).database, "db2")
      assert.deepStrictEqual(cluster.calls.map((c) => c.database), [undefined, undefined])
      assert.isUndefined(yield* router.homeDatabase({}))
    }))

  // TestKit homedb `test_should_resolve_db_per_session_*`: the bookmarks may name a transaction
  // that changed the user's home database, so the cached answer cannot be trusted for that session.
  it.effect("a session with bookmarks resolves its home database afresh, with the bookmarks", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      const bookmarksSent: Array<ReadonlyArray<string>> = []
      let home = "db1"
      const answer: Answer = (request) =>
        Effect.sync(() => {
          bookmarksSent.push(request.bookmarks)
          return ssr(tableOf(three, request.database ?? home, 60))
        })
      cluster.answer("cluster.example:7687", answer)
      cluster.answer(k(1), answer)
      const router = yield* cluster.make()
      assert.strictEqual((yield* router.select({ mode: "READ", database: undefined })).database, "db1")
      home = "db2"
      const withBookmarks = yield* router.select({ mode: "READ", database: undefined, bookmarks: ["bookmark"] })
      assert.strictEqual(withBookmarks.database, "db2")
      assert.deepStrictEqual(bookmarksSent, [[], ["bookmark"]])
      assert.strictEqual((yield* router.select({ mode: "READ", database: undefined })).database, "db2", "the fresh answer is cached")
      assert.strictEqual(bookmarksSent.length, 2)
    }))

  it.effect("keys the home database by session auth and drops an entry when the server resolves differently", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      let home = "first"
      cluster.answer("cluster.example:7687", (request) => Effect.succeed(ssr(tableOf(three, request.database ?? home))))
      cluster.answer(k(1), (request) => Effect.succeed(ssr(tableOf(three, request.database ?? home))))
      const router = yield* cluster.make()
      const bob = Auth.basic("bob", "pw")
      const route = yield* router.select({ mode: "READ", database: undefined, auth: bob })
      assert.strictEqual(route.database, "first")
      assert.strictEqual(yield* router.homeDatabase({ auth: Auth.basic("bob", "other-object") }), "first")
      assert.isUndefined(yield* router.homeDatabase({}))
      yield* router.onHomeDatabase(route, "first")
      assert.strictEqual(cluster.calls.length, 1)
      home = "second"
      yield* router.onHomeDatabase(route, "second")
      assert.isUndefined(yield* router.homeDatabase({ auth: bob }))
      const next = yield* router.select({ mode: "READ", database: undefined, auth: bob })
      assert.strictEqual(next.database, "second")
      assert.strictEqual(cluster.calls.length, 2)
    }))

  it.effect("a dropped home database invalidates the cache entries naming it", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      let home = "gone"
      cluster.answer("cluster.example:7687", (request) => Effect.succeed(tableOf(three, request.database ?? home)))
      const router = yield* cluster.make()
      const route = yield* router.select({ mode: "READ", database: undefined })
      assert.strictEqual(route.database, "gone")
      home = "neo4j"
      yield* router.onFailure(route, Cause.fail(notFound))
      assert.isUndefined(yield* router.homeDatabase({}))
      assert.isUndefined(yield* router.table("gone"))
      assert.strictEqual((yield* router.select({ mode: "READ", database: undefined })).database, "neo4j")
    }))

  it.effect("purges servers that drop out of every table, and tables long expired", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      cluster.answer("cluster.example:7687", (request) =>
        Effect.succeed(
          request.database === "a"
            ? tableOf({ routers: [1], readers: [2], writers: [1] }, "a", 10)
            : tableOf({ routers: [1], readers: [5], writers: [1] }, "b", 100)
        ))
      cluster.answer(k(1), (request) =>
        Effect.succeed(tableOf({ routers: [1], readers: [request.database === "a" ? 3 : 5], writers: [1] }, request.database, 100)))
      const router = yield* cluster.make()
      yield* router.select({ mode: "READ", database: "a" })
      yield* router.select({ mode: "READ", database: "b" })
      cluster.purged.length = 0
      yield* TestClock.adjust(Duration.seconds(10))
      yield* router.select({ mode: "READ", database: "a" })
      assert.deepStrictEqual(cluster.purged, [k(2)], "core2 left the only table naming it")
      yield* TestClock.adjust(Duration.seconds(130))
      yield* router.select({ mode: "READ", database: "a" })
      assert.isUndefined(yield* router.table("b"), "b expired more than 30 s ago")
      assert.include(cluster.purged, k(5))
    }))

  it.effect("a failing resolver is named in the error", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      const router = yield* cluster.make(() =>
        Effect.fail(new Neo4jConnectionError({ reason: "DnsFailure", message: "ENOTFOUND cluster.example" })))
      const error = yield* Effect.flip(router.select({ mode: "READ", database: undefined }))
      assert.include(error.message, "for the home database: no routing servers available")
      assert.include(error.message, "cluster.example:7687 (seed, resolving) (DnsFailure, ENOTFOUND cluster.example)")
    }))
})

describe("Router (direct)", () => {
  it.effect("always answers the seed with the database as given", () =>
    Effect.gen(function*() {
      const router = Router.direct(seed)
      const route = yield* router.select({ mode: "WRITE", database: undefined })
      assert.deepStrictEqual(route, { address: seed, mode: "WRITE", database: undefined, homeDatabase: false, user: "" })
      assert.isFalse(router.routing)
      assert.isUndefined(yield* router.table(undefined))
      yield* router.onFailure(route, Cause.fail(refused(seed)))
      assert.deepStrictEqual((yield* router.select({ mode: "READ", database: "x" })).address, seed)
    }))
})

describe("databaseIn", () => {
  it("reads db from RUN/BEGIN SUCCESS metadata, and nothing from anything else", () => {
    assert.strictEqual(Router.databaseIn({ db: "neo4j", fields: [] }), "neo4j")
    assert.isUndefined(Router.databaseIn({}))
    assert.isUndefined(Router.databaseIn(undefined))
    assert.isUndefined(Router.databaseIn({ db: 42 }))
  })
})

describe("databaseToSend", () => {
  const route: Router.Route = { address: seed, mode: "READ", database: "neo4j", homeDatabase: true, user: "driver" }
  const conn = (ssrEnabled: boolean, homeDbInSuccess: boolean) => ({ hints: { ssrEnabled }, capabilities: { homeDbInSuccess } })

  it("leaves a resolved home database out only where the server resolves it and says so", () => {
    assert.isUndefined(Router.databaseToSend(route, conn(true, true)))
    assert.strictEqual(Router.databaseToSend(route, conn(false, true)), "neo4j")
    assert.strictEqual(Router.databaseToSend(route, conn(true, false)), "neo4j")
    assert.strictEqual(Router.databaseToSend({ ...route, homeDatabase: false }, conn(true, true)), "neo4j")
  })
})

describe("Router exits", () => {
  it.effect("onFailure ignores interruptions and defects", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      cluster.answer("cluster.example:7687", tableOf(three))
      const router = yield* cluster.make()
      const route = yield* router.select({ mode: "READ", database: "neo4j" })
      const exit = Exit.interrupt(1)
      if (Exit.isFailure(exit)) yield* router.onFailure(route, exit.cause)
      yield* router.onFailure(route, Cause.die(new Error("boom")))
      assert.strictEqual((yield* router.table("neo4j"))?.readers.length, 2)
    }))
})

describe("Router lifetime", () => {
  it.effect("fails with a usage error once its scope is closed instead of waiting forever", () =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      cluster.answer("cluster.example:7687", tableOf(three))
      const scope = yield* Scope.make()
      const router = yield* Scope.provide(cluster.make(), scope)
      yield* Scope.close(scope, Exit.void)
      const error = yield* Effect.flip(router.select({ mode: "READ", database: "neo4j" }))
      assert.strictEqual(error._tag, "Neo4jUsageError")
      assert.include(error.message, "The driver is closed")
    }))
})
