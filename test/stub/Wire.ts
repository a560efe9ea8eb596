/**
 * The server side of the Bolt wire for the stub server: reading the client's handshake preamble and
 * manifest answer, decoding CLIENT messages, and encoding SERVER messages. Built on the driver's own
 * codec (`src/packstream`) and protocol constants (`src/bolt`); nothing here redefines a tag.
 *
 * Spec: https://neo4j.com/docs/bolt/current/bolt/handshake/ and .../bolt/message/
 */
import * as ValueCodec from "../../src/bolt/ValueCodec.ts"
import * as Capabilities from "../../src/bolt/Capabilities.ts"
import * as Handshake from "../../src/bolt/Handshake.ts"
import { MessageWriter } from "../../src/bolt/MessageWriter.ts"
import { RequestTag } from "../../src/bolt/Requests.ts"
import { ResponseFields, ResponseTag } from "../../src/bolt/Responses.ts"
import * as Version from "../../src/bolt/Version.ts"
import type { BoltVersion } from "../../src/bolt/Version.ts"
import type { ValueCodecOptions } from "../../src/bolt/ValueCodec.ts"
import { PackStreamReader } from "../../src/packstream/Reader.ts"
import { concatBytes } from "../bolt/hex.ts"

/**
 * The name of a client request, as the Bolt specification spells it.
 */
export type RequestName = keyof typeof RequestTag

const REQUEST_NAMES: ReadonlyMap<number, RequestName> = new Map(
  (Object.keys(RequestTag) as Array<RequestName>).map((name) => [RequestTag[name], name])
)

/**
 * Names of the fields of each request, in wire order ("HELLO extra::Dictionary", "RUN query, parameters,
 * extra", ...): received messages expose them by name for assertions.
 */
export const RequestFieldNames: { readonly [K in RequestName]: ReadonlyArray<string> } = {
  HELLO: ["extra"],
  GOODBYE: [],
  RESET: [],
  RUN: ["query", "parameters", "extra"],
  BEGIN: ["extra"],
  COMMIT: [],
  ROLLBACK: [],
  DISCARD: ["extra"],
  PULL: ["extra"],
  TELEMETRY: ["api"],
  ROUTE: ["routing", "bookmarks", "extra"],
  LOGON: ["auth"],
  LOGOFF: []
}

/**
 * One decoded client message.
 */
export interface ClientMessage {
  /** `UNKNOWN` for a tag that is no Bolt request */
  readonly name: RequestName | "UNKNOWN"
  readonly tag: number
  readonly fields: ReadonlyArray<unknown>
  /** the fields by their spec names (`query`, `parameters`, `extra`, `routing`, `bookmarks`, `api`, `auth`) */
  readonly named: Readonly<Record<string, unknown>>
  /** the message body (de-chunked PackStream bytes) */
  readonly body: Uint8Array
}

/**
 * Decodes one de-chunked message body sent by a client, or says why it is not a message.
 */
export const decodeClientMessage = (reader: PackStreamReader, body: Uint8Array): ClientMessage | string => {
  try {
    reader.reset(body)
    const size = reader.readStructSize()
    const tag = reader.readUint8()
    const fields: Array<unknown> = []
    for (let i = 0; i < size; i++) fields.push(reader.readValue())
    if (reader.remaining() !== 0) return `${reader.remaining()} bytes follow the message struct`
    const name = REQUEST_NAMES.get(tag) ?? "UNKNOWN"
    const named: Record<string, unknown> = {}
    if (name !== "UNKNOWN") RequestFieldNames[name].forEach((field, i) => (named[field] = fields[i]))
    return { name, tag, fields, named, body: body.slice() }
  } catch (error) {
    return error instanceof Error ? error.message : String((error as { message?: unknown }).message ?? error)
  }
}

/**
 * A server message as a script writes it.
 */
