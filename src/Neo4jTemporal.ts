/**
 * Cypher's temporal values, nanosecond-exact: `Date`, `Time`, `LocalTime`, `LocalDateTime`,
 * `DateTime` (with an offset or a zone id) and `Duration`. Read them as `Neo4jTemporal.Date`,
 * `Neo4jTemporal.DateTime`... so they never clash with the JS `Date` or Effect's `DateTime`.
 *
 * Each stores what the wire carries split into small exact integers (epoch day, nanosecond of day),
 * so years from -999,999,999 to 999,999,999 need no bigint; calendar fields are computed on demand
 * (proleptic Gregorian, like Java and Neo4j). Zone ids are resolved with `Intl` (the host's tz
 * database): where a local time is ambiguous (autumn overlap) the earlier offset wins, and a local
 * time that does not exist (spring gap) moves forward by the length of the gap, as Java does.
 *
 * Conversions to a JS `Date` are lossless or throw a `Neo4jUsageError` (sub-millisecond part, or out
 * of the JS range); pass `{ lossy: true }` to truncate to the millisecond instead.
 *
 * @since 0.1.0
 */
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import {
  addSeconds,
  civilFromDays,
  dayOfEpochSecond,
  floorDiv,
  joinEpochSecond,
  secondOfDayOfEpochSecond,
  Units
} from "./internal/temporal/calendar.ts"
import { checkOffset, checkSafe, epochDayOfFields, nanoOfDayOfFields } from "./internal/temporal/checks.ts"
import { formatDate, formatFraction, formatOffset, formatTime } from "./internal/temporal/format.ts"
import { epochMillisOf, toJsDate } from "./internal/temporal/jsDate.ts"
import { offsetForLocal, zoneOffsetAt as offsetAt } from "./internal/temporal/zones.ts"

const JsDate = globalThis.Date
type JsDate = globalThis.Date

/**
 * The UTC offset (seconds) of a zone at an instant. Instants outside the JS `Date` range use the
 * offset at the nearest representable instant (the tz database has no rules out there anyway).
 *
 * @since 0.1.0
 * @category time zones
 */
export const zoneOffsetAt: (zoneId: string, epochSecond: number | bigint) => number = offsetAt

const customInspect = Symbol.for("nodejs.util.inspect.custom")

// ---------------------------------------------------------------------------------------------
// JS Date conversions

/**
 * Options of the conversions to a JS `Date`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ToJsDateOptions {
  /** Truncate a sub-millisecond part instead of failing. */
  readonly lossy?: boolean | undefined
}

// ---------------------------------------------------------------------------------------------
// the value types

/**
 * Fields of a calendar date.
 *
 * @since 0.1.0
 * @category models
 */
export interface DateFields {
  readonly year: number
  readonly month: number
  readonly day: number
}

/**
 * Fields of a time of day.
 *
 * @since 0.1.0
 * @category models
 */
export interface TimeFields {
  readonly hour: number
  readonly minute: number
  readonly second?: number | undefined
  readonly nanosecond?: number | undefined
}

/**
 * What every temporal value shares: its JSON form and Node's inspection are its ISO-8601 text.
 *
 * @since 0.1.0
 * @category models
 */
export abstract class TemporalValue {
  abstract get _tag(): string
  /** ISO-8601, as Cypher prints it. */
  abstract toString(): string
  /** The ISO-8601 text, so `JSON.stringify` writes what Cypher prints. */
  toJSON(): string {
    return this.toString()
  }
  /** What Node's `util.inspect` (and `console.log`) shows: `Date(2024-03-31)`. */
  [customInspect](): string {
    return `${this._tag}(${this.toString()})`
  }
}

/**
 * Clock fields computed from `nanosecondOfDay` (shared by `LocalTime`, `Time`, `LocalDateTime` and
 * `DateTime`).
 *
 * @since 0.1.0
 * @category models
 */
export abstract class TimeOfDayFields extends TemporalValue {
  abstract readonly nanosecondOfDay: number
  get hour(): number {
    return Math.floor(this.nanosecondOfDay / Units.NANOS_PER_HOUR)
  }
  get minute(): number {
    return Math.floor(this.nanosecondOfDay / Units.NANOS_PER_MINUTE) % Units.SECONDS_PER_MINUTE
  }
  get second(): number {
    return Math.floor(this.nanosecondOfDay / Units.NANOS_PER_SECOND) % Units.SECONDS_PER_MINUTE
  }
  get nanosecond(): number {
    return this.nanosecondOfDay % Units.NANOS_PER_SECOND
  }
}

