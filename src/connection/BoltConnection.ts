/**
 * One Bolt connection: socket, handshake, HELLO/LOGON, pipelined requests and their responses.
 *
 * Shape (a deliberate change from a dedicated reader fiber, see ARCHITECTURE "Connection"): a
 * connection is leased to one session at a time, and whoever waits for a response pumps the
 * socket itself. `pump` takes the bytes the transport received, de-chunks and decodes them, and
 * hands each response to the handler queued with its request (FIFO, as Bolt answers in order),
 * until the caller's condition holds. Records of an earlier, still open result are thereby
 * buffered for it. This costs no fiber hand-off per response (measured in `npm run bench`,
 * workloads a/b), decodes nothing a consumer has not asked for (the server sends only the batches
 * requested with `PULL {n}`, so that is the backpressure), and makes interruption simple: an
 * interrupted caller leaves its handlers queued, and the pool's release sends RESET and drains
 * them before the connection is used again.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as Capabilities from "../bolt/Capabilities.ts"
import { Dechunker } from "../bolt/Chunking.ts"
import * as Handshake from "../bolt/Handshake.ts"
import { MessageWriter } from "../bolt/MessageWriter.ts"
import * as Metadata from "../bolt/Metadata.ts"
import * as Requests from "../bolt/Requests.ts"
import * as Responses from "../bolt/Responses.ts"
import type { ResponseHandler } from "../bolt/Responses.ts"
import * as ValueCodec from "../bolt/ValueCodec.ts"
import type { ValueCodecOptions } from "../bolt/ValueCodec.ts"
import * as Version from "../bolt/Version.ts"
import type { AuthToken } from "../Neo4jAuth.ts"
import {
  Neo4jConnectionError,
  type Neo4jError,
  Neo4jProtocolError,
  Neo4jResultError,
  Neo4jUsageError
} from "../Neo4jError.ts"
import type { ServerInfo } from "../Neo4jSummary.ts"
import { formatAddress, type ServerAddress } from "../internal/uri.ts"
import type { PackStreamReader } from "../packstream/Reader.ts"
import {
  type BeginOutcome,
  type PipelinedQuery,
  type Protocol,
  type Telemetry,
  telemetryOf,
  transactionExtra,
  type TransactionSettings
} from "./Protocol.ts"
import { QueryResult, type QuerySpec } from "./QueryResult.ts"
import * as Transport from "./Transport.ts"

/** A handler for requests whose answer only matters as success or failure. */
export class SummaryHandler implements ResponseHandler {
  done = false
  metadata: Readonly<Record<string, unknown>> | undefined = undefined
  error: Neo4jError | undefined = undefined
  ignored = false
  onRecord(): void {}
  onSuccess(metadata: Readonly<Record<string, unknown>>): void {
    this.metadata = metadata
    this.done = true
  }
  onFailure(error: Neo4jError): void {
    this.error = error
    this.done = true
  }
  onIgnored(): void {
    this.ignored = true
    this.done = true
  }
  /** The outcome once `done`: the metadata, or the failure (IGNORED counts as a failure). */
  result(): Effect.Effect<Readonly<Record<string, unknown>>, Neo4jError> {
    if (this.error !== undefined) return Effect.fail(this.error)
    if (this.metadata !== undefined) return Effect.succeed(this.metadata)
    return Effect.fail(
      new Neo4jProtocolError({ message: "The server ignored a request that had no earlier failure to explain it" })
    )
  }
}

/** Server hints from HELLO SUCCESS that change the driver's behaviour. */
export interface ServerHints {
  /** `connection.recv_timeout_seconds`: no response within this time means the connection is dead. */
  readonly receiveTimeout: Duration.Duration | undefined
  readonly telemetryEnabled: boolean
  readonly ssrEnabled: boolean
}

export interface ConnectionOptions {
  readonly address: ServerAddress
  readonly tls?: Transport.TlsSettings | undefined
  readonly connectTimeout: Duration.Duration
  /** The hosts to dial for the address's host (the driver's `domainNameResolver`). */
  readonly resolveHost?: Transport.TransportOptions["resolveHost"]
  readonly auth: AuthToken
  readonly userAgent: string
  readonly boltAgent: Requests.BoltAgent
  /** Present for routing drivers (neo4j://): sent in HELLO as `routing`. */
  readonly routingContext?: Readonly<Record<string, string>> | undefined
  readonly notifications?: Requests.NotificationFilter | undefined
  readonly integers: ValueCodecOptions["integers"]
  /** Whether TELEMETRY may be sent when the server asks for it (default: not). */
  readonly telemetry?: boolean | undefined
  /** Bolt versions to propose, best first (tests pin one). */
  readonly proposals?: ReadonlyArray<Handshake.VersionRange> | undefined
  /** Told about every `Neo.ClientError.Security.*` FAILURE (see {@link SecurityObserver}). */
  readonly onSecurityFailure?: SecurityObserver | undefined
  /** `auth` is the driver's (its token manager's), not a session's own: see {@link BoltConnection.authByManager}. */
  readonly authByManager?: boolean | undefined
}

/**
 * Told about a `Neo.ClientError.Security.*` FAILURE on a connection, with the token the connection
 * last sent (HELLO or LOGON), before the failure reaches whoever waits for it: the driver lets its
 * auth token manager look at it (a handled one is marked retryable) and, on
 * `AuthorizationExpired`, stops reusing every connection to that server.
 */
