/**
 * `npm run bench`: effect-neo4j against neo4j-driver 6.3, both on the same server in the same run.
 *
 *   node scripts/bench/run.ts [--server replay|neo4j|both] [--workloads a,b,...] [--reps N]
 *     [--warmup N] [--mem-reps N] [--quick] [--json FILE] [--official-stream observer|iterator]
 *     [--profile DIR [--profile-side ours|official]]
 *
 * Servers: the in-repo replay server (`replay-server.ts`, a separate process answering from
 * pre-encoded results, so the client's cost is what is measured) and a real embedded Neo4j 5.26
 * (`scripts/neo4j/launcher.ts`). Each time workload runs in a fresh worker process holding both
 * drivers (warm-ups, then samples alternating the sides); each memory workload runs every sample in
 * a fresh process per side. The table shows medians with min-max; the ratio is official / ours, so
 * higher is better for effect-neo4j (times and peak RSS alike).
 *
 * `--profile DIR` runs the selected time workloads for one driver alone (effect-neo4j unless
 * `--profile-side official`) with V8's sampling profiler (the one `--cpu-prof` uses) on during the
 * timed samples only, writes a `.cpuprofile` per workload to DIR (open it in Chrome DevTools) and
 * prints self time by area, the top self-time frames and the `src/` functions with the most
 * inclusive time (no table).
 *
 * @since 0.1.0
 */
