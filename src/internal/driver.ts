/**
 * The driver core shared by sessions, transactions and the `Neo4j` facade: the connection pool
 * over Bolt connections, connection acquisition for a database and access mode (per-session
 * re-authentication included), and span helpers.
 */
import { Effect, Scope } from "effect"
import * as Requests from "../bolt/Requests.ts"
import { BoltConnection, connect, SummaryHandler } from "../connection/BoltConnection.ts"
import * as Auth from "../Neo4jAuth.ts"
import * as Bookmarks from "../Neo4jBookmarks.ts"
import { boltAgent, type ResolvedConfig } from "../Neo4jConfig.ts"
import { type Neo4jError, Neo4jUsageError } from "../Neo4jError.ts"
import * as ConnectionPool from "../pool/ConnectionPool.ts"
import type { ServerAddress } from "./uri.ts"

/**
 * Read or write: decides the server (routing) and the `mode` sent to the server.
 *
 * @since 0.1.0
 */
export type AccessMode = "READ" | "WRITE"

/** What a unit of work needs a connection for. */
export interface AcquireRequest {
  readonly mode: AccessMode
  readonly database: string | undefined
  readonly impersonatedUser?: string | undefined
  /** Session-level auth (Bolt 5.1+ re-authenticates a pooled connection with LOGOFF/LOGON). */
  readonly auth?: Auth.AuthToken | undefined
}

/** The core every public API is built on. */
export interface Driver {
  readonly config: ResolvedConfig
  readonly pool: ConnectionPool.ConnectionPool<BoltConnection, Neo4jError>
  /** Default bookmark manager of `executeQuery` (as in the official drivers). */
  readonly bookmarkManager: Bookmarks.BookmarkManager
  readonly acquire: (request: AcquireRequest) => Effect.Effect<BoltConnection, Neo4jError, Scope.Scope>
}

const reauthenticate = (connection: BoltConnection, auth: Auth.AuthToken): Effect.Effect<void, Neo4jError> =>
  Effect.suspend(() => {
    if (Auth.equivalent(connection.auth, auth)) return Effect.void
    if (!connection.capabilities.logon) {
      return Effect.fail(
        new Neo4jUsageError({
          message: `Session-level auth needs Bolt 5.1+ (LOGOFF/LOGON); this server speaks Bolt ` +
            `${connection.server.protocolVersion}. Use a driver created with these credentials instead.`
        })
      )
    }
    const logoff = new SummaryHandler()
    const logon = new SummaryHandler()
    const error = connection.enqueue(Requests.logoff, logoff) ??
      connection.enqueue((w, ctx) => Requests.logon(w, auth, ctx), logon)
    if (error !== undefined) return Effect.fail(error)
    // Until LOGON succeeds the connection belongs to nobody: a failure breaks it for the pool.
    connection.auth = Auth.none()
    return connection.flush.pipe(
      Effect.andThen(connection.pump(() => logon.done)),
      Effect.andThen(Effect.suspend(() => logoff.result())),
      Effect.andThen(Effect.suspend(() => logon.result())),
      Effect.tap(() => Effect.sync(() => void (connection.auth = auth))),
      Effect.tapError(() => Effect.sync(() => connection.markBroken(connection.brokenError())))
    )
  })

/** Builds the driver core in the current scope (the pool closes with it). */
export const make = (config: ResolvedConfig): Effect.Effect<Driver, never, Scope.Scope> =>
  Effect.gen(function*() {
    const pool = yield* ConnectionPool.make<BoltConnection, Neo4jError>(config.pool, {
      connect: (address: ServerAddress) =>
        connect({
          address,
          tls: config.tls,
          connectTimeout: config.connectionTimeout,
          auth: config.auth,
          userAgent: config.userAgent,
          boltAgent,
          routingContext: config.uri.routing ? config.uri.routingContext : undefined,
          notifications: config.notifications,
          integers: config.integers
        }),
      isReusable: (connection) => connection.isOpen,
      prepareForReuse: (connection) =>
        connection.pending > 0 || connection.failed ? connection.reset : Effect.void,
      ping: (connection) => connection.reset
    })
    const acquire = (request: AcquireRequest) =>
      Effect.gen(function*() {
        // Direct connections (bolt://) and, until routing tables exist, routing URIs use the seed
        // address; a single server routes to itself.
        const connection = yield* pool.acquire(config.uri.address)
        yield* reauthenticate(connection, request.auth ?? config.auth)
        return connection
      })
    return { config, pool, bookmarkManager: Bookmarks.makeBookmarkManager(), acquire }
  })

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
