/**
 * The Bolt handshake: the client preamble (magic + four version proposals, the first one being the
 * manifest-v1 sentinel), the server's reply (a version, "none", `HTTP`, or the manifest-v1 list of
 * version ranges) and the client's manifest answer. Pure functions plus a small incremental reader
 * that the connection feeds socket pieces until the reply is complete.
 *
 * Spec: https://neo4j.com/docs/bolt/current/bolt/handshake/
 *
 * @since 0.1.0
 */
import { Neo4jConnectionError, Neo4jProtocolError } from "../Neo4jError.ts"
import * as Version from "./Version.ts"
import type { BoltVersion } from "./Version.ts"

/**
 * Wire constants of the handshake.
 *
 * @since 0.1.0
 * @category constants
 */
export const HandshakeBytes = {
  /** "C: 60 60 B0 17" (Bolt identification) */
  MAGIC: [0x60, 0x60, 0xb0, 0x17],
  /** "each encoded as a big-endian 32-bit unsigned integer" */
  VERSION_BYTES: 4,
  /** "the client submits exactly four protocol versions" */
  PROPOSAL_COUNT: 4,
  /** offset of the range byte in `[reserved, range, minor, major]` (Bolt 4.3 style) */
  RANGE_OFFSET: 1,
  /** offset of the minor byte in `[reserved, range, minor, major]` */
  MINOR_OFFSET: 2,
  /** offset of the major byte in `[reserved, range, minor, major]` */
  MAJOR_OFFSET: 3,
  /** "the last byte FF indicates that this is a manifest style handshake request" */
  MANIFEST_MARKER: 0xff,
  /** "the next byte is manifest version (here v1)" */
  MANIFEST_V1: 0x01,
  /** "HTTP": the first bytes of an HTTP response; the user dialled the HTTP port */
  HTTP: [0x48, 0x54, 0x54, 0x50],
  /** a TLS record header "ContentType alert(21), ProtocolVersion {3, x}" (RFC 8446 5.1): a TLS-only port */
  TLS_ALERT: [0x15, 0x03],
  /** the client selects no vendor capabilities: "A VarInt CAPABILITIES, selecting a subset" */
  CLIENT_CAPABILITIES: 0n
} as const

/**
 * Wire constants of the VarInt used by manifest v1.
 *
 * @since 0.1.0
 * @category constants
 */
export const VarIntBytes = {
  /** "The most significant bit within each byte is used as a continuation bit" */
  CONTINUATION: 0x80,
  /** "transmitted in groups of 7 bits with their least significant bits first" */
  PAYLOAD_MASK: 0x7f,
  PAYLOAD_BITS: 7,
  /** "max unsigned 64-bit integer": ceil(64 / 7) groups */
  MAX_BYTES: 10,
  /** largest value a VarInt may carry: "max unsigned 64-bit integer" */
  MAX_VALUE: 0xffff_ffff_ffff_ffffn
} as const

/**
 * How many version ranges a manifest may list before we call it hostile; real servers list a
 * handful (one per major version). Bounds the bytes the handshake reader buffers.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_MANIFEST_RANGES = 64

/**
 * One 4-byte proposal slot: `major.minor` plus `range` consecutive minors below it (Bolt 4.3
 * style). The manifest-v1 sentinel is the proposal `{ major: 0xFF, minor: 1, range: 0 }`.
 *
 * @since 0.1.0
 * @category models
 */
export interface VersionRange {
  readonly major: number
  readonly minor: number
  /** how many minor versions below `minor` are also accepted */
  readonly range: number
}

/**
 * The manifest-v1 sentinel `00 00 01 FF`.
 *
 * @since 0.1.0
 * @category constants
 */
export const MANIFEST_V1_PROPOSAL: VersionRange = {
  major: HandshakeBytes.MANIFEST_MARKER,
  minor: HandshakeBytes.MANIFEST_V1,
  range: 0
}

