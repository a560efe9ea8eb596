/**
 * The driver core shared by sessions, transactions and the `Neo4j` facade: the connection pool
 * over Bolt connections, connection acquisition for a database and access mode (per-session
 * re-authentication included), and span helpers.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { identity } from "effect/Function"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import { BoltConnection, connect, type SecurityObserver } from "../connection/BoltConnection.ts"
import type { Protocol } from "../connection/Protocol.ts"
import * as Auth from "../Neo4jAuth.ts"
import * as Bookmarks from "../Neo4jBookmarks.ts"
import { boltAgent, type ResolvedConfig } from "./config.ts"
import { Neo4jClientError, type Neo4jError } from "../Neo4jError.ts"
import { copyError, isMarkedRetryable, markRetryable, NOT_A_WRITER_CODES } from "./errors.ts"
import * as ConnectionPool from "../pool/ConnectionPool.ts"
import * as Rediscovery from "../routing/Rediscovery.ts"
import * as Router from "../routing/Router.ts"
import * as RoutingTable from "../routing/RoutingTable.ts"
import { formatAddress, type ServerAddress } from "./uri.ts"

import type { AccessMode } from "../Neo4jSession.ts"

/** What a unit of work needs a connection for. */
export interface AcquireRequest {
  readonly mode: AccessMode
  readonly database: string | undefined
  readonly impersonatedUser?: string | undefined
  /** Session-level auth (Bolt 5.1+ re-authenticates a pooled connection with LOGOFF/LOGON). */
  readonly auth?: Auth.AuthToken | undefined
  /** Bookmarks the work waits for; sent with ROUTE, so that a just-created database is found. */
  readonly bookmarks?: ReadonlyArray<string> | undefined
  /**
   * Re-authentication (LOGOFF/LOGON) is awaited before the lease is handed out (verifyAuthentication);
   * otherwise it goes out with the work's first request.
   */
  readonly awaitAuth?: boolean | undefined
}

/** A leased connection, the route that chose it, and the database to name in BEGIN/RUN. */
export interface Lease {
  /** The connection, as the protocol seam the unit of work drives. */
  readonly connection: Protocol
  readonly route: Router.Route
  /** `db` of BEGIN/RUN; `undefined` lets the server resolve the home database. */
  readonly database: string | undefined
}

/** The core every public API is built on. */
export interface Driver {
  readonly config: ResolvedConfig
  readonly pool: ConnectionPool.ConnectionPool<BoltConnection, Neo4jError, ConnectAuth>
  /** Default bookmark manager of `executeQuery` (as in the official drivers). */
  readonly bookmarkManager: Bookmarks.BookmarkManager
  /** Server selection: the seed for bolt://, routing tables for neo4j://. */
  readonly router: Router.Router
  readonly acquire: (request: AcquireRequest) => Effect.Effect<Lease, Neo4jError, Scope.Scope>
  /**
   * A connection to one server with the driver's auth, proven by a round trip: a new one by its
   * handshake, a pooled one by RESET (`verifyConnectivity`, `getServerInfo`).
   */
  readonly probe: (address: ServerAddress) => Effect.Effect<BoltConnection, Neo4jError, Scope.Scope>
  /** Gives the auth token manager a look at a failure; a handled security error becomes retryable. */
  readonly classify: <E>(error: E) => Effect.Effect<E>
}

/**
 * The token a connection opened for an acquisition authenticates with (passed to the pool's
 * `acquire`): the session's own (a new connection logs on as the session's user at once, no
 * LOGOFF/LOGON) or the one the driver's manager gave this acquisition.
 */
export interface ConnectAuth {
  readonly token: Auth.AuthToken
  readonly byManager: boolean
}

