/**
 * Every ready Schema of `Neo4jSchema` against real servers: a domain value is encoded through the
 * Schema, sent as a parameter, returned by the server and decoded back to an equal value; graph
 * values are created in Cypher and decoded with typed properties. Vectors and UUIDs where the
 * negotiated Bolt version carries them (6.0 / 6.1).
 */
import { assert, describe, layer as withLayer } from "@effect/vitest"
import { DateTime, Duration, Effect, Equal, Exit, Schema, Stream } from "effect"
import { inject } from "vitest"
import * as Neo4j from "../../src/Neo4j.ts"
import { cypher } from "../../src/Neo4jCypher.ts"
import * as Neo4jSchema from "../../src/Neo4jSchema.ts"
import { Point } from "../../src/Neo4jSpatial.ts"
import * as Temporal from "../../src/Neo4jTemporal.ts"
import { Uuid } from "../../src/Neo4jUuid.ts"
import { Vector } from "../../src/Neo4jVector.ts"

const servers = inject("neo4jServers")

/** Sends `value` encoded by `schema` as `$v`, returns it, and decodes the answer with `schema`. */
const roundTrip = <T>(schema: Schema.Codec<T, any>, value: T) => {
  const Row = Schema.Struct({ v: schema })
  return Neo4jSchema.single({ Request: Row, Result: Row, query: "RETURN $v AS v", config: { routing: "READ" } })({ v: value })
    .pipe(Effect.map((row) => row.v))
}

const same = (actual: unknown, expected: unknown, label: string) => {
  if (typeof expected === "object" && expected !== null && Equal.isEqual(expected)) {
    assert.isTrue(Equal.equals(actual, expected), `${label}: got ${String(actual)}, expected ${String(expected)}`)
  } else {
    assert.deepStrictEqual(actual, expected, label)
  }
}

