/**
 * Server selection. A `Router` answers "which server, and which database" for each unit of work,
 * and learns from failures. Direct URIs (`bolt://`) always answer the seed address; routing URIs
 * (`neo4j://`) keep a routing table per database (ROUTE, with TTL), send reads to readers and
 * writes to writers, least-connected first, forget servers that fail, and resolve and cache each
 * user's home database.
 *
 * All bookkeeping happens in synchronous sections, which cannot interleave, so no lock is needed
 * (as in the pool). Refreshes of the same table run once: concurrent callers await the same fiber,
 * which lives in the router's scope, so an interrupted caller does not cancel it for the others.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Metadata from "../bolt/Metadata.ts"
import type { BoltConnection } from "../connection/BoltConnection.ts"
import { formatAddress, type ParsedUri, type ServerAddress } from "../internal/uri.ts"
import type { AuthToken } from "../Neo4jAuth.ts"
import {
  Neo4jClientError,
  Neo4jConnectionError,
  type Neo4jError,
  Neo4jProtocolError,
  Neo4jTransientError,
  Neo4jUsageError
} from "../Neo4jError.ts"
import { NOT_A_WRITER_CODES } from "../internal/errors.ts"
import { HomeDatabaseCache, type UserIdentity, userKey } from "./HomeDatabaseCache.ts"
import { LeastConnected, loadFromStats, type LoadOf } from "./LoadBalancer.ts"
import type { PoolStats } from "../Neo4j.ts"
import * as Rediscovery from "./Rediscovery.ts"
import * as RoutingTable from "./RoutingTable.ts"

/**
 * Server codes the router acts on, besides `NOT_A_WRITER_CODES` (`internal/errors.ts`), which make it
 * forget a writer.
 *
 * @since 0.1.0
 * @category constants
 */
export const RoutingCodes = {
  /** the database does not exist (any more): drop its table and the home entries naming it */
  DATABASE_NOT_FOUND: "Neo.ClientError.Database.DatabaseNotFound",
  /** the database is not available on this server right now: forget the server for it */
  DATABASE_UNAVAILABLE: "Neo.TransientError.General.DatabaseUnavailable"
} as const

// Connection failures that say the server is gone, as opposed to a full pool or a setup mistake
// (TLS, wrong port, no common Bolt version) that another server would not fix.
const SERVER_GONE_REASONS: ReadonlySet<Neo4jConnectionError["reason"]> = new Set<Neo4jConnectionError["reason"]>([
  "Refused",
  "DnsFailure",
  "Timeout",
  "Closed",
  "ServiceUnavailable",
  "SessionExpired",
  "Unknown"
])

/**
 * Whether a failure says the server is gone (refused, closed, timed out), so that another server
 * of the table may do: as opposed to a full pool or a set-up mistake.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isServerGone = (error: unknown): error is Neo4jConnectionError =>
  error instanceof Neo4jConnectionError && SERVER_GONE_REASONS.has(error.reason)

/**
 * What a unit of work needs a server for.
 *
 * @since 0.1.0
 * @category models
 */
export interface RouteRequest extends UserIdentity {
  readonly mode: RoutingTable.Role
  /** `undefined`: the user's home database. */
  readonly database: string | undefined
  /** Sent with ROUTE, so that a table for a just-created database can be found. */
  readonly bookmarks?: ReadonlyArray<string> | undefined
}

/**
 * The answer: a server and the database the work runs against.
 *
 * @since 0.1.0
 * @category models
 */
export interface Route {
  readonly address: ServerAddress
  readonly mode: RoutingTable.Role
  /** The named database, or the user's resolved home database; `undefined`: the server decides. */
  readonly database: string | undefined
  /** `database` is the user's home database as resolved by the driver, not a name the user gave. */
  readonly homeDatabase: boolean
  /** The home-database cache key of the user. */
  readonly user: string
}

/**
 * What {@link databaseToSend} needs to know about the connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectionFeatures {
  readonly hints: { readonly ssrEnabled: boolean }
  readonly capabilities: { readonly homeDbInSuccess: boolean }
}

/**
 * The router of a driver.
 *
 * @since 0.1.0
 * @category models
 */
