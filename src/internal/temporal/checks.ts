/** Argument checks of the temporal constructors: a bad field is a `Neo4jUsageError` naming it. */
import { Neo4jUsageError } from "../../Neo4jError.ts"
import { Calendar, daysFromCivil, daysInMonth, Units } from "./calendar.ts"

export const fail = (message: string): never => {
  throw new Neo4jUsageError({ message })
}

export const checkInt = (name: string, value: number, min: number, max: number): number => {
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(`${name} must be an integer from ${min} to ${max}, got ${value}`)
  }
  return value
}

export const checkSafe = (name: string, value: number): number => {
  if (!Number.isSafeInteger(value)) fail(`${name} must be a safe integer, got ${value}`)
  return value
}

export const epochDayOfFields = (
  fields: { readonly year: number; readonly month: number; readonly day: number }
): number => {
  const year = checkInt("year", fields.year, Calendar.MIN_YEAR, Calendar.MAX_YEAR)
  const month = checkInt("month", fields.month, 1, Units.MONTHS_PER_YEAR)
  const day = checkInt("day", fields.day, 1, daysInMonth(year, month))
  return daysFromCivil(year, month, day)
}

export const nanoOfDayOfFields = (fields: {
  readonly hour: number
  readonly minute: number
  readonly second?: number | undefined
  readonly nanosecond?: number | undefined
}): number =>
  checkInt("hour", fields.hour, 0, Units.SECONDS_PER_DAY / Units.SECONDS_PER_HOUR - 1) * Units.NANOS_PER_HOUR +
  checkInt("minute", fields.minute, 0, Units.SECONDS_PER_MINUTE - 1) * Units.NANOS_PER_MINUTE +
  checkInt("second", fields.second ?? 0, 0, Units.SECONDS_PER_MINUTE - 1) * Units.NANOS_PER_SECOND +
  checkInt("nanosecond", fields.nanosecond ?? 0, 0, Units.NANOS_PER_SECOND - 1)

export const checkOffset = (offsetSeconds: number): number =>
  checkInt("offsetSeconds", offsetSeconds, -Calendar.MAX_OFFSET_SECONDS, Calendar.MAX_OFFSET_SECONDS)
