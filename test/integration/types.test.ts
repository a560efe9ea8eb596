/**
 * Every Cypher type through a real server: sent as a parameter and returned (`RETURN $v`), and
 * created in Cypher. Vectors and UUIDs where the negotiated Bolt version has them (6.0 / 6.1).
 */
import { assert, describe, layer as withLayer } from "@effect/vitest"
import { Effect, Equal } from "effect"
import { inject } from "vitest"
import * as Neo4j from "../../src/Neo4j.ts"
import * as Graph from "../../src/Neo4jGraph.ts"
import { Point } from "../../src/Neo4jSpatial.ts"
import * as Temporal from "../../src/Neo4jTemporal.ts"
import { Uuid } from "../../src/Neo4jUuid.ts"
import * as Value from "../../src/Neo4jValue.ts"
import { Vector } from "../../src/Neo4jVector.ts"

const servers = inject("neo4jServers")

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** Values that come back exactly as they were sent. */
const parameters: ReadonlyArray<readonly [string, unknown]> = [
  ["null", null],
  ["true", true],
  ["false", false],
  ["tiny int", 127],
  ["negative tiny int", -16],
  ["int8", -17],
  ["int16", 32767],
  ["int32", 2 ** 31 - 1],
  ["int64", 2 ** 40],
  ["max safe integer", Number.MAX_SAFE_INTEGER],
  ["int64 min as bigint", INT64_MIN],
  ["int64 max as bigint", INT64_MAX],
  ["float", 1.5],
  ["negative float", -0.000001],
  ["NaN", Number.NaN],
  ["infinity", Number.POSITIVE_INFINITY],
  ["empty string", ""],
  ["accented string", "héllo wörld"],
  ["astral-plane string", "𝄞 music, 🎉 party, 𠜎 cjk"],
  ["100k string", "x".repeat(100_000)],
  ["bytes", new Uint8Array([0, 1, 2, 254, 255])],
  ["empty list", []],
  ["mixed list", [1, "two", 3.5, null, [true]]],
  ["100k-element list", Array.from({ length: 100_000 }, (_, i) => i)],
  ["nested map", { a: { b: { c: [1, { d: "deep" }] } }, e: null }],
  ["map with __proto__ key", JSON.parse("{\"__proto__\": 1, \"constructor\": 2}")],
  ["date", Temporal.Date.of({ year: 2024, month: 2, day: 29 })],
  ["date before 1970", Temporal.Date.of({ year: 1815, month: 12, day: 10 })],
  ["local time", Temporal.LocalTime.of({ hour: 23, minute: 59, second: 59, nanosecond: 999_999_999 })],
  ["time with offset", Temporal.Time.of({ hour: 12, minute: 30, second: 0, nanosecond: 1, offsetSeconds: -5 * 3600 })],
  ["local date-time", Temporal.LocalDateTime.of({ year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59, nanosecond: 5 })],
  ["date-time with offset", Temporal.DateTime.of({ year: 2024, month: 6, day: 1, hour: 8, minute: 0, nanosecond: 123456789, offsetSeconds: 3600 + 1800 })],
  ["date-time with zone id", Temporal.DateTime.of({ year: 2024, month: 10, day: 27, hour: 2, minute: 30, zoneId: "Europe/Berlin", offsetSeconds: 7200 })],
  ["duration", Temporal.Duration.of({ months: 14, days: 3, seconds: 14706, nanoseconds: 7 })],
  ["cartesian point", Point.cartesian(1.5, -2)],
  ["cartesian 3D point", Point.cartesian3d(1, 2, 3)],
  ["WGS-84 point", Point.wgs84(12.99, 55.6)],
  ["WGS-84 3D point", Point.wgs84_3d(12.99, 55.6, 100)]
]

const same = (actual: unknown, expected: unknown, label: string) => {
  if (typeof expected === "object" && expected !== null && Equal.isEqual(expected)) {
    assert.isTrue(Equal.equals(actual, expected), `${label}: got ${String(actual)}, expected ${String(expected)}`)
  } else {
    assert.deepStrictEqual(actual, expected, label)
  }
}

