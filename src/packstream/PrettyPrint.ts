/**
 * A human-readable dump of PackStream bytes: the hex, then one line per value with its header bytes
 * and what it means. It never hydrates and never throws: malformed input prints up to the fault.
 *
 * @since 0.1.0
 */
import { Limit, Marker, Nibble } from "./Markers.ts"

const Layout = {
  HEADER_COLUMN: 26, // width of the hex column: a marker and 8 bytes (FLOAT_64, INT_64)
  INDENT: 2,
  MAX_INLINE_BYTES: 32, // BYTES values longer than this are abbreviated
  MAX_DEPTH: 64,
  PRINTABLE_MIN: 0x20,
  PRINTABLE_MAX: 0x7e
} as const

const UUID_GROUPS = /^(.{8})(.{4})(.{4})(.{4})(.{12})$/ // 8-4-4-4-12 hex digits

const hexByte = (b: number): string => b.toString(16).toUpperCase().padStart(2, "0")

/**
 * Hex of a byte range, space separated.
 *
 * @since 0.1.0
 * @category formatting
 */
export const hexDump = (bytes: Uint8Array, start: number = 0, end: number = bytes.length): string => {
  const parts: Array<string> = []
  for (let i = start; i < end && i < bytes.length; i++) parts.push(hexByte(bytes[i]!))
  return parts.join(" ")
}

class Fault {
  readonly message: string
  constructor(message: string) {
    this.message = message
  }
}

