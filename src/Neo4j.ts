/**
 * The driver as an Effect service: provide `Neo4j.layer(options)` (or `Neo4jLive`, configured from
 * `NEO4J_URI`, `NEO4J_USERNAME`, `NEO4J_PASSWORD`) and call `yield* Neo4j.executeQuery(...)`,
 * `Neo4j.executeWrite(...)`, `Neo4j.session(...)` from generators.
 *
 * @since 0.1.0
 */
import type * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Auth from "./Neo4jAuth.ts"
import * as Bookmarks from "./Neo4jBookmarks.ts"
import * as Neo4jConfig from "./Neo4jConfig.ts"
import type { ServerAddress } from "./Neo4jConfig.ts"
import * as Neo4jCypher from "./Neo4jCypher.ts"
import { type Neo4jError, Neo4jConnectionError, type Neo4jUsageError } from "./Neo4jError.ts"
import type { Neo4jRecord } from "./Neo4jRecord.ts"
import type { EagerResult } from "./Neo4jResult.ts"
import { type Telemetry, TelemetryApi, telemetryOf } from "./connection/Protocol.ts"
import * as Neo4jSession from "./Neo4jSession.ts"
import type { NotificationFilter, ServerInfo } from "./Neo4jSummary.ts"
import * as InMemoryBookmarks from "./internal/bookmarks.ts"
import * as Driver from "./internal/driver.ts"
import { observe, onRetry } from "./internal/operation.ts"
import { bookmarksOf } from "./bolt/Metadata.ts"
import { resolve as resolveConfig } from "./internal/config.ts"
import { isMarkedRetryable } from "./internal/errors.ts"
import { retrying } from "./internal/retry.ts"
import { eagerOf, make as makeSession } from "./internal/session.ts"
import * as Verify from "./internal/verify.ts"
import * as Router from "./routing/Router.ts"

/**
 * Settings of `executeQuery`.
 *
 * @since 0.1.0
 * @category models
 */
export interface QueryConfig extends Neo4jSession.TransactionFunctionConfig {
  readonly database?: string | undefined
  /** Run as a read (may go to a reader in a cluster) or a write (default). */
  readonly routing?: Neo4jSession.AccessMode | undefined
  readonly impersonatedUser?: string | undefined
  /** Defaults to the driver's bookmark manager; `null` runs without causal chaining. */
  readonly bookmarkManager?: Bookmarks.BookmarkManager | null | undefined
  readonly auth?: Neo4jSession.SessionConfig["auth"]
  readonly notifications?: NotificationFilter | undefined
}

/**
 * Connection counts of the pool for one server (`Neo4j.poolStats`).
 *
 * @since 0.1.0
 * @category models
 */
export interface PoolStats {
  /** `host:port` */
  readonly address: string
  /** Connections lent to a unit of work. */
  readonly inUse: number
  /** Open connections waiting in the pool. */
  readonly idle: number
  /** Connections being opened (socket, handshake, HELLO). */
  readonly creating: number
  /** Acquisitions waiting for a connection. */
  readonly waiting: number
}

/**
 * One database's routing table, as the driver last fetched it (`Neo4j.routingTable`).
 *
 * @since 0.1.0
 * @category models
 */
export interface RoutingTable {
  /** The database the table routes for; `undefined` when the server did not say. */
  readonly database: string | undefined
  readonly routers: ReadonlyArray<ServerAddress>
  readonly readers: ReadonlyArray<ServerAddress>
  readonly writers: ReadonlyArray<ServerAddress>
  /** `Clock` time (ms) at which the table was fetched. */
  readonly fetchedAt: number
  /** `Clock` time (ms) after which the table must be fetched again. */
  readonly expiresAt: number
  /** The router that answered. */
  readonly fetchedFrom: ServerAddress
  /**
   * The router resolves home databases itself and names the one it used (`ssr.enabled` hint, Bolt
   * 5.8+). Only then is a home database it resolved cached for the table's TTL: elsewhere each
   * session that names no database resolves it with a ROUTE, as in the official drivers, so a user
   * whose home database changed never lands on the old one.
   */
  readonly serverSideRouting: boolean
}

