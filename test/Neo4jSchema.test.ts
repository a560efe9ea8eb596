import { assert, describe, it } from "@effect/vitest"
import { DateTime, Duration, Effect, Exit, Option, Schema, Stream } from "effect"
import { Neo4jResultError } from "../src/Neo4jError.ts"
import * as Graph from "../src/Neo4jGraph.ts"
import { Neo4jRecord, RecordShape } from "../src/Neo4jRecord.ts"
import * as Neo4jSchema from "../src/Neo4jSchema.ts"
import * as Temporal from "../src/Neo4jTemporal.ts"
import { Uuid } from "../src/Neo4jUuid.ts"

const shape = new RecordShape(["name", "born"])
const row = (name: unknown, born: unknown) => new Neo4jRecord(shape, [name, born])

const Person = Schema.Struct({ name: Schema.String, born: Neo4jSchema.NumberFromInteger })
const ByName = Schema.Struct({ name: Schema.String })

/** An `execute` that records the parameters it was given and returns fixed rows. */
const fixed = (rows: ReadonlyArray<unknown>) => {
  const seen: Array<unknown> = []
  return { seen, execute: (request: unknown) => Effect.sync(() => (seen.push(request), rows)) }
}

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  assert.isTrue(Exit.isFailure(exit), "expected a failure")
  const error = Exit.findErrorOption(exit)
  assert.isTrue(Option.isSome(error), "expected a typed failure")
  return (error as Option.Some<E>).value
}

describe("Neo4jSchema query helpers", () => {
  it.effect("findAll encodes the request and decodes every record", () =>
    Effect.gen(function*() {
      const { execute, seen } = fixed([row("Ada", 1815), row("Alan", 1912n)])
      const find = Neo4jSchema.findAll({ Request: ByName, Result: Person, execute })
      const people = yield* find({ name: "A" })
      assert.deepStrictEqual(people, [{ name: "Ada", born: 1815 }, { name: "Alan", born: 1912 }])
      assert.deepStrictEqual(seen, [{ name: "A" }])
    }))

  it.effect("a decoding failure names the record index and the field", () =>
    Effect.gen(function*() {
      const { execute } = fixed([row("Ada", 1815), row("Bad", "1900")])
      const exit = yield* Effect.exit(Neo4jSchema.findAll({ Request: ByName, Result: Person, execute })({ name: "x" }))
      const error = failureOf(exit)
      assert.isTrue(Schema.isSchemaError(error))
      assert.strictEqual((error as Schema.SchemaError).message, "Expected an INTEGER (a safe integer or a bigint)\n  at [1][\"born\"]")
    }))

  it.effect("an integer beyond 2^53 fails NumberFromInteger instead of losing precision", () =>
    Effect.gen(function*() {
      const { execute } = fixed([row("Old", 2n ** 60n)])
      const exit = yield* Effect.exit(Neo4jSchema.findAll({ Request: ByName, Result: Person, execute })({ name: "x" }))
      assert.include((failureOf(exit) as Schema.SchemaError).message, "at [0][\"born\"]")
    }))

  it.effect("a request that does not encode fails before the query runs", () =>
    Effect.gen(function*() {
      const { execute, seen } = fixed([])
      const find = Neo4jSchema.findAll({ Request: Schema.Struct({ n: Schema.Int }), Result: Person, execute })
      const exit = yield* Effect.exit(find({ n: 1.5 }))
      assert.isTrue(Schema.isSchemaError(failureOf(exit)))
      assert.deepStrictEqual(seen, [])
    }))

  it.effect("findOne gives an Option of the first record", () =>
    Effect.gen(function*() {
      const none = yield* Neo4jSchema.findOne({ Request: ByName, Result: Person, execute: fixed([]).execute })({ name: "x" })
      assert.isTrue(Option.isNone(none))
      const some = yield* Neo4jSchema.findOne({ Request: ByName, Result: Person, execute: fixed([row("Ada", 1), row("B", 2)]).execute })({ name: "x" })
      assert.deepStrictEqual(some, Option.some({ name: "Ada", born: 1 }))
    }))

  it.effect("single fails with Neo4jResultError unless there is exactly one record", () =>
    Effect.gen(function*() {
      const single = (rows: ReadonlyArray<unknown>) =>
        Effect.exit(Neo4jSchema.single({ Request: ByName, Result: Person, execute: fixed(rows).execute })({ name: "x" }))
      const none = failureOf(yield* single([]))
      assert.instanceOf(none, Neo4jResultError)
      assert.strictEqual((none as Neo4jResultError).reason, "NoRecords")
      assert.strictEqual((failureOf(yield* single([row("a", 1), row("b", 2)])) as Neo4jResultError).reason, "TooManyRecords")
      assert.deepStrictEqual(yield* Neo4jSchema.single({ Request: ByName, Result: Person, execute: fixed([row("a", 1)]).execute })({ name: "x" }), { name: "a", born: 1 })
    }))

  it.effect("void encodes the request through its Schema (here a Date to a Cypher DateTime)", () =>
    Effect.gen(function*() {
      const seen: Array<unknown> = []
      const save = Neo4jSchema.void({
        Request: Schema.Struct({ at: Neo4jSchema.JsDateFromDateTime }),
        execute: (request) => Effect.sync(() => seen.push(request))
      })
      yield* save({ at: new globalThis.Date("2024-01-02T03:04:05.678Z") })
      const at = (seen[0] as { at: Temporal.DateTime }).at
      assert.isTrue(Temporal.isDateTime(at))
      assert.strictEqual(at.toString(), "2024-01-02T03:04:05.678Z")
    }))

  it.effect("stream decodes record by record and names the failing record's index", () =>
    Effect.gen(function*() {
      const people = Neo4jSchema.stream({
        Request: Schema.Void,
        Result: Person,
        execute: () => Stream.fromIterable([row("a", 1), row("b", 2), row("c", "oops"), row("d", 4)])
      })
      const firstTwo = yield* Stream.runCollect(Stream.take(people(undefined), 2))
      assert.deepStrictEqual(firstTwo, [{ name: "a", born: 1 }, { name: "b", born: 2 }])
      const exit = yield* Effect.exit(Stream.runCollect(people(undefined)))
      assert.include((failureOf(exit) as Schema.SchemaError).message, "at [2][\"born\"]")
    }))
})

