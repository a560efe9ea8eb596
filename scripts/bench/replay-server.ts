/**
 * A minimal Bolt 5.x server for benchmarks: it answers the handshake (manifest v1 included, with
 * the ranges Neo4j 5.26 offers), HELLO/LOGON/LOGOFF/TELEMETRY/BEGIN/COMMIT/ROLLBACK/RESET/ROUTE/
 * GOODBYE, and RUN + PULL n / DISCARD n from results chosen by the query text (`queries.ts`). The
 * results are encoded and chunked once at start-up with the driver's own PackStream and Bolt
 * encoders, so a PULL costs the server one slice of a buffer: what the benchmark measures is the
 * client. Parameters are never decoded.
 *
 * CLI: `node scripts/bench/replay-server.ts [--port N] [--quick | --sizes JSON]`; prints
 * `REPLAY_READY <port>` once listening and exits when its stdin closes (the parent went away).
 *
 * @since 0.1.0
 */
import { Buffer } from "node:buffer"
import { createServer, type AddressInfo, type Server, type Socket } from "node:net"
import { pathToFileURL } from "node:url"
import * as ValueCodec from "../../src/bolt/ValueCodec.ts"
import { Dechunker } from "../../src/bolt/Chunking.ts"
import { MessageWriter } from "../../src/bolt/MessageWriter.ts"
import { RequestTag } from "../../src/bolt/Requests.ts"
import { ResponseTag } from "../../src/bolt/Responses.ts"
import { bolt5Options, type ValueCodecOptions } from "../../src/bolt/ValueCodec.ts"
import { type Fixture, fixtures } from "./fixtures.ts"
import { FULL_SIZES, QUICK_SIZES, type Sizes } from "./queries.ts"

const Wire = {
  MAGIC: 0x6060b017,
  /** magic + four 4-byte proposals */
  PREAMBLE_BYTES: 20,
  PROPOSAL_BYTES: 4,
  PROPOSALS: 4,
  /** "00 00 01 FF": manifest v1 */
  MANIFEST_MAJOR: 0xff,
  MANIFEST_V1: 0x01,
  VARINT_CONTINUATION: 0x80,
  /** the struct marker and tag bytes in front of a request's fields */
  REQUEST_HEADER_BYTES: 2,
  TINY_STRUCT_MASK: 0xf0,
  TINY_STRUCT: 0xb0
} as const

/** What Neo4j 5.26.30 answers a manifest request with: 4.0-4.4, 5.0-5.4, 5.6-5.8, no capabilities. */
const MANIFEST_REPLY = Buffer.from([0x00, 0x00, 0x01, 0xff, 0x03, 0, 4, 4, 4, 0, 4, 4, 5, 0, 2, 8, 5, 0x00])
/** Legacy handshake: the 5.x minors this server speaks, best first (5.5 does not exist). */
const LEGACY_MINORS = [8, 7, 6, 4, 3, 2, 1, 0]
const NO_VERSION = Buffer.from([0, 0, 0, 0])

const SERVER_AGENT = "Neo4j/5.26.0"
const BOOKMARK = "FB:kcwQXpWF11VyQVu54K4l4JWN8wOQ"
const DATABASE = "neo4j"
/** Fixed `t_first` / `t_last` (milliseconds): the server reports them, the drivers parse them. */
const SERVER_MILLIS = 1
/** `connection.recv_timeout_seconds` hint, as Neo4j 5.26 sends it */
const RECV_TIMEOUT_SECONDS = 120
const ROUTING_TTL_SECONDS = 300
const ALL = -1
const LAST_QUERY = -1
const STATUSES = [{ gql_status: "00000", status_description: "note: successful completion" }]

const encodeOptions: ValueCodecOptions = { ...bolt5Options, encodeGraphTypes: true }

const message = (tag: number, fields: ReadonlyArray<unknown>): Buffer => {
  const w = new MessageWriter(256)
  w.begin(tag, fields.length)
  for (const field of fields) w.packer.writeValue(field, ValueCodec.dehydrator(encodeOptions))
  w.end()
  return Buffer.from(w.toUint8Array())
}
const success = (metadata: Record<string, unknown>): Buffer => message(ResponseTag.SUCCESS, [metadata])
const failure = (code: string, text: string): Buffer =>
  message(ResponseTag.FAILURE, [{
    neo4j_code: code,
    code,
    message: text,
    gql_status: "50N42",
    description: "error: general processing exception - unexpected error. " + text
  }])

