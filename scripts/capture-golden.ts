/**
 * Captures golden Bolt frames from real Neo4j servers into `test/bolt/golden/*.json`: the handshake
 * reply and the body of every response (SUCCESS of HELLO/LOGON/RUN/PULL/BEGIN/COMMIT/ROUTE/RESET,
 * RECORDs of many value types, IGNORED, FAILURE), next to the request that caused it. The driver's
 * own pure Bolt layer (`src/bolt`) writes the requests; `node:net` carries them.
 *
 *   node scripts/capture-golden.ts                 # both lines through the embedded launcher
 *   node scripts/capture-golden.ts --line 2026     # one line
 *   NEO4J_URI=bolt://host:7687 NEO4J_USERNAME=neo4j NEO4J_PASSWORD=... node scripts/capture-golden.ts
 *
 * Credentials never reach the output: HELLO/LOGON request bytes are not recorded.
 *
 * @since 0.1.0
 */
import { mkdir, writeFile } from "node:fs/promises"
import { connect, type Socket } from "node:net"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as ValueCodec from "../src/bolt/ValueCodec.ts"
import * as Capabilities from "../src/bolt/Capabilities.ts"
import { Dechunker } from "../src/bolt/Chunking.ts"
import * as Handshake from "../src/bolt/Handshake.ts"
import { MessageWriter } from "../src/bolt/MessageWriter.ts"
import * as Metadata from "../src/bolt/Metadata.ts"
import * as Requests from "../src/bolt/Requests.ts"
import type { EncodeContext, EncodeResult } from "../src/bolt/Requests.ts"
import * as Responses from "../src/bolt/Responses.ts"
import type { RequestKind } from "../test/support/BoltStateMachine.ts"
import * as Version from "../src/bolt/Version.ts"
import * as Auth from "../src/Neo4jAuth.ts"
import { Neo4jProtocolError } from "../src/Neo4jError.ts"
import { Uuid } from "../src/Neo4jUuid.ts"
import { Vector } from "../src/Neo4jVector.ts"
import { PackStreamReader } from "../src/packstream/Reader.ts"

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const OUT_DIR = join(ROOT, "test", "bolt", "golden")
const READ_TIMEOUT_MS = 20_000
const DEFAULT_BOLT_PORT = 7687
const USER_AGENT = "effect-neo4j-golden/0.1.0"
const BOLT_AGENT: Requests.BoltAgent = { product: USER_AGENT, platform: process.platform, language: `Node/${process.versions.node}` }
const FORMAT_VERSION = 1

/** One captured response. */
export interface GoldenFrame {
  readonly name: string
  readonly description: string
  /** the request batch that caused it (hex, chunked), unless it carried credentials */
  readonly request: string | null
  /** the response message body (hex, de-chunked) */
  readonly response: string
  /** Success | Record | Ignored | Failure, as decoded at capture time */
  readonly tag: string
  /** the step (request batch) it belongs to */
  readonly step: string
  /** the request kind this response answers */
  readonly answers: RequestKind
}

/** A request batch as sent, in order: lets a test replay the state machine. */
export interface GoldenStep {
  readonly name: string
  readonly sent: ReadonlyArray<RequestKind>
}

/** A `test/bolt/golden/*.json` file, as written here and read by `test/bolt/Golden.test.ts`. */
export interface GoldenFile {
  readonly format: number
  readonly server: string
  readonly serverVersion: string
  readonly boltVersion: string
  readonly negotiation: { readonly proposals: string; readonly reply: string; readonly answer: string }
  readonly steps: ReadonlyArray<GoldenStep>
  readonly frames: ReadonlyArray<GoldenFrame>
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex").replace(/(..)(?!$)/g, "$1 ")

/** A Bolt conversation over a socket, driven by the pure Bolt layer. */
class Wire {
  private readonly dechunker = new Dechunker()
  private readonly bodies: Array<Uint8Array> = []
  private waiter: (() => void) | undefined = undefined
  private closed: Error | undefined = undefined
  private handshakeReader: Handshake.HandshakeReader | undefined = undefined
  private handshakeResult: ReturnType<Handshake.HandshakeReader["feed"]> | undefined = undefined
  private handshakePieces: Array<Uint8Array> = []
  /** the server's handshake reply exactly as received */
  handshakeReply: Uint8Array = new Uint8Array(0)
  private readonly socket: Socket

