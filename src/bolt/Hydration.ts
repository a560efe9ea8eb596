/**
 * Hydration (Bolt structure semantics): value structures read field by field straight into the
 * driver's value types, checking the field count against the negotiated options (element ids in
 * Bolt 5, UTC DateTime, vectors in 6.0). The PackStream reader calls it for every structure and
 * UUID; the fields are read in place through the reader's field readers, no array in between.
 *
 * A new Cypher type is hydrated here (a `case` in `hydrateStruct`), dehydrated in `Dehydration.ts`,
 * and its tag and field count are named in `packstream/Markers.ts`.
 *
 * @since 0.1.0
 */
import { Node, Path, PathSegment, Relationship, UnboundRelationship } from "../Neo4jGraph.ts"
import { Point } from "../Neo4jSpatial.ts"
import * as Neo4jTemporal from "../Neo4jTemporal.ts"
import { Uuid } from "../Neo4jUuid.ts"
import { UnsupportedType } from "../Neo4jValue.ts"
import { Vector } from "../Neo4jVector.ts"
import { PackStreamDecodeError } from "../packstream/Errors.ts"
import { StructSize, StructTag, VectorTypeMarker } from "../packstream/Markers.ts"
import type * as PackStream from "../packstream/Reader.ts"
import type { PackStreamReader } from "../packstream/Reader.ts"
import type { ValueCodecOptions } from "./ValueOptions.ts"