export interface Router {
  /** `true` for `neo4j://` URIs. */
  readonly routing: boolean
  readonly select: (request: RouteRequest) => Effect.Effect<Route, Neo4jError>
  /**
   * Fetches the table of the request's database afresh, whatever the cached one says (the home
   * database is resolved again); `undefined` for a direct router.
   */
  readonly refresh: (request: RouteRequest) => Effect.Effect<RoutingTable.RoutingTable | undefined, Neo4jError>
  /** The server failed (refused, closed, timed out): forget it for the database, close its idle connections. */
  readonly onConnectionFailure: (address: ServerAddress, database: string | undefined) => Effect.Effect<void>
  /** The server refused a write (`NotALeader`, `ForbiddenOnReadOnlyDatabase`): forget it as a writer. */
  readonly onWriteFailure: (address: ServerAddress, database: string | undefined) => Effect.Effect<void>
  /** The database does not exist: drop its table and the home-database entries naming it. */
  readonly onDatabaseNotFound: (database: string) => Effect.Effect<void>
  /** Inspects how a unit of work on `route` ended and calls the matching hook above. */
  readonly onFailure: (route: Route, cause: Cause.Cause<unknown>) => Effect.Effect<void>
  /**
   * The server said which database it used (`db` in RUN/BEGIN SUCCESS, Bolt 5.8). When the driver
   * let the server resolve the home database and the answer differs from the cached one, the
   * user's entry is dropped.
   */
  readonly onHomeDatabase: (route: Route, database: string | undefined) => Effect.Effect<void>
  /**
   * The current table of a database (diagnostics, tests); `undefined` when there is none. Without a
   * name: the table of the driver's own home database, once resolved.
   */
  readonly table: (database: string | undefined) => Effect.Effect<RoutingTable.RoutingTable | undefined>
  /** Every current table. */
  readonly tables: Effect.Effect<ReadonlyArray<RoutingTable.RoutingTable>>
  /** The user's cached home database, if any. */
  readonly homeDatabase: (identity: UserIdentity) => Effect.Effect<string | undefined>
}

/**
 * The database to name in BEGIN/RUN (`db`) on this connection. A home database resolved by the
 * driver is left out where the server resolves it itself and says so in SUCCESS (`ssr.enabled`
 * hint, Bolt 5.8+): the server's answer is always current, and a changed answer invalidates the
 * cache. Elsewhere the resolved name is sent, so the work cannot land on another database than the
 * one the server was chosen for.
 *
 * @since 0.1.0
 * @category getters
 */
export const databaseToSend = (route: Route, connection: ConnectionFeatures): string | undefined =>
  route.homeDatabase && connection.hints.ssrEnabled && connection.capabilities.homeDbInSuccess
    ? undefined
    : route.database

/**
 * The database a BEGIN or RUN SUCCESS names (`db`, Bolt 5.8+), for {@link Router.onHomeDatabase};
 * `undefined` when it names none.
 *
 * @since 0.1.0
 * @category getters
 */
export const databaseIn = (metadata: Readonly<Record<string, unknown>> | undefined): string | undefined => {
  if (metadata === undefined) return undefined
  const read = Metadata.transaction(metadata)
  return read instanceof Neo4jProtocolError ? undefined : read.db
}

/**
 * The router of a direct URI: every unit of work goes to the seed address, which resolves the home
 * database itself.
 *
 * @since 0.1.0
 * @category constructors
 */
export const direct = (seed: ServerAddress): Router => ({
  routing: false,
  select: (request) =>
    Effect.succeed({ address: seed, mode: request.mode, database: request.database, homeDatabase: false, user: "" }),
  refresh: () => Effect.succeed(undefined),
  onConnectionFailure: () => Effect.void,
  onWriteFailure: () => Effect.void,
  onDatabaseNotFound: () => Effect.void,
  onFailure: () => Effect.void,
  onHomeDatabase: () => Effect.void,
  table: () => Effect.succeed(undefined),
  tables: Effect.succeed([]),
  homeDatabase: () => Effect.succeed(undefined)
})

/**
 * What the routing router needs from the rest of the driver.
 *
 * @since 0.1.0
 * @category models
 */
