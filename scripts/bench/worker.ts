/**
 * One benchmark process, started by `run.ts` with a JSON config as its only argument; prints one
 * `BENCH_RESULT <json>` line.
 *
 * - `time`: every side in this process (effect-neo4j, neo4j-driver wrapped in Effect, bare
 *   neo4j-driver, and for `seq` / `concurrent` the protocol floor), warm-ups first, then timed
 *   samples rotating the sides (which one goes first rotates too), with a full GC before each
 *   sample (`--expose-gc`) so one side's garbage is not collected on another's clock. The same mode
 *   runs the start-up and scale workloads of `extras.ts` (`connect`, `connect-tls`, `scale`,
 *   `routed`).
 * - `memory`: only the driver under test is loaded; one streaming run; peak RSS is the kernel's
 *   high-water mark (`getrusage` maxRSS), and RSS is sampled every 10,000 rows to see whether it
 *   stays flat. effect-neo4j and the wrapped driver are built through a `Layer` and streamed with
 *   `Stream`, as an Effect application does.
 *
 * @since 0.1.0
 */
import { performance } from "node:perf_hooks"
import { driverSettings, openOfficialDriver, openOursDriver, openWrappedDriver } from "./drivers.ts"
import { type Context, CONCURRENCY, type Outcome, workload } from "./workloads.ts"

/**
 * What `run.ts` passes to a worker.
 *
 * @since 0.1.0
 * @category models
 */
export interface WorkerConfig {
  readonly mode: "time" | "memory"
  readonly workload: string
  readonly size: number
  readonly uri: string
  /** `bolt+ssc://` address of the same server (connect-tls) */
  readonly tlsUri?: string | undefined
  /** `neo4j://` address of the stub cluster's router, and its control port (routed) */
  readonly clusterUri?: string | undefined
  readonly clusterControl?: number | undefined
  readonly username: string
  readonly password: string
  readonly fetchSize: number
  readonly warmup: number
  readonly reps: number
  /** memory: the side measured; time: run this side alone (profiling) */
  readonly driver?: Side | undefined
  readonly officialStream: "observer" | "iterator"
  /** whether the floor may send the replay server's bookmark (false on a real server) */
  readonly replay: boolean
  /** time mode: write a CPU profile of the timed samples (warm-ups excluded) to this file */
  readonly profile?: string | undefined
}

/**
 * A side of the comparison: effect-neo4j, neo4j-driver wrapped in Effect, bare neo4j-driver, and
 * the protocol floor (no driver).
 *
 * @since 0.1.0
 * @category models
 */
export type Side = "ours" | "wrapped" | "official" | "floor"

/**
 * The drivers (every side but the floor).
 *
 * @since 0.1.0
 * @category constants
 */
export const DRIVER_SIDES: ReadonlyArray<Side> = ["ours", "wrapped", "official"]

/**
 * What one run of a side measured besides its time: latency percentiles (scale), the share of
 * queries each server got (routed), bytes per waiting query (scale).
 *
 * @since 0.1.0
 * @category models
 */
export type Extras = Readonly<Record<string, number>>

/**
 * One run of a side.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunOutcome extends Outcome {
  readonly extras?: Extras | undefined
}

/**
 * A `time` worker's answer: milliseconds of each timed sample per side.
 *
 * @since 0.1.0
 * @category models
 */
export interface TimeResult {
  readonly mode: "time"
  readonly samples: Partial<Record<Side, Array<number>>>
  /** this process's CPU time (user + system) of each sample, milliseconds */
  readonly cpu: Partial<Record<Side, Array<number>>>
  /** per side, each extra's value in each timed sample */
  readonly extras: Partial<Record<Side, Record<string, Array<number>>>>
  /** per side, measured once after the samples (scale: bytes per waiting query) */
  readonly after: Partial<Record<Side, Extras>>
  readonly outcomes: Partial<Record<Side, Outcome>>
}

/**
 * A `memory` worker's answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryResult {
  readonly mode: "memory"
  readonly side: Side
  readonly peakRssMb: number
  /** RSS before the driver's modules are loaded */
  readonly startRssMb: number
  /** RSS once the driver is loaded and connected, before the stream starts */
  readonly baselineRssMb: number
  /** max RSS in the second half of the stream minus max RSS in the first half */
  readonly lateGrowthMb: number
  readonly samples: ReadonlyArray<readonly [rows: number, rssMb: number]>
  readonly outcome: Outcome
}

/**
 * A side ready to run: the sample, and optionally a measurement taken once after the samples.
 *
 * @since 0.1.0
 * @category models
 */
export interface OpenSide {
  readonly run: (ctx: Context) => Promise<RunOutcome>
  readonly after?: (() => Promise<Extras>) | undefined
  readonly close: () => Promise<void>
}

const MB = 1024 * 1024
const KB_PER_MB = 1024
const MICROS_PER_MS = 1000
/** `--cpu-prof`'s default sampling interval */
const PROFILE_INTERVAL_MICROS = 1000

const openWorkloadSide = async (config: WorkerConfig, side: Side): Promise<OpenSide | undefined> => {
  const w = workload(config.workload)
  const s = driverSettings(config)
  switch (side) {
    case "ours": {
      const { ours } = await import("./ours.ts")
      const { driver, close } = await openOursDriver(s)
      return { run: (ctx) => ours[w.name](driver, ctx), close }
    }
    case "wrapped": {
      const { wrapped } = await import("./wrapped.ts")
      const { driver, close } = await openWrappedDriver(s)
      return { run: (ctx) => wrapped[w.name](driver, ctx), close }
    }
    case "official": {
      const { official } = await import("./official.ts")
      const { driver, close } = await openOfficialDriver(s)
      return { run: (ctx) => official[w.name](driver, ctx), close }
    }
    case "floor": {
      if (w.name !== "seq" && w.name !== "concurrent") return undefined
      const { floorConcurrent, floorSeq, openFloor } = await import("./floor.ts")
      const floor = await openFloor(config.uri, config, CONCURRENCY, config.replay)
      return { run: (ctx) => (w.name === "seq" ? floorSeq : floorConcurrent)(floor, ctx.size), close: floor.close }
    }
  }
}

