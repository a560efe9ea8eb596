/**
 * Client CPU per query of workloads (a) `seq` and (b) `concurrent` on the replay server, for
 * effect-neo4j and the protocol floor in the same process, alternating: the figure to compare
 * before and after a change to the per-query path. Wall time on a 2-vCPU machine moves with the
 * server's scheduling and the wake-ups; the client's own CPU time per query (`process.cpuUsage`,
 * user + system) moves far less, and the difference `ours - floor` is what the driver costs.
 *
 *   node --expose-gc scripts/bench/cpu-per-query.ts [--rounds N] [--seq N] [--concurrent N]
 *     [--workloads seq,concurrent] [--sides ours,floor,effect]
 *
 * The `effect` side is the floor's own round trips, each awaited through `Effect.promise` in one
 * fiber per connection: the least an Effect-native driver pays above the floor (its run loop, one
 * asynchronous boundary per round trip). `--sides ours` with `node --cpu-prof` profiles our side
 * alone. `--alloc` also samples one more run of each workload on our side with V8's sampling heap
 * profiler (objects collected by the young-generation GC included) and prints the bytes allocated
 * per query and the functions that allocate most: a figure that, unlike time, hardly moves from run
 * to run. `--ops` also counts the Effect runtime's steps per query on our side (one run with a
 * scheduler that counts the run loop's yield checks, one per step): exact, and the same on every
 * run.
 *
 * Prints, per workload and side, the median over the rounds of microseconds of CPU (and of it
 * system time) and of wall time per query, and `ours - floor` of both.
 *
 * @since 0.1.0
 */
import { parseArgs } from "node:util"
import { performance } from "node:perf_hooks"
import { driverSettings, openOursDriver } from "./drivers.ts"
import { floorConcurrent, floorSeq, median, openFloor, type RoundTrips } from "./floor.ts"
import * as Effect from "effect/Effect"
import * as Scheduler from "effect/Scheduler"
import { concurrentProgram, ours, seqProgram } from "./ours.ts"
import { FULL_SIZES } from "./queries.ts"
import { spawnReplayServer } from "./replay-process.ts"
import { CONCURRENCY, type Outcome } from "./workloads.ts"

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    seq: { type: "string", default: String(FULL_SIZES.seq) },
    concurrent: { type: "string", default: String(FULL_SIZES.concurrent) },
    workloads: { type: "string", default: "seq,concurrent" },
    sides: { type: "string", default: "ours,floor,effect" },
    alloc: { type: "boolean", default: false },
    ops: { type: "boolean", default: false }
  }
})
const rounds = Number(values.rounds)
const sizes = { seq: Number(values.seq), concurrent: Number(values.concurrent) }

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})

const measure = async (size: number, run: () => Promise<Outcome>) => {
  gc()
  const cpu = process.cpuUsage()
  const start = performance.now()
  const outcome = await run()
  const wall = performance.now() - start
  const used = process.cpuUsage(cpu)
  if (outcome.count !== size) throw new Error(`${outcome.count} rows for ${size} queries`)
  return { cpu: (used.user + used.system) / size, sys: used.system / size, wall: (wall * 1000) / size }
}

type Sample = { readonly cpu: number; readonly sys: number; readonly wall: number }

const server = await spawnReplayServer({ ...FULL_SIZES, ...sizes })
const auth = { username: "neo4j", password: "password" }
const settings = driverSettings(
  { uri: server.uri, username: auth.username, password: auth.password, fetchSize: 1000 } as never,
  server.uri,
  CONCURRENCY
)
const opened = await openOursDriver(settings)
const floor = await openFloor(server.uri, auth)
const context = (size: number) => ({ size }) as never

/**
 * The floor's round trips awaited by an Effect program, one `Effect.promise` each, in one fiber per
 * connection: what the cheapest Effect-native driver would pay over the floor.
 */
const inEffect: RoundTrips = (loops) =>
  Effect.runPromise(Effect.forEach(loops, ({ count, roundTrip }) =>
    Effect.gen(function*() {
      for (let i = 0; i < count; i++) yield* Effect.promise(() => roundTrip(i))
    }), { concurrency: "unbounded", discard: true }))

const sides = {
  seq: {
    ours: () => ours.seq(opened.driver, context(sizes.seq)),
    floor: () => floorSeq(floor, sizes.seq),
    effect: () => floorSeq(floor, sizes.seq, inEffect)
  },
  concurrent: {
    ours: () => ours.concurrent(opened.driver, context(sizes.concurrent)),
    floor: () => floorConcurrent(floor, sizes.concurrent),
    effect: () => floorConcurrent(floor, sizes.concurrent, inEffect)
  }
} as const
type Side = keyof typeof sides.seq