/**
 * The driver's API.
 *
 * @since 0.1.0
 * @category models
 */
export interface Neo4j {
  /**
   * Proves the driver can do work and returns the server's info: bolt:// with a round trip to the
   * server (a new connection's handshake, RESET on a pooled one); neo4j:// with a fresh routing
   * table (ROUTE) and then the same with its readers, in order, until one answers.
   */
  readonly verifyConnectivity: (options?: { readonly database?: string }) => Effect.Effect<ServerInfo, Neo4jError>
  /**
   * Whether the server accepts these credentials (default: the driver's), checked on a pooled
   * connection with LOGOFF/LOGON (Bolt 5.1+). `false` for rejected credentials (`Unauthorized`,
   * `Forbidden`, `CredentialsExpired`, `TokenExpired`); other failures, other security errors
   * included (`AuthenticationRateLimit`, `AuthorizationExpired`), fail.
   */
  readonly verifyAuthentication: (auth?: Auth.AuthToken) => Effect.Effect<boolean, Neo4jError>
  /** The server's address, agent and negotiated protocol version. */
  readonly getServerInfo: (options?: { readonly database?: string }) => Effect.Effect<ServerInfo, Neo4jError>
  /**
   * Whether the server supports session auth (a session's own `auth`, re-authentication with
   * LOGOFF/LOGON): Bolt 5.1+, checked on a connection as `getServerInfo` does.
   */
  readonly supportsSessionAuth: Effect.Effect<boolean, Neo4jError>
  /** Whether the driver encrypts its connections (TLS: `+s`/`+ssc` schemes or a `tls` option). */
  readonly isEncrypted: boolean
  /** One query in a managed transaction (retried when transient), read to the end. */
  readonly executeQuery: <T extends Record<string, unknown> = Record<string, unknown>>(
    query: string | Neo4jCypher.Statement,
    parameters?: Neo4jSession.Parameters,
    config?: QueryConfig
  ) => Effect.Effect<EagerResult<T>, Neo4jError>
  /**
   * A session: a causally chained sequence of work on one database. It holds no connection
   * between its operations, so there is nothing to close; its explicit transactions and cursors
   * are scoped resources of their own.
   */
  readonly session: (config?: Neo4jSession.SessionConfig) => Effect.Effect<Neo4jSession.Session>
  /** A read transaction function in a fresh session. */
  readonly executeRead: <A, E, R>(
    work: Neo4jSession.TransactionWork<A, E, R>,
    config?: Neo4jSession.SessionConfig & Neo4jSession.TransactionFunctionConfig
  ) => Effect.Effect<A, E | Neo4jError, Exclude<R, Neo4jSession.Transaction>>
  /** A write transaction function in a fresh session. */
  readonly executeWrite: <A, E, R>(
    work: Neo4jSession.TransactionWork<A, E, R>,
    config?: Neo4jSession.SessionConfig & Neo4jSession.TransactionFunctionConfig
  ) => Effect.Effect<A, E | Neo4jError, Exclude<R, Neo4jSession.Transaction>>
  /** An auto-commit query streamed record by record in a fresh session. */
  readonly stream: <T extends Record<string, unknown> = Record<string, unknown>>(
    query: string | Neo4jCypher.Statement,
    parameters?: Neo4jSession.Parameters,
    config?: Neo4jSession.SessionConfig & Neo4jSession.TransactionConfig
  ) => Stream.Stream<Neo4jRecord<T>, Neo4jError>
  /** Connection pool statistics per server. */
  readonly poolStats: Effect.Effect<ReadonlyArray<PoolStats>>
  /** neo4j://: the current routing table of a database (default: the driver's); bolt://: none. */
  readonly routingTable: (database?: string) => Effect.Effect<RoutingTable | undefined>
  /**
   * neo4j://: fetches the routing table of a database (default: the driver's; none configured: the
   * home database, resolved again) afresh, whatever its TTL says; bolt://: `undefined`.
   */
  readonly refreshRoutingTable: (
    options?: { readonly database?: string; readonly bookmarks?: ReadonlyArray<string> }
  ) => Effect.Effect<RoutingTable | undefined, Neo4jError>
  /** The driver's default bookmark manager (used by `executeQuery`). */
  readonly bookmarkManager: Bookmarks.BookmarkManager
  /** Closes every connection; later calls fail with `Neo4jUsageError`. */
  readonly close: Effect.Effect<void>
}

