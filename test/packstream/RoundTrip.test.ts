import { assert, describe, it } from "@effect/vitest"
import { Equal, Schema } from "effect"
import fc from "fast-check"
import { Point } from "../../src/Neo4jSpatial.ts"
import * as Neo4jTemporal from "../../src/Neo4jTemporal.ts"
import { Uuid } from "../../src/Neo4jUuid.ts"
import { Vector } from "../../src/Neo4jVector.ts"
import type { ValueCodecOptions } from "../../src/bolt/ValueCodec.ts"
import { prettyPrint } from "../../src/packstream/index.ts"
import { bolt44Options, bolt5Options, bolt61Options, decode, encode } from "./helpers.ts"

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const SAFE = BigInt(Number.MAX_SAFE_INTEGER)
const DAYS = 365_000_000 // +-1,000,000 years around the epoch
const NANOS_PER_DAY = 86_400_000_000_000
const ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC", "Pacific/Chatham"]

const roundTrips = (value: unknown, options: ValueCodecOptions): boolean => {
  const encoded = encode(value, options)
  const decoded = decode(encoded, options)
  if (!Equal.equals(decoded, value)) {
    throw new Error(`round trip changed the value\n in:  ${String(value)}\n out: ${String(decoded)}\n${prettyPrint(encoded)}`)
  }
  return true
}

const temporal = fc.oneof(
  fc.integer({ min: -DAYS, max: DAYS }).map((d) => new Neo4jTemporal.Date(d)),
  fc.integer({ min: 0, max: NANOS_PER_DAY - 1 }).map((n) => new Neo4jTemporal.LocalTime(n)),
  fc.tuple(fc.integer({ min: 0, max: NANOS_PER_DAY - 1 }), fc.integer({ min: -64_800, max: 64_800 }))
    .map(([n, o]) => new Neo4jTemporal.Time(n, o)),
  fc.tuple(fc.integer({ min: -DAYS, max: DAYS }), fc.integer({ min: 0, max: NANOS_PER_DAY - 1 }))
    .map(([d, n]) => new Neo4jTemporal.LocalDateTime(d, n)),
  fc.tuple(
    fc.integer({ min: -DAYS, max: DAYS }),
    fc.integer({ min: 0, max: NANOS_PER_DAY - 1 }),
    fc.integer({ min: -64_800, max: 64_800 })
  ).map(([d, n, o]) => new Neo4jTemporal.DateTime(d, n, o)),
  fc.tuple(
    fc.integer({ min: -2_000_000_000_000, max: 2_000_000_000_000 }),
    fc.integer({ min: 0, max: 999_999_999 }),
    fc.constantFrom(...ZONES)
  ).map(([s, n, z]) => Neo4jTemporal.DateTime.fromEpochSecond(s, n, z)),
  fc.tuple(
    fc.integer({ min: -1_000_000, max: 1_000_000 }),
    fc.integer({ min: -1_000_000, max: 1_000_000 }),
    fc.maxSafeInteger(),
    fc.integer({ min: 0, max: 999_999_999 })
  ).map(([m, d, s, n]) => new Neo4jTemporal.Duration(m, d, s, n))
)

const spatial = fc.oneof(
  fc.tuple(fc.double(), fc.double()).map(([x, y]) => new Point(7203, x, y)),
  fc.tuple(fc.double(), fc.double(), fc.double()).map(([x, y, z]) => new Point(4979, x, y, z))
)

const bolt6 = fc.oneof(
  fc.array(fc.double(), { maxLength: 8 }).map((v) => new Vector(Float64Array.from(v))),
  fc.array(fc.float(), { maxLength: 8 }).map((v) => new Vector(Float32Array.from(v))),
  fc.array(fc.integer({ min: -128, max: 127 }), { maxLength: 8 }).map((v) => new Vector(Int8Array.from(v))),
  fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 8 }).map((v) => new Vector(Int16Array.from(v))),
  fc.array(fc.integer(), { maxLength: 8 }).map((v) => new Vector(Int32Array.from(v))),
  fc.array(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), { maxLength: 8 }).map((v) => new Vector(BigInt64Array.from(v))),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => new Uuid(b))
)

const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.maxSafeInteger(),
  fc.integer({ min: -200, max: 200 }),
  // unsafe bigints decode as bigints; safe ones become numbers (covered by the integer properties)
  fc.oneof(fc.bigInt({ min: INT64_MIN, max: -SAFE - 1n }), fc.bigInt({ min: SAFE + 1n, max: INT64_MAX })),
  // integral doubles beyond 2^53 have no exact INTEGER reading: they need Neo4jValue.float
  fc.double().filter((d) => !Number.isInteger(d) || Number.isSafeInteger(d)),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "grapheme-ascii", minLength: 10, maxLength: 300 }),
  fc.uint8Array({ maxLength: 40 })
)