  constructor(socket: Socket) {
    this.socket = socket
    socket.on("data", (piece: Buffer) => this.onData(new Uint8Array(piece)))
    socket.on("error", (error) => this.close(error))
    socket.on("close", () => this.close(new Error("socket closed")))
  }

  static open(host: string, port: number): Promise<Wire> {
    return new Promise((resolvePromise, reject) => {
      const socket = connect({ host, port })
      socket.once("connect", () => resolvePromise(new Wire(socket)))
      socket.once("error", reject)
    })
  }

  private onData(piece: Uint8Array): void {
    if (this.handshakeReader !== undefined) {
      this.handshakePieces.push(piece)
      const result = this.handshakeReader.feed(piece)
      if (result._tag === "NeedMore") return
      this.handshakeReader = undefined
      this.handshakeResult = result
      const raw = Buffer.concat(this.handshakePieces)
      this.handshakeReply = new Uint8Array(raw.subarray(0, result._tag === "Agreed" ? result.consumed : raw.length))
      if (result._tag === "Agreed" && result.rest.length > 0) this.dechunker.feed(result.rest)
    } else {
      this.dechunker.feed(piece)
    }
    for (;;) {
      const body = this.dechunker.next()
      if (body === undefined) break
      if (body instanceof Neo4jProtocolError) return this.close(new Error(body.message))
      this.bodies.push(Uint8Array.from(body))
    }
    this.wake()
  }

  private close(error: Error): void {
    this.closed ??= error
    this.wake()
  }

  private wake(): void {
    const w = this.waiter
    this.waiter = undefined
    w?.()
  }

  private async waitFor<A>(ready: () => A | undefined, what: string): Promise<A> {
    const deadline = Date.now() + READ_TIMEOUT_MS
    for (;;) {
      const value = ready()
      if (value !== undefined) return value
      if (this.closed !== undefined) throw new Error(`${what}: ${this.closed.message}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`${what}: no answer within ${READ_TIMEOUT_MS} ms`)
      await new Promise<void>((r) => {
        const timer = setTimeout(r, left)
        this.waiter = () => {
          clearTimeout(timer)
          r()
        }
      })
    }
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes)
  }

  async handshake(proposals: ReadonlyArray<Handshake.VersionRange>) {
    this.handshakeReader = new Handshake.HandshakeReader(proposals)
    this.write(Handshake.encodePreamble(proposals))
    return this.waitFor(() => this.handshakeResult, "handshake")
  }

  next(what: string): Promise<Uint8Array> {
    return this.waitFor(() => this.bodies.shift(), what)
  }

  end(): void {
    this.socket.end()
    this.socket.destroy()
  }
}

/** One request of a batch: its kind and its encoder. */
interface Req {
  readonly kind: RequestKind
  readonly encode: (w: MessageWriter, ctx: EncodeContext) => EncodeResult
}

const req = (kind: RequestKind, encode: Req["encode"]): Req => ({ kind, encode })

interface Step {
  readonly name: string
  readonly description: string
  /** the pipelined requests, sent in one write */
  readonly requests: ReadonlyArray<Req>
  /** whether the request bytes carry credentials (then they are not recorded) */
  readonly secret?: boolean
}

class Session {
  readonly frames: Array<GoldenFrame> = []
  readonly steps: Array<GoldenStep> = []
  readonly writer = new MessageWriter()
  readonly wire: Wire
  ctx: EncodeContext
  reader: PackStreamReader

  constructor(wire: Wire, version: Version.BoltVersion) {
    this.wire = wire
    const capabilities = Capabilities.forVersion(version)
    this.ctx = { capabilities, codec: Capabilities.codecOptions(capabilities) }
    this.reader = ValueCodec.reader(this.ctx.codec)
  }

  get caps() {
    return this.ctx.capabilities
  }

  /** Sends the step's requests in one write and records every response until each has a summary. */
  async step(step: Step): Promise<Array<Responses.Response>> {
    this.writer.reset()
    for (const request of step.requests) {
      const error = request.encode(this.writer, this.ctx)
      if (error !== undefined) throw new Error(`${step.name}: ${error.message}`)
    }
    this.steps.push({ name: step.name, sent: step.requests.map((r) => r.kind) })
    const request = step.secret === true ? null : hex(this.writer.view())
    this.wire.write(this.writer.toUint8Array())
    const responses: Array<Responses.Response> = []
    let summaries = 0
    let index = 0
    while (summaries < step.requests.length) {
      const body = await this.wire.next(step.name)
      const r = Responses.decode(this.reader, body)
      if (r instanceof Neo4jProtocolError) throw new Error(`${step.name}: undecodable response ${hex(body)}: ${r.message}`)
      const answers = step.requests[summaries]!.kind
      if (r._tag !== "Record") summaries++
      responses.push(r)
      this.frames.push({
        name: `${step.name}#${index++}`,
        description: `${step.description} -> ${r._tag}`,
        request,
        response: hex(body),
        tag: r._tag,
        step: step.name,
        answers
      })
    }
    // Leave the connection READY for the next step: a failure not followed by RESET gets one.
    const last = responses[responses.length - 1]
    if (responses.some((r) => r._tag === "Failure") && last?._tag !== "Success") {
      await this.step({ name: `${step.name}-reset`, description: `RESET after ${step.name}`, requests: [reset] })
    }
    return responses
  }
}