/**
 * A well-formed value the driver has no representation for (a DateTime in a time zone the runtime
 * does not know, a Duration beyond the safe integer range). Only the record holding it is lost:
 * the message around it decoded fine, so the connection stays usable.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnrepresentableValue extends PackStreamDecodeError {}

const unrepresentable = (r: PackStreamReader, message: string, at: number): UnrepresentableValue => {
  const error = r.fail(message, at)
  return new UnrepresentableValue(error.message, error.offset)
}

const Bounds = {
  NANOS_PER_SECOND: 1_000_000_000,
  NANOS_PER_DAY: 86_400_000_000_000,
  VECTOR_TYPE_BYTES: 1 // the element type marker is a 1-byte BYTES value
} as const

const hex = (byte: number): string => `0x${byte.toString(16).toUpperCase().padStart(2, "0")}`

const expectSize = (r: PackStreamReader, name: string, size: number, expected: number, at: number): void => {
  if (size !== expected) throw r.fail(`${name} structure has ${size} fields, expected ${expected}`, at)
}

const readNanosecond = (r: PackStreamReader, what: string): number => {
  const at = r.cursor
  const value = r.readSafeInteger(what)
  if (value < 0 || value >= Bounds.NANOS_PER_SECOND) throw r.fail(`${what} ${value} is not in 0..999999999`, at)
  return value
}

const readNanoOfDay = (r: PackStreamReader, what: string): number => {
  const at = r.cursor
  const value = r.readSafeInteger(what)
  if (value < 0 || value >= Bounds.NANOS_PER_DAY) throw r.fail(`${what} ${value} is not a nanosecond of a day`, at)
  return value
}

const readNode = (r: PackStreamReader, o: ValueCodecOptions, size: number, at: number): Node => {
  const elementIds = o.elementIds
  expectSize(r, "Node", size, elementIds ? StructSize.NODE_V5 : StructSize.NODE_V4, at)
  const identity = r.readIntegerValue("Node id")
  const labels = r.readKeyList("Node labels")
  const properties = r.readMapOf("Node properties")
  const elementId = elementIds ? r.readString("Node element id") : String(identity)
  return new Node(identity, labels, properties, elementId)
}

const readRelationship = (r: PackStreamReader, o: ValueCodecOptions, size: number, at: number): Relationship => {
  const elementIds = o.elementIds
  expectSize(r, "Relationship", size, elementIds ? StructSize.RELATIONSHIP_V5 : StructSize.RELATIONSHIP_V4, at)
  const identity = r.readIntegerValue("Relationship id")
  const start = r.readIntegerValue("Relationship start id")
  const end = r.readIntegerValue("Relationship end id")
  const type = r.readKey("Relationship type")
  const properties = r.readMapOf("Relationship properties")
  if (!elementIds) {
    return new Relationship(identity, start, end, type, properties, String(identity), String(start), String(end))
  }
  const elementId = r.readString("Relationship element id")
  const startElementId = r.readString("Relationship start element id")
  const endElementId = r.readString("Relationship end element id")
  return new Relationship(identity, start, end, type, properties, elementId, startElementId, endElementId)
}

const readUnbound = (r: PackStreamReader, o: ValueCodecOptions, size: number, at: number): UnboundRelationship => {
  const elementIds = o.elementIds
  expectSize(
    r,
    "UnboundRelationship",
    size,
    elementIds ? StructSize.UNBOUND_RELATIONSHIP_V5 : StructSize.UNBOUND_RELATIONSHIP_V4,
    at
  )
  const identity = r.readIntegerValue("Relationship id")
  const type = r.readKey("Relationship type")
  const properties = r.readMapOf("Relationship properties")
  const elementId = elementIds ? r.readString("Relationship element id") : String(identity)
  return new UnboundRelationship(identity, type, properties, elementId)
}

/** Path: the index sequence alternates a 1-based relationship index (negative: walked backwards) and a node index. */
const readPath = (r: PackStreamReader, size: number, at: number): Path => {
  expectSize(r, "Path", size, StructSize.PATH, at)
  const nodes = r.readListOf("Path nodes")
  const rels = r.readListOf("Path relationships")
  const sequenceAt = r.cursor
  const sequence = r.readListOf("Path index sequence")
  if (nodes.length === 0 || !nodes.every((n) => n instanceof Node)) throw r.fail("Path nodes must be Nodes", at)
  if (!rels.every((rel) => rel instanceof UnboundRelationship)) {
    throw r.fail("Path relationships must be UnboundRelationships", at)
  }
  if (sequence.length % 2 !== 0) throw r.fail("Path index sequence has an odd length", sequenceAt)
  const segments: Array<PathSegment> = []
  let previous = nodes[0] as Node
  for (let i = 0; i < sequence.length; i += 2) {
    const relIndex = Number(sequence[i])
    const nodeIndex = Number(sequence[i + 1])
    const relPosition = Math.abs(relIndex) - 1
    const next = nodes[nodeIndex]
    const unbound = rels[relPosition]
    if (!Number.isInteger(relIndex) || relIndex === 0 || !(next instanceof Node) ||
      !(unbound instanceof UnboundRelationship)) {
      throw r.fail(`Path index sequence entry ${i / 2} (${sequence[i]}, ${sequence[i + 1]}) is out of range`, sequenceAt)
    }
    const relationship = relIndex > 0 ? unbound.bind(previous, next) : unbound.bind(next, previous)
    segments.push(new PathSegment(previous, relationship, next))
    previous = next
  }
  return new Path(nodes[0] as Node, previous, segments)
}

const readPoint = (r: PackStreamReader, size: number, at: number, is3d: boolean): Point => {
  expectSize(r, is3d ? "Point3D" : "Point2D", size, is3d ? StructSize.POINT_3D : StructSize.POINT_2D, at)
  const srid = r.readSafeInteger("Point srid")
  const x = r.readFloat("Point x")
  const y = r.readFloat("Point y")
  return new Point(srid, x, y, is3d ? r.readFloat("Point z") : undefined)
}

const readZone = (r: PackStreamReader, zoned: boolean): number | string =>
  zoned ? r.readString("DateTime zone id") : r.readSafeInteger("DateTime offset")

