/**
 * The home database of each user, once resolved, so that a session that names no database does not
 * cost a ROUTE round trip every time.
 *
 * Lifetime of an entry (a decision; the official drivers differ in details):
 * - It is set from ROUTE SUCCESS (`rt.db` of a ROUTE that named no database) when the router
 *   resolves home databases itself (`ssr.enabled` hint, Bolt 5.8+; `RoutingTable.serverSideRouting`),
 *   and lives as long as the routing table that came with it (its `ttl`). Elsewhere nothing is
 *   cached: every session that names no database resolves it with a ROUTE, as in the official
 *   drivers (TestKit, snapshot 5.0, expects a ROUTE per such session on Bolt 4.4-5.1), since a
 *   cached name the server does not check would send a user whose home database changed to the
 *   old one for up to a TTL.
 * - Bolt 5.8 servers name the database they actually used in RUN/BEGIN SUCCESS (`db`). Where the
 *   driver let the server resolve (no `db` sent, allowed with the `ssr.enabled` hint), a different
 *   name there means the cached one is stale: the entry is dropped at once.
 * - A `DatabaseNotFound` for the cached name (the database was dropped) drops every entry naming it.
 *
 * Keys: the impersonated user when there is one (their home database is what the server uses),
 * else the session's auth principal, else the driver's own credentials. Bearer and Kerberos tokens
 * name no principal; they are keyed by token identity, so equal tokens in different objects resolve
 * once each (harmless: one more ROUTE).
 *
 * @since 0.1.0
 */
import type { AuthToken } from "../Neo4jAuth.ts"

/**
 * Limits of the cache.
 *
 * @since 0.1.0
 * @category constants
 */
export const HOME_CACHE_LIMITS = {
  /** Entries kept at most; the oldest is evicted first (many short-lived per-user sessions). */
  MAX_ENTRIES: 10_000
} as const

/**
 * Who a session runs as, for home-database purposes.
 *
 * @since 0.1.0
 * @category models
 */
export interface UserIdentity {
  readonly impersonatedUser?: string | undefined
  /** Session-level auth; `undefined`: the driver's credentials. */
  readonly auth?: AuthToken | undefined
}

/** Key of the driver's own credentials. */
const DRIVER_USER = "driver"

const tokenIds = new WeakMap<AuthToken, number>()
let nextTokenId = 0

const tokenId = (token: AuthToken): number => {
  let id = tokenIds.get(token)
  if (id === undefined) {
    id = ++nextTokenId
    tokenIds.set(token, id)
  }
  return id
}

/**
 * The cache key of a user. Never contains a secret.
 *
 * @since 0.1.0
 * @category conversions
 */
export const userKey = (identity: UserIdentity): string => {
  if (identity.impersonatedUser !== undefined) return `impersonated:${identity.impersonatedUser}`
  const auth = identity.auth
  if (auth === undefined) return DRIVER_USER
  switch (auth._tag) {
    case "None":
      return "none"
    case "Basic":
      return `basic:${auth.realm ?? ""}:${auth.username}`
    case "Custom":
      return `custom:${auth.scheme}:${auth.realm ?? ""}:${auth.principal}`
    case "Bearer":
    case "Kerberos":
      return `token:${tokenId(auth)}`
  }
}

interface Entry {
  readonly database: string
  readonly expiresAt: number
}

/**
 * The cache. Synchronous: callers read the clock and pass `now`.
 *
 * @since 0.1.0
 * @category models
 */
export class HomeDatabaseCache {
  readonly #entries = new Map<string, Entry>()
  readonly #maxEntries: number

  constructor(maxEntries: number = HOME_CACHE_LIMITS.MAX_ENTRIES) {
    this.#maxEntries = maxEntries
  }

  /** The user's home database if known and fresh. */
  get(key: string, now: number): string | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (now >= entry.expiresAt) {
      this.#entries.delete(key)
      return undefined
    }
    return entry.database
  }

  set(key: string, database: string, expiresAt: number): void {
    this.#entries.delete(key)
    this.#entries.set(key, { database, expiresAt })
    if (this.#entries.size > this.#maxEntries) {
      // Map iteration is insertion order: the first key is the oldest entry.
      const oldest = this.#entries.keys().next()
      if (oldest.done !== true) this.#entries.delete(oldest.value)
    }
  }

  /** Drops the user's entry (the server resolved differently). */
  invalidate(key: string): void {
    this.#entries.delete(key)
  }

  /** Drops every entry naming the database (it no longer exists). */
  invalidateDatabase(database: string): void {
    for (const [key, entry] of this.#entries) {
      if (entry.database === database) this.#entries.delete(key)
    }
  }

  get size(): number {
    return this.#entries.size
  }
}
