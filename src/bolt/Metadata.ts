/**
 * Typed readers for the SUCCESS metadata the connection, session and routing layers act on
 * (HELLO, RUN, PULL/DISCARD, BEGIN, COMMIT, ROUTE). Wire names stay here; callers get camelCase.
 * A field of the wrong type is a protocol error; unknown fields are ignored.
 *
 * @since 0.1.0
 */
import { Neo4jProtocolError } from "../Neo4jError.ts"
import { PATCH_UTC } from "./Requests.ts"

/**
 * Connection hints keys in HELLO SUCCESS (`hints`), from the "Connection hints" appendix.
 *
 * @since 0.1.0
 * @category constants
 */
export const HintKey = {
  /** "connection.recv_timeout_seconds": arm a read timeout while requests are in flight */
  RECV_TIMEOUT_SECONDS: "connection.recv_timeout_seconds",
  /** "telemetry.enabled": the server wants TELEMETRY messages (Bolt 5.4+) */
  TELEMETRY_ENABLED: "telemetry.enabled",
  /** "ssr.enabled": server-side routing is on; home-database caching is safe (Bolt 5.8+) */
  SSR_ENABLED: "ssr.enabled"
} as const

/**
 * Routing table roles in ROUTE SUCCESS: "role is one of ROUTE, READ, WRITE".
 *
 * @since 0.1.0
 * @category constants
 */
export const RoutingRole = { ROUTE: "ROUTE", READ: "READ", WRITE: "WRITE" } as const

/**
 * Hints from HELLO SUCCESS.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectionHints {
  readonly recvTimeoutSeconds: number | undefined
  readonly telemetryEnabled: boolean
  readonly ssrEnabled: boolean
}

/**
 * HELLO SUCCESS.
 *
 * @since 0.1.0
 * @category models
 */
export interface HelloMetadata {
  /** e.g. `Neo4j/5.26.0` */
  readonly server: string | undefined
  /** e.g. `bolt-61` */
  readonly connectionId: string | undefined
  /** the `patch_bolt` patches the server acknowledged (4.4), e.g. `["utc"]` */
  readonly patches: ReadonlyArray<string>
  /** the server acknowledged the `utc` patch: use `Capabilities.withUtcPatch` */
  readonly utcPatch: boolean
  readonly hints: ConnectionHints
}

/**
 * RUN SUCCESS.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunMetadata {
  readonly fields: ReadonlyArray<string>
  /** ms until the first record was available */
  readonly tFirst: number | undefined
  /** query id inside an explicit transaction */
  readonly qid: number | bigint | undefined
  /** resolved database (Bolt 5.8+ home database resolution) */
  readonly db: string | undefined
}

/**
 * PULL / DISCARD SUCCESS (the parts the stream needs; the summary reads the rest).
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamMetadata {
  /** "true if there are more records to stream. If this field is not present ... false" */
  readonly hasMore: boolean
  readonly bookmark: string | undefined
  readonly db: string | undefined
}

/**
 * BEGIN or COMMIT SUCCESS.
 *
 * @since 0.1.0
 * @category models
 */
export interface TransactionMetadata {
  readonly bookmark: string | undefined
  readonly db: string | undefined
}

/**
 * ROUTE SUCCESS: a routing table as the server sent it (`rt`); `routing/RoutingTable.ts` makes the
 * driver's table from it.
 *
 * @since 0.1.0
 * @category models
 */
export interface RouteMetadata {
  /** seconds this table stays valid */
  readonly ttl: number
  readonly db: string | undefined
  readonly routers: ReadonlyArray<string>
  readonly readers: ReadonlyArray<string>
  readonly writers: ReadonlyArray<string>
}

type Meta = Readonly<Record<string, unknown>>

class Invalid {
  readonly message: string
  constructor(message: string) {
    this.message = message
  }
}

const isMap = (u: unknown): u is Meta => typeof u === "object" && u !== null && !Array.isArray(u)

const fail = (what: string, key: string, expected: string, value: unknown): never => {
  throw new Invalid(`${what} SUCCESS field ${key} should be ${expected}, got ${typeof value === "string" ? JSON.stringify(value) : typeof value}`)
}

const str = (what: string, meta: Meta, key: string): string | undefined => {
  const v = meta[key]
  return v === undefined || v === null ? undefined : typeof v === "string" ? v : fail(what, key, "a string", v)
}