const readDateTime = (
  r: PackStreamReader,
  o: ValueCodecOptions,
  tag: number,
  size: number,
  at: number
): Neo4jTemporal.DateTime => {
  const utc = tag === StructTag.DATE_TIME || tag === StructTag.DATE_TIME_ZONE_ID
  if (utc !== o.utcDateTime) {
    throw r.fail(
      `DateTime structure ${hex(tag)} is not used by this protocol version (${utc ? "legacy" : "UTC"} DateTime expected)`,
      at
    )
  }
  expectSize(r, "DateTime", size, StructSize.DATE_TIME, at)
  const seconds = r.readIntegerExact("DateTime seconds")
  const nanosecond = readNanosecond(r, "DateTime nanosecond")
  const zone = readZone(r, tag === StructTag.DATE_TIME_ZONE_ID || tag === StructTag.LEGACY_DATE_TIME_ZONE_ID)
  try {
    return utc
      ? Neo4jTemporal.DateTime.fromEpochSecond(seconds, nanosecond, zone)
      : Neo4jTemporal.DateTime.fromLocalEpochSecond(seconds, nanosecond, zone)
  } catch {
    throw unrepresentable(r, `DateTime with unknown time zone ${JSON.stringify(zone)}`, at)
  }
}

const vectorElementSize = (marker: number): number => {
  switch (marker) {
    case VectorTypeMarker.INT8:
      return Int8Array.BYTES_PER_ELEMENT
    case VectorTypeMarker.INT16:
      return Int16Array.BYTES_PER_ELEMENT
    case VectorTypeMarker.INT32:
    case VectorTypeMarker.FLOAT32:
      return Int32Array.BYTES_PER_ELEMENT
    case VectorTypeMarker.INT64:
    case VectorTypeMarker.FLOAT64:
      return Float64Array.BYTES_PER_ELEMENT
    default:
      return 0
  }
}

/** Vector: BYTES holding the element type marker, then BYTES of big-endian elements. */
const readVector = (r: PackStreamReader, size: number, at: number): Vector => {
  expectSize(r, "Vector", size, StructSize.VECTOR, at)
  const type = r.readBytesInPlace("Vector element type")
  const marker = type.length === Bounds.VECTOR_TYPE_BYTES ? type.data.getUint8(type.start) : -1
  const elementSize = vectorElementSize(marker)
  if (elementSize === 0) throw r.fail("Vector element type is not one of INT8/16/32/64, FLOAT32/64", at)
  const body = r.readBytesInPlace("Vector data")
  if (body.length % elementSize !== 0) {
    throw r.fail(`Vector data of ${body.length} bytes is not a whole number of ${elementSize}-byte elements`, at)
  }
  const { data, start } = body
  const count = body.length / elementSize
  switch (marker) {
    case VectorTypeMarker.INT8: {
      const values = new Int8Array(count)
      for (let i = 0; i < count; i++) values[i] = data.getInt8(start + i)
      return new Vector(values)
    }
    case VectorTypeMarker.INT16: {
      const values = new Int16Array(count)
      for (let i = 0; i < count; i++) values[i] = data.getInt16(start + i * elementSize)
      return new Vector(values)
    }
    case VectorTypeMarker.INT32: {
      const values = new Int32Array(count)
      for (let i = 0; i < count; i++) values[i] = data.getInt32(start + i * elementSize)
      return new Vector(values)
    }
    case VectorTypeMarker.INT64: {
      const values = new BigInt64Array(count)
      for (let i = 0; i < count; i++) values[i] = data.getBigInt64(start + i * elementSize)
      return new Vector(values)
    }
    case VectorTypeMarker.FLOAT32: {
      const values = new Float32Array(count)
      for (let i = 0; i < count; i++) values[i] = data.getFloat32(start + i * elementSize)
      return new Vector(values)
    }
    default: {
      const values = new Float64Array(count)
      for (let i = 0; i < count; i++) values[i] = data.getFloat64(start + i * elementSize)
      return new Vector(values)
    }
  }
}

const readUnsupported = (r: PackStreamReader, size: number, at: number): UnsupportedType => {
  expectSize(r, "UnsupportedType", size, StructSize.UNSUPPORTED_TYPE, at)
  const name = r.readString("UnsupportedType name")
  const major = r.readSafeInteger("UnsupportedType minimum protocol major")
  const minor = r.readSafeInteger("UnsupportedType minimum protocol minor")
  const extra = r.readMapOf("UnsupportedType extra")
  const message = typeof extra["message"] === "string" ? extra["message"] : undefined
  return new UnsupportedType(name, major, minor, message)
}

