/**
 * Hand-written Bolt for the integration tests that must not depend on the driver under test:
 * a PackStream subset (enough for HELLO, LOGON, RUN, PULL and their answers), chunked framing
 * and a socket that reads exactly n bytes. The real codec lives in src/packstream.
 */
import { Socket, connect as connectTcp } from "node:net"
import { connect as connectTls, type ConnectionOptions } from "node:tls"

// ---------------------------------------------------------------------------------------------
// PackStream (spec: https://neo4j.com/docs/bolt/current/packstream/)

/** A PackStream value as this subset reads it; INT_64 outside the safe range becomes a bigint. */
export type PackValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | ReadonlyArray<PackValue>
  | PackStruct
  | { readonly [key: string]: PackValue }

export interface PackStruct {
  readonly _tag: "PackStruct"
  readonly signature: number
  readonly fields: ReadonlyArray<PackValue>
}

/** Integers are written as INT_64 unless they are tagged floats; callers pass whole numbers. */
export interface PackFloat {
  readonly _tag: "PackFloat"
  readonly value: number
}

export type PackInput =
  | null
  | boolean
  | number
  | string
  | PackFloat
  | ReadonlyArray<PackInput>
  | { readonly [key: string]: PackInput }

const NULL = 0xc0
const FLOAT_64 = 0xc1
const FALSE = 0xc2
const TRUE = 0xc3
const INT_8 = 0xc8
const INT_16 = 0xc9
const INT_32 = 0xca
const INT_64 = 0xcb
const BYTES_8 = 0xcc
const BYTES_16 = 0xcd
const BYTES_32 = 0xce
const TINY_STRING = 0x80
const STRING_8 = 0xd0
const STRING_16 = 0xd1
const STRING_32 = 0xd2
const TINY_LIST = 0x90
const LIST_8 = 0xd4
const LIST_16 = 0xd5
const LIST_32 = 0xd6
const TINY_MAP = 0xa0
const MAP_8 = 0xd8
const MAP_16 = 0xd9
const MAP_32 = 0xda
const TINY_STRUCT = 0xb0
/** Tiny markers carry the size in the low nibble: 0..15. */
const TINY_SIZE_LIMIT = 16
const TINY_INT_MIN = -16
const TINY_INT_MAX = 127

const sizedHeader = (tiny: number, size8: number, size: number): Buffer => {
  if (size < TINY_SIZE_LIMIT) return Buffer.of(tiny | size)
  if (size <= 0xff) return Buffer.of(size8, size)
  if (size <= 0xffff) {
    const header = Buffer.alloc(3)
    header[0] = size8 + 1
    header.writeUInt16BE(size, 1)
    return header
  }
  const header = Buffer.alloc(5)
  header[0] = size8 + 2
  header.writeUInt32BE(size, 1)
  return header
}

const packInt = (value: number): Buffer => {
  if (value >= TINY_INT_MIN && value <= TINY_INT_MAX) return Buffer.of(value & 0xff)
  const buffer = Buffer.alloc(9)
  buffer[0] = INT_64
  buffer.writeBigInt64BE(BigInt(value), 1)
  return buffer
}

/** Encodes one value; STRING/LIST/MAP sizes pick the smallest marker like a real encoder would. */
export const pack = (value: PackInput): Buffer => {
  if (value === null) return Buffer.of(NULL)
  if (typeof value === "boolean") return Buffer.of(value ? TRUE : FALSE)
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`pack: ${value} is not a safe integer; wrap floats`)
    return packInt(value)
  }
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8")
    return Buffer.concat([sizedHeader(TINY_STRING, STRING_8, bytes.length), bytes])
  }
  if (Array.isArray(value)) {
    const items = value as ReadonlyArray<PackInput>
    return Buffer.concat([sizedHeader(TINY_LIST, LIST_8, items.length), ...items.map(pack)])
  }
  if ("_tag" in value && value._tag === "PackFloat") {
    const buffer = Buffer.alloc(9)
    buffer[0] = FLOAT_64
    buffer.writeDoubleBE(value.value as number, 1)
    return buffer
  }
  const entries = Object.entries(value as { readonly [key: string]: PackInput })
  return Buffer.concat([
    sizedHeader(TINY_MAP, MAP_8, entries.length),
    ...entries.flatMap(([key, item]) => [pack(key), pack(item)])
  ])
}

