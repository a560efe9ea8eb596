/**
 * Dehydration: the value types (and JS `Date`, and the `Neo4jValue.float` wrapper) written as their
 * structures or PackStream values, as the negotiated options allow. The PackStream writer hands
 * over every object that is not a plain object, array, `Map` or `Uint8Array`; anything else that
 * reaches here has no Cypher type and fails with its path.
 *
 * @since 0.1.0
 */
import { Node, Path, Relationship, UnboundRelationship } from "../Neo4jGraph.ts"
import { Point } from "../Neo4jSpatial.ts"
import * as Neo4jTemporal from "../Neo4jTemporal.ts"
import { Uuid } from "../Neo4jUuid.ts"
import { Float, UnsupportedType, type Integer } from "../Neo4jValue.ts"
import { Vector } from "../Neo4jVector.ts"
import { EncodeFailure } from "../packstream/Errors.ts"
import { Limit, StructSize, StructTag, VectorTypeMarker } from "../packstream/Markers.ts"
import type * as PackStream from "../packstream/Writer.ts"
import type { PackStreamWriter } from "../packstream/Writer.ts"
import type { ValueCodecOptions } from "./ValueOptions.ts"

const Time = {
  MILLIS_PER_SECOND: 1_000,
  NANOS_PER_MILLI: 1_000_000
} as const

const writeInt = (w: PackStreamWriter, value: Integer, what: string): void => {
  if (typeof value === "number" ? !Number.isInteger(value) : value < Limit.INT64_MIN || value > Limit.INT64_MAX) {
    throw new EncodeFailure(`${what} must be an integer (int64), got ${value}`)
  }
  w.writeInteger(value)
}

const writeJsDate = (w: PackStreamWriter, options: ValueCodecOptions, date: globalThis.Date): void => {
  const ms = date.getTime()
  if (Number.isNaN(ms)) throw new EncodeFailure("Invalid Date is not a Cypher value")
  const second = Math.floor(ms / Time.MILLIS_PER_SECOND)
  // offset 0: local seconds and UTC seconds coincide, so the legacy struct carries the same numbers
  w.writeStructHeader(options.utcDateTime ? StructTag.DATE_TIME : StructTag.LEGACY_DATE_TIME, StructSize.DATE_TIME)
  w.writeSafeInteger(second)
  w.writeSafeInteger((ms - second * Time.MILLIS_PER_SECOND) * Time.NANOS_PER_MILLI)
  w.writeSafeInteger(0)
}

const writeDateTime = (w: PackStreamWriter, options: ValueCodecOptions, value: Neo4jTemporal.DateTime): void => {
  const zoned = value.zoneId !== undefined
  const tag = options.utcDateTime
    ? (zoned ? StructTag.DATE_TIME_ZONE_ID : StructTag.DATE_TIME)
    : (zoned ? StructTag.LEGACY_DATE_TIME_ZONE_ID : StructTag.LEGACY_DATE_TIME)
  w.writeStructHeader(tag, StructSize.DATE_TIME)
  writeInt(w, options.utcDateTime ? value.epochSecond : value.localEpochSecond, "DateTime seconds")
  writeInt(w, value.nanosecond, "DateTime nanosecond")
  if (value.zoneId !== undefined) w.writeString(value.zoneId)
  else writeInt(w, value.offsetSeconds, "DateTime offset")
}

const writeVector = (w: PackStreamWriter, vector: Vector): void => {
  const values = vector.values
  const count = values.length
  w.writeStructHeader(StructTag.VECTOR, StructSize.VECTOR)
  w.writeBytes(Uint8Array.of(VectorTypeMarker[vector.elementType]))
  // PackStream is big-endian; typed arrays use the host's order, so copy element by element.
  const elementSize = values.BYTES_PER_ELEMENT
  w.writeBytesHeader(count * elementSize)
  const { data, offset } = w.rawBytes(count * elementSize)
  switch (vector.elementType) {
    case "INT8":
      for (let i = 0; i < count; i++) data.setInt8(offset + i, (values as Int8Array)[i]!)
      break
    case "INT16":
      for (let i = 0; i < count; i++) data.setInt16(offset + i * elementSize, (values as Int16Array)[i]!)
      break
    case "INT32":
      for (let i = 0; i < count; i++) data.setInt32(offset + i * elementSize, (values as Int32Array)[i]!)
      break
    case "INT64":
      for (let i = 0; i < count; i++) data.setBigInt64(offset + i * elementSize, (values as BigInt64Array)[i]!)
      break
    case "FLOAT32":
      for (let i = 0; i < count; i++) data.setFloat32(offset + i * elementSize, (values as Float32Array)[i]!)
      break
    case "FLOAT64":
      for (let i = 0; i < count; i++) data.setFloat64(offset + i * elementSize, (values as Float64Array)[i]!)
      break
  }
}

