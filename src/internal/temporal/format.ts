/** ISO-8601 text of temporal fields, the way Cypher prints it. */
import { Calendar, civilFromDays, Units } from "./calendar.ts"

const pad = (n: number, width: number): string => String(n).padStart(width, "0")

export const formatYear = (year: number): string => {
  if (year > Calendar.MAX_PLAIN_YEAR) return `+${year}`
  if (year < 0) return `-${pad(-year, Calendar.YEAR_DIGITS)}`
  return pad(year, Calendar.YEAR_DIGITS)
}

export const formatDate = (epochDay: number): string => {
  const { day, month, year } = civilFromDays(epochDay)
  return `${formatYear(year)}-${pad(month, 2)}-${pad(day, 2)}`
}

export const formatFraction = (nanos: number): string =>
  nanos === 0 ? "" : `.${pad(nanos, Calendar.FRACTION_DIGITS).replace(/0+$/, "")}`

export const formatTime = (nanoOfDay: number): string => {
  const hour = Math.floor(nanoOfDay / Units.NANOS_PER_HOUR)
  const minute = Math.floor(nanoOfDay / Units.NANOS_PER_MINUTE) % Units.SECONDS_PER_MINUTE
  const second = Math.floor(nanoOfDay / Units.NANOS_PER_SECOND) % Units.SECONDS_PER_MINUTE
  return `${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${formatFraction(nanoOfDay % Units.NANOS_PER_SECOND)}`
}

export const formatOffset = (offsetSeconds: number): string => {
  if (offsetSeconds === 0) return "Z"
  const abs = Math.abs(offsetSeconds)
  const hours = Math.floor(abs / Units.SECONDS_PER_HOUR)
  const minutes = Math.floor(abs / Units.SECONDS_PER_MINUTE) % Units.SECONDS_PER_MINUTE
  const seconds = abs % Units.SECONDS_PER_MINUTE
  const sign = offsetSeconds < 0 ? "-" : "+"
  return `${sign}${pad(hours, 2)}:${pad(minutes, 2)}${seconds === 0 ? "" : `:${pad(seconds, 2)}`}`
}