import { execFileSync, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { mkdir, readFile, writeFile } from "node:fs/promises"
import { cpus, loadavg, totalmem } from "node:os"
import { performance } from "node:perf_hooks"
import { gzipSync } from "node:zlib"
import { dirname, join, resolve } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { compileCopy, type CompiledCopy } from "./compile.ts"
import { summarizeProfile } from "./profile.ts"
import { spawnReplayServer } from "./replay-process.ts"
import { FULL_SIZES, QUICK_SIZES, Query, type Sizes } from "./queries.ts"
import { EXTRA_WORKLOADS } from "./extras.ts"
import type { MemoryResult, Side, TimeResult, WorkerConfig } from "./worker.ts"
import { WORKLOADS } from "./workloads.ts"

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = resolve(HERE, "..", "..")
const WORKER = join(HERE, "worker.ts")

const Defaults = {
  FETCH_SIZE: 1000,
  REPS: 7,
  WARMUP: 2,
  MEM_REPS: 3,
  QUICK_REPS: 3,
  QUICK_WARMUP: 1,
  QUICK_MEM_REPS: 1,
  /** real-server setup batch: nodes created per transaction */
  SETUP_BATCH: 50_000,
  PROFILE_TOP: 15
} as const

/** Replay-server targets of issue 7 (ratio official / ours, medians). */
const REPLAY_TARGETS: Readonly<Record<string, number>> = {
  seq: 2,
  concurrent: 4,
  scalars: 2,
  nodes: 3,
  wide: 2,
  temporal: 3,
  param: 5,
  "rss-scalars": 1,
  "rss-nodes": 1,
  "rss-wide": 1,
  "rss-temporal": 1
}
/** Against the real Neo4j: never slower, on any workload. */
const NEO4J_TARGET = 1
/** Issue 18, replay server: ours / protocol floor at most this (medians). */
const FLOOR_TARGETS: Readonly<Record<string, number>> = { seq: 1.3, concurrent: 1.5 }
/** Issue 18: cold start and bundle bytes at most neo4j-driver's. */
const STARTUP_TARGET = 1
/** "flat memory while streaming": RSS may not keep growing in the second half of a stream. */
const FLAT_GROWTH_MB = 16

type ServerName = "replay" | "neo4j"
/** servers of the stub cluster (routed workloads) */
const CLUSTER_SIZE = 3

interface Options {
  readonly servers: ReadonlyArray<ServerName>
  readonly workloads: ReadonlyArray<string>
  readonly sizes: Sizes
  readonly reps: number
  readonly warmup: number
  readonly memReps: number
  readonly json: string | undefined
  readonly officialStream: "observer" | "iterator"
  readonly profile: string | undefined
  readonly profileSide: Side
  readonly quick: boolean
}

const TIME_NAMES: ReadonlyArray<string> = WORKLOADS.map((w) => w.name)
const STREAM_NAMES = WORKLOADS.filter((w) => w.streaming).map((w) => w.name)
const MEMORY_NAMES = STREAM_NAMES.map((n) => `rss-${n}`)
const STARTUP_NAMES = ["coldstart", "bundle", "connect", "connect-tls"]
const SCALE_NAMES = ["scale", "routed", "routed-direct"]
const ALL_NAMES = [...TIME_NAMES, ...MEMORY_NAMES, ...STARTUP_NAMES, ...SCALE_NAMES]
const GROUPS: Readonly<Record<string, ReadonlyArray<string>>> = {
  all: ALL_NAMES,
  time: TIME_NAMES,
  stream: STREAM_NAMES,
  rss: MEMORY_NAMES,
  memory: MEMORY_NAMES,
  startup: STARTUP_NAMES,
  scale: SCALE_NAMES
}

const usage = `usage: node scripts/bench/run.ts [--server replay|neo4j|both] [--workloads a,b,...] [--reps N]
  [--warmup N] [--mem-reps N] [--quick] [--json FILE] [--official-stream observer|iterator]
  [--profile DIR [--profile-side ours|official]]
workloads: ${ALL_NAMES.join(", ")}; groups: ${Object.keys(GROUPS).join(", ")}`

const parseArgs = (argv: ReadonlyArray<string>): Options => {
  const values = new Map<string, string>()
  const flags = new Set<string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--quick" || arg === "--help" || arg === "-h") flags.add(arg)
    else if (arg.startsWith("--") && arg.includes("=")) values.set(arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1))
    else if (arg.startsWith("--") && i + 1 < argv.length) values.set(arg, argv[++i]!)
    else throw new Error(`unexpected argument ${arg}\n${usage}`)
  }
  if (flags.has("--help") || flags.has("-h")) {
    console.log(usage)
    process.exit(0)
  }
  const known = [
    "--server",
    "--workloads",
    "--reps",
    "--warmup",
    "--mem-reps",
    "--json",
    "--official-stream",
    "--profile",
    "--profile-side"
  ]
  for (const key of values.keys()) if (!known.includes(key)) throw new Error(`unknown option ${key}\n${usage}`)
  const quick = flags.has("--quick")
  const server = values.get("--server") ?? "both"
  if (!["replay", "neo4j", "both"].includes(server)) throw new Error(`--server must be replay, neo4j or both\n${usage}`)
  const names = (values.get("--workloads") ?? "all").split(",").filter(Boolean).flatMap((n) => GROUPS[n] ?? [n])
  for (const name of names) {
    if (!ALL_NAMES.includes(name)) throw new Error(`unknown workload ${name}\n${usage}`)
  }
  const count = (key: string, fallback: number) => {
    const raw = values.get(key)
    const n = raw === undefined ? fallback : Number(raw)
    if (!Number.isInteger(n) || n < 0) throw new Error(`${key} must be a whole number`)
    return n
  }
  const officialStream = values.get("--official-stream") ?? "observer"
  if (officialStream !== "observer" && officialStream !== "iterator") throw new Error("--official-stream must be observer or iterator")
  return {
    servers: server === "both" ? ["replay", "neo4j"] : [server as ServerName],
    workloads: [...new Set(names)],
    sizes: quick ? QUICK_SIZES : FULL_SIZES,
    reps: Math.max(1, count("--reps", quick ? Defaults.QUICK_REPS : Defaults.REPS)),
    warmup: count("--warmup", quick ? Defaults.QUICK_WARMUP : Defaults.WARMUP),
    memReps: Math.max(1, count("--mem-reps", quick ? Defaults.QUICK_MEM_REPS : Defaults.MEM_REPS)),
    json: values.get("--json"),
    officialStream,
    profile: values.get("--profile"),
    profileSide: values.get("--profile-side") === "official" ? "official" : "ours",
    quick
  }
}

// ---------------------------------------------------------------------------------------------
// servers

interface BenchServer {
  readonly name: ServerName
  readonly uri: string
  readonly username: string
  readonly password: string
  readonly version: string
  /** replay only: the TLS listener and the stub cluster */
  readonly tlsUri?: string | undefined
  readonly cluster?: { readonly uri: string; readonly control: number } | undefined
  readonly stop: () => Promise<void>
}