export interface RoutingOptions {
  /** The address in the URI: the router of last resort. */
  readonly seed: ServerAddress
  /** ROUTE against one router (see `Rediscovery.fetchOverConnection`). */
  readonly fetch: Rediscovery.FetchTable
  /** Re-resolves the seed each time it is needed (default: as given). */
  readonly resolver?: Rediscovery.Resolver | undefined
  /** Current load per server (the pool's counts, see `LoadBalancer.loadFromStats`). */
  readonly load: Effect.Effect<LoadOf>
  /** Closes the idle pooled connections of a server. */
  readonly purge: (address: ServerAddress) => Effect.Effect<void>
}

/** Keys of in-flight refreshes: home resolutions and tables, per user (auth errors are per user). */
const flightKey = (database: string | undefined, user: string): string =>
  database === undefined ? `home\u0000${user}` : `db:${database}\u0000${user}`

const noServerError = (table: RoutingTable.RoutingTable, mode: RoutingTable.Role): Neo4jConnectionError =>
  new Neo4jConnectionError({
    reason: "SessionExpired",
    address: formatAddress(table.fetchedFrom),
    message: `No ${mode === "READ" ? "reader" : "writer"} is available (${RoutingTable.describe(table)}, ` +
      `from ${formatAddress(table.fetchedFrom)})` +
      (mode === "WRITE" ? "; a leader election may be in progress, transaction functions retry." : ".")
  })

const closedError = () =>
  new Neo4jUsageError({ message: "The driver is closed; create a new one (provide its layer again)." })

