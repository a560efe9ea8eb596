/**
 * TestKit's Cypher values (`{name: "CypherInt", data: {value}}`, nutkit/protocol/cypher.py) to and
 * from the driver's values. Integers stay lossless: the backend parses JSON with the source text of
 * each number (so `CypherInt` beyond 2^53 arrives as a bigint) and the driver runs with
 * `integers: "bigint"`, which also keeps a returned INTEGER apart from a returned FLOAT.
 */
import { Neo4jGraph, Neo4jSpatial, Neo4jTemporal, Neo4jValue } from "../../src/index.ts"

/** A TestKit protocol object. */
export interface Tagged {
  readonly name: string
  readonly data: Record<string, unknown>
}

/** Thrown for a value TestKit sent that the driver has no counterpart for. */
export class UnsupportedValue extends Error {}

const int = (u: unknown): number => Number(u)

const SRIDS: Record<string, number> = { cartesian: 7203, wgs84: 4326 }
const SRIDS_3D: Record<string, number> = { cartesian: 9157, wgs84: 4979 }

/** A TestKit parameter to the value the driver sends. */
export const toDriver = (value: Tagged): unknown => {
  const d = value.data
  switch (value.name) {
    case "CypherNull":
      return null
    case "CypherBool":
    case "CypherString":
      return d.value
    case "CypherInt":
      return typeof d.value === "bigint" ? d.value : BigInt(d.value as number)
    case "CypherFloat": {
      const v = d.value
      const n = v === "NaN" ? Number.NaN : v === "+Infinity" ? Infinity : v === "-Infinity" ? -Infinity : Number(v)
      return Neo4jValue.float(n)
    }
    case "CypherBytes": {
      const hex = String(d.value).trim()
      return hex === "" ? new Uint8Array(0) : Uint8Array.from(hex.split(/\s+/), (h) => parseInt(h, 16))
    }
    case "CypherList":
      return (d.value as Array<Tagged>).map(toDriver)
    case "CypherMap":
      return Object.fromEntries(Object.entries(d.value as Record<string, Tagged>).map(([k, v]) => [k, toDriver(v)]))
    case "CypherPoint": {
      const system = String(d.system)
      return d.z === undefined || d.z === null
        ? new Neo4jSpatial.Point(SRIDS[system] ?? 0, int(d.x), int(d.y))
        : new Neo4jSpatial.Point(SRIDS_3D[system] ?? 0, int(d.x), int(d.y), int(d.z))
    }
    case "CypherDate":
      return Neo4jTemporal.Date.of({ year: int(d.year), month: int(d.month), day: int(d.day) })
    case "CypherTime": {
      const fields = { hour: int(d.hour), minute: int(d.minute), second: int(d.second), nanosecond: int(d.nanosecond) }
      return d.utc_offset_s === undefined || d.utc_offset_s === null
        ? Neo4jTemporal.LocalTime.of(fields)
        : Neo4jTemporal.Time.of({ ...fields, offsetSeconds: int(d.utc_offset_s) })
    }
    case "CypherDateTime": {
      const fields = {
        year: int(d.year),
        month: int(d.month),
        day: int(d.day),
        hour: int(d.hour),
        minute: int(d.minute),
        second: int(d.second),
        nanosecond: int(d.nanosecond)
      }
      const local = Neo4jTemporal.LocalDateTime.of(fields)
      if (d.utc_offset_s === undefined || d.utc_offset_s === null) {
        if (d.timezone_id !== undefined && d.timezone_id !== null) {
          throw new UnsupportedValue("a zoned date-time without an offset is ambiguous")
        }
        return local
      }
      const offset = int(d.utc_offset_s)
      return d.timezone_id === undefined || d.timezone_id === null
        ? new Neo4jTemporal.DateTime(local.epochDay, local.nanosecondOfDay, offset)
        : new Neo4jTemporal.DateTime(local.epochDay, local.nanosecondOfDay, offset, String(d.timezone_id))
    }
    case "CypherDuration":
      return new Neo4jTemporal.Duration(int(d.months), int(d.days), int(d.seconds), int(d.nanoseconds))
    default:
      throw new UnsupportedValue(`no driver value for TestKit's ${value.name}`)
  }
}

/** A TestKit parameter map to driver parameters. */
export const paramsToDriver = (params: unknown): Record<string, unknown> =>
  params === null || params === undefined
    ? {}
    : Object.fromEntries(Object.entries(params as Record<string, Tagged>).map(([k, v]) => [k, toDriver(v)]))