interface Target {
  readonly host: string
  readonly port: number
  readonly username: string
  readonly password: string
  readonly label: string
}

const successMeta = (r: Responses.Response | undefined): Readonly<Record<string, unknown>> => {
  if (r?._tag !== "Success") throw new Error(`expected SUCCESS, got ${r?._tag}`)
  return r.metadata
}

const run = (query: string, parameters: Readonly<Record<string, unknown>> = {}): Req =>
  req("RUN", (w, ctx) => Requests.run(w, { query, parameters }, ctx))
const pull = (n: number, qid?: number): Req => req("PULL", (w) => Requests.pull(w, qid === undefined ? { n } : { n, qid }))
const begin = (extra: Requests.TransactionExtra): Req => req("BEGIN", (w, ctx) => Requests.begin(w, extra, ctx))
const discardAll: Req = req("DISCARD", (w) => Requests.discard(w, { n: -1 }))
const commit: Req = req("COMMIT", (w) => Requests.commit(w))
const rollback: Req = req("ROLLBACK", (w) => Requests.rollback(w))
const reset: Req = req("RESET", (w) => Requests.reset(w))

// Deterministic values of every Cypher type the server can return without touching the graph.
const SCALARS_QUERY = "RETURN 1 AS tiny, -17 AS int8, 1234 AS int16, 100000 AS int32, 9223372036854775807 AS int64max, " +
  "-9223372036854775808 AS int64min, 1.5 AS float, 'x' AS s, 'astral 😀 ünï' AS u, true AS t, false AS f, null AS n, " +
  "[1, 'two', [3.0]] AS list, {a: 1, b: {c: [true]}} AS map, [] AS empty"
const TEMPORAL_QUERY = "RETURN date('2024-03-31') AS date, localtime('12:34:56.789') AS localtime, " +
  "time('12:34:56.000000001+02:00') AS time, localdatetime('2024-03-31T02:30:00') AS localdatetime, " +
  "datetime('2024-03-31T02:30:00[Europe/Berlin]') AS zoned, datetime('2024-03-31T02:30:00+01:00') AS offset, " +
  "duration('P1Y2M3DT4H5M6.000000007S') AS duration"
const SPATIAL_QUERY = "RETURN point({x: 1.5, y: 2.5}) AS cartesian, point({x: 1, y: 2, z: 3}) AS cartesian3d, " +
  "point({longitude: 12.5, latitude: 55.6}) AS wgs84, point({srid: 4979, x: 12.5, y: 55.6, z: 10}) AS wgs84_3d"