/**
 * The driver's four proposals: manifest v1 (reaches 6.x on 5.7+ servers), 5.8-5.6, 5.4-5.0 (5.5
 * is skipped by splitting the range), 4.4.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_PROPOSALS: ReadonlyArray<VersionRange> = [
  MANIFEST_V1_PROPOSAL,
  { major: 5, minor: 8, range: 2 },
  { major: 5, minor: 4, range: 4 },
  { major: 4, minor: 4, range: 0 }
]

/**
 * Whether a proposal slot is the manifest-v1 sentinel.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isManifestV1 = (p: VersionRange): boolean =>
  p.major === HandshakeBytes.MANIFEST_MARKER && p.minor === HandshakeBytes.MANIFEST_V1

/**
 * Whether `range` covers version `v`.
 *
 * @since 0.1.0
 * @category predicates
 */
export const rangeIncludes = (range: VersionRange, v: BoltVersion): boolean =>
  !isManifestV1(range) && range.major === v.major && v.minor <= range.minor && v.minor >= range.minor - range.range

const writeRange = (out: Uint8Array, offset: number, r: VersionRange): void => {
  out[offset + HandshakeBytes.RANGE_OFFSET] = r.range
  out[offset + HandshakeBytes.MINOR_OFFSET] = r.minor
  out[offset + HandshakeBytes.MAJOR_OFFSET] = r.major
}

const readRange = (bytes: Uint8Array, offset: number): VersionRange => ({
  major: bytes[offset + HandshakeBytes.MAJOR_OFFSET]!,
  minor: bytes[offset + HandshakeBytes.MINOR_OFFSET]!,
  range: bytes[offset + HandshakeBytes.RANGE_OFFSET]!
})

/**
 * The 20 bytes the client sends first: magic, then up to four proposals (missing slots are the
 * "no protocol version" zero filler; extra ones are dropped).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodePreamble = (proposals: ReadonlyArray<VersionRange> = DEFAULT_PROPOSALS): Uint8Array => {
  const out = new Uint8Array(HandshakeBytes.MAGIC.length + HandshakeBytes.PROPOSAL_COUNT * HandshakeBytes.VERSION_BYTES)
  out.set(HandshakeBytes.MAGIC, 0)
  const count = Math.min(proposals.length, HandshakeBytes.PROPOSAL_COUNT)
  for (let i = 0; i < count; i++) {
    writeRange(out, HandshakeBytes.MAGIC.length + i * HandshakeBytes.VERSION_BYTES, proposals[i]!)
  }
  return out
}

/**
 * Encodes an unsigned VarInt (LEB128: 7 bits per byte, least significant group first).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeVarInt = (value: bigint): Uint8Array => {
  const out: Array<number> = []
  let rest = value < 0n ? 0n : value & VarIntBytes.MAX_VALUE
  do {
    const group = Number(rest & BigInt(VarIntBytes.PAYLOAD_MASK))
    rest >>= BigInt(VarIntBytes.PAYLOAD_BITS)
    out.push(rest === 0n ? group : group | VarIntBytes.CONTINUATION)
  } while (rest !== 0n)
  return Uint8Array.from(out)
}

/**
 * Decoding a VarInt: its value and length, `undefined` when the bytes end inside it, or an error
 * when it is longer than a 64-bit value allows.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeVarInt = (
  bytes: Uint8Array,
  offset: number
): { readonly value: bigint; readonly length: number } | undefined | Neo4jProtocolError => {
  let value = 0n
  for (let i = 0; i < VarIntBytes.MAX_BYTES; i++) {
    if (offset + i >= bytes.length) return undefined
    const byte = bytes[offset + i]!
    value |= BigInt(byte & VarIntBytes.PAYLOAD_MASK) << BigInt(i * VarIntBytes.PAYLOAD_BITS)
    if ((byte & VarIntBytes.CONTINUATION) === 0) {
      if (value > VarIntBytes.MAX_VALUE) break
      return { value, length: i + 1 }
    }
  }
  return new Neo4jProtocolError({ message: "Handshake VarInt is longer than a 64-bit value", offset })
}

/**
 * The client's manifest-v1 answer: the chosen version in Bolt 4.0 style (no range) and the
 * capabilities it selects (none).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeManifestAnswer = (version: BoltVersion, capabilities: bigint = HandshakeBytes.CLIENT_CAPABILITIES): Uint8Array => {
  const caps = encodeVarInt(capabilities)
  const out = new Uint8Array(HandshakeBytes.VERSION_BYTES + caps.length)
  writeRange(out, 0, { major: version.major, minor: version.minor, range: 0 })
  out.set(caps, HandshakeBytes.VERSION_BYTES)
  return out
}

/**
 * A complete server reply.
 *
 * @since 0.1.0
 * @category models
 */
