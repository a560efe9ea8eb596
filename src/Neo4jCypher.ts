/**
 * The `cypher` tagged template: queries built from code and values without splicing values into
 * the text. Every interpolated value becomes a generated parameter (`$p0`, `$p1`, ...); an
 * interpolated `Statement` is inlined, so fragments compose (`cypher.and`, `cypher.or`,
 * `cypher.join`, nested templates); and the places where Cypher takes no parameters (labels,
 * relationship types, property keys) get escaped identifiers (`cypher.label`, `cypher.relType`,
 * `cypher.property`).
 *
 * ```ts
 * const byName = (name: string) => cypher`MATCH (p:${cypher.label("Person")} {name: ${name}}) RETURN p`
 * // text: "MATCH (p:`Person` {name: $p0}) RETURN p", parameters: { p0: name }
 * yield* Neo4j.executeQuery(byName("Ada"))
 * ```
 *
 * Every entry point that takes a query string (`Neo4j.executeQuery`, `Neo4j.stream`, a session's
 * and a transaction's `run` and `stream`) also takes a `Statement`. The same template always gives
 * the same text, so the server's query plan cache is hit as with a hand-written query.
 *
 * @since 0.1.0
 */
import { Neo4jUsageError } from "./Neo4jError.ts"

const TypeId = "~effect-neo4j/Neo4jCypher/Statement" as const

/** Generated parameter names: `$p0`, `$p1`, ... (skipping names the caller passes explicitly). */
const PARAMETER_PREFIX = "p"

const BACKTICK = "`"
const BACKSLASH = "\\"
/** A backslash as a Java-style unicode escape, which Neo4j's parser turns back into one backslash. */
const ESCAPED_BACKSLASH = "\\u005C"

/**
 * Query parameters by name.
 *
 * @since 0.1.0
 * @category models
 */
export type Parameters = Readonly<Record<string, unknown>>

/**
 * What an entry point sends: the query text and its parameters.
 *
 * @since 0.1.0
 * @category models
 */
export interface Query {
  readonly text: string
  readonly parameters: Parameters
}

/**
 * A query or a fragment of one, made by the `cypher` template: literal text with values between
 * its pieces (`strings.length === values.length + 1`, as a template's). Immutable; its text and
 * parameters are generated once, on first use.
 *
 * @since 0.1.0
 * @category models
 */
export class Statement {
  readonly [TypeId]: typeof TypeId = TypeId
  /** The literal pieces, with nested statements already inlined. */
  readonly strings: ReadonlyArray<string>
  /** The values between the pieces; each becomes one parameter. */
  readonly values: ReadonlyArray<unknown>
  #compiled: Query | undefined = undefined
  constructor(strings: ReadonlyArray<string>, values: ReadonlyArray<unknown>) {
    this.strings = strings
    this.values = values
  }
  /** The query text, with `$p0`, `$p1`, ... where the values go. */
  get text(): string {
    return this.compiled.text
  }
  /** The generated parameters: `{ p0: values[0], ... }`. */
  get parameters(): Parameters {
    return this.compiled.parameters
  }
  private get compiled(): Query {
    return this.#compiled ??= compile(this, undefined)
  }
  /** The text only: parameter values may be secrets. */
  toString(): string {
    return this.text
  }
}

/**
 * Whether a value is a `Statement`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isStatement = (u: unknown): u is Statement =>
  typeof u === "object" && u !== null && (u as { readonly [TypeId]?: unknown })[TypeId] === TypeId

const compile = (statement: Statement, explicit: Parameters | undefined): Query => {
  const { strings, values } = statement
  let text = strings[0]!
  const parameters: Record<string, unknown> = explicit === undefined ? {} : { ...explicit }
  let next = 0
  for (let i = 0; i < values.length; i++) {
    let name = PARAMETER_PREFIX + next++
    // A name the caller chose wins; the generated one moves on. `Object.hasOwn`, not `in`: a
    // parameter named `constructor` or `__proto__` is data.
    while (Object.hasOwn(parameters, name)) name = PARAMETER_PREFIX + next++
    Object.defineProperty(parameters, name, { value: values[i], enumerable: true, writable: true, configurable: true })
    text += "$" + name + strings[i + 1]!
  }
  return { text, parameters }
}

/**
 * The text and parameters an entry point sends for a query string or a `Statement` plus explicit
 * parameters. A string passes through untouched (no copy); a statement's generated names skip the
 * explicit ones, so `$p0` written by hand in a template refers to an explicit parameter.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toQuery = (query: string | Statement, parameters: Parameters | undefined): Query => {
  if (typeof query === "string") return { text: query, parameters: parameters ?? {} }
  if (parameters === undefined || isEmpty(parameters)) return { text: query.text, parameters: query.parameters }
  return compile(query, parameters)
}

const isEmpty = (parameters: Parameters): boolean => {
  for (const key in parameters) if (Object.hasOwn(parameters, key)) return false
  return true
}

/**
 * The `cypher` tagged template without its helpers (see `cypher`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (strings: TemplateStringsArray | ReadonlyArray<string>, ...values: ReadonlyArray<unknown>): Statement => {
  let nested = false
  for (let i = 0; i < values.length; i++) {
    if (isStatement(values[i])) {
      nested = true
      break
    }
  }
  // The usual template has no nested statement: keep the template's own (frozen, cached) strings.
  if (!nested) return new Statement(strings, values)
  const outStrings: Array<string> = [strings[0]!]
  const outValues: Array<unknown> = []
  for (let i = 0; i < values.length; i++) {
    const value = values[i]
    if (isStatement(value)) {
      // Glue the fragment's first piece to the text before it and the text after it to its last.
      outStrings[outStrings.length - 1] += value.strings[0]!
      for (let j = 0; j < value.values.length; j++) {
        outValues.push(value.values[j])
        outStrings.push(value.strings[j + 1]!)
      }
      outStrings[outStrings.length - 1] += strings[i + 1]!
    } else {
      outValues.push(value)
      outStrings.push(strings[i + 1]!)
    }
  }
  return new Statement(outStrings, outValues)
}

/**
 * The empty fragment, for optional parts: `` cypher`... ${admin ? cypher`SET p.admin = true` : cypher.empty}` ``.
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty: Statement = new Statement([""], [])

const literal = (text: string): Statement => new Statement([text], [])

// -------------------------------------------------------------------------------------------------
// identifiers

/**
 * A name quoted for Cypher (`` `name` ``), for the places where Cypher takes no parameter.
 *
 * - A backtick is doubled (Cypher manual, "Naming rules": `` `a``b` `` is the name ``a`b``).
 * - A backslash is written as the escape `\u005C`. Neo4j's parser reads Java-style `\uXXXX`
 *   escapes anywhere in the query text before it reads names (5.26 and 2026.x, checked in
 *   test/integration/cypher.test.ts), so the text `\u0060` inside backticks would become a backtick
 *   and end the name: a break-out that doubling alone does not stop. A backslash produced by an
 *   escape starts no further escape, so every name reads back exactly as written.
 * - The empty name and names with a NUL character are refused with a `Neo4jUsageError` (the server
 *   rejects both as token names). Anything else, spaces, dots, colons, quotes and any Unicode, is
 *   kept and becomes part of the one name.
 *
 * @since 0.1.0
 * @category identifiers
 */
