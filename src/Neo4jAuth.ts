/**
 * Authentication tokens: basic, bearer, kerberos, custom and none. Credentials are held as
 * `Redacted` values, so they never appear in logs, spans, error messages or `toString`.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { Neo4jUsageError } from "./Neo4jError.ts"
import { equivalent as sameWireMap } from "./bolt/AuthMap.ts"

/**
 * An authentication token, sent in HELLO (Bolt 4.4/5.0) or LOGON (Bolt 5.1+).
 *
 * @since 0.1.0
 * @category models
 */
export type AuthToken =
  | { readonly _tag: "None" }
  | {
    readonly _tag: "Basic"
    readonly username: string
    readonly password: Redacted.Redacted<string>
    readonly realm?: string | undefined
  }
  | { readonly _tag: "Bearer"; readonly token: Redacted.Redacted<string> }
  | { readonly _tag: "Kerberos"; readonly ticket: Redacted.Redacted<string> }
  | {
    readonly _tag: "Custom"
    readonly scheme: string
    readonly principal: string
    readonly credentials: Redacted.Redacted<string>
    readonly realm?: string | undefined
    readonly parameters?: Readonly<Record<string, unknown>> | undefined
  }

const redact = (value: string | Redacted.Redacted<string>): Redacted.Redacted<string> =>
  Redacted.isRedacted(value) ? value : Redacted.make(value)

/**
 * No authentication (the server runs with `dbms.security.auth_enabled=false`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const none = (): AuthToken => ({ _tag: "None" })

/**
 * User name and password.
 *
 * @since 0.1.0
 * @category constructors
 */
export const basic = (
  username: string,
  password: string | Redacted.Redacted<string>,
  realm?: string
): AuthToken => ({ _tag: "Basic", username, password: redact(password), realm })

/**
 * A bearer token (SSO / OIDC).
 *
 * @since 0.1.0
 * @category constructors
 */
export const bearer = (token: string | Redacted.Redacted<string>): AuthToken => ({
  _tag: "Bearer",
  token: redact(token)
})

/**
 * A base64-encoded Kerberos ticket.
 *
 * @since 0.1.0
 * @category constructors
 */
export const kerberos = (ticket: string | Redacted.Redacted<string>): AuthToken => ({
  _tag: "Kerberos",
  ticket: redact(ticket)
})

/**
 * A token for a custom authentication plugin on the server.
 *
 * @since 0.1.0
 * @category constructors
 */
export const custom = (options: {
  readonly scheme: string
  readonly principal: string
  readonly credentials: string | Redacted.Redacted<string>
  readonly realm?: string | undefined
  readonly parameters?: Readonly<Record<string, unknown>> | undefined
}): AuthToken => ({
  _tag: "Custom",
  scheme: options.scheme,
  principal: options.principal,
  credentials: redact(options.credentials),
  realm: options.realm,
  parameters: options.parameters
})

/**
 * A short description without secrets, for logs and error messages (`basic(neo4j)`).
 *
 * @since 0.1.0
 * @category formatting
 */
export const describe = (token: AuthToken): string => {
  switch (token._tag) {
    case "None":
      return "none"
    case "Basic":
      return `basic(${token.username})`
    case "Bearer":
      return "bearer"
    case "Kerberos":
      return "kerberos"
    case "Custom":
      return `custom(${token.scheme}, ${token.principal})`
  }
}

/**
 * Whether two tokens carry the same identity and secret (decides if a pooled connection that
 * authenticated with one can serve the other without LOGOFF/LOGON): their HELLO/LOGON maps are equal.
 *
 * @since 0.1.0
 * @category predicates
 */
export const equivalent: (a: AuthToken, b: AuthToken) => boolean = sameWireMap

/**
 * Supplies the current auth token and learns about the server rejecting it, so that rotating
 * credentials (e.g. short-lived bearer tokens) are fetched again on expiry or on `TokenExpired`.
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthTokenManager {
  readonly _tag: "AuthTokenManager"
  /** The token for a new connection or a re-authentication; may refresh it. */
  readonly getToken: Effect.Effect<AuthToken, Neo4jUsageError>
  /**
   * Told about a security failure with the token that caused it. Returns whether the manager
   * handled it (its next token will differ), which makes the failed work retryable.
   */
  readonly handleSecurityError: (token: AuthToken, code: string) => Effect.Effect<boolean>
}

/**
 * A token with an optional expiry (epoch milliseconds), as a token provider returns it.
 *
 * @since 0.1.0
 * @category models
 */
export interface ExpiringToken {
  readonly token: AuthToken
  readonly expiresAt?: number | undefined
}

/** Security codes each manager treats as "the token must be fetched again". */
const BEARER_REFRESH_CODES: ReadonlySet<string> = new Set([
  "Neo.ClientError.Security.TokenExpired",
  "Neo.ClientError.Security.Unauthorized"
])
const BASIC_REFRESH_CODES: ReadonlySet<string> = new Set(["Neo.ClientError.Security.Unauthorized"])

const cachingManager = <E>(
  provider: Effect.Effect<ExpiringToken, E>,
  refreshCodes: ReadonlySet<string>
): AuthTokenManager => {
  let current: ExpiringToken | undefined = undefined
  const fetch = Effect.mapError(provider, (cause) =>
    new Neo4jUsageError({ message: "The auth token provider failed", cause })).pipe(
      Effect.tap((fresh) => Effect.sync(() => void (current = fresh)))
    )
  return {
    _tag: "AuthTokenManager",
    getToken: Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const cached = current
      if (cached !== undefined && (cached.expiresAt === undefined || now < cached.expiresAt)) {
        return Effect.succeed(cached.token)
      }
      return Effect.map(fetch, (fresh) => fresh.token)
    }),
    handleSecurityError: (token, code) =>
      Effect.sync(() => {
        if (!refreshCodes.has(code)) return false
        if (current !== undefined && equivalent(current.token, token)) current = undefined
        return true
      })
  }
}

/**
 * A manager for bearer tokens: asks `provider` again when the token expires (its `expiresAt`, by
 * Effect's `Clock`) or the server answers `TokenExpired` or `Unauthorized` (as the official
 * drivers' bearer manager).
 *
 * @since 0.1.0
 * @category constructors
 */
export const bearerTokenManager = <E>(provider: Effect.Effect<ExpiringToken, E>): AuthTokenManager =>
  cachingManager(provider, BEARER_REFRESH_CODES)

/**
 * A manager for rotating passwords: asks `provider` again on expiry or when the server answers
 * `Unauthorized` (as the official drivers' basic manager; `TokenExpired` is for bearer tokens).
 *
 * @since 0.1.0
 * @category constructors
 */
export const basicTokenManager = <E>(provider: Effect.Effect<ExpiringToken, E>): AuthTokenManager =>
  cachingManager(provider, BASIC_REFRESH_CODES)

/**
 * A manager that always gives the same token and handles nothing.
 *
 * @since 0.1.0
 * @category constructors
 */
export const staticTokenManager = (token: AuthToken): AuthTokenManager => ({
  _tag: "AuthTokenManager",
  getToken: Effect.succeed(token),
  handleSecurityError: () => Effect.succeed(false)
})

/**
 * Whether a value is an {@link AuthTokenManager}.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isAuthTokenManager = (u: AuthToken | AuthTokenManager): u is AuthTokenManager =>
  u._tag === "AuthTokenManager"
