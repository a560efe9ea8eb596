/**
 * The common exchanges of a Bolt conversation as script steps, each in one line: the handshake,
 * HELLO/LOGON (version-aware), an auto-commit query, an explicit transaction, RESET, ROUTE with a
 * routing table.
 */
import * as Handshake from "../../src/bolt/Handshake.ts"
import { RoutingRole } from "../../src/bolt/Metadata.ts"
import * as Version from "../../src/bolt/Version.ts"
import type { BoltVersion } from "../../src/bolt/Version.ts"
import { isPlainMap } from "./Pattern.ts"
import type { DynamicStep, HandshakeStep, Step, VersionInput } from "./Steps.ts"
import { C, DEFAULT_VERSION, forVersion, parseVersion, S } from "./Steps.ts"
import type { FailureSpec, ServerMessage } from "./Wire.ts"
// ---------------------------------------------------------------------------------------------
// Common exchanges

/**
 * Options of {@link handshake}.
 */
export interface HandshakeOptions {
  readonly version?: VersionInput | undefined
  /** `auto` (default): manifest v1 when the client offers it; `never`: the pre-5.7 reply only */
  readonly manifest?: "auto" | "always" | "never" | undefined
  /** send these bytes instead of a proper answer: `none` (`00 00 00 00`), `http`, or raw bytes */
  readonly reply?: "none" | "http" | Uint8Array | undefined
}

/** What an HTTP server sends first; the driver sees `HTTP` where it expects a version. */
const HTTP_REPLY = new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n\r\n")

/**
 * The handshake, agreeing on `version` (default 5.8). Must be the first step of a connection.
 */
export const handshake = (options: VersionInput | HandshakeOptions = {}): HandshakeStep => {
  const o: HandshakeOptions = typeof options === "string" || "major" in options ? { version: options } : options
  const reply = o.reply === "none"
    ? new Uint8Array(Handshake.HandshakeBytes.VERSION_BYTES)
    : o.reply === "http"
    ? HTTP_REPLY
    : o.reply
  return {
    _tag: "Handshake",
    version: parseVersion(o.version ?? DEFAULT_VERSION),
    manifest: o.manifest ?? "auto",
    reply
  }
}

/**
 * Options of {@link hello}.
 */
export interface HelloOptions {
  /** server agent (default: a Neo4j release speaking that version) */
  readonly server?: string | undefined
  readonly connectionId?: string | undefined
  /** HELLO SUCCESS `hints`, e.g. `{ "telemetry.enabled": true, "connection.recv_timeout_seconds": 10 }` */
  readonly hints?: Readonly<Record<string, unknown>> | undefined
  /** more HELLO SUCCESS metadata */
  readonly metadata?: Readonly<Record<string, unknown>> | undefined
  /** pattern of the HELLO `extra` (default: any map) */
  readonly hello?: unknown
  /** pattern of the LOGON `auth` (Bolt 5.1+; default: any map) */
  readonly auth?: unknown
  /** answer the authentication (LOGON, or HELLO before 5.1) with this FAILURE instead */
  readonly authFailure?: string | FailureSpec | undefined
  /** Bolt 4.4: acknowledge the `utc` patch the driver asks for (default true) */
  readonly utcPatch?: boolean | undefined
}

/**
 * Options of {@link handshakeAndHello}.
 */
export interface HandshakeAndHelloOptions extends HelloOptions {
  readonly version?: VersionInput | undefined
  readonly manifest?: "auto" | "always" | "never" | undefined
}

/** Server agents of releases that speak each Bolt line. */
const SERVER_AGENT = {
  BOLT_4: "Neo4j/4.4.44",
  BOLT_5: "Neo4j/5.26.0",
  BOLT_6_0: "Neo4j/2025.10.1",
  BOLT_6_1: "Neo4j/2026.01.0"
} as const

const STUB_CONNECTION_ID = "bolt-stub"

/**
 * A plausible server agent for `version`.
 */