export interface Agreed {
  readonly _tag: "Agreed"
  readonly version: BoltVersion
  /** bytes of the input that belong to the handshake; anything after them is message stream */
  readonly consumed: number
  /** what the client must send back before its first message (manifest v1), or empty */
  readonly answer: Uint8Array
  /** `true` when negotiated through manifest v1 */
  readonly manifest: boolean
  /** the ranges a manifest-v1 server offered (empty otherwise) */
  readonly offered: ReadonlyArray<VersionRange>
  /** the vendor capability mask a manifest-v1 server offered (0 otherwise) */
  readonly serverCapabilities: bigint
}

/**
 * The reply is not complete yet: at least `needed` bytes in total are required.
 *
 * @since 0.1.0
 * @category models
 */
export interface NeedMore {
  readonly _tag: "NeedMore"
  readonly needed: number
}

/**
 * What reading a server reply gives.
 *
 * @since 0.1.0
 * @category models
 */
export type ReplyResult = Agreed | NeedMore | Neo4jConnectionError | Neo4jProtocolError

const needMore = (needed: number): NeedMore => ({ _tag: "NeedMore", needed })

const startsWith = (bytes: Uint8Array, prefix: ReadonlyArray<number>): boolean => prefix.every((b, i) => bytes[i] === b)

/**
 * The best version this driver supports among server-offered ranges, if any.
 *
 * @since 0.1.0
 * @category negotiation
 */
export const chooseVersion = (offered: ReadonlyArray<VersionRange>): BoltVersion | undefined =>
  Version.SUPPORTED.find((v) => offered.some((r) => rangeIncludes(r, v)))