/**
 * Calendar and clock fields computed from `epochDay` and `nanosecondOfDay` (shared by
 * `LocalDateTime` and `DateTime`).
 *
 * @since 0.1.0
 * @category models
 */
export abstract class DateTimeFields extends TimeOfDayFields {
  abstract readonly epochDay: number
  get year(): number {
    return civilFromDays(this.epochDay).year
  }
  get month(): number {
    return civilFromDays(this.epochDay).month
  }
  get day(): number {
    return civilFromDays(this.epochDay).day
  }
}

/**
 * A calendar date without a time zone (Cypher `DATE`).
 *
 * @since 0.1.0
 * @category models
 */
export class Date extends TemporalValue implements Equal.Equal {
  /** Days since 1970-01-01. */
  readonly epochDay: number
  constructor(epochDay: number) {
    super()
    this.epochDay = epochDay
  }
  /** From year, month (1-12) and day. */
  static of(fields: DateFields): Date {
    return new Date(epochDayOfFields(fields))
  }
  /** The UTC calendar date of a JS `Date`. */
  static fromJsDate(date: JsDate): Date {
    return new Date(floorDiv(epochMillisOf(date), Units.MILLIS_PER_SECOND * Units.SECONDS_PER_DAY))
  }
  get _tag(): "Date" {
    return "Date"
  }
  get year(): number {
    return civilFromDays(this.epochDay).year
  }
  get month(): number {
    return civilFromDays(this.epochDay).month
  }
  get day(): number {
    return civilFromDays(this.epochDay).day
  }
  /** Midnight UTC of this date. */
  toJsDate(): JsDate {
    return toJsDate(joinEpochSecond(this.epochDay, 0), 0, `Date ${this.toString()}`)
  }
  toString(): string {
    return formatDate(this.epochDay)
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof Date && this.epochDay === that.epochDay
  }
  [Hash.symbol](): number {
    return Hash.number(this.epochDay)
  }
}

/**
 * A time of day without a zone (Cypher `LOCAL TIME`).
 *
 * @since 0.1.0
 * @category models
 */
export class LocalTime extends TimeOfDayFields implements Equal.Equal {
  override readonly nanosecondOfDay: number
  constructor(nanosecondOfDay: number) {
    super()
    this.nanosecondOfDay = nanosecondOfDay
  }
  /** From hour, minute, second and nanosecond. */
  static of(fields: TimeFields): LocalTime {
    return new LocalTime(nanoOfDayOfFields(fields))
  }
  get _tag(): "LocalTime" {
    return "LocalTime"
  }
  override toString(): string {
    return formatTime(this.nanosecondOfDay)
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof LocalTime && this.nanosecondOfDay === that.nanosecondOfDay
  }
  [Hash.symbol](): number {
    return Hash.number(this.nanosecondOfDay)
  }
}

/**
 * A time of day with a UTC offset (Cypher `ZONED TIME`).
 *
 * @since 0.1.0
 * @category models
 */
export class Time extends TimeOfDayFields implements Equal.Equal {
  override readonly nanosecondOfDay: number
  readonly offsetSeconds: number
  constructor(nanosecondOfDay: number, offsetSeconds: number) {
    super()
    this.nanosecondOfDay = nanosecondOfDay
    this.offsetSeconds = offsetSeconds
  }
  /** From hour, minute, second, nanosecond and an offset from UTC in seconds. */
  static of(fields: TimeFields & { readonly offsetSeconds: number }): Time {
    return new Time(nanoOfDayOfFields(fields), checkOffset(fields.offsetSeconds))
  }
  get _tag(): "Time" {
    return "Time"
  }
  /** The same time of day without its offset. */
  toLocalTime(): LocalTime {
    return new LocalTime(this.nanosecondOfDay)
  }
  override toString(): string {
    return formatTime(this.nanosecondOfDay) + formatOffset(this.offsetSeconds)
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof Time && this.nanosecondOfDay === that.nanosecondOfDay &&
      this.offsetSeconds === that.offsetSeconds
  }
  [Hash.symbol](): number {
    return Hash.combine(Hash.number(this.nanosecondOfDay), Hash.number(this.offsetSeconds))
  }
}

/**
 * A date and time without a zone (Cypher `LOCAL DATETIME`). JS `Date` conversions read it as UTC.
 *
 * @since 0.1.0
 * @category models
 */
