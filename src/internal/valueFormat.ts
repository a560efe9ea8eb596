/**
 * Cypher-literal rendering of values, for the value types' `toString`s (re-exported by
 * `Neo4jValue`). Lives below the value modules so that `Neo4jGraph` can use it without importing
 * `Neo4jValue`, whose `Value` union imports `Neo4jGraph`.
 *
 * @since 0.1.0
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Renders a value the way Cypher literals look (`{name: "Ada", born: 1815}`), for `toString`s
 * and debug output. Not a serialisation format.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (value: unknown): string => {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value)
    case "number":
    case "bigint":
    case "boolean":
      return String(value)
    case "undefined":
      return "undefined"
    case "object": {
      if (value === null) return "null"
      if (Array.isArray(value)) return `[${value.map(format).join(", ")}]`
      if (value instanceof Uint8Array) return `bytes(${value.length})`
      const proto = Object.getPrototypeOf(value)
      if (proto === Object.prototype || proto === null) return formatProperties(value as Record<string, unknown>)
      return String(value)
    }
    default:
      return String(value)
  }
}

/**
 * Renders a property map as `{key: value, ...}` (keys quoted with backticks when needed).
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatProperties = (properties: Readonly<Record<string, unknown>>): string => {
  const keys = Object.keys(properties)
  if (keys.length === 0) return "{}"
  const parts = keys.map((key) => `${IDENTIFIER.test(key) ? key : `\`${key}\``}: ${format(properties[key])}`)
  return `{${parts.join(", ")}}`
}