const startReplay = async (sizes: Sizes): Promise<BenchServer> => {
  const replay = await spawnReplayServer(sizes, { tls: true, cluster: CLUSTER_SIZE })
  return {
    name: "replay",
    uri: replay.uri,
    tlsUri: replay.tlsUri,
    cluster: replay.cluster,
    username: "neo4j",
    password: "replay",
    version: "replay server (Bolt 5.8, answers as Neo4j 5.26)",
    stop: replay.stop
  }
}

const startRealNeo4j = async (): Promise<BenchServer> => {
  const { startNeo4j } = await import("../neo4j/launcher.ts")
  const started = Date.now()
  const neo = await startNeo4j({ line: "5.26" })
  log(`neo4j ${neo.version} up at ${neo.uri} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return {
    name: "neo4j",
    uri: neo.uri,
    username: neo.username,
    password: neo.password,
    version: `Neo4j ${neo.version} ${neo.edition} (embedded)`,
    stop: neo.stop
  }
}

/** Real server only: the BenchPerson nodes the `nodes` workload reads. */
const prepareNeo4j = async (server: BenchServer, sizes: Sizes, workloads: ReadonlyArray<string>) => {
  if (!workloads.some((w) => w === "nodes" || w === "rss-nodes")) return
  const { default: neo4j } = await import("neo4j-driver")
  const driver = neo4j.driver(server.uri, neo4j.auth.basic(server.username, server.password), { disableLosslessIntegers: true })
  try {
    const { records } = await driver.executeQuery(Query.countNodes)
    const have = records[0]!.get("n") as number
    if (have >= sizes.nodes) return
    const started = Date.now()
    for (let from = have + 1; from <= sizes.nodes; from += Defaults.SETUP_BATCH) {
      await driver.executeQuery(Query.setupNodes, { from: neo4j.int(from), to: neo4j.int(Math.min(sizes.nodes, from + Defaults.SETUP_BATCH - 1)) })
    }
    log(`created ${sizes.nodes - have} BenchPerson nodes in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  } finally {
    await driver.close()
  }
}

const cleanNeo4jWrites = async (server: BenchServer) => {
  const { default: neo4j } = await import("neo4j-driver")
  const driver = neo4j.driver(server.uri, neo4j.auth.basic(server.username, server.password))
  const session = driver.session()
  try {
    await session.run(Query.dropWrites)
  } finally {
    await session.close()
    await driver.close()
  }
}

// ---------------------------------------------------------------------------------------------
// workers

/** The modules a worker needs besides `src/` (compiled for memory workers, see compile.ts). */
const WORKER_MODULES = ["worker", "drivers", "workloads", "queries", "ours", "official", "wrapped", "coldstart"].map((m) => `scripts/bench/${m}.ts`)
let compiled: Promise<CompiledCopy> | undefined
const compiledWorker = async (): Promise<string> => (await (compiled ??= compileCopy(ROOT, WORKER_MODULES))).worker
const compiledColdStart = async (): Promise<string> => join(dirname(await compiledWorker()), "coldstart.js")

const runWorker = <R>(config: WorkerConfig | Record<string, unknown>, nodeFlags: ReadonlyArray<string> = [], worker = WORKER): Promise<R> =>
  new Promise((done, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, worker, JSON.stringify(config)], {
      stdio: ["ignore", "pipe", "inherit"],
      cwd: ROOT
    })
    let result: R | undefined
    const lines = createInterface({ input: child.stdout })
    lines.on("line", (line) => {
      if (line.startsWith("BENCH_RESULT ")) result = JSON.parse(line.slice("BENCH_RESULT ".length)) as R
      else process.stderr.write(`  [worker] ${line}\n`)
    })
    child.once("error", reject)
    child.once("close", (code) => {
      if (code === 0 && result !== undefined) done(result)
      else reject(new Error(`worker for ${config.workload} (${config.mode}) exited with code ${code}`))
    })
  })

// ---------------------------------------------------------------------------------------------
// statistics and the table

interface Summary {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly samples: ReadonlyArray<number>
}

const summarize = (samples: ReadonlyArray<number>): Summary => {
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, samples }
}

type Unit = "ms" | "MB" | "conn/s" | "q/s" | "bytes" | "B/query"

