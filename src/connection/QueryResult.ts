/**
 * The client side of one query on a connection: the handlers of its RUN and PULL/DISCARD requests,
 * the buffered records, and the pulls that ask the server for more only when the consumer wants
 * them (`PULL {n}`, backpressure from the protocol).
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type { NonEmptyReadonlyArray } from "effect/Array"
import * as Requests from "../bolt/Requests.ts"
import type { MessageWriter } from "../bolt/MessageWriter.ts"
import type { ResponseHandler } from "../bolt/Responses.ts"
import type { Neo4jConnectionError, Neo4jError, Neo4jUsageError } from "../Neo4jError.ts"
import { Neo4jProtocolError, Neo4jResultError } from "../Neo4jError.ts"
import { Neo4jRecord, RecordShape } from "../Neo4jRecord.ts"
import type * as Neo4jSummary from "../Neo4jSummary.ts"
import type { ServerInfo } from "../Neo4jSummary.ts"
import { fromMetadata as summaryFromMetadata } from "../bolt/Summary.ts"
import { RawRecords } from "./RawRecords.ts"

/**
 * What a result uses of its connection (a `BoltConnection`; declared here so that the connection
 * can make results without an import cycle).
 */
export interface ResultConnection {
  readonly server: ServerInfo
  readonly broken: unknown
  enqueue(
    encode: (writer: MessageWriter, context: Requests.EncodeContext) => Requests.EncodeResult,
    handler: ResponseHandler
  ): Neo4jUsageError | undefined
  readonly flush: Effect.Effect<void, Neo4jConnectionError>
  pump(until: () => boolean): Effect.Effect<void, Neo4jConnectionError | Neo4jProtocolError>
  /** `flush`, then `pump(until)`. */
  exchange(until: () => boolean): Effect.Effect<void, Neo4jConnectionError | Neo4jProtocolError>
  decodeRecord(bytes: Uint8Array, start: number, end: number): ReadonlyArray<unknown> | Neo4jProtocolError | Neo4jResultError
  /** A request of a closing scope, bounded (see `BoltConnection.cleanup`). */
  cleanup(request: Effect.Effect<unknown, Neo4jError>): Effect.Effect<void>
}

/**
 * One query's records as the layer above reads them: what sessions and transactions use of a
 * {@link QueryResult} (a fake implements it in tests of the session logic).
 */
export interface ResultStream {
  /** The keys, once RUN succeeded. */
  readonly shape: RecordShape | undefined
  /** RUN SUCCESS metadata (`db` of an auto-commit query on Bolt 5.8+); empty until then. */
  readonly runMetadata: Readonly<Record<string, unknown>>
  /** The last PULL/DISCARD SUCCESS metadata (the bookmark of an auto-commit query), once finished. */
  readonly finalMetadata: Readonly<Record<string, unknown>> | undefined
  /** Whether the server has nothing more to send for this result. */
  readonly finished: boolean
  /** Whether the connection under the result is broken (nothing more can be read or sent). */
  readonly broken: boolean
  /** Keeps records undecoded until read (call before the first read). */
  streamed(): void
  /** Whether {@link nextBatch} asks for the next batch as soon as it hands one out (default true). */
  prefetch: boolean
  /** PULL/DISCARD requests sent and not yet answered. */
  readonly inFlight: number
  /** Ends the result with `error` without asking for more (its transaction failed). */
  terminate(error: Neo4jError): void
  /** Asks for the first batch, sends what is queued, and waits for the keys (or the failure). */
  readonly open: Effect.Effect<ReadonlyArray<string>, Neo4jError>
  readonly nextBatch: Effect.Effect<NonEmptyReadonlyArray<Neo4jRecord>, Neo4jError | Cause.Done>
  readonly collect: Effect.Effect<Array<Neo4jRecord>, Neo4jError>
  readonly consume: Effect.Effect<Neo4jSummary.ResultSummary, Neo4jError>
  /** {@link consume} when the scope of an unread result closes: bounded, failures ignored. */
  readonly consumeOnClose: Effect.Effect<void>
  readonly summary: Effect.Effect<Neo4jSummary.ResultSummary, Neo4jError>
  /** The summary, without a step, when the result is finished without failure; else `undefined`. */
  summaryIfDone(): Neo4jSummary.ResultSummary | undefined
}

/** Everything a result needs to know about its query. */
export interface QuerySpec {
  readonly query: string
  readonly parameters: Readonly<Record<string, unknown>>
  /** Records requested per PULL; -1 for all at once. */
  readonly fetchSize: number
}