const openSide = async (config: WorkerConfig, side: Side): Promise<OpenSide | undefined> => {
  const { EXTRA_WORKLOADS, openExtraSide } = await import("./extras.ts")
  return config.workload in EXTRA_WORKLOADS ? openExtraSide(config, side) : openWorkloadSide(config, side)
}

const check = (config: WorkerConfig, side: Side, outcome: RunOutcome): RunOutcome => {
  if (outcome.count !== config.size) {
    throw new Error(`${config.workload} (${side}): ${outcome.count} rows/operations, expected ${config.size}`)
  }
  return outcome
}

/** The inspector's sampling profiler (what `--cpu-prof` uses), around the timed samples only. */
const startProfiler = async () => {
  const { Session } = await import("node:inspector/promises")
  const { writeFile } = await import("node:fs/promises")
  const session = new Session()
  session.connect()
  await session.post("Profiler.enable")
  await session.post("Profiler.setSamplingInterval", { interval: PROFILE_INTERVAL_MICROS })
  await session.post("Profiler.start")
  return {
    stop: async (file: string) => {
      const { profile } = await session.post("Profiler.stop")
      await writeFile(file, JSON.stringify(profile))
      session.disconnect()
    }
  }
}

const collect = (globalThis as { gc?: () => void }).gc ?? (() => {})

const timeWorkload = async (config: WorkerConfig): Promise<TimeResult> => {
  // `driver` set: that side alone (profiling runs).
  const wanted: ReadonlyArray<Side> = config.driver === undefined ? [...DRIVER_SIDES, "floor"] : [config.driver]
  const sides = new Map<Side, OpenSide>()
  const ctx: Context = { size: config.size, officialStream: config.officialStream }
  const samples: Partial<Record<Side, Array<number>>> = {}
  const cpu: Partial<Record<Side, Array<number>>> = {}
  const extras: Partial<Record<Side, Record<string, Array<number>>>> = {}
  const after: Partial<Record<Side, Extras>> = {}
  const outcomes: Partial<Record<Side, Outcome>> = {}
  const once = async (side: Side, timed: boolean) => {
    if (config.profile === undefined) collect()
    const cpuStart = process.cpuUsage()
    const start = performance.now()
    const outcome = await sides.get(side)!.run(ctx)
    const elapsed = performance.now() - start
    const used = process.cpuUsage(cpuStart)
    outcomes[side] = { count: outcome.count, checksum: outcome.checksum }
    check(config, side, outcome)
    if (timed) {
      ;(samples[side] ??= []).push(elapsed)
      ;(cpu[side] ??= []).push((used.user + used.system) / MICROS_PER_MS)
      for (const [key, value] of Object.entries(outcome.extras ?? {})) ((extras[side] ??= {})[key] ??= []).push(value)
    }
  }
  try {
    for (const side of wanted) {
      const opened = await openSide(config, side)
      if (opened !== undefined) sides.set(side, opened)
    }
    const which = [...sides.keys()]
    for (let i = 0; i < config.warmup; i++) {
      for (const side of which) await once(side, false)
    }
    const profiler = config.profile === undefined ? undefined : await startProfiler()
    for (let i = 0; i < config.reps; i++) {
      // Rotate the order so each side goes first as often as the others.
      const order = which.map((_, k) => which[(k + i) % which.length]!)
      for (const side of order) await once(side, true)
    }
    if (profiler !== undefined) await profiler.stop(config.profile!)
    for (const [side, opened] of sides) if (opened.after !== undefined) after[side] = await opened.after()
  } finally {
    for (const opened of sides.values()) await opened.close()
  }
  return { mode: "time", samples, cpu, extras, after, outcomes }
}

const memoryWorkload = async (config: WorkerConfig): Promise<MemoryResult> => {
  const side = config.driver ?? "ours"
  const rss = () => process.memoryUsage.rss() / MB
  const startRssMb = rss()
  const opened = await openWorkloadSide(config, side)
  if (opened === undefined) throw new Error(`no memory run for ${side}`)
  const samples: Array<readonly [number, number]> = []
  const baselineRssMb = rss()
  const ctx: Context = {
    size: config.size,
    officialStream: config.officialStream,
    onProgress: (rows) => samples.push([rows, rss()])
  }
  let outcome: Outcome
  try {
    outcome = check(config, side, await opened.run(ctx))
  } finally {
    await opened.close()
  }
  const half = config.size / 2
  const maxOf = (xs: ReadonlyArray<readonly [number, number]>) => xs.reduce((m, [, v]) => Math.max(m, v), 0)
  const early = samples.filter(([rows]) => rows <= half)
  const late = samples.filter(([rows]) => rows > half)
  return {
    mode: "memory",
    side,
    peakRssMb: process.resourceUsage().maxRSS / KB_PER_MB,
    startRssMb,
    baselineRssMb,
    lateGrowthMb: early.length === 0 || late.length === 0 ? 0 : maxOf(late) - maxOf(early),
    samples,
    outcome: { count: outcome.count, checksum: outcome.checksum }
  }
}

const main = async (): Promise<void> => {
  const config = JSON.parse(process.argv[2] ?? "{}") as WorkerConfig
  const result = config.mode === "time" ? await timeWorkload(config) : await memoryWorkload(config)
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`)
}

if (process.argv[1] !== undefined && /worker\.[jt]s$/.test(process.argv[1])) await main()