export const serverAgentFor = (version: BoltVersion): string =>
  version.major < 5
    ? SERVER_AGENT.BOLT_4
    : version.major === 5
    ? SERVER_AGENT.BOLT_5
    : Version.atLeast(version, 6, 1)
    ? SERVER_AGENT.BOLT_6_1
    : SERVER_AGENT.BOLT_6_0

/**
 * HELLO (and on Bolt 5.1+ LOGON), each answered with SUCCESS (or the auth one with `authFailure`).
 */
export const hello = (options: HelloOptions = {}): DynamicStep =>
  forVersion("<hello>", (version) => {
    const metadata: Record<string, unknown> = {
      server: options.server ?? serverAgentFor(version),
      connection_id: options.connectionId ?? STUB_CONNECTION_ID
    }
    if (options.hints !== undefined) metadata.hints = options.hints
    if (version.major === 4 && options.utcPatch !== false) metadata.patch_bolt = ["utc"]
    Object.assign(metadata, options.metadata)
    const authFailure = options.authFailure === undefined ? undefined : S.failure(options.authFailure)
    if (!Version.atLeast(version, 5, 1)) {
      return [C.hello(options.hello), authFailure ?? S.success(metadata)]
    }
    return [C.hello(options.hello), S.success(metadata), C.logon(options.auth), authFailure ?? S.success()]
  })

/**
 * The handshake and HELLO/LOGON: the usual start of a connection.
 */
export const handshakeAndHello = (options: HandshakeAndHelloOptions = {}): ReadonlyArray<Step> => [
  handshake({ version: options.version, manifest: options.manifest }),
  hello(options)
]

/**
 * A result: field names and rows (arrays in field order, or maps whose keys are the fields).
 */
export interface ResultOptions {
  readonly fields?: ReadonlyArray<string> | undefined
  readonly records?: ReadonlyArray<ReadonlyArray<unknown> | Readonly<Record<string, unknown>>> | undefined
  /** more RUN SUCCESS metadata (e.g. `qid`, `db`) */
  readonly runMetadata?: Readonly<Record<string, unknown>> | undefined
  /** more final PULL SUCCESS metadata (e.g. `bookmark`, `db`, `notifications`) */
  readonly summary?: Readonly<Record<string, unknown>> | undefined
  /** pattern of each PULL's `{n, qid}` (default: any) */
  readonly pull?: unknown
  /** split the records into batches of this size, each PULL answered with `has_more: true` but the last */
  readonly batchSize?: number | undefined
}

/**
 * A query: its text (or pattern), its parameters and RUN extra (patterns), and its result.
 */
export interface QueryOptions extends ResultOptions {
  readonly query: unknown
  readonly parameters?: unknown
  readonly extra?: unknown
}

const resultShape = (options: ResultOptions): { fields: ReadonlyArray<string>; rows: Array<ReadonlyArray<unknown>> } => {
  const records = options.records ?? []
  const first = records[0]
  const fields = options.fields ?? (first !== undefined && isPlainMap(first) ? Object.keys(first) : [])
  const rows = records.map((row) => (isPlainMap(row) ? fields.map((f) => row[f]) : row as ReadonlyArray<unknown>))
  return { fields, rows }
}

/** What a server reports as `t_first` / `t_last` (milliseconds): the stub is instant. */
const TIMING_MILLIS = 0

const resultSteps = (options: ResultOptions, type: "r" | "w"): Array<Step> => {
  const { fields, rows } = resultShape(options)
  const size = options.batchSize ?? Math.max(rows.length, 1)
  const steps: Array<Step> = [S.success({ fields, t_first: TIMING_MILLIS, ...options.runMetadata })]
  for (let start = 0; start === 0 || start < rows.length; start += size) {
    const batch = rows.slice(start, start + size)
    const last = start + size >= rows.length
    steps.push(C.pull(options.pull))
    const done = last ? { type, t_last: TIMING_MILLIS, ...options.summary } : { has_more: true }
    steps.push(S.messages(...batch.map((values): ServerMessage => ({ _tag: "RECORD", values })), { _tag: "SUCCESS", metadata: done }))
  }
  return steps
}