export type SecurityObserver = (connection: BoltConnection, token: AuthToken, error: Neo4jError) => Effect.Effect<void>

let nextConnectionNumber = 0

const INITIAL_WRITE_BUFFER = 16 * 1024
// GOODBYE is a struct header and a tag, framed: 6 bytes.
const GOODBYE_BUFFER = 16

/** An encoder of one request, as in `bolt/Requests.ts`. */
export type Encoder = (writer: MessageWriter, context: Requests.EncodeContext) => Requests.EncodeResult

/** What HELLO SUCCESS established. */
interface Established {
  readonly capabilities: Capabilities.BoltCapabilities
  readonly server: ServerInfo
  readonly serverConnectionId: string
  readonly hints: ServerHints
}

const EXPIRED_CREDENTIALS: ReadonlySet<string> = new Set([
  "Neo.ClientError.Security.AuthorizationExpired",
  "Neo.ClientError.Security.TokenExpired"
])

// Most RECORDs a run hands over at once (a longer run continues in the next one).
const RUN_RECORDS = 256
// The range of a RECORD handed over on its own.
const ONE_START = new Int32Array(1)
const ONE_END = new Int32Array(1)

const UNAUTHENTICATED: AuthToken = { _tag: "None" }

// TELEMETRY's answer is not awaited: one handler takes them all.
/** TELEMETRY's answer: its SUCCESS means the unit of work need not send it again. */
class TelemetryHandler extends SummaryHandler {
  readonly #telemetry: Telemetry
  constructor(telemetry: Telemetry) {
    super()
    this.#telemetry = telemetry
  }
  override onSuccess(metadata: Readonly<Record<string, unknown>>): void {
    super.onSuccess(metadata)
    this.#telemetry.api = undefined
  }
}

/** LOGON's answer, pipelined with the work (see {@link BoltConnection.reauthenticate}). */
class LogonHandler extends SummaryHandler {
  readonly #connection: BoltConnection
  readonly #auth: AuthToken
  constructor(connection: BoltConnection, auth: AuthToken) {
    super()
    this.#connection = connection
    this.#auth = auth
  }
  override onSuccess(metadata: Readonly<Record<string, unknown>>): void {
    super.onSuccess(metadata)
    this.#connection.loggedOn(this.#auth)
  }
  override onFailure(error: Neo4jError): void {
    super.onFailure(error)
    this.#connection.logonFailed(error)
  }
}

const NO_HINTS: ServerHints = { receiveTimeout: undefined, telemetryEnabled: false, ssrEnabled: false }

/** A live Bolt connection (authenticated once {@link connect} returns it). */
export class BoltConnection implements Protocol {
  readonly id: string
  readonly address: ServerAddress
  readonly integers: ValueCodecOptions["integers"]
  capabilities: Capabilities.BoltCapabilities
  codec: ValueCodecOptions
  server: ServerInfo
  serverConnectionId = ""
  hints: ServerHints = NO_HINTS
  /** Set once the connection cannot be used again (socket closed, protocol broken, timeout). */
  broken: Neo4jConnectionError | Neo4jProtocolError | undefined = undefined
  /** A FAILURE arrived and no RESET has cleared it yet: requests are IGNORED until then. */
  failed = false
  /** Still works, but must not be reused (e.g. its authorization expired). */
  retired = false

  readonly #transport: Transport.Transport
  readonly #dechunker = new Dechunker()
  /** Body ranges of a run of RECORDs (made on the first streamed result). */
  #run: { readonly starts: Int32Array; readonly ends: Int32Array } | undefined = undefined
  #reader: PackStreamReader
  readonly #out = new MessageWriter(INITIAL_WRITE_BUFFER)
  #context: Requests.EncodeContext
  readonly #handlers: Array<ResponseHandler> = []
  /** The auth token this connection is authenticated with (none while LOGOFF/LOGON is under way). */
  #auth: AuthToken
  /** The token last sent (HELLO or LOGON): the one a security FAILURE is about. */
  #sentAuth: AuthToken
  /** Security FAILUREs received and not yet shown to {@link SecurityObserver} (see {@link pump}). */
  #securityFailures: Array<{ readonly token: AuthToken; readonly error: Neo4jError }> | undefined = undefined
  readonly #onSecurityFailure: SecurityObserver | undefined
  /** The driver's count of `AuthorizationExpired` events of this server when this connection last authenticated. */
  authEpoch = 0
  /**
   * The connection is authenticated with the driver's auth (its token manager), not a session's
   * own token: only then does the manager hear about security failures. Set on each checkout.
   */
  authByManager = true
  /** An explicit transaction was begun and not yet committed or rolled back. */
  #inTransaction = false
  /** Whether the user lets TELEMETRY be sent (the server must also ask for it). */
  readonly #telemetry: boolean

