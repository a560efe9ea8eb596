/**
 * The protocol floor of workloads (a) `seq` and (b) `concurrent`: the cheapest Node client that
 * makes exactly the Bolt exchanges the two drivers make, with no driver at all. Raw `node:net`
 * sockets (no Nagle), a Bolt 5.8 handshake, HELLO + LOGON, and every request encoded once at
 * start-up; a query then costs one `socket.write` of those bytes and a scan of the answer's chunk
 * headers that counts messages by their tag. The only value it reads is the RECORD's single tiny
 * integer (the `1` of `RETURN 1 AS n`), for the checksum. What a sample of the floor takes is
 * loopback, the replay server process and the wake-ups, with next to no client work, so
 * `neo4j-driver / floor` estimates the highest ratio `neo4j-driver / effect-neo4j` can reach (see
 * the polling variant below for the wake-ups).
 *
 * What is sent, as both drivers send it (captured from neo4j-driver 6.3 and effect-neo4j):
 *
 * - `seq`: per query one write of RUN "RETURN 1 AS n" {} {bookmarks: [last bookmark]} + PULL
 *   {n: 1000} (a fresh session's first RUN carries no bookmarks), answered by SUCCESS, RECORD,
 *   SUCCESS: one round trip.
 * - `concurrent`: per query (`executeQuery`) one write of BEGIN {bookmarks: [...]} + RUN
 *   "RETURN 1 AS n" {} {} + PULL {n: 1000}, answered by SUCCESS, SUCCESS, RECORD, SUCCESS; then
 *   one write of COMMIT, answered by SUCCESS: two round trips, on 50 connections in 50 loops.
 *
 * The replay server picks its answer by the query text and never reads the extras or the
 * credentials, so the bookmark sent is a constant of the length the drivers send.
 *
 * Each workload also has a polling variant ({@link polling}): the same exchanges while the event
 * loop never blocks. A client that goes idle right after its write lets its CPU sleep; on a VM,
 * waking a sleeping vCPU for the answer can cost more than the round trip itself, which a driver
 * still busy with its own work when the answer arrives does not pay. The plain floor is what the
 * cheapest client gets, the polling one what the exchange costs when no CPU sleeps.
 *
 *   node [--expose-gc] scripts/bench/floor.ts [--quick] [--reps N] [--warmup N]
 *
 * starts the replay server in its own process (as `run.ts` does), runs warm-ups and timed samples
 * of each workload (plain and polling samples alternating) and prints medians (min-max) in ms,
 * microseconds per query, this process's CPU time and the replay server's CPU time (from
 * `/proc/<pid>/stat`, Linux only, 10 ms resolution) per sample. `--expose-gc` collects garbage
 * before each sample, as the bench workers do.
 *
 * @since 0.1.0
 */
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { connect, type Socket } from "node:net"
import { connect as tlsConnect } from "node:tls"
import { cpus, loadavg } from "node:os"
import { performance } from "node:perf_hooks"
import { pathToFileURL } from "node:url"
import { FULL_SIZES, Query, QUICK_SIZES, type Sizes } from "./queries.ts"
import { spawnReplayServer } from "./replay-process.ts"
import { CONCURRENCY, type Outcome } from "./workloads.ts"

// ---------------------------------------------------------------------------------------------
// encoding, once at start-up

/** PackStream markers ("Marker" table of the PackStream spec) used by the requests below. */
const Marker = {
  TINY_INT_MAX: 0x7f,
  TINY_INT_MIN: -16,
  TINY_STRING: 0x80,
  TINY_LIST: 0x90,
  TINY_MAP: 0xa0,
  TINY_STRUCT: 0xb0,
  INT_16: 0xc9,
  INT_32: 0xca,
  STRING_8: 0xd0,
  STRING_16: 0xd1,
  /** tiny collections hold up to 15 entries */
  TINY_SIZE_MAX: 0x0f,
  /** negative tiny ints are F0..FF */
  NEGATIVE_TINY_INT: 0xf0
} as const

