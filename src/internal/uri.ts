/**
 * Connection URIs: `bolt://`, `bolt+s://`, `bolt+ssc://` (direct) and `neo4j://`, `neo4j+s://`,
 * `neo4j+ssc://` (routing). The query string of a routing URI is the routing context sent in HELLO
 * and ROUTE.
 */
import { Neo4jUsageError } from "../Neo4jError.ts"
import * as Result from "effect/Result"

/** Bolt's registered port (PROTOCOL-NOTES: default when the URI names none). */
export const DEFAULT_BOLT_PORT = 7687

/** How the transport is encrypted, from the `+s` / `+ssc` scheme suffix. */
export type TlsMode = "none" | "system-ca" | "trust-all"

import type { ServerAddress } from "../Neo4jConfig.ts"

export type { ServerAddress }

export interface ParsedUri {
  readonly scheme: string
  readonly routing: boolean
  readonly tls: TlsMode
  readonly address: ServerAddress
  readonly routingContext: Readonly<Record<string, string>>
}

const SCHEMES: Readonly<Record<string, { readonly routing: boolean; readonly tls: TlsMode }>> = {
  "bolt": { routing: false, tls: "none" },
  "bolt+s": { routing: false, tls: "system-ca" },
  "bolt+ssc": { routing: false, tls: "trust-all" },
  "neo4j": { routing: true, tls: "none" },
  "neo4j+s": { routing: true, tls: "system-ca" },
  "neo4j+ssc": { routing: true, tls: "trust-all" }
}

const MAX_PORT = 65535

// A URI may carry a password by mistake: never echo it.
const redactUserInfo = (uri: string): string => uri.replace(/\/\/([^/@?#]*)@/, (_all, info: string) =>
  `//${info.includes(":") ? `${info.slice(0, info.indexOf(":"))}:<redacted>` : info}@`)

const fail = (uri: string, problem: string): Result.Result<never, Neo4jUsageError> =>
  Result.fail(new Neo4jUsageError({ message: `Invalid Neo4j URI '${redactUserInfo(uri)}': ${problem}` }))

/** `host:port`, with IPv6 hosts in brackets. */
export const formatAddress = (address: ServerAddress): string =>
  address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`

/** Parses `host`, `host:port` or `[v6]:port` as found in routing tables. */
export const parseAddress = (text: string, defaultPort = DEFAULT_BOLT_PORT): ServerAddress | undefined => {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text)
  if (bracket !== null) {
    return { host: bracket[1]!, port: bracket[2] === undefined ? defaultPort : Number(bracket[2]) }
  }
  const colon = text.lastIndexOf(":")
  if (colon === -1) return text.length > 0 ? { host: text, port: defaultPort } : undefined
  if (text.indexOf(":") !== colon) return { host: text, port: defaultPort }
  const port = Number(text.slice(colon + 1))
  if (!Number.isInteger(port) || port <= 0 || port > MAX_PORT) return undefined
  return { host: text.slice(0, colon), port }
}

/** Parses a connection URI, or explains what is wrong with it and what would be right. */
export const parseUri = (uri: string): Result.Result<ParsedUri, Neo4jUsageError> => {
  const trimmed = uri.trim()
  const schemeEnd = trimmed.indexOf("://")
  if (schemeEnd <= 0) {
    return fail(uri, "expected <scheme>://<host>[:<port>], e.g. neo4j://localhost:7687")
  }
  const scheme = trimmed.slice(0, schemeEnd).toLowerCase()
  const kind = SCHEMES[scheme]
  if (kind === undefined) {
    return fail(uri, `unknown scheme '${scheme}'; use one of ${Object.keys(SCHEMES).join(", ")}`)
  }
  let url: URL
  try {
    // Bolt schemes are not "special" to WHATWG URL: no default port, IPv6 literals kept in brackets.
    url = new URL(`${scheme}${trimmed.slice(schemeEnd)}`)
  } catch {
    return fail(uri, "the host or port is malformed")
  }
  if (url.username !== "" || url.password !== "") {
    return fail(uri, "credentials do not belong in the URI; pass them as auth options")
  }
  if (url.pathname !== "/" && url.pathname !== "") {
    return fail(uri, `unexpected path '${url.pathname}'; choose the database with the 'database' option`)
  }
  if (url.hash !== "") return fail(uri, "unexpected fragment")
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname
  if (host === "") return fail(uri, "the host is missing")
  const port = url.port === "" ? DEFAULT_BOLT_PORT : Number(url.port)
  if (port <= 0) return fail(uri, "the port is out of range")
  const routingContext: Record<string, string> = {}
  for (const [key, value] of url.searchParams) {
    if (key === "address") return fail(uri, "'address' is reserved in the routing context")
    if (Object.hasOwn(routingContext, key)) return fail(uri, `duplicate routing context key '${key}'`)
    routingContext[key] = value
  }
  if (!kind.routing && Object.keys(routingContext).length > 0) {
    return fail(uri, `a routing context (query string) needs a neo4j:// scheme, not ${scheme}://`)
  }
  return Result.succeed({ scheme, routing: kind.routing, tls: kind.tls, address: { host, port }, routingContext })
}
