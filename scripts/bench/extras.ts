/**
 * The start-up and scale workloads of issue 18, run by `worker.ts` in `time` mode like the others
 * (every side in one process, samples rotating the sides):
 *
 * - `connect` / `connect-tls`: connection set-up, one after the other: a driver built (through its
 *   `Layer` for the Effect sides), connected and verified (TCP or TLS, Bolt handshake, HELLO,
 *   LOGON), then closed (GOODBYE). The floor does the same exchanges on a raw socket.
 * - `scale`: 10,000 fibers (promises for bare neo4j-driver), one `executeQuery` each, all started
 *   at once over a pool of 100. Each query's latency is measured from its call to its result; the
 *   sample reports p50 and p99. After the samples, the heap bytes per waiting query: the pool is
 *   held by 100 open transactions, 10,000 queries are started and left waiting for a connection,
 *   and the heap (after a full GC) is compared with the heap before they started.
 * - `routed` / `routed-direct`: workload (b)'s `executeQuery` as reads (`routing: READ`) over
 *   `neo4j://` to a stub cluster of three replay servers (one writer, two readers), and the same
 *   over `bolt://` to its first server. The routed samples report each server's share of the RUNs.
 *
 * @since 0.1.0
 */
import { performance } from "node:perf_hooks"
import { setTimeout as sleep } from "node:timers/promises"
import type { Sizes } from "./queries.ts"
import { Query } from "./queries.ts"
import type { Extras, OpenSide, RunOutcome, Side, WorkerConfig } from "./worker.ts"
import { driverSettings, makeOfficialDriver, openOfficialDriver, openOursDriver, openWrappedDriver } from "./drivers.ts"
import { type Context } from "./workloads.ts"

/** Pool size of the scale workload */
const SCALE_POOL = 100
const SCALE_FIBERS = 10_000
const CONNECTS = { full: 200, quick: 50 } as const
const PERCENT = 100
/** how long `until` waits before giving up */
const WAIT_LIMIT_MS = 60_000
const POLL_MS = 5
/** after the last waiting query started: time for it to reach the pool's queue */
const SETTLE_MS = 100

/**
 * One start-up or scale workload.
 *
 * @since 0.1.0
 * @category models
 */
export interface ExtraWorkload {
  readonly describe: (size: number) => string
  readonly size: (sizes: Sizes, quick: boolean) => number
  /** what the server must offer besides `bolt://` */
  readonly needs?: "tls" | "cluster" | undefined
  /** runs on the replay server only */
  readonly replayOnly: boolean
}

const fmt = (n: number): string => n.toLocaleString("en-US")

/**
 * The start-up and scale workloads, in table order.
 *
 * @since 0.1.0
 * @category constants
 */
export const EXTRA_WORKLOADS: Readonly<Record<string, ExtraWorkload>> = {
  connect: {
    describe: (n) => `${fmt(n)} connection set-ups, one after the other (driver, handshake, HELLO+LOGON, close), bolt://`,
    size: (_, quick) => (quick ? CONNECTS.quick : CONNECTS.full),
    replayOnly: false
  },
  "connect-tls": {
    describe: (n) => `${fmt(n)} connection set-ups as above over TLS, bolt+ssc:// (self-signed, local)`,
    size: (_, quick) => (quick ? CONNECTS.quick : CONNECTS.full),
    needs: "tls",
    replayOnly: true
  },
  scale: {
    describe: (n) => `${fmt(n)} fibers, one executeQuery(RETURN 1) each, started at once, pool ${SCALE_POOL}`,
    size: () => SCALE_FIBERS,
    replayOnly: true
  },
  routed: {
    describe: (n) => `${fmt(n)} executeQuery(READ), 50 concurrent, neo4j:// over a stub cluster of 3 (1 writer, 2 readers)`,
    size: (s) => s.concurrent,
    needs: "cluster",
    replayOnly: true
  },
  "routed-direct": {
    describe: (n) => `the same ${fmt(n)} reads over bolt:// to the cluster's first server`,
    size: (s) => s.concurrent,
    needs: "cluster",
    replayOnly: true
  }
}

