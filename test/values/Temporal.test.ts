import { assert, describe, it } from "@effect/vitest"
import { Equal, Hash, Schema } from "effect"
import * as Neo4jTemporal from "../../src/Neo4jTemporal.ts"
import { bolt44Options, bolt5Options, bytes, decode, encode, hex } from "../packstream/helpers.ts"

const { Date, DateTime, Duration, LocalDateTime, LocalTime, Time } = Neo4jTemporal
const JsDate = globalThis.Date
const MS_PER_DAY = 86_400_000

const usageError = (f: () => unknown): string => {
  try {
    f()
  } catch (error) {
    assert.strictEqual((error as { _tag?: string })._tag, "Neo4jUsageError")
    return (error as { message: string }).message
  }
  throw new Error("expected a Neo4jUsageError")
}

describe("calendar", () => {
  it.prop("epoch days agree with the JS Date calendar over +-100M days", [Schema.Int], ([n]) => {
    const day = n % 100_000_000
    const value = new Date(day)
    const js = new JsDate(day * MS_PER_DAY)
    return value.year === js.getUTCFullYear() && value.month === js.getUTCMonth() + 1 && value.day === js.getUTCDate() &&
      Date.of({ year: value.year, month: value.month, day: value.day }).epochDay === day
  })

  it("leap years: 2000 and 2024 have a 29 February, 1900 and 2100 do not", () => {
    assert.strictEqual(Date.of({ year: 2000, month: 2, day: 29 }).toString(), "2000-02-29")
    assert.strictEqual(Date.of({ year: 2024, month: 2, day: 29 }).toString(), "2024-02-29")
    assert.include(usageError(() => Date.of({ year: 1900, month: 2, day: 29 })), "day")
    assert.include(usageError(() => Date.of({ year: 2100, month: 2, day: 29 })), "day")
  })

  it("years are printed like Cypher (ISO-8601 with sign beyond 4 digits)", () => {
    assert.strictEqual(Date.of({ year: 0, month: 1, day: 1 }).toString(), "0000-01-01")
    assert.strictEqual(Date.of({ year: -1, month: 12, day: 31 }).toString(), "-0001-12-31")
    assert.strictEqual(Date.of({ year: 10_000, month: 1, day: 1 }).toString(), "+10000-01-01")
    assert.strictEqual(Date.of({ year: 999_999_999, month: 12, day: 31 }).toString(), "+999999999-12-31")
    assert.strictEqual(Date.of({ year: -999_999_999, month: 1, day: 1 }).toString(), "-999999999-01-01")
  })

  it("fields are validated", () => {
    assert.include(usageError(() => Date.of({ year: 2024, month: 13, day: 1 })), "month")
    assert.include(usageError(() => LocalTime.of({ hour: 24, minute: 0 })), "hour")
    assert.include(usageError(() => LocalTime.of({ hour: 1, minute: 0, nanosecond: 1e9 })), "nanosecond")
    assert.include(usageError(() => Time.of({ hour: 1, minute: 0, offsetSeconds: 19 * 3600 })), "offsetSeconds")
    assert.include(usageError(() => Date.of({ year: 1.5, month: 1, day: 1 })), "year")
    assert.include(usageError(() => Date.of({ year: 1_000_000_000, month: 1, day: 1 })), "year")
  })
})