export class LocalDateTime extends DateTimeFields implements Equal.Equal {
  override readonly epochDay: number
  override readonly nanosecondOfDay: number
  constructor(epochDay: number, nanosecondOfDay: number) {
    super()
    this.epochDay = epochDay
    this.nanosecondOfDay = nanosecondOfDay
  }
  /** From year, month, day, hour, minute, second and nanosecond. */
  static of(fields: DateFields & TimeFields): LocalDateTime {
    return new LocalDateTime(epochDayOfFields(fields), nanoOfDayOfFields(fields))
  }
  /** From seconds since 1970-01-01T00:00:00 and a nanosecond (0..999,999,999). */
  static fromEpochSecond(epochSecond: number | bigint, nanosecond: number): LocalDateTime {
    return new LocalDateTime(
      dayOfEpochSecond(epochSecond),
      secondOfDayOfEpochSecond(epochSecond) * Units.NANOS_PER_SECOND + nanosecond
    )
  }
  /** The UTC wall-clock fields of a JS `Date`. */
  static fromJsDate(date: JsDate): LocalDateTime {
    const ms = epochMillisOf(date)
    const second = floorDiv(ms, Units.MILLIS_PER_SECOND)
    return LocalDateTime.fromEpochSecond(second, (ms - second * Units.MILLIS_PER_SECOND) * Units.NANOS_PER_MILLI)
  }
  get _tag(): "LocalDateTime" {
    return "LocalDateTime"
  }
  /** Seconds since 1970-01-01T00:00:00 (a bigint beyond 2^53). */
  get epochSecond(): number | bigint {
    return joinEpochSecond(this.epochDay, Math.floor(this.nanosecondOfDay / Units.NANOS_PER_SECOND))
  }
  /** The date part. */
  toDate(): Date {
    return new Date(this.epochDay)
  }
  /** The time-of-day part. */
  toLocalTime(): LocalTime {
    return new LocalTime(this.nanosecondOfDay)
  }
  /** This wall-clock time read as UTC. */
  toJsDate(options?: ToJsDateOptions): JsDate {
    return toJsDate(this.epochSecond, this.nanosecond, `LocalDateTime ${this.toString()}`, options)
  }
  override toString(): string {
    return `${formatDate(this.epochDay)}T${formatTime(this.nanosecondOfDay)}`
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof LocalDateTime && this.epochDay === that.epochDay &&
      this.nanosecondOfDay === that.nanosecondOfDay
  }
  [Hash.symbol](): number {
    return Hash.combine(Hash.number(this.epochDay), Hash.number(this.nanosecondOfDay))
  }
}

/**
 * Where a `DateTime` is: a fixed UTC offset in seconds, or an IANA zone id.
 *
 * @since 0.1.0
 * @category models
 */
export type Zone = number | string

/**
 * An instant with its local date-time and zone (Cypher `ZONED DATETIME`): either a fixed offset
 * (`zoneId` undefined) or a zone id (with the offset in force at that instant).
 *
 * @since 0.1.0
 * @category models
 */