/**
 * p50 and p99 of `latencies` (milliseconds).
 *
 * @since 0.1.0
 * @category utils
 */
export const percentiles = (latencies: Float64Array): Extras => {
  const sorted = Float64Array.from(latencies).sort()
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / PERCENT) * sorted.length))]!
  return { p50Ms: at(50), p99Ms: at(99) }
}

const until = async (done: () => boolean, what: string): Promise<void> => {
  const started = performance.now()
  while (!done()) {
    if (performance.now() - started > WAIT_LIMIT_MS) throw new Error(`scale: gave up waiting for ${what}`)
    await sleep(POLL_MS)
  }
}

const collect = (globalThis as { gc?: () => void }).gc ?? (() => {})

/** One side of the waiting-query measurement. */
interface Waiting {
  /** `count` transactions that each call `onHeld` once they hold a connection, then wait for `gate` */
  readonly hold: (count: number, gate: Promise<void>, onHeld: () => void) => Promise<unknown>
  /** `count` queries, each calling `onStart` right before it asks for a connection */
  readonly launch: (count: number, onStart: () => void) => Promise<unknown>
}

/** Heap bytes per query waiting for a connection (see the module comment). */
const waitingBytes = async (side: Waiting, count: number): Promise<Extras> => {
  let open!: () => void
  const gate = new Promise<void>((resolve) => (open = resolve))
  let held = 0
  const holders = side.hold(SCALE_POOL, gate, () => held++)
  await until(() => held === SCALE_POOL, "the pool to be held")
  collect()
  const before = process.memoryUsage().heapUsed
  let started = 0
  const queries = side.launch(count, () => started++)
  await until(() => started === count, "the queries to start")
  await sleep(SETTLE_MS)
  collect()
  const after = process.memoryUsage().heapUsed
  open()
  await queries
  await holders
  return { bytesPerWaitingQuery: (after - before) / count }
}

/** Fetches the stub cluster's RUN count per server from its control port. */
const clusterRuns = async (port: number): Promise<Array<number>> => {
  const { connect } = await import("node:net")
  return new Promise((resolve, reject) => {
    let text = ""
    const socket = connect({ host: "127.0.0.1", port })
    socket.setEncoding("utf8")
    socket.on("data", (piece: string) => (text += piece))
    socket.once("end", () => resolve((JSON.parse(text) as { runs: Array<number> }).runs))
    socket.once("error", reject)
  })
}

/** Wraps a routed run with each cluster server's share of the RUNs it caused. */
const withSpread = (port: number, run: (ctx: Context) => Promise<RunOutcome>) => async (ctx: Context): Promise<RunOutcome> => {
  const before = await clusterRuns(port)
  const outcome = await run(ctx)
  const after = await clusterRuns(port)
  const runs = after.map((n, i) => n - before[i]!)
  const total = runs.reduce((a, b) => a + b, 0)
  return { ...outcome, extras: Object.fromEntries(runs.map((n, i) => [`server${i}Share`, total === 0 ? 0 : n / total])) }
}

/** A row of `RETURN 1 AS n`, as both drivers' results hold it. */
interface OneRow {
  readonly records: ReadonlyArray<{ get(key: string): unknown }>
}

/**
 * The scale run and the waiting-query measurement of an Effect side: `query` is one
 * `executeQuery`, `holdOne` one transaction that holds a connection until `gate` opens.
 */