const valuesOf = (leaf: fc.Arbitrary<unknown>) =>
  fc.letrec<{ value: unknown; list: Array<unknown>; map: Record<string, unknown> }>((tie) => ({
    value: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("list"), tie("map")),
    list: fc.array(tie("value"), { maxLength: 6 }),
    map: fc.dictionary(fc.string({ maxLength: 8 }), tie("value"), { maxKeys: 6 })
  })).value

const PROPERTY_RUNS = 2_000
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

describe("decode(encode(v)) == v", () => {
  it.prop("safe integers, in the smallest encoding", [Schema.Int], ([n]) => {
    const encoded = encode(n)
    const abs = Math.abs(n)
    const expectedLength = n >= -16 && n <= 127 ? 1 : abs <= 128 && n < 0 ? 2 : n >= -32768 && n <= 32767 ? 3
      : n >= -(2 ** 31) && n <= 2 ** 31 - 1 ? 5 : 9
    return encoded.length === expectedLength && decode(encoded) === n
  })

  it.prop("strings", [Schema.String], ([s]) => {
    // a lone surrogate has no UTF-8 form: it becomes U+FFFD (tested in Boundaries)
    return LONE_SURROGATE.test(s) || decode(encode(s)) === s
  })

  it.prop("finite floats keep their bits (integral ones come back as the same number)", [Schema.Finite], ([x]) => {
    if (Number.isInteger(x) && !Number.isSafeInteger(x)) return true
    return Object.is(decode(encode(x)), x === 0 ? 0 : x)
  })

  it("int64 bigints, under both integer policies", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), (n) => {
        const encoded = encode(n)
        const auto = decode(encoded)
        const expected = n >= -SAFE && n <= SAFE ? Number(n) : n
        return auto === expected && decode(encoded, { ...bolt5Options, integers: "bigint" }) === n
      }),
      { numRuns: PROPERTY_RUNS }
    )
  })

  it("arbitrary nested values of plain types", () => {
    fc.assert(fc.property(valuesOf(scalar), (v) => roundTrips(v, bolt5Options)), { numRuns: PROPERTY_RUNS })
  })

  it("arbitrary nested values with temporal and spatial values (Bolt 5 UTC DateTime)", () => {
    fc.assert(
      fc.property(valuesOf(fc.oneof(scalar, temporal, spatial)), (v) => roundTrips(v, bolt5Options)),
      { numRuns: PROPERTY_RUNS }
    )
  })

  it("arbitrary nested values with vectors and UUIDs (Bolt 6.1)", () => {
    fc.assert(
      fc.property(valuesOf(fc.oneof(scalar, temporal, spatial, bolt6)), (v) => roundTrips(v, bolt61Options)),
      { numRuns: PROPERTY_RUNS }
    )
  })

  it("offset DateTimes round-trip through the legacy (Bolt 4.4) encoding too", () => {
    fc.assert(
      fc.property(
        fc.tuple(
          fc.integer({ min: -DAYS, max: DAYS }),
          fc.integer({ min: 0, max: NANOS_PER_DAY - 1 }),
          fc.integer({ min: -64_800, max: 64_800 })
        ),
        ([d, n, o]) => roundTrips(new Neo4jTemporal.DateTime(d, n, o), bolt44Options)
      ),
      { numRuns: PROPERTY_RUNS }
    )
  })

  it("zoned DateTimes through the legacy encoding keep the wall clock, and the instant unless ambiguous", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_000_000_000 }),
        fc.constantFrom(...ZONES),
        (seconds, zone) => {
          const value = Neo4jTemporal.DateTime.fromEpochSecond(seconds, 0, zone)
          const back = decode(encode(value, bolt44Options), bolt44Options) as Neo4jTemporal.DateTime
          assert.strictEqual(back.toLocalDateTime().toString(), value.toLocalDateTime().toString())
          assert.strictEqual(back.zoneId, zone)
          // only an autumn overlap can change the instant, and then by the size of the overlap
          const drift = Number(back.epochSecond) - seconds
          return drift === 0 || drift === value.offsetSeconds - back.offsetSeconds
        }
      ),
      { numRuns: PROPERTY_RUNS }
    )
  })
})
