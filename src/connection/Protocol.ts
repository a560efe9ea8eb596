/**
 * The protocol seam: the operations the layer above the connection (sessions, transactions,
 * `executeQuery`, the router, re-authentication) performs on a connection. `BoltConnection`
 * implements them; nothing above this layer builds a request, queues a response handler, pumps
 * the socket or writes the connection's state. Session logic is tested against a fake
 * {@link Protocol} (test/internal/session.test.ts).
 *
 * A new Bolt message: its encoder in `bolt/Requests.ts`, an operation here and on
 * `BoltConnection` that sends it.
 */
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import { type NotificationFilter, TelemetryApi, type TransactionExtra } from "../bolt/Requests.ts"
import type { Neo4jError, Neo4jUsageError } from "../Neo4jError.ts"
import type { ServerInfo } from "../Neo4jSummary.ts"
import type { ServerAddress } from "../internal/uri.ts"
import type { QuerySpec, ResultStream } from "./QueryResult.ts"

export { TelemetryApi }
export type { QuerySpec, ResultStream } from "./QueryResult.ts"

/** Server metadata of a SUCCESS. */
export type Metadata = Readonly<Record<string, unknown>>

/** The settings of one unit of work (BEGIN, or the RUN of an auto-commit query). */
export interface TransactionSettings {
  /** Bookmarks the work waits for. */
  readonly bookmarks: ReadonlyArray<string>
  /** The server ends the transaction after this long (`tx_timeout`). */
  readonly timeout?: Duration.Input | undefined
  /** `tx_metadata` */
  readonly metadata?: Readonly<Record<string, unknown>> | undefined
  readonly mode: "READ" | "WRITE"
  /** `db`; `undefined` lets the server resolve the home database. */
  readonly database: string | undefined
  readonly impersonatedUser: string | undefined
  readonly notifications: NotificationFilter | undefined
}

/** The extra fields of BEGIN / auto-commit RUN for these settings. */
export const transactionExtra = (settings: TransactionSettings): TransactionExtra => ({
  bookmarks: settings.bookmarks,
  txTimeoutMillis: settings.timeout === undefined ? undefined : Math.ceil(Duration.toMillis(settings.timeout)),
  txMetadata: settings.metadata,
  mode: settings.mode === "READ" ? "read" : "write",
  database: settings.database,
  impersonatedUser: settings.impersonatedUser,
  notifications: settings.notifications
})

/** The outcome of BEGIN once answered (`done`): its metadata, its failure, or neither when IGNORED. */
/**
 * The TELEMETRY of one unit of work: queued with each attempt until the server has acknowledged it
 * once, then no more (`api` undefined), so a retried transaction function or `executeQuery` does not
 * report itself twice, as the official drivers do (TestKit `test_telemetry` `*_retry`).
 */
export interface Telemetry {
  api: TelemetryApi | undefined
}

/** A fresh {@link Telemetry} for one unit of work (shared by its retries). */
export const telemetryOf = (api: TelemetryApi): Telemetry => ({ api })

export interface BeginOutcome {
  readonly done: boolean
  readonly metadata: Metadata | undefined
  readonly error: Neo4jError | undefined
}

/** `executeQuery`'s transaction once its result is complete (see {@link Protocol.queryInTransaction}). */
export interface PipelinedQuery {
  /** BEGIN SUCCESS metadata (`db` on Bolt 5.8+); undefined when BEGIN was IGNORED. */
  readonly begun: Metadata | undefined
  readonly result: ResultStream
  /** Awaits the pipelined COMMIT, or sends COMMIT: its SUCCESS metadata (the bookmark). */
  readonly commit: Effect.Effect<Metadata, Neo4jError>
}

/**
 * What a unit of work does with its leased connection. Operations that return a result or a BEGIN
 * outcome only queue their requests: the result's first read flushes them, so BEGIN goes out with
 * the transaction's first query. TELEMETRY (Bolt 5.4+, when the server asks and the driver allows)
 * is queued ahead of each unit of work by the operation that starts it.
 */
export interface Protocol {
  readonly address: ServerAddress
  readonly server: ServerInfo
  /** Still usable (not broken, not retired, socket open). */
  readonly isOpen: boolean
  /** Responses still expected. */
  readonly pending: number
  /** An auto-commit query: (TELEMETRY and) RUN with the settings; the first read adds PULL. */
  autoCommit(spec: QuerySpec, settings: TransactionSettings): ResultStream | Neo4jUsageError
  /** (TELEMETRY and) BEGIN, queued; the connection is in a transaction from here on. */
  begin(settings: TransactionSettings, telemetry: Telemetry): BeginOutcome | Neo4jUsageError
  /** RUN in the open transaction, queued; the first read adds PULL. */
  run(spec: QuerySpec): ResultStream | Neo4jUsageError
  /** COMMIT, sent and awaited (a connection lost meanwhile: `CommitOutcomeUnknown`). */
  readonly commit: Effect.Effect<Metadata, Neo4jError>
  /** ROLLBACK, sent and awaited. */
  readonly rollback: Effect.Effect<Metadata, Neo4jError>
  /**
   * Runs a request of a closing scope (ROLLBACK of a transaction left open), bounded by the
   * connection timeout: without an answer in time the connection is closed rather than reused.
   */
  cleanup(request: Effect.Effect<unknown, Neo4jError>): Effect.Effect<void>
  /**
   * `executeQuery`'s transaction: (TELEMETRY,) BEGIN, RUN, PULL all (and COMMIT when
   * `pipelineCommit`) in one write, awaited until BEGIN is answered and the result is complete.
   */
  queryInTransaction(
    spec: QuerySpec,
    settings: TransactionSettings,
    pipelineCommit: boolean,
    telemetry: Telemetry
  ): Effect.Effect<PipelinedQuery, Neo4jError>
}