export const escapeIdentifier = (name: string, what = "name"): string => {
  if (typeof name !== "string") {
    throw new Neo4jUsageError({ message: `A ${what} must be a string, got ${typeof name}` })
  }
  if (name.length === 0) throw new Neo4jUsageError({ message: `A ${what} cannot be empty` })
  if (name.includes("\u0000")) throw new Neo4jUsageError({ message: `A ${what} cannot contain a NUL character` })
  return BACKTICK + name.replaceAll(BACKTICK, BACKTICK + BACKTICK).replaceAll(BACKSLASH, ESCAPED_BACKSLASH) + BACKTICK
}

/**
 * A node label, escaped: `` cypher`MATCH (n:${cypher.label(label)})` ``.
 *
 * @since 0.1.0
 * @category identifiers
 */
export const label = (name: string): Statement => literal(escapeIdentifier(name, "label"))

/**
 * A relationship type, escaped: `` cypher`MERGE (a)-[:${cypher.relType(type)}]->(b)` ``.
 *
 * @since 0.1.0
 * @category identifiers
 */
export const relType = (name: string): Statement => literal(escapeIdentifier(name, "relationship type"))

/**
 * A property key, escaped: `` cypher`RETURN n.${cypher.property(key)} AS value` ``.
 *
 * @since 0.1.0
 * @category identifiers
 */
export const property = (name: string): Statement => literal(escapeIdentifier(name, "property key"))

// -------------------------------------------------------------------------------------------------
// composition

/**
 * Fragments joined by a separator (default `", "`). The separator is literal Cypher, so it must be
 * a string literal type: a `string` from elsewhere does not type-check.
 *
 * @since 0.1.0
 * @category combinators
 */
export const join = <S extends string = ", ">(
  fragments: ReadonlyArray<Statement>,
  separator?: string extends S ? never : S
): Statement => {
  if (fragments.length === 0) return empty
  return surround(fragments, "", separator ?? ", ", "")
}

/** `open f0 separator f1 ... close`. */
const surround = (fragments: ReadonlyArray<Statement>, open: string, separator: string, close: string): Statement =>
  make(Array.from({ length: fragments.length + 1 }, (_, i) => (i === 0 ? open : i === fragments.length ? close : separator)), ...fragments)

const connective = (operator: string, whenEmpty: string) => (conditions: ReadonlyArray<Statement>): Statement => {
  if (conditions.length === 0) return literal(whenEmpty)
  // Each condition in parentheses: `a OR b` joined with `c` by AND must stay `(a OR b) AND (c)`.
  return surround(conditions, "(", `) ${operator} (`, ")")
}

/**
 * Conditions joined by `AND`, each in parentheses; `true` when there are none, so
 * `` cypher`WHERE ${cypher.and(filters)}` `` works for an empty list of filters.
 *
 * @since 0.1.0
 * @category combinators
 */
export const and: (conditions: ReadonlyArray<Statement>) => Statement = connective("AND", "true")

/**
 * Conditions joined by `OR`, each in parentheses; `false` when there are none.
 *
 * @since 0.1.0
 * @category combinators
 */
export const or: (conditions: ReadonlyArray<Statement>) => Statement = connective("OR", "false")

/**
 * The `cypher` tagged template with its helpers.
 *
 * @since 0.1.0
 * @category models
 */
export interface Cypher {
  (strings: TemplateStringsArray, ...values: ReadonlyArray<unknown>): Statement
  readonly label: typeof label
  readonly relType: typeof relType
  readonly property: typeof property
  readonly and: typeof and
  readonly or: typeof or
  readonly join: typeof join
  readonly empty: Statement
}

/**
 * Builds a `Statement`: `` cypher`MATCH (p:Person {name: ${name}}) RETURN p` `` sends
 * `MATCH (p:Person {name: $p0}) RETURN p` with `{ p0: name }`. A value is always a parameter (a
 * list stays one list parameter); a nested `Statement` is inlined with its own values.
 *
 * @since 0.1.0
 * @category constructors
 */
export const cypher: Cypher = Object.assign(
  (strings: TemplateStringsArray, ...values: ReadonlyArray<unknown>): Statement => make(strings, ...values),
  { label, relType, property, and, or, join, empty }
)