describe("toString is ISO-8601, as Cypher prints it", () => {
  it("times and offsets", () => {
    assert.strictEqual(LocalTime.of({ hour: 0, minute: 0 }).toString(), "00:00:00")
    assert.strictEqual(LocalTime.of({ hour: 12, minute: 34, second: 56, nanosecond: 789 }).toString(), "12:34:56.000000789")
    assert.strictEqual(LocalTime.of({ hour: 12, minute: 34, second: 56, nanosecond: 500_000_000 }).toString(), "12:34:56.5")
    assert.strictEqual(Time.of({ hour: 12, minute: 0, offsetSeconds: 0 }).toString(), "12:00:00Z")
    assert.strictEqual(Time.of({ hour: 12, minute: 0, offsetSeconds: -19_800 }).toString(), "12:00:00-05:30")
    assert.strictEqual(Time.of({ hour: 12, minute: 0, offsetSeconds: 3208 }).toString(), "12:00:00+00:53:28")
  })

  it("date-times", () => {
    const fields = { year: 2024, month: 3, day: 31, hour: 3, minute: 30, nanosecond: 10 }
    assert.strictEqual(LocalDateTime.of(fields).toString(), "2024-03-31T03:30:00.00000001")
    assert.strictEqual(DateTime.of({ ...fields, offsetSeconds: 7200 }).toString(), "2024-03-31T03:30:00.00000001+02:00")
    assert.strictEqual(
      DateTime.of({ ...fields, zoneId: "Europe/Berlin" }).toString(),
      "2024-03-31T03:30:00.00000001+02:00[Europe/Berlin]"
    )
  })

  it("durations", () => {
    const table: ReadonlyArray<readonly [Neo4jTemporal.DurationFields, string]> = [
      [{}, "PT0S"],
      [{ years: 1, months: 2, days: 3, hours: 4, minutes: 5, seconds: 6, nanoseconds: 7 }, "P1Y2M3DT4H5M6.000000007S"],
      [{ months: 14 }, "P1Y2M"],
      [{ weeks: 2 }, "P14D"],
      [{ milliseconds: 1500 }, "PT1.5S"],
      [{ milliseconds: -500 }, "PT-0.5S"],
      [{ seconds: -3601, milliseconds: 500 }, "PT-1H-0.5S"],
      [{ nanoseconds: -1 }, "PT-0.000000001S"],
      [{ hours: 25 }, "PT25H"],
      [{ months: -1, days: -2 }, "P-1M-2D"]
    ]
    for (const [fields, expected] of table) assert.strictEqual(Duration.of(fields).toString(), expected)
  })

  it("nanoseconds carry into seconds and stay in 0..999,999,999", () => {
    const d = Duration.of({ seconds: 1, nanoseconds: -1 })
    assert.deepStrictEqual([d.seconds, d.nanoseconds], [0, 999_999_999])
    const e = Duration.of({ microseconds: 2_500_000 })
    assert.deepStrictEqual([e.seconds, e.nanoseconds], [2, 500_000_000])
  })

  it("toJSON is the ISO string", () => {
    assert.strictEqual(JSON.stringify({ d: Date.of({ year: 2024, month: 1, day: 2 }) }), '{"d":"2024-01-02"}')
  })
})

describe("epochs: negative, nanosecond-exact, beyond 2^53 seconds", () => {
  it("one nanosecond before the epoch", () => {
    const value = LocalDateTime.fromEpochSecond(-1, 999_999_999)
    assert.strictEqual(value.toString(), "1969-12-31T23:59:59.999999999")
    assert.strictEqual(value.epochSecond, -1)
    assert.strictEqual(hex(encode(value)), "B2 64 FF CA 3B 9A C9 FF")
  })

  it("year 999,999,999 needs more than 2^53 seconds: bigint, exact", () => {
    const last = LocalDateTime.of({ year: 999_999_999, month: 12, day: 31, hour: 23, minute: 59, second: 59, nanosecond: 999_999_999 })
    assert.strictEqual(last.epochSecond, 31_556_889_832_780_799n)
    const back = decode(encode(last)) as Neo4jTemporal.LocalDateTime
    assert.isTrue(Equal.equals(back, last))
    assert.strictEqual(back.toString(), "+999999999-12-31T23:59:59.999999999")
    const first = DateTime.of({ year: -999_999_999, month: 1, day: 1, hour: 0, minute: 0, offsetSeconds: -3600 })
    assert.strictEqual(first.epochSecond, -31_557_014_135_596_800n + 3600n)
    assert.isTrue(Equal.equals(decode(encode(first)), first))
    assert.isTrue(Equal.equals(decode(encode(first, bolt44Options), bolt44Options), first))
  })

  it("decoding a bigint seconds field splits it exactly", () => {
    // 0x00700000_00000000 seconds = 31,525,197,391,593,472
    const value = decode(bytes("B2 64 CB 00 70 00 00 00 00 00 00 00")) as Neo4jTemporal.LocalDateTime
    assert.strictEqual(value.epochSecond, 31_525_197_391_593_472n)
    assert.strictEqual(value.nanosecond, 0)
  })
})