const Canned = {
  EMPTY: success({}),
  IGNORED: message(ResponseTag.IGNORED, []),
  HAS_MORE: success({ has_more: true }),
  BEGIN: success({ db: DATABASE }),
  COMMIT: success({ bookmark: BOOKMARK })
} as const

interface EncodedResult {
  readonly fixture: Fixture
  /** every RECORD message, chunked, back to back */
  readonly records: Buffer
  /** `offsets[i]` is where record i starts; `offsets[rows]` is the end */
  readonly offsets: Uint32Array
  readonly runAutoCommit: Buffer
  readonly runInTx: Array<Buffer>
  readonly doneAutoCommit: Buffer
  readonly doneInTx: Buffer
}

const encodeResult = (fixture: Fixture): EncodedResult => {
  const w = new MessageWriter(1 << 16)
  const offsets = new Uint32Array(fixture.rows + 1)
  for (let i = 0; i < fixture.rows; i++) {
    w.begin(ResponseTag.RECORD, 1)
    w.packer.writeValue(fixture.row(i), ValueCodec.dehydrator(encodeOptions))
    w.end()
    offsets[i + 1] = w.length
  }
  const summary = (inTx: boolean) => ({
    ...(inTx ? {} : { bookmark: BOOKMARK }),
    ...(fixture.stats === undefined ? {} : { stats: fixture.stats }),
    statuses: STATUSES,
    type: fixture.type,
    t_last: SERVER_MILLIS,
    db: DATABASE
  })
  return {
    fixture,
    records: Buffer.from(w.toUint8Array()),
    offsets,
    runAutoCommit: success({ t_first: SERVER_MILLIS, fields: fixture.fields, db: DATABASE }),
    runInTx: [],
    doneAutoCommit: success(summary(false)),
    doneInTx: success(summary(true))
  }
}

const TAG_NAMES = new Map(Object.entries(RequestTag).map(([name, tag]) => [tag as number, name]))

const runInTx = (result: EncodedResult, qid: number): Buffer =>
  (result.runInTx[qid] ??= success({ t_first: SERVER_MILLIS, fields: result.fixture.fields, qid }))

interface Cursor {
  readonly result: EncodedResult
  readonly qid: number
  position: number
}

type Phase = "handshake" | "manifestAnswer" | "messages"

/** One client connection: handshake, then a loop of requests answered from the catalog. */
class ReplayConnection {
  private phase: Phase = "handshake"
  private handshake: Buffer = Buffer.alloc(0)
  private readonly dechunker = new Dechunker()
  private readonly reader = ValueCodec.reader(bolt5Options)
  private failed = false
  private inTx = false
  private nextQid = 0
  private readonly open = new Map<number, Cursor>()
  private last: Cursor | undefined = undefined
  private version = "5.8"
  private readonly socket: Socket
  private readonly catalog: ReadonlyMap<string, EncodedResult>
  private readonly id: number
  private readonly port: number
  private readonly counts: Map<string, number>

  constructor(socket: Socket, catalog: ReadonlyMap<string, EncodedResult>, id: number, port: number, counts: Map<string, number>) {
    this.socket = socket
    this.catalog = catalog
    this.id = id
    this.port = port
    this.counts = counts
    socket.setNoDelay(true)
    socket.on("data", (piece: Buffer) => this.onData(piece))
    socket.on("error", () => socket.destroy())
  }

  private onData(piece: Buffer): void {
    if (this.phase !== "messages") {
      this.handshake = Buffer.concat([this.handshake, piece])
      const rest = this.phase === "handshake" ? this.readPreamble() : this.readManifestAnswer()
      if (rest === undefined) return
      piece = rest
    }
    if (piece.length === 0) return
    this.count("(socket reads)")
    this.dechunker.feed(piece)
    this.socket.cork()
    try {
      for (;;) {
        const body = this.dechunker.next()
        if (body === undefined) break
        if (!(body instanceof Uint8Array)) {
          this.socket.destroy()
          return
        }
        this.handle(body)
      }
    } finally {
      this.socket.uncork()
    }
  }

