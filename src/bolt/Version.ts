/**
 * Bolt protocol versions: the ones this driver speaks, how they are written in the handshake, and
 * how they compare.
 *
 * @since 0.1.0
 */

/**
 * A Bolt protocol version, `major.minor`.
 *
 * @since 0.1.0
 * @category models
 */
export interface BoltVersion {
  readonly major: number
  readonly minor: number
}

/**
 * Builds a version value.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (major: number, minor: number): BoltVersion => ({ major, minor })

/**
 * The versions this driver negotiates, best first. Bolt 5.5 is absent on purpose: no server ever
 * negotiates it (PROTOCOL-NOTES, "Bolt 5.5 is never negotiated by any server").
 *
 * @since 0.1.0
 * @category constants
 */
export const SUPPORTED: ReadonlyArray<BoltVersion> = [
  make(6, 1),
  make(6, 0),
  make(5, 8),
  make(5, 7),
  make(5, 6),
  make(5, 4),
  make(5, 3),
  make(5, 2),
  make(5, 1),
  make(5, 0),
  make(4, 4)
]

/**
 * Orders versions: negative when `a` is older than `b`, zero when equal.
 *
 * @since 0.1.0
 * @category ordering
 */
export const compare = (a: BoltVersion, b: BoltVersion): number =>
  a.major !== b.major ? a.major - b.major : a.minor - b.minor

/**
 * Whether `v` is at least `major.minor`.
 *
 * @since 0.1.0
 * @category predicates
 */
export const atLeast = (v: BoltVersion, major: number, minor: number): boolean =>
  v.major !== major ? v.major > major : v.minor >= minor

/**
 * Whether two versions are the same.
 *
 * @since 0.1.0
 * @category predicates
 */
export const equals = (a: BoltVersion, b: BoltVersion): boolean => a.major === b.major && a.minor === b.minor

/**
 * Whether this driver speaks `v`.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isSupported = (v: BoltVersion): boolean => SUPPORTED.some((s) => equals(s, v))

/**
 * `"5.8"`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (v: BoltVersion): string => `${v.major}.${v.minor}`
