/**
 * Request message encoders. They take camelCase inputs and write the Bolt wire form (the only
 * place in the driver where names like `tx_timeout` or `imp_user` appear) into a
 * {@link MessageWriter}. Version differences are read from the capabilities record.
 *
 * Spec: https://neo4j.com/docs/bolt/current/bolt/message/
 *
 * @since 0.1.0
 */
import { toWireMap } from "./AuthMap.ts"
import type { AuthToken } from "../Neo4jAuth.ts"
import { Neo4jUsageError } from "../Neo4jError.ts"
import type { NotificationFilter } from "../Neo4jSummary.ts"
import { isPackStreamEncodeError } from "../packstream/Errors.ts"
import { entryPath } from "../packstream/Writer.ts"
import type { BoltCapabilities } from "./Capabilities.ts"
import type { MessageWriter } from "./MessageWriter.ts"
import { dehydrator, toUsageError, type ValueCodecOptions } from "./ValueCodec.ts"
import * as Version from "./Version.ts"

export type { NotificationFilter }

/**
 * Request message signatures (the struct tag of each request).
 *
 * @since 0.1.0
 * @category constants
 */
export const RequestTag = {
  HELLO: 0x01, // "HELLO Signature: 01"
  GOODBYE: 0x02, // "GOODBYE Signature: 02"
  RESET: 0x0f, // "RESET Signature: 0F"
  RUN: 0x10, // "RUN Signature: 10"
  BEGIN: 0x11, // "BEGIN Signature: 11"
  COMMIT: 0x12, // "COMMIT Signature: 12"
  ROLLBACK: 0x13, // "ROLLBACK Signature: 13"
  DISCARD: 0x2f, // "DISCARD Signature: 2F"
  PULL: 0x3f, // "PULL Signature: 3F"
  TELEMETRY: 0x54, // "TELEMETRY Signature: 54" (Bolt 5.4+)
  ROUTE: 0x66, // "ROUTE Signature: 66" (Bolt 4.3+)
  LOGON: 0x6a, // "LOGON Signature: 6A" (Bolt 5.1+)
  LOGOFF: 0x6b // "LOGOFF Signature: 6B" (Bolt 5.1+)
} as const

/**
 * Field counts of the request structs.
 *
 * @since 0.1.0
 * @category constants
 */
export const RequestFields = {
  HELLO: 1, // extra::Dictionary
  GOODBYE: 0,
  RESET: 0,
  RUN: 3, // query::String, parameters::Dictionary, extra::Dictionary
  BEGIN: 1, // extra::Dictionary
  COMMIT: 0,
  ROLLBACK: 0,
  DISCARD: 1, // extra::Dictionary(n, qid)
  PULL: 1, // extra::Dictionary(n, qid)
  TELEMETRY: 1, // api::Integer
  ROUTE: 3, // routing::Dictionary, bookmarks::List<String>, extra::Dictionary(db, imp_user) (4.4+)
  LOGON: 1, // auth::Dictionary
  LOGOFF: 0
} as const

/**
 * Special values of PULL/DISCARD fields.
 *
 * @since 0.1.0
 * @category constants
 */
export const Fetch = {
  /** "n=-1 will fetch all records" */
  ALL: -1,
  /** "qid=-1 can be used to denote the last executed statement" */
  LAST_QUERY: -1
} as const

/**
 * The `api` values of TELEMETRY: which driver API started the work.
 *
 * @since 0.1.0
 * @category constants
 */
export const TelemetryApi = {
  /** transaction functions (executeRead / executeWrite) */
  MANAGED_TRANSACTION: 0,
  /** explicit transactions (beginTransaction) */
  UNMANAGED_TRANSACTION: 1,
  /** auto-commit queries (session.run) */
  AUTO_COMMIT_TRANSACTION: 2,
  /** the driver-level executeQuery */
  EXECUTE_QUERY: 3
} as const

/**
 * A TELEMETRY `api` value.
 *
 * @since 0.1.0
 * @category models
 */
export type TelemetryApi = (typeof TelemetryApi)[keyof typeof TelemetryApi]

/**
 * Wire values of access mode: "For write access use "w" and for read access use "r". Default: "w"",
 * so only "r" is ever sent.
 *
 * @since 0.1.0
 * @category constants
 */
