/**
 * The driver core against every provided server: connectivity, executeQuery, sessions, explicit
 * transactions, streaming with backpressure, pool behaviour, interruption and errors.
 */
import { assert, describe, it, layer as withLayer } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Layer, Option, Schedule, Scope, Stream } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import * as Neo4j from "../../src/Neo4j.ts"
import { Neo4jAuthenticationError, Neo4jClientError, Neo4jConnectionError, Neo4jUsageError } from "../../src/Neo4jError.ts"
import * as Neo4jResult from "../../src/Neo4jResult.ts"
import type { ProvidedNeo4jServer } from "./globalSetup.ts"
import { targets } from "./targets.ts"

const driverLayer = (server: ProvidedNeo4jServer, uri: string, options: Partial<Parameters<typeof Neo4j.layer>[0]> = {}) =>
  Neo4j.layer({ uri, username: server.username, password: server.password, ...options })

/** Transactions the server still runs, apart from the one asking. */
const openTransactions = Neo4j.executeQuery(
  "SHOW TRANSACTIONS YIELD transactionId, currentQuery WHERE NOT currentQuery STARTS WITH 'SHOW TRANSACTIONS' " +
    "RETURN count(*) AS open"
).pipe(Effect.map((r) => r.records[0]!.get("open") as number))