/**
 * The router of a routing URI. Refreshes run in the current scope (the driver's).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: RoutingOptions): Effect.Effect<Router, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const resolver = options.resolver ?? Rediscovery.identityResolver
    const tables = new Map<string, RoutingTable.RoutingTable>()
    const homeCache = new HomeDatabaseCache()
    const inFlight = new Map<string, Deferred.Deferred<RoutingTable.RoutingTable, Neo4jError>>()
    const balancer = new LeastConnected()
    // Servers named by some table, by key: the ones that drop out of all of them are purged.
    let known = new Map<string, ServerAddress>()

    const purgeAll = (addresses: ReadonlyArray<ServerAddress>) =>
      Effect.forEach(addresses, options.purge, { discard: true })

    // Drops long-expired tables and returns the servers no table names any more.
    const dropOrphans = (now: number): ReadonlyArray<ServerAddress> => {
      for (const [key, table] of tables) {
        if (RoutingTable.isPurgeable(table, now)) tables.delete(key)
      }
      const current = new Map<string, ServerAddress>()
      for (const table of tables.values()) RoutingTable.servers(table, current)
      const dropped: Array<ServerAddress> = []
      for (const [key, address] of known) if (!current.has(key)) dropped.push(address)
      known = current
      return dropped
    }

    const replace = (database: string | undefined, update: (table: RoutingTable.RoutingTable) => RoutingTable.RoutingTable) => {
      const key = RoutingTable.databaseKey(database)
      const table = tables.get(key)
      if (table !== undefined) tables.set(key, update(table))
    }

    // Routers worth asking for `database`: its own table's, then those of the other tables (same
    // cluster), most recently fetched first.
    const knownRouters = (database: string | undefined): ReadonlyArray<ServerAddress> => {
      const own = database === undefined ? undefined : tables.get(RoutingTable.databaseKey(database))
      const others = Array.from(tables.values()).filter((t) => t !== own).sort((a, b) => b.fetchedAt - a.fetchedAt)
      return [...(own?.routers ?? []), ...others.flatMap((t) => t.routers)]
    }

    const onDatabaseNotFound = (database: string) =>
      Effect.gen(function*() {
        tables.delete(RoutingTable.databaseKey(database))
        homeCache.invalidateDatabase(database)
        const now = yield* Clock.currentTimeMillis
        yield* purgeAll(dropOrphans(now))
      })

    const discover = (request: Rediscovery.TableRequest, user: string) =>
      Effect.gen(function*() {
        const table = yield* Rediscovery.rediscover({
          request,
          knownRouters: knownRouters(request.database),
          seed: options.seed,
          resolver,
          fetch: options.fetch,
          onRouterFailure: (router) => {
            if (request.database !== undefined) replace(request.database, (t) => RoutingTable.forgetRouter(t, router))
          }
        })
        tables.set(RoutingTable.databaseKey(table.database), table)
        // Cached only where the server resolves it too (see RoutingTable.serverSideRouting).
        if (request.database === undefined && table.database !== undefined && table.serverSideRouting) {
          homeCache.set(user, table.database, table.expiresAt)
        }
        const dropped = dropOrphans(table.fetchedAt)
        // The router that answered may be a door in (a DNS name for the cluster) that no table names.
        const door = known.has(formatAddress(table.fetchedFrom)) ? [] : [table.fetchedFrom]
        yield* purgeAll([...dropped, ...door])
        yield* Effect.logDebug(`Routing table updated: ${RoutingTable.describe(table)}`)
        return table
      }).pipe(
        Effect.tapError((error) =>
          request.database !== undefined && error instanceof Neo4jClientError &&
            error.code === RoutingCodes.DATABASE_NOT_FOUND
            ? onDatabaseNotFound(request.database)
            : Effect.void
        ),
        Effect.withSpan("Neo4j.routing.refresh", {
          attributes: { "db.system.name": "neo4j", "db.namespace": request.database ?? "(home)" }
        })
      )

    // One rediscovery per (database, user) at a time; callers share its outcome. The scheduler may
    // suspend (and so interrupt) a fiber between any two steps: the in-flight entry is recorded and
    // the fiber that clears it forked in one uninterruptible stretch, and that fiber starts
    // uninterruptible, so that its first step installs the clean-up even when the driver's scope
    // closes before it ran (interrupting it then ends the rediscovery, and its callers with it).
    const refresh = (request: Rediscovery.TableRequest, user: string): Effect.Effect<RoutingTable.RoutingTable, Neo4jError> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.suspend(() => {
          // A fiber forked into a closed scope never starts: fail here instead of waiting for it.
          if (scope.state._tag === "Closed") return Effect.fail(closedError())
          const key = flightKey(request.database, user)
          const running = inFlight.get(key)
          if (running !== undefined) return restore(Deferred.await(running))
          const deferred = Deferred.makeUnsafe<RoutingTable.RoutingTable, Neo4jError>()
          inFlight.set(key, deferred)
          const work = Effect.interruptible(discover(request, user)).pipe(
            Effect.onExit((exit) =>
              Effect.suspend(() => {
                inFlight.delete(key)
                // Only the scope's close interrupts it: its callers hear that the driver closed.
                const interrupted = Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)
                return Deferred.done(deferred, interrupted ? Exit.fail(closedError()) : exit)
              })
            )
          )
          return Effect.andThen(Effect.forkIn(work, scope, { uninterruptible: true }), restore(Deferred.await(deferred)))
        })
      )

    const tableRequest = (request: RouteRequest, database: string | undefined): Rediscovery.TableRequest => ({
      database,
      bookmarks: request.bookmarks ?? [],
      impersonatedUser: request.impersonatedUser,
      auth: request.auth
    })

    // A table fresh enough for the request's role, and the database it routes for.
    const tableFor = (request: RouteRequest, user: string, now: number) =>
      Effect.gen(function*() {
        // A session with bookmarks resolves its home database afresh (with the bookmarks, in
        // ROUTE): the work they stand for may have changed it, as the official drivers assume.
        const fresh = request.bookmarks !== undefined && request.bookmarks.length > 0
        const database = request.database ?? (fresh ? undefined : homeCache.get(user, now))
        if (database === undefined) {
          const resolved = yield* refresh(tableRequest(request, undefined), user)
          return { table: resolved, database: resolved.database }
        }
        const current = tables.get(RoutingTable.databaseKey(database))
        if (current !== undefined && !RoutingTable.isStaleFor(current, request.mode, now)) {
          return { table: current, database }
        }
        return { table: yield* refresh(tableRequest(request, database), user), database }
      })

    const select = (request: RouteRequest): Effect.Effect<Route, Neo4jError> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const user = userKey(request)
        const { database, table } = yield* tableFor(request, user, now)
        const loadOf = yield* options.load
        const address = balancer.select(request.mode, RoutingTable.serversFor(table, request.mode), loadOf)
        if (address === undefined) return yield* noServerError(table, request.mode)
        return { address, mode: request.mode, database, homeDatabase: request.database === undefined, user }
      })

    const onConnectionFailure = (address: ServerAddress, database: string | undefined) =>
      Effect.suspend(() => {
        replace(database, (t) => RoutingTable.forget(t, address))
        return Effect.andThen(
          Effect.logDebug(`Routing: forgot ${formatAddress(address)} for ${database ?? "the default database"}`),
          options.purge(address)
        )
      })

    const onWriteFailure = (address: ServerAddress, database: string | undefined) =>
      Effect.sync(() => replace(database, (t) => RoutingTable.forgetWriter(t, address)))

    const onFailure = (route: Route, cause: Cause.Cause<unknown>): Effect.Effect<void> =>
      Effect.forEach(cause.reasons, (reason) => {
        if (!Cause.isFailReason(reason)) return Effect.void
        const error = reason.error
        if (error instanceof Neo4jConnectionError) {
          return SERVER_GONE_REASONS.has(error.reason) ? onConnectionFailure(route.address, route.database) : Effect.void
        }
        if (error instanceof Neo4jClientError) {
          // NotALeader, ForbiddenOnReadOnlyDatabase: forget the server as a writer
          if (NOT_A_WRITER_CODES.has(error.code)) return onWriteFailure(route.address, route.database)
          if (error.code === RoutingCodes.DATABASE_NOT_FOUND && route.database !== undefined) {
            return onDatabaseNotFound(route.database)
          }
          return Effect.void
        }
        if (error instanceof Neo4jTransientError && error.code === RoutingCodes.DATABASE_UNAVAILABLE) {
          return onConnectionFailure(route.address, route.database)
        }
        return Effect.void
      }, { discard: true })

    const onHomeDatabase = (route: Route, database: string | undefined) =>
      Effect.sync(() => {
        if (route.homeDatabase && database !== undefined && database !== route.database) homeCache.invalidate(route.user)
      })

    return {
      routing: true,
      select,
      refresh: (request) => Effect.suspend(() => refresh(tableRequest(request, request.database), userKey(request))),
      onConnectionFailure,
      onWriteFailure,
      onDatabaseNotFound,
      onFailure,
      onHomeDatabase,
      table: (database) =>
        Effect.map(Clock.currentTimeMillis, (now) =>
          tables.get(RoutingTable.databaseKey(database ?? homeCache.get(userKey({}), now)))),
      tables: Effect.sync(() => Array.from(tables.values())),
      homeDatabase: (identity) => Effect.map(Clock.currentTimeMillis, (now) => homeCache.get(userKey(identity), now))
    } satisfies Router
  })

/**
 * What {@link forDriver} needs: the parsed URI, the pool, and how to get an authenticated pooled
 * connection (the driver's own acquisition, with per-session re-authentication).
 *
 * @since 0.1.0
 * @category models
 */
export interface DriverRouting {
  readonly uri: ParsedUri
  readonly pool: {
    readonly stats: Effect.Effect<ReadonlyArray<PoolStats>>
    readonly purge: (address: ServerAddress) => Effect.Effect<void>
  }
  readonly acquire: (address: ServerAddress, auth: AuthToken | undefined) => Effect.Effect<BoltConnection, Neo4jError, Scope.Scope>
  /** Resolves the seed address (default: as given). */
  readonly resolver?: Rediscovery.Resolver | undefined
}

/**
 * The router for a driver's URI: direct for `bolt://`, routing (ROUTE over pooled connections,
 * least-connected by the pool's counts) for `neo4j://`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const forDriver = (options: DriverRouting): Effect.Effect<Router, never, Scope.Scope> =>
  options.uri.routing
    ? make({
      seed: options.uri.address,
      fetch: Rediscovery.fetchOverConnection({
        acquire: options.acquire,
        routingContext: Rediscovery.routingContext(options.uri)
      }),
      resolver: options.resolver,
      load: Effect.map(options.pool.stats, loadFromStats),
      purge: options.pool.purge
    })
    : Effect.succeed(direct(options.uri.address))