/**
 * Reads the server's reply from the start of `bytes` (everything received since the preamble was
 * sent). `proposals` are the ones the client sent: a legacy reply must name one of them.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeReply = (
  bytes: Uint8Array,
  proposals: ReadonlyArray<VersionRange> = DEFAULT_PROPOSALS
): ReplyResult => {
  const head = HandshakeBytes.VERSION_BYTES
  if (bytes.length < head) return needMore(head)
  if (startsWith(bytes, HandshakeBytes.HTTP)) {
    return new Neo4jConnectionError({
      reason: "HttpPort",
      message: "The server answered the Bolt handshake with HTTP: this is the HTTP port " +
        "(7474 by default); use the Bolt port (7687 by default) with a bolt:// or neo4j:// URI"
    })
  }
  if (startsWith(bytes, HandshakeBytes.TLS_ALERT)) {
    return new Neo4jConnectionError({
      reason: "Tls",
      message: "The server answered the Bolt handshake with a TLS alert: it accepts only encrypted " +
        "connections. Use bolt+s:// or neo4j+s:// (bolt+ssc:// / neo4j+ssc:// for a self-signed certificate)"
    })
  }
  const chosen = readRange(bytes, 0)
  if (bytes[0] !== 0 || chosen.range !== 0) {
    return new Neo4jProtocolError({ message: `Unexpected handshake reply ${hex(bytes.subarray(0, head))}`, offset: 0 })
  }
  if (chosen.major === 0 && chosen.minor === 0) {
    return new Neo4jConnectionError({
      reason: "NoCommonVersion",
      message: `The server supports none of the Bolt versions this driver speaks (${Version.SUPPORTED.map(Version.format).join(", ")})`
    })
  }
  if (isManifestV1(chosen)) {
    if (!proposals.some(isManifestV1)) {
      return new Neo4jProtocolError({ message: "The server chose manifest v1, which the client did not propose", offset: 0 })
    }
    return decodeManifest(bytes, head)
  }
  const version = Version.make(chosen.major, chosen.minor)
  if (!Version.isSupported(version) || !proposals.some((p) => rangeIncludes(p, version))) {
    return new Neo4jProtocolError({
      message: `The server chose Bolt ${Version.format(version)}, which the client did not propose`,
      offset: 0
    })
  }
  return {
    _tag: "Agreed",
    version,
    consumed: head,
    answer: new Uint8Array(0),
    manifest: false,
    offered: [],
    serverCapabilities: 0n
  }
}

const decodeManifest = (bytes: Uint8Array, start: number): ReplyResult => {
  const count = decodeVarInt(bytes, start)
  if (count === undefined) return needMore(bytes.length + 1)
  if (count instanceof Neo4jProtocolError) return count
  if (count.value > BigInt(MAX_MANIFEST_RANGES)) {
    return new Neo4jProtocolError({
      message: `The server's handshake manifest lists ${count.value} version ranges (at most ${MAX_MANIFEST_RANGES} expected)`,
      offset: start
    })
  }
  const n = Number(count.value)
  const rangesStart = start + count.length
  const capsStart = rangesStart + n * HandshakeBytes.VERSION_BYTES
  if (bytes.length < capsStart + 1) return needMore(capsStart + 1)
  const caps = decodeVarInt(bytes, capsStart)
  if (caps === undefined) return needMore(bytes.length + 1)
  if (caps instanceof Neo4jProtocolError) return caps
  const offered: Array<VersionRange> = []
  for (let i = 0; i < n; i++) offered.push(readRange(bytes, rangesStart + i * HandshakeBytes.VERSION_BYTES))
  const version = chooseVersion(offered)
  if (version === undefined) {
    return new Neo4jConnectionError({
      reason: "NoCommonVersion",
      message: `The server offers Bolt ${offered.map(formatRange).join(", ") || "nothing"}; this driver speaks ${
        Version.SUPPORTED.map(Version.format).join(", ")
      }`
    })
  }
  return {
    _tag: "Agreed",
    version,
    consumed: capsStart + caps.length,
    answer: encodeManifestAnswer(version),
    manifest: true,
    offered,
    serverCapabilities: caps.value
  }
}

/**
 * `"5.8-5.6"` or `"4.4"`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatRange = (r: VersionRange): string =>
  r.range === 0 ? `${r.major}.${r.minor}` : `${r.major}.${r.minor}-${r.major}.${Math.max(0, r.minor - r.range)}`

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ")

/**
 * Accumulates socket pieces until the server's reply is complete. The buffered bytes are bounded
 * by the reply format (at most {@link MAX_MANIFEST_RANGES} ranges).
 *
 * @since 0.1.0
 * @category decoding
 */
export class HandshakeReader {
  private buffer = new Uint8Array(0)
  private readonly proposals: ReadonlyArray<VersionRange>
  constructor(proposals: ReadonlyArray<VersionRange> = DEFAULT_PROPOSALS) {
    this.proposals = proposals
  }

  /**
   * Adds a piece; when the reply is complete, `rest` holds the bytes after it (the start of the
   * message stream, normally empty).
   */
  feed(piece: Uint8Array): NeedMore | Neo4jConnectionError | Neo4jProtocolError | (Agreed & { readonly rest: Uint8Array }) {
    const joined = new Uint8Array(this.buffer.length + piece.length)
    joined.set(this.buffer, 0)
    joined.set(piece, this.buffer.length)
    this.buffer = joined
    const result = decodeReply(joined, this.proposals)
    if (result._tag !== "Agreed") return result
    return { ...result, rest: joined.subarray(result.consumed) }
  }
}
