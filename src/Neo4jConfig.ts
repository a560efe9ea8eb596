/**
 * Driver options: what `Neo4j.layer(options)` takes, with the official drivers' defaults, and their
 * validation into one resolved configuration.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import type * as Auth from "./Neo4jAuth.ts"
import type { Neo4jError } from "./Neo4jError.ts"
import type { NotificationFilter } from "./Neo4jSummary.ts"
import { withinBudget } from "./internal/retry.ts"

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
   * Resolves a host name to the IP addresses (or other host names) to dial, tried in order until
   * one connects; every connection the driver opens goes through it (default: the system's DNS).
   * TLS still verifies the certificate against the host name. See {@link DomainNameResolver}.
   */
  readonly domainNameResolver?: DomainNameResolver | undefined
  /**
   * `Neo4j.layer`, `Neo4j.layerConfig` and `Neo4jLive` connect once when built (default true): a
   * wrong address, port, scheme or password fails the build, without retries and within
   * `connectionTimeout`, instead of the first query after its retries. `Neo4j.make` never does.
   */
  readonly verifyConnectivity?: boolean | undefined
}

/**
 * A server's address; `host` is bare (IPv6 without brackets).
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerAddress {
  readonly host: string
  readonly port: number
}

/**
 * TLS settings of a connection. `system-ca`: verify against the system's CAs (`bolt+s`);
 * `trust-all`: encrypt but accept any certificate (`bolt+ssc`); `custom-ca`: verify against the
 * given CA certificates only.
 *
 * @since 0.1.0
 * @category models
 */
export interface TlsSettings {
  readonly trust: "system-ca" | "trust-all" | "custom-ca"
  /** PEM CA certificates for `custom-ca`. */
  readonly ca?: ReadonlyArray<string | Uint8Array> | undefined
  /** Check that the certificate names the host (default true; never checked for `trust-all`). */
  readonly verifyHostname?: boolean | undefined
  /**
   * The client certificate for servers that require mutual TLS: one fixed certificate, or a
   * provider asked before each new connection (see {@link rotatingClientCertificate}).
   */
  readonly clientCertificate?: ClientCertificate | ClientCertificateProvider | undefined
  /** Server name for SNI and hostname checks when it differs from the host dialled. */
  readonly serverName?: string | undefined
}

/**
 * A client certificate for mutual TLS: the certificate (PEM, optionally followed by its
 * intermediate certificates), its private key (PEM) and the key's passphrase if it is encrypted.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientCertificate {
  readonly cert: string | Uint8Array
  readonly key: Redacted.Redacted<string | Uint8Array>
  readonly passphrase?: Redacted.Redacted<string> | undefined
}

/**
 * Gives the client certificate of each new connection: `getCertificate` runs once per connection,
 * before it is dialled, so a certificate that changes applies to the connections opened after the
 * change while open ones keep theirs. A failure fails that connection attempt with a
 * `Neo4jConnectionError` (reason `"Tls"`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientCertificateProvider {
  readonly _tag: "ClientCertificateProvider"
  /** The certificate for the connection about to be opened. */
  readonly getCertificate: Effect.Effect<ClientCertificate, Neo4jError>
}

/**
 * A {@link ClientCertificateProvider} whose certificate the application replaces with `update`
 * (a renewed certificate, e.g. read again when its files change).
 *
 * @since 0.1.0
 * @category models
 */
export interface RotatingClientCertificateProvider extends ClientCertificateProvider {
  /** Replaces the certificate; connections opened from now on present the new one. */
  readonly update: (certificate: ClientCertificate) => Effect.Effect<void>
}

/**
 * A {@link ClientCertificateProvider} that runs `getCertificate` for each new connection (read from
 * a secret store, a file, ...).
 *
 * @since 0.1.0
 * @category constructors
 */
export const clientCertificateProvider = (
  getCertificate: Effect.Effect<ClientCertificate, Neo4jError>
): ClientCertificateProvider => ({ _tag: "ClientCertificateProvider", getCertificate })

/**
 * A {@link RotatingClientCertificateProvider} holding `initial` until the first `update`: pass it
 * as `tls.clientCertificate`, keep it, and call `update` with the renewed certificate.
 *
 * @since 0.1.0
 * @category constructors
 */
export const rotatingClientCertificate = (initial: ClientCertificate): RotatingClientCertificateProvider => {
  const current = Ref.makeUnsafe(initial)
  return {
    _tag: "ClientCertificateProvider",
    getCertificate: Ref.get(current),
    update: (certificate) => Ref.set(current, certificate)
  }
}

/**
 * Turns the seed address into the addresses to try (DNS, service discovery, a fixed list...).
 *
 * @since 0.1.0
 * @category models
 */
export type Resolver = (address: ServerAddress) => Effect.Effect<ReadonlyArray<ServerAddress>, Neo4jError>

/**
 * Turns a host name into the hosts to dial, tried in order (a custom DNS, a test that serves
 * several names from one IP). An empty list or a failure fails the connection attempt with a
 * `Neo4jConnectionError`.
 *
 * @since 0.1.0
 * @category models
 */
export type DomainNameResolver = (host: string) => Effect.Effect<ReadonlyArray<string>, Neo4jError>