const Limits = {
  INT_16_MIN: -0x8000,
  INT_16_MAX: 0x7fff,
  UINT_8_MAX: 0xff,
  UINT_16_MAX: 0xffff
} as const

/** Request signatures (Bolt message spec). */
const Request = {
  HELLO: 0x01,
  GOODBYE: 0x02,
  RUN: 0x10,
  BEGIN: 0x11,
  COMMIT: 0x12,
  PULL: 0x3f,
  LOGON: 0x6a
} as const

/** Response signatures. */
const Response = {
  SUCCESS: 0x70,
  RECORD: 0x71,
  IGNORED: 0x7e,
  FAILURE: 0x7f
} as const

const Handshake = {
  /** "60 60 B0 17" */
  MAGIC: [0x60, 0x60, 0xb0, 0x17],
  /** one proposal, Bolt 5.8 exactly ("00 00 08 05"), then three empty ones */
  PROPOSALS: [0, 0, 8, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  ANSWER_BYTES: 4,
  AGREED: 0x00000805
} as const

const Chunk = {
  HEADER_BYTES: 2,
  MAX_BODY: 0xffff
} as const

const AGENT = "effect-neo4j-floor/0.1.0"
/** `fetchSize` of both drivers in the bench */
const FETCH_SIZE = 1000
/** a bookmark as long as the replay server's (what the drivers send back after the first query) */
const BOOKMARK = "FB:kcwQXpWF11VyQVu54K4l4JWN8wOQ"

type Value = string | number | ReadonlyArray<Value> | { readonly [key: string]: Value }

const sizeHeader = (out: Array<number>, length: number, tiny: number, what: string): void => {
  if (length > Marker.TINY_SIZE_MAX) throw new Error(`floor encoder: ${what} of ${length} entries`)
  out.push(tiny | length)
}

/** Just enough PackStream for the requests: small ints, strings, small lists and maps. */
const pack = (out: Array<number>, value: Value): void => {
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new Error(`floor encoder: ${value} is not an integer`)
    if (value >= Marker.TINY_INT_MIN && value <= Marker.TINY_INT_MAX) out.push(value & Limits.UINT_8_MAX)
    else if (value >= Limits.INT_16_MIN && value <= Limits.INT_16_MAX) out.push(Marker.INT_16, (value >> 8) & 0xff, value & 0xff)
    else out.push(Marker.INT_32, (value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff)
  } else if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8")
    if (bytes.length <= Marker.TINY_SIZE_MAX) out.push(Marker.TINY_STRING | bytes.length)
    else if (bytes.length <= Limits.UINT_8_MAX) out.push(Marker.STRING_8, bytes.length)
    else if (bytes.length <= Limits.UINT_16_MAX) out.push(Marker.STRING_16, bytes.length >> 8, bytes.length & 0xff)
    else throw new Error("floor encoder: string too long")
    out.push(...bytes)
  } else if (Array.isArray(value)) {
    sizeHeader(out, value.length, Marker.TINY_LIST, "list")
    for (const item of value as ReadonlyArray<Value>) pack(out, item)
  } else {
    const entries = Object.entries(value)
    sizeHeader(out, entries.length, Marker.TINY_MAP, "map")
    for (const [key, item] of entries) {
      pack(out, key)
      pack(out, item)
    }
  }
}

/** One request, framed as one chunk and the end marker. */
const message = (tag: number, ...fields: ReadonlyArray<Value>): Array<number> => {
  const body: Array<number> = []
  sizeHeader(body, fields.length, Marker.TINY_STRUCT, "struct")
  body.push(tag)
  for (const field of fields) pack(body, field)
  if (body.length > Chunk.MAX_BODY) throw new Error("floor encoder: message needs more than one chunk")
  return [body.length >> 8, body.length & 0xff, ...body, 0, 0]
}

/** Messages sent in one write. */
const batch = (...messages: ReadonlyArray<Array<number>>): Buffer => Buffer.from(messages.flat())

/**
 * Username and password, as the bench passes them to both drivers.
 *
 * @since 0.1.0
 * @category models
 */
export interface FloorAuth {
  readonly username: string
  readonly password: string
}

