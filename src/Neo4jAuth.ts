/**
 * Authentication tokens: basic, bearer, kerberos, custom and none. Credentials are held as
 * `Redacted` values, so they never appear in logs, spans, error messages or `toString`.
 *
 * @since 0.1.0
 */
import { Redacted } from "effect"

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
 * The token as the wire map of HELLO/LOGON (`scheme`, `principal`, `credentials`, ...). Only the
 * Bolt message encoder calls this: the result holds the secret in clear.
 *
 * @since 0.1.0
 * @category encoding
 */
export const toWireMap = (token: AuthToken): Record<string, unknown> => {
  switch (token._tag) {
    case "None":
      return { scheme: "none" }
    case "Basic": {
      const map: Record<string, unknown> = {
        scheme: "basic",
        principal: token.username,
        credentials: Redacted.value(token.password)
      }
      if (token.realm !== undefined) map.realm = token.realm
      return map
    }
    case "Bearer":
      return { scheme: "bearer", credentials: Redacted.value(token.token) }
    case "Kerberos":
      return { scheme: "kerberos", principal: "", credentials: Redacted.value(token.ticket) }
    case "Custom": {
      const map: Record<string, unknown> = {
        scheme: token.scheme,
        principal: token.principal,
        credentials: Redacted.value(token.credentials)
      }
      if (token.realm !== undefined) map.realm = token.realm
      if (token.parameters !== undefined) map.parameters = token.parameters
      return map
    }
  }
}

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
 * authenticated with one can serve the other without LOGOFF/LOGON).
 *
 * @since 0.1.0
 * @category predicates
 */
export const equivalent = (a: AuthToken, b: AuthToken): boolean => {
  if (a === b) return true
  const wa = toWireMap(a)
  const wb = toWireMap(b)
  const keys = new Set([...Object.keys(wa), ...Object.keys(wb)])
  for (const key of keys) {
    if (key === "parameters") {
      if (JSON.stringify(wa[key]) !== JSON.stringify(wb[key])) return false
    } else if (wa[key] !== wb[key]) return false
  }
  return true
}
