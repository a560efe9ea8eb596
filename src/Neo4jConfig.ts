/**
 * Driver options: what `Neo4j.layer(options)` takes, with the official drivers' defaults, and their
 * validation into one resolved configuration.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Auth from "./Neo4jAuth.ts"
import { Neo4jUsageError } from "./Neo4jError.ts"
import type { NotificationFilter } from "./Neo4jSummary.ts"
import type { TlsSettings } from "./connection/Transport.ts"
import { withinBudget } from "./internal/retry.ts"
import { parseUri, type ParsedUri } from "./internal/uri.ts"
import { POOL_DEFAULTS, type PoolConfig } from "./pool/ConnectionPool.ts"
import type { Resolver } from "./routing/Rediscovery.ts"

/**
 * Defaults of the official drivers (PROTOCOL-NOTES, "What the official drivers do").
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULTS = {
  fetchSize: 1000, // records per PULL
  connectionTimeout: Duration.seconds(30),
  maxTransactionRetryTime: Duration.seconds(30),
  retryInitialDelay: Duration.seconds(1),
  retryMultiplier: 2
} as const

/**
 * The retry policy of transaction functions: a `Schedule` over the failures that are retryable.
 *
 * @since 0.1.0
 * @category models
 */
export type RetrySchedule = Schedule.Schedule<unknown, unknown>

/**
 * The default retry policy: first delay 1 s, doubling, each delay jittered by +-20 %, and a budget
 * of `maxRetryTime` (30 s) from the first failure: the last delay is cut to what is left of it, and
 * no attempt starts after it. Pass a shorter budget for work that must fail fast.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultRetrySchedule = (maxRetryTime: Duration.Input = DEFAULTS.maxTransactionRetryTime): RetrySchedule =>
  withinBudget(Schedule.jittered(Schedule.exponential(DEFAULTS.retryInitialDelay, DEFAULTS.retryMultiplier)), maxRetryTime)

/**
 * Options of `Neo4j.layer`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Neo4jOptions {
  /** `bolt://`, `bolt+s://`, `bolt+ssc://`, `neo4j://`, `neo4j+s://` or `neo4j+ssc://`. */
  readonly uri: string
  /**
   * Credentials, or a token manager for rotating ones; defaults to no authentication.
   * `username`/`password` is a shortcut for basic.
   */
  readonly auth?: Auth.AuthToken | Auth.AuthTokenManager | undefined
  readonly username?: string | undefined
  readonly password?: string | Redacted.Redacted<string> | undefined
  /** Database used when a call names none (default: the server's home database). */
  readonly database?: string | undefined
  /** Records requested per PULL (default 1000; -1 fetches all at once). */
  readonly fetchSize?: number | undefined
  /** Connections per server (default 100). */
  readonly maxConnectionPoolSize?: number | undefined
  /** How long to wait for a free connection (default 60 s). */
  readonly connectionAcquisitionTimeout?: Duration.Input | undefined
  /** Bound of a connection's set-up: TCP, TLS, Bolt handshake, HELLO/LOGON (default 30 s). */
  readonly connectionTimeout?: Duration.Input | undefined
  /** Connections older than this are closed instead of reused (default 1 h). */
  readonly maxConnectionLifetime?: Duration.Input | undefined
  /** Idle connections older than this are checked with a round trip before reuse (default: never). */
  readonly connectionLivenessCheckTimeout?: Duration.Input | undefined
  /** `auto` (default): integers are `number` when safe and `bigint` otherwise; `bigint`: always. */
  readonly integers?: "auto" | "bigint" | undefined
  /** TLS beyond what the scheme says: a custom CA (turns on verification), client certificates, ... */
  readonly tls?: Partial<TlsSettings> | undefined
  /** Retry policy of transaction functions (default: 1 s, x2, +-20 % jitter, 30 s in total). */
  readonly retry?: RetrySchedule | undefined
  /** Notification filters applied to every query (Bolt 5.2+). */
  readonly notifications?: NotificationFilter | undefined
  /** Sent as `user_agent` in HELLO. */
  readonly userAgent?: string | undefined
  /** Put the query text in spans (`db.query.text`); off by default: queries may carry data. */
  readonly traceQueryText?: boolean | undefined
  /** Send TELEMETRY when the server asks for it (Bolt 5.4+); default true. */
  readonly telemetry?: boolean | undefined
  /** neo4j:// only: the addresses to ask for a routing table instead of the URI's (default: as given). */
  readonly resolver?: Resolver | undefined
  /**
   * `Neo4j.layer`, `Neo4j.layerConfig` and `Neo4jLive` connect once when built (default true): a
   * wrong address, port, scheme or password fails the build, without retries and within
   * `connectionTimeout`, instead of the first query after its retries. `Neo4j.make` never does.
   */
  readonly verifyConnectivity?: boolean | undefined
}

/**
 * Options after validation, with every default applied.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResolvedConfig {
  readonly uri: ParsedUri
  readonly auth: Auth.AuthTokenManager
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
 *
 * @since 0.1.0
 * @category constructors
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
      resolver: options.resolver
    }
  })

/**
 * The `bolt_agent` sent in HELLO (Bolt 5.3+).
 *
 * @since 0.1.0
 * @category constants
 */
export const boltAgent = {
  product: `effect-neo4j/${VERSION}`,
  platform: `${process.platform} ${process.arch}`,
  language: `Node/${process.versions.node}`,
  languageDetails: `effect 4`
} as const
