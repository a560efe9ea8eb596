/**
 * Proleptic Gregorian calendar arithmetic on epoch days (days since 1970-01-01) and exact epoch
 * seconds (number or bigint): the part of `Neo4jTemporal` that knows no value type.
 */

/**
 * Unit ratios used by the temporal types (public as `Neo4jTemporal.Units`).
 *
 * @since 0.1.0
 * @category constants
 */
export const Units = {
  NANOS_PER_MICRO: 1_000,
  NANOS_PER_MILLI: 1_000_000,
  NANOS_PER_SECOND: 1_000_000_000,
  NANOS_PER_MINUTE: 60_000_000_000,
  NANOS_PER_HOUR: 3_600_000_000_000,
  NANOS_PER_DAY: 86_400_000_000_000,
  MILLIS_PER_SECOND: 1_000,
  SECONDS_PER_MINUTE: 60,
  SECONDS_PER_HOUR: 3_600,
  SECONDS_PER_DAY: 86_400,
  DAYS_PER_WEEK: 7,
  MONTHS_PER_YEAR: 12
} as const

export const Calendar = {
  // Proleptic Gregorian day counting (H. Hinnant, "chrono-compatible low-level date algorithms"):
  // years start on 1 March so the leap day is last; 400-year eras repeat exactly.
  DAYS_PER_ERA: 146_097, // days in 400 Gregorian years
  YEARS_PER_ERA: 400,
  DAYS_PER_YEAR: 365,
  DAYS_PER_4_YEARS_MINUS_1: 1_460, // 4 * 365: where the leap-year correction applies
  DAYS_PER_CENTURY_MINUS_1: 36_524, // 100 * 365 + 24
  LAST_DAY_OF_ERA: 146_096,
  LEAP_EVERY: 4,
  NO_LEAP_EVERY: 100,
  EPOCH_SHIFT_DAYS: 719_468, // days from 0000-03-01 to 1970-01-01
  MONTH_SPAN_DAYS: 153, // days in the 5-month cycle Mar..Jul (31+30+31+30+31)
  MONTH_SPAN_MONTHS: 5,
  MONTH_ROUNDING: 2, // rounding term of the 153/5 month-length formula
  MARCH_BASED_JANUARY: 10, // January is month 10 of a March-based year
  MARCH: 3,
  FEBRUARY: 2,
  MONTHS_FROM_MARCH_TO_DECEMBER: 9,
  MIN_YEAR: -999_999_999, // Neo4j's supported year range
  MAX_YEAR: 999_999_999,
  MAX_OFFSET_SECONDS: 64_800, // +-18:00, the largest zone offset (java.time.ZoneOffset)
  JS_DATE_MAX_MS: 8.64e15, // ECMA-262: a Date holds +-100,000,000 days around the epoch
  YEAR_DIGITS: 4, // ISO-8601: years outside 0000..9999 carry a sign
  MAX_PLAIN_YEAR: 9_999,
  FRACTION_DIGITS: 9
} as const

export const floorDiv = (a: number, b: number): number => Math.floor(a / b)

/** Days since 1970-01-01 of a proleptic Gregorian date. */
export const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= Calendar.FEBRUARY ? year - 1 : year
  const era = floorDiv(y, Calendar.YEARS_PER_ERA)
  const yearOfEra = y - era * Calendar.YEARS_PER_ERA
  const marchMonth = month > Calendar.FEBRUARY ? month - Calendar.MARCH : month + Calendar.MONTHS_FROM_MARCH_TO_DECEMBER
  const dayOfYear = floorDiv(Calendar.MONTH_SPAN_DAYS * marchMonth + Calendar.MONTH_ROUNDING, Calendar.MONTH_SPAN_MONTHS) +
    day - 1
  const dayOfEra = yearOfEra * Calendar.DAYS_PER_YEAR + floorDiv(yearOfEra, Calendar.LEAP_EVERY) -
    floorDiv(yearOfEra, Calendar.NO_LEAP_EVERY) + dayOfYear
  return era * Calendar.DAYS_PER_ERA + dayOfEra - Calendar.EPOCH_SHIFT_DAYS
}