  /** The bytes after the preamble once it is complete and answered. */
  private readPreamble(): Buffer | undefined {
    const bytes = this.handshake
    if (bytes.length < Wire.PREAMBLE_BYTES) return undefined
    if (bytes.readUInt32BE(0) !== Wire.MAGIC) {
      this.socket.destroy()
      return undefined
    }
    const proposals: Array<{ major: number; minor: number; range: number }> = []
    for (let i = 0; i < Wire.PROPOSALS; i++) {
      const at = Wire.PROPOSAL_BYTES + i * Wire.PROPOSAL_BYTES
      proposals.push({ range: bytes[at + 1]!, minor: bytes[at + 2]!, major: bytes[at + 3]! })
    }
    this.handshake = bytes.subarray(Wire.PREAMBLE_BYTES)
    if (proposals.some((p) => p.major === Wire.MANIFEST_MAJOR && p.minor === Wire.MANIFEST_V1)) {
      this.socket.write(MANIFEST_REPLY)
      this.phase = "manifestAnswer"
      return this.readManifestAnswer()
    }
    const minor = LEGACY_MINORS.find((m) => proposals.some((p) => p.major === 5 && m <= p.minor && m >= p.minor - p.range))
    if (minor === undefined) {
      this.socket.end(NO_VERSION)
      return undefined
    }
    this.version = `5.${minor}`
    this.socket.write(Buffer.from([0, 0, minor, 5]))
    this.phase = "messages"
    return this.handshake
  }

  /** The client's choice: a 4-byte version and a VarInt of capabilities. */
  private readManifestAnswer(): Buffer | undefined {
    const bytes = this.handshake
    let end = Wire.PROPOSAL_BYTES
    while (end < bytes.length && (bytes[end]! & Wire.VARINT_CONTINUATION) !== 0) end++
    if (end >= bytes.length) return undefined
    this.version = `${bytes[3]}.${bytes[2]}`
    this.phase = "messages"
    return bytes.subarray(end + 1)
  }

