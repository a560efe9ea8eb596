/**
 * The benchmark workloads of issue 7: what each one does, its size, and how a record is consumed.
 * The two implementations live in `ours.ts` (effect-neo4j, Effect programs) and `official.ts`
 * (neo4j-driver 6.3, promises). This module imports neither driver, so a memory worker loads only
 * the driver it measures.
 *
 * Every run returns a checksum over the values it read, so a side that skipped decoding or dropped
 * rows fails the run (or shows a checksum mismatch) instead of winning it.
 *
 * @since 0.1.0
 */
import { paramRows, type Sizes } from "./queries.ts"

/**
 * What one run read: rows (or operations) and a checksum over the values.
 *
 * @since 0.1.0
 * @category models
 */
export interface Outcome {
  readonly count: number
  readonly checksum: number
}

/**
 * Settings shared by the runs of one process.
 *
 * @since 0.1.0
 * @category models
 */
export interface Context {
  readonly size: number
  readonly officialStream: "observer" | "iterator"
  /** called every {@link SAMPLE_EVERY} rows by streaming workloads (memory sampling) */
  readonly onProgress?: ((rows: number) => void) | undefined
}

/**
 * How often streaming workloads report progress.
 *
 * @since 0.1.0
 * @category constants
 */
export const SAMPLE_EVERY = 10_000

/**
 * Concurrency of workload (b), and the pool size both drivers get.
 *
 * @since 0.1.0
 * @category constants
 */
export const CONCURRENCY = 50

/**
 * Names of the workloads, in table order.
 *
 * @since 0.1.0
 * @category models
 */
export type WorkloadName = "seq" | "concurrent" | "scalars" | "nodes" | "wide" | "temporal" | "param" | "writes"

/**
 * One workload.
 *
 * @since 0.1.0
 * @category models
 */
export interface Workload {
  readonly name: WorkloadName
  /** the item of issue 7 it measures */
  readonly item: string
  readonly describe: (size: number) => string
  readonly size: (sizes: Sizes) => number
  /** streams rows (and so has a peak-RSS twin, `rss-<name>`) */
  readonly streaming: boolean
}

const fmt = (n: number): string => n.toLocaleString("en-US")

/**
 * Every workload, in table order.
 *
 * @since 0.1.0
 * @category constants
 */
export const WORKLOADS: ReadonlyArray<Workload> = [
  { name: "seq", item: "a", describe: (n) => `${fmt(n)} sequential RETURN 1, one session`, size: (s) => s.seq, streaming: false },
  {
    name: "concurrent",
    item: "b",
    describe: (n) => `${fmt(n)} executeQuery(RETURN 1), ${CONCURRENCY} concurrent, pool ${CONCURRENCY}`,
    size: (s) => s.concurrent,
    streaming: false
  },
  { name: "scalars", item: "c", describe: (n) => `stream ${fmt(n)} rows of 4 scalars`, size: (s) => s.scalars, streaming: true },
  { name: "nodes", item: "c", describe: (n) => `stream ${fmt(n)} rows of one Node (4 props)`, size: (s) => s.nodes, streaming: true },
  { name: "wide", item: "c", describe: (n) => `stream ${fmt(n)} rows of a 20-entry map`, size: (s) => s.wide, streaming: true },
  { name: "temporal", item: "c", describe: (n) => `stream ${fmt(n)} rows of 4 temporals`, size: (s) => s.temporal, streaming: true },
  {
    name: "param",
    item: "d",
    describe: (n) => `UNWIND $rows: ${fmt(n)} maps {id, name, score}`,
    size: (s) => s.param,
    streaming: false
  },
  { name: "writes", item: "e", describe: (n) => `${fmt(n)} executeWrite, CREATE one node each`, size: (s) => s.writes, streaming: false }
]

/**
 * The workload called `name`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const workload = (name: string): Workload => {
  const found = WORKLOADS.find((w) => w.name === name)
  if (found === undefined) throw new Error(`unknown workload ${name}; known: ${WORKLOADS.map((w) => w.name).join(", ")}`)
  return found
}

/**
 * A driver's implementation of every workload.
 *
 * @since 0.1.0
 * @category models
 */
export type Implementation<D> = Readonly<Record<WorkloadName, (driver: D, ctx: Context) => Promise<Outcome>>>

/**
 * A record, as both drivers let you read one.
 *
 * @since 0.1.0
 * @category models
 */
export interface Getter {
  get(key: string): unknown
}

/**
 * Reads every field a user of a streaming workload would read; returns a number for the checksum.
 *
 * @since 0.1.0
 * @category models
 */
export type Consume = (record: Getter) => number

const num = (v: unknown): number => v as number

interface NodeLike {
  readonly labels: ReadonlyArray<string>
  readonly properties: Record<string, unknown>
  readonly elementId: string
}

interface TemporalLike {
  readonly year: number
  readonly hour: number
  readonly minute: number
  readonly nanosecond: number
  readonly days: number
  readonly seconds: number
}

/**
 * How each streaming workload consumes a record. Temporal values are read through their fields
 * (neo4j-driver computes them when it decodes; a lazy decoder must not win by never computing them).
 *
 * @since 0.1.0
 * @category constants
 */
export const CONSUMERS: Readonly<Record<"scalars" | "nodes" | "wide" | "temporal", Consume>> = {
  scalars: (r) => num(r.get("id")) + (r.get("name") as string).length + num(r.get("score")) + (r.get("even") ? 1 : 0),
  nodes: (r) => {
    const p = r.get("p") as NodeLike
    return num(p.properties.born) + (p.properties.name as string).length + num(p.properties.score) +
      p.labels.length + p.elementId.length
  },
  wide: (r) => {
    const m = r.get("m") as Record<string, unknown>
    let acc = 0
    for (const key in m) {
      const v = m[key]
      acc += typeof v === "number" ? v : typeof v === "string" ? v.length : v ? 1 : 0
    }
    return acc
  },
  temporal: (r) => {
    const d = r.get("d") as TemporalLike
    const ldt = r.get("ldt") as TemporalLike
    const dt = r.get("dt") as TemporalLike
    const dur = r.get("dur") as TemporalLike
    return d.year + ldt.hour + dt.minute + dt.nanosecond / 1000 + dur.days + num(dur.seconds)
  }
}

/**
 * Wraps a consumer with the row count, the checksum and the progress callback.
 *
 * @since 0.1.0
 * @category constructors
 */
export const counter = (consume: Consume, ctx: Context) => {
  const state = { count: 0, checksum: 0 }
  const progress = ctx.onProgress
  return {
    state,
    onRecord: (record: Getter): void => {
      state.checksum += consume(record)
      if (++state.count % SAMPLE_EVERY === 0 && progress !== undefined) progress(state.count)
    }
  }
}

// The `$rows` parameter is built once per process and shared by both sides.
let rowsCache: { n: number; rows: ReadonlyArray<unknown> } | undefined

/**
 * The `$rows` parameter of the `param` workload, built once per process.
 *
 * @since 0.1.0
 * @category constructors
 */
export const rowsOf = (n: number): ReadonlyArray<unknown> =>
  rowsCache?.n === n ? rowsCache.rows : (rowsCache = { n, rows: paramRows(n) }).rows