const GRAPH_QUERY = "CREATE p = (a:Person {name: 'Ada', born: 1815})-[r:KNOWS {since: 1833}]->(b:Person {name: 'Bob'}) " +
  "RETURN a, r, b, p"

const captureSession = async (
  target: Target,
  proposals: ReadonlyArray<Handshake.VersionRange>,
  routing: boolean
): Promise<GoldenFile> => {
  const wire = await Wire.open(target.host, target.port)
  try {
    const agreed = await wire.handshake(proposals)
    if (agreed._tag !== "Agreed") throw new Error(`handshake: ${agreed._tag}: ${"message" in agreed ? agreed.message : ""}`)
    if (agreed.answer.length > 0) wire.write(agreed.answer)
    const session = new Session(wire, agreed.version)
    const auth = Auth.basic(target.username, target.password)
    const address = `${target.host}:${target.port}`
    const helloInput: Requests.HelloInput = {
      userAgent: USER_AGENT,
      boltAgent: BOLT_AGENT,
      auth,
      ...(routing ? { routing: { address } } : {})
    }
    const hello = await session.step({
      name: "hello",
      description: `HELLO${session.caps.logon ? "" : " with credentials"}${routing ? " and routing context" : ""}`,
      requests: [req("HELLO", (w, ctx) => Requests.hello(w, helloInput, ctx))],
      secret: session.caps.helloCarriesCredentials
    })
    const helloInfo = Metadata.hello(successMeta(hello[0]))
    if (helloInfo instanceof Neo4jProtocolError) throw new Error(helloInfo.message)
    if (helloInfo.utcPatch) {
      const capabilities = Capabilities.withUtcPatch(session.caps)
      session.ctx = { capabilities, codec: Capabilities.codecOptions(capabilities) }
      session.reader = ValueCodec.reader(session.ctx.codec)
    }
    if (session.caps.logon) {
      await session.step({ name: "logon", description: "LOGON basic", requests: [req("LOGON", (w, ctx) => Requests.logon(w, auth, ctx))], secret: true })
    }
    const steps: Array<Step> = [
      { name: "run-pull-scalars", description: "RUN scalars + PULL all", requests: [run(SCALARS_QUERY), pull(-1)] },
      { name: "run-pull-temporal", description: "RUN temporal values + PULL all", requests: [run(TEMPORAL_QUERY), pull(-1)] },
      { name: "run-pull-spatial", description: "RUN points + PULL all", requests: [run(SPATIAL_QUERY), pull(-1)] },
      {
        name: "run-pull-params",
        description: "RUN with parameters echoed back + PULL all",
        requests: [run("RETURN $i AS i, $f AS f, $s AS s, $l AS l, $m AS m, $b AS b", {
          i: -9007199254740991,
          f: 0.1,
          s: "p",
          l: [1, 2],
          m: { k: "v" },
          b: new Uint8Array([1, 2, 3])
        }), pull(-1)]
      },
      {
        name: "pull-has-more",
        description: "RUN range + PULL {n: 2} (has_more) + DISCARD all",
        requests: [run("UNWIND range(1, 5) AS i RETURN i"), pull(2), discardAll]
      },
      {
        name: "tx-graph",
        description: "BEGIN + RUN CREATE path + PULL + ROLLBACK (nodes, relationship, path)",
        requests: [begin({ txMetadata: { app: "golden" } }), run(GRAPH_QUERY), pull(-1), rollback]
      },
      {
        name: "tx-commit",
        description: "BEGIN + RUN + PULL {n, qid} + COMMIT (bookmark)",
        requests: [begin({}), run("CREATE (n:Golden) RETURN count(n) AS c"), pull(1000, -1), commit]
      },
      {
        name: "tx-rollback-streaming",
        description: "BEGIN + RUN (not pulled) + ROLLBACK in TX_STREAMING",
        requests: [begin({ mode: "read" }), run("RETURN 1 AS x"), rollback]
      },
      {
        name: "tx-commit-streaming",
        description: "BEGIN + RUN (not pulled) + COMMIT in TX_STREAMING",
        requests: [begin({}), run("RETURN 1 AS x"), commit]
      },
      {
        name: "failure-ignored",
        description: "RUN syntax error + PULL: FAILURE then IGNORED",
        requests: [run("RETRUN 1"), pull(-1)]
      },
      { name: "reset", description: "RESET after a failure", requests: [reset] },
      {
        name: "failure-runtime",
        description: "RUN + PULL with a division by zero",
        requests: [run("UNWIND [1, 0] AS x RETURN 1 / x AS y"), pull(-1)]
      },
      {
        name: "interrupt",
        description: "RUN + PULL + RESET pipelined: the RESET jumps ahead (IGNORED or Terminated, then SUCCESS)",
        requests: [run("UNWIND range(1, 100000) AS x RETURN count(x) AS c"), pull(-1), reset]
      },
      {
        name: "route",
        description: "ROUTE {address} [] {db: neo4j}",
        requests: [req("ROUTE", (w, ctx) => Requests.route(w, { routing: { address }, database: "neo4j" }, ctx))]
      },
      {
        name: "route-default-db",
        description: "ROUTE {address} [] {} (home database)",
        requests: [req("ROUTE", (w, ctx) => Requests.route(w, { routing: { address } }, ctx))]
      }
    ]
    if (session.caps.telemetry && helloInfo.hints.telemetryEnabled) {
      steps.push({
        name: "telemetry",
        description: "TELEMETRY {api: 2} + RUN + PULL",
        requests: [
          req("TELEMETRY", (w, ctx) => Requests.telemetry(w, Requests.TelemetryApi.AUTO_COMMIT_TRANSACTION, ctx)),
          run("RETURN 1 AS x"),
          pull(-1)
        ]
      })
    }
    if (session.caps.vectors) {
      steps.push({
        name: "run-pull-vector",
        description: "RUN vector values + PULL all (Bolt 6.0+)",
        // vector() exists in Cypher 25 only; the server's default language may still be Cypher 5.
        requests: [
          run("CYPHER 25 RETURN vector([1.0, 2.5, -3.0], 3, FLOAT32) AS f32, vector([1, 2, 3], 3, INTEGER8) AS i8, $v AS param", {
            v: Vector.fromArray("FLOAT64", [0.5, -1])
          }),
          pull(-1)
        ]
      })
    }
    if (session.caps.uuids) {
      steps.push({
        name: "run-pull-uuid",
        description: "RUN uuid values + PULL all (Bolt 6.1+)",
        // A UUID parameter must not be pipelined with HELLO/LOGON: 2026.08 then closes the connection.
        requests: [
          run("RETURN $u AS u, randomUUID() AS random", { u: Uuid.fromString("f0a90880-8290-48af-abec-c2f03978a2e9") }),
          pull(-1)
        ]
      })
    }
    if (session.caps.logon) {
      steps.push({
        name: "logoff-logon",
        description: "LOGOFF + LOGON (re-authentication)",
        requests: [req("LOGOFF", (w, ctx) => Requests.logoff(w, ctx)), req("LOGON", (w, ctx) => Requests.logon(w, auth, ctx))],
        secret: true
      })
    }
    for (const step of steps) await session.step(step)
    session.writer.reset()
    Requests.goodbye(session.writer)
    session.steps.push({ name: "goodbye", sent: ["GOODBYE"] })
    wire.write(session.writer.toUint8Array())
    const serverAgent = helloInfo.server ?? "unknown"
    return {
      format: FORMAT_VERSION,
      server: target.label,
      serverVersion: serverAgent,
      boltVersion: Version.format(agreed.version),
      negotiation: {
        proposals: hex(Handshake.encodePreamble(proposals)),
        reply: hex(wire.handshakeReply),
        answer: hex(agreed.answer)
      },
      steps: session.steps,
      frames: session.frames
    }
  } finally {
    wire.end()
  }
}

