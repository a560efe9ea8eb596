/** Conversions between exact epoch seconds and the JS `Date` (millisecond, +-8.64e15 ms). */
import { Calendar, Units } from "./calendar.ts"
import { fail } from "./checks.ts"

const JsDate = globalThis.Date
type JsDate = globalThis.Date

/** The instant `utcSecond` + `nanosecond` as a JS `Date`; `what` names the value in the error. */
export const toJsDate = (
  utcSecond: number | bigint,
  nanosecond: number,
  what: string,
  options?: { readonly lossy?: boolean | undefined }
): JsDate => {
  const subMilli = nanosecond % Units.NANOS_PER_MILLI
  if (subMilli !== 0 && options?.lossy !== true) {
    fail(`${what} has ${subMilli} ns below the millisecond, which a JS Date cannot hold (pass { lossy: true })`)
  }
  const ms = Number(utcSecond) * Units.MILLIS_PER_SECOND + Math.floor(nanosecond / Units.NANOS_PER_MILLI)
  if (!(Math.abs(ms) <= Calendar.JS_DATE_MAX_MS)) fail(`${what} is outside the range of a JS Date`)
  return new JsDate(ms)
}

/** The milliseconds of a JS `Date`; an Invalid Date is a `Neo4jUsageError`. */
export const epochMillisOf = (date: JsDate): number => {
  const ms = date.getTime()
  if (Number.isNaN(ms)) fail("Invalid Date")
  return ms
}