const node = <P extends Graph.Properties>(id: number, props: P) => new Graph.Node(id, ["Person"], props, `4:x:${id}`)
const rel = <P extends Graph.Properties>(id: number, start: number, end: number, props: P) =>
  new Graph.Relationship(id, start, end, "KNOWS", props, `5:x:${id}`, `4:x:${start}`, `4:x:${end}`)

describe("Neo4jSchema graph schemas", () => {
  const PersonNode = Neo4jSchema.Node(Schema.Struct({ name: Schema.String, since: Neo4jSchema.JsDateFromDateTime }))

  it("Node decodes its properties and keeps identity, labels and element id", () => {
    const at = Temporal.DateTime.fromJsDate(new globalThis.Date("2020-05-06T07:08:09.010Z"))
    const decoded = Schema.decodeUnknownSync(PersonNode)(node(7, { name: "Ada", since: at, extra: 1 }))
    assert.instanceOf(decoded, Graph.Node)
    assert.strictEqual(decoded.identity, 7)
    assert.deepStrictEqual(decoded.labels, ["Person"])
    assert.strictEqual(decoded.elementId, "4:x:7")
    assert.strictEqual(decoded.properties.name, "Ada")
    assert.strictEqual(decoded.properties.since.toISOString(), "2020-05-06T07:08:09.010Z")
    // and back: the properties are encoded through their Schema
    const encoded = Schema.encodeSync(PersonNode)(decoded)
    assert.isTrue(Temporal.isDateTime(encoded.properties.since))
    assert.strictEqual(encoded.properties.since.toString(), "2020-05-06T07:08:09.01Z")
  })

  it("Node failures point into its properties; other values are not nodes", () => {
    const bad = Schema.decodeUnknownExit(PersonNode)(node(1, { name: 5 }))
    assert.include(String(failureOf(bad)), "at [\"properties\"][\"name\"]")
    assert.include(String(failureOf(Schema.decodeUnknownExit(PersonNode)({ properties: {} }))), "Expected a Node")
  })

  it("Relationship decodes its properties", () => {
    const Knows = Neo4jSchema.Relationship(Schema.Struct({ since: Neo4jSchema.BigIntFromInteger }))
    const decoded = Schema.decodeUnknownSync(Knows)(rel(3, 1, 2, { since: 2020 }))
    assert.strictEqual(decoded.properties.since, 2020n)
    assert.strictEqual(decoded.type, "KNOWS")
    assert.strictEqual(decoded.startNodeElementId, "4:x:1")
  })

  it("Path decodes every node and relationship and keeps the walk", () => {
    const a = node(1, { name: "a" })
    const b = node(2, { name: "b" })
    const c = node(3, { name: "c" })
    const r1 = rel(10, 1, 2, { w: 1 })
    const r2 = rel(11, 3, 2, { w: 2 }) // walked against its direction
    const path = new Graph.Path(a, c, [new Graph.PathSegment(a, r1, b), new Graph.PathSegment(b, r2, c)])
    const P = Neo4jSchema.Path(Schema.Struct({ name: Schema.String }), Schema.Struct({ w: Neo4jSchema.BigIntFromInteger }))
    const decoded = Schema.decodeUnknownSync(P)(path)
    assert.deepStrictEqual(decoded.nodes.map((n) => n.properties.name), ["a", "b", "c"])
    assert.deepStrictEqual(decoded.relationships.map((r) => r.properties.w), [1n, 2n])
    assert.strictEqual(decoded.segments[1]!.relationship.startNodeElementId, "4:x:3")
    assert.strictEqual(decoded.end.properties.name, "c")
    const bad = Schema.decodeUnknownExit(P)(new Graph.Path(a, c, [new Graph.PathSegment(a, r1, b), new Graph.PathSegment(b, rel(11, 3, 2, { w: "x" }), c)]))
    assert.include(String(failureOf(bad)), "at [\"relationships\"][1][\"properties\"][\"w\"]")
  })
})

