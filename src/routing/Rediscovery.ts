/**
 * Rediscovery: asking routers for a database's routing table, known routers first, then the seed
 * address re-resolved, until one answers with a usable table. Every failed attempt is kept, so
 * that "no routing servers available" can say which routers were asked and why each one failed.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import type * as Metadata from "../bolt/Metadata.ts"
import type { BoltConnection } from "../connection/BoltConnection.ts"
import { formatAddress, type ParsedUri, type ServerAddress } from "../internal/uri.ts"
import type { AuthToken } from "../Neo4jAuth.ts"
import { Neo4jConnectionError, type Neo4jError } from "../Neo4jError.ts"
import * as RoutingTable from "./RoutingTable.ts"

/**
 * What a ROUTE request asks for.
 *
 * @since 0.1.0
 * @category models
 */
export interface TableRequest {
  /** `undefined`: the user's home database (the reply names it). */
  readonly database: string | undefined
  readonly bookmarks: ReadonlyArray<string>
  readonly impersonatedUser: string | undefined
  /** Session-level auth; `undefined`: the driver's credentials. */
  readonly auth: AuthToken | undefined
}

/**
 * Asks one router for a table: ROUTE on a connection to it.
 *
 * @since 0.1.0
 * @category models
 */
export type FetchTable = (router: ServerAddress, request: TableRequest) => Effect.Effect<FetchedTable, Neo4jError>

/** ROUTE's answer, and whether the router that gave it resolves home databases itself (see `RoutingTable.serverSideRouting`). */
export interface FetchedTable extends Metadata.RouteMetadata {
  readonly serverSideRouting?: boolean | undefined
}

import type { Resolver } from "../Neo4jConfig.ts"

export type { Resolver }

/**
 * The default resolver: the seed address as given (the socket resolves its host name).
 *
 * @since 0.1.0
 * @category constructors
 */
export const identityResolver: Resolver = (address) => Effect.succeed([address])

/**
 * One router that did not give a table, and why.
 *
 * @since 0.1.0
 * @category models
 */
export interface FailedAttempt {
  readonly router: string
  readonly error: Neo4jError
}

/**
 * The routing context of ROUTE and HELLO: the URI's query string plus `address`, the seed address as
 * the user wrote it ("address: the address the driver used to connect to the cluster").
 *
 * @since 0.1.0
 * @category constructors
 */
export const routingContext = (uri: ParsedUri): Readonly<Record<string, string>> => ({
  ...uri.routingContext,
  address: formatAddress(uri.address)
})

/**
 * A {@link FetchTable} that sends ROUTE on a pooled connection to the router.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fetchOverConnection = (options: {
  /** A pooled, authenticated connection to the router for the current scope. */
  readonly acquire: (address: ServerAddress, auth: AuthToken | undefined) => Effect.Effect<BoltConnection, Neo4jError, Scope.Scope>
  readonly routingContext: Readonly<Record<string, string>>
}): FetchTable =>
(router, request) =>
  Effect.scoped(
    Effect.gen(function*() {
      const connection = yield* options.acquire(router, request.auth)
      const route = yield* connection.route({
        routing: options.routingContext,
        bookmarks: request.bookmarks,
        database: request.database,
        impersonatedUser: request.impersonatedUser
      })
      return { ...route, serverSideRouting: connection.hints.ssrEnabled && connection.capabilities.homeDbInSuccess }
    })
  )

// Connection failures that are setup mistakes (certificates, the HTTP port, a server too old):
// every router of the cluster would fail the same way, and the user must see the real cause, not
// "no routing servers available" retried for 30 s.
const SETUP_FAILURES: ReadonlySet<Neo4jConnectionError["reason"]> = new Set<Neo4jConnectionError["reason"]>([
  "Tls",
  "HttpPort",
  "NoCommonVersion"
])

/** Server errors of ROUTE that another router would answer the same way: the request is wrong. */
const FATAL_ROUTE_CODES: ReadonlySet<string> = new Set([
  "Neo.ClientError.Database.DatabaseNotFound",
  "Neo.ClientError.Transaction.InvalidBookmark",
  "Neo.ClientError.Transaction.InvalidBookmarkMixture",
  "Neo.ClientError.Statement.ArgumentError",
  "Neo.ClientError.Statement.TypeError",
  "Neo.ClientError.Request.Invalid",
  "Neo.ClientError.Security.Forbidden"
])