const NO_QID = -1

/**
 * Undecoded bytes decoded per chunk of a streamed result: ~270 rows of 4 scalars, ~30 rows of a
 * 20-entry map. Enough to spread the per-chunk cost of the stream, few enough objects alive at once
 * to keep the young generation small (see `RawRecords`).
 */
const CHUNK_BYTES = 8 * 1024

const fieldNames = (fields: unknown): ReadonlyArray<string> =>
  Array.isArray(fields) ? fields.map((f) => (typeof f === "string" ? f : String(f))) : []

/** The handler of a result's RUN: the keys and the query id. */
class RunHandler implements ResponseHandler {
  readonly result: QueryResult
  constructor(result: QueryResult) {
    this.result = result
  }
  onRecord(): void {}
  onSuccess(metadata: Readonly<Record<string, unknown>>): void {
    const result = this.result
    result.runMetadata = metadata
    result.shape = new RecordShape(fieldNames(metadata.fields))
    const qid = metadata.qid
    if (typeof qid === "number") result.qid = qid
    else if (typeof qid === "bigint") result.qid = Number(qid)
  }
  onFailure(error: Neo4jError): void {
    this.result.fail(error)
  }
  onIgnored(): void {
    this.result.ignored()
  }
}

/** The handler of every PULL/DISCARD of a result: records, then `has_more` or the final metadata. */
class PullHandler implements ResponseHandler {
  readonly result: QueryResult
  constructor(result: QueryResult) {
    this.result = result
  }
  keepsRawRecords(): boolean {
    return this.result.raw !== undefined || this.result.discarding
  }
  onRawRecords(bytes: Uint8Array, from: number, to: number, starts: Int32Array, ends: Int32Array, count: number): void {
    const result = this.result
    result.hadRecords = true
    if (!result.discarding) result.raw!.pushRun(bytes, from, to, starts, ends, count)
  }
  onRecord(fields: ReadonlyArray<unknown>): void {
    const result = this.result
    result.hadRecords = true
    if (result.discarding) return
    result.buffer.push(new Neo4jRecord(result.shape ?? new RecordShape([]), fields))
  }
  onSuccess(metadata: Readonly<Record<string, unknown>>): void {
    const result = this.result
    result.inFlight--
    if (metadata.has_more === true) return
    result.hasMore = false
    const type = metadata.type
    if (type !== undefined && type !== "r" && type !== "w" && type !== "rw" && type !== "s") {
      return result.fail(new Neo4jProtocolError({ message: `The server sent an unknown query type ${JSON.stringify(type)}` }))
    }
    result.finalMetadata = metadata
  }
  onFailure(error: Neo4jError): void {
    this.result.inFlight--
    this.result.fail(error)
  }
  onIgnored(): void {
    const result = this.result
    result.inFlight--
    // RUN failed first (its error is kept); otherwise the stream was reset under us.
    if (result.error === undefined) result.ignored()
    else result.fail(result.error)
  }
  // Decoded on arrival (an eager result): the result fails, the rest of the PULL still arrives.
  onUndecodable(error: Neo4jResultError): void {
    if (!this.result.discarding) this.result.error ??= error
  }
}

/**
 * One open result, with the handler of its RUN ({@link RunHandler}: keys, qid) and of every
 * PULL/DISCARD ({@link PullHandler}: records, then `has_more` or the final metadata).
 */
export class QueryResult implements ResultStream {
  readonly connection: ResultConnection
  readonly spec: QuerySpec
  shape: RecordShape | undefined = undefined
  qid = NO_QID
  runMetadata: Readonly<Record<string, unknown>> = {}
  finalMetadata: Readonly<Record<string, unknown>> | undefined = undefined
  error: Neo4jError | undefined = undefined
  buffer: Array<Neo4jRecord> = []
  /** Streamed results only: the records received and not yet decoded (see {@link streamed}). */
  raw: RawRecords | undefined = undefined
  /** PULL/DISCARD requests on their way whose summary has not arrived yet. */
  inFlight = 0
  /** The server has more records for this query after the last summary. */
  hasMore = true
  /** The consumer gave up on the records: the ones still arriving are dropped. */
  discarding = false
  /** A PULL was sent: whether the result had records is then known (the summary's GQL statuses). */
  pulled = false
  /** A record arrived, kept or dropped (the summary's GQL statuses below Bolt 5.6). */
  hadRecords = false
  /** Whether {@link nextBatch} asks for the next batch as soon as it hands one out. */
  prefetch = true
  /**
   * Whether this is the latest query of its transaction: PULL/DISCARD then leave `qid` out (the
   * server's default), as the official drivers do; an earlier query's result names its `qid`.
   */
  isLatest = true