const effectScale = async (
  query: () => import("effect/Effect").Effect<OneRow, unknown>,
  holdOne: (gate: Promise<void>, onHeld: () => void) => import("effect/Effect").Effect<unknown, unknown>,
  waiting: number
): Promise<Pick<OpenSide, "run" | "after">> => {
  const Effect = await import("effect/Effect")
  const many = (count: number, one: (i: number) => import("effect/Effect").Effect<unknown, unknown>) =>
    Effect.forEach(Array.from({ length: count }, (_, i) => i), one, { concurrency: "unbounded", discard: true })
  return {
    run: ({ size }) =>
      Effect.runPromise(Effect.suspend(() => {
        const latencies = new Float64Array(size)
        let checksum = 0
        return many(size, (i) =>
          Effect.suspend(() => {
            const started = performance.now()
            return Effect.map(query(), (result) => {
              latencies[i] = performance.now() - started
              checksum += result.records[0]!.get("n") as number
            })
          })).pipe(Effect.map(() => ({ count: size, checksum, extras: percentiles(latencies) })))
      })),
    after: () =>
      waitingBytes({
        hold: (count, gate, onHeld) => Effect.runPromise(many(count, () => holdOne(gate, onHeld))),
        launch: (count, onStart) => Effect.runPromise(many(count, () => Effect.suspend(() => (onStart(), query()))))
      }, waiting)
  }
}

const openOursExtra = async (config: WorkerConfig): Promise<OpenSide> => {
  const Effect = await import("effect/Effect")
  const Layer = await import("effect/Layer")
  const Neo4j = await import("../../src/Neo4j.ts")
  const { concurrentQueries } = await import("./ours.ts")
  switch (config.workload) {
    case "connect":
    case "connect-tls": {
      const s = driverSettings(config, config.workload === "connect" ? config.uri : config.tlsUri)
      const layer = Neo4j.layer({ uri: s.uri, username: s.username, password: s.password, fetchSize: s.fetchSize, maxConnectionPoolSize: s.poolSize })
      // The layer verifies connectivity when it is built (as the wrapper's does): one check, not two.
      const once = Effect.scoped(Layer.build(layer))
      return {
        run: ({ size }) => Effect.runPromise(Effect.as(Effect.repeat(once, { times: size - 1 }), { count: size, checksum: size })),
        close: async () => {}
      }
    }
    case "scale": {
      const { driver, close } = await openOursDriver(driverSettings(config, config.uri, SCALE_POOL))
      return {
        ...(await effectScale(
          () => driver.executeQuery(Query.returnOne),
          (gate, onHeld) => driver.executeWrite((tx) => Effect.flatMap(tx.run(Query.returnOne), () => Effect.promise(() => (onHeld(), gate)))),
          config.size
        )),
        close
      }
    }
    default: {
      const routed = config.workload === "routed"
      const { driver, close } = await openOursDriver(driverSettings(config, routed ? config.clusterUri : directUri(config)))
      const run = ({ size }: Context) => concurrentQueries(driver, size, { routing: "READ" })
      return { run: routed ? withSpread(config.clusterControl!, run) : run, close }
    }
  }
}

/** `bolt://` to the stub cluster's first server */
const directUri = (config: WorkerConfig): string => config.clusterUri!.replace("neo4j://", "bolt://")

const openWrappedExtra = async (config: WorkerConfig): Promise<OpenSide> => {
  const Effect = await import("effect/Effect")
  const Layer = await import("effect/Layer")
  const Wrapped = await import("./wrapped.ts")
  switch (config.workload) {
    case "connect":
    case "connect-tls": {
      const make = await makeOfficialDriver(driverSettings(config, config.workload === "connect" ? config.uri : config.tlsUri))
      // The wrapper's layer verifies connectivity when it is built.
      const once = Effect.scoped(Layer.build(Wrapped.layer(make)))
      return {
        run: ({ size }) => Effect.runPromise(Effect.as(Effect.repeat(once, { times: size - 1 }), { count: size, checksum: size })),
        close: async () => {}
      }
    }
    case "scale": {
      const { driver: wrapped, close } = await openWrappedDriver(driverSettings(config, config.uri, SCALE_POOL))
      return {
        ...(await effectScale(
          () => wrapped.executeQuery(Query.returnOne),
          (gate, onHeld) =>
            Effect.scoped(Effect.flatMap(wrapped.session, (session) =>
              session.executeWrite((tx) => Effect.flatMap(tx.run(Query.returnOne), () => Effect.promise(() => (onHeld(), gate)))))),
          config.size
        )),
        close
      }
    }
    default: {
      const routed = config.workload === "routed"
      const { driver, close } = await openWrappedDriver(driverSettings(config, routed ? config.clusterUri : directUri(config)))
      const run = ({ size }: Context) => Wrapped.concurrentQueries(driver, size, { routing: "READ" })
      return { run: routed ? withSpread(config.clusterControl!, run) : run, close }
    }
  }
}