  constructor(init: {
    readonly transport: Transport.Transport
    readonly address: ServerAddress
    readonly version: Version.BoltVersion
    readonly integers: ValueCodecOptions["integers"]
    readonly auth: AuthToken
    readonly telemetry?: boolean | undefined
    /** Bound of the requests a closing scope sends (see {@link cleanup}); default: unbounded. */
    readonly cleanupTimeout?: Duration.Duration | undefined
    readonly onSecurityFailure?: SecurityObserver | undefined
    readonly authByManager?: boolean | undefined
  }) {
    this.id = `bolt-${++nextConnectionNumber}`
    this.#transport = init.transport
    this.address = init.address
    this.integers = init.integers
    this.capabilities = Capabilities.forVersion(init.version)
    this.codec = Capabilities.codecOptions(this.capabilities, init.integers)
    this.#reader = ValueCodec.reader(this.codec)
    this.#context = { capabilities: this.capabilities, codec: this.codec }
    this.server = { address: formatAddress(init.address), agent: "", protocolVersion: Version.format(init.version) }
    this.#auth = init.auth
    this.#sentAuth = init.auth
    this.#onSecurityFailure = init.onSecurityFailure
    this.authByManager = init.authByManager ?? true
    this.#telemetry = init.telemetry === true
    this.#cleanupTimeout = init.cleanupTimeout
  }

  readonly #cleanupTimeout: Duration.Duration | undefined

  /**
   * A request a closing scope sends (ROLLBACK of a transaction left open, DISCARD of an unread
   * result), bounded by the connection timeout as RESET on release is: a server that does not
   * answer in time (gone without closing the socket) loses the connection, which is closed rather
   * than reused, and the scope goes on closing. Its failures are ignored: the scope is closing.
   */
  cleanup(request: Effect.Effect<unknown, Neo4jError>): Effect.Effect<void> {
    const timeout = this.#cleanupTimeout
    if (timeout === undefined) return Effect.ignore(request)
    return Effect.ignore(Effect.timeoutOrElse(request, {
      duration: timeout,
      orElse: () =>
        Effect.sync(() => {
          const address = formatAddress(this.address)
          this.markBroken(
            new Neo4jConnectionError({
              reason: "Timeout",
              address,
              message: `No answer from ${address} within ${Duration.format(timeout)} (connectionTimeout) while ` +
                `closing a transaction or result; the connection is closed.`
            })
          )
        })
    }))
  }

  /** The auth token this connection is currently authenticated with. */
  get auth(): AuthToken {
    return this.#auth
  }

  /** An explicit transaction was begun and not yet committed or rolled back. */
  get inTransaction(): boolean {
    return this.#inTransaction
  }

  /** Applies what HELLO SUCCESS said (server agent, hints, the 4.4 `utc` patch). */
  establish(established: Established): void {
    this.capabilities = established.capabilities
    this.codec = Capabilities.codecOptions(established.capabilities, this.integers)
    this.#reader = ValueCodec.reader(this.codec)
    this.#context = { capabilities: this.capabilities, codec: this.codec }
    this.server = established.server
    this.serverConnectionId = established.serverConnectionId
    this.hints = established.hints
  }

