/**
 * Routing tables: the routers, readers and writers of one database as a ROUTE reply described
 * them, and when that description expires. Pure data and functions; the router keeps one table per
 * database and replaces it as a whole (tables are never mutated in place).
 *
 * @since 0.1.0
 */
import type * as Metadata from "../bolt/Metadata.ts"
import { formatAddress, parseAddress, type ServerAddress } from "../internal/uri.ts"
import type { RoutingTable } from "../Neo4j.ts"
import { Neo4jProtocolError } from "../Neo4jError.ts"

/**
 * Timing constants of routing tables.
 *
 * @since 0.1.0
 * @category constants
 */
export const TABLE_TIMING = {
  /** ROUTE's `ttl` is in seconds. */
  MILLIS_PER_SECOND: 1000,
  /**
   * A table expired this long ago is dropped from the registry and its servers' idle connections
   * are closed unless another table still names them (the official drivers' `routingTablePurgeDelay`).
   */
  PURGE_DELAY_MILLIS: 30_000
} as const

/**
 * The key of a database in the registry: its name, or this for a server that did not name the
 * database it routed for (no `db` in ROUTE SUCCESS and none asked for).
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_DATABASE_KEY = ""

/**
 * The role a unit of work needs a server for.
 *
 * @since 0.1.0
 * @category models
 */
export type Role = "READ" | "WRITE"

export type { RoutingTable }

/**
 * The registry key of a database name.
 *
 * @since 0.1.0
 * @category conversions
 */
export const databaseKey = (database: string | undefined): string => database ?? DEFAULT_DATABASE_KEY

const sameAddress = (a: ServerAddress, b: ServerAddress): boolean => a.host === b.host && a.port === b.port

const parseAll = (role: string, texts: ReadonlyArray<string>): Array<ServerAddress> | Neo4jProtocolError => {
  const out: Array<ServerAddress> = []
  for (const text of texts) {
    const address = parseAddress(text)
    if (address === undefined) {
      return new Neo4jProtocolError({ message: `The routing table names an invalid ${role} address '${text}'` })
    }
    if (!out.some((known) => sameAddress(known, address))) out.push(address)
  }
  return out
}

/**
 * Builds a table from a parsed ROUTE SUCCESS. A table without routers or without readers cannot be
 * used (every official driver rejects it and asks the next router); one without writers can: a
 * leader election may be in progress, and reads still work.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromRoute = (
  route: Metadata.RouteMetadata & { readonly serverSideRouting?: boolean | undefined },
  options: { readonly now: number; readonly requested: string | undefined; readonly from: ServerAddress }
): RoutingTable | Neo4jProtocolError => {
  const routers = parseAll("router", route.routers)
  if (routers instanceof Neo4jProtocolError) return routers
  const readers = parseAll("reader", route.readers)
  if (readers instanceof Neo4jProtocolError) return readers
  const writers = parseAll("writer", route.writers)
  if (writers instanceof Neo4jProtocolError) return writers
  const from = formatAddress(options.from)
  if (routers.length === 0) {
    return new Neo4jProtocolError({ message: `The routing table from ${from} names no routers` })
  }
  if (readers.length === 0) {
    return new Neo4jProtocolError({ message: `The routing table from ${from} names no readers` })
  }
  const ttlMillis = Math.max(0, route.ttl) * TABLE_TIMING.MILLIS_PER_SECOND
  return {
    database: route.db ?? options.requested,
    routers,
    readers,
    writers,
    fetchedAt: options.now,
    expiresAt: options.now + ttlMillis,
    fetchedFrom: options.from,
    serverSideRouting: route.serverSideRouting === true
  }
}

/**
 * Whether the table must be fetched again before a unit of work of this role can use it: expired,
 * no router left to ask, or no server of the role left.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isStaleFor = (table: RoutingTable, role: Role, now: number): boolean =>
  now >= table.expiresAt ||
  table.routers.length === 0 ||
  (role === "READ" ? table.readers.length === 0 : table.writers.length === 0)

/**
 * Whether the table has been expired for longer than the purge delay (it is then dropped).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isPurgeable = (table: RoutingTable, now: number): boolean =>
  now >= table.expiresAt + TABLE_TIMING.PURGE_DELAY_MILLIS

/**
 * The servers of a role.
 *
 * @since 0.1.0
 * @category getters
 */
export const serversFor = (table: RoutingTable, role: Role): ReadonlyArray<ServerAddress> =>
  role === "READ" ? table.readers : table.writers

const without = (servers: ReadonlyArray<ServerAddress>, address: ServerAddress): ReadonlyArray<ServerAddress> =>
  servers.some((s) => sameAddress(s, address)) ? servers.filter((s) => !sameAddress(s, address)) : servers

/**
 * The table without a server that failed: no longer a reader or a writer. It stays a router, as
 * the official drivers do: a router is only dropped when asking it for a table fails.
 *
 * @since 0.1.0
 * @category combinators
 */
export const forget = (table: RoutingTable, address: ServerAddress): RoutingTable => {
  const readers = without(table.readers, address)
  const writers = without(table.writers, address)
  return readers === table.readers && writers === table.writers ? table : { ...table, readers, writers }
}

/**
 * The table without a writer that refused a write (`NotALeader`, `ForbiddenOnReadOnlyDatabase`):
 * it may still serve reads.
 *
 * @since 0.1.0
 * @category combinators
 */
export const forgetWriter = (table: RoutingTable, address: ServerAddress): RoutingTable => {
  const writers = without(table.writers, address)
  return writers === table.writers ? table : { ...table, writers }
}

/**
 * The table without a router that could not give a table.
 *
 * @since 0.1.0
 * @category combinators
 */
export const forgetRouter = (table: RoutingTable, address: ServerAddress): RoutingTable => {
  const routers = without(table.routers, address)
  return routers === table.routers ? table : { ...table, routers }
}

/**
 * Every server a table names, in any role, once each, by `host:port` key.
 *
 * @since 0.1.0
 * @category getters
 */
export const servers = (table: RoutingTable, into: Map<string, ServerAddress> = new Map()): Map<string, ServerAddress> => {
  for (const list of [table.routers, table.readers, table.writers]) {
    for (const address of list) into.set(formatAddress(address), address)
  }
  return into
}

/**
 * A one-line description for logs and error messages.
 *
 * @since 0.1.0
 * @category conversions
 */
export const describe = (table: RoutingTable): string => {
  const list = (servers: ReadonlyArray<ServerAddress>) => `[${servers.map(formatAddress).join(", ")}]`
  return `database ${table.database === undefined ? "(default)" : `'${table.database}'`}: ` +
    `routers ${list(table.routers)}, readers ${list(table.readers)}, writers ${list(table.writers)}`
}