/**
 * The driver service.
 *
 * @since 0.1.0
 * @category services
 */
export const Neo4j: Context.Service<Neo4j, Neo4j> = Context.Service<Neo4j>("effect-neo4j/Neo4j")

const executeQueryOnce = <T extends Record<string, unknown>>(
  driver: Driver.Driver,
  query: string,
  parameters: Neo4jSession.Parameters,
  config: QueryConfig,
  /** Shared by the retries: TELEMETRY goes until the server has acknowledged it once. */
  telemetry: Telemetry
): Effect.Effect<EagerResult<T>, Neo4jError> =>
  // The per-query path: plain flatMaps, no generator.
  Effect.scoped(Effect.suspend(() => {
    const mode = config.routing ?? "WRITE"
    const database = config.database ?? driver.config.database
    const manager = config.bookmarkManager === null ? undefined : config.bookmarkManager ?? driver.bookmarkManager
    // An in-memory manager (the driver's own by default) is read and updated without a step.
    const inMemory = manager === undefined ? undefined : InMemoryBookmarks.synchronous(manager)
    const run = (started: ReadonlyArray<string>) =>
      Effect.flatMap(driver.acquire({
        mode,
        database,
        impersonatedUser: config.impersonatedUser,
        auth: config.auth,
        bookmarks: started
      }), (lease) => {
        const connection = lease.connection
        // Records are pulled in batches of the configured fetch size, as the official drivers do.
        // A read that pulls everything at once (fetch size -1) sends BEGIN, RUN, PULL and COMMIT in
        // one write: one round trip, and a connection lost on the way is safely retried (a read
        // commits nothing). Otherwise COMMIT goes only after the result is complete, so a connection
        // lost before it is retried and one lost during it is reported as CommitOutcomeUnknown (see
        // BoltConnection.commit and queryInTransaction).
        const fetchSize = driver.config.fetchSize
        const pipelined = connection.queryInTransaction({ query, parameters, fetchSize }, {
          bookmarks: started,
          timeout: config.timeout,
          metadata: config.metadata,
          mode,
          database: lease.database,
          impersonatedUser: config.impersonatedUser,
          notifications: config.notifications
        }, mode === "READ" && fetchSize === -1, telemetry)
        const work = Effect.flatMap(pipelined, ({ begun, result, commit }) => {
          const collected = Effect.flatMap(result.collect, (records) =>
            Effect.flatMap(commit, (commitMetadata) => {
              // The result is complete: its summary is at hand (no step), unless it failed.
              const summary = result.summaryIfDone()
              const summarized = summary === undefined
                ? Effect.map(result.summary, (s) => eagerOf<T>(result, records, s))
                : Effect.succeed(eagerOf<T>(result, records, summary))
              if (manager === undefined || inMemory !== undefined) {
                inMemory?.update(started, bookmarksOf(commitMetadata))
                return summarized
              }
              return Effect.andThen(manager.updateBookmarks(started, bookmarksOf(commitMetadata)), summarized)
            }))
          // A direct driver has no home database to learn.
          return driver.router.routing
            ? Effect.andThen(driver.router.onHomeDatabase(lease.route, Router.databaseIn(begun)), collected)
            : collected
        })
        return Driver.annotatingSpan(() => ({ "server.address": connection.address.host, "server.port": connection.address.port }), work)
      })
    if (manager === undefined) return run([])
    return inMemory === undefined ? Effect.flatMap(manager.getBookmarks, run) : run(inMemory.get())
  }))

const serverInfoQuery = Verify.serverInfo