const Requests = {
  preamble: Buffer.from([...Handshake.MAGIC, ...Handshake.PROPOSALS]),
  logon: (auth: FloorAuth) =>
    batch(
      // Bolt 5.3+ servers refuse a HELLO without `bolt_agent`.
      message(Request.HELLO, { user_agent: AGENT, bolt_agent: { product: AGENT } }),
      message(Request.LOGON, { scheme: "basic", principal: auth.username, credentials: auth.password })
    ),
  /** session.run, first query of a session: RUN + PULL, no bookmarks yet */
  seqFirst: batch(message(Request.RUN, Query.returnOne, {}, {}), message(Request.PULL, { n: FETCH_SIZE })),
  /** session.run: RUN + PULL, with the bookmark of the previous query */
  seq: batch(message(Request.RUN, Query.returnOne, {}, { bookmarks: [BOOKMARK] }), message(Request.PULL, { n: FETCH_SIZE })),
  /** executeQuery, first round trip: BEGIN + RUN + PULL */
  tx: batch(
    message(Request.BEGIN, { bookmarks: [BOOKMARK] }),
    message(Request.RUN, Query.returnOne, {}, {}),
    message(Request.PULL, { n: FETCH_SIZE })
  ),
  /**
   * The same without the bookmark, for a real server: it would refuse the replay server's
   * bookmark (the drivers send the one the server gave them; the floor does not parse answers).
   */
  txNoBookmark: batch(
    message(Request.BEGIN, {}),
    message(Request.RUN, Query.returnOne, {}, {}),
    message(Request.PULL, { n: FETCH_SIZE })
  ),
  /** executeQuery, second round trip */
  commit: batch(message(Request.COMMIT)),
  goodbye: batch(message(Request.GOODBYE))
} as const

/** Summaries (SUCCESS, FAILURE or IGNORED) answering each batch. */
const Answers = { LOGON: 2, SEQ: 2, TX: 3, COMMIT: 1 } as const

// ---------------------------------------------------------------------------------------------
// reading: chunk headers and tags only

/** Where the bytes the floor looks at sit in a message: struct marker, tag, field list, value. */
const At = { TAG: 1, FIELDS: 2, VALUE: 3, END: 4 } as const
/** A RECORD's fields: a list of one value ("91") */
const ONE_FIELD = Marker.TINY_LIST | 1

/**
 * Counts the messages of one connection's incoming bytes, across any split of the chunks into
 * socket reads, without copying: chunk headers are parsed, message bodies skipped except their
 * bytes 1-3 (the tag; for a RECORD, the field list marker and the first byte of its value).
 */
class ResponseCounter {
  /** first byte of a chunk header split across two reads, or -1 */
  private headerHigh = -1
  /** bytes of the current chunk not seen yet */
  private chunkLeft = 0
  /** bytes of the current message seen so far */
  private seen = 0
  private tag = 0
  private fields = 0
  private value = 0
  /** summaries still expected by the current exchange */
  pending = 0
  records = 0
  checksum = 0
  failures = 0

  /** Feeds one socket read; returns true when the current exchange's last summary arrived. */
  feed(bytes: Buffer): boolean {
    const length = bytes.length
    let done = false
    let i = 0
    while (i < length) {
      if (this.chunkLeft > 0) {
        const take = Math.min(this.chunkLeft, length - i)
        for (let at = this.seen; at < At.END && at < this.seen + take; at++) this.note(at, bytes[i + at - this.seen]!)
        this.seen += take
        this.chunkLeft -= take
        i += take
        continue
      }
      let size: number
      if (this.headerHigh >= 0) {
        size = (this.headerHigh << 8) | bytes[i]!
        this.headerHigh = -1
        i += 1
      } else if (i + 1 < length) {
        size = bytes.readUInt16BE(i)
        i += Chunk.HEADER_BYTES
      } else {
        this.headerHigh = bytes[i]!
        i += 1
        continue
      }
      if (size === 0) done = this.endMessage() || done
      else this.chunkLeft = size
    }
    return done
  }