/** Bytes allocated per query by one run of `run` (sampled), and the top allocating functions. */
const allocation = async (size: number, run: () => Promise<Outcome>, top = 12) => {
  const { Session } = await import("node:inspector/promises")
  const session = new Session()
  session.connect()
  await session.post("HeapProfiler.enable")
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 128,
    includeObjectsCollectedByMinorGC: true,
    includeObjectsCollectedByMajorGC: true
  })
  await run()
  const { profile } = await session.post("HeapProfiler.stopSampling")
  session.disconnect()
  const byFunction = new Map<string, number>()
  let total = 0
  const walk = (node: typeof profile.head) => {
    const frame = node.callFrame
    const key = `${frame.functionName || "(anonymous)"} ${frame.url.replace(/^.*\/(src|node_modules|scripts)\//, "$1/")}:${frame.lineNumber + 1}`
    total += node.selfSize
    byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize)
    for (const child of node.children) walk(child)
  }
  walk(profile.head)
  return [
    `  allocated ${(total / size).toFixed(0)} bytes/query (sampled); most by:`,
    ...[...byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([key, bytes]) =>
      `    ${(bytes / size).toFixed(0).padStart(6)} B/q  ${key}`
    )
  ]
}

/**
 * Effect runtime steps per query of `program`: the run loop asks the scheduler whether to yield
 * once per step, so a scheduler that counts those questions (and answers as the default one does)
 * counts the steps of every fiber of the program.
 */
const steps = async (size: number, program: Effect.Effect<Outcome, unknown>) => {
  const base = new Scheduler.MixedScheduler()
  let count = 0
  const counting: Scheduler.Scheduler = {
    executionMode: base.executionMode,
    shouldYield: (fiber) => {
      count++
      return base.shouldYield(fiber)
    },
    makeDispatcher: () => base.makeDispatcher()
  }
  await Effect.runPromise(Effect.provideService(program, Scheduler.Scheduler, counting))
  return `  ${(count / size).toFixed(1)} Effect steps per query`
}

const programs = {
  seq: () => seqProgram(opened.driver, sizes.seq),
  concurrent: () => concurrentProgram(opened.driver, sizes.concurrent)
} as const

try {
  const chosen = new Set(values.sides.split(","))
  for (const workload of values.workloads.split(",") as Array<"seq" | "concurrent">) {
    const size = sizes[workload]
    const samples: Record<Side, Array<Sample>> = { ours: [], floor: [], effect: [] }
    const chosenSides = (["ours", "floor", "effect"] as const).filter((side) => chosen.has(side))
    for (const side of chosenSides) await measure(size, sides[workload][side])
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 === 0 ? chosenSides : [...chosenSides].reverse()) {
        samples[side].push(await measure(size, sides[workload][side]))
      }
    }
    const row = (side: Side) => ({
      cpu: samples[side].length === 0 ? NaN : median(samples[side].map((s) => s.cpu)),
      sys: samples[side].length === 0 ? NaN : median(samples[side].map((s) => s.sys)),
      wall: samples[side].length === 0 ? NaN : median(samples[side].map((s) => s.wall))
    })
    const o = row("ours")
    const f = row("floor")
    console.log(
      `${workload} (${size} queries, ${rounds} rounds): ours cpu ${o.cpu.toFixed(1)} (sys ${o.sys.toFixed(1)}) us/q wall ${o.wall.toFixed(1)} us/q | ` +
        `floor cpu ${f.cpu.toFixed(1)} (sys ${f.sys.toFixed(1)}) wall ${f.wall.toFixed(1)} | ours-floor cpu ${(o.cpu - f.cpu).toFixed(1)} wall ${
          (o.wall - f.wall).toFixed(1)
        } | wall ratio ${(o.wall / f.wall).toFixed(2)}x`
    )
    if (chosen.has("effect")) {
      const e = row("effect")
      console.log(
        `  floor in Effect: cpu ${e.cpu.toFixed(1)} (sys ${e.sys.toFixed(1)}) us/q wall ${e.wall.toFixed(1)} us/q | ` +
          `wall ratio to the floor ${(e.wall / f.wall).toFixed(2)}x, ours to it ${(o.wall / e.wall).toFixed(2)}x`
      )
    }
    if (values.ops) console.log(await steps(size, programs[workload]()))
    if (values.alloc) for (const line of await allocation(size, sides[workload].ours)) console.log(line)
  }
} finally {
  await floor.close()
  await opened.close()
  await server.stop()
}