interface Row {
  readonly server: ServerName | "none"
  readonly workload: string
  readonly description: string
  readonly unit: Unit
  /** whether a smaller value is better (times, memory, bytes) */
  readonly lowerIsBetter: boolean
  readonly sides: Partial<Record<Side, Summary>>
  /** how many times better ours is than the wrapped driver (> 1: ours better) */
  readonly ratio: number | undefined
  /** the same against bare neo4j-driver */
  readonly ratioOfficial: number | undefined
  /** ours / floor (how many floors ours costs) */
  readonly floorRatio: number | undefined
  readonly target: string | undefined
  readonly met: boolean | undefined
  readonly note?: string | undefined
  /** client CPU milliseconds per sample (time workloads) */
  readonly cpu?: Partial<Record<Side, Summary>> | undefined
}

const sig = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2))
const cell = (s: Summary | undefined): string =>
  s === undefined ? "" : s.samples.length > 1 ? `${sig(s.median)} (${sig(s.min)}-${sig(s.max)})` : sig(s.median)
const times = (x: number | undefined): string => (x === undefined ? "" : `${x.toFixed(2)}x`)

/** How many times better `ours` is than `other`, for a unit where lower or higher is better. */
const better = (ours: Summary | undefined, other: Summary | undefined, lowerIsBetter: boolean): number | undefined =>
  ours === undefined || other === undefined ? undefined : lowerIsBetter ? other.median / ours.median : ours.median / other.median

const cpuRatio = (r: Row, side: Side): number | undefined => better(r.cpu?.ours, r.cpu?.[side], true)

const renderTable = (rows: ReadonlyArray<Row>): string => {
  const header = ["server", "workload", "unit", "ours", "wrapped", "neo4j-driver", "floor", "vs wrapped", "vs driver", "ours/floor", "cpu vs wrapped", "target"]
  const body = rows.map((r) => [
    r.server,
    r.description,
    r.unit,
    cell(r.sides.ours),
    cell(r.sides.wrapped),
    cell(r.sides.official),
    cell(r.sides.floor),
    times(r.ratio),
    times(r.ratioOfficial),
    times(r.floorRatio),
    times(cpuRatio(r, "wrapped")),
    r.target === undefined ? "" : `${r.target} ${r.met ? "met" : "MISSED"}`
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
  const notes = rows.filter((r) => r.note !== undefined).map((r) => `- ${r.server} ${r.workload}: ${r.note}`)
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line), "", ...notes].join("\n")
}

const log = (message: string) => process.stderr.write(`${message}\n`)