export type ServerMessage =
  | { readonly _tag: "SUCCESS"; readonly metadata: Readonly<Record<string, unknown>> }
  | { readonly _tag: "RECORD"; readonly values: ReadonlyArray<unknown> }
  | { readonly _tag: "IGNORED" }
  | { readonly _tag: "FAILURE"; readonly failure: FailureSpec }

/**
 * What a FAILURE says. `form` picks the wire shape: `legacy` is `{code, message}` (Bolt < 5.7),
 * `gql` is the Bolt 5.7+ shape (`neo4j_code`, `message`, `gql_status`, `description`,
 * `diagnostic_record`); `auto` (default) follows the connection's version like a real server.
 */
export interface FailureSpec {
  readonly code: string
  readonly message: string
  readonly form?: "auto" | "legacy" | "gql" | undefined
  readonly gqlStatus?: string | undefined
  readonly description?: string | undefined
  /** extra metadata entries, written last (e.g. a nested `cause`) */
  readonly extra?: Readonly<Record<string, unknown>> | undefined
}

/**
 * Defaults of the Bolt 5.7+ FAILURE shape. The stub does not know the real GQL status of every
 * Neo4j code: it sends the generic one unless a script names another.
 */
export const GqlDefaults = {
  /** "50N42: general processing exception - unexpected error" */
  STATUS: "50N42",
  DESCRIPTION: "error: general processing exception - unexpected error",
  /** the diagnostic record every 5.7+ FAILURE carries ("OPERATION", "OPERATION_CODE", "CURRENT_SCHEMA") */
  DIAGNOSTIC_RECORD: { OPERATION: "", OPERATION_CODE: "0", CURRENT_SCHEMA: "/" }
} as const

/**
 * The metadata map of a FAILURE on a connection of `version`.
 */
export const failureMetadata = (failure: FailureSpec, version: BoltVersion): Record<string, unknown> => {
  const gql = failure.form === "gql" || ((failure.form ?? "auto") === "auto" && Capabilities.forVersion(version).gqlErrors)
  const base: Record<string, unknown> = gql
    ? {
      gql_status: failure.gqlStatus ?? GqlDefaults.STATUS,
      description: failure.description ?? `${GqlDefaults.DESCRIPTION}. ${failure.message}`,
      message: failure.message,
      neo4j_code: failure.code,
      diagnostic_record: GqlDefaults.DIAGNOSTIC_RECORD
    }
    : { code: failure.code, message: failure.message }
  return { ...base, ...failure.extra }
}

/**
 * The codec a connection of `version` uses; graph values may be written (records of a stub).
 */
export const codecFor = (version: BoltVersion, utcPatch = false): ValueCodecOptions => {
  const caps = Capabilities.forVersion(version)
  return { ...Capabilities.codecOptions(utcPatch ? Capabilities.withUtcPatch(caps) : caps), encodeGraphTypes: true }
}

/**
 * Encodes server messages into framed bytes (one chunked message each, as a server sends them).
 */
export const encodeServerMessages = (
  messages: ReadonlyArray<ServerMessage>,
  version: BoltVersion,
  codec: ValueCodecOptions
): Uint8Array => {
  const w = new MessageWriter()
  for (const message of messages) {
    switch (message._tag) {
      case "SUCCESS":
        w.begin(ResponseTag.SUCCESS, ResponseFields.SUCCESS)
        w.packer.writeValue(message.metadata, ValueCodec.dehydrator(codec))
        break
      case "RECORD":
        w.begin(ResponseTag.RECORD, ResponseFields.RECORD)
        w.packer.writeValue(message.values, ValueCodec.dehydrator(codec))
        break
      case "IGNORED":
        w.begin(ResponseTag.IGNORED, ResponseFields.IGNORED)
        break
      case "FAILURE":
        w.begin(ResponseTag.FAILURE, ResponseFields.FAILURE)
        w.packer.writeValue(failureMetadata(message.failure, version), ValueCodec.dehydrator(codec))
        break
    }
    w.end()
  }
  return w.toUint8Array()
}

/**
 * The client's 20-byte preamble, read.
 */