export const ModeWire = { READ: "r" } as const

/**
 * The `patch_bolt` patches this driver requests on Bolt 4.4: `"utc"` (DateTime as in Bolt 5.0).
 *
 * @since 0.1.0
 * @category constants
 */
export const PATCH_UTC = "utc"

/**
 * The `bolt_agent` map of HELLO (Bolt 5.3+).
 *
 * @since 0.1.0
 * @category models
 */
export interface BoltAgent {
  /** e.g. `effect-neo4j/0.1.0` */
  readonly product: string
  readonly platform?: string | undefined
  readonly language?: string | undefined
  readonly languageDetails?: string | undefined
}

/**
 * Input of HELLO.
 *
 * @since 0.1.0
 * @category models
 */
export interface HelloInput {
  /** "should conform to Name/Version" */
  readonly userAgent: string
  /** sent on Bolt 5.3+, where servers refuse a HELLO without it ("Must be a map") */
  readonly boltAgent: BoltAgent
  /** routing context (`address` plus the URI query); `undefined` asks the server not to route */
  readonly routing?: Readonly<Record<string, string>> | undefined
  /** required when HELLO carries the credentials (4.4, 5.0); ignored otherwise (LOGON does) */
  readonly auth?: AuthToken | undefined
  readonly notifications?: NotificationFilter | undefined
}

/**
 * Transaction settings of BEGIN and of an auto-commit RUN.
 *
 * @since 0.1.0
 * @category models
 */
export interface TransactionExtra {
  readonly bookmarks?: ReadonlyArray<string> | undefined
  /** transaction timeout in milliseconds (a non-negative integer) */
  readonly txTimeoutMillis?: number | undefined
  readonly txMetadata?: Readonly<Record<string, unknown>> | undefined
  readonly mode?: "read" | "write" | undefined
  readonly database?: string | undefined
  readonly impersonatedUser?: string | undefined
  readonly notifications?: NotificationFilter | undefined
}

/**
 * Input of RUN. Inside an explicit transaction leave the transaction settings out: "An Explicit
 * Transaction (BEGIN+RUN) does not carry any data in the extra field".
 *
 * @since 0.1.0
 * @category models
 */
export interface RunInput extends TransactionExtra {
  readonly query: string
  readonly parameters?: Readonly<Record<string, unknown>> | undefined
}

/**
 * Input of PULL and DISCARD.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamInput {
  /** how many records; {@link Fetch.ALL} for all */
  readonly n: number | bigint
  /** the query id from RUN SUCCESS inside a transaction; omitted means the last query */
  readonly qid?: number | bigint | undefined
}

/**
 * Input of ROUTE (Bolt 4.4+ form).
 *
 * @since 0.1.0
 * @category models
 */
export interface RouteInput {
  readonly routing: Readonly<Record<string, string>>
  readonly bookmarks?: ReadonlyArray<string> | undefined
  readonly database?: string | undefined
  readonly impersonatedUser?: string | undefined
}

/**
 * What an encoder needs to know about the connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface EncodeContext {
  readonly capabilities: BoltCapabilities
  readonly codec: ValueCodecOptions
}

/**
 * The result of an encoder: `undefined` when the message was written, or why it could not be (the
 * batch in the writer must then be dropped).
 *
 * @since 0.1.0
 * @category models
 */
export type EncodeResult = Neo4jUsageError | undefined

const unsupported = (what: string, since: string, caps: BoltCapabilities): Neo4jUsageError =>
  new Neo4jUsageError({
    message: `${what} needs Bolt ${since}+, but this connection speaks Bolt ${Version.format(caps.version)}`
  })

// writeValue throws PackStreamEncodeError (with the value's path) for values without an encoding;
// the half-written message is dropped so earlier messages in the writer stay valid.
const guard = (w: MessageWriter, label: string, write: () => void): EncodeResult => {
  try {
    write()
    return undefined
  } catch (error) {
    w.abort()
    if (isPackStreamEncodeError(error)) {
      const usage = toUsageError(error)
      return label === ""
        ? usage
        : new Neo4jUsageError({ message: `${label}: ${usage.message}`, path: usage.path, cause: usage.cause })
    }
    throw error
  }
}

