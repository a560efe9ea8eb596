/**
 * Vectors (Bolt 6.0, Cypher `VECTOR<type>(n)`): a typed array of one element type. Sending one needs
 * a Bolt 6.0 connection; older ones get an `UnsupportedType` back from the server instead.
 *
 * @since 0.1.0
 */
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import { Neo4jUsageError } from "./Neo4jError.ts"

/**
 * The element types a vector can have.
 *
 * @since 0.1.0
 * @category models
 */
export type ElementType = "INT8" | "INT16" | "INT32" | "INT64" | "FLOAT32" | "FLOAT64"

/**
 * The typed array behind each element type.
 *
 * @since 0.1.0
 * @category models
 */
export type Values = Int8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array

const elementTypeOf = (values: Values): ElementType => {
  if (values instanceof Float32Array) return "FLOAT32"
  if (values instanceof Float64Array) return "FLOAT64"
  if (values instanceof Int8Array) return "INT8"
  if (values instanceof Int16Array) return "INT16"
  if (values instanceof Int32Array) return "INT32"
  if (values instanceof BigInt64Array) return "INT64"
  throw new Neo4jUsageError({ message: "A vector needs an Int8/16/32, BigInt64 or Float32/64 array" })
}

/**
 * A vector: its element type and values (the typed array is shared, not copied).
 *
 * @since 0.1.0
 * @category models
 */
export class Vector implements Equal.Equal {
  readonly elementType: ElementType
  readonly values: Values
  constructor(values: Values) {
    this.values = values
    this.elementType = elementTypeOf(values)
  }
  /** A vector of the given element type from plain numbers (or bigints for INT64). */
  static fromArray(elementType: ElementType, values: ReadonlyArray<number | bigint>): Vector {
    switch (elementType) {
      case "INT8":
        return new Vector(Int8Array.from(values, Number))
      case "INT16":
        return new Vector(Int16Array.from(values, Number))
      case "INT32":
        return new Vector(Int32Array.from(values, Number))
      case "INT64":
        return new Vector(BigInt64Array.from(values, (v) => BigInt(v)))
      case "FLOAT32":
        return new Vector(Float32Array.from(values, Number))
      case "FLOAT64":
        return new Vector(Float64Array.from(values, Number))
    }
  }
  get _tag(): "Vector" {
    return "Vector"
  }
  /** Number of elements. */
  get dimension(): number {
    return this.values.length
  }
  /** Like Cypher's constructor call: `vector([1.0, 2.0], 2, FLOAT32)`. */
  toString(): string {
    const floats = this.elementType === "FLOAT32" || this.elementType === "FLOAT64"
    const items = Array.from(this.values as ArrayLike<number | bigint>, (v) =>
      floats && Number.isInteger(v) ? `${v}.0` : String(v))
    return `vector([${items.join(", ")}], ${this.values.length}, ${this.elementType})`
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    if (!(that instanceof Vector) || that.elementType !== this.elementType) return false
    const a = this.values
    const b = that.values
    if (a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false
    return true
  }
  [Hash.symbol](): number {
    return Hash.combine(Hash.string(this.elementType), Hash.number(this.values.length))
  }
}

/**
 * Whether a value is a `Vector`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isVector = (u: unknown): u is Vector => u instanceof Vector
