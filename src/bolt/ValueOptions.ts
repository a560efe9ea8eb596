/**
 * What the value codec of a connection may read and write, as data: chosen once at handshake from
 * the negotiated Bolt version (`Capabilities.codecOptions`).
 *
 * @since 0.1.0
 */
import type { PackStreamOptions } from "../packstream/Options.ts"

/**
 * Capabilities and policies of the value codec, chosen once at handshake from the negotiated Bolt
 * version (and, for the integer policy, from the user's configuration).
 *
 * @since 0.1.0
 * @category models
 */
export interface ValueCodecOptions extends PackStreamOptions {
  /** Bolt 5.0+ (or 4.4 with the `utc` patch): DateTime structs 0x49/0x69; else legacy 0x46/0x66 (local seconds). */
  readonly utcDateTime: boolean
  /** Bolt 5.0+: Node / Relationship / UnboundRelationship carry string element ids. */
  readonly elementIds: boolean
  /** Bolt 6.0+: Vector struct 0x56 and UnsupportedType struct 0x3F. */
  readonly vectors: boolean
  /**
   * Let the dehydrator encode Node, Relationship, UnboundRelationship and Path (for stub servers
   * and tests). The server rejects them as parameters, so by default writing one is an encode error.
   */
  readonly encodeGraphTypes?: boolean | undefined
}

/**
 * Options of a Bolt 5.x connection (element ids, UTC DateTime, no vectors or UUIDs).
 *
 * @since 0.1.0
 * @category constants
 */
export const bolt5Options: ValueCodecOptions = {
  utcDateTime: true,
  elementIds: true,
  vectors: false,
  uuids: false,
  integers: "auto"
}

/**
 * Options of a Bolt 4.4 connection without the `utc` patch.
 *
 * @since 0.1.0
 * @category constants
 */
export const bolt44Options: ValueCodecOptions = {
  utcDateTime: false,
  elementIds: false,
  vectors: false,
  uuids: false,
  integers: "auto"
}

/**
 * Options of a Bolt 6.1 connection: everything on.
 *
 * @since 0.1.0
 * @category constants
 */
export const bolt61Options: ValueCodecOptions = {
  utcDateTime: true,
  elementIds: true,
  vectors: true,
  uuids: true,
  integers: "auto"
}
