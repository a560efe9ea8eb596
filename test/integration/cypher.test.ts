/**
 * The `cypher` template against real servers: values travel as parameters, composed fragments run,
 * and escaped identifiers cannot be broken out of: each hostile name becomes exactly one label,
 * relationship type or property key with that name, and nothing else happens.
 */
import { assert, describe, layer as withLayer } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { inject } from "vitest"
import * as Neo4j from "../../src/Neo4j.ts"
import { cypher } from "../../src/Neo4jCypher.ts"
import type * as Graph from "../../src/Neo4jGraph.ts"

const servers = inject("neo4jServers")

/** Names that try to end the quoted identifier early, or to smuggle a backtick past the escaping. */
const HOSTILE_NAMES: ReadonlyArray<string> = [
  "Person`) DETACH DELETE n //",
  "`",
  "``",
  "a``b",
  "`) RETURN 1 AS x UNION MATCH (m) DETACH DELETE m //",
  "x\\u0060) DETACH DELETE n //", // a Java-style unicode escape of a backtick, as text
  "x\\`) DETACH DELETE n //",
  "x\\\\u0060) DETACH DELETE n //", // two backslashes, then the escape
  "x\\u005Cu0060) DETACH DELETE n //", // an escaped backslash, then u0060
  "\\u0041",
  "\\",
  "a:b",
  "a.b c",
  "$p0",
  "/* c */",
  "line\nbreak",
  "ünïcødé 🎉"
]

describe.each(servers.map((server) => [server.name, server] as const))("cypher template against %s", (_name, server) => {
  const layer = Neo4j.layer({ uri: server.uri, username: server.username, password: server.password })

  withLayer(layer, { excludeTestServices: true, timeout: "120 seconds" })("statements", (it) => {
    it.effect("values are parameters: a quote in a value is data", () =>
      Effect.gen(function*() {
        const name = "Ada'}) DETACH DELETE n //"
        const result = yield* Neo4j.executeQuery(cypher`RETURN ${name} AS name, ${[1, 2]} AS list, ${{ a: 1 }} AS map`)
        const record = result.records[0]!
        assert.strictEqual(record.get("name"), name)
        assert.deepStrictEqual(record.get("list"), [1, 2])
        assert.deepStrictEqual(record.get("map"), { a: 1 })
      }))

    it.effect("composed fragments run through every entry point", () =>
      Effect.gen(function*() {
        const filters = [cypher`x > ${2}`, cypher`x < ${6} OR x = ${9}`]
        const query = cypher`UNWIND range(1, 10) AS x WITH x WHERE ${cypher.and(filters)} RETURN ${cypher.join([cypher`x`, cypher`x * ${10} AS y`])}`
        const expected = [3, 4, 5, 9] // (x > 2) AND (x < 6 OR x = 9)
        const eager = yield* Neo4j.executeQuery(query, undefined, { routing: "READ" })
        assert.deepStrictEqual(eager.records.map((r) => r.get("x")), expected)
        assert.deepStrictEqual(eager.records.map((r) => r.get("y")), [30, 40, 50, 90])
        const streamed = yield* Stream.runCollect(Neo4j.stream(query))
        assert.deepStrictEqual(streamed.map((r) => r.get("x")), expected)
        const inSession = yield* Effect.scoped(Effect.gen(function*() {
          const session = yield* Neo4j.session()
          const run = yield* session.run(query)
          const stream = yield* Stream.runCollect(session.stream(query))
          const tx = yield* Neo4j.executeRead((tx) =>
            Effect.zip(tx.run(query), Stream.runCollect(tx.stream(query))))
          return [run.records, stream, tx[0].records, tx[1]]
        }))
        for (const records of inSession) assert.deepStrictEqual(records.map((r) => r.get("x")), expected)
      }))

    it.effect("explicit parameters sit next to generated ones", () =>
      Effect.gen(function*() {
        const result = yield* Neo4j.executeQuery(cypher`RETURN ${"generated"} AS a, $p0 AS b`, { p0: "explicit" })
        assert.strictEqual(result.records[0]!.get("a"), "generated")
        assert.strictEqual(result.records[0]!.get("b"), "explicit")
      }))

    it.effect("hostile labels, relationship types and property keys stay one name each", () =>
      Effect.gen(function*() {
        yield* Neo4j.executeQuery("MATCH (n:CypherBreakout) DETACH DELETE n")
        for (const name of HOSTILE_NAMES) {
          yield* Neo4j.executeQuery(cypher`CREATE (:CypherBreakout:${cypher.label(name)} {${cypher.property(name)}: ${name}})`)
          const result = yield* Neo4j.executeQuery(cypher`
            MATCH (a:CypherBreakout:${cypher.label(name)})
            CREATE (a)-[r:${cypher.relType(name)} {${cypher.property(name)}: ${name}}]->(b:CypherBreakout)
            RETURN a, r, a.${cypher.property(name)} AS value, count(*) AS n`)
          const record = result.records[0]!
          const a = record.get("a") as Graph.Node
          const r = record.get("r") as Graph.Relationship
          assert.deepStrictEqual([...a.labels].sort(), ["CypherBreakout", name].sort(), `labels for ${JSON.stringify(name)}`)
          assert.deepStrictEqual(Object.keys(a.properties), [name], `property key for ${JSON.stringify(name)}`)
          assert.strictEqual(record.get("value"), name)
          assert.strictEqual(r.type, name, `relationship type for ${JSON.stringify(name)}`)
          assert.deepStrictEqual(Object.keys(r.properties), [name])
          assert.strictEqual(record.get("n"), 1)
        }
        const count = yield* Neo4j.executeQuery("MATCH (n:CypherBreakout) RETURN count(n) AS n")
        assert.strictEqual(count.records[0]!.get("n"), HOSTILE_NAMES.length * 2, "every node is still there")
        yield* Neo4j.executeQuery("MATCH (n:CypherBreakout) DETACH DELETE n")
      }))
  })
})
