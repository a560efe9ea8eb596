/**
 * The driver's options validated into one resolved configuration (every default applied, every
 * problem a `Neo4jUsageError` naming the fix), and the \`bolt_agent\` HELLO sends.
 */
import * as Duration from "effect/Duration"
import * as Result from "effect/Result"
import * as Auth from "../Neo4jAuth.ts"
import { DEFAULTS, defaultRetrySchedule, type Neo4jOptions, type RetrySchedule, type TlsSettings, type Resolver, type DomainNameResolver } from "../Neo4jConfig.ts"
import { Neo4jUsageError } from "../Neo4jError.ts"
import type { NotificationFilter } from "../Neo4jSummary.ts"
import { parseUri, type ParsedUri } from "./uri.ts"
import { POOL_DEFAULTS, type PoolConfig } from "../pool/ConnectionPool.ts"

/**
 * Options after validation, with every default applied.
 */
export interface ResolvedConfig {
  readonly uri: ParsedUri
  readonly auth: Auth.AuthTokenManager
  /** The token when the user gave one rather than a manager (no effect to ask it on every checkout). */
  readonly staticToken: Auth.AuthToken | undefined
  readonly database: string | undefined
  readonly fetchSize: number
  readonly pool: PoolConfig
  readonly connectionTimeout: Duration.Duration
  readonly integers: "auto" | "bigint"
  readonly tls: TlsSettings | undefined
  readonly retry: RetrySchedule
  readonly notifications: NotificationFilter | undefined
  readonly userAgent: string
  readonly traceQueryText: boolean
  readonly telemetry: boolean
  readonly resolver: Resolver | undefined
  readonly domainNameResolver: DomainNameResolver | undefined
}

const VERSION = "0.1.0"

const duration = (
  name: string,
  input: Duration.Input | undefined,
  fallback: Duration.Duration
): Result.Result<Duration.Duration, Neo4jUsageError> => {
  if (input === undefined) return Result.succeed(fallback)
  const parsed = Duration.fromInput(input)
  if (parsed._tag === "None" || Duration.toMillis(parsed.value) < 0) {
    return Result.fail(new Neo4jUsageError({ message: `${name} must be a non-negative duration, got ${String(input)}` }))
  }
  return Result.succeed(parsed.value)
}

const positiveInteger = (name: string, value: number | undefined, fallback: number): Result.Result<number, Neo4jUsageError> => {
  if (value === undefined) return Result.succeed(fallback)
  if (!Number.isSafeInteger(value) || value < 1) {
    return Result.fail(new Neo4jUsageError({ message: `${name} must be a positive integer, got ${value}` }))
  }
  return Result.succeed(value)
}

const resolveAuth = (options: Neo4jOptions): Result.Result<Auth.AuthToken | Auth.AuthTokenManager, Neo4jUsageError> => {
  if (options.auth !== undefined) {
    if (options.username !== undefined || options.password !== undefined) {
      return Result.fail(new Neo4jUsageError({ message: "Give either `auth` or `username`/`password`, not both" }))
    }
    return Result.succeed(options.auth)
  }
  if (options.username === undefined && options.password === undefined) return Result.succeed(Auth.none())
  if (options.username === undefined || options.username === "") {
    return Result.fail(new Neo4jUsageError({ message: "A password was given without a username (set NEO4J_USERNAME or `username`)" }))
  }
  if (options.password === undefined) {
    return Result.fail(new Neo4jUsageError({
      message: `No password for user '${options.username}': set NEO4J_PASSWORD or the \`password\` option`
    }))
  }
  return Result.succeed(Auth.basic(options.username, options.password))
}

const resolveTls = (uri: ParsedUri, tls: Partial<TlsSettings> | undefined): TlsSettings | undefined => {
  if (uri.tls === "none" && tls === undefined) return undefined
  const trust = tls?.trust ?? (tls?.ca !== undefined ? "custom-ca" : uri.tls === "trust-all" ? "trust-all" : "system-ca")
  return { ...tls, trust }
}

/**
 * Validates options and applies defaults; every problem is a `Neo4jUsageError` naming the fix.
 */
export const resolve = (options: Neo4jOptions): Result.Result<ResolvedConfig, Neo4jUsageError> =>
  Result.gen(function*() {
    const uri = yield* parseUri(options.uri)
    const token = yield* resolveAuth(options)
    const auth = Auth.isAuthTokenManager(token) ? token : Auth.staticTokenManager(token)
    const fetchSize = options.fetchSize === -1 ? -1 : yield* positiveInteger("fetchSize", options.fetchSize, DEFAULTS.fetchSize)
    const maxSize = yield* positiveInteger("maxConnectionPoolSize", options.maxConnectionPoolSize, POOL_DEFAULTS.maxSize)
    const acquisitionTimeout = yield* duration(
      "connectionAcquisitionTimeout",
      options.connectionAcquisitionTimeout,
      POOL_DEFAULTS.acquisitionTimeout
    )
    const maxLifetime = yield* duration("maxConnectionLifetime", options.maxConnectionLifetime, POOL_DEFAULTS.maxLifetime)
    const connectionTimeout = yield* duration("connectionTimeout", options.connectionTimeout, DEFAULTS.connectionTimeout)
    const liveness = options.connectionLivenessCheckTimeout === undefined
      ? undefined
      : yield* duration("connectionLivenessCheckTimeout", options.connectionLivenessCheckTimeout, Duration.zero)
    if (options.integers !== undefined && options.integers !== "auto" && options.integers !== "bigint") {
      return yield* Result.fail(new Neo4jUsageError({ message: `integers must be "auto" or "bigint", got ${String(options.integers)}` }))
    }
    return {
      uri,
      auth,
      staticToken: Auth.isAuthTokenManager(token) ? undefined : token,
      database: options.database,
      fetchSize,
      pool: { maxSize, acquisitionTimeout, maxLifetime, livenessCheckTimeout: liveness },
      connectionTimeout,
      integers: options.integers ?? "auto",
      tls: resolveTls(uri, options.tls),
      retry: options.retry ?? defaultRetrySchedule(),
      notifications: options.notifications,
      userAgent: options.userAgent ?? `effect-neo4j/${VERSION}`,
      traceQueryText: options.traceQueryText ?? false,
      telemetry: options.telemetry ?? true,
      resolver: options.resolver,
      domainNameResolver: options.domainNameResolver
    }
  })

/**
 * The `bolt_agent` sent in HELLO (Bolt 5.3+).
 */
export const boltAgent = {
  product: `effect-neo4j/${VERSION}`,
  platform: `${process.platform} ${process.arch}`,
  language: `Node/${process.versions.node}`,
  languageDetails: `effect 4`
} as const