const tag = (name: string, data: Record<string, unknown>): Tagged => ({ name, data })
const cInt = (v: number | bigint): Tagged => tag("CypherInt", { value: v })
const props = (p: Readonly<Record<string, unknown>>): Tagged => fromDriver(p)

const node = (n: Neo4jGraph.Node): Tagged =>
  tag("Node", {
    id: cInt(n.identity),
    labels: fromDriver(n.labels),
    props: props(n.properties),
    elementId: tag("CypherString", { value: n.elementId })
  })

const relationship = (r: Neo4jGraph.Relationship): Tagged =>
  tag("Relationship", {
    id: cInt(r.identity),
    startNodeId: cInt(r.start),
    endNodeId: cInt(r.end),
    type: tag("CypherString", { value: r.type }),
    props: props(r.properties),
    elementId: tag("CypherString", { value: r.elementId }),
    startNodeElementId: tag("CypherString", { value: r.startNodeElementId }),
    endNodeElementId: tag("CypherString", { value: r.endNodeElementId })
  })

const SYSTEMS: Record<number, string> = { 7203: "cartesian", 9157: "cartesian", 4326: "wgs84", 4979: "wgs84" }

const floatValue = (n: number): number | string =>
  Number.isNaN(n) ? "NaN" : n === Infinity ? "+Infinity" : n === -Infinity ? "-Infinity" : n

/** A driver value to TestKit's form (the backend serialises bigints losslessly). */
export const fromDriver = (value: unknown): Tagged => {
  if (value === null || value === undefined) return tag("CypherNull", {})
  switch (typeof value) {
    case "boolean":
      return tag("CypherBool", { value })
    case "string":
      return tag("CypherString", { value })
    case "bigint":
      return cInt(value)
    case "number":
      return tag("CypherFloat", { value: floatValue(value) })
  }
  if (Neo4jValue.isFloat(value)) return tag("CypherFloat", { value: floatValue(value.value) })
  if (Array.isArray(value)) return tag("CypherList", { value: value.map(fromDriver) })
  if (value instanceof Uint8Array) {
    return tag("CypherBytes", { value: Array.from(value, (b) => b.toString(16).padStart(2, "0")).join(" ") })
  }
  if (Neo4jGraph.isNode(value)) return node(value)
  if (Neo4jGraph.isRelationship(value)) return relationship(value)
  if (Neo4jGraph.isPath(value)) {
    const nodes = [value.start, ...value.segments.map((s) => s.end)]
    return tag("Path", {
      nodes: tag("CypherList", { value: nodes.map(node) }),
      relationships: tag("CypherList", { value: value.segments.map((s) => relationship(s.relationship)) })
    })
  }
  if (Neo4jSpatial.isPoint(value)) {
    return tag("CypherPoint", {
      system: SYSTEMS[value.srid] ?? String(value.srid),
      x: value.x,
      y: value.y,
      ...(value.z === undefined ? {} : { z: value.z })
    })
  }
  if (Neo4jTemporal.isDate(value)) return tag("CypherDate", { year: value.year, month: value.month, day: value.day })
  if (Neo4jTemporal.isLocalTime(value)) {
    return tag("CypherTime", { hour: value.hour, minute: value.minute, second: value.second, nanosecond: value.nanosecond })
  }
  if (Neo4jTemporal.isTime(value)) {
    return tag("CypherTime", {
      hour: value.hour,
      minute: value.minute,
      second: value.second,
      nanosecond: value.nanosecond,
      utc_offset_s: value.offsetSeconds
    })
  }
  if (Neo4jTemporal.isLocalDateTime(value) || Neo4jTemporal.isDateTime(value)) {
    const fields: Record<string, unknown> = {
      year: value.year,
      month: value.month,
      day: value.day,
      hour: value.hour,
      minute: value.minute,
      second: value.second,
      nanosecond: value.nanosecond
    }
    if (Neo4jTemporal.isDateTime(value)) {
      fields.utc_offset_s = value.offsetSeconds
      if (value.zoneId !== undefined) fields.timezone_id = value.zoneId
    }
    return tag("CypherDateTime", fields)
  }
  if (Neo4jTemporal.isDuration(value)) {
    return tag("CypherDuration", {
      months: value.months,
      days: value.days,
      seconds: value.seconds,
      nanoseconds: value.nanoseconds
    })
  }
  if (typeof value === "object") {
    return tag("CypherMap", {
      value: Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fromDriver(v)]))
    })
  }
  throw new UnsupportedValue(`no TestKit form for ${String(value)}`)
}
