/**
 * How the layers below build and mark the public errors: a server FAILURE mapped to its class,
 * copies with fields replaced, and the driver's own knowledge that a failure may be retried (a
 * writer that stepped down, a token the manager replaced), kept off the public classes' fields.
 */
import {
  Neo4jAuthenticationError,
  Neo4jClientError,
  Neo4jConnectionError,
  Neo4jDatabaseError,
  type Neo4jError,
  Neo4jTransientError,
  type ServerErrorFields
} from "../Neo4jError.ts"
import { isMarkedRetryable, markRetryable } from "./retryMark.ts"

export { isMarkedRetryable, markRetryable }

/**
 * Codes that mean "this server is no longer the writer". A routing driver forgets that writer and
 * retries elsewhere; a direct (bolt://) driver has nowhere else to go, so there they are final.
 */
export const NOT_A_WRITER_CODES: ReadonlySet<string> = new Set([
  "Neo.ClientError.Cluster.NotALeader",
  "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase"
])

/**
 * Maps a server FAILURE (code + message, plus GQL fields on Bolt 5.7+) to the matching class.
 */
export const fromServerFailure = (fields: ServerErrorFields): Neo4jError => {
  const code = fields.code
  if (code.startsWith("Neo.ClientError.Security.") && code !== "Neo.ClientError.Security.Forbidden") {
    return new Neo4jAuthenticationError(fields)
  }
  if (code.startsWith("Neo.TransientError.")) return new Neo4jTransientError(fields)
  if (code.startsWith("Neo.DatabaseError.")) return new Neo4jDatabaseError(fields)
  return new Neo4jClientError(fields)
}

/**
 * A copy of a retryable error that says how many attempts a transaction function made before it
 * gave up (the error is the last one; its class, code and cause are kept).
 */
export const withAttempts = <E extends Neo4jError>(error: E, attempts: number): E =>
  error instanceof Neo4jConnectionError || "code" in error
    ? copyError(error, {
      message: `${error.message} (gave up after ${attempts} attempt${attempts === 1 ? "" : "s"})`,
      attempts
    })
    : error

/**
 * A copy of an error of the family (same class, fields, message and cause) with some fields
 * replaced; the errors are immutable, so marking one (retryable, attempts) means copying it.
 */
export const copyError = <E extends Neo4jError>(error: E, overrides: Readonly<Record<string, unknown>>): E => {
  const Class = error.constructor as new (fields: Record<string, unknown>) => E
  const { _tag: _, ...fields } = { ...error } as Record<string, unknown>
  const copy = new Class({ ...fields, message: error.message, cause: error.cause, ...overrides })
  return isMarkedRetryable(error) ? markRetryable(copy) : copy
}