describe("JS Date conversions", () => {
  it("DateTime <-> Date is lossless at millisecond precision", () => {
    const js = new JsDate("1969-07-20T20:17:40.123Z")
    const value = DateTime.fromJsDate(js)
    assert.strictEqual(value.toString(), "1969-07-20T20:17:40.123Z")
    assert.strictEqual(value.toJsDate().getTime(), js.getTime())
    const berlin = DateTime.fromJsDate(js, "Europe/Berlin")
    assert.strictEqual(berlin.toString(), "1969-07-20T21:17:40.123+01:00[Europe/Berlin]")
    assert.strictEqual(berlin.toJsDate().getTime(), js.getTime())
    assert.strictEqual(DateTime.fromJsDate(js, -7200).toString(), "1969-07-20T18:17:40.123-02:00")
  })

  it("sub-millisecond precision or an out-of-range year cannot become a JS Date", () => {
    const precise = DateTime.of({ year: 2024, month: 1, day: 1, hour: 0, minute: 0, nanosecond: 1_000_001, offsetSeconds: 0 })
    assert.include(usageError(() => precise.toJsDate()), "lossy")
    assert.strictEqual(precise.toJsDate({ lossy: true }).toISOString(), "2024-01-01T00:00:00.001Z")
    const far = LocalDateTime.of({ year: 300_000, month: 1, day: 1, hour: 0, minute: 0 })
    assert.include(usageError(() => far.toJsDate()), "range")
    assert.include(usageError(() => DateTime.fromJsDate(new JsDate(Number.NaN))), "Invalid Date")
  })

  it("Date and LocalDateTime read a JS Date in UTC", () => {
    const js = new JsDate("2024-02-29T23:30:00Z")
    assert.strictEqual(Date.fromJsDate(js).toString(), "2024-02-29")
    assert.strictEqual(Date.fromJsDate(js).toJsDate().toISOString(), "2024-02-29T00:00:00.000Z")
    assert.strictEqual(LocalDateTime.fromJsDate(js).toString(), "2024-02-29T23:30:00")
    assert.strictEqual(Date.fromJsDate(new JsDate("1969-12-31T23:59:59.999Z")).toString(), "1969-12-31")
  })
})

describe("zones and daylight saving (Europe/Berlin)", () => {
  const berlin = "Europe/Berlin"

  it("spring gap: 02:30 on 2024-03-31 does not exist and moves forward to 03:30+02:00", () => {
    const value = DateTime.of({ year: 2024, month: 3, day: 31, hour: 2, minute: 30, zoneId: berlin })
    assert.strictEqual(value.toString(), "2024-03-31T03:30:00+02:00[Europe/Berlin]")
    assert.strictEqual(value.epochSecond, 1_711_848_600)
  })

  it("autumn overlap: 02:30 on 2024-10-27 happens twice; the earlier offset wins unless one is asked for", () => {
    const fields = { year: 2024, month: 10, day: 27, hour: 2, minute: 30, zoneId: berlin }
    const earlier = DateTime.of(fields)
    assert.strictEqual(earlier.toString(), "2024-10-27T02:30:00+02:00[Europe/Berlin]")
    assert.strictEqual(earlier.epochSecond, 1_729_989_000)
    const later = DateTime.of({ ...fields, offsetSeconds: 3600 })
    assert.strictEqual(later.toString(), "2024-10-27T02:30:00+01:00[Europe/Berlin]")
    assert.strictEqual(later.epochSecond, 1_729_992_600)
  })

  it("Bolt 5 (UTC seconds) keeps both overlap instants apart", () => {
    for (const seconds of [1_729_989_000, 1_729_992_600]) {
      const value = DateTime.fromEpochSecond(seconds, 0, berlin)
      const back = decode(encode(value, bolt5Options), bolt5Options) as Neo4jTemporal.DateTime
      assert.strictEqual(back.epochSecond, seconds)
      assert.isTrue(Equal.equals(back, value))
    }
  })

  it("Bolt 4.4 legacy (local seconds) cannot tell the overlap instants apart: both read as the earlier", () => {
    const first = DateTime.fromEpochSecond(1_729_989_000, 0, berlin)
    const second = DateTime.fromEpochSecond(1_729_992_600, 0, berlin)
    assert.strictEqual(hex(encode(first, bolt44Options)), hex(encode(second, bolt44Options)))
    const back = decode(encode(second, bolt44Options), bolt44Options) as Neo4jTemporal.DateTime
    assert.strictEqual(back.toString(), "2024-10-27T02:30:00+02:00[Europe/Berlin]")
  })

  it("Bolt 4.4 legacy decodes unambiguous local times to the right instant", () => {
    // local 2024-03-31T03:30:00 = 1,711,855,800 local seconds
    const value = decode(bytes("B3 66 CA 66 08 D8 B8 00 8D 45 75 72 6F 70 65 2F 42 65 72 6C 69 6E"), bolt44Options)
    assert.strictEqual((value as Neo4jTemporal.DateTime).epochSecond, 1_711_848_600)
    const winter = decode(encode(DateTime.fromEpochSecond(1_700_000_000, 5, berlin), bolt44Options), bolt44Options)
    assert.strictEqual((winter as Neo4jTemporal.DateTime).toString(), "2023-11-14T23:13:20.000000005+01:00[Europe/Berlin]")
  })

  it("historic offsets with seconds (Berlin local mean time before 1893)", () => {
    const value = DateTime.fromEpochSecond(-3_786_825_600, 0, berlin)
    assert.strictEqual(value.offsetSeconds, 3208)
    assert.strictEqual(value.toString(), "1850-01-01T00:53:28+00:53:28[Europe/Berlin]")
    assert.isTrue(Equal.equals(decode(encode(value, bolt44Options), bolt44Options), value))
  })

  it("zoneOffsetAt and unknown zones", () => {
    assert.strictEqual(Neo4jTemporal.zoneOffsetAt("Asia/Kolkata", 0), 19_800)
    assert.include(usageError(() => Neo4jTemporal.zoneOffsetAt("Mars/Olympus_Mons", 0)), "Unknown time zone")
  })
})