export interface Civil {
  readonly year: number
  readonly month: number
  readonly day: number
}

/** The proleptic Gregorian date of a day count since 1970-01-01. */
export const civilFromDays = (epochDay: number): Civil => {
  const z = epochDay + Calendar.EPOCH_SHIFT_DAYS
  const era = floorDiv(z, Calendar.DAYS_PER_ERA)
  const dayOfEra = z - era * Calendar.DAYS_PER_ERA
  const yearOfEra = floorDiv(
    dayOfEra - floorDiv(dayOfEra, Calendar.DAYS_PER_4_YEARS_MINUS_1) +
      floorDiv(dayOfEra, Calendar.DAYS_PER_CENTURY_MINUS_1) - floorDiv(dayOfEra, Calendar.LAST_DAY_OF_ERA),
    Calendar.DAYS_PER_YEAR
  )
  const dayOfYear = dayOfEra -
    (Calendar.DAYS_PER_YEAR * yearOfEra + floorDiv(yearOfEra, Calendar.LEAP_EVERY) -
      floorDiv(yearOfEra, Calendar.NO_LEAP_EVERY))
  const marchMonth = floorDiv(Calendar.MONTH_SPAN_MONTHS * dayOfYear + Calendar.MONTH_ROUNDING, Calendar.MONTH_SPAN_DAYS)
  const day = dayOfYear -
    floorDiv(Calendar.MONTH_SPAN_DAYS * marchMonth + Calendar.MONTH_ROUNDING, Calendar.MONTH_SPAN_MONTHS) + 1
  const month = marchMonth < Calendar.MARCH_BASED_JANUARY
    ? marchMonth + Calendar.MARCH
    : marchMonth - Calendar.MONTHS_FROM_MARCH_TO_DECEMBER
  const year = yearOfEra + era * Calendar.YEARS_PER_ERA + (month <= Calendar.FEBRUARY ? 1 : 0)
  return { year, month, day }
}

export const isLeapYear = (year: number): boolean =>
  year % Calendar.LEAP_EVERY === 0 &&
  (year % Calendar.NO_LEAP_EVERY !== 0 || year % Calendar.YEARS_PER_ERA === 0)

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const // January..December

export const daysInMonth = (year: number, month: number): number =>
  month === Calendar.FEBRUARY && isLeapYear(year) ? DAYS_IN_MONTH[1] + 1 : DAYS_IN_MONTH[month - 1]!

/** Epoch day of an epoch second (number or bigint). */
export const dayOfEpochSecond = (s: number | bigint): number => {
  if (typeof s === "number") return floorDiv(s, Units.SECONDS_PER_DAY)
  const perDay = BigInt(Units.SECONDS_PER_DAY)
  const q = s / perDay
  return Number(s % perDay < 0n ? q - 1n : q)
}

/** Second of day (0..86399) of an epoch second. */
export const secondOfDayOfEpochSecond = (s: number | bigint): number => {
  if (typeof s === "number") return s - floorDiv(s, Units.SECONDS_PER_DAY) * Units.SECONDS_PER_DAY
  const perDay = BigInt(Units.SECONDS_PER_DAY)
  const r = s % perDay
  return Number(r < 0n ? r + perDay : r)
}

/** `day * 86400 + second`, a `number` when safe and a `bigint` otherwise. */
export const joinEpochSecond = (epochDay: number, second: number): number | bigint => {
  const s = epochDay * Units.SECONDS_PER_DAY + second
  return Number.isSafeInteger(s) ? s : BigInt(epochDay) * BigInt(Units.SECONDS_PER_DAY) + BigInt(second)
}

export const addSeconds = (s: number | bigint, delta: number): number | bigint => {
  if (typeof s === "bigint") return s + BigInt(delta)
  const r = s + delta
  return Number.isSafeInteger(r) ? r : BigInt(s) + BigInt(delta)
}