  private note(at: number, byte: number): void {
    if (at === At.TAG) this.tag = byte
    else if (at === At.FIELDS) this.fields = byte
    else if (at === At.VALUE) this.value = byte
  }

  private endMessage(): boolean {
    const tag = this.tag
    this.seen = 0
    if (tag === Response.RECORD) {
      // RETURN 1 AS n: one field, a tiny int.
      const v = this.value
      const tiny = v <= Marker.TINY_INT_MAX ? v : v >= Marker.NEGATIVE_TINY_INT ? v - 0x100 : undefined
      if (this.fields !== ONE_FIELD || tiny === undefined) {
        throw new Error(`floor: expected a RECORD of one tiny int, got list marker 0x${this.fields.toString(16)}, value marker 0x${v.toString(16)}`)
      }
      this.records++
      this.checksum += tiny
      return false
    }
    if (tag === Response.FAILURE) this.failures++
    else if (tag !== Response.SUCCESS && tag !== Response.IGNORED) throw new Error(`floor: unexpected message 0x${tag.toString(16)}`)
    return --this.pending === 0
  }
}

// ---------------------------------------------------------------------------------------------
// connections

/** One logged-on connection; {@link FloorConnection.exchange} is the whole per-query cost. */
class FloorConnection {
  private readonly counter = new ResponseCounter()
  private resolve: (() => void) | undefined = undefined
  private reject: ((error: Error) => void) | undefined = undefined
  private readonly socket: Socket

  constructor(socket: Socket) {
    this.socket = socket
    socket.on("data", (bytes: Buffer) => {
      let done: boolean
      try {
        done = this.counter.feed(bytes)
      } catch (error) {
        return this.fail(error instanceof Error ? error : new Error(String(error)))
      }
      if (done) this.settle()
    })
    socket.on("error", (error) => this.fail(error))
    socket.on("close", () => this.fail(new Error("floor: connection closed")))
  }

  get records(): number {
    return this.counter.records
  }

  get checksum(): number {
    return this.counter.checksum
  }

  /** Writes `bytes` (one write) and resolves once `summaries` summaries came back. */
  exchange(bytes: Buffer, summaries: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
      this.counter.pending = summaries
      this.socket.write(bytes)
    })
  }

  private settle(): void {
    const resolve = this.resolve
    const reject = this.reject
    this.resolve = this.reject = undefined
    if (this.counter.failures > 0) reject?.(new Error(`floor: the server answered FAILURE (${this.counter.failures})`))
    else resolve?.()
  }

  private fail(error: Error): void {
    const reject = this.reject
    this.resolve = this.reject = undefined
    reject?.(error)
  }

  /** GOODBYE, then closes the socket. */
  close(): Promise<void> {
    return new Promise((done) => {
      this.socket.removeAllListeners("close")
      this.socket.once("close", () => done())
      this.socket.end(Requests.goodbye)
    })
  }

  /** Connects, agrees on Bolt 5.8 and logs on. */
  static async open(host: string, port: number, auth: FloorAuth, secure = false): Promise<FloorConnection> {
    // `secure`: TLS trusting any certificate, as `bolt+ssc://` does.
    const socket = secure ? tlsConnect({ host, port, rejectUnauthorized: false }) : connect({ host, port, noDelay: true })
    if (secure) socket.setNoDelay(true)
    const rest = await new Promise<Buffer>((resolve, reject) => {
      let received = Buffer.alloc(0)
      const onData = (bytes: Buffer) => {
        received = Buffer.concat([received, bytes])
        if (received.length < Handshake.ANSWER_BYTES) return
        socket.off("data", onData)
        socket.off("error", reject)
        const agreed = received.readUInt32BE(0)
        if (agreed !== Handshake.AGREED) reject(new Error(`floor: the server answered the handshake with 0x${agreed.toString(16)}`))
        else resolve(received.subarray(Handshake.ANSWER_BYTES))
      }
      socket.once(secure ? "secureConnect" : "connect", () => socket.write(Requests.preamble))
      socket.on("data", onData)
      socket.once("error", reject)
    })
    // The server says nothing more before HELLO.
    if (rest.length > 0) throw new Error(`floor: ${rest.length} unexpected bytes after the handshake answer`)
    const connection = new FloorConnection(socket)
    await connection.exchange(Requests.logon(auth), Answers.LOGON)
    return connection
  }
}