type Entries = Array<readonly [string, unknown]>

const notificationEntries = (
  entries: Entries,
  filter: NotificationFilter | undefined,
  caps: BoltCapabilities
): EncodeResult => {
  if (filter === undefined) return undefined
  const { disabledClassifications, minimumSeverity } = filter
  if (minimumSeverity === undefined && disabledClassifications === undefined) return undefined
  if (!caps.notificationFilters) return unsupported("Notification filters", "5.2", caps)
  if (minimumSeverity !== undefined) entries.push(["notifications_minimum_severity", minimumSeverity])
  if (disabledClassifications !== undefined) {
    entries.push([
      caps.notificationClassifications ? "notifications_disabled_classifications" : "notifications_disabled_categories",
      disabledClassifications
    ])
  }
  return undefined
}

// Strings, integers and string lists (most extra fields) skip writeValue's generic dispatch.
const writeEntries = (w: MessageWriter, entries: Entries, codec: ValueCodecOptions): void => {
  const p = w.packer
  p.writeMapHeader(entries.length)
  for (let i = 0; i < entries.length; i++) {
    const [key, value] = entries[i]!
    p.writeString(key)
    if (typeof value === "string") p.writeString(value)
    else if (typeof value === "number" && Number.isSafeInteger(value)) p.writeInteger(value)
    else if (isStringList(value)) writeStringList(w, value)
    else p.writeValue(value, dehydrator(codec))
  }
}

const isStringList = (value: unknown): value is ReadonlyArray<string> =>
  Array.isArray(value) && value.every((item) => typeof item === "string")

const writeStringList = (w: MessageWriter, list: ReadonlyArray<string>): void => {
  w.packer.writeListHeader(list.length)
  for (let i = 0; i < list.length; i++) w.packer.writeString(list[i]!)
}

const authEntries = (entries: Entries, auth: AuthToken): void => {
  for (const entry of Object.entries(toWireMap(auth))) entries.push(entry)
}

/**
 * HELLO: `user_agent`, `bolt_agent` (5.3+), `routing`, `patch_bolt: ["utc"]` (4.4), notification
 * filters (5.2+) and, on 4.4/5.0, the auth token. LOGON may be pipelined with it, but not a request
 * carrying a UUID: Neo4j 2026.08 then closes the connection without an answer.
 *
 * @since 0.1.0
 * @category encoders
 */
export const hello = (w: MessageWriter, input: HelloInput, ctx: EncodeContext): EncodeResult => {
  const caps = ctx.capabilities
  const entries: Entries = [["user_agent", input.userAgent]]
  if (caps.boltAgent) {
    const a = input.boltAgent
    const agent: Record<string, string> = { product: a.product }
    if (a.platform !== undefined) agent.platform = a.platform
    if (a.language !== undefined) agent.language = a.language
    if (a.languageDetails !== undefined) agent.language_details = a.languageDetails
    entries.push(["bolt_agent", agent])
  }
  if (input.routing !== undefined) entries.push(["routing", input.routing])
  if (caps.utcPatchAvailable) entries.push(["patch_bolt", [PATCH_UTC]])
  const filterError = notificationEntries(entries, input.notifications, caps)
  if (filterError !== undefined) return filterError
  if (caps.helloCarriesCredentials) {
    if (input.auth === undefined) {
      return new Neo4jUsageError({ message: `HELLO on Bolt ${Version.format(caps.version)} needs an auth token` })
    }
    authEntries(entries, input.auth)
  }
  return guard(w, "HELLO", () => {
    w.begin(RequestTag.HELLO, RequestFields.HELLO)
    writeEntries(w, entries, ctx.codec)
    w.end()
  })
}

/**
 * LOGON (Bolt 5.1+): the auth token (`scheme`, `principal`, `credentials`, ...).
 *
 * @since 0.1.0
 * @category encoders
 */
export const logon = (w: MessageWriter, auth: AuthToken, ctx: EncodeContext): EncodeResult => {
  if (!ctx.capabilities.logon) return unsupported("LOGON", "5.1", ctx.capabilities)
  const entries: Entries = []
  authEntries(entries, auth)
  return guard(w, "LOGON", () => {
    w.begin(RequestTag.LOGON, RequestFields.LOGON)
    writeEntries(w, entries, ctx.codec)
    w.end()
  })
}