/** Builds the driver core in the current scope (the pool closes with it). */
export const make = (
  config: ResolvedConfig,
  bookmarkManager: Bookmarks.BookmarkManager = Bookmarks.makeBookmarkManager()
): Effect.Effect<Driver, never, Scope.Scope> =>
  Effect.gen(function*() {
    // `AuthorizationExpired` from a server ends the authentication of its other connections too, as
    // the official drivers treat it (TestKit Optimization:AuthorizationExpiredTreatment): each one
    // authenticated before it logs on again (LOGOFF/LOGON, Bolt 5.1+) at its next checkout, or is
    // not reused (before 5.1); one leased at the time stays usable until released. Epochs count the
    // events per address; a connection remembers the epoch it authenticated in (`authEpoch`).
    const expiredEpochs = new Map<string, number>()
    const epochOf = (address: ServerAddress) => expiredEpochs.get(formatAddress(address)) ?? 0
    const isStale = (connection: BoltConnection) =>
      expiredEpochs.size !== 0 && connection.authEpoch < epochOf(connection.address)
    const onSecurityFailure: SecurityObserver = (connection, token, error) => {
      const code = (error as { readonly code: string }).code
      if (code === "Neo.ClientError.Security.AuthorizationExpired") {
        expiredEpochs.set(formatAddress(connection.address), epochOf(connection.address) + 1)
      }
      // The manager hears about failures of its own tokens only (not a session's), once each; one
      // it handles (its next token differs) makes the failed work retryable.
      if (!connection.authByManager) return Effect.void
      return Effect.map(config.auth.handleSecurityError(token, code), (handled) => {
        if (handled) markRetryable(error)
      })
    }

    const pool = yield* ConnectionPool.make<BoltConnection, Neo4jError, ConnectAuth>(config.pool, {
      // The token comes from the acquisition (`checkout`): the manager is asked once per acquisition.
      connect: (address, given) =>
        Effect.flatMap(given === undefined ? config.auth.getToken : Effect.succeed(given.token), (auth) =>
          connect({
            address,
            tls: config.tls,
            connectTimeout: config.connectionTimeout,
            resolveHost: config.domainNameResolver,
            auth,
            userAgent: config.userAgent,
            boltAgent,
            routingContext: config.uri.routing ? Rediscovery.routingContext(config.uri) : undefined,
            notifications: config.notifications,
            integers: config.integers,
            // TELEMETRY ahead of each unit of work, when the server asks and the user did not turn it off.
            telemetry: config.telemetry,
            onSecurityFailure,
            authByManager: given === undefined || given.byManager
          }).pipe(Effect.tap((connection) => Effect.sync(() => void (connection.authEpoch = epochOf(address)))))
        ),
      isReusable: (connection) => connection.isOpen && (connection.capabilities.logon || !isStale(connection)),
      // A server that does not answer RESET in time loses the connection rather than hanging the
      // release (and with it the fiber that ended the lease).
      prepareForReuse: (connection) =>
        connection.needsReset
          ? Effect.timeoutOrElse(Effect.interruptible(connection.reset), {
            duration: config.connectionTimeout,
            orElse: () => Effect.sync(() => connection.retire())
          })
          : undefined,
      ping: (connection) => connection.reset
    })

    // A pooled connection authenticated with `token`: as it is (the common case, no generator on
    // this per-query path), re-authenticated with LOGOFF/LOGON (Bolt 5.1+), or, before 5.1, replaced
    // by a new connection when the driver's token rotated (its lease ends first: the replacement
    // takes its slot, so a full pool does not wait for itself).
    // `as` makes what the caller keeps of the connection (a lease) in the same step.
    const checkoutThen = <A>(
      address: ServerAddress,
      token: Auth.AuthToken,
      sessionAuth: boolean,
      verified: boolean,
      awaitAuth: boolean,
      as: (connection: BoltConnection) => A
    ): Effect.Effect<A, Neo4jError, Scope.Scope> =>
      Effect.flatMap(pool.acquire(address, verified, { token, byManager: !sessionAuth }), (connection) => {
        connection.authByManager = !sessionAuth
        const kept = () => as(connection)
        // Verifying credentials: a pooled connection logs on again whatever its token, as in the
        // official drivers (Bolt 5.0 cannot, and fails); a new one proved them with its HELLO/LOGON.
        if (awaitAuth && (!connection.capabilities.logon || !connection.freshlyAuthenticated)) {
          return Effect.map(connection.reauthenticate(token, true), kept)
        }
        // Session auth needs Bolt 5.1+ (LOGOFF/LOGON), even on a connection that just logged on as
        // the session's user: as in the official drivers, a 5.0 server refuses it (the
        // re-authentication fails with the Neo4jUsageError that says so).
        if (sessionAuth && !connection.capabilities.logon) return Effect.map(connection.reauthenticate(token), kept)
        if (isStale(connection)) {
          connection.authEpoch = epochOf(address)
          return Effect.map(connection.reauthenticate(token, awaitAuth), kept)
        }
        if (Auth.equivalent(connection.auth, token)) return Effect.succeed(as(connection))
        if (connection.capabilities.logon || sessionAuth) return Effect.map(connection.reauthenticate(token, awaitAuth), kept)
        // Bolt < 5.1 and the driver's token rotated: the connection is closed now (GOODBYE) and a
        // new one opened with a token asked for again, as the official drivers do (TestKit
        // test_dynamic_auth_manager on 5.0 counts the requests and serves one connection at a time;
        // test_renewing_on_expiration_error on 5.0 has all three slots of the pool leased).
        return Effect.andThen(pool.discard(connection), checkoutAsThen(address, undefined, awaitAuth, as))
      })

    // The session's own auth when it has one (re-authenticating a pooled connection), else the driver's.
    const checkoutAsThen = <A>(
      address: ServerAddress,
      auth: Auth.AuthToken | undefined,
      awaitAuth: boolean,
      as: (connection: BoltConnection) => A
    ): Effect.Effect<A, Neo4jError, Scope.Scope> => {
      if (auth !== undefined) return checkoutThen(address, auth, true, false, awaitAuth, as)
      const token = config.staticToken
      return token !== undefined
        ? checkoutThen(address, token, false, false, awaitAuth, as)
        : Effect.flatMap(config.auth.getToken, (asked) => checkoutThen(address, asked, false, false, awaitAuth, as))
    }
    const checkoutAs = (address: ServerAddress, auth: Auth.AuthToken | undefined, awaitAuth = false) =>
      checkoutAsThen(address, auth, awaitAuth, identity)

    const router = yield* Router.forDriver({
      uri: config.uri,
      pool,
      // ROUTE runs as the session's user when it has its own auth (the same checkout as its work).
      acquire: checkoutAs,
      resolver: config.resolver
    })

    // The per-query path: plain flatMaps, no generator (the common direct case is all Effect.succeed).
    // `failed`: servers of this acquisition that could not be reached (routing only).
    const acquire = (request: AcquireRequest, failed?: Set<string>): Effect.Effect<Lease, Neo4jError, Scope.Scope> =>
      Effect.flatMap(router.select(request), (route) => {
        const lease = checkoutAsThen(route.address, request.auth, request.awaitAuth === true, (connection): Lease => ({
          connection,
          route,
          database: Router.databaseToSend(route, connection)
        }))
        if (!router.routing) return lease
        // A server of the table that cannot be reached is forgotten and the next one of the same
        // table tried, as long as it names one not tried yet (issue 14: a refused writer is
        // skipped). When it names none, the error ends this acquisition: the next one fetches a new
        // table, as in the Java and Go drivers (TestKit routing *_after_leader_switch_using_tx_run
        // counts the ROUTEs).
        const key = `${route.address.host}:${route.address.port}`
        const tried = Effect.catchIf(lease, Router.isServerGone, (error) =>
          failed?.has(key) === true
            ? Effect.fail(error)
            : Effect.andThen(
              router.onConnectionFailure(route.address, route.database),
              Effect.flatMap(router.table(route.database), (table) =>
                table !== undefined && RoutingTable.serversFor(table, route.mode).length === 0
                  ? Effect.fail(error)
                  : acquire(request, (failed ?? new Set()).add(key)))
            ))
        // A lease that ends in failure teaches the router: a dead server or a former leader is
        // forgotten, an unknown database loses its table. A direct router has nothing to learn.
        return Effect.flatMap(tried, (leased) =>
          leased.route !== route ? Effect.succeed(leased) : Effect.as(
            Effect.addFinalizer((exit) => (Exit.isFailure(exit) ? router.onFailure(route, exit.cause) : Effect.void)),
            leased
          ))
      })

    // What the driver knows beyond the error's code. (A security failure the token manager handled
    // was marked retryable by the connection it happened on: see onSecurityFailure.)
    const classify = <E>(error: E): Effect.Effect<E> => {
      // A writer that stepped down: the router has forgotten it, so running again goes elsewhere.
      if (error instanceof Neo4jClientError && config.uri.routing && NOT_A_WRITER_CODES.has(error.code) && !isMarkedRetryable(error)) {
        return Effect.succeed(markRetryable(copyError(error, {})) as E)
      }
      return Effect.succeed(error)
    }

    const probe = (address: ServerAddress) =>
      Effect.flatMap(config.auth.getToken, (token) => checkoutThen(address, token, false, true, false, identity))
    return { config, pool, bookmarkManager, router, acquire, probe, classify }
  })

