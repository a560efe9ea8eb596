/**
 * The people-and-friendships example (examples/people.ts) against a real server: the migrator sets
 * the schema and the founder up once; the service's Schema-typed, `cypher`-built queries round trip
 * (each test's writes rolled back by `Neo4jTesting.rolledBack`); and the example's main program,
 * run with a recording tracer and a fresh metric registry, opens a span per operation (transaction
 * queries and streams included) and records `db.client.operation.duration`.
 * With the fake driver: test/examples-people.test.ts.
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { DateTime, Effect, Metric, Option, Stream } from "effect"
import { inject } from "vitest"
import { migrations, operationMetrics, People, program, schema } from "../../examples/people.ts"
import * as Neo4j from "../../src/Neo4j.ts"
import * as Neo4jMigrator from "../../src/Neo4jMigrator.ts"
import * as Neo4jTesting from "../../src/Neo4jTesting.ts"
import { recordingTracer } from "../support/recordingTracer.ts"

const servers = inject("neo4jServers")

const at = (iso: string) => DateTime.makeUnsafe(iso)

/** The label of this file's migration records, apart from the migrator tests' default one. */
const RECORDS = { label: "__PeopleExampleMigration" }

describe.each(servers.map((server) => [server.name, server] as const))("People against %s", (_name, server) => {
  const options = { uri: server.uri, username: server.username, password: server.password }

  layer(Neo4jTesting.layerServer(options), { timeout: 60_000, excludeTestServices: true })((it) => {
    it.effect("the migrator sets the schema and the founder up once", () =>
      Effect.gen(function*() {
        yield* Neo4jMigrator.run({ loader: Neo4jMigrator.fromMigrations(migrations), schema, ...RECORDS })
        assert.deepStrictEqual((yield* Neo4jMigrator.applied(RECORDS)).map((m) => m.id), [1])
        assert.deepStrictEqual(yield* Neo4jMigrator.run({ loader: Neo4jMigrator.fromMigrations(migrations), schema, ...RECORDS }), [])
        const constraints = yield* Neo4j.executeQuery<{ name: string }>("SHOW CONSTRAINTS YIELD name WHERE name = 'member_name' RETURN name")
        assert.strictEqual(constraints.records.length, 1)
      }))

    it.effect("members and friendships round trip through the Schemas (rolled back)", () =>
      Neo4jTesting.rolledBack(
        Effect.gen(function*() {
          const people = yield* People
          yield* people.join({ name: "Grace", born: 1906, joined: at("2021-06-01T09:00:00.123Z") })
          yield* people.join({ name: "Alan", born: 1912, joined: at("2022-03-15T12:30:00Z") })
          const grace = yield* people.find("Grace")
          assert.deepStrictEqual(Option.map(grace, (m) => [m.born, DateTime.formatIso(m.joined)]), Option.some([1906, "2021-06-01T09:00:00.123Z"]))
          assert.isTrue(Option.isNone(yield* people.find("Nobody")))

          const since = yield* people.befriend("Ada", "Grace", at("2023-01-01T00:00:00Z"))
          assert.strictEqual(DateTime.formatIso(since), "2023-01-01T00:00:00.000Z")
          // Once only: the second call keeps the first start.
          assert.strictEqual(DateTime.formatIso(yield* people.befriend("Grace", "Ada", at("2024-01-01T00:00:00Z"))), "2023-01-01T00:00:00.000Z")
          yield* people.befriend("Grace", "Alan", at("2023-02-01T00:00:00Z"))
          const unknown = yield* Effect.flip(people.befriend("Ada", "Nobody", at("2023-01-01T00:00:00Z")))
          assert.strictEqual(unknown._tag === "Neo4jResultError" ? unknown.reason : unknown._tag, "NoRecords")

          assert.deepStrictEqual((yield* people.friendsOf("Grace")).map((f) => [f.name, DateTime.formatIso(f.since)]), [
            ["Ada", "2023-01-01T00:00:00.000Z"],
            ["Alan", "2023-02-01T00:00:00.000Z"]
          ])
          assert.deepStrictEqual((yield* people.search({ bornAfter: 1900 })).map((m) => m.name), ["Alan", "Grace"])
          assert.deepStrictEqual((yield* people.search({ bornAfter: 1900, namePrefix: "G" })).map((m) => m.name), ["Grace"])
          assert.deepStrictEqual((yield* people.search({})).map((m) => m.name), ["Ada", "Alan", "Grace"])
          assert.deepStrictEqual(yield* Stream.runCollect(Stream.map(people.everyone, (m) => m.name)), ["Ada", "Alan", "Grace"])

          const field = "motto` = 1 DETACH DELETE p //"
          yield* people.setProfile("Grace", field, "debug")
          const back = yield* Neo4j.executeQuery("MATCH (p:Member {name: 'Grace'}) RETURN p[$field] AS v, p.name AS name", { field })
          assert.deepStrictEqual([back.records[0]?.get("v"), back.records[0]?.get("name")], ["debug", "Grace"])
        }).pipe(Effect.provide(People.layer))
      ))
  })

  it.live("the example's main program opens a span per operation and records their durations", () =>
    Effect.gen(function*() {
      const { layer: tracer, spans } = recordingTracer()
      const registry = new Map()
      const lines = yield* Effect.gen(function*() {
        yield* program(RECORDS)
        const lines = yield* operationMetrics
        yield* Neo4j.executeQuery("MATCH (m:Member) WHERE m.name <> 'Ada' DETACH DELETE m")
        return lines
      }).pipe(
        Effect.provide(People.layer),
        Effect.provide(Neo4j.layer(options)),
        Effect.provide(tracer),
        Effect.provideService(Metric.MetricRegistry, registry)
      )
      const names = new Set(spans.map((s) => s.name))
      for (const name of ["Neo4j.executeQuery", "Neo4jSession.executeWrite", "Neo4jTransaction.run", "Neo4jTransaction.commit", "Neo4j.stream"]) {
        assert.isTrue(names.has(name), `no span ${name}; got ${[...names].join(", ")}`)
      }
      for (const span of spans.filter((s) => s.name.startsWith("Neo4j"))) {
        assert.strictEqual(span.status._tag, "Ended", span.name)
        assert.strictEqual(span.attributes.get("db.system.name"), "neo4j", span.name)
        assert.strictEqual(span.attributes.get("server.address"), server.host, span.name)
      }
      const txRun = spans.find((s) => s.name === "Neo4jTransaction.run")!
      const parent = Option.getOrUndefined(txRun.parent)
      assert.strictEqual(parent?._tag === "Span" ? parent.name : undefined, "Neo4jSession.executeWrite")
      const line = (operation: string) => lines.find((l) => l.startsWith(`db.client.operation.duration ${operation}:`))
      // join x2, find 0, friendsOf 1, search 1 and the migrator's own queries: at least 4 executeQuery
      assert.isAtLeast(Number(/: (\d+)/.exec(line("executeQuery") ?? "")?.[1]), 4, lines.join("\n"))
      assert.match(line("executeWrite") ?? "", /: 2 in /)
      assert.match(line("stream") ?? "", /: 1 in /)
    }))
})