const int = (what: string, meta: Meta, key: string): number | bigint | undefined => {
  const v = meta[key]
  if (v === undefined || v === null) return undefined
  return (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint" ? v : fail(what, key, "an integer", v)
}

const num = (what: string, meta: Meta, key: string): number | undefined => {
  const v = int(what, meta, key)
  return v === undefined ? undefined : Number(v)
}

const bool = (what: string, meta: Meta, key: string): boolean => {
  const v = meta[key]
  return v === undefined || v === null ? false : typeof v === "boolean" ? v : fail(what, key, "a boolean", v)
}

const strings = (what: string, meta: Meta, key: string): ReadonlyArray<string> | undefined => {
  const v = meta[key]
  if (v === undefined || v === null) return undefined
  return Array.isArray(v) && v.every((s) => typeof s === "string") ? v : fail(what, key, "a list of strings", v)
}

const map = (what: string, meta: Meta, key: string): Meta | undefined => {
  const v = meta[key]
  return v === undefined || v === null ? undefined : isMap(v) ? v : fail(what, key, "a map", v)
}

const read = <A>(read: () => A): A | Neo4jProtocolError => {
  try {
    return read()
  } catch (error) {
    if (error instanceof Invalid) return new Neo4jProtocolError({ message: error.message })
    throw error
  }
}

/**
 * Reads HELLO SUCCESS: `server`, `connection_id`, `patch_bolt`, `hints`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const hello = (meta: Meta): HelloMetadata | Neo4jProtocolError =>
  read(() => {
    const hints = map("HELLO", meta, "hints") ?? {}
    const patches = strings("HELLO", meta, "patch_bolt") ?? []
    // The official drivers accept only a Neo4j server agent (`Neo4j/<version>`, case-sensitive).
    const server = str("HELLO", meta, "server")
    if (server !== undefined && !server.startsWith("Neo4j/")) fail("HELLO", "server", "a Neo4j agent (Neo4j/...)", server)
    return {
      server,
      connectionId: str("HELLO", meta, "connection_id"),
      patches,
      utcPatch: patches.includes(PATCH_UTC),
      hints: {
        recvTimeoutSeconds: num("HELLO", hints, HintKey.RECV_TIMEOUT_SECONDS),
        telemetryEnabled: bool("HELLO", hints, HintKey.TELEMETRY_ENABLED),
        ssrEnabled: bool("HELLO", hints, HintKey.SSR_ENABLED)
      }
    }
  })

/**
 * Reads RUN SUCCESS: `fields`, `t_first`, `qid`, `db`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const run = (meta: Meta): RunMetadata | Neo4jProtocolError =>
  read(() => ({
    fields: strings("RUN", meta, "fields") ?? fail("RUN", "fields", "a list of strings", undefined),
    tFirst: num("RUN", meta, "t_first"),
    qid: int("RUN", meta, "qid"),
    db: str("RUN", meta, "db")
  }))

/**
 * Reads PULL / DISCARD SUCCESS: `has_more`, `bookmark`, `db`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const stream = (meta: Meta): StreamMetadata | Neo4jProtocolError =>
  read(() => ({
    hasMore: bool("PULL", meta, "has_more"),
    bookmark: str("PULL", meta, "bookmark"),
    db: str("PULL", meta, "db")
  }))

/**
 * Reads BEGIN / COMMIT SUCCESS: `bookmark`, `db`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const transaction = (meta: Meta): TransactionMetadata | Neo4jProtocolError =>
  read(() => ({ bookmark: str("COMMIT", meta, "bookmark"), db: str("COMMIT", meta, "db") }))

/**
 * Reads ROUTE SUCCESS: `rt {ttl, db, servers: [{addresses, role}]}`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const route = (meta: Meta): RouteMetadata | Neo4jProtocolError =>
  read(() => {
    const rt = map("ROUTE", meta, "rt") ?? fail("ROUTE", "rt", "a map", undefined)
    const servers = rt.servers
    if (!Array.isArray(servers)) return fail("ROUTE", "rt.servers", "a list", servers)
    const routers: Array<string> = []
    const readers: Array<string> = []
    const writers: Array<string> = []
    for (const server of servers) {
      if (!isMap(server)) return fail("ROUTE", "rt.servers[]", "a map", server)
      const addresses = strings("ROUTE", server, "addresses") ?? []
      switch (server.role) {
        case RoutingRole.ROUTE:
          routers.push(...addresses)
          break
        case RoutingRole.READ:
          readers.push(...addresses)
          break
        case RoutingRole.WRITE:
          writers.push(...addresses)
          break
        default:
          return fail("ROUTE", "rt.servers[].role", "ROUTE, READ or WRITE", server.role)
      }
    }
    return {
      ttl: num("ROUTE", rt, "ttl") ?? fail("ROUTE", "rt.ttl", "an integer", undefined),
      db: str("ROUTE", rt, "db"),
      routers,
      readers,
      writers
    }
  })

/** The bookmark of a COMMIT or auto-commit SUCCESS (none when the server sent none or an empty one). */
export const bookmarksOf = (metadata: Readonly<Record<string, unknown>>): ReadonlyArray<string> =>
  typeof metadata.bookmark === "string" && metadata.bookmark.length > 0 ? [metadata.bookmark] : []