export class DateTime extends DateTimeFields implements Equal.Equal {
  /** Local (wall-clock) day since 1970-01-01. */
  override readonly epochDay: number
  /** Local (wall-clock) nanosecond of the day. */
  override readonly nanosecondOfDay: number
  /** Offset from UTC in force: local = UTC + offset. */
  readonly offsetSeconds: number
  readonly zoneId: string | undefined
  constructor(epochDay: number, nanosecondOfDay: number, offsetSeconds: number, zoneId?: string | undefined) {
    super()
    this.epochDay = epochDay
    this.nanosecondOfDay = nanosecondOfDay
    this.offsetSeconds = offsetSeconds
    this.zoneId = zoneId
  }
  /**
   * From wall-clock fields and an `offsetSeconds` or a `zoneId` (with both, the offset chooses
   * between the two readings of an ambiguous local time).
   */
  static of(
    fields: DateFields & TimeFields & ({ readonly offsetSeconds: number; readonly zoneId?: string | undefined } | {
      readonly zoneId: string
      readonly offsetSeconds?: number | undefined
    })
  ): DateTime {
    const local = new LocalDateTime(epochDayOfFields(fields), nanoOfDayOfFields(fields))
    const zoneId = fields.zoneId
    if (zoneId === undefined) return new DateTime(local.epochDay, local.nanosecondOfDay, checkOffset(fields.offsetSeconds!))
    return DateTime.fromLocalEpochSecond(local.epochSecond, local.nanosecond, zoneId, fields.offsetSeconds)
  }
  /** From UTC seconds since the epoch, a nanosecond and a zone (offset seconds or zone id). */
  static fromEpochSecond(epochSecond: number | bigint, nanosecond: number, zone: Zone): DateTime {
    const offset = typeof zone === "number" ? zone : zoneOffsetAt(zone, epochSecond)
    const local = addSeconds(epochSecond, offset)
    return new DateTime(
      dayOfEpochSecond(local),
      secondOfDayOfEpochSecond(local) * Units.NANOS_PER_SECOND + nanosecond,
      offset,
      typeof zone === "string" ? zone : undefined
    )
  }
  /**
   * From local (wall-clock) seconds since the epoch, as Bolt 4.4's legacy structs carry them. For a
   * zone id the offset is resolved as described in the module notes (`preferredOffset` first).
   */
  static fromLocalEpochSecond(localSecond: number | bigint, nanosecond: number, zone: Zone, preferredOffset?: number): DateTime {
    if (typeof zone === "number") {
      return new DateTime(
        dayOfEpochSecond(localSecond),
        secondOfDayOfEpochSecond(localSecond) * Units.NANOS_PER_SECOND + nanosecond,
        zone
      )
    }
    const offset = offsetForLocal(zone, localSecond, preferredOffset)
    return DateTime.fromEpochSecond(addSeconds(localSecond, -offset), nanosecond, zone)
  }
  /** The instant of a JS `Date`, seen at a zone (default: UTC, offset 0). */
  static fromJsDate(date: JsDate, zone: Zone = 0): DateTime {
    const ms = epochMillisOf(date)
    const second = floorDiv(ms, Units.MILLIS_PER_SECOND)
    return DateTime.fromEpochSecond(second, (ms - second * Units.MILLIS_PER_SECOND) * Units.NANOS_PER_MILLI, zone)
  }
  get _tag(): "DateTime" {
    return "DateTime"
  }
  /** Local (wall-clock) seconds since 1970-01-01T00:00:00. */
  get localEpochSecond(): number | bigint {
    return joinEpochSecond(this.epochDay, Math.floor(this.nanosecondOfDay / Units.NANOS_PER_SECOND))
  }
  /** UTC seconds since the epoch (a bigint beyond 2^53). */
  get epochSecond(): number | bigint {
    return joinEpochSecond(
      this.epochDay,
      Math.floor(this.nanosecondOfDay / Units.NANOS_PER_SECOND) - this.offsetSeconds
    )
  }
  /** The local (wall-clock) date. */
  toDate(): Date {
    return new Date(this.epochDay)
  }
  /** The local (wall-clock) date and time, without the zone. */
  toLocalDateTime(): LocalDateTime {
    return new LocalDateTime(this.epochDay, this.nanosecondOfDay)
  }
  /** The local (wall-clock) time of day. */
  toLocalTime(): LocalTime {
    return new LocalTime(this.nanosecondOfDay)
  }
  /** The local time of day with the offset in force (the zone id is dropped). */
  toTime(): Time {
    return new Time(this.nanosecondOfDay, this.offsetSeconds)
  }
  /** The instant as a JS `Date` (the zone is dropped; a JS `Date` has none). */
  toJsDate(options?: ToJsDateOptions): JsDate {
    return toJsDate(this.epochSecond, this.nanosecond, `DateTime ${this.toString()}`, options)
  }
  /** `2024-03-31T03:30:00+02:00[Europe/Berlin]` */
  override toString(): string {
    const zone = this.zoneId === undefined ? "" : `[${this.zoneId}]`
    return `${formatDate(this.epochDay)}T${formatTime(this.nanosecondOfDay)}${formatOffset(this.offsetSeconds)}${zone}`
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof DateTime && this.epochDay === that.epochDay &&
      this.nanosecondOfDay === that.nanosecondOfDay && this.offsetSeconds === that.offsetSeconds &&
      this.zoneId === that.zoneId
  }
  [Hash.symbol](): number {
    return Hash.combine(Hash.number(this.epochDay), Hash.number(this.nanosecondOfDay))
  }
}

/**
 * Fields of `Duration.of`; all optional integers, any sign.
 *
 * @since 0.1.0
 * @category models
 */
export interface DurationFields {
  readonly years?: number | undefined
  readonly months?: number | undefined
  readonly weeks?: number | undefined
  readonly days?: number | undefined
  readonly hours?: number | undefined
  readonly minutes?: number | undefined
  readonly seconds?: number | undefined
  readonly milliseconds?: number | undefined
  readonly microseconds?: number | undefined
  readonly nanoseconds?: number | undefined
}