const empty = (tag: number) => (w: MessageWriter): EncodeResult => {
  w.begin(tag, 0)
  w.end()
  return undefined
}

/**
 * LOGOFF (Bolt 5.1+).
 *
 * @since 0.1.0
 * @category encoders
 */
export const logoff = (w: MessageWriter, ctx: EncodeContext): EncodeResult =>
  ctx.capabilities.logon ? empty(RequestTag.LOGOFF)(w) : unsupported("LOGOFF", "5.1", ctx.capabilities)

/**
 * GOODBYE: "notifies the server that the connection is terminating gracefully". Send it only when
 * no response is outstanding: the server closes at once and drops the answers to requests queued
 * before it (observed against Neo4j 2026.08.1).
 *
 * @since 0.1.0
 * @category encoders
 */
export const goodbye: (w: MessageWriter) => EncodeResult = empty(RequestTag.GOODBYE)

/**
 * RESET: jumps ahead of queued work and returns the connection to READY.
 *
 * @since 0.1.0
 * @category encoders
 */
export const reset: (w: MessageWriter) => EncodeResult = empty(RequestTag.RESET)

/**
 * COMMIT the explicit transaction.
 *
 * @since 0.1.0
 * @category encoders
 */
export const commit: (w: MessageWriter) => EncodeResult = empty(RequestTag.COMMIT)

/**
 * ROLLBACK the explicit transaction.
 *
 * @since 0.1.0
 * @category encoders
 */
export const rollback: (w: MessageWriter) => EncodeResult = empty(RequestTag.ROLLBACK)

const transactionEntries = (extra: TransactionExtra, ctx: EncodeContext): Entries | Neo4jUsageError => {
  const entries: Entries = []
  if (extra.bookmarks !== undefined && extra.bookmarks.length > 0) entries.push(["bookmarks", extra.bookmarks])
  if (extra.txTimeoutMillis !== undefined) {
    const t = extra.txTimeoutMillis
    if (!Number.isSafeInteger(t) || t < 0) {
      return new Neo4jUsageError({ message: `Transaction timeout must be a whole number of milliseconds >= 0, got ${t}` })
    }
    entries.push(["tx_timeout", t])
  }
  if (extra.txMetadata !== undefined) entries.push(["tx_metadata", extra.txMetadata])
  if (extra.mode === "read") entries.push(["mode", ModeWire.READ])
  if (extra.database !== undefined) entries.push(["db", extra.database])
  if (extra.impersonatedUser !== undefined) entries.push(["imp_user", extra.impersonatedUser])
  const filterError = notificationEntries(entries, extra.notifications, ctx.capabilities)
  return filterError ?? entries
}

/**
 * A parameter itself set to `undefined` fails, naming it: left out as a map entry would be, the
 * server would report it missing without saying why (entries of a map parameter are still left out).
 */
const findUndefined = (params: Readonly<Record<string, unknown>> | undefined): Neo4jUsageError | undefined => {
  if (params === undefined) return undefined
  for (const key in params) {
    if (params[key] === undefined && Object.hasOwn(params, key)) {
      const path = entryPath(key)
      return new Neo4jUsageError({
        message: `Parameter ${path} is undefined, which is not a Cypher value (use null to send NULL, or leave the key out)`,
        path
      })
    }
  }
  return undefined
}

/**
 * RUN: query, parameters and extra (`bookmarks`, `tx_timeout`, `tx_metadata`, `mode`, `db`,
 * `imp_user`, notification filters). A parameter without a Cypher type fails with its path.
 *
 * @since 0.1.0
 * @category encoders
 */
export const run = (w: MessageWriter, input: RunInput, ctx: EncodeContext): EncodeResult => {
  const entries = transactionEntries(input, ctx)
  if (entries instanceof Neo4jUsageError) return entries
  const undefinedParameter = findUndefined(input.parameters)
  if (undefinedParameter !== undefined) return undefinedParameter
  const p = w.packer
  w.begin(RequestTag.RUN, RequestFields.RUN)
  p.writeString(input.query)
  const params = input.parameters
  if (params === undefined) {
    p.writeMapHeader(0)
  } else {
    const error = guard(w, "", () => p.writeValue(params, dehydrator(ctx.codec)))
    if (error !== undefined) return error
  }
  return guard(w, "Transaction metadata", () => {
    writeEntries(w, entries, ctx.codec)
    w.end()
  })
}