  private count(what: string): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + 1)
  }

  private send(bytes: Buffer): void {
    this.socket.write(bytes)
  }

  private handle(body: Uint8Array): void {
    if ((body[0]! & Wire.TINY_STRUCT_MASK) !== Wire.TINY_STRUCT) return this.fail("Neo.ClientError.Request.Invalid", "not a struct")
    const tag = body[1]!
    this.count(TAG_NAMES.get(tag) ?? `0x${tag.toString(16)}`)
    if (tag === RequestTag.GOODBYE) {
      this.socket.end()
      return
    }
    if (tag === RequestTag.RESET) {
      this.failed = false
      this.inTx = false
      this.open.clear()
      this.last = undefined
      return this.send(Canned.EMPTY)
    }
    if (this.failed) return this.send(Canned.IGNORED)
    switch (tag) {
      case RequestTag.RUN:
        return this.run(body)
      case RequestTag.PULL:
        return this.stream(body, true)
      case RequestTag.DISCARD:
        return this.stream(body, false)
      case RequestTag.BEGIN:
        this.inTx = true
        this.nextQid = 0
        return this.send(Canned.BEGIN)
      case RequestTag.COMMIT:
        this.endTx()
        return this.send(Canned.COMMIT)
      case RequestTag.ROLLBACK:
        this.endTx()
        return this.send(Canned.EMPTY)
      case RequestTag.HELLO:
        return this.send(success({
          server: SERVER_AGENT,
          protocol_version: this.version,
          connection_id: `bolt-${this.id}`,
          hints: { "connection.recv_timeout_seconds": RECV_TIMEOUT_SECONDS, "ssr.enabled": false }
        }))
      case RequestTag.LOGON:
      case RequestTag.LOGOFF:
      case RequestTag.TELEMETRY:
        return this.send(Canned.EMPTY)
      case RequestTag.ROUTE: {
        const address = `127.0.0.1:${this.port}`
        return this.send(success({
          rt: {
            servers: [
              { addresses: [address], role: "WRITE" },
              { addresses: [address], role: "READ" },
              { addresses: [address], role: "ROUTE" }
            ],
            ttl: ROUTING_TTL_SECONDS,
            db: DATABASE
          }
        }))
      }
      default:
        return this.fail("Neo.ClientError.Request.Invalid", `unsupported request 0x${tag.toString(16)}`)
    }
  }

  private fail(code: string, text: string): void {
    this.failed = true
    this.send(failure(code, text))
  }

  private endTx(): void {
    this.inTx = false
    this.open.clear()
    this.last = undefined
  }

  private run(body: Uint8Array): void {
    this.reader.reset(body, Wire.REQUEST_HEADER_BYTES)
    const query = this.reader.readString("query")
    const result = this.catalog.get(query)
    if (result === undefined) {
      return this.fail("Neo.ClientError.Statement.SyntaxError", `replay server has no result for: ${query.slice(0, 200)}`)
    }
    const qid = this.inTx ? this.nextQid++ : LAST_QUERY
    const cursor: Cursor = { result, qid, position: 0 }
    this.last = cursor
    if (this.inTx) this.open.set(qid, cursor)
    this.send(this.inTx ? runInTx(result, qid) : result.runAutoCommit)
  }

  private stream(body: Uint8Array, pull: boolean): void {
    this.reader.reset(body, Wire.REQUEST_HEADER_BYTES)
    const extra = this.reader.readMapOf("extra")
    const n = typeof extra.n === "number" ? extra.n : ALL
    const qid = typeof extra.qid === "number" ? extra.qid : LAST_QUERY
    const cursor = qid === LAST_QUERY ? this.last : this.open.get(qid)
    if (cursor === undefined) return this.fail("Neo.ClientError.Request.Invalid", "no open result to stream")
    const { offsets, records, fixture } = cursor.result
    const from = cursor.position
    const to = n === ALL ? fixture.rows : Math.min(fixture.rows, from + n)
    if (pull && to > from) this.send(records.subarray(offsets[from]!, offsets[to]!))
    cursor.position = to
    if (to < fixture.rows) return this.send(Canned.HAS_MORE)
    if (cursor === this.last) this.last = undefined
    this.open.delete(cursor.qid)
    this.send(this.inTx ? cursor.result.doneInTx : cursor.result.doneAutoCommit)
  }
}

/**
 * A running replay server.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReplayServer {
  readonly port: number
  readonly uri: string
  /** requests received by message name (and socket reads), since start or the last reset */
  readonly counts: Map<string, number>
  readonly close: () => Promise<void>
}

/**
 * Encodes the catalog for `sizes` and listens on 127.0.0.1.
 *
 * @since 0.1.0
 * @category constructors
 */
export const startReplayServer = async (sizes: Sizes, port = 0): Promise<ReplayServer> => {
  const catalog = new Map<string, EncodedResult>()
  for (const [query, fixture] of fixtures(sizes)) catalog.set(query, encodeResult(fixture))
  let connections = 0
  const counts = new Map<string, number>()
  const sockets = new Set<Socket>()
  let actualPort = port
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
    new ReplayConnection(socket, catalog, connections++, actualPort, counts)
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => resolve())
  })
  actualPort = (server.address() as AddressInfo).port
  return {
    port: actualPort,
    uri: `bolt://127.0.0.1:${actualPort}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

const main = async (): Promise<void> => {
  const args = process.argv.slice(2)
  const value = (name: string): string | undefined => {
    const i = args.indexOf(name)
    return i === -1 ? undefined : args[i + 1]
  }
  const sizes: Sizes = value("--sizes") !== undefined
    ? { ...FULL_SIZES, ...JSON.parse(value("--sizes")!) as Partial<Sizes> }
    : args.includes("--quick")
    ? QUICK_SIZES
    : FULL_SIZES
  const server = await startReplayServer(sizes, Number(value("--port") ?? 0))
  process.stdout.write(`REPLAY_READY ${server.port}\n`)
  const stop = () => void server.close().then(() => process.exit(0))
  process.stdin.on("end", stop)
  process.stdin.on("error", stop)
  process.stdin.resume()
  process.on("SIGTERM", stop)
  process.on("SIGINT", stop)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
}