  /** Starts the server's receive timeout hint, if any, for the life of the current scope. */
  get watchReceiveTimeout(): Effect.Effect<void, never, Scope.Scope> {
    return Effect.suspend(() => {
      const timeout = this.hints.receiveTimeout
      if (timeout === undefined) return Effect.void
      const address = formatAddress(this.address)
      return this.#transport.receiveTimeout(timeout, () =>
        new Neo4jConnectionError({
          reason: "Timeout",
          address,
          message: `No response from ${address} within ${Duration.format(timeout)} ` +
            `(the server's connection.recv_timeout_seconds hint); the connection is closed.`
        }))
    })
  }

  /** Bytes received before the connection object existed (they followed the handshake reply). */
  feed(bytes: Uint8Array): void {
    this.#dechunker.feed(bytes)
  }

  /** Whether the socket is still open (a closed one is destroyed by the pool, not reused). */
  get isOpen(): boolean {
    return this.broken === undefined && !this.retired && this.#transport.isOpen()
  }

  /** Closes the connection when its lease ends instead of returning it to the pool. */
  retire(): void {
    this.retired = true
  }

  /**
   * Whether a RESET must run before anyone else uses this connection: answers still due, a failure,
   * a transaction, or an auto-commit result the server still holds open (a PULL answered `has_more`
   * and nothing asked since: its reader stopped, interrupted or failed; the server then takes only
   * PULL, DISCARD or RESET).
   */
  get needsReset(): boolean {
    if (this.#handlers.length > 0 || this.failed || this.#inTransaction) return true
    const open = this.#autoCommitResult
    if (open === undefined) return false
    if (open.finished) {
      this.#autoCommitResult = undefined
      return false
    }
    return true
  }

  /** The latest auto-commit result, until it is seen finished or the connection is RESET. */
  #autoCommitResult: QueryResult | undefined = undefined

  /** Responses still expected (requests sent or queued whose summary has not arrived). */
  get pending(): number {
    return this.#handlers.length
  }

  /**
   * Encodes one request into the outgoing buffer and queues its handler; nothing is sent before
   * {@link flush}. An encoding failure (a parameter without a Cypher type) removes the partly
   * written request, keeps the ones before it, and is returned.
   */
  enqueue(encode: Encoder, handler: ResponseHandler): Neo4jUsageError | undefined {
    const out = this.#out
    const mark = out.length
    const error = encode(out, this.#context)
    if (error !== undefined) {
      out.truncate(mark)
      return error
    }
    this.#handlers.push(handler)
    this.#requests++
    return undefined
  }

  /** Requests enqueued so far, and how many of them when the connection last logged on. */
  #requests = 0
  #authenticatedAt = 0

  /**
   * Whether no request has followed the last successful HELLO/LOGON: the connection's credentials
   * were proven just now (a new connection, or one that logged on again), so verifying them needs
   * no further round trip.
   */
  get freshlyAuthenticated(): boolean {
    return this.#requests === this.#authenticatedAt
  }

  /** HELLO/LOGON succeeded (see {@link freshlyAuthenticated}). */
  authenticated(): void {
    this.#authenticatedAt = this.#requests
  }

  /** Sends everything enqueued since the last flush in one write. */
  get flush(): Effect.Effect<void, Neo4jConnectionError> {
    return Effect.suspend(() => this.#flushNow() ?? Effect.void)
  }

  /**
   * {@link flush}, then {@link pump} until `until()` holds: one step when the socket takes the
   * bytes at once (the common case, on every query's path).
   */
  exchange(until: () => boolean): Effect.Effect<void, Neo4jConnectionError | Neo4jProtocolError> {
    return Effect.suspend(() => {
      const flushing = this.#flushNow()
      return flushing === undefined ? this.#pumpLoop(until) : Effect.andThen(flushing, this.pump(until))
    })
  }

  /** Writes what is queued now: `undefined` when done, else what to wait for (or the failure). */
  #flushNow(): Effect.Effect<void, Neo4jConnectionError> | undefined {
    if (this.broken !== undefined) return Effect.fail(this.brokenError())
    if (this.#out.length === 0) return undefined
    // The socket may hold on to the bytes after write() returns: hand it its own copy, taken
    // from Node's buffer pool (a fresh ArrayBuffer per write cost ~1 us more).
    const bytes = Buffer.from(this.#out.view())
    this.#out.reset()
    const sending = this.#transport.send(bytes)
    return sending === undefined ? undefined : Effect.tapError(sending, (error) => Effect.sync(() => this.markBroken(error)))
  }

  /** The error to report for any use of a broken connection. */
  brokenError(): Neo4jConnectionError {
    const broken = this.broken
    if (broken instanceof Neo4jConnectionError) return broken
    return new Neo4jConnectionError({
      reason: "Closed",
      address: formatAddress(this.address),
      message: `The connection to ${formatAddress(this.address)} was closed after a protocol error`,
      cause: broken
    })
  }

  markBroken(error: Neo4jConnectionError | Neo4jProtocolError): void {
    this.broken ??= error
  }

  /**
   * Reads and dispatches responses until `until()` holds. Every complete message already received
   * is dispatched before the condition is checked, so one socket read yields one batch of records
   * however the caller's condition is phrased. Fails only for the connection itself (closed, timed
   * out, garbage on the wire); server FAILUREs go to the request's handler.
   */
  pump(until: () => boolean): Effect.Effect<void, Neo4jConnectionError | Neo4jProtocolError> {
    return Effect.suspend(() => this.#pumpLoop(until))
  }

  #pumpLoop(until: () => boolean): Effect.Effect<void, Neo4jConnectionError | Neo4jProtocolError> {
    for (;;) {
      if (this.broken !== undefined) return Effect.fail(this.broken)
      // A handler keeping records undecoded takes the RECORDs received back to back in one go.
      const head = this.#handlers[0]
      if (head !== undefined && head.keepsRawRecords !== undefined && head.keepsRawRecords()) {
        const run = this.#run ??= { starts: new Int32Array(RUN_RECORDS), ends: new Int32Array(RUN_RECORDS) }
        const d = this.#dechunker
        const n = d.takeRun(Responses.RECORD_HEADER, Responses.ResponseTag.RECORD, run.starts, run.ends)
        if (n > 0) {
          head.onRawRecords!(d.runBytes, d.runFrom, d.runTo, run.starts, run.ends, n)
          continue
        }
      }
      const body = this.#dechunker.next()
      if (body === undefined) {
        if (this.#securityFailures !== undefined) return this.#observeSecurityFailures(until)
        if (until()) return Effect.void
        // Bytes already received are fed without suspending; only an empty queue waits.
        const taken = this.#transport.take()
        if (taken === undefined) {
          // One step for the read and both of its outcomes.
          return Effect.matchEffect(this.#transport.pull, {
            onFailure: (error) => {
              this.markBroken(error)
              return Effect.fail(error)
            },
            onSuccess: (pieces) => {
              this.#feedAll(pieces)
              return this.#pumpLoop(until)
            }
          })
        }
        if (taken instanceof Neo4jConnectionError) {
          this.markBroken(taken)
          return Effect.fail(taken)
        }
        this.#feedAll(taken)
        continue
      }
      const error = body instanceof Neo4jProtocolError ? body : this.#dispatch(body)
      if (error !== undefined) {
        this.markBroken(error)
        return Effect.fail(error)
      }
    }
  }

  /** Shows the security FAILUREs received to the observer, then goes on pumping. */
  #observeSecurityFailures(until: () => boolean): Effect.Effect<void, Neo4jConnectionError | Neo4jProtocolError> {
    const failures = this.#securityFailures!
    this.#securityFailures = undefined
    const observe = this.#onSecurityFailure!
    return Effect.andThen(
      Effect.forEach(failures, ({ token, error }) => observe(this, token, error), { discard: true }),
      Effect.suspend(() => this.#pumpLoop(until))
    )
  }

  /**
   * Decodes the fields of a RECORD body a handler kept undecoded (`bytes[start, end)`). A body that
   * does not decode breaks the connection, as it would have when received; a well-formed value the
   * driver cannot represent (`Neo4jResultError` `UndecodableValue`) does not.
   */
  decodeRecord(bytes: Uint8Array, start: number, end: number): ReadonlyArray<unknown> | Neo4jProtocolError | Neo4jResultError {
    const fields = Responses.decodeRecordFields(this.#reader, bytes, start, end) ??
      new Neo4jProtocolError({ message: "A kept RECORD body is not a RECORD" })
    if (fields instanceof Neo4jProtocolError) this.markBroken(fields)
    return fields
  }

  #feedAll(pieces: ReadonlyArray<Uint8Array>): void {
    for (let i = 0; i < pieces.length; i++) this.#dechunker.feed(pieces[i]!)
  }

  #dispatch(body: Uint8Array): Neo4jProtocolError | undefined {
    const handler = this.#handlers[0]
    if (handler !== undefined) {
      if (handler.keepsRawRecords !== undefined && handler.keepsRawRecords() && Responses.isRecord(body)) {
        ONE_START[0] = 0
        ONE_END[0] = body.length
        handler.onRawRecords!(body, 0, body.length, ONE_START, ONE_END, 1)
        return undefined
      }
      const fields = Responses.decodeRecordFields(this.#reader, body)
      if (fields !== undefined) {
        if (fields instanceof Neo4jProtocolError) return fields
        // A value the driver cannot represent costs its result, not the connection.
        if (fields instanceof Neo4jResultError) {
          if (handler.onUndecodable === undefined) return new Neo4jProtocolError({ message: fields.message })
          handler.onUndecodable(fields)
          return undefined
        }
        handler.onRecord(fields)
        return undefined
      }
    }
    const response = Responses.decode(this.#reader, body)
    if (response instanceof Neo4jProtocolError) return response
    if (handler === undefined) {
      return new Neo4jProtocolError({ message: `Unexpected ${response._tag} response with no request waiting` })
    }
    switch (response._tag) {
      case "Record":
        handler.onRecord(response.fields)
        return undefined
      case "Success":
        this.#handlers.shift()
        handler.onSuccess(response.metadata)
        return undefined
      case "Failure":
        this.#handlers.shift()
        this.failed = true
        if ("code" in response.error) {
          // The server ends the authentication of a connection whose credentials expired.
          if (EXPIRED_CREDENTIALS.has(response.error.code)) this.retired = true
          if (this.#onSecurityFailure !== undefined && response.error.code.startsWith("Neo.ClientError.Security.")) {
            ;(this.#securityFailures ??= []).push({ token: this.#sentAuth, error: response.error })
          }
        }
        handler.onFailure(response.error)
        return undefined
      case "Ignored":
        this.#handlers.shift()
        if (this.#ignoredBecause !== undefined) handler.onFailure(this.#ignoredBecause)
        else handler.onIgnored()
        return undefined
    }
  }

  /** Enqueues, flushes and waits for a request whose answer is a single summary. */
  request(encode: Encoder): Effect.Effect<Readonly<Record<string, unknown>>, Neo4jError> {
    return Effect.suspend(() => {
      const handler = new SummaryHandler()
      const error = this.enqueue(encode, handler)
      if (error !== undefined) return Effect.fail(error)
      return Effect.andThen(this.exchange(() => handler.done), Effect.suspend(() => handler.result()))
    })
  }

  // The protocol seam (see Protocol.ts): the operations sessions, transactions, executeQuery, the
  // router and the driver's re-authentication call. Code above the connection layer puts requests
  // on the wire only through them, and they are the only writers of the connection's transaction
  // and auth state. Operations that return a result or a BEGIN outcome only queue their requests:
  // the result's first read flushes them, so a transaction's BEGIN goes out with its first query.

  /**
   * TELEMETRY `{api}`, queued ahead of a unit of work when the server asked for it (hint
   * `telemetry.enabled`, Bolt 5.4+), the driver allows it and the unit of work has not had it
   * acknowledged yet (see {@link Telemetry}). Its answer is not awaited; its SUCCESS marks it sent.
   */
  #queueTelemetry(telemetry: Telemetry): void {
    const api = telemetry.api
    if (api === undefined || !this.#telemetry || !this.hints.telemetryEnabled || !this.capabilities.telemetry) return
    this.enqueue((w, ctx) => Requests.telemetry(w, api, ctx), new TelemetryHandler(telemetry))
  }

  /**
   * An auto-commit query: (TELEMETRY and) RUN with the transaction settings, queued; the result's
   * first read adds the PULL and flushes.
   */
  autoCommit(spec: QuerySpec, settings: TransactionSettings): QueryResult | Neo4jUsageError {
    const result = new QueryResult(this, spec)
    this.#queueTelemetry(telemetryOf(Requests.TelemetryApi.AUTO_COMMIT_TRANSACTION))
    const extra = transactionExtra(settings)
    const error = this.enqueue((w, ctx) => Requests.run(w, { query: spec.query, parameters: spec.parameters, ...extra }, ctx), result.runHandler)
    if (error !== undefined) return error
    this.#autoCommitResult = result
    return result
  }

  /**
   * (TELEMETRY and) BEGIN, queued: they go out with the transaction's first query, or with its
   * COMMIT/ROLLBACK. The returned handler holds BEGIN's outcome once answered.
   */
  begin(settings: TransactionSettings, telemetry: Telemetry): BeginOutcome | Neo4jUsageError {
    const begun = new SummaryHandler()
    this.#queueTelemetry(telemetry)
    const extra = transactionExtra(settings)
    const error = this.enqueue((w, ctx) => Requests.begin(w, extra, ctx), begun)
    if (error !== undefined) return error
    this.#inTransaction = true
    this.#latestInTransaction = undefined
    return begun
  }

  /**
   * RUN in the open transaction, queued (the result's first read adds the PULL and flushes). The
   * new result is the transaction's latest: the one before it names its `qid` from now on.
   */
  run(spec: QuerySpec): QueryResult | Neo4jUsageError {
    const result = new QueryResult(this, spec)
    const error = this.enqueue((w, ctx) => Requests.run(w, { query: spec.query, parameters: spec.parameters }, ctx), result.runHandler)
    if (error !== undefined) return error
    if (this.#latestInTransaction !== undefined) this.#latestInTransaction.isLatest = false
    this.#latestInTransaction = result
    return result
  }

  /** The transaction's latest query (see {@link run}); cleared when a transaction begins or ends. */
  #latestInTransaction: QueryResult | undefined = undefined

  /**
   * COMMIT, sent alone and awaited. A connection lost after COMMIT went out leaves the outcome
   * unknown: the server may have committed. That is reported as `CommitOutcomeUnknown`, which is
   * not retryable, so a transaction function never runs committed work twice; a COMMIT that could
   * not be written at all fails as a plain (retryable) connection error: nothing was committed.
   */
  get commit(): Effect.Effect<Readonly<Record<string, unknown>>, Neo4jError> {
    return Effect.suspend(() => {
      const handler = new SummaryHandler()
      const error = this.enqueue(Requests.commit, handler)
      if (error !== undefined) return Effect.fail(error)
      const flushing = this.#flushNow()
      const until = () => handler.done
      // One step for the answer: lost on the way, failed, or the transaction committed.
      const answered = Effect.matchEffect(flushing === undefined ? this.#pumpLoop(until) : this.pump(until), {
        onFailure: (cause) => Effect.fail(this.commitOutcomeUnknown(cause)),
        onSuccess: () => {
          const metadata = handler.metadata
          if (handler.error !== undefined || metadata === undefined) return handler.result()
          this.#endTransaction()
          return Effect.succeed(metadata)
        }
      })
      return flushing === undefined ? answered : Effect.andThen(flushing, answered)
    })
  }

  /** ROLLBACK, sent and awaited. */
  get rollback(): Effect.Effect<Readonly<Record<string, unknown>>, Neo4jError> {
    return Effect.tap(this.request(Requests.rollback), this.#transactionEnded)
  }

  #endTransaction(): void {
    this.#inTransaction = false
    this.#latestInTransaction = undefined
  }

  readonly #transactionEnded = Effect.sync(() => this.#endTransaction())

  /**
   * `executeQuery`'s transaction: (TELEMETRY,) BEGIN, RUN and the first PULL (of the spec's fetch
   * size) in one write, awaited until BEGIN is answered and the first batch (or the whole result)
   * is in; the caller reads the rest. With `pipelineCommit` (reads that pull everything, fetch size
   * -1), COMMIT goes in the same write: one round trip, and a connection lost on the way is safely
   * retried (a read commits nothing). Otherwise `commit` sends COMMIT only once the result is
   * complete, so a connection lost before it is retried and one lost during it is reported as
   * CommitOutcomeUnknown (see {@link commit}).
   */
  queryInTransaction(
    spec: QuerySpec,
    settings: TransactionSettings,
    pipelineCommit: boolean,
    telemetry: Telemetry
  ): Effect.Effect<PipelinedQuery, Neo4jError> {
    return Effect.suspend(() => {
      const extra = transactionExtra(settings)
      const begin = new SummaryHandler()
      const pipelinedCommit = pipelineCommit ? new SummaryHandler() : undefined
      this.#queueTelemetry(telemetry)
      const result = new QueryResult(this, spec)
      const error = this.enqueue((w, ctx) => Requests.begin(w, extra, ctx), begin) ??
        this.enqueue((w, ctx) => Requests.run(w, { query: spec.query, parameters: spec.parameters }, ctx), result.runHandler)
      if (error !== undefined) return Effect.fail(error)
      this.#inTransaction = true
      result.requestMore()
      if (pipelinedCommit !== undefined) this.enqueue(Requests.commit, pipelinedCommit)
      const commit = pipelinedCommit === undefined ? this.commit : Effect.andThen(
        this.pump(() => pipelinedCommit.done),
        Effect.suspend(() => pipelinedCommit.result())
      ).pipe(Effect.tap(this.#transactionEnded))
      // The first batch (or BEGIN's failure): the caller reads the rest.
      return Effect.flatMap(
        this.exchange(() => begin.done && (result.finished || result.inFlight === 0)),
        () => begin.error !== undefined ? Effect.fail(begin.error) : Effect.succeed({ begun: begin.metadata, result, commit })
      )
    })
  }

  /**
   * Re-authenticates the connection with LOGOFF and LOGON (Bolt 5.1+; the caller compares
   * {@link auth} with the token first). By default they are only queued: they go out in one write
   * with the work's first request, as the official drivers pipeline them (TestKit
   * `Optimization:AuthPipelining`). A failed LOGON fails the requests after it with LOGON's error
   * (the server IGNOREs them), and the connection is not reused. With `wait` (verifyAuthentication)
   * they are sent and their answers awaited.
   */
  reauthenticate(auth: AuthToken, wait = false): Effect.Effect<void, Neo4jError> {
    return Effect.suspend(() => {
      if (!this.capabilities.logon) {
        return Effect.fail(
          new Neo4jUsageError({
            message: `Session-level auth needs Bolt 5.1+ (LOGOFF/LOGON); this server speaks Bolt ` +
              `${this.server.protocolVersion}. Use a driver created with these credentials instead.`
          })
        )
      }
      const logoff = new SummaryHandler()
      const logon = new LogonHandler(this, auth)
      const error = this.enqueue(Requests.logoff, logoff) ?? this.enqueue((w, ctx) => Requests.logon(w, auth, ctx), logon)
      if (error !== undefined) return Effect.fail(error)
      this.#auth = UNAUTHENTICATED
      this.#sentAuth = auth
      if (!wait) return Effect.void
      return this.flush.pipe(
        Effect.andThen(this.pump(() => logon.done)),
        Effect.andThen(Effect.suspend(() => logoff.result())),
        Effect.andThen(Effect.suspend(() => logon.result())),
        Effect.asVoid
      )
    })
  }

  /** LOGON answered: the connection is authenticated with `auth` from now on. */
  loggedOn(auth: AuthToken): void {
    this.#auth = auth
    this.authenticated()
  }

  /**
   * LOGON failed: the connection authenticates nobody, so it is not reused, and the requests
   * pipelined after LOGON, which the server IGNOREs, fail with LOGON's error.
   */
  logonFailed(error: Neo4jError): void {
    this.retired = true
    this.#ignoredBecause = error
  }

  /** Why the server IGNOREs requests, when a failure the requests' own handlers did not see explains it. */
  #ignoredBecause: Neo4jError | undefined = undefined

  /**
   * ROUTE, sent and awaited: the routing table the server answers with. ROUTE exists from Bolt 4.3
   * on; the driver never negotiates below 4.4, so no version check is needed.
   */
  route(input: Requests.RouteInput): Effect.Effect<Metadata.RouteMetadata, Neo4jError> {
    return Effect.flatMap(this.request((w, ctx) => Requests.route(w, input, ctx)), (metadata) => {
      const table = Metadata.route(metadata)
      return table instanceof Neo4jProtocolError ? Effect.fail(table) : Effect.succeed(table)
    })
  }

  /** The error for a connection that failed while a COMMIT was unanswered. */
  commitOutcomeUnknown(cause: Neo4jConnectionError | Neo4jProtocolError): Neo4jConnectionError {
    const address = formatAddress(this.address)
    return new Neo4jConnectionError({
      reason: "CommitOutcomeUnknown",
      address,
      message: `The connection to ${address} failed after COMMIT was sent, so the transaction may or may ` +
        `not have been committed. It is not retried automatically: check the data, or retry if the work is ` +
        `idempotent. Cause: ${cause.message}`,
      cause
    })
  }

  /**
   * RESET: stops whatever the server is doing, clears a failure, and waits until every earlier
   * request has been answered, so the connection is clean for the next user.
   */
  get reset(): Effect.Effect<void, Neo4jError> {
    return Effect.tap(this.request(Requests.reset), () =>
      Effect.sync(() => {
        this.failed = false
        this.#inTransaction = false
        this.#ignoredBecause = undefined
        // The server dropped the open result: a reader still holding it asks nothing more.
        const open = this.#autoCommitResult
        this.#autoCommitResult = undefined
        if (open !== undefined && !open.finished) {
          open.terminate(new Neo4jUsageError({ message: "The result was discarded: its connection was reset." }))
        }
      }))
  }

  /**
   * Best-effort GOODBYE; the socket closes with the connection's scope. Not sent while answers are
   * outstanding: the server closes at once on GOODBYE and they would never arrive.
   */
  get goodbye(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.broken !== undefined || !this.#transport.isOpen() || this.#handlers.length > 0) return Effect.void
      const out = new MessageWriter(GOODBYE_BUFFER)
      Requests.goodbye(out)
      return Effect.ignore(this.#transport.write(out.toUint8Array()))
    })
  }
}

const handshake = (
  transport: Transport.Transport,
  address: ServerAddress,
  proposals: ReadonlyArray<Handshake.VersionRange>,
  tls: boolean,
  connectTimeout: Duration.Duration
): Effect.Effect<{ readonly version: Version.BoltVersion; readonly rest: Uint8Array }, Neo4jConnectionError | Neo4jProtocolError> =>
  Effect.gen(function*() {
    yield* transport.write(Handshake.encodePreamble(proposals))
    const reader = new Handshake.HandshakeReader(proposals)
    let answered = false
    // Measured against Neo4j 5.26 with `server.bolt.tls_level=REQUIRED`: a plain preamble is
    // answered by closing the socket (~0.1 s), without a byte. So does a proxy or load balancer in
    // front of a server that is down, where retrying helps: a TLS handshake tells them apart.
    const unanswered = (error: Neo4jConnectionError) =>
      !tls && !answered && error.reason === "Closed"
        ? Effect.flatMap(speaksTls(address, connectTimeout), (yes) => Effect.fail(yes ? tlsRequiredError(address, error) : error))
        : Effect.fail(error)
    while (true) {
      const pieces = yield* Effect.catch(transport.pull, unanswered)
      answered = true
      for (const piece of pieces) {
        const result = reader.feed(piece)
        if (result._tag === "NeedMore") continue
        if (result._tag !== "Agreed") {
          return yield* Effect.fail(
            result._tag === "Neo4jConnectionError"
              ? new Neo4jConnectionError({
                reason: result.reason,
                message: result.message,
                address: formatAddress(address),
                cause: result.cause
              })
              : result
          )
        }
        if (result.answer.length > 0) yield* transport.write(result.answer)
        return { version: result.version, rest: result.rest }
      }
    }
  })

/** Whether the server completes a TLS handshake (any certificate), within `timeout`. */
const speaksTls = (address: ServerAddress, timeout: Duration.Duration): Effect.Effect<boolean> =>
  Effect.scoped(Transport.open({ address, tls: { trust: "trust-all" }, connectTimeout: timeout })).pipe(
    Effect.as(true),
    Effect.orElseSucceed(() => false)
  )

const tlsRequiredError = (address: ServerAddress, cause: Neo4jConnectionError) => {
  const where = formatAddress(address)
  return new Neo4jConnectionError({
    reason: "Tls",
    address: where,
    message: `The server at ${where} closed the connection during the Bolt handshake without answering: it ` +
      `probably accepts only encrypted connections. Use bolt+s:// or neo4j+s:// (bolt+ssc:// / neo4j+ssc:// ` +
      `for a self-signed certificate).`,
    cause
  })
}

const hintSeconds = (value: unknown): Duration.Duration | undefined => {
  const seconds = typeof value === "bigint" ? Number(value) : value
  return typeof seconds === "number" && seconds > 0 ? Duration.seconds(seconds) : undefined
}

/**
 * Opens, negotiates and authenticates a connection in the current scope; GOODBYE is sent and the
 * socket closed when the scope closes.
 */
export const connect = (
  options: ConnectionOptions
): Effect.Effect<BoltConnection, Neo4jError, Scope.Scope> =>
  Effect.gen(function*() {
    // One bound for the whole set-up: TCP and TLS within the transport, the Bolt handshake and
    // HELLO/LOGON within what is left of it (a port that accepts TCP and never answers hung here).
    const startedAt = yield* Clock.currentTimeMillis
    const transport = yield* Transport.open({
      address: options.address,
      tls: options.tls,
      connectTimeout: options.connectTimeout,
      resolveHost: options.resolveHost
    })
    const left = Duration.toMillis(options.connectTimeout) - ((yield* Clock.currentTimeMillis) - startedAt)
    const step = { phase: "Bolt handshake" as Transport.ConnectPhase }
    const connection = yield* Effect.timeoutOrElse(negotiate(transport, options, step), {
      duration: Duration.millis(Math.max(0, left)),
      orElse: () => Effect.fail(Transport.connectTimeoutError(step.phase, options.connectTimeout, options.address))
    })
    yield* connection.watchReceiveTimeout
    return connection
  })

/** Handshake, HELLO and LOGON over an open transport; `step.phase` says which is under way. */
const negotiate = (
  transport: Transport.Transport,
  options: ConnectionOptions,
  step: { phase: Transport.ConnectPhase }
): Effect.Effect<BoltConnection, Neo4jError, Scope.Scope> =>
  Effect.gen(function*() {
    const proposals = options.proposals ?? Handshake.DEFAULT_PROPOSALS
    const { version, rest } = yield* handshake(transport, options.address, proposals, options.tls !== undefined, options.connectTimeout)
    step.phase = "authentication (HELLO/LOGON)"
    const connection = new BoltConnection({
      transport,
      address: options.address,
      version,
      integers: options.integers,
      auth: options.auth,
      telemetry: options.telemetry,
      cleanupTimeout: options.connectTimeout,
      onSecurityFailure: options.onSecurityFailure,
      authByManager: options.authByManager
    })
    connection.feed(rest)
    yield* Effect.addFinalizer(() => connection.goodbye)

    // HELLO and (5.1+) LOGON are pipelined in one write.
    const carriesCredentials = connection.capabilities.helloCarriesCredentials
    const hello = new SummaryHandler()
    const logon = new SummaryHandler()
    const helloError = connection.enqueue((w, ctx) =>
      Requests.hello(w, {
        userAgent: options.userAgent,
        boltAgent: options.boltAgent,
        routing: options.routingContext,
        notifications: options.notifications,
        auth: carriesCredentials ? options.auth : undefined
      }, ctx), hello)
    if (helloError !== undefined) return yield* helloError
    if (!carriesCredentials) {
      const logonError = connection.enqueue((w, ctx) => Requests.logon(w, options.auth, ctx), logon)
      if (logonError !== undefined) return yield* logonError
    }
    yield* connection.flush
    yield* connection.pump(() => hello.done && (carriesCredentials || logon.done))
    const metadata = yield* hello.result()
    if (!carriesCredentials) yield* logon.result()

    const info = Metadata.hello(metadata)
    if (info instanceof Neo4jProtocolError) return yield* info
    connection.establish({
      capabilities: info.utcPatch ? Capabilities.withUtcPatch(connection.capabilities) : connection.capabilities,
      server: { address: formatAddress(options.address), agent: info.server ?? "", protocolVersion: Version.format(version) },
      serverConnectionId: info.connectionId ?? "",
      hints: {
        receiveTimeout: hintSeconds(info.hints.recvTimeoutSeconds),
        telemetryEnabled: info.hints.telemetryEnabled === true,
        ssrEnabled: info.hints.ssrEnabled === true
      }
    })
    connection.authenticated()
    return connection
  })