const returned = (query: string, params: Record<string, unknown> = {}) =>
  Effect.map(Neo4j.executeQuery(query, params, { routing: "READ" }), (r) => r.records[0]!.get("v"))

describe.each(servers.map((server) => [server.name, server] as const))("Cypher types against %s", (_name, server) => {
  const layer = Neo4j.layer({ uri: server.uri, username: server.username, password: server.password })

  withLayer(layer, { excludeTestServices: true, timeout: "120 seconds" })("round trips", (it) => {
    it.effect("every value type sent as a parameter comes back equal", () =>
      Effect.gen(function*() {
        for (const [label, value] of parameters) {
          same(yield* returned("RETURN $v AS v", { v: value }), value, label)
        }
      }))

    it.effect("a forced float and a JS Date parameter get their Cypher types", () =>
      Effect.gen(function*() {
        const types = yield* Neo4j.executeQuery("RETURN valueType($f) AS f, valueType($i) AS i, valueType($d) AS d", {
          f: Value.float(1),
          i: 1,
          d: new globalThis.Date("2024-01-02T03:04:05.678Z")
        })
        const row = types.records[0]!
        assert.match(row.get("f") as string, /^FLOAT/)
        assert.match(row.get("i") as string, /^INTEGER/)
        assert.match(row.get("d") as string, /^ZONED DATETIME/)
        const date = yield* returned("RETURN $d AS v", { d: new globalThis.Date("2024-01-02T03:04:05.678Z") })
        assert.strictEqual((date as Temporal.DateTime).toJsDate().toISOString(), "2024-01-02T03:04:05.678Z")
      }))

    it.effect("values created in Cypher decode exactly", () =>
      Effect.gen(function*() {
        const gap = (yield* returned("RETURN datetime('2024-03-31T02:30:00[Europe/Berlin]') AS v")) as Temporal.DateTime
        // 02:30 does not exist that night in Berlin (clocks jump 02:00 -> 03:00): Neo4j moves it on.
        assert.strictEqual(gap.zoneId, "Europe/Berlin")
        assert.strictEqual(gap.offsetSeconds, 7200)
        assert.strictEqual(gap.hour, 3)
        assert.strictEqual(gap.minute, 30)
        assert.strictEqual(gap.toJsDate().toISOString(), "2024-03-31T01:30:00.000Z")

        const duration = (yield* returned("RETURN duration('P1Y2M3DT4H5M6.000000007S') AS v")) as Temporal.Duration
        same(duration, Temporal.Duration.of({ months: 14, days: 3, seconds: 4 * 3600 + 5 * 60 + 6, nanoseconds: 7 }), "duration")

        const point = yield* returned("RETURN point({srid: 4979, x: 12.5, y: 56.25, z: 100.0}) AS v")
        same(point, Point.wgs84_3d(12.5, 56.25, 100), "point 4979")

        same(yield* returned("RETURN -9223372036854775808 AS v"), INT64_MIN, "int64 min literal")
        same(yield* returned("RETURN 9223372036854775807 AS v"), INT64_MAX, "int64 max literal")
        same(yield* returned("RETURN 9007199254740993 AS v"), 9007199254740993n, "2^53 + 1 stays exact")
        same(yield* returned("RETURN '𝄞' + '🎉' AS v"), "𝄞🎉", "astral characters")
        same(yield* returned("RETURN size(range(1, 100000)) AS v"), 100_000, "100k list size")
        const list = (yield* returned("RETURN range(1, 100000) AS v")) as Array<number>
        assert.strictEqual(list.length, 100_000)
        assert.strictEqual(list[99_999], 100_000)
        same(yield* returned("RETURN {a: {b: [1, {c: 'd'}]}} AS v"), { a: { b: [1, { c: "d" }] } }, "nested map")
        same(yield* returned("RETURN date('2024-02-29') AS v"), Temporal.Date.of({ year: 2024, month: 2, day: 29 }), "date")
        same(yield* returned("RETURN localtime('12:34:56.789012345') AS v"),
          Temporal.LocalTime.of({ hour: 12, minute: 34, second: 56, nanosecond: 789012345 }), "local time")
        same(yield* returned("RETURN time('12:00:00+01:00') AS v"),
          Temporal.Time.of({ hour: 12, minute: 0, offsetSeconds: 3600 }), "time")
        same(yield* returned("RETURN localdatetime('2015-07-21T21:40:32.142') AS v"),
          Temporal.LocalDateTime.of({ year: 2015, month: 7, day: 21, hour: 21, minute: 40, second: 32, nanosecond: 142_000_000 }),
          "local date-time")
        same(yield* returned("RETURN datetime('2015-06-24T12:50:35.556+0100') AS v"),
          Temporal.DateTime.of({ year: 2015, month: 6, day: 24, hour: 12, minute: 50, second: 35, nanosecond: 556_000_000, offsetSeconds: 3600 }),
          "date-time with offset")
      }))

    it.effect("nodes, relationships and paths decode with their ids, labels and properties", () =>
      Effect.gen(function*() {
        const result = yield* Neo4j.executeQuery(
          "CREATE p = (a:TypeTest:Person {name: 'a', n: 1})-[r:KNOWS {since: 2020}]->(b:TypeTest {name: 'b'})<-[:LIKES]-(c:TypeTest) " +
            "RETURN a, r, p"
        )
        const row = result.records[0]!
        const a = row.get("a") as Graph.Node
        const r = row.get("r") as Graph.Relationship
        const p = row.get("p") as Graph.Path
        assert.isTrue(Graph.isNode(a))
        assert.deepStrictEqual([...a.labels].sort(), ["Person", "TypeTest"])
        assert.deepStrictEqual(a.properties, { name: "a", n: 1 })
        assert.isTrue(Graph.isRelationship(r))
        assert.strictEqual(r.type, "KNOWS")
        assert.deepStrictEqual(r.properties, { since: 2020 })
        assert.isTrue(Graph.isPath(p))
        assert.strictEqual(p.segments.length, 2)
        assert.isTrue(Equal.equals(p.start, a))
        assert.strictEqual(p.segments[1]!.relationship.type, "LIKES")
        const [major] = server.version.split(".").map(Number)
        if (major! >= 5) {
          assert.isString(a.elementId)
          assert.strictEqual(r.startNodeElementId, a.elementId)
        }
        yield* Neo4j.executeQuery("MATCH (n:TypeTest) DETACH DELETE n")
      }))

    it.effect("vectors (Bolt 6.0+) and UUIDs (Bolt 6.1+) where the server negotiates them", () =>
      Effect.gen(function*() {
        const info = yield* Neo4j.getServerInfo
        const [major, minor] = info.protocolVersion.split(".").map(Number)
        if (major! < 6) return
        const f32 = Vector.fromArray("FLOAT32", [1, 2.5, -3])
        same(yield* returned("RETURN $v AS v", { v: f32 }), f32, "FLOAT32 vector parameter")
        for (const type of ["INT8", "INT16", "INT32", "INT64", "FLOAT64"] as const) {
          const vector = Vector.fromArray(type, [1, -2, 3])
          same(yield* returned("RETURN $v AS v", { v: vector }), vector, `${type} vector parameter`)
        }
        same(yield* returned("CYPHER 25 RETURN vector([1.0, 2.5, -3.0], 3, FLOAT32) AS v"), f32, "vector created in Cypher")
        if (major === 6 && minor! < 1) return
        const uuid = Uuid.fromString("f0a90880-8290-48af-abec-c2f03978a2e9")
        same(yield* returned("RETURN $v AS v", { v: uuid }), uuid, "UUID parameter")
      }))
  })
})
