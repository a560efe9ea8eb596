/**
 * UUIDs as a native value (Bolt 6.1, PackStream marker 0xE0 and 16 bytes). On older connections send
 * `uuid.toString()` instead.
 *
 * @since 0.1.0
 */
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import { Neo4jUsageError } from "./Neo4jError.ts"

const Format = {
  BYTES: 16, // RFC 9562: 128 bits
  HEX_RADIX: 16,
  HEX_DIGITS_PER_BYTE: 2,
  PATTERN: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  DASHES_AFTER_BYTES: [4, 6, 8, 10] as ReadonlyArray<number> // 8-4-4-4-12 hex digits
} as const

/**
 * A UUID: 16 bytes in network order (RFC 9562).
 *
 * @since 0.1.0
 * @category models
 */
export class Uuid implements Equal.Equal {
  readonly bytes: Uint8Array
  /** Takes ownership of `bytes` (16 of them); use `Uuid.fromBytes` to copy. */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes
  }
  /** Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (any case). */
  static fromString(text: string): Uuid {
    if (!Format.PATTERN.test(text)) {
      throw new Neo4jUsageError({ message: `Not a UUID: ${JSON.stringify(text)}` })
    }
    const hex = text.replaceAll("-", "")
    const bytes = new Uint8Array(Format.BYTES)
    for (let i = 0; i < Format.BYTES; i++) {
      const at = i * Format.HEX_DIGITS_PER_BYTE
      bytes[i] = Number.parseInt(hex.slice(at, at + Format.HEX_DIGITS_PER_BYTE), Format.HEX_RADIX)
    }
    return new Uuid(bytes)
  }
  /** Copies 16 bytes. */
  static fromBytes(bytes: Uint8Array): Uuid {
    if (bytes.length !== Format.BYTES) {
      throw new Neo4jUsageError({ message: `A UUID has ${Format.BYTES} bytes, got ${bytes.length}` })
    }
    return new Uuid(Uint8Array.from(bytes))
  }
  get _tag(): "Uuid" {
    return "Uuid"
  }
  /** Lower-case `8-4-4-4-12` form. */
  toString(): string {
    let out = ""
    for (let i = 0; i < Format.BYTES; i++) {
      if (Format.DASHES_AFTER_BYTES.includes(i)) out += "-"
      out += this.bytes[i]!.toString(Format.HEX_RADIX).padStart(Format.HEX_DIGITS_PER_BYTE, "0")
    }
    return out
  }
  /** The canonical text, so `JSON.stringify` writes the UUID as a string. */
  toJSON(): string {
    return this.toString()
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    if (!(that instanceof Uuid)) return false
    for (let i = 0; i < Format.BYTES; i++) if (this.bytes[i] !== that.bytes[i]) return false
    return true
  }
  [Hash.symbol](): number {
    return Hash.string(this.toString())
  }
}

/**
 * Whether a value is a `Uuid`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isUuid = (u: unknown): u is Uuid => u instanceof Uuid