/**
 * An auto-commit query: RUN (query, parameters, extra as patterns), SUCCESS with the fields, PULL,
 * the records and the final SUCCESS (`type`, `t_last`, plus `summary`, e.g. a `bookmark`).
 */
export const autoCommit = (
  query: unknown,
  options: Omit<QueryOptions, "query"> & { readonly type?: "r" | "w" | undefined } = {}
): ReadonlyArray<Step> => [
  C.run(query, options.parameters, options.extra),
  ...resultSteps(options, options.type ?? "r")
]

/**
 * Options of {@link transaction}.
 */
export interface TransactionOptions {
  /** pattern of the BEGIN `extra` (default: any) */
  readonly begin?: unknown
  /** BEGIN SUCCESS metadata (e.g. `{ db: "neo4j" }` on Bolt 5.8) */
  readonly beginMetadata?: Readonly<Record<string, unknown>> | undefined
  readonly queries?: ReadonlyArray<QueryOptions> | undefined
  /** how the client ends it (default COMMIT) */
  readonly end?: "COMMIT" | "ROLLBACK" | undefined
  /** the bookmark in COMMIT SUCCESS (default `"bookmark:stub"`) */
  readonly bookmark?: string | undefined
}

const DEFAULT_BOOKMARK = "bookmark:stub"

/**
 * An explicit transaction: BEGIN, each query (RUN with an empty extra, PULL, records), COMMIT
 * answered with a bookmark (or ROLLBACK).
 */
export const transaction = (options: TransactionOptions = {}): ReadonlyArray<Step> => [
  C.begin(options.begin),
  S.success(options.beginMetadata ?? {}),
  ...(options.queries ?? []).flatMap((q) => [C.run(q.query, q.parameters, q.extra ?? {}), ...resultSteps(q, "w")]),
  ...(options.end === "ROLLBACK"
    ? [C.rollback(), S.success()]
    : [C.commit(), S.success({ bookmark: options.bookmark ?? DEFAULT_BOOKMARK })])
]

/**
 * RESET answered with SUCCESS.
 */
export const reset = (): ReadonlyArray<Step> => [C.reset(), S.success()]

/**
 * Addresses per role of a routing table.
 */
export interface RoutingTableOptions {
  /** seconds */
  readonly ttl?: number | undefined
  readonly db?: string | undefined
  readonly routers?: ReadonlyArray<string> | undefined
  readonly readers?: ReadonlyArray<string> | undefined
  readonly writers?: ReadonlyArray<string> | undefined
}

/** Default routing table TTL (seconds), as Neo4j's `dbms.routing_ttl` default: 300 s. */
const DEFAULT_TTL_SECONDS = 300
const DEFAULT_DATABASE = "neo4j"

/**
 * The `rt` map of ROUTE SUCCESS: `{ttl, db, servers: [{addresses, role}]}`; roles left out are not
 * listed.
 */
export const routingTable = (options: RoutingTableOptions): Record<string, unknown> => {
  const servers: Array<Record<string, unknown>> = []
  if (options.routers !== undefined) servers.push({ addresses: options.routers, role: RoutingRole.ROUTE })
  if (options.readers !== undefined) servers.push({ addresses: options.readers, role: RoutingRole.READ })
  if (options.writers !== undefined) servers.push({ addresses: options.writers, role: RoutingRole.WRITE })
  return { ttl: options.ttl ?? DEFAULT_TTL_SECONDS, db: options.db ?? DEFAULT_DATABASE, servers }
}

/**
 * ROUTE (patterns for its `routing`, `bookmarks`, `extra`) answered with `{rt: table}`.
 */
export const route = (
  table: RoutingTableOptions | Readonly<Record<string, unknown>>,
  options: { readonly routing?: unknown; readonly bookmarks?: unknown; readonly extra?: unknown } = {}
): ReadonlyArray<Step> => [
  C.route(options.routing, options.bookmarks, options.extra),
  S.success({ rt: "servers" in table ? table : routingTable(table as RoutingTableOptions) })
]