/**
 * Errors after which asking another router cannot help: the request itself is wrong (unknown
 * database, bad bookmark, bad arguments, no permission), the credentials are (every security
 * error but `AuthorizationExpired`, which a new connection may not have), misuse, or the setup
 * (TLS, wrong port, no common Bolt version). Any other server error (an unknown code included),
 * connection loss, transient server states and unusable tables are worth another router, as in the
 * official drivers (TestKit routing test_should_request_rt_from_all_initial_routers_until_successful_*).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isFatalDiscoveryError = (error: Neo4jError): boolean => {
  switch (error._tag) {
    case "Neo4jClientError":
      return FATAL_ROUTE_CODES.has(error.code)
    case "Neo4jAuthenticationError":
      return error.code !== "Neo.ClientError.Security.AuthorizationExpired"
    case "Neo4jUsageError":
      return true
    case "Neo4jConnectionError":
      return SETUP_FAILURES.has(error.reason)
    case "Neo4jTransientError":
    case "Neo4jDatabaseError":
    case "Neo4jProtocolError":
    case "Neo4jResultError":
      return false
  }
}

/**
 * Inputs of one rediscovery.
 *
 * @since 0.1.0
 * @category models
 */
export interface RediscoveryInput {
  readonly request: TableRequest
  /** Routers of the current table, asked first. */
  readonly knownRouters: ReadonlyArray<ServerAddress>
  readonly seed: ServerAddress
  readonly resolver: Resolver
  readonly fetch: FetchTable
  /** Called for each router that failed in a way that makes it useless for now (not for fatal errors). */
  readonly onRouterFailure: (router: ServerAddress) => void
}

const describeError = (error: Neo4jError): string => {
  const detail = "code" in error ? `${error.code}: ${error.message}` : error.message
  return "reason" in error ? `${error.reason}, ${detail}` : `${error._tag}, ${detail}`
}

const whatFor = (database: string | undefined): string =>
  database === undefined ? "the home database" : `database '${database}'`

/**
 * The "no routing servers available" error, naming every router asked and its failure.
 *
 * @since 0.1.0
 * @category constructors
 */
export const noRoutersError = (
  database: string | undefined,
  seed: ServerAddress,
  attempts: ReadonlyArray<FailedAttempt>
): Neo4jConnectionError => {
  const tried = attempts.length === 0
    ? "no router was left to ask"
    : `tried ${attempts.map((a) => `${a.router} (${describeError(a.error)})`).join("; ")}`
  return new Neo4jConnectionError({
    reason: "ServiceUnavailable",
    address: formatAddress(seed),
    message: `Could not get a routing table for ${whatFor(database)}: no routing servers available; ${tried}`,
    cause: attempts
  })
}

/**
 * Asks the known routers, then the re-resolved seed, for a table. Succeeds with the first usable
 * one; fails at once on a fatal error; otherwise fails with {@link noRoutersError}.
 *
 * @since 0.1.0
 * @category combinators
 */
export const rediscover = (input: RediscoveryInput): Effect.Effect<RoutingTable.RoutingTable, Neo4jError> =>
  Effect.gen(function*() {
    const attempts: Array<FailedAttempt> = []
    const tried = new Set<string>()

    // undefined: try the next router; a table or a fatal error ends the search.
    const ask = (router: ServerAddress) =>
      Effect.gen(function*() {
        const key = formatAddress(router)
        if (tried.has(key)) return undefined
        tried.add(key)
        const fetched = yield* Effect.result(input.fetch(router, input.request))
        const now = yield* Clock.currentTimeMillis
        const table = fetched._tag === "Success"
          ? RoutingTable.fromRoute(fetched.success, { now, requested: input.request.database, from: router })
          : fetched.failure
        // Every Neo4jError is tagged; a table is not.
        if (!("_tag" in table)) return table
        if (isFatalDiscoveryError(table)) return yield* Effect.fail(table)
        attempts.push({ router: key, error: table })
        input.onRouterFailure(router)
        return undefined
      })

    for (const router of input.knownRouters) {
      const table = yield* ask(router)
      if (table !== undefined) return table
    }
    const resolved = yield* Effect.result(input.resolver(input.seed))
    if (resolved._tag === "Failure") {
      attempts.push({ router: `${formatAddress(input.seed)} (seed, resolving)`, error: resolved.failure })
    } else {
      for (const router of resolved.success) {
        const table = yield* ask(router)
        if (table !== undefined) return table
      }
    }
    return yield* noRoutersError(input.request.database, input.seed, attempts)
  })