const writeNode = (w: PackStreamWriter, options: ValueCodecOptions, node: Node): void => {
  w.writeStructHeader(StructTag.NODE, options.elementIds ? StructSize.NODE_V5 : StructSize.NODE_V4)
  writeInt(w, node.identity, "Node id")
  w.encode(node.labels)
  w.encode(node.properties)
  if (options.elementIds) w.writeString(node.elementId)
}

const writeRelationship = (w: PackStreamWriter, options: ValueCodecOptions, rel: Relationship): void => {
  w.writeStructHeader(
    StructTag.RELATIONSHIP,
    options.elementIds ? StructSize.RELATIONSHIP_V5 : StructSize.RELATIONSHIP_V4
  )
  writeInt(w, rel.identity, "Relationship id")
  writeInt(w, rel.start, "Relationship start id")
  writeInt(w, rel.end, "Relationship end id")
  w.writeString(rel.type)
  w.encode(rel.properties)
  if (options.elementIds) {
    w.writeString(rel.elementId)
    w.writeString(rel.startNodeElementId)
    w.writeString(rel.endNodeElementId)
  }
}

const writeUnbound = (
  w: PackStreamWriter,
  options: ValueCodecOptions,
  rel: UnboundRelationship | Relationship
): void => {
  w.writeStructHeader(
    StructTag.UNBOUND_RELATIONSHIP,
    options.elementIds ? StructSize.UNBOUND_RELATIONSHIP_V5 : StructSize.UNBOUND_RELATIONSHIP_V4
  )
  writeInt(w, rel.identity, "Relationship id")
  w.writeString(rel.type)
  w.encode(rel.properties)
  if (options.elementIds) w.writeString(rel.elementId)
}

/** Path: distinct nodes, distinct relationships, then (relationship index, node index) pairs. */
const writePath = (w: PackStreamWriter, options: ValueCodecOptions, path: Path): void => {
  const nodes: Array<Node> = [path.start]
  const nodeIndex = new Map<string, number>([[path.start.elementId, 0]])
  const rels: Array<Relationship> = []
  const relIndex = new Map<string, number>()
  const sequence: Array<number> = []
  for (const segment of path.segments) {
    let r = relIndex.get(segment.relationship.elementId)
    if (r === undefined) {
      r = rels.length
      rels.push(segment.relationship)
      relIndex.set(segment.relationship.elementId, r)
    }
    let n = nodeIndex.get(segment.end.elementId)
    if (n === undefined) {
      n = nodes.length
      nodes.push(segment.end)
      nodeIndex.set(segment.end.elementId, n)
    }
    const forward = segment.relationship.startNodeElementId === segment.start.elementId
    sequence.push(forward ? r + 1 : -(r + 1), n)
  }
  w.writeStructHeader(StructTag.PATH, StructSize.PATH)
  w.writeListHeader(nodes.length)
  for (const node of nodes) writeNode(w, options, node)
  w.writeListHeader(rels.length)
  for (const rel of rels) writeUnbound(w, options, rel)
  w.writeListHeader(sequence.length)
  for (const index of sequence) w.writeSafeInteger(index)
}

const graphTypeError = (what: string): EncodeFailure =>
  new EncodeFailure(`a ${what} cannot be a query parameter; pass its elementId (or properties) and MATCH it`)

/** A plain object from another realm (a `vm` context, an iframe): its prototype is that realm's `Object.prototype`. */
const isForeignPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null
  return proto !== null && Object.getPrototypeOf(proto) === null && proto.constructor?.name === "Object" &&
    Object.prototype.toString.call(value) === "[object Object]"
}

const describe = (value: object): string => {
  const name = value.constructor?.name
  return name ? `an instance of ${name}` : "an object with a custom prototype"
}

/**
 * Writes a non-plain object: value types, JS `Date`, or fails naming what it got.
 *
 * @since 0.1.0
 * @category encoding
 */
