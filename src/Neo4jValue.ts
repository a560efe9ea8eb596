/**
 * Value-level helpers shared by every Cypher type: the integer policy, the explicit FLOAT wrapper
 * for parameters, Bolt 6.0's `UnsupportedType`, and the union type of everything a query returns.
 *
 * Parameters, in short: an integral `number` is sent as INTEGER (so `LIMIT $n` works), any other
 * `number` as FLOAT, `Neo4jValue.float(n)` forces FLOAT, a `bigint` is an INTEGER after a range
 * check, `null` is NULL. In a map (plain object or `Map` with string keys) a key whose value is
 * `undefined` is left out, like `JSON.stringify` does, so optional fields just work; `undefined`
 * anywhere else (a list item, the parameter value itself) is an error naming its path, because a
 * hole in a list is almost always a bug and NULL must be asked for explicitly.
 *
 * @since 0.1.0
 */
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import * as ValueFormat from "./internal/valueFormat.ts"
import type { Node, Path, Relationship, UnboundRelationship } from "./Neo4jGraph.ts"
import type { Point } from "./Neo4jSpatial.ts"
import type * as Neo4jTemporal from "./Neo4jTemporal.ts"
import type { Uuid } from "./Neo4jUuid.ts"
import type { Vector } from "./Neo4jVector.ts"

/**
 * A decoded Cypher INTEGER: a `number` when it is a safe integer (|n| <= 2^53-1) and the policy is
 * `auto`, a `bigint` otherwise.
 *
 * @since 0.1.0
 * @category models
 */
export type Integer = number | bigint

/**
 * How decoded INTEGERs are represented: `auto` (number when safe, bigint otherwise) or `bigint`
 * (always bigint). No policy ever loses precision.
 *
 * @since 0.1.0
 * @category models
 */
export type IntegerPolicy = "auto" | "bigint"

/**
 * A number to be sent as a Cypher FLOAT even when it is integral (`Neo4jValue.float(1)`).
 *
 * @since 0.1.0
 * @category models
 */
export class Float implements Equal.Equal {
  readonly value: number
  constructor(value: number) {
    this.value = value
  }
  get _tag(): "Float" {
    return "Float"
  }
  toString(): string {
    return Number.isInteger(this.value) ? `${this.value}.0` : String(this.value)
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof Float && Equal.equals(this.value, that.value)
  }
  [Hash.symbol](): number {
    return Hash.number(this.value)
  }
}

/**
 * Wraps a number so that it is sent as a FLOAT (`RETURN $x` gives `1.0`, not `1`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const float = (value: number): Float => new Float(value)

/**
 * Whether a value is a `Float` wrapper.
 *
 * @since 0.1.0
 * @category guards
 */
export const isFloat = (u: unknown): u is Float => u instanceof Float

/**
 * A value of a type this protocol version cannot transmit (Bolt 6.0 UnsupportedType struct): the
 * server says what it is and which Bolt version would carry it.
 *
 * @since 0.1.0
 * @category models
 */
export class UnsupportedType implements Equal.Equal {
  /** The Cypher type name, e.g. `VECTOR<FLOAT32>(3)` on a connection that cannot carry vectors. */
  readonly name: string
  readonly minimumProtocolMajor: number
  readonly minimumProtocolMinor: number
  /** The server's explanation, when it sent one. */
  readonly message: string | undefined
  constructor(name: string, minimumProtocolMajor: number, minimumProtocolMinor: number, message: string | undefined) {
    this.name = name
    this.minimumProtocolMajor = minimumProtocolMajor
    this.minimumProtocolMinor = minimumProtocolMinor
    this.message = message
  }
  get _tag(): "UnsupportedType" {
    return "UnsupportedType"
  }
  /** `major.minor` of the first Bolt version that can carry this type. */
  get minimumProtocolVersion(): string {
    return `${this.minimumProtocolMajor}.${this.minimumProtocolMinor}`
  }
  toString(): string {
    const reason = this.message === undefined ? "" : `: ${this.message}`
    return `UnsupportedType(${this.name}, needs Bolt ${this.minimumProtocolVersion}${reason})`
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof UnsupportedType && this.name === that.name &&
      this.minimumProtocolMajor === that.minimumProtocolMajor &&
      this.minimumProtocolMinor === that.minimumProtocolMinor && this.message === that.message
  }
  [Hash.symbol](): number {
    return Hash.string(this.name)
  }
}

/**
 * Whether a value is an `UnsupportedType`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isUnsupportedType = (u: unknown): u is UnsupportedType => u instanceof UnsupportedType

/**
 * Any value a query can return.
 *
 * @since 0.1.0
 * @category models
 */
export type Value =
  | null
  | boolean
  | Integer
  | string
  | Uint8Array
  | ReadonlyArray<Value>
  | { readonly [key: string]: Value }
  | Node
  | Relationship
  | UnboundRelationship
  | Path
  | Point
  | Neo4jTemporal.Date
  | Neo4jTemporal.Time
  | Neo4jTemporal.LocalTime
  | Neo4jTemporal.LocalDateTime
  | Neo4jTemporal.DateTime
  | Neo4jTemporal.Duration
  | Vector
  | Uuid
  | UnsupportedType

/**
 * Renders a value the way Cypher literals look (`{name: "Ada", born: 1815}`), for `toString`s
 * and debug output. Not a serialisation format.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format: (value: unknown) => string = ValueFormat.format

/**
 * Renders a property map as `{key: value, ...}` (keys quoted with backticks when needed).
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatProperties: (properties: Readonly<Record<string, unknown>>) => string = ValueFormat.formatProperties