describe.each(targets())("driver against %s", (_name, { server, uri }) => {
  const layer = driverLayer(server, uri)

  // Live services: real time drives timeouts against a real server (TestClock would freeze them).
  withLayer(layer, { excludeTestServices: true, timeout: "120 seconds" })("with one driver", (it) => {
    it.effect("verifies connectivity and reports the server", () =>
      Effect.gen(function*() {
        const info = yield* Neo4j.verifyConnectivity
        assert.strictEqual(info.address, `${server.host}:${server.port}`)
        assert.match(info.agent, /^Neo4j\//)
        assert.match(info.protocolVersion, /^\d+\.\d+$/)
        const again = yield* Neo4j.getServerInfo
        assert.deepStrictEqual(again, info)
      }))

    it.effect("a single instance routes to itself (neo4j://), and bolt:// has no routing table", () =>
      Effect.gen(function*() {
        yield* Neo4j.executeQuery("RETURN 1", {}, { database: "neo4j" })
        const table = yield* Neo4j.routingTable("neo4j")
        if (!uri.startsWith("neo4j")) {
          assert.isUndefined(table)
          return
        }
        assert.isDefined(table)
        const self = { host: server.host, port: server.port }
        assert.deepStrictEqual(table!.writers, [self])
        assert.deepStrictEqual(table!.readers, [self])
        assert.deepStrictEqual(table!.routers, [self])
        assert.isAbove(table!.expiresAt, table!.fetchedAt)
      }))

    it.effect("executeQuery returns keys, records and a summary", () =>
      Effect.gen(function*() {
        const result = yield* Neo4j.executeQuery<{ i: number; s: string }>(
          "UNWIND range(1, $n) AS i RETURN i, toString(i) AS s",
          { n: 3 },
          { database: "neo4j", routing: "READ" }
        )
        assert.deepStrictEqual(result.keys, ["i", "s"])
        assert.deepStrictEqual(result.records.map((r) => r.toObject()), [
          { i: 1, s: "1" },
          { i: 2, s: "2" },
          { i: 3, s: "3" }
        ])
        assert.strictEqual(result.records[1]!.get("s"), "2")
        assert.strictEqual(result.records[1]!.get(0), 2)
        assert.strictEqual(result.summary.queryType, "r")
        assert.strictEqual(result.summary.database, "neo4j")
        assert.strictEqual(result.summary.query.text, "UNWIND range(1, $n) AS i RETURN i, toString(i) AS s")
        assert.deepStrictEqual(result.summary.query.parameters, { n: 3 })
        assert.isFalse(result.summary.counters.containsUpdates)
        assert.isAtLeast(result.summary.resultAvailableAfter ?? -1, 0)
      }))

    it.effect("reports write counters, plans and profiles", () =>
      Effect.gen(function*() {
        const write = yield* Neo4j.executeQuery("CREATE (a:DriverTest {k: $k})-[:R]->(b:DriverTest {k: $k}) RETURN a", {
          k: "counters"
        })
        assert.strictEqual(write.summary.queryType, "rw")
        assert.strictEqual(write.summary.counters.nodesCreated, 2)
        assert.strictEqual(write.summary.counters.relationshipsCreated, 1)
        assert.strictEqual(write.summary.counters.propertiesSet, 2)
        assert.strictEqual(write.summary.counters.labelsAdded, 2)
        assert.isTrue(write.summary.counters.containsUpdates)
        const explain = yield* Neo4j.executeQuery("EXPLAIN MATCH (n:DriverTest) RETURN n")
        assert.isDefined(explain.summary.plan)
        assert.isUndefined(explain.summary.profile)
        assert.match(explain.summary.plan!.operatorType, /ProduceResults/)
        const profile = yield* Neo4j.executeQuery("PROFILE MATCH (n:DriverTest {k: 'counters'}) RETURN n")
        assert.isDefined(profile.summary.profile)
        assert.isAtLeast(profile.summary.profile!.dbHits ?? -1, 0)
        yield* Neo4j.executeQuery("MATCH (n:DriverTest {k: 'counters'}) DETACH DELETE n")
      }))

    it.effect("reports notifications for a query that deserves one", () =>
      Effect.gen(function*() {
        const result = yield* Neo4j.executeQuery("EXPLAIN MATCH (a), (b) RETURN a, b")
        const notifications = result.summary.notifications
        assert.isAbove(notifications.length + result.summary.gqlStatusObjects.length, 0)
        if (notifications.length > 0) assert.match(notifications[0]!.code, /^Neo\.ClientNotification\./)
      }))

    it.effect("runs auto-commit queries and explicit transactions in a session", () =>
      Effect.scoped(
        Effect.gen(function*() {
          const session = yield* Neo4j.session({ database: "neo4j" })
          yield* session.run("MATCH (n:TxTest) DELETE n")
          const committed = yield* Effect.scoped(
            Effect.gen(function*() {
              const tx = yield* session.beginTransaction({ metadata: { app: "driver-test" } })
              yield* tx.run("CREATE (:TxTest {v: 1})")
              yield* tx.run("CREATE (:TxTest {v: 2})")
              yield* tx.commit
              return yield* tx.isOpen
            })
          )
          assert.isFalse(committed)
          assert.isAbove((yield* session.lastBookmarks).length, 0)
          // Rolled back explicitly, and by closing the scope without a commit.
          yield* Effect.scoped(
            Effect.gen(function*() {
              const tx = yield* session.beginTransaction()
              yield* tx.run("CREATE (:TxTest {v: 3})")
              yield* tx.rollback
              const error = yield* Effect.flip(tx.run("RETURN 1"))
              assert.instanceOf(error, Neo4jUsageError)
            })
          )
          yield* Effect.scoped(
            Effect.gen(function*() {
              const tx = yield* session.beginTransaction()
              yield* tx.run("CREATE (:TxTest {v: 4})")
            })
          )
          const count = yield* session.run("MATCH (n:TxTest) RETURN collect(n.v) AS vs")
          assert.deepStrictEqual([...(count.records[0]!.get("vs") as Array<number>)].sort(), [1, 2])
          yield* session.run("MATCH (n:TxTest) DELETE n")
          assert.strictEqual(yield* openTransactions, 0)
        })
      ))

    it.effect("a failed query fails its transaction and leaves the connection clean", () =>
      Effect.scoped(
        Effect.gen(function*() {
          const session = yield* Neo4j.session()
          const error = yield* Effect.scoped(
            Effect.gen(function*() {
              const tx = yield* session.beginTransaction()
              const failure = yield* Effect.flip(tx.run("RETURN 1/0 AS boom"))
              const afterwards = yield* Effect.flip(tx.commit)
              assert.strictEqual(afterwards, failure)
              return failure
            })
          )
          assert.instanceOf(error, Neo4jClientError)
          assert.strictEqual((error as Neo4jClientError).code, "Neo.ClientError.Statement.ArithmeticError")
          assert.isFalse(error.isRetryable)
          const next = yield* session.run("RETURN 7 AS x")
          assert.strictEqual(next.records[0]!.get("x"), 7)
        })
      ))

    it.effect("streams results with a small fetch size, and helpers take one or exactly one", () =>
      Effect.scoped(
        Effect.gen(function*() {
          const session = yield* Neo4j.session({ fetchSize: 7 })
          const all = yield* Neo4jResult.collect(session.stream<{ i: number }>("UNWIND range(1, 100) AS i RETURN i"))
          assert.deepStrictEqual(all.map((r) => r.get("i")), Array.from({ length: 100 }, (_, i) => i + 1))
          const first = yield* Neo4jResult.first(session.stream("UNWIND range(5, 100) AS i RETURN i"))
          assert.strictEqual(Option.getOrThrow(first).get("i"), 5)
          const single = yield* Neo4jResult.single(session.stream("RETURN 'only' AS v"))
          assert.strictEqual(single.get("v"), "only")
          const none = yield* Effect.flip(Neo4jResult.single(session.stream("UNWIND [] AS x RETURN x")))
          assert.strictEqual(none._tag, "Neo4jResultError")
          const many = yield* Effect.flip(Neo4jResult.single(session.stream("UNWIND [1, 2] AS x RETURN x")))
          assert.strictEqual(many._tag, "Neo4jResultError")
        })
      ))

    it.effect("a consumer that takes 10 rows of a 1,000,000-row query stops early; the connection serves the next query", () =>
      Effect.gen(function*() {
        const started = Date.now()
        const ten = yield* Neo4j.stream<{ i: number }>("UNWIND range(1, 1000000) AS i RETURN i").pipe(
          Stream.take(10),
          Stream.runCollect
        )
        assert.deepStrictEqual(ten.map((r) => r.get("i")), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        assert.isBelow(Date.now() - started, 5_000)
        const stats = yield* Neo4j.poolStats
        assert.strictEqual(stats.reduce((n, s) => n + s.inUse, 0), 0)
        const next = yield* Neo4j.executeQuery("RETURN 'next' AS v")
        assert.strictEqual(next.records[0]!.get("v"), "next")
      }))

    it.effect("stops an auto-commit write early with DISCARD, so its writes are committed", () =>
      Effect.gen(function*() {
        yield* Neo4j.executeQuery("MATCH (n:DiscardTest) DELETE n")
        yield* Neo4j.stream("UNWIND range(1, 50) AS i CREATE (n:DiscardTest {i: i}) RETURN n").pipe(
          Stream.take(1),
          Stream.runDrain
        )
        const count = yield* Neo4j.executeQuery("MATCH (n:DiscardTest) RETURN count(n) AS c")
        assert.strictEqual(count.records[0]!.get("c"), 50)
        yield* Neo4j.executeQuery("MATCH (n:DiscardTest) DELETE n")
      }))

    it.effect("interrupting a stream or a transaction resets the connection and leaves no server transaction", () =>
      Effect.gen(function*() {
        const streaming = yield* Neo4j.stream("UNWIND range(1, 10000000) AS i RETURN i").pipe(
          Stream.tap(() => Effect.sleep(Duration.millis(1))),
          Stream.runDrain,
          Effect.forkChild
        )
        yield* Effect.sleep(Duration.millis(200))
        yield* Fiber.interrupt(streaming)
        const inTransaction = yield* Neo4j.executeWrite((tx) =>
          Effect.andThen(tx.run("CREATE (:InterruptTest)"), Effect.never)
        ).pipe(Effect.timeout(Duration.millis(300)), Effect.exit)
        assert.isTrue(Exit.isFailure(inTransaction))
        // The interrupted fibers return at once; their connections are RESET in the background (and
        // closed if that fails within connectionTimeout), so the server side is clean shortly after.
        const clean = Effect.gen(function*() {
          const open = yield* openTransactions
          const stats = yield* Neo4j.poolStats
          return [open, stats.reduce((n, s) => n + s.inUse, 0)]
        })
        const settled = yield* clean.pipe(
          Effect.repeat({ until: ([open, inUse]) => open === 0 && inUse === 0, schedule: Schedule.spaced("20 millis") }),
          Effect.timeout("5 seconds"),
          Effect.catchTag("TimeoutError", () => clean)
        )
        assert.deepStrictEqual(settled, [0, 0])
        const leftovers = yield* Neo4j.executeQuery("MATCH (n:InterruptTest) RETURN count(n) AS c")
        assert.strictEqual(leftovers.records[0]!.get("c"), 0)
      }))

    it.effect("transaction timeout and metadata reach the server", () =>
      Effect.gen(function*() {
        const seen = yield* Neo4j.executeRead((tx) =>
          tx.run(
            "SHOW TRANSACTIONS YIELD metaData, currentQuery WHERE currentQuery STARTS WITH 'SHOW' RETURN metaData"
          ), { metadata: { purpose: "metadata-test" } })
        assert.deepStrictEqual(seen.records.map((r) => r.get("metaData")), [{ purpose: "metadata-test" }])
        const timedOut = yield* Effect.flip(
          Neo4j.executeQuery("CALL apoc.util.sleep(10000)", {}, { timeout: Duration.millis(1) }).pipe(
            Effect.catchTag("Neo4jClientError", (e) =>
              // Without APOC, a busy Cypher loop stands in for a slow query.
              e.code === "Neo.ClientError.Procedure.ProcedureNotFound"
                ? Neo4j.executeQuery(
                  "UNWIND range(1, 100000000) AS i WITH i WHERE i < 0 RETURN count(i)",
                  {},
                  { timeout: Duration.millis(50) }
                )
                : Effect.fail(e))
          )
        )
        assert.include(["Neo4jClientError", "Neo4jTransientError"], timedOut._tag)
        assert.match((timedOut as Neo4jClientError).code, /Transaction\.(TransactionTimedOut|TransactionTimedOutClientConfiguration)/)
      }))

    it.effect("an unsupported parameter fails with a typed error naming its path; the connection stays usable", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Neo4j.executeQuery("RETURN $rows", { rows: [{ born: 1 }, { born: Symbol("x") }] }))
        assert.instanceOf(error, Neo4jUsageError)
        assert.strictEqual((error as Neo4jUsageError).path, "$rows[1].born")
        const ok = yield* Neo4j.executeQuery("RETURN $n AS n", { n: 1 })
        assert.strictEqual(ok.records[0]!.get("n"), 1)
      }))

    it.effect("an integral number parameter is an INTEGER, so LIMIT $n works", () =>
      Effect.gen(function*() {
        const result = yield* Neo4j.executeQuery("UNWIND range(1, 10) AS i RETURN i LIMIT $n", { n: 3 })
        assert.strictEqual(result.records.length, 3)
      }))

    it.effect("200 fibers x 50 queries share a pool of 10 without leaking a connection", () =>
      Effect.gen(function*() {
        let done = 0
        const query = Neo4j.executeQuery("RETURN $i AS i", { i: 1 }).pipe(
          Effect.tap((r) => Effect.sync(() => void (done += r.records[0]!.get("i") as number)))
        )
        yield* Effect.forEach(Array.from({ length: 200 }), () => Effect.repeat(query, { times: 49 }), {
          concurrency: "unbounded",
          discard: true
        })
        assert.strictEqual(done, 10_000)
        const stats = yield* Neo4j.poolStats
        assert.strictEqual(stats.reduce((n, s) => n + s.inUse, 0), 0)
        assert.isAtMost(stats.reduce((n, s) => n + s.idle, 0), 10)
      }).pipe(Effect.provide(driverLayer(server, uri, { maxConnectionPoolSize: 10 }))))
  })

  it.live("pool exhaustion fails with an acquisition timeout after the configured time", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const session = yield* Neo4j.session()
      yield* Scope.provide(Effect.andThen(session.beginTransaction(), (tx) => tx.run("RETURN 1")), scope)
      const started = Date.now()
      const error = yield* Effect.flip(Neo4j.executeQuery("RETURN 1"))
      const waited = Date.now() - started
      assert.instanceOf(error, Neo4jConnectionError)
      assert.strictEqual((error as Neo4jConnectionError).reason, "AcquisitionTimeout")
      assert.isFalse(error.isRetryable)
      assert.isAtLeast(waited, 250)
      yield* Scope.close(scope, Exit.void)
      const ok = yield* Neo4j.executeQuery("RETURN 1 AS one")
      assert.strictEqual(ok.records[0]!.get("one"), 1)
    }).pipe(
      Effect.scoped,
      Effect.provide(driverLayer(server, uri, { maxConnectionPoolSize: 1, connectionAcquisitionTimeout: Duration.millis(300) }))
    ))

  it.live("a wrong password is an authentication error, not retried, without the secret in it", () =>
    Effect.gen(function*() {
      const started = Date.now()
      // Building the layer connects (verifyConnectivity), so the error comes from the build.
      const error = yield* Effect.flip(Neo4j.executeQuery("RETURN 1").pipe(
        Effect.provide(driverLayer(server, uri, { password: "wrong-secret-123" }))
      ))
      assert.instanceOf(error, Neo4jAuthenticationError)
      assert.strictEqual((error as Neo4jAuthenticationError).code, "Neo.ClientError.Security.Unauthorized")
      assert.isFalse(error.isRetryable)
      assert.isBelow(Date.now() - started, 900, "must not be retried with backoff")
      assert.notInclude(String(error), "wrong-secret-123")
      assert.notInclude(JSON.stringify(error), "wrong-secret-123")
    }))

  it.live("a missing password and a malformed URI are usage errors naming the fix", () =>
    Effect.gen(function*() {
      const noPassword = yield* Effect.flip(Layer.build(Neo4j.layer({ uri, username: "neo4j" })))
      assert.instanceOf(noPassword, Neo4jUsageError)
      assert.match(noPassword.message, /NEO4J_PASSWORD/)
      const badUri = yield* Effect.flip(Layer.build(Neo4j.layer({ uri: "http://localhost:7474" })))
      assert.match(badUri.message, /unknown scheme 'http'/)
    }).pipe(Effect.scoped))

  it.live("the HTTP port by mistake and a closed port are distinct connection errors", () =>
    Effect.gen(function*() {
      const refused = yield* Effect.flip(Neo4j.verifyConnectivity.pipe(
        Effect.provide(Neo4j.layer({ uri: "bolt://127.0.0.1:1", username: "neo4j", password: "x" }))
      ))
      assert.instanceOf(refused, Neo4jConnectionError)
      assert.strictEqual((refused as Neo4jConnectionError).reason, "Refused")
      // An HTTP server answers the Bolt preamble with an HTTP response.
      const http = createServer((_req, res) => res.end("not bolt"))
      yield* Effect.promise(() => new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve)))
      yield* Effect.addFinalizer(() => Effect.promise(() => new Promise<void>((resolve) => http.close(() => resolve()))))
      const port = (http.address() as AddressInfo).port
      const wrongPort = yield* Effect.flip(Neo4j.verifyConnectivity.pipe(
        Effect.provide(Neo4j.layer({ uri: `bolt://127.0.0.1:${port}`, username: "neo4j", password: "x" }))
      ))
      assert.instanceOf(wrongPort, Neo4jConnectionError)
      assert.strictEqual((wrongPort as Neo4jConnectionError).reason, "HttpPort")
      assert.match(wrongPort.message, /HTTP/)
    }).pipe(Effect.scoped))

  it.live("a closed driver fails later calls with a usage error", () =>
    Effect.gen(function*() {
      yield* Neo4j.executeQuery("RETURN 1")
      yield* Neo4j.Neo4j.use((d) => d.close)
      const error = yield* Effect.flip(Neo4j.executeQuery("RETURN 1"))
      assert.instanceOf(error, Neo4jUsageError)
      assert.match(error.message, /closed/)
    }).pipe(Effect.provide(layer)))
})