/**
 * Logged-on connections for the floor workloads, opened before any sample (the drivers' pools are
 * connected before theirs too).
 *
 * @since 0.1.0
 * @category models
 */
export interface Floor {
  readonly connections: ReadonlyArray<FloorConnection>
  /** whether requests carry the replay server's bookmark (false for a real server) */
  readonly bookmarks: boolean
  readonly close: () => Promise<void>
}

/**
 * Opens `connections` connections to the Bolt server at `uri` (`bolt://host:port`); `floorSeq`
 * uses the first, `floorConcurrent` all of them.
 *
 * @since 0.1.0
 * @category constructors
 */
export const openFloor = async (uri: string, auth: FloorAuth, connections: number = CONCURRENCY, bookmarks = true): Promise<Floor> => {
  const { host, port } = hostPort(uri)
  const opened = await Promise.all(Array.from({ length: connections }, () => FloorConnection.open(host, port, auth)))
  return { connections: opened, bookmarks, close: async () => void (await Promise.all(opened.map((c) => c.close()))) }
}

const hostPort = (uri: string) => {
  const url = new URL(uri)
  return { host: url.hostname, port: url.port === "" ? 7687 : Number(url.port) }
}

/**
 * Connection set-up without a driver: `size` times, one after the other, a TCP connection (TLS for
 * a `+s` / `+ssc` URI, trusting any certificate), the Bolt 5.8 handshake, HELLO + LOGON, GOODBYE and close. What any driver's connection set-up
 * costs at least against the same server.
 *
 * @since 0.1.0
 * @category workloads
 */
export const floorConnect = async (uri: string, auth: FloorAuth, size: number): Promise<Outcome> => {
  const { host, port } = hostPort(uri)
  const secure = uri.includes("+s")
  for (let i = 0; i < size; i++) await (await FloorConnection.open(host, port, auth, secure)).close()
  return { count: size, checksum: size }
}

const outcome = (connections: ReadonlyArray<FloorConnection>, before: ReadonlyArray<readonly [number, number]>, queries: number): Outcome => {
  let records = 0
  let checksum = 0
  connections.forEach((c, i) => {
    records += c.records - before[i]![0]
    checksum += c.checksum - before[i]![1]
  })
  if (records !== queries) throw new Error(`floor: ${records} records for ${queries} queries`)
  return { count: queries, checksum }
}

const mark = (connections: ReadonlyArray<FloorConnection>) => connections.map((c) => [c.records, c.checksum] as const)

/**
 * How a floor workload waits for each round trip: `await` (the default), or something that wraps
 * every one, as `cpu-per-query.ts` does to measure the cheapest Effect program.
 *
 * @since 0.1.0
 * @category models
 */
export type RoundTrips = (
  loops: ReadonlyArray<{ readonly count: number; readonly roundTrip: (i: number) => Promise<void> }>
) => Promise<void>

const awaitEach: RoundTrips = async (loops) => {
  await Promise.all(loops.map(async ({ count, roundTrip }) => {
    for (let i = 0; i < count; i++) await roundTrip(i)
  }))
}

/**
 * Workload (a) without a driver: `size` sequential RUN + PULL round trips on one connection.
 *
 * @since 0.1.0
 * @category workloads
 */
export const floorSeq = async (floor: Floor, size: number, roundTrips: RoundTrips = awaitEach): Promise<Outcome> => {
  const connection = floor.connections[0]!
  const before = mark([connection])
  await roundTrips([{
    count: size,
    roundTrip: (i) => connection.exchange(i === 0 || !floor.bookmarks ? Requests.seqFirst : Requests.seq, Answers.SEQ)
  }])
  return outcome([connection], before, size)
}

/**
 * Workload (b) without a driver: `size` queries split over one loop per connection, each a
 * BEGIN + RUN + PULL round trip and a COMMIT round trip, as `executeQuery` does.
 *
 * @since 0.1.0
 * @category workloads
 */