/**
 * Reads the fields of a structure whose marker and tag were consumed, into its value type.
 *
 * @since 0.1.0
 * @category decoding
 */
export const hydrateStruct = (r: PackStreamReader, o: ValueCodecOptions, tag: number, size: number, at: number): unknown => {
  switch (tag) {
    case StructTag.NODE:
      return readNode(r, o, size, at)
    case StructTag.RELATIONSHIP:
      return readRelationship(r, o, size, at)
    case StructTag.UNBOUND_RELATIONSHIP:
      return readUnbound(r, o, size, at)
    case StructTag.PATH:
      return readPath(r, size, at)
    case StructTag.POINT_2D:
      return readPoint(r, size, at, false)
    case StructTag.POINT_3D:
      return readPoint(r, size, at, true)
    case StructTag.DATE:
      expectSize(r, "Date", size, StructSize.DATE, at)
      return new Neo4jTemporal.Date(r.readSafeInteger("Date days"))
    case StructTag.TIME: {
      expectSize(r, "Time", size, StructSize.TIME, at)
      const nanoOfDay = readNanoOfDay(r, "Time nanoseconds")
      return new Neo4jTemporal.Time(nanoOfDay, r.readSafeInteger("Time offset"))
    }
    case StructTag.LOCAL_TIME:
      expectSize(r, "LocalTime", size, StructSize.LOCAL_TIME, at)
      return new Neo4jTemporal.LocalTime(readNanoOfDay(r, "LocalTime nanoseconds"))
    case StructTag.LOCAL_DATE_TIME: {
      expectSize(r, "LocalDateTime", size, StructSize.LOCAL_DATE_TIME, at)
      const seconds = r.readIntegerExact("LocalDateTime seconds")
      return Neo4jTemporal.LocalDateTime.fromEpochSecond(seconds, readNanosecond(r, "LocalDateTime nanosecond"))
    }
    case StructTag.DATE_TIME:
    case StructTag.DATE_TIME_ZONE_ID:
    case StructTag.LEGACY_DATE_TIME:
    case StructTag.LEGACY_DATE_TIME_ZONE_ID:
      return readDateTime(r, o, tag, size, at)
    case StructTag.DURATION: {
      expectSize(r, "Duration", size, StructSize.DURATION, at)
      const fields = [
        r.readIntegerExact("Duration months"),
        r.readIntegerExact("Duration days"),
        r.readIntegerExact("Duration seconds"),
        r.readIntegerExact("Duration nanoseconds")
      ]
      if (fields.some((f) => typeof f !== "number" || !Number.isSafeInteger(f))) {
        throw unrepresentable(r, `Duration beyond the safe integer range (${fields.join(", ")})`, at)
      }
      const [months, days, seconds, nanoseconds] = fields as Array<number>
      return new Neo4jTemporal.Duration(months!, days!, seconds!, nanoseconds!)
    }
    case StructTag.VECTOR:
      if (!o.vectors) throw r.fail("Vector structure before Bolt 6.0", at)
      return readVector(r, size, at)
    case StructTag.UNSUPPORTED_TYPE:
      if (!o.vectors) throw r.fail("UnsupportedType structure before Bolt 6.0", at)
      return readUnsupported(r, size, at)
    default:
      throw r.fail(`unknown structure tag ${hex(tag)} (${size} fields)`, at)
  }
}

/**
 * The hydrator of a connection: structures into the value types its options allow, UUIDs into
 * `Neo4jUuid.Uuid`.
 *
 * @since 0.1.0
 * @category decoding
 */
export class Hydrator implements PackStream.Hydrator {
  readonly options: ValueCodecOptions
  constructor(options: ValueCodecOptions) {
    this.options = options
  }
  hydrateStruct(reader: PackStreamReader, tag: number, size: number, at: number): unknown {
    return hydrateStruct(reader, this.options, tag, size, at)
  }
  hydrateUuid(bytes: Uint8Array): Uuid {
    return new Uuid(bytes)
  }
}