/**
 * A Cypher `DURATION`: months, days, seconds and nanoseconds kept apart (a month or a day has no
 * fixed length in seconds). `nanoseconds` is always 0..999,999,999; the sign lives in `seconds`.
 * Fields are safe integers: the decoder refuses a duration with a field beyond 2^53 (some 285
 * million years of seconds) rather than round it.
 *
 * @since 0.1.0
 * @category models
 */
export class Duration extends TemporalValue implements Equal.Equal {
  readonly months: number
  readonly days: number
  readonly seconds: number
  readonly nanoseconds: number
  constructor(months: number, days: number, seconds: number, nanoseconds: number) {
    super()
    this.months = months
    this.days = days
    this.seconds = seconds
    this.nanoseconds = nanoseconds
  }
  /** Adds up the given units; nanoseconds carry into seconds. */
  static of(fields: DurationFields): Duration {
    const int = (name: keyof DurationFields): number => checkSafe(name, fields[name] ?? 0)
    const months = checkSafe("months", int("years") * Units.MONTHS_PER_YEAR + int("months"))
    const days = checkSafe("days", int("weeks") * Units.DAYS_PER_WEEK + int("days"))
    const nanos = checkSafe(
      "nanoseconds",
      int("milliseconds") * Units.NANOS_PER_MILLI + int("microseconds") * Units.NANOS_PER_MICRO + int("nanoseconds")
    )
    const carry = floorDiv(nanos, Units.NANOS_PER_SECOND)
    const seconds = checkSafe(
      "seconds",
      int("hours") * Units.SECONDS_PER_HOUR + int("minutes") * Units.SECONDS_PER_MINUTE + int("seconds") + carry
    )
    return new Duration(months, days, seconds, nanos - carry * Units.NANOS_PER_SECOND)
  }
  get _tag(): "Duration" {
    return "Duration"
  }
  /** ISO-8601 as Cypher prints it: `P1Y2M3DT4H5M6.000000007S`, `PT0S`, `PT-0.5S`. */
  toString(): string {
    let out = "P"
    const years = Math.trunc(this.months / Units.MONTHS_PER_YEAR)
    const months = this.months % Units.MONTHS_PER_YEAR
    if (years !== 0) out += `${years}Y`
    if (months !== 0) out += `${months}M`
    if (this.days !== 0) out += `${this.days}D`
    if (this.seconds !== 0 || this.nanoseconds !== 0) {
      out += "T"
      const negative = this.seconds < 0
      let seconds = this.seconds
      let nanos = this.nanoseconds
      if (negative && nanos !== 0) {
        seconds += 1
        nanos = Units.NANOS_PER_SECOND - nanos
      }
      const hours = Math.trunc(seconds / Units.SECONDS_PER_HOUR)
      const minutes = Math.trunc((seconds % Units.SECONDS_PER_HOUR) / Units.SECONDS_PER_MINUTE)
      const rest = seconds % Units.SECONDS_PER_MINUTE
      if (hours !== 0) out += `${hours}H`
      if (minutes !== 0) out += `${minutes}M`
      if (rest !== 0 || nanos !== 0) {
        out += `${negative && rest === 0 ? "-" : ""}${rest}${formatFraction(nanos)}S`
      }
    }
    return out === "P" ? "PT0S" : out
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof Duration && this.months === that.months && this.days === that.days &&
      this.seconds === that.seconds && this.nanoseconds === that.nanoseconds
  }
  [Hash.symbol](): number {
    return Hash.combine(Hash.number(this.months), Hash.combine(Hash.number(this.days), Hash.number(this.seconds)))
  }
}

/**
 * Whether a value is a `Neo4jTemporal.Date`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isDate = (u: unknown): u is Date => u instanceof Date

/**
 * Whether a value is a `LocalTime`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isLocalTime = (u: unknown): u is LocalTime => u instanceof LocalTime

/**
 * Whether a value is a `Time`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isTime = (u: unknown): u is Time => u instanceof Time

/**
 * Whether a value is a `LocalDateTime`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isLocalDateTime = (u: unknown): u is LocalDateTime => u instanceof LocalDateTime

/**
 * Whether a value is a `DateTime`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isDateTime = (u: unknown): u is DateTime => u instanceof DateTime

/**
 * Whether a value is a `Duration`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isDuration = (u: unknown): u is Duration => u instanceof Duration