export const floorConcurrent = async (floor: Floor, size: number, roundTrips: RoundTrips = awaitEach): Promise<Outcome> => {
  const connections = floor.connections
  const before = mark(connections)
  const share = Math.floor(size / connections.length)
  const extra = size % connections.length
  await roundTrips(connections.map((connection, c) => ({
    count: 2 * (share + (c < extra ? 1 : 0)),
    roundTrip: (i) =>
      i % 2 === 0
        ? connection.exchange(floor.bookmarks ? Requests.tx : Requests.txNoBookmark, Answers.TX)
        : connection.exchange(Requests.commit, Answers.COMMIT)
  })))
  return outcome(connections, before, size)
}

/**
 * Runs `run` with the event loop kept busy: a `setImmediate` chain makes libuv poll the sockets
 * without blocking, so this process never sleeps while it waits for the server (and uses a whole
 * CPU meanwhile). What remains is the exchange itself: loopback, the server, and the wake-ups of
 * a server that does sleep.
 *
 * @since 0.1.0
 * @category combinators
 */
export const polling = async <A>(run: () => Promise<A>): Promise<A> => {
  let active = true
  const spin = () => {
    if (active) setImmediate(spin)
  }
  spin()
  try {
    return await run()
  } finally {
    active = false
  }
}

// ---------------------------------------------------------------------------------------------
// CLI

/** what `run.ts` gives both drivers for the replay server */
const REPLAY_AUTH: FloorAuth = { username: "neo4j", password: "replay" }
const Defaults = { REPS: 7, WARMUP: 2, QUICK_REPS: 3, QUICK_WARMUP: 1 } as const
const MICROS_PER_MS = 1000
const MS_PER_S = 1000

const usage = "usage: node [--expose-gc] scripts/bench/floor.ts [--quick] [--reps N] [--warmup N]"

interface Options {
  readonly sizes: Sizes
  readonly reps: number
  readonly warmup: number
}

const parseArgs = (argv: ReadonlyArray<string>): Options => {
  let quick = false
  const counts = new Map<string, number>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--help" || arg === "-h") {
      console.log(usage)
      process.exit(0)
    }
    if (arg === "--quick") quick = true
    else if ((arg === "--reps" || arg === "--warmup") && i + 1 < argv.length) {
      const n = Number(argv[++i])
      if (!Number.isInteger(n) || n < 0) throw new Error(`${arg} must be a whole number\n${usage}`)
      counts.set(arg, n)
    } else throw new Error(`unexpected argument ${arg}\n${usage}`)
  }
  return {
    sizes: quick ? QUICK_SIZES : FULL_SIZES,
    reps: Math.max(1, counts.get("--reps") ?? (quick ? Defaults.QUICK_REPS : Defaults.REPS)),
    warmup: counts.get("--warmup") ?? (quick ? Defaults.QUICK_WARMUP : Defaults.WARMUP)
  }
}

const clockTicks = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100
  } catch {
    return 100
  }
})()

/** CPU time (user + system) of process `pid` in ms, from `/proc/<pid>/stat`; undefined off Linux. */
const processCpuMs = (pid: number): number | undefined => {
  try {
    // Fields after "(comm)": state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    const UTIME = 14 - 3
    const STIME = 15 - 3
    return ((Number(fields[UTIME]) + Number(fields[STIME])) * MS_PER_S) / clockTicks
  } catch {
    return undefined
  }
}

interface Sample {
  readonly ms: number
  readonly cpuMs: number
  readonly serverCpuMs: number | undefined
}

/**
 * The median of `xs` (the mean of the middle two for an even count).
 *
 * @since 0.1.0
 * @category utils
 */
export const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const gc = (globalThis as { gc?: () => void }).gc
const collect = gc ?? (() => {})

