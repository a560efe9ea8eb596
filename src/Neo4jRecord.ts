/**
 * One row of a result: values by key or by index, and conversion to a plain object. All records of
 * a result share one key array and one key-to-index map, so a record costs one array of values.
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import { Neo4jUsageError } from "./Neo4jError.ts"

// Up to this many columns, finding a key by scanning is faster than hashing it.
const LINEAR_SCAN_MAX_KEYS = 8

/**
 * The same string, internalised (as every property name is). Keys decoded from the wire are not,
 * and the names a program passes to `get` usually are (literals), so with internalised keys the scan
 * in {@link RecordShape.indexOf} matches by identity instead of comparing characters: 8.9 -> 5.1 ns
 * per `get` on 4 columns (microbenchmark, Node 22).
 */
const internalized = (key: string): string => Object.keys({ [key]: 0 })[0] ?? key

/**
 * The keys of a result, with their positions (built once per result).
 *
 * @since 0.1.0
 * @category models
 */
export class RecordShape {
  readonly keys: ReadonlyArray<string>
  #index: ReadonlyMap<string, number> | undefined = undefined
  constructor(keys: ReadonlyArray<string>) {
    this.keys = keys.map(internalized)
  }
  /**
   * Key to position, built on first use: most results have few columns and are read by scanning
   * (see {@link indexOf}), and a map per result was ~0.5 KB of garbage per small query.
   */
  get index(): ReadonlyMap<string, number> {
    if (this.#index === undefined) {
      const index = new Map<string, number>()
      for (let i = 0; i < this.keys.length; i++) if (!index.has(this.keys[i]!)) index.set(this.keys[i]!, i)
      this.#index = index
    }
    return this.#index
  }
  /** The position of a key, or `undefined`. */
  indexOf(key: string): number | undefined {
    // Few columns (the usual case): a scan of the keys beats a map lookup (`npm run bench`,
    // scalar rows: `indexOf` went from 7.2 % to 3.0 % of the profile).
    const keys = this.keys
    if (keys.length <= LINEAR_SCAN_MAX_KEYS) {
      for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i
      return undefined
    }
    return this.index.get(key)
  }
}

/**
 * A result row.
 *
 * @since 0.1.0
 * @category models
 */
export class Neo4jRecord<T extends Record<string, unknown> = Record<string, unknown>> {
  readonly values: ReadonlyArray<unknown>
  readonly #shape: RecordShape
  constructor(shape: RecordShape, values: ReadonlyArray<unknown>) {
    this.#shape = shape
    this.values = values
  }

  /** The column names, in order. */
  get keys(): ReadonlyArray<string> {
    return this.#shape.keys
  }

  /** Number of columns. */
  get length(): number {
    return this.values.length
  }

  /** Whether the record has a column with this name. */
  has(key: string): boolean {
    return this.#shape.index.has(key)
  }

  /**
   * The value of a column by name or index. Throws `Neo4jUsageError` for an unknown column (a typo
   * in a key is a bug in the program, not a data condition) whose message lists the keys that exist;
   * use {@link has} to test first, or {@link getOption} for a column that may be absent.
   */
  get<K extends keyof T & string>(key: K): T[K]
  get(key: string | number): unknown
  get(key: string | number): unknown {
    const index = typeof key === "number" ? key : this.#shape.indexOf(key)
    if (index === undefined || index < 0 || index >= this.values.length || !Number.isInteger(index)) {
      throw new Neo4jUsageError({
        message: `This record has no column ${typeof key === "number" ? `at index ${key}` : `'${key}'`}; ` +
          `its keys are [${this.#shape.keys.join(", ")}]`
      })
    }
    return this.values[index]
  }

  /**
   * The value of a column by name or index as an `Option`: `None` for a column the record does not
   * have (a key that may be absent, such as one from a dynamic `RETURN`), without a throw.
   */
  getOption<K extends keyof T & string>(key: K): Option.Option<T[K]>
  getOption(key: string | number): Option.Option<unknown>
  getOption(key: string | number): Option.Option<unknown> {
    const index = typeof key === "number" ? key : this.#shape.indexOf(key)
    if (index === undefined || index < 0 || index >= this.values.length || !Number.isInteger(index)) return Option.none()
    return Option.some(this.values[index])
  }

  /** The record as a plain object `{ key: value }`. A key `__proto__` stays data. */
  toObject(): T {
    const object: Record<string, unknown> = {}
    const keys = this.#shape.keys
    for (let i = 0; i < keys.length; i++) {
      Object.defineProperty(object, keys[i]!, { value: this.values[i], enumerable: true, writable: true, configurable: true })
    }
    return object as T
  }

  /** `[key, value]` pairs in column order. */
  entries(): Array<[string, unknown]> {
    return this.#shape.keys.map((key, i) => [key, this.values[i]])
  }

  /** The record as an object keyed by column (what `JSON.stringify` writes). */
  toJSON(): T {
    return this.toObject()
  }

  /** `Neo4jRecord(name: Ada, born: 1815)`, for logs. */
  toString(): string {
    return `Neo4jRecord(${this.#shape.keys.map((k, i) => `${k}: ${String(this.values[i])}`).join(", ")})`
  }
}

/**
 * Whether a value is a {@link Neo4jRecord}.
 *
 * @since 0.1.0
 * @category guards
 */
export const isNeo4jRecord = (u: unknown): u is Neo4jRecord => u instanceof Neo4jRecord
