/**
 * PackStream encoder: one growable buffer, primitives for message code (`writeStructHeader`...) and
 * `writeValue` for parameters and metadata. Objects other than plain objects, arrays, `Map`s and
 * `Uint8Array`s go to the {@link Dehydrator} given to `writeValue` (the Bolt layer's writes the
 * driver's value types as structures).
 *
 * @since 0.1.0
 */
import { EncodeFailure, PackStreamEncodeError } from "./Errors.ts"
import { Limit, Marker, Width } from "./Markers.ts"

const Tuning = {
  DEFAULT_CAPACITY: 8_192, // bytes; one PULL/RUN message with modest parameters fits
  ASCII_FAST_PATH_MAX: 64, // UTF-16 units; below this a JS loop beats TextEncoder.encodeInto's call cost
  UTF8_MAX_BYTES_PER_UNIT: 3, // a UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair: 4 for 2)
  ASCII_MAX: 0x7f, // code units above this need encodeInto
  CYCLE_CHECK_DEPTH: 32, // below this depth no cycle check runs (a cycle always grows deeper)
  MAX_DEPTH: 1_000 // nesting limit, same as the decoder's
} as const

const MAX_SAFE = Number.MAX_SAFE_INTEGER
const INT64_MIN_NUMBER = -(2 ** 63) // exactly representable; 2^63 itself is out of range
const INT64_MAX_EXCLUSIVE_NUMBER = 2 ** 63

const encoder = new TextEncoder()

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