const sample = async (run: () => Promise<Outcome>, size: number, serverPid: number): Promise<Sample> => {
  collect()
  const server = processCpuMs(serverPid)
  const cpu = process.cpuUsage()
  const start = performance.now()
  const result = await run()
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  const serverAfter = processCpuMs(serverPid)
  if (result.count !== size || result.checksum !== size) {
    throw new Error(`floor: ${result.count} queries with checksum ${result.checksum}, expected ${size} and ${size}`)
  }
  return {
    ms,
    cpuMs: (used.user + used.system) / MICROS_PER_MS,
    serverCpuMs: server === undefined || serverAfter === undefined ? undefined : serverAfter - server
  }
}

const f1 = (x: number): string => x.toFixed(1)

const report = (name: string, size: number, roundTrips: number, samples: ReadonlyArray<Sample>): void => {
  const ms = samples.map((s) => s.ms)
  const wall = median(ms)
  const cpu = median(samples.map((s) => s.cpuMs))
  const perQuery = (x: number) => f1((x * MICROS_PER_MS) / size)
  const server = samples.every((s) => s.serverCpuMs !== undefined) ? median(samples.map((s) => s.serverCpuMs!)) : undefined
  console.log(
    `  floor ${name}: ${f1(wall)} ms (${f1(Math.min(...ms))}-${f1(Math.max(...ms))}), ${perQuery(wall)} us/query, ` +
      `mean round trip ${f1((wall * MICROS_PER_MS) / roundTrips)} us`
  )
  console.log(
    `    client CPU ${f1(cpu)} ms (${perQuery(cpu)} us/query, ${((cpu / wall) * 100).toFixed(0)}% of wall)` +
      (server === undefined ? "" : `; replay server CPU ${f1(server)} ms (${perQuery(server)} us/query, ${((server / wall) * 100).toFixed(0)}% of wall)`)
  )
  console.log(`    samples (ms): ${ms.map(f1).join(", ")}; client CPU (ms): ${samples.map((s) => f1(s.cpuMs)).join(", ")}`)
}

const main = async (): Promise<void> => {
  const options = parseArgs(process.argv.slice(2))
  const { seq, concurrent } = options.sizes
  const replay = await spawnReplayServer(options.sizes)
  try {
    const floor = await openFloor(replay.uri, REPLAY_AUTH, CONCURRENCY)
    try {
      console.log(
        `protocol floor (raw sockets, pre-encoded requests) against the replay server (pid ${replay.pid}); ` +
          `node ${process.version}, ${cpus()[0]?.model ?? "unknown"} x${cpus().length}, load ${loadavg().map((x) => x.toFixed(2)).join(" ")}; ` +
          `medians of ${options.reps} samples after ${options.warmup} warm-up(s)${gc === undefined ? " (no --expose-gc)" : ""}`
      )
      const workloads = [
        {
          name: "seq",
          what: `${seq.toLocaleString("en-US")} sequential RUN + PULL, one connection (1 round trip each)`,
          size: seq,
          roundTrips: seq,
          run: () => floorSeq(floor, seq)
        },
        {
          name: "concurrent",
          what: `${concurrent.toLocaleString("en-US")} x (BEGIN + RUN + PULL, COMMIT) in ${CONCURRENCY} loops on ${CONCURRENCY} connections ` +
            `(2 round trips each)`,
          size: concurrent,
          // per loop, sequential: what one connection waits for
          roundTrips: (2 * concurrent) / CONCURRENCY,
          run: () => floorConcurrent(floor, concurrent)
        }
      ]
      for (const w of workloads) {
        const modes = [
          { label: w.name, run: w.run, samples: new Array<Sample>() },
          { label: `${w.name} (polling)`, run: () => polling(w.run), samples: new Array<Sample>() }
        ]
        for (let i = 0; i < options.warmup; i++) for (const mode of modes) await sample(mode.run, w.size, replay.pid)
        // Alternate which mode goes first, as the bench alternates the drivers.
        for (let i = 0; i < options.reps; i++) {
          for (const mode of i % 2 === 0 ? modes : [...modes].reverse()) mode.samples.push(await sample(mode.run, w.size, replay.pid))
        }
        console.log(`${w.name}: ${w.what}`)
        for (const mode of modes) report(mode.label, w.size, w.roundTrips, mode.samples)
      }
    } finally {
      await floor.close()
    }
  } finally {
    await replay.stop()
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
}