/**
 * Makes the driver in the current scope (its connections close with the scope).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Neo4jConfig.Neo4jOptions): Effect.Effect<Neo4j, Neo4jUsageError, Scope.Scope> =>
  Effect.map(build(options), ({ driver }) => driver)

/**
 * The security errors that mean "these credentials are not accepted" (`verifyAuthentication` answers
 * `false`), as the official drivers list them; any other (a rate limit, an expired authorization, a
 * code this driver does not know) fails the call.
 */
const REJECTED_CREDENTIALS: ReadonlySet<string> = new Set([
  "Neo.ClientError.Security.CredentialsExpired",
  "Neo.ClientError.Security.Forbidden",
  "Neo.ClientError.Security.TokenExpired",
  "Neo.ClientError.Security.Unauthorized"
])

/**
 * The driver and, for the layers, the check they run when built: one connection (pooled, reused by
 * the first query) proving the address, scheme and credentials; not retried, and bounded as a whole
 * (for `neo4j://`, routing table included) by `connectionTimeout`.
 */
const build = (
  options: Neo4jConfig.Neo4jOptions
): Effect.Effect<{ readonly driver: Neo4j; readonly verify: Effect.Effect<void, Neo4jError> }, Neo4jUsageError, Scope.Scope> =>
  Effect.gen(function*() {
    const config = yield* Effect.fromResult(resolveConfig(options))
    const sharedManager = yield* Effect.serviceOption(Bookmarks.DefaultBookmarkManager)
    const driver = yield* Driver.make(config, Option.getOrUndefined(sharedManager))
    const span = (operation: string, database: string | undefined, query?: string) =>
      observe(driver, { span: `Neo4j.${operation}`, operation, database, query })

    const sessionFor = (config?: Neo4jSession.SessionConfig) => makeSession(driver, config)

    const check = serverInfoQuery(driver, undefined)
    // A token manager that handles the rejection (a rotated password) has its new token tried
    // once; nothing else is retried.
    const checked = Effect.catchTag(check, "Neo4jAuthenticationError", (error) =>
      Effect.flatMap(driver.classify(error), (classified) => isMarkedRetryable(classified) ? check : Effect.fail(error)))
    // bolt://: one connection set-up, bounded by connectionTimeout on its own (its error names the
    // phase that hung). neo4j://: routers, ROUTE and a reader, bounded together by it.
    const verify = (!config.uri.routing ? checked : checked.pipe(
      Effect.timeoutOrElse({
        duration: config.connectionTimeout,
        orElse: () =>
          Effect.fail(
            new Neo4jConnectionError({
              reason: "Timeout",
              address: `${config.uri.address.host}:${config.uri.address.port}`,
              message: `Fetching a routing table from ${config.uri.address.host}:${config.uri.address.port} and connecting ` +
                `when the driver layer was built took longer than connectionTimeout (${Duration.format(config.connectionTimeout)})`
            })
          )
      })
    )).pipe(
      Effect.asVoid,
      span("verifyConnectivity", undefined)
    )

    const service = Neo4j.of({
      verifyConnectivity: (o) => serverInfoQuery(driver, o?.database).pipe(span("verifyConnectivity", o?.database)),
      verifyAuthentication: (auth) =>
        Effect.scoped(
          Effect.gen(function*() {
            const token = auth ?? (yield* config.auth.getToken)
            // A reader of the system database, as the official drivers verify (neo4j://: its table is
            // fetched as the user being verified).
            yield* driver.acquire({ mode: "READ", database: "system", auth: token, awaitAuth: true })
            return true
          })
        ).pipe(
          // Forbidden comes as a Neo4jClientError: the code decides, not the class.
          Effect.catch((error) =>
            "code" in error && REJECTED_CREDENTIALS.has(error.code) ? Effect.succeed(false) : Effect.fail(error)),
          span("verifyAuthentication", undefined)
        ),
      getServerInfo: (o) => serverInfoQuery(driver, o?.database).pipe(span("getServerInfo", o?.database)),
      supportsSessionAuth: Verify.supportsSessionAuth(driver).pipe(span("supportsSessionAuth", undefined)),
      isEncrypted: config.tls !== undefined,
      executeQuery: <T extends Record<string, unknown> = Record<string, unknown>>(
        query: string | Neo4jCypher.Statement,
        parameters?: Neo4jSession.Parameters,
        queryConfig: QueryConfig = {}
      ) => {
        const { text, parameters: params } = Neo4jCypher.toQuery(query, parameters)
        const op = { span: "Neo4j.executeQuery", operation: "executeQuery", database: queryConfig.database ?? config.database, query: text }
        return Effect.suspend(() =>
          retrying(
            executeQueryOnce<T>(driver, text, params, queryConfig, telemetryOf(TelemetryApi.EXECUTE_QUERY)),
            queryConfig.retry ?? config.retry,
            driver.classify,
            onRetry(driver, op)
          )
        )
          .pipe(observe(driver, op))
      },
      session: (sessionConfig) => Effect.succeed(sessionFor(sessionConfig)),
      executeRead: (work, c) => sessionFor(c).executeRead(work, c),
      executeWrite: (work, c) => sessionFor(c).executeWrite(work, c),
      stream: (query, parameters, c) => makeSession(driver, c, "Neo4j.stream").stream(query, parameters, c),
      poolStats: driver.pool.stats,
      routingTable: (database) => driver.router.table(database ?? config.database),
      refreshRoutingTable: (o) =>
        driver.router.refresh({ mode: "READ", database: o?.database ?? config.database, bookmarks: o?.bookmarks }),
      bookmarkManager: driver.bookmarkManager,
      close: driver.pool.close
    })
    return { driver: service, verify }
  })

