/**
 * What the PackStream layer itself must know about a connection: the integer policy and whether the
 * UUID marker (PackStream v2, Bolt 6.1) may appear. Everything about structures (element ids, UTC
 * DateTime, vectors) is the hydrator's business, one layer up (`bolt/ValueCodec.ts`).
 *
 * @since 0.1.0
 */

/**
 * Options of the PackStream reader.
 *
 * @since 0.1.0
 * @category models
 */
export interface PackStreamOptions {
  /** `auto`: a decoded INTEGER is a `number` when |n| <= 2^53-1 and a `bigint` otherwise; `bigint`: always a `bigint`. */
  readonly integers: "auto" | "bigint"
  /** PackStream v2 (Bolt 6.1+): UUID marker 0xE0 with 16 bytes. Before that the marker is malformed input. */
  readonly uuids: boolean
}

/**
 * Plain PackStream v1 with the `auto` integer policy.
 *
 * @since 0.1.0
 * @category constants
 */
export const packStreamV1: PackStreamOptions = { integers: "auto", uuids: false }
