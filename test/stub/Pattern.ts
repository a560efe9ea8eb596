/**
 * Patterns for the fields of client messages. A plain value matches exactly (maps must have the same
 * keys, lists the same length, recursively); a {@link Pattern} anywhere inside relaxes that spot:
 * `any`, `absent` (a map key that must not be there), `partial` maps, `regex` strings, `unordered`
 * lists, `oneOf`, and `where` predicates. Mismatches come back as a path and a reason, and both
 * values and patterns print in one readable, JSON-like notation (testkit style).
 */
import { Equal } from "effect"

const PatternTypeId: unique symbol = Symbol.for("effect-neo4j/test/stub/Pattern")

type Check = (actual: unknown, path: string) => string | undefined

/**
 * A relaxed expectation for one value.
 */
export interface Pattern {
  readonly [PatternTypeId]: typeof PatternTypeId
  /** How it prints in an expected message. */
  readonly label: string
  /** `undefined` when `actual` matches, otherwise why not (prefixed with its path). */
  readonly check: Check
  /** Only for `absent`: the key must not be in the map. */
  readonly absent?: true
}

const pattern = (label: string, check: Check, extra: { readonly absent?: true } = {}): Pattern => ({
  [PatternTypeId]: PatternTypeId,
  label,
  check,
  ...extra
})

/**
 * Whether `u` is a {@link Pattern}.
 */
export const isPattern = (u: unknown): u is Pattern => typeof u === "object" && u !== null && PatternTypeId in u

/**
 * Matches any value (a map key must still be present).
 */
export const any: Pattern = pattern("*", () => undefined)

/**
 * Inside a map: the key must not be present.
 */
export const absent: Pattern = pattern("<absent>", (_, path) => `${path}: expected no value, got one`, { absent: true })

/**
 * A map that contains at least these keys (matched as patterns); other keys are ignored.
 */
export const partial = (entries: Readonly<Record<string, unknown>>): Pattern =>
  pattern(formatMap(entries, formatPattern, true), (actual, path) => {
    if (!isPlainMap(actual)) return `${path}: expected a map, got ${formatValue(actual)}`
    return checkEntries(entries, actual, path, false)
  })

/**
 * A string matching a regular expression.
 */
export const regex = (re: RegExp): Pattern =>
  pattern(String(re), (actual, path) =>
    typeof actual === "string" && re.test(actual) ? undefined : `${path}: expected ${re}, got ${formatValue(actual)}`)

/**
 * A list with these elements in any order.
 */
export const unordered = (items: ReadonlyArray<unknown>): Pattern =>
  pattern(`unordered${formatList(items, formatPattern)}`, (actual, path) => {
    if (!Array.isArray(actual)) return `${path}: expected a list, got ${formatValue(actual)}`
    if (actual.length !== items.length) {
      return `${path}: expected ${items.length} items in any order, got ${actual.length}: ${formatValue(actual)}`
    }
    const left = [...actual]
    for (const item of items) {
      const at = left.findIndex((candidate) => match(item, candidate) === undefined)
      if (at === -1) return `${path}: no item matches ${formatPattern(item)} in ${formatValue(actual)}`
      left.splice(at, 1)
    }
    return undefined
  })

/**
 * Any of the alternatives.
 */
export const oneOf = (...alternatives: ReadonlyArray<unknown>): Pattern =>
  pattern(alternatives.map(formatPattern).join(" | "), (actual, path) =>
    alternatives.some((alternative) => match(alternative, actual) === undefined)
      ? undefined
      : `${path}: expected one of ${alternatives.map(formatPattern).join(", ")}, got ${formatValue(actual)}`)

/**
 * A value the predicate accepts; `label` says what it checks in failure messages.
 */
export const where = (label: string, predicate: (actual: unknown) => boolean): Pattern =>
  pattern(`<${label}>`, (actual, path) => (predicate(actual) ? undefined : `${path}: expected ${label}, got ${formatValue(actual)}`))

/**
 * Any string.
 */
export const anyString: Pattern = where("string", (u) => typeof u === "string")

/**
 * Any integer (a safe `number` or a `bigint`).
 */
export const anyInteger: Pattern = where("integer", (u) => typeof u === "bigint" || Number.isSafeInteger(u))

/**
 * Any map.
 */
export const anyMap: Pattern = where("map", (u) => isPlainMap(u))

/**
 * Matches `actual` against an expected value or pattern; `undefined` when it matches, otherwise the
 * first reason it does not (`$extra.db: expected "neo4j", got "system"`).
 */