describe("Neo4jSchema value schemas", () => {
  it("DateTimeUtcFromDateTime keeps the instant and refuses a sub-millisecond part", () => {
    const berlin = Temporal.DateTime.of({ year: 2024, month: 6, day: 1, hour: 10, minute: 0, nanosecond: 5_000_000, zoneId: "Europe/Berlin" })
    const utc = Schema.decodeUnknownSync(Neo4jSchema.DateTimeUtcFromDateTime)(berlin)
    assert.strictEqual(DateTime.formatIso(utc), "2024-06-01T08:00:00.005Z")
    assert.strictEqual(Schema.encodeSync(Neo4jSchema.DateTimeUtcFromDateTime)(utc).toString(), "2024-06-01T08:00:00.005Z")
    const fine = Temporal.DateTime.of({ year: 2024, month: 6, day: 1, hour: 10, minute: 0, nanosecond: 1, offsetSeconds: 0 })
    assert.include(String(failureOf(Schema.decodeUnknownExit(Neo4jSchema.DateTimeUtcFromDateTime)(fine))), "whole millisecond")
  })

  it("DateTimeZonedFromDateTime keeps a zone id or an offset both ways", () => {
    const S = Neo4jSchema.DateTimeZonedFromDateTime
    const named = Temporal.DateTime.of({ year: 2024, month: 10, day: 27, hour: 2, minute: 30, zoneId: "Europe/Berlin", offsetSeconds: 3600 })
    const zoned = Schema.decodeUnknownSync(S)(named)
    assert.strictEqual(DateTime.formatIsoZoned(zoned), "2024-10-27T02:30:00.000+01:00[Europe/Berlin]")
    const back = Schema.encodeSync(S)(zoned)
    assert.strictEqual(back.toString(), named.toString())
    const offset = Temporal.DateTime.of({ year: 2024, month: 1, day: 1, hour: 0, minute: 0, offsetSeconds: -(5 * 3600 + 30 * 60) })
    assert.strictEqual(Schema.encodeSync(S)(Schema.decodeUnknownSync(S)(offset)).toString(), offset.toString())
  })

  it("EffectDurationFromDuration converts seconds-only durations exactly and refuses months and days", () => {
    const S = Neo4jSchema.EffectDurationFromDuration
    const d = Schema.decodeUnknownSync(S)(Temporal.Duration.of({ seconds: 90, nanoseconds: 7 }))
    assert.isTrue(Duration.equals(d, Duration.nanos(90_000_000_007n)))
    const negative = Schema.encodeSync(S)(Duration.nanos(-1_500_000_000n))
    assert.deepStrictEqual([negative.seconds, negative.nanoseconds], [-2, 500_000_000])
    assert.include(String(failureOf(Schema.decodeUnknownExit(S)(Temporal.Duration.of({ days: 1 })))), "without months or days")
  })

  it("integers: bigint always, number only when safe", () => {
    assert.strictEqual(Schema.decodeUnknownSync(Neo4jSchema.BigIntFromInteger)(5), 5n)
    assert.strictEqual(Schema.decodeUnknownSync(Neo4jSchema.NumberFromInteger)(5n), 5)
    assert.isTrue(Exit.isFailure(Schema.decodeUnknownExit(Neo4jSchema.NumberFromInteger)(2n ** 53n)))
    assert.isTrue(Exit.isFailure(Schema.decodeUnknownExit(Neo4jSchema.BigIntFromInteger)(1.5)))
  })

  it("StringFromUuid gives the text and refuses text that is not a UUID", () => {
    const uuid = Uuid.fromString("F0A90880-8290-48AF-ABEC-C2F03978A2E9")
    assert.strictEqual(Schema.decodeUnknownSync(Neo4jSchema.StringFromUuid)(uuid), "f0a90880-8290-48af-abec-c2f03978a2e9")
    assert.isTrue(Exit.isFailure(Schema.encodeExit(Neo4jSchema.StringFromUuid)("not-a-uuid")))
  })
})
