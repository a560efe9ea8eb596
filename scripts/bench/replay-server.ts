/**
 * A minimal Bolt 5.x server for benchmarks: it answers the handshake (manifest v1 included, with
 * the ranges Neo4j 5.26 offers), HELLO/LOGON/LOGOFF/TELEMETRY/BEGIN/COMMIT/ROLLBACK/RESET/ROUTE/
 * GOODBYE, and RUN + PULL n / DISCARD n from results chosen by the query text (`queries.ts`). The
 * results are encoded and chunked once at start-up with the driver's own PackStream and Bolt
 * encoders, so a PULL costs the server one slice of a buffer: what the benchmark measures is the
 * client. Parameters are never decoded.
 *
 * CLI: `node scripts/bench/replay-server.ts [--port N] [--quick | --sizes JSON] [--tls] [--cluster N]`;
 * prints `REPLAY_TLS <port>` (`--tls`: the same server behind TLS, self-signed), `REPLAY_CLUSTER
 * <port,port,...> <control port>` (`--cluster N`: a stub cluster of N servers whose ROUTE names the
 * first as writer and the others as readers; the control port answers every connection with the RUN
 * count of each), then `REPLAY_READY <port>` once listening; exits when its stdin closes (the
 * parent went away).
 *
 * @since 0.1.0
 */
import { Buffer } from "node:buffer"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer, type AddressInfo, type Server, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createServer as createTlsServer } from "node:tls"
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

/** The addresses a ROUTE is answered with (known once every listener has its port). */
type RoutingAnswer = () => { readonly writers: Array<string>; readonly readers: Array<string>; readonly routers: Array<string> }

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
  private readonly routing: RoutingAnswer
  private readonly counts: Map<string, number>

  constructor(socket: Socket, catalog: ReadonlyMap<string, EncodedResult>, id: number, routing: RoutingAnswer, counts: Map<string, number>) {
    this.socket = socket
    this.catalog = catalog
    this.id = id
    this.routing = routing
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
        const { writers, readers, routers } = this.routing()
        return this.send(success({
          rt: {
            servers: [
              { addresses: writers, role: "WRITE" },
              { addresses: readers, role: "READ" },
              { addresses: routers, role: "ROUTE" }
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
  /** the TLS listener (self-signed certificate) of the same server, when asked for */
  readonly tlsPort?: number | undefined
  /** the stub cluster, when asked for: its servers' ports (the first is the writer) */
  readonly cluster?: { readonly ports: ReadonlyArray<number>; readonly counts: ReadonlyArray<Map<string, number>> } | undefined
  readonly close: () => Promise<void>
}

/**
 * Extra listeners of a replay server.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReplayOptions {
  /** also listen with TLS (a fresh self-signed certificate for 127.0.0.1) */
  readonly tls?: boolean | undefined
  /**
   * also run a stub cluster of this many servers on ports of their own, sharing the catalog: ROUTE
   * names the first as the writer, the others as readers, all of them as routers (as a three-core
   * Neo4j cluster answers, reads not on the writer)
   */
  readonly cluster?: number | undefined
}

const selfSigned = (): { key: string; cert: string } => {
  const dir = mkdtempSync(join(tmpdir(), "replay-tls-"))
  try {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1"
    ], { stdio: "ignore" })
    return { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const listen = (server: Server, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port))
  })

/**
 * Encodes the catalog for `sizes` and listens on 127.0.0.1 (and on the extra listeners of
 * `options`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const startReplayServer = async (sizes: Sizes, port = 0, options: ReplayOptions = {}): Promise<ReplayServer> => {
  const catalog = new Map<string, EncodedResult>()
  for (const [query, fixture] of fixtures(sizes)) catalog.set(query, encodeResult(fixture))
  let connections = 0
  const sockets = new Set<Socket>()
  const servers: Array<Server> = []
  const accept = (routing: RoutingAnswer, counts: Map<string, number>) => (socket: Socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
    new ReplayConnection(socket, catalog, connections++, routing, counts)
  }
  const serve = async (make: (handler: (socket: Socket) => void) => Server, routing: RoutingAnswer, counts: Map<string, number>, at = 0) => {
    const server = make(accept(routing, counts))
    servers.push(server)
    return listen(server, at)
  }
  const address = (p: number) => `127.0.0.1:${p}`
  const counts = new Map<string, number>()
  // A single server routes to itself.
  let mainPort = 0
  const self: RoutingAnswer = () => ({ writers: [address(mainPort)], readers: [address(mainPort)], routers: [address(mainPort)] })
  mainPort = await serve((h) => createServer(h), self, counts, port)
  let tlsPort: number | undefined
  if (options.tls === true) {
    const credentials = selfSigned()
    tlsPort = await serve((h) => createTlsServer(credentials, h), () => {
      const a = address(tlsPort!)
      return { writers: [a], readers: [a], routers: [a] }
    }, counts)
  }
  let cluster: ReplayServer["cluster"]
  if (options.cluster !== undefined && options.cluster > 0) {
    const ports: Array<number> = []
    const clusterCounts = Array.from({ length: options.cluster }, () => new Map<string, number>())
    const routing: RoutingAnswer = () => ({
      writers: [address(ports[0]!)],
      readers: ports.length > 1 ? ports.slice(1).map(address) : [address(ports[0]!)],
      routers: ports.map(address)
    })
    for (const c of clusterCounts) ports.push(await serve((h) => createServer(h), routing, c))
    cluster = { ports, counts: clusterCounts }
  }
  return {
    port: mainPort,
    uri: `bolt://${address(mainPort)}`,
    counts,
    tlsPort,
    cluster,
    close: () => {
      for (const socket of sockets) socket.destroy()
      return Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))).then(() => undefined)
    }
  }
}

/**
 * Serves the stub cluster's RUN counts per server: every connection to the returned port gets
 * `{"runs":[...]}` (one number per cluster server, in port order) and is closed.
 */
const serveClusterCounts = (cluster: NonNullable<ReplayServer["cluster"]>): Promise<{ port: number; server: Server }> => {
  const server = createServer((socket) => {
    socket.on("error", () => socket.destroy())
    socket.end(JSON.stringify({ runs: cluster.counts.map((c) => c.get("RUN") ?? 0) }))
  })
  return listen(server, 0).then((port) => ({ port, server }))
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
  const server = await startReplayServer(sizes, Number(value("--port") ?? 0), {
    tls: args.includes("--tls"),
    cluster: value("--cluster") === undefined ? undefined : Number(value("--cluster"))
  })
  if (server.tlsPort !== undefined) process.stdout.write(`REPLAY_TLS ${server.tlsPort}\n`)
  const control = server.cluster === undefined ? undefined : await serveClusterCounts(server.cluster)
  if (server.cluster !== undefined) process.stdout.write(`REPLAY_CLUSTER ${server.cluster.ports.join(",")} ${control!.port}\n`)
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