  readonly runHandler: ResponseHandler
  readonly pullHandler: ResponseHandler

  constructor(connection: ResultConnection, spec: QuerySpec) {
    this.connection = connection
    this.spec = spec
    // Handlers with their methods on a prototype: a result costs two small objects, not a dozen
    // closures (this is on every query's path).
    this.runHandler = new RunHandler(this)
    this.pullHandler = new PullHandler(this)
  }

  /** Ends the result with `error` (the first one wins). */
  fail(error: Neo4jError): void {
    this.error ??= error
    this.hasMore = false
  }

  /** The server ignored a request of this query. */
  ignored(): void {
    this.fail(new Neo4jProtocolError({ message: "The server ignored the query (an earlier request failed)" }))
  }

  /**
   * Marks the result as streamed before its first PULL: records are then kept undecoded as they
   * arrive and decoded a chunk at a time by {@link nextBatch}.
   */
  streamed(): void {
    this.raw ??= new RawRecords()
  }

  /** Whether records are waiting for the consumer, decoded or not. */
  get hasRecords(): boolean {
    return this.buffer.length > 0 || (this.raw !== undefined && this.raw.size > 0)
  }

  /**
   * Takes the records waiting: the decoded buffer, else up to `maxBytes` of undecoded records (at
   * least one) decoded now; `undefined` when none wait. A record that does not decode ends the
   * result with that protocol error (the connection is then broken) after the records before it.
   * A record holding a value the driver cannot represent is given as its `Neo4jResultError`
   * instead, in its place: the records before it first, the ones after it on the next take.
   */
  #take(maxBytes: number): NonEmptyReadonlyArray<Neo4jRecord> | Neo4jResultError | undefined {
    if (this.buffer.length > 0) {
      const batch = this.buffer as unknown as NonEmptyReadonlyArray<Neo4jRecord>
      this.buffer = []
      return batch
    }
    const raw = this.raw
    if (raw === undefined || raw.size === 0) return undefined
    const shape = this.shape ?? new RecordShape([])
    const limit = raw.start + maxBytes
    const batch: Array<Neo4jRecord> = []
    do {
      const fields = this.connection.decodeRecord(raw.bytes, raw.start, raw.end)
      if (fields instanceof Neo4jResultError) {
        if (batch.length > 0) break
        raw.skip()
        return fields
      }
      if (fields instanceof Neo4jProtocolError) {
        this.error ??= fields
        this.hasMore = false
        raw.clear()
        break
      }
      raw.skip()
      batch.push(new Neo4jRecord(shape, fields))
    } while (raw.size > 0 && raw.start < limit)
    return batch.length === 0 ? undefined : batch as unknown as NonEmptyReadonlyArray<Neo4jRecord>
  }

  get broken(): boolean {
    return this.connection.broken !== undefined
  }

  /** Whether the server has nothing more to send for this result. */
  get finished(): boolean {
    return this.error !== undefined || (!this.hasMore && this.inFlight === 0)
  }

  /**
   * Ends the result with `error` without asking the server for more (its transaction failed):
   * records already received stay readable, then `error`.
   */
  terminate(error: Neo4jError): void {
    this.error ??= error
    this.hasMore = false
  }

  /** Queues a PULL for the next batch (not flushed). */
  requestMore(): void {
    if (this.inFlight > 0 || this.discarding || !this.hasMore || this.error !== undefined) return
    this.inFlight++
    this.pulled = true
    // Latest when enqueued is latest when the server reads it (requests are answered in order).
    const latest = this.isLatest
    const error = this.connection.enqueue(
      (w) => Requests.pull(w, { n: this.spec.fetchSize, qid: latest ? NO_QID : this.qid }),
      this.pullHandler
    )
    if (error !== undefined) this.error = error
  }

  /** {@link ResultStream.open}: the first PULL, the flush, then the keys. */
  get open(): Effect.Effect<ReadonlyArray<string>, Neo4jError> {
    return Effect.suspend(() => {
      this.requestMore()
      return Effect.andThen(this.connection.flush, this.keys)
    })
  }

  /** Queues a DISCARD of everything left (not flushed). */
  discardRest(): void {
    this.discarding = true
    this.buffer = []
    this.raw?.clear()
    if (!this.hasMore || this.error !== undefined) return
    this.inFlight++
    const latest = this.isLatest
    const error = this.connection.enqueue(
      (w) => Requests.discard(w, { n: -1, qid: latest ? NO_QID : this.qid }),
      this.pullHandler
    )
    if (error !== undefined) this.error = error
  }

  /**
   * Waits for the keys (RUN SUCCESS) or the failure of the query. A query that started and then
   * failed on PULL still has its keys (the failure comes with the records).
   */
  get keys(): Effect.Effect<ReadonlyArray<string>, Neo4jError> {
    return Effect.suspend(() => {
      if (this.shape !== undefined) return Effect.succeed(this.shape.keys)
      if (this.error !== undefined) return Effect.fail(this.error)
      return Effect.flatMap(
        this.connection.pump(() => this.shape !== undefined || this.error !== undefined),
        () => this.keys
      )
    })
  }

  /**
   * The next batch of records, requesting more from the server when the buffer is empty. One batch
   * is prefetched: when a batch is handed out and the server has more, the next PULL is already
   * sent, so the network round trip overlaps with the consumer's work (at most two batches are
   * buffered).
   */
  get nextBatch(): Effect.Effect<NonEmptyReadonlyArray<Neo4jRecord>, Neo4jError | Cause.Done> {
    return Effect.suspend(() => {
      const batch = this.#take(CHUNK_BYTES)
      if (batch instanceof Neo4jResultError) return Effect.fail(batch)
      if (batch !== undefined) {
        if (this.prefetch && this.inFlight === 0 && this.hasMore && this.error === undefined) {
          this.requestMore()
          return Effect.as(Effect.ignore(this.connection.flush), batch)
        }
        return Effect.succeed(batch)
      }
      if (this.error !== undefined) return Effect.fail(this.error)
      if (this.finished) return Cause.done()
      this.requestMore()
      return Effect.andThen(this.connection.exchange(() => this.hasRecords || this.finished || this.inFlight === 0), this.nextBatch)
    })
  }

  /** Reads every remaining record into one array (no batching overhead). */
  get collect(): Effect.Effect<Array<Neo4jRecord>, Neo4jError> {
    return Effect.suspend(() => this.#collect())
  }

  #collect(): Effect.Effect<Array<Neo4jRecord>, Neo4jError> {
    if (this.error !== undefined) return Effect.fail(this.error)
    if (this.finished) {
      const records = this.buffer
      this.buffer = []
      // A streamed result read to the end (a cursor's `list`).
      for (let rest = this.#take(Infinity); rest !== undefined; rest = this.#take(Infinity)) {
        if (rest instanceof Neo4jResultError) return Effect.fail(rest)
        for (const record of rest) records.push(record)
      }
      return this.error !== undefined ? Effect.fail(this.error) : Effect.succeed(records)
    }
    this.requestMore()
    return Effect.flatMap(this.connection.exchange(() => this.inFlight === 0 || this.error !== undefined), () => this.#collect())
  }

  /**
   * Discards the rest and waits for the final metadata. A PULL on its way is answered first (its
   * records dropped): DISCARD goes only if that answer says the server has more, as the official
   * drivers do.
   */
  get consume(): Effect.Effect<Neo4jSummary.ResultSummary, Neo4jError> {
    return Effect.suspend(() => {
      if (this.inFlight > 0 && this.error === undefined) {
        this.discarding = true
        this.buffer = []
        this.raw?.clear()
        return Effect.andThen(this.connection.exchange(() => this.inFlight === 0 || this.error !== undefined), this.consume)
      }
      this.discardRest()
      return Effect.andThen(this.connection.exchange(() => this.finished), this.summary)
    })
  }

  get consumeOnClose(): Effect.Effect<void> {
    return this.connection.cleanup(this.consume)
  }

  /** The summary once the result is finished. */
  get summary(): Effect.Effect<Neo4jSummary.ResultSummary, Neo4jError> {
    return Effect.suspend(() => {
      if (this.error !== undefined) return Effect.fail(this.error)
      if (this.finalMetadata === undefined) return this.consume
      return Effect.succeed(this.summaryIfDone()!)
    })
  }

  summaryIfDone(): Neo4jSummary.ResultSummary | undefined {
    if (this.error !== undefined || this.finalMetadata === undefined) return undefined
    return summaryFromMetadata({
      query: this.spec.query,
      parameters: this.spec.parameters,
      server: this.connection.server,
      runMetadata: this.runMetadata,
      finalMetadata: this.finalMetadata,
      hadRecords: this.pulled ? this.hadRecords : undefined
    })
  }
}