export const writeObjectValue = (w: PackStreamWriter, options: ValueCodecOptions, value: object): void => {
  if (value instanceof Float) return w.writeFloat(value.value)
  if (value instanceof globalThis.Date) return writeJsDate(w, options, value)
  if (value instanceof Neo4jTemporal.DateTime) return writeDateTime(w, options, value)
  if (value instanceof Neo4jTemporal.Date) {
    w.writeStructHeader(StructTag.DATE, StructSize.DATE)
    return writeInt(w, value.epochDay, "Date epochDay")
  }
  if (value instanceof Neo4jTemporal.LocalDateTime) {
    w.writeStructHeader(StructTag.LOCAL_DATE_TIME, StructSize.LOCAL_DATE_TIME)
    writeInt(w, value.epochSecond, "LocalDateTime seconds")
    return writeInt(w, value.nanosecond, "LocalDateTime nanosecond")
  }
  if (value instanceof Neo4jTemporal.Time) {
    w.writeStructHeader(StructTag.TIME, StructSize.TIME)
    writeInt(w, value.nanosecondOfDay, "Time nanosecondOfDay")
    return writeInt(w, value.offsetSeconds, "Time offset")
  }
  if (value instanceof Neo4jTemporal.LocalTime) {
    w.writeStructHeader(StructTag.LOCAL_TIME, StructSize.LOCAL_TIME)
    return writeInt(w, value.nanosecondOfDay, "LocalTime nanosecondOfDay")
  }
  if (value instanceof Neo4jTemporal.Duration) {
    w.writeStructHeader(StructTag.DURATION, StructSize.DURATION)
    writeInt(w, value.months, "Duration months")
    writeInt(w, value.days, "Duration days")
    writeInt(w, value.seconds, "Duration seconds")
    return writeInt(w, value.nanoseconds, "Duration nanoseconds")
  }
  if (value instanceof Point) {
    const is3d = value.z !== undefined
    w.writeStructHeader(is3d ? StructTag.POINT_3D : StructTag.POINT_2D, is3d ? StructSize.POINT_3D : StructSize.POINT_2D)
    writeInt(w, value.srid, "Point srid")
    w.writeFloat(value.x)
    w.writeFloat(value.y)
    if (value.z !== undefined) w.writeFloat(value.z)
    return
  }
  if (value instanceof Vector) {
    if (!options.vectors) throw new EncodeFailure("a Vector needs Bolt 6.0 or later; this connection speaks an older version")
    return writeVector(w, value)
  }
  if (value instanceof Uuid) {
    if (!options.uuids) {
      throw new EncodeFailure("a UUID value needs Bolt 6.1 or later; send uuid.toString() on this connection")
    }
    return w.writeUuidBytes(value.bytes)
  }
  if (value instanceof UnsupportedType) throw new EncodeFailure(`an UnsupportedType (${value.name}) cannot be sent`)
  if (value instanceof Node) {
    if (!options.encodeGraphTypes) throw graphTypeError("Node")
    return writeNode(w, options, value)
  }
  if (value instanceof Relationship) {
    if (!options.encodeGraphTypes) throw graphTypeError("Relationship")
    return writeRelationship(w, options, value)
  }
  if (value instanceof UnboundRelationship) {
    if (!options.encodeGraphTypes) throw graphTypeError("Relationship")
    return writeUnbound(w, options, value)
  }
  if (value instanceof Path) {
    if (!options.encodeGraphTypes) throw graphTypeError("Path")
    return writePath(w, options, value)
  }
  if (ArrayBuffer.isView(value)) {
    throw new EncodeFailure(`${describe(value)} is not a Cypher value (use a Uint8Array for bytes, Neo4jVector.Vector for vectors, or an array)`)
  }
  if (value instanceof Set) throw new EncodeFailure("a Set is not a Cypher value (use an array)")
  if (isForeignPlainObject(value)) return w.encodeRecord(value as Record<string, unknown>)
  throw new EncodeFailure(`${describe(value)} is not a Cypher value (use a plain object, a Map with string keys, or a driver value type)`)
}

/**
 * The dehydrator of a connection (see `ValueCodec.dehydrator`).
 *
 * @since 0.1.0
 * @category encoding
 */
export class Dehydrator implements PackStream.Dehydrator {
  readonly options: ValueCodecOptions
  constructor(options: ValueCodecOptions) {
    this.options = options
  }
  dehydrate(writer: PackStreamWriter, value: object): void {
    writeObjectValue(writer, this.options, value)
  }
}