/** Encodes a struct (a Bolt message is one) with a signature byte. */
export const packStruct = (signature: number, fields: ReadonlyArray<PackInput>): Buffer => {
  if (fields.length >= TINY_SIZE_LIMIT) throw new Error("packStruct: Bolt messages have at most 15 fields")
  return Buffer.concat([Buffer.of(TINY_STRUCT | fields.length, signature), ...fields.map(pack)])
}

/** Decodes one value from a complete message body. */
export const unpack = (bytes: Buffer): PackValue => {
  let offset = 0
  const u8 = () => bytes.readUInt8(offset++)
  const take = (length: number) => {
    const slice = bytes.subarray(offset, offset + length)
    if (slice.length !== length) throw new Error("unpack: truncated message")
    offset += length
    return slice
  }
  const size = (marker: number, base8: number): number => {
    if (marker === base8) return u8()
    const width = marker === base8 + 1 ? 2 : 4
    const slice = take(width)
    return width === 2 ? slice.readUInt16BE(0) : slice.readUInt32BE(0)
  }
  const value = (): PackValue => {
    const marker = u8()
    const high = marker & 0xf0
    const low = marker & 0x0f
    if (marker <= TINY_INT_MAX || marker >= 0xf0) return (marker << 24) >> 24
    if (high === TINY_STRING) return take(low).toString("utf8")
    if (high === TINY_LIST) return list(low)
    if (high === TINY_MAP) return map(low)
    if (high === TINY_STRUCT) return struct(low)
    switch (marker) {
      case NULL: return null
      case FALSE: return false
      case TRUE: return true
      case FLOAT_64: return take(8).readDoubleBE(0)
      case INT_8: return take(1).readInt8(0)
      case INT_16: return take(2).readInt16BE(0)
      case INT_32: return take(4).readInt32BE(0)
      case INT_64: {
        const big = take(8).readBigInt64BE(0)
        return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big
      }
      case BYTES_8: case BYTES_16: case BYTES_32: return Uint8Array.from(take(size(marker, BYTES_8)))
      case STRING_8: case STRING_16: case STRING_32: return take(size(marker, STRING_8)).toString("utf8")
      case LIST_8: case LIST_16: case LIST_32: return list(size(marker, LIST_8))
      case MAP_8: case MAP_16: case MAP_32: return map(size(marker, MAP_8))
      default: throw new Error(`unpack: marker 0x${marker.toString(16)} is outside this test subset`)
    }
  }
  const list = (length: number): Array<PackValue> => Array.from({ length }, value)
  const map = (length: number): { [key: string]: PackValue } => {
    const result: { [key: string]: PackValue } = {}
    for (let i = 0; i < length; i++) {
      const key = value()
      if (typeof key !== "string") throw new Error("unpack: map key is not a string")
      result[key] = value()
    }
    return result
  }
  const struct = (length: number): PackStruct => {
    const signature = u8()
    return { _tag: "PackStruct", signature, fields: list(length) }
  }
  const result = value()
  if (offset !== bytes.length) throw new Error(`unpack: ${bytes.length - offset} trailing bytes`)
  return result
}

// ---------------------------------------------------------------------------------------------
// Bolt messages and handshake (spec: https://neo4j.com/docs/bolt/current/bolt/)

export const MessageSignature = {
  HELLO: 0x01,
  GOODBYE: 0x02,
  LOGON: 0x6a,
  RUN: 0x10,
  PULL: 0x3f,
  ROUTE: 0x66,
  SUCCESS: 0x70,
  RECORD: 0x71,
  IGNORED: 0x7e,
  FAILURE: 0x7f
} as const