export const match = (expected: unknown, actual: unknown, path = "$"): string | undefined => {
  if (isPattern(expected)) return expected.check(actual, path)
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected a list, got ${formatValue(actual)}`
    if (actual.length !== expected.length) {
      return `${path}: expected ${expected.length} items, got ${actual.length}: ${formatValue(actual)}`
    }
    for (let i = 0; i < expected.length; i++) {
      const reason = match(expected[i], actual[i], `${path}[${i}]`)
      if (reason !== undefined) return reason
    }
    return undefined
  }
  if (isPlainMap(expected)) {
    if (!isPlainMap(actual)) return `${path}: expected a map, got ${formatValue(actual)}`
    return checkEntries(expected, actual, path, true)
  }
  return sameValue(expected, actual) ? undefined : `${path}: expected ${formatValue(expected)}, got ${formatValue(actual)}`
}

const checkEntries = (
  expected: Readonly<Record<string, unknown>>,
  actual: Readonly<Record<string, unknown>>,
  path: string,
  exact: boolean
): string | undefined => {
  for (const [key, value] of Object.entries(expected)) {
    const at = `${path}.${key}`
    const present = Object.prototype.hasOwnProperty.call(actual, key)
    if (isPattern(value) && value.absent === true) {
      if (present) return `${at}: expected no value, got ${formatValue(actual[key])}`
      continue
    }
    if (!present) return `${at}: missing (expected ${formatPattern(value)})`
    const reason = match(value, actual[key], at)
    if (reason !== undefined) return reason
  }
  if (exact) {
    const extra = Object.keys(actual).filter((key) => !Object.prototype.hasOwnProperty.call(expected, key))
    if (extra.length > 0) return `${path}: unexpected ${extra.map((k) => `${k}: ${formatValue(actual[k])}`).join(", ")}`
  }
  return undefined
}

const sameValue = (expected: unknown, actual: unknown): boolean => {
  if ((typeof expected === "bigint" || typeof expected === "number") && (typeof actual === "bigint" || typeof actual === "number")) {
    // INTEGER decodes to a number when safe: 5 and 5n are the same wire value.
    return Number.isInteger(expected) || typeof expected === "bigint"
      ? (Number.isInteger(actual) || typeof actual === "bigint") && BigInt(expected) === BigInt(actual)
      : expected === actual
  }
  if (expected instanceof Uint8Array && actual instanceof Uint8Array) {
    return expected.length === actual.length && expected.every((b, i) => actual[i] === b)
  }
  return Object.is(expected, actual) || Equal.equals(expected, actual)
}

/**
 * Whether `u` is a plain object (a PackStream map), not a class instance, list or bytes.
 */
export const isPlainMap = (u: unknown): u is Readonly<Record<string, unknown>> => {
  if (typeof u !== "object" || u === null || Array.isArray(u) || u instanceof Uint8Array) return false
  const proto = Object.getPrototypeOf(u)
  return proto === Object.prototype || proto === null
}

// ---------------------------------------------------------------------------------------------
// Printing

const Print = {
  /** longest string printed in full; longer ones are abbreviated with their length */
  MAX_STRING: 200,
  /** bytes values print as hex up to this many bytes */
  MAX_BYTES: 32
} as const

/** Map keys whose values are secrets: printed as `<redacted>` (the received message keeps them). */
const SECRET_KEYS: ReadonlySet<string> = new Set(["credentials"])

const formatString = (s: string): string =>
  s.length <= Print.MAX_STRING ? JSON.stringify(s) : `${JSON.stringify(s.slice(0, Print.MAX_STRING))}..(${s.length} chars)`

const formatList = (items: ReadonlyArray<unknown>, item: (u: unknown) => string): string => `[${items.map(item).join(", ")}]`

const formatMap = (map: Readonly<Record<string, unknown>>, value: (u: unknown) => string, more = false): string => {
  const entries = Object.keys(map).map((k) =>
    `${JSON.stringify(k)}: ${SECRET_KEYS.has(k) && !isPattern(map[k]) ? "<redacted>" : value(map[k])}`
  )
  if (more) entries.push("..")
  return `{${entries.join(", ")}}`
}

/**
 * A value in JSON-like notation (`{"db": "neo4j", "tx_timeout": 1500}`), bigints with `n`, bytes as
 * `#hex`, other structures through their `toString`; credentials are redacted.
 */
export const formatValue = (u: unknown): string => {
  switch (typeof u) {
    case "string":
      return formatString(u)
    case "bigint":
      return `${u}n`
    case "number":
    case "boolean":
      return String(u)
    case "undefined":
      return "<nothing>"
    case "object": {
      if (u === null) return "null"
      if (Array.isArray(u)) return formatList(u, formatValue)
      if (u instanceof Uint8Array) {
        const hex = Array.from(u.subarray(0, Print.MAX_BYTES), (b) => b.toString(16).padStart(2, "0")).join("")
        return `#${hex}${u.length > Print.MAX_BYTES ? `..(${u.length} bytes)` : ""}`
      }
      if (isPlainMap(u)) return formatMap(u, formatValue)
      return String(u)
    }
    default:
      return String(u)
  }
}

/**
 * An expected value or pattern: like {@link formatValue}, with patterns printed by their label.
 */
export const formatPattern = (u: unknown): string => {
  if (isPattern(u)) return u.label
  if (Array.isArray(u)) return formatList(u, formatPattern)
  if (isPlainMap(u)) return formatMap(u, formatPattern)
  return formatValue(u)
}