/**
 * BEGIN an explicit transaction.
 *
 * @since 0.1.0
 * @category encoders
 */
export const begin = (w: MessageWriter, extra: TransactionExtra, ctx: EncodeContext): EncodeResult => {
  const entries = transactionEntries(extra, ctx)
  if (entries instanceof Neo4jUsageError) return entries
  return guard(w, "Transaction metadata", () => {
    w.begin(RequestTag.BEGIN, RequestFields.BEGIN)
    writeEntries(w, entries, ctx.codec)
    w.end()
  })
}

const isFetchSize = (n: number | bigint): boolean =>
  typeof n === "bigint" ? n > 0n || n === BigInt(Fetch.ALL) : Number.isSafeInteger(n) && (n > 0 || n === Fetch.ALL)

const isQueryId = (qid: number | bigint): boolean =>
  typeof qid === "bigint" ? qid >= BigInt(Fetch.LAST_QUERY) : Number.isSafeInteger(qid) && qid >= Fetch.LAST_QUERY

const stream = (tag: number, name: string) => (w: MessageWriter, input: StreamInput): EncodeResult => {
  const { n, qid } = input
  if (!isFetchSize(n)) return new Neo4jUsageError({ message: `${name} n must be a positive integer or -1 (all), got ${n}` })
  if (qid !== undefined && !isQueryId(qid)) {
    return new Neo4jUsageError({ message: `${name} qid must be an integer >= -1, got ${qid}` })
  }
  // qid -1 is the server's default ("the last executed statement"): omitted, as the official
  // drivers do, so the message is the same whether the caller names the latest query or not.
  const sendQid = qid !== undefined && qid !== Fetch.LAST_QUERY && qid !== BigInt(Fetch.LAST_QUERY)
  return guard(w, name, () => {
    const p = w.packer
    w.begin(tag, 1)
    p.writeMapHeader(sendQid ? 2 : 1)
    p.writeString("n")
    p.writeInteger(n)
    if (sendQid) {
      p.writeString("qid")
      p.writeInteger(qid)
    }
    w.end()
  })
}

/**
 * PULL `{n, qid}`: fetch up to `n` records.
 *
 * @since 0.1.0
 * @category encoders
 */
export const pull: (w: MessageWriter, input: StreamInput) => EncodeResult = stream(RequestTag.PULL, "PULL")

/**
 * DISCARD `{n, qid}`: throw away up to `n` records.
 *
 * @since 0.1.0
 * @category encoders
 */
export const discard: (w: MessageWriter, input: StreamInput) => EncodeResult = stream(RequestTag.DISCARD, "DISCARD")

/**
 * ROUTE (4.4+ form): routing context, bookmarks, `{db, imp_user}`.
 *
 * @since 0.1.0
 * @category encoders
 */
export const route = (w: MessageWriter, input: RouteInput, ctx: EncodeContext): EncodeResult => {
  const extra: Entries = []
  if (input.database !== undefined) extra.push(["db", input.database])
  if (input.impersonatedUser !== undefined) extra.push(["imp_user", input.impersonatedUser])
  return guard(w, "ROUTE", () => {
    const p = w.packer
    w.begin(RequestTag.ROUTE, RequestFields.ROUTE)
    p.writeValue(input.routing, dehydrator(ctx.codec))
    p.writeValue(input.bookmarks ?? [], dehydrator(ctx.codec))
    writeEntries(w, extra, ctx.codec)
    w.end()
  })
}

/**
 * TELEMETRY `{api}` (Bolt 5.4+; send only when the server hint `telemetry.enabled` is true).
 *
 * @since 0.1.0
 * @category encoders
 */
export const telemetry = (w: MessageWriter, api: TelemetryApi, ctx: EncodeContext): EncodeResult => {
  if (!ctx.capabilities.telemetry) return unsupported("TELEMETRY", "5.4", ctx.capabilities)
  w.begin(RequestTag.TELEMETRY, RequestFields.TELEMETRY)
  w.packer.writeInteger(api)
  w.end()
  return undefined
}