const keySegment = (key: string): string => (IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`)

const pathOf = (segments: ReadonlyArray<string>): string => {
  const joined = segments.slice().reverse().join("")
  return `$${joined.startsWith(".") ? joined.slice(1) : joined}`
}

/** The path of a top-level map entry, as encode errors write it: `$born`, `$["first name"]`. */
export const entryPath = (key: string): string => pathOf([keySegment(key)])

const describe = (value: unknown): string => {
  if (typeof value === "function") return `a function (${value.name || "anonymous"})`
  if (typeof value === "symbol") return `a symbol (${value.description ?? ""})`
  if (typeof value === "object" && value !== null) {
    const name = value.constructor?.name
    return name ? `an instance of ${name}` : "an object with a custom prototype"
  }
  return String(value)
}

/**
 * Writes the objects the writer does not know itself (anything but plain objects, arrays, `Map`s
 * and `Uint8Array`s), or throws an `EncodeFailure` naming what it got.
 *
 * @since 0.1.0
 * @category models
 */
export interface Dehydrator {
  dehydrate(writer: PackStreamWriter, value: object): void
}

// Until the first `writeValue` names one (only `writeValue` reaches the dehydrator).
const noObjects: Dehydrator = {
  dehydrate: () => {
    throw new EncodeFailure("no dehydrator")
  }
}

/**
 * Encodes PackStream into one reusable, growable buffer.
 *
 * @since 0.1.0
 * @category encoding
 */
export class PackStreamWriter {
  private buffer: Uint8Array
  private data: DataView
  private position = 0
  private depth = 0
  private readonly ancestors: Array<unknown> = []
  /** the dehydrator of the `writeValue` call in progress */
  private dehydrator: Dehydrator = noObjects

  constructor(initialCapacity: number = Tuning.DEFAULT_CAPACITY) {
    this.buffer = new Uint8Array(Math.max(1, initialCapacity))
    this.data = new DataView(this.buffer.buffer)
  }

  /** Bytes written since the last `reset`. */
  get length(): number {
    return this.position
  }

  /** Forgets the written bytes, keeps the buffer. */
  reset(): void {
    this.position = 0
  }

  /** The written bytes (a view, valid until the next write or reset). */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.position)
  }

  /** A copy of the written bytes. */
  toUint8Array(): Uint8Array {
    return this.buffer.slice(0, this.position)
  }

  private grow(needed: number): void {
    const capacity = Math.max(this.buffer.length * 2, this.position + needed)
    const next = new Uint8Array(capacity)
    next.set(this.buffer.subarray(0, this.position))
    this.buffer = next
    this.data = new DataView(next.buffer)
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.position + n > this.buffer.length) this.grow(n)
  }

  writeNull(): void {
    this.ensure(Width.MARKER)
    this.buffer[this.position++] = Marker.NULL
  }

  writeBoolean(value: boolean): void {
    this.ensure(Width.MARKER)
    this.buffer[this.position++] = value ? Marker.TRUE : Marker.FALSE
  }

  /** Writes an INTEGER in its smallest encoding; throws if not an int64. */
  writeInteger(value: number | bigint): void {
    if (typeof value === "number") {
      if (value <= MAX_SAFE && value >= -MAX_SAFE && Number.isInteger(value)) return this.writeSafeInteger(value)
      if (!Number.isInteger(value)) throw new PackStreamEncodeError(`${value} is not an integer`, "$")
      if (value < INT64_MIN_NUMBER || value >= INT64_MAX_EXCLUSIVE_NUMBER) {
        throw new PackStreamEncodeError(`${value} is outside the INTEGER range (int64)`, "$")
      }
      return this.writeInt64(BigInt(value))
    }
    if (value < Limit.INT64_MIN || value > Limit.INT64_MAX) {
      throw new PackStreamEncodeError(`${value} is outside the INTEGER range (int64)`, "$")
    }
    if (value <= BigInt(MAX_SAFE) && value >= -BigInt(MAX_SAFE)) return this.writeSafeInteger(Number(value))
    this.writeInt64(value)
  }

  /** `value` must be a safe integer. */
  writeSafeInteger(value: number): void {
    this.ensure(Width.INT_MAX)
    const buffer = this.buffer
    let p = this.position
    if (value >= Limit.TINY_INT_MIN && value <= Limit.TINY_INT_MAX) {
      buffer[p++] = value & Limit.UINT8_MAX
    } else if (value >= Limit.INT8_MIN && value < Limit.TINY_INT_MIN) {
      buffer[p++] = Marker.INT_8
      buffer[p++] = value & Limit.UINT8_MAX
    } else if (value >= Limit.INT16_MIN && value <= Limit.INT16_MAX) {
      buffer[p++] = Marker.INT_16
      this.data.setInt16(p, value)
      p += 2
    } else if (value >= Limit.INT32_MIN && value <= Limit.INT32_MAX) {
      buffer[p++] = Marker.INT_32
      this.data.setInt32(p, value)
      p += 4
    } else {
      buffer[p++] = Marker.INT_64
      const high = Math.floor(value / Limit.UINT32_RADIX)
      this.data.setInt32(p, high)
      this.data.setUint32(p + 4, value - high * Limit.UINT32_RADIX)
      p += 8
    }
    this.position = p
  }

  private writeInt64(value: bigint): void {
    this.ensure(Width.INT_MAX)
    this.buffer[this.position] = Marker.INT_64
    this.data.setBigInt64(this.position + Width.MARKER, value)
    this.position += Width.INT_MAX
  }

  writeFloat(value: number): void {
    this.ensure(Width.FLOAT)
    this.buffer[this.position] = Marker.FLOAT_64
    this.data.setFloat64(this.position + Width.MARKER, value)
    this.position += Width.FLOAT
  }

  writeString(value: string): void {
    const length = value.length
    if (length < Tuning.ASCII_FAST_PATH_MAX && this.writeShortAscii(value, length)) return
    const maxBytes = length * Tuning.UTF8_MAX_BYTES_PER_UNIT
    const header = sizeHeaderLength(maxBytes)
    this.ensure(header + maxBytes + Width.HEADER_32)
    const start = this.position
    const { written } = encoder.encodeInto(value, this.buffer.subarray(start + header, start + header + maxBytes))
    const actualHeader = sizeHeaderLength(written)
    if (actualHeader !== header) {
      this.buffer.copyWithin(start + actualHeader, start + header, start + header + written)
    }
    this.putSizeHeader(Marker.TINY_STRING, Marker.STRING_8, Marker.STRING_16, Marker.STRING_32, written)
    this.position += written
  }

  /** Writes an all-ASCII string below 64 units; returns false (writing nothing) otherwise. */
  private writeShortAscii(value: string, length: number): boolean {
    this.ensure(length + Width.HEADER_8)
    const buffer = this.buffer
    const header = length <= Limit.TINY_SIZE_MAX ? Width.HEADER_TINY : Width.HEADER_8
    let p = this.position + header
    for (let i = 0; i < length; i++) {
      const unit = value.charCodeAt(i)
      if (unit > Tuning.ASCII_MAX) return false
      buffer[p++] = unit
    }
    if (header === Width.HEADER_TINY) {
      buffer[this.position] = Marker.TINY_STRING | length
    } else {
      buffer[this.position] = Marker.STRING_8
      buffer[this.position + 1] = length
    }
    this.position = p
    return true
  }

  writeBytes(value: Uint8Array): void {
    this.writeBytesHeader(value.length)
    this.ensure(value.length)
    this.buffer.set(value, this.position)
    this.position += value.length
  }

  /** The BYTES marker and length; the caller writes the bytes (e.g. through `rawBytes`). */
  writeBytesHeader(length: number): void {
    this.ensure(Width.HEADER_32)
    const p = this.position
    if (length <= Limit.UINT8_MAX) {
      this.buffer[p] = Marker.BYTES_8
      this.buffer[p + 1] = length
      this.position = p + 2
    } else if (length <= Limit.UINT16_MAX) {
      this.buffer[p] = Marker.BYTES_16
      this.data.setUint16(p + 1, length)
      this.position = p + 3
    } else {
      this.buffer[p] = Marker.BYTES_32
      this.data.setUint32(p + 1, length)
      this.position = p + 5
    }
  }

  writeListHeader(size: number): void {
    this.writeSizeHeader(Marker.TINY_LIST, Marker.LIST_8, Marker.LIST_16, Marker.LIST_32, size)
  }

  writeMapHeader(size: number): void {
    this.writeSizeHeader(Marker.TINY_MAP, Marker.MAP_8, Marker.MAP_16, Marker.MAP_32, size)
  }

  /** Struct marker (tiny for up to 15 fields) and tag. */
  writeStructHeader(tag: number, fieldCount: number): void {
    this.ensure(Width.STRUCT_HEADER_MAX)
    const p = this.position
    if (fieldCount <= Limit.TINY_SIZE_MAX) {
      this.buffer[p] = Marker.TINY_STRUCT | fieldCount
      this.buffer[p + 1] = tag
      this.position = p + 2
    } else if (fieldCount <= Limit.UINT8_MAX) {
      this.buffer[p] = Marker.STRUCT_8
      this.buffer[p + 1] = fieldCount
      this.buffer[p + 2] = tag
      this.position = p + 3
    } else {
      this.buffer[p] = Marker.STRUCT_16
      this.data.setUint16(p + 1, fieldCount)
      this.buffer[p + 3] = tag
      this.position = p + 4
    }
  }

  /** UUID marker and its 16 bytes (Bolt 6.1). */
  writeUuidBytes(bytes: Uint8Array): void {
    this.ensure(Width.MARKER + Limit.UUID_BYTES)
    this.buffer[this.position] = Marker.UUID
    this.buffer.set(bytes.subarray(0, Limit.UUID_BYTES), this.position + Width.MARKER)
    this.position += Width.MARKER + Limit.UUID_BYTES
  }

  /** Raw byte access for dehydrators (Vector payloads): `n` bytes at `offset` of `data`, to fill. */
  rawBytes(n: number): { readonly data: DataView; readonly offset: number } {
    this.ensure(n)
    const offset = this.position
    this.position += n
    return { data: this.data, offset }
  }

  private writeSizeHeader(tiny: number, m8: number, m16: number, m32: number, size: number): void {
    this.ensure(Width.HEADER_32)
    this.putSizeHeader(tiny, m8, m16, m32, size)
  }

  /** Writes a size header into space the caller made sure of. */
  private putSizeHeader(tiny: number, m8: number, m16: number, m32: number, size: number): void {
    const p = this.position
    if (size <= Limit.TINY_SIZE_MAX) {
      this.buffer[p] = tiny | size
      this.position = p + 1
    } else if (size <= Limit.UINT8_MAX) {
      this.buffer[p] = m8
      this.buffer[p + 1] = size
      this.position = p + 2
    } else if (size <= Limit.UINT16_MAX) {
      this.buffer[p] = m16
      this.data.setUint16(p + 1, size)
      this.position = p + 3
    } else {
      this.buffer[p] = m32
      this.data.setUint32(p + 1, size)
      this.position = p + 5
    }
  }

  /**
   * Encodes a parameter or metadata value (see `Neo4jValue` for the mapping: integral numbers are
   * INTEGERs, map entries set to `undefined` are left out, `undefined` elsewhere is an error); other
   * objects go to `dehydrator` (`rawDehydrator` for plain PackStream). On failure the bytes written
   * by this call are dropped and a `PackStreamEncodeError` names the offending path.
   */
  writeValue(value: unknown, dehydrator: Dehydrator): void {
    const start = this.position
    this.dehydrator = dehydrator
    this.depth = 0
    try {
      this.encode(value)
    } catch (error) {
      this.position = start
      this.ancestors.length = 0
      if (error instanceof EncodeFailure) throw new PackStreamEncodeError(error.message, pathOf(error.segments))
      throw error
    }
  }

  /** Encodes one value inside a `writeValue` call (for dehydrators: a struct's fields); throws `EncodeFailure`. */
  encode(value: unknown): void {
    switch (typeof value) {
      case "string":
        return this.writeString(value)
      case "number":
        if (value <= MAX_SAFE && value >= -MAX_SAFE && Number.isInteger(value)) return this.writeSafeInteger(value)
        if (!Number.isInteger(value)) return this.writeFloat(value)
        if (value < INT64_MIN_NUMBER || value >= INT64_MAX_EXCLUSIVE_NUMBER) {
          throw new EncodeFailure(
            `${value} is an integral number outside the INTEGER (int64) range; wrap it with Neo4jValue.float to send a FLOAT`
          )
        }
        return this.writeInt64(BigInt(value))
      case "boolean":
        return this.writeBoolean(value)
      case "bigint":
        if (value < Limit.INT64_MIN || value > Limit.INT64_MAX) {
          throw new EncodeFailure(`${value}n is outside the INTEGER (int64) range`)
        }
        return this.writeInteger(value)
      case "object":
        if (value === null) return this.writeNull()
        return this.encodeObject(value)
      case "undefined":
        throw new EncodeFailure("undefined is not a Cypher value (use null; map keys set to undefined are left out)")
      default:
        throw new EncodeFailure(`${describe(value)} is not a Cypher value`)
    }
  }

  private encodeObject(value: object): void {
    if (value instanceof Uint8Array) return this.writeBytes(value)
    const depth = this.depth
    if (depth >= Tuning.CYCLE_CHECK_DEPTH) this.checkCycle(value, depth)
    this.ancestors[depth] = value
    this.depth = depth + 1
    if (Array.isArray(value)) {
      this.encodeList(value)
    } else {
      const proto = Object.getPrototypeOf(value)
      if (proto === Object.prototype || proto === null) this.encodeRecord(value as Record<string, unknown>)
      else if (value instanceof Map) this.encodeMap(value)
      else this.dehydrator.dehydrate(this, value)
    }
    this.depth = depth
    this.ancestors[depth] = undefined
  }

  private checkCycle(value: object, depth: number): void {
    if (depth >= Tuning.MAX_DEPTH) {
      throw new EncodeFailure(`value nested deeper than ${Tuning.MAX_DEPTH} levels`)
    }
    for (let i = 0; i < depth; i++) {
      if (this.ancestors[i] === value) throw new EncodeFailure("circular structure (the value contains itself)")
    }
  }

  private encodeList(list: ReadonlyArray<unknown>): void {
    const length = list.length
    this.writeListHeader(length)
    let i = 0
    try {
      for (; i < length; i++) this.encode(list[i])
    } catch (error) {
      if (error instanceof EncodeFailure) error.segments.push(`[${i}]`)
      throw error
    }
  }

  /** A plain object as a MAP (`undefined` values left out); for dehydrators that meet a foreign-realm object. */
  encodeRecord(record: Record<string, unknown>): void {
    const keys = Object.keys(record)
    const count = keys.length
    const headerAt = this.position
    this.writeMapHeader(count)
    let written = 0
    let key = ""
    try {
      for (let i = 0; i < count; i++) {
        key = keys[i]!
        const item = record[key]
        if (item === undefined) continue
        this.writeString(key)
        this.encode(item)
        written++
      }
    } catch (error) {
      if (error instanceof EncodeFailure) error.segments.push(keySegment(key))
      throw error
    }
    if (written !== count) this.patchMapHeader(headerAt, count, written)
  }

  private encodeMap(map: ReadonlyMap<unknown, unknown>): void {
    const headerAt = this.position
    this.writeMapHeader(map.size)
    let written = 0
    let key: string | undefined
    try {
      for (const [k, item] of map) {
        key = undefined
        if (typeof k !== "string") {
          const shown = typeof k === "object" && k !== null ? describe(k) : `${typeof k} ${String(k)}`
          throw new EncodeFailure(`map keys must be strings, got ${shown}`)
        }
        if (item === undefined) continue
        key = k
        this.writeString(k)
        this.encode(item)
        written++
      }
    } catch (error) {
      if (error instanceof EncodeFailure && key !== undefined) error.segments.push(keySegment(key))
      throw error
    }
    if (written !== map.size) this.patchMapHeader(headerAt, map.size, written)
  }

  /** Rewrites a map header after entries with `undefined` values were skipped. */
  private patchMapHeader(headerAt: number, declared: number, actual: number): void {
    const declaredLength = sizeHeaderLength(declared)
    const actualLength = sizeHeaderLength(actual)
    const end = this.position
    if (declaredLength !== actualLength) {
      this.buffer.copyWithin(headerAt + actualLength, headerAt + declaredLength, end)
    }
    this.position = headerAt
    this.putSizeHeader(Marker.TINY_MAP, Marker.MAP_8, Marker.MAP_16, Marker.MAP_32, actual)
    this.position = end - declaredLength + actualLength
  }
}

/** Bytes a size header takes for `size` (1 tiny, 2, 3 or 5). */
const sizeHeaderLength = (size: number): number =>
  size <= Limit.TINY_SIZE_MAX
    ? Width.HEADER_TINY
    : size <= Limit.UINT8_MAX
    ? Width.HEADER_8
    : size <= Limit.UINT16_MAX
    ? Width.HEADER_16
    : Width.HEADER_32
