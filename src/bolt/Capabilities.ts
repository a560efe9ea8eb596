/**
 * What a negotiated Bolt version can do, as one readonly record computed at handshake time. Every
 * version difference in the driver reads a field of this record; there is no class per version.
 *
 * @since 0.1.0
 */
import * as Version from "./Version.ts"
import type { BoltVersion } from "./Version.ts"
import type { ValueCodecOptions } from "./ValueOptions.ts"

/**
 * The features of one negotiated connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface BoltCapabilities {
  readonly version: BoltVersion
  /** 5.0+: Node/Relationship carry a string `element_id` */
  readonly elementIds: boolean
  /** 5.0+, or 4.4 once the server acknowledged `patch_bolt: ["utc"]`: DateTime structs 0x49/0x69 */
  readonly utcDateTime: boolean
  /** 4.4 only: HELLO may request the `utc` patch through `patch_bolt` */
  readonly utcPatchAvailable: boolean
  /** 4.4 and 5.0: HELLO carries the auth token (no LOGON) */
  readonly helloCarriesCredentials: boolean
  /** 5.1+: LOGON/LOGOFF messages (re-authentication) */
  readonly logon: boolean
  /** 5.2+: `notifications_minimum_severity` / `notifications_disabled_categories` */
  readonly notificationFilters: boolean
  /** 5.6+: the filter key is `notifications_disabled_classifications` */
  readonly notificationClassifications: boolean
  /** 5.3+: `bolt_agent` map in HELLO */
  readonly boltAgent: boolean
  /** 5.4+: TELEMETRY message (sent only when the server hint `telemetry.enabled` is true) */
  readonly telemetry: boolean
  /** 5.6+: GQL status objects (`statuses`) in SUCCESS */
  readonly gqlStatuses: boolean
  /** 5.7+: FAILURE carries `gql_status`, `description`, `neo4j_code`, `diagnostic_record`, `cause` */
  readonly gqlErrors: boolean
  /** 5.8+: RUN/BEGIN SUCCESS carries the resolved home database `db` */
  readonly homeDbInSuccess: boolean
  /** 6.0+: Vector struct 0x56 and UnsupportedType struct 0x3F */
  readonly vectors: boolean
  /** 6.1+: UUID PackStream value */
  readonly uuids: boolean
}

/**
 * The capabilities of `version` (for 4.4: without the `utc` patch; see {@link withUtcPatch}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const forVersion = (version: BoltVersion): BoltCapabilities => {
  const at = (major: number, minor: number) => Version.atLeast(version, major, minor)
  return {
    version,
    elementIds: at(5, 0),
    utcDateTime: at(5, 0),
    utcPatchAvailable: version.major === 4,
    helloCarriesCredentials: !at(5, 1),
    logon: at(5, 1),
    notificationFilters: at(5, 2),
    notificationClassifications: at(5, 6),
    boltAgent: at(5, 3),
    telemetry: at(5, 4),
    gqlStatuses: at(5, 6),
    gqlErrors: at(5, 7),
    homeDbInSuccess: at(5, 8),
    vectors: at(6, 0),
    uuids: at(6, 1)
  }
}

/**
 * The capabilities after the server acknowledged `patch_bolt: ["utc"]` in its HELLO SUCCESS (Bolt
 * 4.4): DateTime values use the Bolt 5 UTC structs from then on.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withUtcPatch = (caps: BoltCapabilities): BoltCapabilities =>
  caps.utcPatchAvailable ? { ...caps, utcDateTime: true } : caps

/**
 * The value codec options a connection with these capabilities must use.
 *
 * @since 0.1.0
 * @category conversions
 */
export const codecOptions = (
  caps: BoltCapabilities,
  integers: ValueCodecOptions["integers"] = "auto"
): ValueCodecOptions => ({
  utcDateTime: caps.utcDateTime,
  elementIds: caps.elementIds,
  vectors: caps.vectors,
  uuids: caps.uuids,
  integers
})