export interface Preamble {
  readonly magicOk: boolean
  readonly proposals: ReadonlyArray<Handshake.VersionRange>
  readonly manifest: boolean
}

/**
 * Bytes of the client preamble: magic + four proposals.
 */
export const PREAMBLE_BYTES = Handshake.HandshakeBytes.MAGIC.length +
  Handshake.HandshakeBytes.PROPOSAL_COUNT * Handshake.HandshakeBytes.VERSION_BYTES

const readRange = (bytes: Uint8Array, at: number): Handshake.VersionRange => ({
  major: bytes[at + Handshake.HandshakeBytes.MAJOR_OFFSET]!,
  minor: bytes[at + Handshake.HandshakeBytes.MINOR_OFFSET]!,
  range: bytes[at + Handshake.HandshakeBytes.RANGE_OFFSET]!
})

/**
 * Reads the preamble from the first {@link PREAMBLE_BYTES} bytes.
 */
export const decodePreamble = (bytes: Uint8Array): Preamble => {
  const magic = Handshake.HandshakeBytes.MAGIC
  const proposals: Array<Handshake.VersionRange> = []
  for (let i = 0; i < Handshake.HandshakeBytes.PROPOSAL_COUNT; i++) {
    const p = readRange(bytes, magic.length + i * Handshake.HandshakeBytes.VERSION_BYTES)
    if (p.major !== 0 || p.minor !== 0) proposals.push(p)
  }
  return {
    magicOk: magic.every((b, i) => bytes[i] === b),
    proposals,
    manifest: proposals.some(Handshake.isManifestV1)
  }
}

/**
 * The 4-byte version reply of the pre-manifest handshake: `00 00 minor major`.
 */
export const encodeVersionReply = (version: BoltVersion): Uint8Array => {
  const out = new Uint8Array(Handshake.HandshakeBytes.VERSION_BYTES)
  out[Handshake.HandshakeBytes.MINOR_OFFSET] = version.minor
  out[Handshake.HandshakeBytes.MAJOR_OFFSET] = version.major
  return out
}

/**
 * The "no common version" reply `00 00 00 00`.
 */
export const NO_VERSION_REPLY: Uint8Array = new Uint8Array(Handshake.HandshakeBytes.VERSION_BYTES)

/**
 * The manifest-v1 reply offering exactly `version` and no capabilities:
 * `00 00 01 FF`, VarInt count, the ranges, VarInt capabilities.
 */
export const encodeManifestReply = (version: BoltVersion, capabilities = 0n): Uint8Array => {
  const sentinel = new Uint8Array(Handshake.HandshakeBytes.VERSION_BYTES)
  sentinel[Handshake.HandshakeBytes.MINOR_OFFSET] = Handshake.HandshakeBytes.MANIFEST_V1
  sentinel[Handshake.HandshakeBytes.MAJOR_OFFSET] = Handshake.HandshakeBytes.MANIFEST_MARKER
  return concatBytes(sentinel, Handshake.encodeVarInt(1n), encodeVersionReply(version), Handshake.encodeVarInt(capabilities))
}

/**
 * The client's manifest-v1 answer (chosen version + VarInt capabilities), once complete.
 */
export const decodeManifestAnswer = (
  bytes: Uint8Array
): { readonly version: BoltVersion; readonly capabilities: bigint; readonly consumed: number } | "more" | string => {
  const head = Handshake.HandshakeBytes.VERSION_BYTES
  if (bytes.length < head + 1) return "more"
  const caps = Handshake.decodeVarInt(bytes, head)
  if (caps === undefined) return "more"
  if (!("value" in caps)) return caps.message
  const chosen = readRange(bytes, 0)
  return { version: Version.make(chosen.major, chosen.minor), capabilities: caps.value, consumed: head + caps.length }
}

/**
 * A reader for client messages on a connection of `version`.
 */
export const readerFor = (version: BoltVersion, utcPatch = false): PackStreamReader =>
  ValueCodec.reader(codecFor(version, utcPatch))