const captureAuthFailure = async (target: Target): Promise<GoldenFrame> => {
  const wire = await Wire.open(target.host, target.port)
  try {
    const agreed = await wire.handshake(Handshake.DEFAULT_PROPOSALS)
    if (agreed._tag !== "Agreed") throw new Error(`handshake: ${agreed._tag}`)
    if (agreed.answer.length > 0) wire.write(agreed.answer)
    const session = new Session(wire, agreed.version)
    const wrong = Auth.basic(target.username, `${target.password}-wrong`)
    const requests: Step["requests"] = session.caps.logon
      ? [
        req("HELLO", (w, ctx) => Requests.hello(w, { userAgent: USER_AGENT, boltAgent: BOLT_AGENT }, ctx)),
        req("LOGON", (w, ctx) => Requests.logon(w, wrong, ctx))
      ]
      : [req("HELLO", (w, ctx) => Requests.hello(w, { userAgent: USER_AGENT, boltAgent: BOLT_AGENT, auth: wrong }, ctx))]
    await session.step({ name: "auth-failure", description: "wrong password", requests, secret: true }).catch(() => [])
    const frame = session.frames.find((f) => f.tag === "Failure")
    if (frame === undefined) throw new Error("auth-failure: the server sent no FAILURE")
    return frame
  } finally {
    wire.end()
  }
}

