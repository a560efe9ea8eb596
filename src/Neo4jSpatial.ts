/**
 * Spatial values: `Point` in 2D or 3D with its coordinate reference system (SRID).
 *
 * @since 0.1.0
 */
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"

/**
 * The coordinate reference systems Neo4j knows (Cypher manual, "Spatial values").
 *
 * @since 0.1.0
 * @category constants
 */
export const Srid = {
  CARTESIAN: 7203, // cartesian, 2D (x, y)
  CARTESIAN_3D: 9157, // cartesian-3d (x, y, z)
  WGS84: 4326, // wgs-84, 2D (longitude, latitude)
  WGS84_3D: 4979 // wgs-84-3d (longitude, latitude, height in metres)
} as const

const formatCoordinate = (n: number): string => (Number.isInteger(n) ? `${n}.0` : String(n))

/**
 * A point: SRID and coordinates; `z` is `undefined` for 2D points.
 *
 * @since 0.1.0
 * @category models
 */
export class Point implements Equal.Equal {
  readonly srid: number
  readonly x: number
  readonly y: number
  readonly z: number | undefined
  constructor(srid: number, x: number, y: number, z?: number | undefined) {
    this.srid = srid
    this.x = x
    this.y = y
    this.z = z
  }
  /** A 2D cartesian point (SRID 7203). */
  static cartesian(x: number, y: number): Point {
    return new Point(Srid.CARTESIAN, x, y)
  }
  /** A 3D cartesian point (SRID 9157). */
  static cartesian3d(x: number, y: number, z: number): Point {
    return new Point(Srid.CARTESIAN_3D, x, y, z)
  }
  /** A 2D geographic point (SRID 4326): `x` is the longitude, `y` the latitude. */
  static wgs84(longitude: number, latitude: number): Point {
    return new Point(Srid.WGS84, longitude, latitude)
  }
  /** A 3D geographic point (SRID 4979) with the height in metres. */
  static wgs84_3d(longitude: number, latitude: number, height: number): Point {
    return new Point(Srid.WGS84_3D, longitude, latitude, height)
  }
  get _tag(): "Point" {
    return "Point"
  }
  /** 2 or 3. */
  get dimension(): 2 | 3 {
    return this.z === undefined ? 2 : 3
  }
  /** Like Cypher prints it: `point({srid:4326, x:12.5, y:56.0})`. */
  toString(): string {
    const z = this.z === undefined ? "" : `, z:${formatCoordinate(this.z)}`
    return `point({srid:${this.srid}, x:${formatCoordinate(this.x)}, y:${formatCoordinate(this.y)}${z}})`
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof Point && this.srid === that.srid && Equal.equals(this.x, that.x) &&
      Equal.equals(this.y, that.y) && Equal.equals(this.z, that.z)
  }
  [Hash.symbol](): number {
    return Hash.combine(Hash.number(this.srid), Hash.combine(Hash.number(this.x), Hash.number(this.y)))
  }
}

/**
 * Whether a value is a `Point`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isPoint = (u: unknown): u is Point => u instanceof Point