const openOfficialExtra = async (config: WorkerConfig): Promise<OpenSide> => {
  const { concurrentQueries } = await import("./official.ts")
  switch (config.workload) {
    case "connect":
    case "connect-tls": {
      const make = await makeOfficialDriver(driverSettings(config, config.workload === "connect" ? config.uri : config.tlsUri))
      return {
        run: async ({ size }) => {
          for (let i = 0; i < size; i++) {
            const driver = make()
            try {
              await driver.verifyConnectivity()
            } finally {
              await driver.close()
            }
          }
          return { count: size, checksum: size }
        },
        close: async () => {}
      }
    }
    case "scale": {
      const { driver, close } = await openOfficialDriver(driverSettings(config, config.uri, SCALE_POOL))
      const many = (count: number, one: (i: number) => Promise<unknown>) => Promise.all(Array.from({ length: count }, (_, i) => one(i)))
      return {
        run: async ({ size }) => {
          const latencies = new Float64Array(size)
          let checksum = 0
          await many(size, async (i) => {
            const started = performance.now()
            const result = await driver.executeQuery(Query.returnOne)
            latencies[i] = performance.now() - started
            checksum += result.records[0]!.get("n") as number
          })
          return { count: size, checksum, extras: percentiles(latencies) }
        },
        after: () =>
          waitingBytes({
            hold: (count, gate, onHeld) =>
              many(count, async () => {
                const session = driver.session()
                try {
                  await session.executeWrite(async (tx) => {
                    await tx.run(Query.returnOne)
                    onHeld()
                    await gate
                  })
                } finally {
                  await session.close()
                }
              }),
            launch: (count, onStart) =>
              many(count, () => {
                onStart()
                return driver.executeQuery(Query.returnOne)
              })
          }, config.size),
        close
      }
    }
    default: {
      const routed = config.workload === "routed"
      const { driver, close } = await openOfficialDriver(driverSettings(config, routed ? config.clusterUri : directUri(config)))
      const run = ({ size }: Context) => concurrentQueries(driver, size, { routing: "READ" })
      return { run: routed ? withSpread(config.clusterControl!, run) : run, close }
    }
  }
}

const openFloorExtra = async (config: WorkerConfig): Promise<OpenSide | undefined> => {
  if (config.workload !== "connect" && config.workload !== "connect-tls") return undefined
  const { floorConnect } = await import("./floor.ts")
  const uri = config.workload === "connect" ? config.uri : config.tlsUri!
  return { run: ({ size }) => floorConnect(uri, config, size), close: async () => {} }
}

/**
 * Opens `side` for the start-up or scale workload `config.workload` (undefined: the side has none).
 *
 * @since 0.1.0
 * @category constructors
 */
export const openExtraSide = (config: WorkerConfig, side: Side): Promise<OpenSide | undefined> => {
  switch (side) {
    case "ours":
      return openOursExtra(config)
    case "wrapped":
      return openWrappedExtra(config)
    case "official":
      return openOfficialExtra(config)
    case "floor":
      return openFloorExtra(config)
  }
}