describe("equality, hashing, guards, projections", () => {
  it("structural equality with Equal.equals and matching hashes", () => {
    const a = DateTime.of({ year: 2024, month: 1, day: 1, hour: 0, minute: 0, zoneId: "Europe/Berlin" })
    const b = DateTime.of({ year: 2024, month: 1, day: 1, hour: 0, minute: 0, zoneId: "Europe/Berlin" })
    const c = DateTime.of({ year: 2024, month: 1, day: 1, hour: 0, minute: 0, offsetSeconds: 3600 })
    assert.isTrue(Equal.equals(a, b))
    assert.strictEqual(Hash.hash(a), Hash.hash(b))
    assert.isFalse(Equal.equals(a, c))
    assert.isTrue(Equal.equals(Duration.of({ hours: 1 }), Duration.of({ minutes: 60 })))
    assert.isFalse(Equal.equals(Duration.of({ days: 1 }), Duration.of({ hours: 24 })))
    assert.isFalse(Equal.equals(new Date(1), new LocalTime(1)))
    assert.isTrue(Equal.equals([new Date(5)], [new Date(5)]))
  })

  it("guards", () => {
    assert.isTrue(Neo4jTemporal.isDate(new Date(0)))
    assert.isFalse(Neo4jTemporal.isDate(new JsDate()))
    assert.isTrue(Neo4jTemporal.isDateTime(DateTime.fromJsDate(new JsDate())))
    assert.isTrue(Neo4jTemporal.isLocalDateTime(new LocalDateTime(0, 0)))
    assert.isTrue(Neo4jTemporal.isTime(new Time(0, 0)))
    assert.isTrue(Neo4jTemporal.isLocalTime(new LocalTime(0)))
    assert.isTrue(Neo4jTemporal.isDuration(Duration.of({})))
    assert.isFalse(Neo4jTemporal.isDuration({ months: 0, days: 0, seconds: 0, nanoseconds: 0 }))
  })

  it("field getters and projections", () => {
    const value = DateTime.of({ year: 2024, month: 2, day: 29, hour: 13, minute: 14, second: 15, nanosecond: 16, offsetSeconds: -3600 })
    assert.deepStrictEqual(
      [value.year, value.month, value.day, value.hour, value.minute, value.second, value.nanosecond],
      [2024, 2, 29, 13, 14, 15, 16]
    )
    assert.strictEqual(value.toDate().toString(), "2024-02-29")
    assert.strictEqual(value.toLocalTime().toString(), "13:14:15.000000016")
    assert.strictEqual(value.toTime().toString(), "13:14:15.000000016-01:00")
    assert.strictEqual(value.toLocalDateTime().toString(), "2024-02-29T13:14:15.000000016")
    assert.strictEqual(value.epochSecond, Number(value.localEpochSecond) + 3600)
  })
})