describe.each(servers.map((server) => [server.name, server] as const))("Neo4jSchema against %s", (_name, server) => {
  const layer = Neo4j.layer({ uri: server.uri, username: server.username, password: server.password })

  withLayer(layer, { excludeTestServices: true, timeout: "120 seconds" })("ready schemas", (it) => {
    it.effect("temporal, spatial and integer values round trip through their Schemas", () =>
      Effect.gen(function*() {
        const cases: ReadonlyArray<readonly [string, Schema.Top, unknown]> = [
          ["Date", Neo4jSchema.Date, Temporal.Date.of({ year: 2024, month: 2, day: 29 })],
          ["LocalTime", Neo4jSchema.LocalTime, Temporal.LocalTime.of({ hour: 23, minute: 59, second: 59, nanosecond: 999_999_999 })],
          ["Time", Neo4jSchema.Time, Temporal.Time.of({ hour: 12, minute: 30, nanosecond: 1, offsetSeconds: -18_000 })],
          ["LocalDateTime", Neo4jSchema.LocalDateTime, Temporal.LocalDateTime.of({ year: 1969, month: 12, day: 31, hour: 23, minute: 59, nanosecond: 5 })],
          ["DateTime (offset)", Neo4jSchema.DateTime, Temporal.DateTime.of({ year: 2024, month: 6, day: 1, hour: 8, minute: 0, nanosecond: 123_456_789, offsetSeconds: 5_400 })],
          ["DateTime (zone id)", Neo4jSchema.DateTime, Temporal.DateTime.of({ year: 2024, month: 10, day: 27, hour: 2, minute: 30, zoneId: "Europe/Berlin", offsetSeconds: 3_600 })],
          ["Duration", Neo4jSchema.Duration, Temporal.Duration.of({ months: 14, days: 3, seconds: 14_706, nanoseconds: 7 })],
          ["DateTimeUtcFromDateTime", Neo4jSchema.DateTimeUtcFromDateTime, DateTime.makeUnsafe("2024-01-02T03:04:05.678Z")],
          ["DateTimeZonedFromDateTime (zone)", Neo4jSchema.DateTimeZonedFromDateTime, DateTime.makeZonedUnsafe("2024-10-27T00:30:00.001Z", { timeZone: "Europe/Berlin" })],
          ["DateTimeZonedFromDateTime (offset)", Neo4jSchema.DateTimeZonedFromDateTime, DateTime.makeZonedUnsafe("2024-01-01T00:00:00Z", { timeZone: -19_800_000 })],
          ["JsDateFromDateTime", Neo4jSchema.JsDateFromDateTime, new globalThis.Date("1815-12-10T12:00:00.250Z")],
          ["EffectDurationFromDuration", Neo4jSchema.EffectDurationFromDuration, Duration.nanos(-1_500_000_001n)],
          ["Point", Neo4jSchema.Point, Point.wgs84_3d(12.5, 56.25, 100)],
          ["BigIntFromInteger", Neo4jSchema.BigIntFromInteger, -(2n ** 63n)],
          ["NumberFromInteger", Neo4jSchema.NumberFromInteger, Number.MAX_SAFE_INTEGER]
        ]
        for (const [label, schema, value] of cases) {
          same(yield* roundTrip(schema as Schema.Codec<unknown, any>, value), value, label)
        }
      }))

    it.effect("values made in Cypher decode (and fail where a conversion would lose something)", () =>
      Effect.gen(function*() {
        const Row = Schema.Struct({
          at: Neo4jSchema.DateTimeUtcFromDateTime,
          zoned: Neo4jSchema.DateTimeZonedFromDateTime,
          big: Neo4jSchema.BigIntFromInteger,
          small: Neo4jSchema.NumberFromInteger
        })
        const row = yield* Neo4jSchema.single({
          Request: Schema.Void,
          Result: Row,
          query: "RETURN datetime('2015-06-24T12:50:35.556+01:00') AS at, " +
            "datetime('2024-03-31T03:30:00[Europe/Berlin]') AS zoned, 9223372036854775807 AS big, 42 AS small"
        })(undefined)
        assert.strictEqual(DateTime.formatIso(row.at), "2015-06-24T11:50:35.556Z")
        assert.strictEqual(DateTime.formatIsoZoned(row.zoned), "2024-03-31T03:30:00.000+02:00[Europe/Berlin]")
        assert.strictEqual(row.big, 2n ** 63n - 1n)
        assert.strictEqual(row.small, 42)
        const lossy = yield* Effect.exit(Neo4jSchema.findAll({
          Request: Schema.Void,
          Result: Schema.Struct({ at: Neo4jSchema.DateTimeUtcFromDateTime, n: Neo4jSchema.NumberFromInteger }),
          query: "UNWIND [1, 2] AS i RETURN datetime('2015-06-24T12:50:35.556+01:00') AS at, " +
            "CASE i WHEN 1 THEN 1 ELSE 9223372036854775807 END AS n"
        })(undefined))
        assert.isTrue(Exit.isFailure(lossy))
        assert.include(String(lossy), "at [1][\"n\"]")
      }))

    it.effect("nodes, relationships and paths decode with typed properties", () =>
      Effect.gen(function*() {
        const PersonProps = Schema.Struct({ name: Schema.String, born: Neo4jSchema.Date })
        const KnowsProps = Schema.Struct({ since: Neo4jSchema.NumberFromInteger })
        const Row = Schema.Struct({
          a: Neo4jSchema.Node(PersonProps),
          r: Neo4jSchema.Relationship(KnowsProps),
          p: Neo4jSchema.Path(PersonProps, KnowsProps)
        })
        const rows = yield* Neo4jSchema.findAll({
          Request: Schema.Struct({ born: Neo4jSchema.JsDateFromDateTime }),
          Result: Row,
          query: (request) => cypher`
            CREATE p = (a:SchemaTest {name: 'a', born: date(${request.born})})-[r:KNOWS {since: 2020}]->(b:SchemaTest {name: 'b', born: date('1912-06-23')})
            RETURN a, r, p`
        })({ born: new globalThis.Date("1815-12-10T00:00:00Z") })
        yield* Neo4j.executeQuery("MATCH (n:SchemaTest) DETACH DELETE n")
        const [row] = rows
        assert.strictEqual(row!.a.properties.name, "a")
        assert.strictEqual(row!.a.properties.born.toString(), "1815-12-10")
        assert.strictEqual(row!.r.properties.since, 2020)
        assert.deepStrictEqual(row!.p.nodes.map((n) => n.properties.name), ["a", "b"])
        assert.strictEqual(row!.p.relationships[0]!.properties.since, 2020)
      }))

    it.effect("stream decodes a streamed result record by record", () =>
      Effect.gen(function*() {
        const squares = Neo4jSchema.stream({
          Request: Schema.Struct({ n: Schema.Int }),
          Result: Schema.Struct({ x: Neo4jSchema.NumberFromInteger, square: Neo4jSchema.BigIntFromInteger }),
          query: "UNWIND range(1, $n) AS x RETURN x, x * x AS square",
          config: { fetchSize: 10 }
        })
        const rows = yield* Stream.runCollect(squares({ n: 35 }))
        assert.strictEqual(rows.length, 35)
        assert.deepStrictEqual(rows[34], { x: 35, square: 1225n })
      }))

    it.effect("vectors (Bolt 6.0+) and UUIDs (Bolt 6.1+) where the server negotiates them", () =>
      Effect.gen(function*() {
        const info = yield* Neo4j.getServerInfo
        const [major, minor] = info.protocolVersion.split(".").map(Number)
        if (major! < 6) return
        const vector = Vector.fromArray("FLOAT32", [1, 2.5, -3])
        same(yield* roundTrip(Neo4jSchema.Vector, vector), vector, "Vector")
        if (major === 6 && minor! < 1) return
        const uuid = Uuid.fromString("f0a90880-8290-48af-abec-c2f03978a2e9")
        same(yield* roundTrip(Neo4jSchema.Uuid, uuid), uuid, "Uuid")
        assert.strictEqual(yield* roundTrip(Neo4jSchema.StringFromUuid, uuid.toString()), uuid.toString())
      }))
  })
})
