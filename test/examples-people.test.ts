/**
 * The people-and-friendships example (examples/people.ts) with the fake driver: no server. What
 * its `cypher` statements send (generated parameters, escaped names, composed conditions), what its
 * Schemas encode and decode (a `DateTime.Utc` as a Cypher DATETIME, typed nodes), and how a record
 * that does not decode fails (the record's index and the field). Against a real server, with the
 * migrator, spans and metrics: test/integration/examples-people.test.ts.
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { DateTime, Effect, Layer, Option, Schema, Stream } from "effect"
import { vi } from "vitest"
import { People, printSpans } from "../examples/people.ts"
import * as Neo4jTemporal from "../src/Neo4jTemporal.ts"
import * as Neo4jTesting from "../src/Neo4jTesting.ts"

const joined = (iso: string) => {
  const d = new Date(iso)
  return Neo4jTemporal.DateTime.of({
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    offsetSeconds: 0
  })
}
const member = (name: string, born: unknown, at = "2020-01-01T00:00:00Z") =>
  Neo4jTesting.node("Member", { name, born, joined: joined(at) })

const reset = Neo4jTesting.FakeNeo4j.use((f) => f.reset)

describe("People with the fake driver", () => {
  const fake = Neo4jTesting.layerFake([
    { query: /^MATCH \(p:Member \{name: \$p0\}\) RETURN p$/, records: (p) => p.p0 === "Ada" ? [{ p: member("Ada", 1815) }] : [] },
    {
      query: /-\[f:FRIEND_OF\]-\(friend:Member\)/,
      records: (p) =>
        p.p0 === "Bad"
          ? [{ friend: member("Grace", 1906), since: joined("2023-01-01T00:00:00Z") }, { friend: member("Alan", "1912"), since: joined("2023-02-01T00:00:00Z") }]
          : [{ friend: member("Grace", 1906), since: joined("2023-01-01T00:00:00Z") }]
    },
    { query: /MERGE \(x\)-\[f:FRIEND_OF\]-\(y\)/, records: (p) => [{ since: p.p2 }] },
    { query: /^MATCH \(p:Member\) WHERE/, records: [{ p: member("Grace", 1906) }] },
    { query: /^MATCH \(p:Member\) RETURN p.name/, records: [{ name: "Ada", born: 1815, joined: joined("2020-01-01T00:00:00Z") }, { name: "Grace", born: 1906, joined: joined("2021-06-01T09:00:00Z") }] },
    { query: /^MERGE \(p:Member/ },
    { query: /SET p\./ }
  ])

  layer(Layer.provideMerge(People.layer, fake))((it) => {
    it.effect("join encodes the member: values are parameters, joined a Cypher DATETIME", () =>
      Effect.gen(function*() {
        const people = yield* People
        yield* people.join({ name: "Grace'}) DETACH DELETE (n", born: 1906, joined: DateTime.makeUnsafe("2021-06-01T09:00:00Z") })
        const [sent] = yield* Neo4jTesting.sentQueries
        assert.strictEqual(sent?.query, "MERGE (p:Member {name: $p0}) SET p.born = $p1, p.joined = $p2")
        assert.strictEqual(sent?.parameters.p0, "Grace'}) DETACH DELETE (n")
        assert.strictEqual(sent?.parameters.p1, 1906)
        assert.isTrue(Neo4jTemporal.isDateTime(sent?.parameters.p2))
        assert.strictEqual(String(sent?.parameters.p2), "2021-06-01T09:00:00Z")
      }).pipe(Effect.ensuring(reset)))

    it.effect("find decodes the node's properties into a Member, or none", () =>
      Effect.gen(function*() {
        const people = yield* People
        const ada = yield* people.find("Ada")
        assert.deepStrictEqual(Option.map(ada, (m) => [m.name, m.born, DateTime.formatIso(m.joined)]), Option.some(["Ada", 1815, "2020-01-01T00:00:00.000Z"]))
        assert.isTrue(Option.isNone(yield* people.find("Nobody")))
      }).pipe(Effect.ensuring(reset)))

    it.effect("friendsOf reads from a reader and decodes; a bad record fails naming its index and field", () =>
      Effect.gen(function*() {
        const people = yield* People
        const friends = yield* people.friendsOf("Ada")
        assert.deepStrictEqual(friends.map((f) => [f.name, DateTime.formatIso(f.since)]), [["Grace", "2023-01-01T00:00:00.000Z"]])
        const [sent] = yield* Neo4jTesting.sentQueries
        assert.deepStrictEqual(sent && [sent.api, sent.mode, sent.parameters], ["executeQuery", "READ", { p0: "Ada" }])
        const error = yield* Effect.flip(people.friendsOf("Bad"))
        assert.isTrue(Schema.isSchemaError(error))
        assert.include(error.message, `at [1]["friend"]["properties"]["born"]`)
      }).pipe(Effect.ensuring(reset)))

    it.effect("befriend runs in a committed write transaction and decodes the friendship's start", () =>
      Effect.gen(function*() {
        const people = yield* People
        const since = yield* people.befriend("Ada", "Grace", DateTime.makeUnsafe("2023-01-01T00:00:00Z"))
        assert.strictEqual(DateTime.formatIso(since), "2023-01-01T00:00:00.000Z")
        const [tx] = yield* Neo4jTesting.sentTransactions
        assert.deepStrictEqual(tx && [tx.mode, tx.managed, tx.outcome], ["WRITE", true, "committed"])
        const [sent] = yield* Neo4jTesting.sentQueries
        assert.deepStrictEqual(sent && [sent.api, sent.parameters.p0, sent.parameters.p1], ["tx.run", "Ada", "Grace"])
      }).pipe(Effect.ensuring(reset)))

    it.effect("search composes only the conditions given (cypher.and), each value a parameter", () =>
      Effect.gen(function*() {
        const people = yield* People
        yield* people.search({ bornAfter: 1900, namePrefix: "G" })
        yield* people.search({})
        const sent = yield* Neo4jTesting.sentQueries
        assert.deepStrictEqual(sent.map((q) => [q.query, q.parameters]), [
          ["MATCH (p:Member) WHERE (p.born > $p0) AND (p.name STARTS WITH $p1) RETURN p ORDER BY p.name", { p0: 1900, p1: "G" }],
          ["MATCH (p:Member) WHERE true RETURN p ORDER BY p.name", {}]
        ])
      }).pipe(Effect.ensuring(reset)))

    it.effect("setProfile escapes a field name chosen at run time: a hostile one stays one property key", () =>
      Effect.gen(function*() {
        const people = yield* People
        yield* people.setProfile("Ada", "motto` = 1 DETACH DELETE p //", "x")
        const [sent] = yield* Neo4jTesting.sentQueries
        assert.strictEqual(sent?.query, "MATCH (p:Member {name: $p0}) SET p.`motto`` = 1 DETACH DELETE p //` = $p1")
      }).pipe(Effect.ensuring(reset)))

    it.effect("everyone streams and decodes record by record", () =>
      Effect.gen(function*() {
        const people = yield* People
        const names = yield* Stream.runCollect(Stream.map(people.everyone, (m) => m.name))
        assert.deepStrictEqual(names, ["Ada", "Grace"])
        const [sent] = yield* Neo4jTesting.sentQueries
        assert.strictEqual(sent?.api, "stream")
      }).pipe(Effect.ensuring(reset)))
  })

  layer(Layer.provideMerge(People.layer, Neo4jTesting.layerFake([])))((it) => {
    it.effect("a query no rule expects fails with a typed error", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip((yield* People).find("Ada"))
        assert.strictEqual(error._tag, "Neo4jUsageError")
        assert.instanceOf(error.cause, Neo4jTesting.UnexpectedQueryError)
      }))
  })

  it.effect("printSpans prints each span as it ends, with its attributes", () =>
    Effect.gen(function*() {
      const log = vi.spyOn(console, "log").mockImplementation(() => {})
      const calls = yield* Effect.void.pipe(
        Effect.withSpan("Neo4j.executeQuery", { attributes: { "db.system.name": "neo4j" } }),
        Effect.provide(printSpans),
        Effect.andThen(Effect.sync(() => [...log.mock.calls])),
        Effect.ensuring(Effect.sync(() => log.mockRestore()))
      )
      assert.strictEqual(calls.length, 1)
      const [line, attributes] = calls[0]!
      assert.match(String(line), /^span Neo4j\.executeQuery \d+\.\d\d ms$/)
      assert.deepStrictEqual(attributes, { "db.system.name": "neo4j" })
    }))
})
