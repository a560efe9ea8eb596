/**
 * One benchmark process, started by `run.ts` with a JSON config as its only argument; prints one
 * `BENCH_RESULT <json>` line.
 *
 * - `time`: both drivers in this process, warm-ups first, then timed samples alternating the two
 *   sides (the side that goes first alternates too), with a full GC before each sample
 *   (`--expose-gc`) so one side's garbage is not collected on the other's clock.
 * - `memory`: only the driver under test is loaded; one streaming run; peak RSS is the kernel's
 *   high-water mark (`getrusage` maxRSS), and RSS is sampled every 10,000 rows to see whether it
 *   stays flat.
 *
 * @since 0.1.0
 */
import { performance } from "node:perf_hooks"
import type { Driver as OfficialDriver } from "neo4j-driver"
import { type Context, CONCURRENCY, type Outcome, workload, type Workload } from "./workloads.ts"

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
  readonly username: string
  readonly password: string
  readonly fetchSize: number
  readonly warmup: number
  readonly reps: number
  readonly driver?: Side | undefined
  readonly officialStream: "observer" | "iterator"
  /** time mode: write a CPU profile of the timed samples (warm-ups excluded) to this file */
  readonly profile?: string | undefined
}

/**
 * A side of the comparison.
 *
 * @since 0.1.0
 * @category models
 */
export type Side = "ours" | "official"

/**
 * A `time` worker's answer: milliseconds of each timed sample per side.
 *
 * @since 0.1.0
 * @category models
 */
export interface TimeResult {
  readonly mode: "time"
  readonly ours: Array<number>
  readonly official: Array<number>
  /** this process's CPU time (user + system) of each sample, milliseconds */
  readonly cpu: { readonly ours: Array<number>; readonly official: Array<number> }
  readonly outcomes: { readonly ours: Outcome; readonly official: Outcome }
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

const MB = 1024 * 1024
const KB_PER_MB = 1024
const MICROS_PER_MS = 1000
/** `--cpu-prof`'s default sampling interval */
const PROFILE_INTERVAL_MICROS = 1000

interface Sides {
  readonly ours?: (ctx: Context) => Promise<Outcome>
  readonly official?: (ctx: Context) => Promise<Outcome>
  readonly close: () => Promise<void>
}

// Each side's modules are imported only when that side runs: a memory worker holds one driver.
const openOurs = async (config: WorkerConfig, w: Workload) => {
  // By module path, as in ours.ts: the `effect` index would load every module of the package.
  const Effect = await import("effect/Effect")
  const Exit = await import("effect/Exit")
  const Scope = await import("effect/Scope")
  const Neo4j = await import("../../src/Neo4j.ts")
  const { ours } = await import("./ours.ts")
  const scope = await Effect.runPromise(Scope.make())
  const driver = await Effect.runPromise(
    Neo4j.make({
      uri: config.uri,
      username: config.username,
      password: config.password,
      fetchSize: config.fetchSize,
      maxConnectionPoolSize: CONCURRENCY
    }).pipe(Scope.provide(scope))
  )
  await Effect.runPromise(driver.verifyConnectivity())
  return {
    run: (ctx: Context) => ours[w.name](driver, ctx),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

const openOfficial = async (config: WorkerConfig, w: Workload) => {
  const { default: neo4j } = await import("neo4j-driver")
  const { official } = await import("./official.ts")
  const driver: OfficialDriver = neo4j.driver(config.uri, neo4j.auth.basic(config.username, config.password), {
    fetchSize: config.fetchSize,
    maxConnectionPoolSize: CONCURRENCY,
    // Integers as JS numbers, as effect-neo4j returns them: the like-for-like setting.
    disableLosslessIntegers: true
  })
  await driver.verifyConnectivity()
  return { run: (ctx: Context) => official[w.name](driver, ctx), close: () => driver.close() }
}

const open = async (config: WorkerConfig, w: Workload, which: ReadonlyArray<Side>): Promise<Sides> => {
  const ours = which.includes("ours") ? await openOurs(config, w) : undefined
  const official = which.includes("official") ? await openOfficial(config, w) : undefined
  return {
    ...(ours === undefined ? {} : { ours: ours.run }),
    ...(official === undefined ? {} : { official: official.run }),
    close: async () => {
      await ours?.close()
      await official?.close()
    }
  }
}

const check = (w: Workload, config: WorkerConfig, side: Side, outcome: Outcome): Outcome => {
  if (outcome.count !== config.size) {
    throw new Error(`${w.name} (${side}): ${outcome.count} rows/operations, expected ${config.size}`)
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

const timeWorkload = async (config: WorkerConfig, w: Workload): Promise<TimeResult> => {
  // `driver` set: that side alone (profiling runs).
  const which: ReadonlyArray<Side> = config.driver === undefined ? ["ours", "official"] : [config.driver]
  const sides = await open(config, w, which)
  const ctx: Context = { size: config.size, officialStream: config.officialStream }
  const samples: Record<Side, Array<number>> = { ours: [], official: [] }
  const cpu: Record<Side, Array<number>> = { ours: [], official: [] }
  const outcomes: Partial<Record<Side, Outcome>> = {}
  const once = async (side: Side, timed: boolean) => {
    if (config.profile === undefined) collect()
    const cpuStart = process.cpuUsage()
    const start = performance.now()
    const outcome = await sides[side]!(ctx)
    const elapsed = performance.now() - start
    const used = process.cpuUsage(cpuStart)
    outcomes[side] = check(w, config, side, outcome)
    if (timed) {
      samples[side].push(elapsed)
      cpu[side].push((used.user + used.system) / MICROS_PER_MS)
    }
  }
  try {
    for (let i = 0; i < config.warmup; i++) {
      for (const side of which) await once(side, false)
    }
    const profiler = config.profile === undefined ? undefined : await startProfiler()
    for (let i = 0; i < config.reps; i++) {
      const order = i % 2 === 0 ? which : [...which].reverse()
      for (const side of order) await once(side, true)
    }
    if (profiler !== undefined) await profiler.stop(config.profile!)
  } finally {
    await sides.close()
  }
  return { mode: "time", ...samples, cpu, outcomes: { ours: outcomes.ours!, official: outcomes.official ?? outcomes.ours! } }
}

const memoryWorkload = async (config: WorkerConfig, w: Workload): Promise<MemoryResult> => {
  const side = config.driver ?? "ours"
  const rss = () => process.memoryUsage.rss() / MB
  const startRssMb = rss()
  const sides = await open(config, w, [side])
  const samples: Array<readonly [number, number]> = []
  const baselineRssMb = rss()
  const ctx: Context = {
    size: config.size,
    officialStream: config.officialStream,
    onProgress: (rows) => samples.push([rows, rss()])
  }
  let outcome: Outcome
  try {
    outcome = check(w, config, side, await sides[side]!(ctx))
  } finally {
    await sides.close()
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
    outcome
  }
}

const main = async (): Promise<void> => {
  const config = JSON.parse(process.argv[2] ?? "{}") as WorkerConfig
  const w = workload(config.workload)
  const result = config.mode === "time" ? await timeWorkload(config, w) : await memoryWorkload(config, w)
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`)
}

await main()