/** The layers' constructor: {@link build}, then its check unless `verifyConnectivity: false`. */
const buildVerified = (options: Neo4jConfig.Neo4jOptions): Effect.Effect<Neo4j, Neo4jError, Scope.Scope> =>
  Effect.flatMap(build(options), ({ driver, verify }) =>
    options.verifyConnectivity === false ? Effect.succeed(driver) : Effect.as(verify, driver))

/**
 * The driver as a layer built from options in code. Building it connects once (unless
 * `verifyConnectivity: false`): a wrong address, scheme or password fails the build with the typed
 * error, without retries and within `connectionTimeout`; the connection is pooled for the first query.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Neo4jConfig.Neo4jOptions): Layer.Layer<Neo4j, Neo4jError> =>
  Layer.effect(Neo4j, buildVerified(options))

/**
 * The driver as a layer whose options are read through `Config` when the layer is built, with
 * `overrides` applied on top. Without `options`: `NEO4J_URI`, `NEO4J_USERNAME` (default `neo4j`),
 * `NEO4J_PASSWORD` (as `Redacted`, optional) and `NEO4J_DATABASE` (optional), read through the
 * current `ConfigProvider`; that default loads `effect/Config` (and Schema with it) only when the
 * layer is built, so importing this module does not. Like {@link layer}, building it connects once
 * unless the options say `verifyConnectivity: false`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options?: Config.Config<Neo4jConfig.Neo4jOptions>,
  overrides: Partial<Neo4jConfig.Neo4jOptions> = {}
): Layer.Layer<Neo4j, Neo4jError | Config.ConfigError> =>
  Layer.effect(
    Neo4j,
    Effect.gen(function*() {
      const source = options ?? (yield* Effect.promise(() => import("./internal/envConfig.ts"))).envConfig
      return yield* buildVerified({ ...(yield* source), ...overrides })
    })
  )

/**
 * Verifies that the server answers.
 *
 * @since 0.1.0
 * @category accessors
 */
export const verifyConnectivity: Effect.Effect<ServerInfo, Neo4jError, Neo4j> = Neo4j.use((d) => d.verifyConnectivity())

/**
 * Whether the server accepts these credentials (default: the driver's).
 *
 * @since 0.1.0
 * @category accessors
 */
export const verifyAuthentication = (auth?: Auth.AuthToken): Effect.Effect<boolean, Neo4jError, Neo4j> =>
  Neo4j.use((d) => d.verifyAuthentication(auth))

/**
 * The server's address, agent and protocol version.
 *
 * @since 0.1.0
 * @category accessors
 */
