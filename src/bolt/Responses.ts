/**
 * Response message decoders: SUCCESS (metadata), RECORD (the hot path), IGNORED and FAILURE (with
 * the Bolt 5.7 GQL error fields), mapped onto the driver's error family. Malformed input always
 * ends in a `Neo4jProtocolError` value; nothing is thrown.
 *
 * Spec: https://neo4j.com/docs/bolt/current/bolt/message/#messages-success and following.
 *
 * @since 0.1.0
 */
import { Neo4jProtocolError, Neo4jResultError } from "../Neo4jError.ts"
import { fromServerFailure } from "../internal/errors.ts"
import type { Neo4jError, ServerErrorFields } from "../Neo4jError.ts"
import { isPackStreamDecodeError } from "../packstream/Errors.ts"
import { Marker } from "../packstream/Markers.ts"
import type { PackStreamReader } from "../packstream/Reader.ts"
import { UnrepresentableValue } from "./Hydration.ts"
import { toProtocolError } from "./ValueCodec.ts"

/** Receives the responses to one request, in order: records (PULL only), then one summary. */
export interface ResponseHandler {
  onRecord(fields: ReadonlyArray<unknown>): void
  /**
   * Whether RECORD bodies go to {@link onRawRecords} undecoded right now, instead of `onRecord`
   * (the connection decodes them later, on demand).
   */
  keepsRawRecords?(): boolean
  /**
   * RECORD bodies, undecoded: `bytes[starts[i], ends[i])` for `i < count`, all inside
   * `bytes[from, to)` (messages received back to back, framing included). Valid during the call only.
   */
  onRawRecords?(bytes: Uint8Array, from: number, to: number, starts: Int32Array, ends: Int32Array, count: number): void
  onSuccess(metadata: Readonly<Record<string, unknown>>): void
  onFailure(error: Neo4jError): void
  onIgnored(): void
  /** A RECORD holding a value the driver cannot represent (without it: a protocol error). */
  onUndecodable?(error: Neo4jResultError): void
}

/**
 * Response message signatures.
 *
 * @since 0.1.0
 * @category constants
 */
export const ResponseTag = {
  SUCCESS: 0x70, // "SUCCESS Signature: 70", metadata::Dictionary
  RECORD: 0x71, // "RECORD Signature: 71", data::List
  IGNORED: 0x7e, // "IGNORED Signature: 7E", no fields
  FAILURE: 0x7f // "FAILURE Signature: 7F", metadata::Dictionary(code, message)
} as const

/**
 * Field counts of the response structs.
 *
 * @since 0.1.0
 * @category constants
 */
export const ResponseFields = {
  SUCCESS: 1,
  RECORD: 1,
  IGNORED: 0,
  FAILURE: 1
} as const

/**
 * How deep a FAILURE's `cause` chain may nest before the rest is dropped (hostile input bound).
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_CAUSE_DEPTH = 32

/**
 * A RECORD: the values of one result row, in field order.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordMessage {
  readonly _tag: "Record"
  readonly fields: ReadonlyArray<unknown>
}

/**
 * A SUCCESS with its raw metadata (see `Metadata` for typed readers).
 *
 * @since 0.1.0
 * @category models
 */
export interface SuccessMessage {
  readonly _tag: "Success"
  readonly metadata: Readonly<Record<string, unknown>>
}

/**
 * IGNORED: the request was not carried out (the connection is FAILED or INTERRUPTED).
 *
 * @since 0.1.0
 * @category models
 */
export interface IgnoredMessage {
  readonly _tag: "Ignored"
}

/**
 * A FAILURE, already mapped to the error family.
 *
 * @since 0.1.0
 * @category models
 */
export interface FailureMessage {
  readonly _tag: "Failure"
  readonly error: Neo4jError
}

/**
 * Any server response.
 *
 * @since 0.1.0
 * @category models
 */
export type Response = RecordMessage | SuccessMessage | IgnoredMessage | FailureMessage

/**
 * A GQL error cause (Bolt 5.7+ FAILURE `cause`): the GQL fields of an underlying error.
 *
 * @since 0.1.0
 * @category models
 */