/**
 * Adds attributes to the span `observe` (internal/operation.ts) opened: nothing when it opened none, so the
 * caller's own span is never annotated with ours.
 */
export const annotateSpan = (attributes: Record<string, unknown>): Effect.Effect<void> =>
  Effect.flatMap(Effect.tracer, (tracer) => tracer === Tracer.nativeTracer ? Effect.void : Effect.annotateCurrentSpan(attributes))

/**
 * `self`, after {@link annotateSpan} when a tracer other than the native one is installed: one
 * step less than `annotateSpan` followed by `self` when nobody traces (every query's path).
 */
export const annotatingSpan = <A, E, R>(
  attributes: () => Record<string, unknown>,
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.contextWith((context: Context.Context<never>) =>
    Context.get(context, Tracer.Tracer) === Tracer.nativeTracer ? self : Effect.andThen(Effect.annotateCurrentSpan(attributes()), self)
  )

/** OpenTelemetry database attributes of a span (semantic conventions for database clients). */
export const spanAttributes = (
  driver: Driver,
  operation: string,
  database: string | undefined,
  query?: string
): Record<string, unknown> => {
  const attributes: Record<string, unknown> = {
    "db.system.name": "neo4j",
    "db.operation.name": operation,
    "server.address": driver.config.uri.address.host,
    "server.port": driver.config.uri.address.port
  }
  if (database !== undefined) attributes["db.namespace"] = database
  if (query !== undefined && driver.config.traceQueryText) attributes["db.query.text"] = query
  return attributes
}