const packageVersion = (name: string): string => {
  try {
    return (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version
  } catch {
    return "unknown"
  }
}

/** The commit, and whether `src/` differs from it (other work in progress is measured too). */
const gitRevision = (): string => {
  const git = (...args: Array<string>) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim()
  try {
    const dirty = git("status", "--porcelain", "--", "src").length > 0
    return `${git("rev-parse", "--short=12", "HEAD")}${dirty ? " + uncommitted src/ changes" : ""}`
  } catch {
    return "unknown"
  }
}

// ---------------------------------------------------------------------------------------------
// running

const baseConfig = (server: BenchServer, options: Options) => ({
  uri: server.uri,
  tlsUri: server.tlsUri,
  clusterUri: server.cluster?.uri,
  clusterControl: server.cluster?.control,
  username: server.username,
  password: server.password,
  fetchSize: Defaults.FETCH_SIZE,
  officialStream: options.officialStream,
  replay: server.name === "replay"
})

const SIDES: ReadonlyArray<Side> = ["ours", "wrapped", "official", "floor"]
const summarizeSides = (values: Partial<Record<Side, ReadonlyArray<number>>>): Partial<Record<Side, Summary>> =>
  Object.fromEntries(SIDES.filter((side) => values[side] !== undefined && values[side]!.length > 0).map((side) => [side, summarize(values[side]!)]))

/** A row from per-side samples: ratios against the wrapped and the bare driver, and the floor. */
const makeRow = (
  base: { server: ServerName | "none"; workload: string; description: string; unit: Unit; lowerIsBetter: boolean; note?: string | undefined },
  sides: Partial<Record<Side, Summary>>,
  target: { text: string; met: boolean } | undefined,
  cpu?: Partial<Record<Side, Summary>>
): Row => ({
  ...base,
  sides,
  ratio: better(sides.ours, sides.wrapped, base.lowerIsBetter),
  ratioOfficial: better(sides.ours, sides.official, base.lowerIsBetter),
  floorRatio: sides.floor === undefined || sides.ours === undefined
    ? undefined
    : base.lowerIsBetter
    ? sides.ours.median / sides.floor.median
    : sides.floor.median / sides.ours.median,
  target: target?.text,
  met: target?.met,
  cpu
})

const checkChecksums = (name: string, outcomes: TimeResult["outcomes"]) => {
  const reference = outcomes.ours ?? outcomes.official
  for (const side of SIDES) {
    const o = outcomes[side]
    if (o === undefined || reference === undefined) continue
    if (Math.abs(o.checksum - reference.checksum) > 1e-9 * Math.max(1, Math.abs(reference.checksum))) {
      log(`  warning: ${name} checksums differ (ours ${reference.checksum}, ${side} ${o.checksum})`)
    }
  }
}

const timeTarget = (server: BenchServer, name: string, ratio: number | undefined, floorRatio: number | undefined) => {
  const vs = server.name === "replay" ? REPLAY_TARGETS[name] : NEO4J_TARGET
  const floor = server.name === "replay" ? FLOOR_TARGETS[name] : undefined
  if (vs === undefined && floor === undefined) return undefined
  const parts: Array<string> = []
  let met = true
  if (vs !== undefined) {
    parts.push(`>= ${vs}x wrapped`)
    met &&= ratio !== undefined && ratio >= vs
  }
  if (floor !== undefined) {
    parts.push(`<= ${floor}x floor`)
    met &&= floorRatio !== undefined && floorRatio <= floor
  }
  return { text: parts.join(", "), met }
}

const timeRow = async (server: BenchServer, options: Options, name: string): Promise<Array<Row>> => {
  const w = WORKLOADS.find((x) => x.name === name)
  const extra = EXTRA_WORKLOADS[name]
  const size = w !== undefined ? w.size(options.sizes) : extra!.size(options.sizes, options.quick)
  const result = await runWorker<TimeResult>({
    ...baseConfig(server, options),
    mode: "time",
    workload: name,
    size,
    warmup: options.warmup,
    reps: options.reps
  }, ["--expose-gc"])
  checkChecksums(name, result.outcomes)
  const samples = summarizeSides(result.samples)
  const cpu = summarizeSides(result.cpu)
  const description = w !== undefined ? `(${w.item}) ${w.describe(size)}` : extra!.describe(size)
  const base = { server: server.name, workload: name, description }
  if (name.startsWith("connect")) {
    // Connections per second: higher is better.
    const perSecond = Object.fromEntries(Object.entries(result.samples).map(([side, ms]) => [side, ms.map((x) => (size * 1000) / x)]))
    return [makeRow({ ...base, unit: "conn/s", lowerIsBetter: false }, summarizeSides(perSecond), undefined, cpu)]
  }
  if (name === "scale") return scaleRows(base, size, result, cpu)
  const note = name === "routed" ? spreadNote(result) : undefined
  const row = makeRow({ ...base, unit: "ms", lowerIsBetter: true, note }, samples, undefined, cpu)
  const target = extra === undefined ? timeTarget(server, name, row.ratio, row.floorRatio) : undefined
  return [{ ...row, target: target?.text, met: target?.met }]
}

const medianOf = (xs: ReadonlyArray<number> | undefined): number | undefined => (xs === undefined ? undefined : summarize(xs).median)

const spreadNote = (result: TimeResult): string =>
  "share of RUNs per server (writer, reader, reader): " +
  (["ours", "wrapped", "official"] as const).map((side) => {
    const extras = result.extras[side] ?? {}
    const shares = Object.keys(extras).sort().map((key) => `${((medianOf(extras[key]) ?? 0) * 100).toFixed(0)}%`)
    return `${side} ${shares.join("/")}`
  }).join("; ")

const scaleRows = (
  base: { server: ServerName; workload: string; description: string },
  size: number,
  result: TimeResult,
  cpu: Partial<Record<Side, Summary>>
): Array<Row> => {
  const derived = (f: (ms: number) => number) =>
    summarizeSides(Object.fromEntries(Object.entries(result.samples).map(([side, ms]) => [side, ms.map(f)])))
  const extra = (key: string) =>
    summarizeSides(Object.fromEntries(Object.entries(result.extras).map(([side, extras]) => [side, extras[key] ?? []])))
  const after = summarizeSides(Object.fromEntries(
    Object.entries(result.after).map(([side, extras]) => [side, extras.bytesPerWaitingQuery === undefined ? [] : [extras.bytesPerWaitingQuery]])
  ))
  return [
    makeRow({ ...base, workload: "scale-throughput", description: `${base.description}: throughput`, unit: "q/s", lowerIsBetter: false },
      derived((ms) => (size * 1000) / ms), undefined, cpu),
    makeRow({ ...base, workload: "scale-p50", description: `${base.description}: p50 latency`, unit: "ms", lowerIsBetter: true }, extra("p50Ms"), undefined),
    makeRow({ ...base, workload: "scale-p99", description: `${base.description}: p99 latency`, unit: "ms", lowerIsBetter: true }, extra("p99Ms"), undefined),
    makeRow({
      ...base,
      workload: "scale-waiting",
      description: `heap per query waiting for a connection (${size.toLocaleString("en-US")} waiting, pool held)`,
      unit: "B/query",
      lowerIsBetter: true
    }, after, undefined)
  ]
}

const MEMORY_SIDES: ReadonlyArray<Side> = ["ours", "wrapped", "official"]

const memoryRow = async (server: BenchServer, options: Options, name: string): Promise<Row> => {
  const streamName = name.slice("rss-".length)
  const w = WORKLOADS.find((x) => x.name === streamName)!
  const size = w.size(options.sizes)
  const results: Partial<Record<Side, Array<MemoryResult>>> = {}
  for (let i = 0; i < options.memReps; i++) {
    const order = MEMORY_SIDES.map((_, k) => MEMORY_SIDES[(k + i) % MEMORY_SIDES.length]!)
    for (const side of order) {
      ;(results[side] ??= []).push(
        await runWorker<MemoryResult>({
          ...baseConfig(server, options),
          mode: "memory",
          workload: streamName,
          size,
          warmup: 0,
          reps: 1,
          driver: side
        }, [], await compiledWorker())
      )
    }
  }
  const sides = summarizeSides(Object.fromEntries(Object.entries(results).map(([side, rs]) => [side, rs.map((r) => r.peakRssMb)])))
  const growth = (side: Side) => Math.max(...(results[side] ?? []).map((r) => r.lateGrowthMb))
  const flat = growth("ours") <= FLAT_GROWTH_MB
  const baseline = (side: Side) => summarize((results[side] ?? []).map((r) => r.baselineRssMb)).median.toFixed(0)
  const note = `connected: ${MEMORY_SIDES.map((side) => `${side} ${baseline(side)} MB`).join(", ")}; late growth ` +
    `${MEMORY_SIDES.map((side) => `${side} ${growth(side).toFixed(1)} MB`).join(", ")}${flat ? "" : ", NOT FLAT"}`
  const row = makeRow({ server: server.name, workload: name, description: `(f) peak RSS, ${w.describe(size)}`, unit: "MB", lowerIsBetter: true, note }, sides, undefined)
  const target = server.name === "replay" ? REPLAY_TARGETS[name] : NEO4J_TARGET
  return {
    ...row,
    target: target === undefined ? undefined : `>= ${target}x wrapped`,
    met: target === undefined ? undefined : (row.ratio ?? 0) >= target && (server.name === "replay" || flat)
  }
}

/** Cold start: a fresh process per sample and side, rotating the sides. */
const coldStartRow = async (server: BenchServer, options: Options): Promise<Row> => {
  const script = await compiledColdStart()
  const inProcess: Partial<Record<Side, Array<number>>> = {}
  const wall: Partial<Record<Side, Array<number>>> = {}
  for (let i = 0; i < options.reps; i++) {
    const order = MEMORY_SIDES.map((_, k) => MEMORY_SIDES[(k + i) % MEMORY_SIDES.length]!)
    for (const side of order) {
      const started = performance.now()
      const result = await runWorker<{ ms: number }>({ uri: server.uri, username: server.username, password: server.password, driver: side, workload: "coldstart", mode: "cold" }, [], script)
      ;(wall[side] ??= []).push(performance.now() - started)
      ;(inProcess[side] ??= []).push(result.ms)
    }
  }
  const wallSides = summarizeSides(wall)
  const note = `whole process (node start to exit): ${MEMORY_SIDES.map((side) => `${side} ${sig(wallSides[side]!.median)} ms`).join(", ")}`
  const row = makeRow({
    server: server.name,
    workload: "coldstart",
    description: "cold start: import to first row of RETURN 1, fresh process",
    unit: "ms",
    lowerIsBetter: true,
    note
  }, summarizeSides(inProcess), undefined)
  return { ...row, target: `<= neo4j-driver`, met: (row.ratioOfficial ?? 0) >= STARTUP_TARGET }
}

/** Bundle bytes of the minimal programs of `bundle/`, esbuild, minified, tree-shaken. */
const bundleRow = async (): Promise<Row> => {
  const { build, version } = await import("esbuild")
  const bytes: Partial<Record<Side, Array<number>>> = {}
  const gzip: Array<string> = []
  for (const side of MEMORY_SIDES) {
    const result = await build({
      entryPoints: [join(HERE, "bundle", `${side}.ts`)],
      bundle: true,
      minify: true,
      treeShaking: true,
      platform: "node",
      format: "esm",
      target: "node22",
      write: false,
      logLevel: "warning"
    })
    const output = result.outputFiles[0]!.contents
    bytes[side] = [output.length]
    gzip.push(`${side} ${gzipSync(output).length.toLocaleString("en-US")}`)
  }
  const row = makeRow({
    server: "none",
    workload: "bundle",
    description: `bundle of a minimal program (esbuild ${version}, minified, tree-shaken, node ESM)`,
    unit: "bytes",
    lowerIsBetter: true,
    note: `gzipped bytes: ${gzip.join(", ")}`
  }, summarizeSides(bytes), undefined)
  return { ...row, target: `<= neo4j-driver`, met: (row.ratioOfficial ?? 0) >= STARTUP_TARGET }
}

const rowsFor = async (server: BenchServer, options: Options, name: string): Promise<Array<Row>> => {
  if (name.startsWith("rss-")) return [await memoryRow(server, options, name)]
  if (name === "coldstart") return [await coldStartRow(server, options)]
  return timeRow(server, options, name)
}

/** Whether `name` runs on `server` (TLS, the stub cluster and the scale run exist on the replay server only). */
const runsOn = (server: BenchServer, name: string): boolean => {
  if (name === "bundle") return false
  const extra = EXTRA_WORKLOADS[name]
  return extra === undefined || server.name === "replay" || !extra.replayOnly
}

const runServer = async (server: BenchServer, options: Options, rows: Array<Row>, errors: Array<string>) => {
  if (server.name === "neo4j") await prepareNeo4j(server, options.sizes, options.workloads)
  for (const name of options.workloads.filter((n) => runsOn(server, n))) {
    const started = Date.now()
    try {
      for (const row of await rowsFor(server, options, name)) {
        rows.push(row)
        log(
          `${server.name} ${row.workload}: ${MEMORY_SIDES.map((side) => `${side} ${row.sides[side] === undefined ? "-" : sig(row.sides[side]!.median)}`).join(", ")}` +
            `${row.sides.floor === undefined ? "" : `, floor ${sig(row.sides.floor.median)}`} ${row.unit}; vs wrapped ${times(row.ratio)}` +
            ` (${((Date.now() - started) / 1000).toFixed(1)} s)`
        )
      }
    } catch (error) {
      errors.push(`${server.name} ${name}: ${error instanceof Error ? error.message : String(error)}`)
      log(`${server.name} ${name}: FAILED ${error instanceof Error ? error.message : String(error)}`)
    }
    if (server.name === "neo4j" && name === "writes") await cleanNeo4jWrites(server)
  }
}

const profileServer = async (server: BenchServer, options: Options, dir: string) => {
  await mkdir(dir, { recursive: true })
  for (const name of options.workloads.filter((n) => !n.startsWith("rss-"))) {
    const w = WORKLOADS.find((x) => x.name === name)!
    const file = join(dir, `${server.name}-${name}-${options.profileSide}.cpuprofile`)
    await runWorker<TimeResult>({
      ...baseConfig(server, options),
      mode: "time",
      workload: name,
      size: w.size(options.sizes),
      warmup: options.warmup,
      reps: options.reps,
      driver: options.profileSide,
      profile: file
    }, ["--expose-gc"])
    const profile = JSON.parse(await readFile(file, "utf8"))
    console.log(`\n${server.name} ${name}: ${options.profileSide === "ours" ? "effect-neo4j" : "neo4j-driver"} alone, timed samples only (${file})`)
    for (const line of summarizeProfile(profile, ROOT, Defaults.PROFILE_TOP)) console.log(`  ${line}`)
  }
}

const main = async (): Promise<void> => {
  const options = parseArgs(process.argv.slice(2))
  const rows: Array<Row> = []
  const errors: Array<string> = []
  const servers: Array<{ name: ServerName; version: string }> = []
  try {
    for (const name of options.servers) {
      log(`starting ${name} server...`)
      let server: BenchServer
      try {
        server = name === "replay" ? await startReplay(options.sizes) : await startRealNeo4j()
      } catch (error) {
        errors.push(`${name} server did not start: ${error instanceof Error ? error.message : String(error)}`)
        log(errors[errors.length - 1]!)
        continue
      }
      servers.push({ name, version: server.version })
      try {
        if (options.profile !== undefined) await profileServer(server, options, resolve(options.profile))
        else await runServer(server, options, rows, errors)
      } finally {
        await server.stop()
      }
    }
  } finally {
    if (compiled !== undefined) await (await compiled).remove()
  }
  if (options.profile !== undefined) return
  if (options.workloads.includes("bundle")) {
    try {
      rows.push(await bundleRow())
    } catch (error) {
      errors.push(`bundle: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  const meta = {
    node: process.version,
    cpu: `${cpus()[0]?.model ?? "unknown"} x${cpus().length}`,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
    versions: {
      "effect-neo4j": `${JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version} (${gitRevision()})`,
      "neo4j-driver": packageVersion("neo4j-driver"),
      effect: packageVersion("effect"),
      servers: Object.fromEntries(servers.map((s) => [s.name, s.version]))
    },
    settings: {
      quick: options.quick,
      reps: options.reps,
      warmup: options.warmup,
      memReps: options.memReps,
      fetchSize: Defaults.FETCH_SIZE,
      officialStream: options.officialStream,
      officialConfig: "disableLosslessIntegers: true"
    },
    date: new Date().toISOString()
  }
  console.log(`\neffect-neo4j vs neo4j-driver — ${meta.date}`)
  console.log(`node ${meta.node}, ${meta.cpu}, ${meta.memoryGb} GB; effect ${meta.versions.effect}, neo4j-driver ${meta.versions["neo4j-driver"]}, effect-neo4j ${meta.versions["effect-neo4j"]}`)
  for (const s of servers) console.log(`${s.name}: ${s.version}`)
  console.log(`medians of ${options.reps} samples after ${options.warmup} warm-up(s) per side (memory and cold start: ${options.memReps} and ${options.reps} fresh processes per side); ` +
    `"vs wrapped" / "vs driver": how many times better ours is than neo4j-driver inside Effect / bare neo4j-driver (> 1: ours better); ` +
    `ours/floor: ours over the protocol floor (no driver); cpu vs wrapped: the same ratio for the client process's CPU time\n`)
  console.log(renderTable(rows))
  if (errors.length > 0) {
    console.log(`\nfailed:\n${errors.map((e) => `  ${e}`).join("\n")}`)
    process.exitCode = 1
  }
  if (options.json !== undefined) {
    const file = resolve(options.json)
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, JSON.stringify({
      meta,
      results: rows.map((r) => ({
        server: r.server,
        workload: r.workload,
        description: r.description,
        unit: r.unit,
        lowerIsBetter: r.lowerIsBetter,
        ...Object.fromEntries(Object.entries(r.sides).map(([side, summary]) => [side, summary.median])),
        ratio: r.ratio === undefined ? undefined : Number(r.ratio.toFixed(3)),
        ratioOfficial: r.ratioOfficial === undefined ? undefined : Number(r.ratioOfficial.toFixed(3)),
        floorRatio: r.floorRatio === undefined ? undefined : Number(r.floorRatio.toFixed(3)),
        ranges: Object.fromEntries(Object.entries(r.sides).map(([side, summary]) => [side, [summary.min, summary.max]])),
        samples: Object.fromEntries(Object.entries(r.sides).map(([side, summary]) => [side, summary.samples])),
        target: r.target,
        met: r.met,
        note: r.note,
        ...(r.cpu === undefined ? {} : { cpuMs: Object.fromEntries(Object.entries(r.cpu).map(([side, summary]) => [side, summary.median])) })
      })),
      errors
    }, null, 2) + "\n")
    log(`wrote ${file}`)
  }
}

await main()