export interface GqlErrorCause {
  readonly _tag: "GqlErrorCause"
  readonly gqlStatus: string | undefined
  readonly message: string
  readonly description: string | undefined
  /** As sent, with `OPERATION`, `OPERATION_CODE` and `CURRENT_SCHEMA` defaults filled in. */
  readonly diagnosticRecord: Readonly<Record<string, unknown>>
  /** The diagnostic record's `_classification` when it is a known one, else `UNKNOWN`. */
  readonly classification: GqlErrorClassification
  /** The diagnostic record's `_classification` as sent, when it is a string. */
  readonly rawClassification: string | undefined
  readonly cause: GqlErrorCause | undefined
}

/**
 * The classification of a GQL error (the diagnostic record's `_classification`).
 *
 * @since 0.1.0
 * @category models
 */
export type GqlErrorClassification = "CLIENT_ERROR" | "DATABASE_ERROR" | "TRANSIENT_ERROR" | "UNKNOWN"

const ERROR_CLASSIFICATIONS: ReadonlySet<string> = new Set(["CLIENT_ERROR", "DATABASE_ERROR", "TRANSIENT_ERROR"])

/** The GQL status of an error from a server that sends none (before Bolt 5.7). */
const UNKNOWN_ERROR_STATUS = "50N42"

const DIAGNOSTIC_RECORD_DEFAULTS = { OPERATION: "", OPERATION_CODE: "0", CURRENT_SCHEMA: "/" } as const

/** The GQL fields of an error or cause, polyfilled where the server sent none (as the official drivers do). */
const gqlFields = (metadata: Readonly<Record<string, unknown>>, message: string) => {
  const diagnosticRecord: Readonly<Record<string, unknown>> = {
    ...DIAGNOSTIC_RECORD_DEFAULTS,
    ...(isMap(metadata.diagnostic_record) ? metadata.diagnostic_record : {})
  }
  const rawClassification = optionalString(diagnosticRecord._classification)
  return {
    gqlStatus: optionalString(metadata.gql_status) ?? UNKNOWN_ERROR_STATUS,
    description: optionalString(metadata.description) ??
      `error: general processing exception - unexpected error. ${message}`,
    diagnosticRecord,
    classification: rawClassification !== undefined && ERROR_CLASSIFICATIONS.has(rawClassification)
      ? rawClassification as GqlErrorClassification
      : "UNKNOWN" as const,
    rawClassification
  }
}

const IGNORED: IgnoredMessage = { _tag: "Ignored" }

const isMap = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof Uint8Array) &&
  (Object.getPrototypeOf(u) === Object.prototype || Object.getPrototypeOf(u) === null)

const optionalString = (u: unknown): string | undefined => (typeof u === "string" ? u : undefined)

const protocolError = (message: string, offset?: number): Neo4jProtocolError =>
  new Neo4jProtocolError(offset === undefined ? { message } : { message, offset })

const tagName = (tag: number): string => `0x${tag.toString(16).toUpperCase().padStart(2, "0")}`

/**
 * The first byte of a RECORD body: TINY_STRUCT of one field (`B1`); the tag (`71`) follows.
 *
 * @since 0.1.0
 * @category constants
 */
export const RECORD_HEADER = Marker.TINY_STRUCT | ResponseFields.RECORD
const HEADER_BYTES = 2

/**
 * Whether `bytes[start, end)` is a RECORD message (by its first two bytes, nothing decoded).
 *
 * @since 0.1.0
 * @category decoding
 */
export const isRecord = (bytes: Uint8Array, start: number = 0, end: number = bytes.length): boolean =>
  end - start > HEADER_BYTES && bytes[start] === RECORD_HEADER && bytes[start + 1] === ResponseTag.RECORD