const PROPOSAL_SETS: ReadonlyArray<{ readonly suffix: string; readonly proposals: ReadonlyArray<Handshake.VersionRange>; readonly routing: boolean }> = [
  { suffix: "default", proposals: Handshake.DEFAULT_PROPOSALS, routing: true },
  { suffix: "5.0", proposals: [{ major: 5, minor: 0, range: 0 }], routing: false },
  { suffix: "4.4", proposals: [{ major: 4, minor: 4, range: 0 }], routing: false }
]

const captureTarget = async (target: Target): Promise<Array<string>> => {
  await mkdir(OUT_DIR, { recursive: true })
  const written: Array<string> = []
  for (const set of PROPOSAL_SETS) {
    const golden = await captureSession(target, set.proposals, set.routing)
    const frames = set.suffix === "default" ? [...golden.frames, await captureAuthFailure(target)] : golden.frames
    const file = join(OUT_DIR, `${target.label}-bolt-${golden.boltVersion}.json`)
    await writeFile(file, `${JSON.stringify({ ...golden, frames }, null, 2)}\n`)
    written.push(file)
    console.log(`captured ${frames.length} frames from ${golden.serverVersion} over Bolt ${golden.boltVersion} -> ${file}`)
  }
  return written
}

const parseUri = (uri: string): { host: string; port: number } => {
  const url = new URL(uri)
  if (url.protocol !== "bolt:" && url.protocol !== "neo4j:") {
    throw new Error(`capture-golden speaks plain TCP: use a bolt:// or neo4j:// URI, not ${url.protocol}//`)
  }
  return { host: url.hostname, port: url.port === "" ? DEFAULT_BOLT_PORT : Number(url.port) }
}

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const main = async (): Promise<void> => {
  const uri = process.env.NEO4J_URI
  if (uri !== undefined && uri !== "") {
    const { host, port } = parseUri(uri)
    const label = argValue("--label") ?? "neo4j-external"
    await captureTarget({
      host,
      port,
      username: process.env.NEO4J_USERNAME ?? "neo4j",
      password: process.env.NEO4J_PASSWORD ?? "",
      label
    })
    return
  }
  const launcher = await import("./neo4j/launcher.ts").catch(() => undefined)
  if (launcher === undefined) throw new Error("No NEO4J_URI and no scripts/neo4j/launcher.ts: nothing to capture from")
  const line = argValue("--line")
  const lines = line === undefined ? launcher.NEO4J_LINES : launcher.NEO4J_LINES.filter((l) => l === line)
  if (lines.length === 0) throw new Error(`--line must be one of ${launcher.NEO4J_LINES.join(", ")}`)
  for (const l of lines) {
    const server = await launcher.startNeo4j({ line: l, onLog: (text) => console.error(text) })
    try {
      await captureTarget({ host: server.host, port: server.port, username: server.username, password: server.password, label: `neo4j-${l}` })
    } finally {
      await server.stop()
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