const MAGIC = Buffer.of(0x60, 0x60, 0xb0, 0x17)
const PROPOSAL_SLOTS = 4
const MAX_CHUNK = 0xffff
const CHUNK_HEADER = 2
const USER_AGENT = "effect-neo4j-tests/0.1"
/** PULL n = -1: all records. */
const PULL_ALL = -1

export interface BoltVersion {
  readonly major: number
  readonly minor: number
}

/** One handshake slot: `major.minor` and the `range` minor versions below it. */
export interface BoltProposal extends BoltVersion {
  readonly range: number
}

export const versionAtLeast = (version: BoltVersion, major: number, minor: number): boolean =>
  version.major > major || (version.major === major && version.minor >= minor)

export const formatVersion = (version: BoltVersion): string => `${version.major}.${version.minor}`

/** The handshake bytes: magic, then four slots of [0, range, minor, major], zero-padded. */
export const handshakeBytes = (proposals: ReadonlyArray<BoltProposal>): Buffer => {
  if (proposals.length > PROPOSAL_SLOTS) throw new Error("handshake: at most four proposals")
  const slots = Buffer.alloc(PROPOSAL_SLOTS * 4)
  proposals.forEach((proposal, i) => slots.set([0, proposal.range, proposal.minor, proposal.major], i * 4))
  return Buffer.concat([MAGIC, slots])
}

/** Splits one message into chunks and appends the 0x0000 end marker. */
export const chunk = (message: Buffer): Buffer => {
  const parts: Array<Buffer> = []
  for (let offset = 0; offset < message.length; offset += MAX_CHUNK) {
    const body = message.subarray(offset, offset + MAX_CHUNK)
    const header = Buffer.alloc(CHUNK_HEADER)
    header.writeUInt16BE(body.length)
    parts.push(header, body)
  }
  parts.push(Buffer.alloc(CHUNK_HEADER))
  return Buffer.concat(parts)
}

export type Metadata = { readonly [key: string]: PackValue }

export type BoltResponse =
  | { readonly _tag: "Success"; readonly metadata: Metadata }
  | { readonly _tag: "Failure"; readonly metadata: Metadata }
  | { readonly _tag: "Ignored" }

// ---------------------------------------------------------------------------------------------
// Connection

export interface Endpoint {
  readonly host: string
  readonly port: number
  /** TLS options; absent means plain TCP. */
  readonly tls?: ConnectionOptions
}

const CONNECT_TIMEOUT_MS = 10_000

/** A socket with `readExact`: the handshake and chunk framing need exact lengths. */
export class RawBoltConnection {
  readonly #socket: Socket
  readonly #buffered: Array<Buffer> = []
  #length = 0
  #waiter: (() => void) | undefined
  #closed: Error | undefined

  private constructor(socket: Socket) {
    this.#socket = socket
    socket.on("data", (data: Buffer) => {
      this.#buffered.push(data)
      this.#length += data.length
      this.#waiter?.()
    })
    const onEnd = (error?: Error) => {
      this.#closed ??= error ?? new Error("connection closed by the server")
      this.#waiter?.()
    }
    socket.on("error", onEnd)
    socket.on("close", () => onEnd())
  }

