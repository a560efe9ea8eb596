/**
 * The auth token as HELLO/LOGON carry it. Not part of the public surface: the wire map holds the
 * secret in clear, so only the message encoders (and the comparison behind `Neo4jAuth.equivalent`)
 * read it.
 */
import * as Redacted from "effect/Redacted"
import type { AuthToken } from "../Neo4jAuth.ts"

/**
 * The token as the wire map of HELLO/LOGON (`scheme`, `principal`, `credentials`, ...). Only the
 * Bolt message encoder calls this: the result holds the secret in clear.
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
      // As the official drivers: empty credentials, realm and parameters are left out (a custom
      // plugin may take none); the principal always goes, as servers before 4.4 required it.
      const map: Record<string, unknown> = { scheme: token.scheme, principal: token.principal }
      const credentials = Redacted.value(token.credentials)
      if (credentials !== "") map.credentials = credentials
      if (token.realm !== undefined && token.realm !== "") map.realm = token.realm
      if (token.parameters !== undefined && Object.keys(token.parameters).length > 0) map.parameters = token.parameters
      return map
    }
  }
}

/** Whether two tokens give the same HELLO/LOGON map (`Neo4jAuth.equivalent`). */
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