/**
 * The fields of the RECORD in `bytes[start, end)` without building a response object (the per-row
 * path); `undefined` when it is not a RECORD (use {@link decode}), or the protocol error it
 * contains (offsets counted from `start`).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeRecordFields = (
  reader: PackStreamReader,
  bytes: Uint8Array,
  start: number = 0,
  end: number = bytes.length
): ReadonlyArray<unknown> | Neo4jProtocolError | Neo4jResultError | undefined => {
  if (!isRecord(bytes, start, end)) return undefined
  try {
    reader.reset(bytes, start + HEADER_BYTES, end)
    const fields = reader.readValue()
    if (!Array.isArray(fields)) return protocolError("RECORD data is not a list", HEADER_BYTES)
    return reader.remaining() === 0 ? fields : trailing("RECORD", reader, start)
  } catch (error) {
    if (error instanceof UnrepresentableValue) {
      return new Neo4jResultError({ reason: "UndecodableValue", message: `A record holds ${error.message}` })
    }
    if (start !== 0) return decodeRecordFields(reader, bytes.subarray(start, end))
    if (isPackStreamDecodeError(error)) return toProtocolError(error)
    return new Neo4jProtocolError({ message: `Could not decode a RECORD: ${String(error)}`, cause: error })
  }
}

/**
 * Decodes one message body into a response, or the protocol error it contains.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (reader: PackStreamReader, body: Uint8Array): Response | Neo4jProtocolError => {
  try {
    reader.reset(body)
    const size = reader.readStructSize()
    const tag = reader.readUint8()
    switch (tag) {
      case ResponseTag.RECORD: {
        if (size !== ResponseFields.RECORD) return wrongSize("RECORD", size)
        const fields = reader.readValue()
        if (!Array.isArray(fields)) return protocolError("RECORD data is not a list", 2)
        return reader.remaining() === 0 ? { _tag: "Record", fields } : trailing("RECORD", reader)
      }
      case ResponseTag.SUCCESS: {
        if (size !== ResponseFields.SUCCESS) return wrongSize("SUCCESS", size)
        const metadata = reader.readValue()
        if (!isMap(metadata)) return protocolError("SUCCESS metadata is not a map", 2)
        return reader.remaining() === 0 ? { _tag: "Success", metadata } : trailing("SUCCESS", reader)
      }
      case ResponseTag.IGNORED:
        if (size !== ResponseFields.IGNORED) return wrongSize("IGNORED", size)
        return reader.remaining() === 0 ? IGNORED : trailing("IGNORED", reader)
      case ResponseTag.FAILURE: {
        if (size !== ResponseFields.FAILURE) return wrongSize("FAILURE", size)
        const metadata = reader.readValue()
        if (reader.remaining() !== 0) return trailing("FAILURE", reader)
        const error = failureError(metadata)
        return error instanceof Neo4jProtocolError ? error : { _tag: "Failure", error }
      }
      default:
        return protocolError(`Unknown response message ${tagName(tag)}`, 1)
    }
  } catch (error) {
    if (isPackStreamDecodeError(error)) return toProtocolError(error)
    // A codec bug must still not escape the connection's reader fiber as a defect.
    return new Neo4jProtocolError({ message: `Could not decode a response: ${String(error)}`, cause: error })
  }
}

const wrongSize = (name: string, size: number): Neo4jProtocolError =>
  protocolError(`${name} has ${size} fields (expected ${ResponseFields[name as keyof typeof ResponseFields]})`, 0)

const trailing = (name: string, reader: PackStreamReader, start: number = 0): Neo4jProtocolError =>
  protocolError(`${name} is followed by ${reader.remaining()} unexpected bytes`, reader.offset - start)

/**
 * The error a FAILURE's metadata describes. Bolt 5.7+ sends `neo4j_code` (the classic status code)
 * next to `gql_status`, `description`, `diagnostic_record` and a nested `cause`; older versions send
 * `code` and `message`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const failureError = (metadata: unknown): Neo4jError | Neo4jProtocolError => {
  if (!isMap(metadata)) return protocolError("FAILURE metadata is not a map")
  const code = optionalString(metadata.neo4j_code) ?? optionalString(metadata.code)
  if (code === undefined) return protocolError("FAILURE metadata has no code")
  const message = optionalString(metadata.message) ?? ""
  const gql = gqlFields(metadata, message)
  const fields: ServerErrorFields = {
    code,
    message,
    gqlStatus: gql.gqlStatus,
    gqlStatusDescription: gql.description,
    diagnosticRecord: gql.diagnosticRecord,
    classification: gql.classification,
    rawClassification: gql.rawClassification,
    cause: gqlCause(metadata.cause, 0)
  }
  return fromServerFailure(fields)
}

const gqlCause = (value: unknown, depth: number): GqlErrorCause | undefined => {
  if (!isMap(value) || depth >= MAX_CAUSE_DEPTH) return undefined
  const message = optionalString(value.message) ?? ""
  const gql = gqlFields(value, message)
  return {
    _tag: "GqlErrorCause",
    gqlStatus: gql.gqlStatus,
    message,
    description: gql.description,
    diagnosticRecord: gql.diagnosticRecord,
    classification: gql.classification,
    rawClassification: gql.rawClassification,
    cause: gqlCause(value.cause, depth + 1)
  }
}