  static connect(endpoint: Endpoint): Promise<RawBoltConnection> {
    return new Promise((resolve, reject) => {
      const socket = endpoint.tls === undefined
        ? connectTcp({ host: endpoint.host, port: endpoint.port })
        : connectTls({ host: endpoint.host, port: endpoint.port, ...endpoint.tls })
      const readyEvent = endpoint.tls === undefined ? "connect" : "secureConnect"
      socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error("connect timed out")))
      socket.once("error", reject)
      socket.once(readyEvent, () => {
        socket.setTimeout(0)
        socket.off("error", reject)
        resolve(new RawBoltConnection(socket))
      })
    })
  }

  async readExact(length: number): Promise<Buffer> {
    while (this.#length < length) {
      if (this.#closed !== undefined) throw this.#closed
      await new Promise<void>((resolve) => (this.#waiter = resolve))
      this.#waiter = undefined
    }
    const all = Buffer.concat(this.#buffered)
    this.#buffered.length = 0
    const rest = all.subarray(length)
    if (rest.length > 0) this.#buffered.push(rest)
    this.#length = rest.length
    return all.subarray(0, length)
  }

  /** Sends the handshake; resolves the agreed version, or undefined when the server agreed to none. */
  async handshake(proposals: ReadonlyArray<BoltProposal>): Promise<BoltVersion | undefined> {
    this.#socket.write(handshakeBytes(proposals))
    const answer = await this.readExact(4)
    const version = { major: answer[3]!, minor: answer[2]! }
    return version.major === 0 ? undefined : version
  }

  send(signature: number, fields: ReadonlyArray<PackInput>): void {
    this.#socket.write(chunk(packStruct(signature, fields)))
  }

  /** Reads one message; skips the empty NOOP messages servers send as keep-alive. */
  async receive(): Promise<PackStruct> {
    for (;;) {
      const chunks: Array<Buffer> = []
      for (;;) {
        const size = (await this.readExact(CHUNK_HEADER)).readUInt16BE(0)
        if (size === 0) break
        chunks.push(await this.readExact(size))
      }
      if (chunks.length === 0) continue
      const message = unpack(Buffer.concat(chunks))
      if (message === null || typeof message !== "object" || !("_tag" in message) || message._tag !== "PackStruct") {
        throw new Error("receive: a Bolt message must be a struct")
      }
      return message as PackStruct
    }
  }

  /** Sends one request and reads up to its summary; RECORD fields are collected on the way. */
  async request(
    signature: number,
    fields: ReadonlyArray<PackInput>
  ): Promise<{ readonly response: BoltResponse; readonly records: ReadonlyArray<ReadonlyArray<PackValue>> }> {
    this.send(signature, fields)
    const records: Array<ReadonlyArray<PackValue>> = []
    for (;;) {
      const message = await this.receive()
      const first = (message.fields[0] ?? {}) as Metadata
      switch (message.signature) {
        case MessageSignature.RECORD:
          records.push(message.fields[0] as ReadonlyArray<PackValue>)
          break
        case MessageSignature.SUCCESS:
          return { response: { _tag: "Success", metadata: first }, records }
        case MessageSignature.FAILURE:
          return { response: { _tag: "Failure", metadata: first }, records }
        case MessageSignature.IGNORED:
          return { response: { _tag: "Ignored" }, records }
        default:
          throw new Error(`request: unexpected message 0x${message.signature.toString(16)}`)
      }
    }
  }

  close(): void {
    this.#socket.destroy()
  }
}

// ---------------------------------------------------------------------------------------------
// The few conversations the tests and the global setup need

export interface Credentials {
  readonly username: string
  readonly password: string
}

/** Newest first; one slot per major keeps the last slot for 3.0 (which any server refuses). */
export const NEWEST_PROPOSALS: ReadonlyArray<BoltProposal> = [
  { major: 6, minor: 1, range: 1 },
  { major: 5, minor: 8, range: 8 },
  { major: 4, minor: 4, range: 2 },
  { major: 3, minor: 0, range: 0 }
]

export const BOLT_4_4_ONLY: ReadonlyArray<BoltProposal> = [{ major: 4, minor: 4, range: 0 }]

/**
 * HELLO, and LOGON from Bolt 5.1 on (credentials moved out of HELLO there). Returns the response
 * that carries the authentication outcome plus the HELLO metadata.
 */
export const authenticate = async (
  connection: RawBoltConnection,
  version: BoltVersion,
  credentials: Credentials
): Promise<{ readonly hello: BoltResponse; readonly auth: BoltResponse }> => {
  const auth = { scheme: "basic", principal: credentials.username, credentials: credentials.password }
  if (!versionAtLeast(version, 5, 1)) {
    const { response } = await connection.request(MessageSignature.HELLO, [{ user_agent: USER_AGENT, ...auth }])
    return { hello: response, auth: response }
  }
  // bolt_agent is required from 5.3 on and unknown before.
  const boltAgent = versionAtLeast(version, 5, 3) ? { bolt_agent: { product: USER_AGENT } } : {}
  const { response: hello } = await connection.request(MessageSignature.HELLO, [{ user_agent: USER_AGENT, ...boltAgent }])
  if (hello._tag !== "Success") return { hello, auth: hello }
  const { response } = await connection.request(MessageSignature.LOGON, [auth])
  return { hello, auth: response }
}

/** The Neo4j status code of a FAILURE: Bolt 5.7 renamed `code` to `neo4j_code`. */
export const failureCode = (metadata: Metadata): PackValue => metadata["neo4j_code"] ?? metadata["code"] ?? null

export interface Neo4jServerAddress extends Credentials {
  readonly uri: string
  readonly host: string
  readonly port: number
}

/** TLS from the URI scheme: `+s` verifies against the system CAs, `+ssc` trusts any certificate. */
export const endpointOf = (server: Neo4jServerAddress): Endpoint => {
  const scheme = server.uri.slice(0, server.uri.indexOf(":"))
  if (scheme.endsWith("+s")) return { host: server.host, port: server.port, tls: { servername: server.host } }
  if (scheme.endsWith("+ssc")) {
    return { host: server.host, port: server.port, tls: { servername: server.host, rejectUnauthorized: false } }
  }
  return { host: server.host, port: server.port }
}

/** Connects, negotiates the newest version and authenticates; throws with the server's reason. */
export const openSession = async (
  server: Neo4jServerAddress
): Promise<{ readonly connection: RawBoltConnection; readonly version: BoltVersion; readonly hello: Metadata }> => {
  const connection = await RawBoltConnection.connect(endpointOf(server))
  try {
    const version = await connection.handshake(NEWEST_PROPOSALS)
    if (version === undefined) throw new Error(`${server.uri} agreed to none of the Bolt versions 3.0-6.1`)
    const { hello, auth } = await authenticate(connection, version, server)
    if (auth._tag !== "Success" || hello._tag !== "Success") {
      const metadata = auth._tag === "Failure" ? auth.metadata : {}
      throw new Error(`${server.uri} refused ${server.username}: ${String(failureCode(metadata))} ${String(metadata["message"] ?? "")}`)
    }
    return { connection, version, hello: hello.metadata }
  } catch (error) {
    connection.close()
    throw error
  }
}

/** Runs one auto-commit query and returns its records (one round trip per message; tests only). */
export const runQuery = async (
  connection: RawBoltConnection,
  version: BoltVersion,
  query: string,
  parameters: { readonly [key: string]: PackInput } = {}
): Promise<ReadonlyArray<ReadonlyArray<PackValue>>> => {
  const { response: run } = await connection.request(MessageSignature.RUN, [query, parameters, {}])
  if (run._tag !== "Success") throw new Error(`RUN failed: ${JSON.stringify(run)}`)
  // PULL has carried a metadata map since 4.0 (PULL_ALL before).
  const pull = version.major >= 4 ? [{ n: PULL_ALL }] : []
  const { response, records } = await connection.request(MessageSignature.PULL, pull)
  if (response._tag !== "Success") throw new Error(`PULL failed: ${JSON.stringify(response)}`)
  return records
}

/** Version and edition from `CALL dbms.components()`, for servers we did not start ourselves. */
export const identifyServer = async (
  server: Neo4jServerAddress
): Promise<{ readonly version: string; readonly edition: string }> => {
  const { connection, version } = await openSession(server)
  try {
    const rows = await runQuery(
      connection,
      version,
      "CALL dbms.components() YIELD name, versions, edition WHERE name = 'Neo4j Kernel' RETURN versions[0], edition"
    )
    const row = rows[0]
    if (row === undefined) throw new Error(`${server.uri}: dbms.components() returned no Neo4j Kernel row`)
    return { version: String(row[0]), edition: String(row[1]) }
  } finally {
    connection.close()
  }
}