export const getServerInfo: Effect.Effect<ServerInfo, Neo4jError, Neo4j> = Neo4j.use((d) => d.getServerInfo())

/**
 * Whether the server supports session auth (Bolt 5.1+).
 *
 * @since 0.1.0
 * @category accessors
 */
export const supportsSessionAuth: Effect.Effect<boolean, Neo4jError, Neo4j> = Neo4j.use((d) => d.supportsSessionAuth)

/**
 * Whether the driver encrypts its connections.
 *
 * @since 0.1.0
 * @category accessors
 */
export const isEncrypted: Effect.Effect<boolean, never, Neo4j> = Neo4j.use((d) => Effect.succeed(d.isEncrypted))

/**
 * One query in a managed transaction, read to the end.
 *
 * @since 0.1.0
 * @category accessors
 */
export const executeQuery = <T extends Record<string, unknown> = Record<string, unknown>>(
  query: string | Neo4jCypher.Statement,
  parameters?: Neo4jSession.Parameters,
  queryConfig?: QueryConfig
): Effect.Effect<EagerResult<T>, Neo4jError, Neo4j> => Neo4j.use((d) => d.executeQuery<T>(query, parameters, queryConfig))

/**
 * A read transaction function.
 *
 * @since 0.1.0
 * @category accessors
 */
export const executeRead = <A, E, R>(
  work: Neo4jSession.TransactionWork<A, E, R>,
  sessionConfig?: Neo4jSession.SessionConfig & Neo4jSession.TransactionFunctionConfig
): Effect.Effect<A, E | Neo4jError, Exclude<R, Neo4jSession.Transaction> | Neo4j> =>
  Neo4j.use((d) => d.executeRead(work, sessionConfig))

/**
 * A write transaction function.
 *
 * @since 0.1.0
 * @category accessors
 */
export const executeWrite = <A, E, R>(
  work: Neo4jSession.TransactionWork<A, E, R>,
  sessionConfig?: Neo4jSession.SessionConfig & Neo4jSession.TransactionFunctionConfig
): Effect.Effect<A, E | Neo4jError, Exclude<R, Neo4jSession.Transaction> | Neo4j> =>
  Neo4j.use((d) => d.executeWrite(work, sessionConfig))

/**
 * A session of the driver (nothing to close: see `Neo4j.session`).
 *
 * @since 0.1.0
 * @category accessors
 */
export const session = (
  sessionConfig?: Neo4jSession.SessionConfig
): Effect.Effect<Neo4jSession.Session, never, Neo4j> => Neo4j.use((d) => d.session(sessionConfig))

/**
 * A session for the lifetime of the layer, as the `Neo4jSession.Session` service, for programs
 * that run their work with `Neo4jSession.run` and friends.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerSession = (
  sessionConfig?: Neo4jSession.SessionConfig
): Layer.Layer<Neo4jSession.Session, never, Neo4j> =>
  Layer.effect(Neo4jSession.Session, Neo4j.use((d) => d.session(sessionConfig)))

/**
 * An auto-commit query streamed record by record.
 *
 * @since 0.1.0
 * @category accessors
 */
export const stream = <T extends Record<string, unknown> = Record<string, unknown>>(
  query: string | Neo4jCypher.Statement,
  parameters?: Neo4jSession.Parameters,
  streamConfig?: Neo4jSession.SessionConfig & Neo4jSession.TransactionConfig
): Stream.Stream<Neo4jRecord<T>, Neo4jError, Neo4j> =>
  Stream.unwrap(Neo4j.useSync((d) => d.stream<T>(query, parameters, streamConfig)))

/**
 * Connection pool statistics.
 *
 * @since 0.1.0
 * @category accessors
 */
export const poolStats: Effect.Effect<ReadonlyArray<PoolStats>, never, Neo4j> = Neo4j.use((d) => d.poolStats)

/**
 * The current routing table of a database (`neo4j://` only), for diagnostics.
 *
 * @since 0.1.0
 * @category accessors
 */
export const routingTable = (database?: string): Effect.Effect<RoutingTable | undefined, never, Neo4j> =>
  Neo4j.use((d) => d.routingTable(database))