class Printer {
  readonly lines: Array<string> = []
  readonly bytes: Uint8Array
  private readonly data: DataView
  position = 0
  constructor(bytes: Uint8Array) {
    this.bytes = bytes
    this.data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  private need(n: number): void {
    if (this.bytes.length - this.position < n) {
      throw new Fault(`truncated at byte ${this.position}: needs ${n}, ${this.bytes.length - this.position} left`)
    }
  }

  private line(from: number, depth: number, text: string): void {
    const header = hexDump(this.bytes, from, this.position).padEnd(Layout.HEADER_COLUMN)
    this.lines.push(`${header} ${" ".repeat(depth * Layout.INDENT)}${text}`)
  }

  private size(width: number): number {
    const p = this.position
    const n = width === 0 ? 1 : width === 1 ? 2 : 4
    this.need(n)
    this.position += n
    return width === 0 ? this.bytes[p]! : width === 1 ? this.data.getUint16(p) : this.data.getUint32(p)
  }

  value(depth: number): void {
    if (depth > Layout.MAX_DEPTH) throw new Fault("nested too deeply")
    const from = this.position
    this.need(1)
    const marker = this.bytes[this.position++]!
    if (marker <= Marker.TINY_INT_MAX) return this.line(from, depth, `Integer ${marker}`)
    if (marker >= Marker.TINY_INT_NEGATIVE_MIN) {
      return this.line(from, depth, `Integer ${marker - Nibble.SIGNED_BYTE_OFFSET}`)
    }
    if (marker < Marker.NULL) {
      const size = marker & Nibble.LOW_MASK
      switch (marker & Nibble.HIGH_MASK) {
        case Marker.TINY_STRING:
          return this.string(from, depth, size)
        case Marker.TINY_LIST:
          return this.list(from, depth, size)
        case Marker.TINY_MAP:
          return this.map(from, depth, size)
        default:
          return this.struct(from, depth, size)
      }
    }
    switch (marker) {
      case Marker.NULL:
        return this.line(from, depth, "Null")
      case Marker.FALSE:
        return this.line(from, depth, "Boolean false")
      case Marker.TRUE:
        return this.line(from, depth, "Boolean true")
      case Marker.FLOAT_64:
        this.need(8)
        this.position += 8
        return this.line(from, depth, `Float ${this.data.getFloat64(from + 1)}`)
      case Marker.INT_8:
      case Marker.INT_16:
      case Marker.INT_32:
      case Marker.INT_64: {
        const width = marker - Marker.INT_8
        const n = 1 << width
        this.need(n)
        this.position += n
        const p = from + 1
        const value = width === 0
          ? this.data.getInt8(p)
          : width === 1
          ? this.data.getInt16(p)
          : width === 2
          ? this.data.getInt32(p)
          : this.data.getBigInt64(p)
        return this.line(from, depth, `Integer ${value}`)
      }
      case Marker.BYTES_8:
      case Marker.BYTES_16:
      case Marker.BYTES_32: {
        const length = this.size(marker - Marker.BYTES_8)
        this.need(length)
        const shown = Math.min(length, Layout.MAX_INLINE_BYTES)
        const tail = length > shown ? " ..." : ""
        const headerEnd = this.position
        this.position += length
        const text = `Bytes(${length}) ${hexDump(this.bytes, headerEnd, headerEnd + shown)}${tail}`
        const saved = this.position
        this.position = headerEnd
        this.line(from, depth, text)
        this.position = saved
        return
      }
      case Marker.STRING_8:
      case Marker.STRING_16:
      case Marker.STRING_32:
        return this.string(from, depth, this.size(marker - Marker.STRING_8))
      case Marker.LIST_8:
      case Marker.LIST_16:
      case Marker.LIST_32:
        return this.list(from, depth, this.size(marker - Marker.LIST_8))
      case Marker.MAP_8:
      case Marker.MAP_16:
      case Marker.MAP_32:
        return this.map(from, depth, this.size(marker - Marker.MAP_8))
      case Marker.STRUCT_8:
      case Marker.STRUCT_16:
        return this.struct(from, depth, this.size(marker - Marker.STRUCT_8))
      case Marker.UUID: {
        this.need(Limit.UUID_BYTES)
        const headerEnd = this.position
        this.position += Limit.UUID_BYTES
        const digits = hexDump(this.bytes, headerEnd, this.position).replaceAll(" ", "").toLowerCase()
        const text = `UUID ${digits.replace(UUID_GROUPS, "$1-$2-$3-$4-$5")}`
        const saved = this.position
        this.position = headerEnd
        this.line(from, depth, text)
        this.position = saved
        return
      }
      default:
        throw new Fault(`unknown marker 0x${hexByte(marker)} at byte ${from}`)
    }
  }

  private string(from: number, depth: number, length: number): void {
    this.need(length)
    const headerEnd = this.position
    const text = new TextDecoder().decode(this.bytes.subarray(headerEnd, headerEnd + length))
    this.line(from, depth, `String(${length}) ${JSON.stringify(text)}`)
    this.position = headerEnd + length
  }

  private list(from: number, depth: number, size: number): void {
    this.line(from, depth, `List(${size})`)
    for (let i = 0; i < size; i++) this.value(depth + 1)
  }

  private map(from: number, depth: number, size: number): void {
    this.line(from, depth, `Map(${size})`)
    for (let i = 0; i < size; i++) {
      this.value(depth + 1)
      this.value(depth + 2)
    }
  }

  private struct(from: number, depth: number, size: number): void {
    this.need(1)
    const tag = this.bytes[this.position++]!
    const ascii = tag >= Layout.PRINTABLE_MIN && tag <= Layout.PRINTABLE_MAX ? ` '${String.fromCharCode(tag)}'` : ""
    this.line(from, depth, `Struct 0x${hexByte(tag)}${ascii} (${size} fields)`)
    for (let i = 0; i < size; i++) this.value(depth + 1)
  }
}

/**
 * Hex plus decoded structure of PackStream bytes (one or more consecutive values), for test failure
 * messages and debug logs.
 *
 * @since 0.1.0
 * @category formatting
 */
export const prettyPrint = (bytes: Uint8Array): string => {
  const printer = new Printer(bytes)
  try {
    while (printer.position < bytes.length) printer.value(0)
  } catch (error) {
    const message = error instanceof Fault ? error.message : String(error)
    printer.lines.push(`!! ${message}; rest: ${hexDump(bytes, printer.position)}`)
  }
  return [`${bytes.length} bytes: ${hexDump(bytes)}`, ...printer.lines].join("\n")
}
