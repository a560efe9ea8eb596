/**
 * The one public error family of the driver. Every failure a user can see is one of these tagged
 * classes, so `Effect.catchTag` can tell them apart and `isRetryable` says whether a transaction
 * function would run the work again.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import { isMarkedRetryable } from "./internal/retryMark.ts"

/**
 * Fields shared by the errors that come from the server (FAILURE messages, Bolt 5.7 GQL errors).
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerErrorFields {
  /** Neo4j status code, e.g. `Neo.ClientError.Statement.SyntaxError`. */
  readonly code: string
  readonly message: string
  /** GQLSTATUS code (Bolt 5.7+), e.g. `42001`; `50N42` (unknown error) from older servers. */
  readonly gqlStatus?: string | undefined
  readonly gqlStatusDescription?: string | undefined
  /** With `OPERATION`, `OPERATION_CODE` and `CURRENT_SCHEMA` defaults filled in. */
  readonly diagnosticRecord?: Readonly<Record<string, unknown>> | undefined
  /** The diagnostic record's `_classification` when known (`CLIENT_ERROR`, ...), else `UNKNOWN`. */
  readonly classification?: "CLIENT_ERROR" | "DATABASE_ERROR" | "TRANSIENT_ERROR" | "UNKNOWN" | undefined
  /** The diagnostic record's `_classification` as the server sent it. */
  readonly rawClassification?: string | undefined
  readonly cause?: unknown
  /** Set when a transaction function gave up: how many times the work ran. */
  readonly attempts?: number | undefined
}

// Codes the official drivers treat as transient by name but that must not be retried: the
// transaction was ended on purpose (PROTOCOL-NOTES, "Retryable").
const NON_RETRYABLE_TRANSIENT_CODES: ReadonlySet<string> = new Set([
  "Neo.TransientError.Transaction.Terminated",
  "Neo.TransientError.Transaction.LockClientStopped"
])

// Client errors that are retried: the credentials expired while the work ran.
const RETRYABLE_CLIENT_CODES: ReadonlySet<string> = new Set([
  "Neo.ClientError.Security.AuthorizationExpired"
])

/**
 * The server could not be reached, the connection broke, or the transport (TLS, handshake) failed.
 * `reason` tells which; connection loss is retryable, configuration mistakes are not.
 *
 * @since 0.1.0
 * @category errors
 */
export class Neo4jConnectionError extends Data.TaggedError("Neo4jConnectionError")<{
  readonly reason:
    | "Refused"
    | "DnsFailure"
    | "Timeout"
    | "AcquisitionTimeout"
    | "Closed"
    | "Tls"
    | "HttpPort"
    | "NoCommonVersion"
    | "ServiceUnavailable"
    | "SessionExpired"
    | "CommitOutcomeUnknown"
    | "Unknown"
  readonly message: string
  readonly address?: string | undefined
  readonly cause?: unknown
  /** Set when a transaction function gave up: how many times the work ran. */
  readonly attempts?: number | undefined
}> {
  /** Lost or unavailable connections are retried by transaction functions; setup mistakes are not. */
  get isRetryable(): boolean {
    return this.reason === "Closed" || this.reason === "ServiceUnavailable" ||
      this.reason === "SessionExpired" || this.reason === "Refused" || this.reason === "Timeout"
  }
}

/**
 * The server rejected the credentials (`Neo.ClientError.Security.*` on HELLO/LOGON), or the auth
 * token expired.
 *
 * @since 0.1.0
 * @category errors
 */
export class Neo4jAuthenticationError extends Data.TaggedError("Neo4jAuthenticationError")<
  ServerErrorFields
> {
  /** Also true when an auth token manager handled the failure (its next token differs). */
  get isRetryable(): boolean {
    return isMarkedRetryable(this) || RETRYABLE_CLIENT_CODES.has(this.code)
  }
}

/**
 * A `Neo.TransientError.*` from the server: deadlocks, lock timeouts, leader changes in progress.
 *
 * @since 0.1.0
 * @category errors
 */
export class Neo4jTransientError extends Data.TaggedError("Neo4jTransientError")<ServerErrorFields> {
  get isRetryable(): boolean {
    return !NON_RETRYABLE_TRANSIENT_CODES.has(this.code)
  }
}

/**
 * A `Neo.ClientError.*` from the server: syntax errors, constraint violations, unknown databases.
 *
 * @since 0.1.0
 * @category errors
 */
export class Neo4jClientError extends Data.TaggedError("Neo4jClientError")<
  ServerErrorFields
> {
  /** Also true when a routing driver forgot a writer that stepped down: another server can take the work. */
  get isRetryable(): boolean {
    return isMarkedRetryable(this) || RETRYABLE_CLIENT_CODES.has(this.code)
  }
}

/**
 * A `Neo.DatabaseError.*` from the server: a failure inside the database, not caused by the query.
 *
 * @since 0.1.0
 * @category errors
 */
export class Neo4jDatabaseError extends Data.TaggedError("Neo4jDatabaseError")<ServerErrorFields> {
  get isRetryable(): boolean {
    return false
  }
}

/**
 * The bytes on the wire broke the protocol: malformed PackStream, an unexpected message, a struct
 * with the wrong number of fields. The connection that produced it is never reused.
 *
 * @since 0.1.0
 * @category errors
 */
export class Neo4jProtocolError extends Data.TaggedError("Neo4jProtocolError")<{
  readonly message: string
  /** Byte offset in the message or stream where decoding failed, when known. */
  readonly offset?: number | undefined
  readonly cause?: unknown
}> {
  get isRetryable(): boolean {
    return false
  }
}

/**
 * The program used the driver wrongly: a malformed URI, an unknown scheme, a missing password, a
 * parameter value that has no Cypher type, a closed driver used again. `path` names the parameter
 * (`$rows[3].born`) when the problem is in one.
 *
 * @since 0.1.0
 * @category errors
 */
export class Neo4jUsageError extends Data.TaggedError("Neo4jUsageError")<{
  readonly message: string
  readonly path?: string | undefined
  readonly cause?: unknown
}> {
  get isRetryable(): boolean {
    return false
  }
}

/**
 * A result did not have the number of records the caller asked for (`single`), or a record holds a
 * value the driver cannot represent (`UndecodableValue`: a DateTime in an unknown time zone, a
 * Duration beyond the safe integer range). The latter costs that record only: the records before
 * and after it stay readable and the connection stays usable.
 *
 * @since 0.1.0
 * @category errors
 */
export class Neo4jResultError extends Data.TaggedError("Neo4jResultError")<{
  readonly reason: "NoRecords" | "TooManyRecords" | "UndecodableValue"
  readonly message: string
}> {
  get isRetryable(): boolean {
    return false
  }
}

/**
 * Any error the driver can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type Neo4jError =
  | Neo4jConnectionError
  | Neo4jAuthenticationError
  | Neo4jTransientError
  | Neo4jClientError
  | Neo4jDatabaseError
  | Neo4jProtocolError
  | Neo4jUsageError
  | Neo4jResultError

/**
 * Whether a value is one of the driver's errors.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isNeo4jError = (u: unknown): u is Neo4jError =>
  u instanceof Neo4jConnectionError || u instanceof Neo4jAuthenticationError || u instanceof Neo4jTransientError ||
  u instanceof Neo4jClientError || u instanceof Neo4jDatabaseError || u instanceof Neo4jProtocolError ||
  u instanceof Neo4jUsageError || u instanceof Neo4jResultError

/**
 * Whether a transaction function would retry after this error.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isRetryable = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "isRetryable" in error && error.isRetryable === true
