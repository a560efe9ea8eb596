/**
 * The complete example of testing a service that uses the driver (examples/scientists.ts):
 * - unit tests with the fake driver (`Neo4jTesting.layerFake`): no server, answers by pattern,
 *   assertions on what was sent;
 * - integration tests with a real server (`Neo4jTesting.layerServer`), the schema and migrations
 *   set up by `Neo4jMigrator`, each test's work rolled back by `Neo4jTesting.rolledBack`;
 * - the driver's metrics read back with `Metric.snapshot`.
 * In a project of your own, `layerServer()` takes NEO4J_URI, a testcontainers container, or the
 * server your `start` function launches; here the suite's global setup already started one.
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Metric } from "effect"
import { inject } from "vitest"
import { migrations, schema, Scientists } from "../../examples/scientists.ts"
import * as Neo4j from "../../src/Neo4j.ts"
import * as Neo4jMigrator from "../../src/Neo4jMigrator.ts"
import * as Neo4jTesting from "../../src/Neo4jTesting.ts"

describe("Scientists with the fake driver", () => {
  const fake = Neo4jTesting.layerFake([
    {
      query: /-\[:KNOWS\]-\(f:Scientist\)/,
      records: (parameters) => parameters.name === "Ada" ? [{ name: "Charles", born: 1791 }, { name: "Grace", born: 1906 }] : []
    },
    { query: /MERGE \(x\)-\[k:KNOWS\]->\(y\)/, records: [{ linked: 1 }] }
  ])

  layer(Layer.provideMerge(Scientists.layer, fake))((it) => {
    it.effect("friendsOf maps the records and reads from a reader", () =>
      Effect.gen(function*() {
        const scientists = yield* Scientists
        assert.deepStrictEqual(yield* scientists.friendsOf("Ada"), [
          { name: "Charles", born: 1791 },
          { name: "Grace", born: 1906 }
        ])
        const [sent] = yield* Neo4jTesting.sentQueries
        assert.deepStrictEqual(sent && [sent.api, sent.mode, sent.parameters], ["executeQuery", "READ", { name: "Ada" }])
      }).pipe(Effect.ensuring(Neo4jTesting.FakeNeo4j.use((f) => f.reset))))

    it.effect("befriend runs in a committed write transaction", () =>
      Effect.gen(function*() {
        const scientists = yield* Scientists
        assert.isTrue(yield* scientists.befriend("Ada", "Grace"))
        const [tx] = yield* Neo4jTesting.sentTransactions
        assert.deepStrictEqual(tx && [tx.mode, tx.managed, tx.outcome], ["WRITE", true, "committed"])
      }).pipe(Effect.ensuring(Neo4jTesting.FakeNeo4j.use((f) => f.reset))))

    it.effect("a query no rule expects fails the test with a typed error", () =>
      Effect.gen(function*() {
        const scientists = yield* Scientists
        const error = yield* Effect.flip(scientists.add({ name: "Alan", born: 1912 }))
        assert.strictEqual(error._tag, "Neo4jUsageError")
        assert.instanceOf(error.cause, Neo4jTesting.UnexpectedQueryError)
      }).pipe(Effect.ensuring(Neo4jTesting.FakeNeo4j.use((f) => f.reset))))
  })
})

const servers = inject("neo4jServers")
const RECORDS = { label: "__ScientistsExampleMigration" }

describe.each(servers.map((server) => [server.name, server] as const))("Scientists against %s", (_name, server) => {
  const real = Neo4jTesting.layerServer({ uri: server.uri, username: server.username, password: server.password })

  layer(real, { timeout: 60_000, excludeTestServices: true })((it) => {
    it.effect("the migrator sets up the schema and the founders once", () =>
      Effect.gen(function*() {
        yield* Neo4jMigrator.run({ loader: Neo4jMigrator.fromMigrations(migrations), schema, ...RECORDS })
        assert.deepStrictEqual((yield* Neo4jMigrator.applied(RECORDS)).map((m) => m.id), [1, 2])
        assert.deepStrictEqual(yield* Neo4jMigrator.run({ loader: Neo4jMigrator.fromMigrations(migrations), schema, ...RECORDS }), [])
      }))

    it.effect("a rolled-back test sees its own writes", () =>
      Neo4jTesting.rolledBack(
        Effect.gen(function*() {
          const scientists = yield* Scientists
          yield* scientists.add({ name: "Rosalind", born: 1920 })
          assert.isTrue(yield* scientists.befriend("Ada", "Rosalind"))
          const friends = yield* scientists.friendsOf("Ada")
          assert.deepStrictEqual(friends.map((f) => f.name), ["Charles", "Rosalind"])
        }).pipe(Effect.provide(Scientists.layer)) // built inside, so that it uses the rolled-back driver
      ))

    it.effect("and leaves nothing behind", () =>
      Effect.gen(function*() {
        const left = yield* Neo4j.executeQuery<{ n: number }>("MATCH (s:Scientist {name: 'Rosalind'}) RETURN count(s) AS n")
        assert.strictEqual(left.records[0]?.get("n"), 0)
        const scientists = yield* Effect.provide(Scientists, Scientists.layer)
        assert.deepStrictEqual((yield* scientists.friendsOf("Ada")).map((f) => f.name), ["Charles"])
      }))
  })

  it.live("the pool's metrics are read from a real driver", () =>
    Effect.gen(function*() {
      yield* Effect.gen(function*() {
        yield* Effect.all([1, 2, 3].map(() => Neo4j.executeQuery("RETURN 1")), { concurrency: 3 })
        yield* Neo4j.executeQuery("RETURN 1")
        const snapshot = yield* Metric.snapshot
        const pool = `${server.host}:${server.port}`
        const of = (id: string, state?: string) =>
          snapshot.find((s) =>
            s.id === id && s.attributes?.["db.client.connection.pool.name"] === pool &&
            (state === undefined || s.attributes["db.client.connection.state"] === state)
          )?.state
        // Three concurrent queries opened three connections; all are idle again.
        assert.deepStrictEqual(of("db.client.connection.count", "idle"), { value: 3 })
        assert.deepStrictEqual(of("db.client.connection.count", "used"), { value: 0 })
        const created = of("db.client.connection.create_time") as Metric.HistogramState
        assert.strictEqual(created.count, 3)
        assert.isAbove(created.sum, 0)
        const waited = of("db.client.connection.wait_time") as Metric.HistogramState
        assert.isAtLeast(waited.count, 4)
      }).pipe(
        Effect.provide(Neo4j.layer({ uri: server.uri, username: server.username, password: server.password })),
        Effect.provideService(Metric.MetricRegistry, new Map())
      )
    }))

  it.live("layerServer: a URI in code wins; otherwise NEO4J_URI, a container, then start()", () =>
    Effect.gen(function*() {
      let started = 0
      let stopped = 0
      const start = () => {
        started++
        return Promise.resolve({
          uri: server.uri,
          username: server.username,
          password: server.password,
          stop: () => Promise.resolve(void stopped++)
        })
      }
      const source = Effect.gen(function*() {
        yield* Neo4j.verifyConnectivity
        return (yield* Neo4jTesting.TestServer).source
      })
      const noEnv = ConfigProvider.layer(ConfigProvider.fromEnvRecord({}))
      assert.strictEqual(yield* Effect.provide(source, Neo4jTesting.layerServer({ uri: server.uri, username: server.username, password: server.password, start })), "options")
      assert.strictEqual(started, 0)
      // No NEO4J_URI, no container runtime on this machine (or containers off): start() is used, and stopped after.
      assert.strictEqual(yield* source.pipe(Effect.provide(Neo4jTesting.layerServer({ container: false, start })), Effect.provide(noEnv)), "start")
      assert.deepStrictEqual([started, stopped], [1, 1])
      const env = ConfigProvider.layer(ConfigProvider.fromEnvRecord({
        NEO4J_URI: server.uri,
        NEO4J_USERNAME: server.username,
        NEO4J_PASSWORD: server.password
      }))
      assert.strictEqual(yield* source.pipe(Effect.provide(Neo4jTesting.layerServer({ start })), Effect.provide(env)), "env")
      const none = yield* Effect.flip(Effect.provide(source, Neo4jTesting.layerServer({ container: false })).pipe(Effect.provide(noEnv)))
      assert.include(none.message, "no Neo4j server for the tests")
    }))
})
