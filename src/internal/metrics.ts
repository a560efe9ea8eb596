/**
 * The driver's metrics (`effect/Metric`), named after the OpenTelemetry semantic conventions for
 * database clients, and the machinery that records them. The public names live in
 * `Neo4jMetrics.ts`; this module sits below the public ones so that the pool can use it.
 *
 * Cost when nobody reads metrics: the pool's series are read-time series (`Metric.registerUnsafe`):
 * the pool keeps plain counters in its own bookkeeping and a snapshot reads them, so a pooled
 * acquisition costs one integer increment, and nothing touches a registry on the query path.
 * Operation durations and retries are read-time series too, recorded into plain fields found
 * through a tree of maps (~80 ns per operation); `MetricsEnabled` switches them off.
 */
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"

/** Attribute names of the OpenTelemetry database conventions (and Neo4j's own). */
export const ATTRIBUTE = {
  SYSTEM: "db.system.name",
  NAMESPACE: "db.namespace",
  OPERATION: "db.operation.name",
  SERVER_ADDRESS: "server.address",
  SERVER_PORT: "server.port",
  ERROR_TYPE: "error.type",
  STATUS_CODE: "db.response.status_code",
  POOL_NAME: "db.client.connection.pool.name",
  CONNECTION_STATE: "db.client.connection.state"
} as const

/** `db.system.name` of every series (a registered value of the conventions). */
export const SYSTEM_NAME = "neo4j"

/**
 * Bucket boundaries in seconds: the explicit boundaries the conventions recommend for
 * `db.client.operation.duration` and the connection durations.
 */
export const DURATION_BOUNDARIES_SECONDS: ReadonlyArray<number> = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]

export const operationDuration = Metric.histogram("db.client.operation.duration", {
  description: "Duration of database client operations, in seconds (a transaction function: all its attempts)",
  boundaries: DURATION_BOUNDARIES_SECONDS
})

export const operationRetries = Metric.counter("neo4j.client.operation.retries", {
  description: "Attempts of transaction functions and executeQuery run again after a retryable failure",
  incremental: true
})

export const connectionCount = Metric.gauge("db.client.connection.count", {
  description: "Connections of a pool by state (idle, used)"
})

export const connectionMax = Metric.gauge("db.client.connection.max", {
  description: "The most connections a pool opens to one server"
})

export const connectionPendingRequests = Metric.gauge("db.client.connection.pending_requests", {
  description: "Acquisitions waiting for a connection of a full pool"
})

export const connectionWaitTime = Metric.histogram("db.client.connection.wait_time", {
  description: "Time to obtain a connection from the pool, in seconds (0 when an idle one was at hand)",
  boundaries: DURATION_BOUNDARIES_SECONDS
})

export const connectionCreateTime = Metric.histogram("db.client.connection.create_time", {
  description: "Time to open a new connection (socket, handshake, HELLO/LOGON), in seconds",
  boundaries: DURATION_BOUNDARIES_SECONDS
})

export const connectionTimeouts = Metric.counter("db.client.connection.timeouts", {
  description: "Acquisitions that gave up because the pool stayed full for the acquisition timeout",
  incremental: true
})

/**
 * Whether operation durations and retries are recorded (default: yes). Pool series cost nothing
 * on the query path and are always registered.
 */
export const MetricsEnabled = Context.Reference<boolean>("effect-neo4j/Neo4jMetrics/Enabled", {
  defaultValue: () => true
})

/**
 * A histogram kept in plain fields, exposed as a `Metric` histogram state when read. `zeros` are
 * observations of exactly 0 counted without a bucket search (the pool's immediate acquisitions).
 */
export class HistogramCells {
  readonly #boundaries: ReadonlyArray<number>
  readonly #counts: Array<number>
  count = 0
  sum = 0
  min = Number.POSITIVE_INFINITY
  max = Number.NEGATIVE_INFINITY
  zeros = 0
  constructor(boundaries: ReadonlyArray<number>) {
    this.#boundaries = boundaries
    this.#counts = boundaries.map(() => 0)
  }
  record(value: number): void {
    const index = this.#boundaries.findIndex((boundary) => value <= boundary)
    if (index !== -1) this.#counts[index]!++
    this.count++
    this.sum += value
    if (value < this.min) this.min = value
    if (value > this.max) this.max = value
  }
  state(): Metric.HistogramState {
    let cumulative = this.zeros
    const buckets = this.#boundaries.map((boundary, i): [number, number] => {
      cumulative += this.#counts[i]!
      return [boundary, cumulative]
    })
    const count = this.count + this.zeros
    const min = this.zeros > 0 ? Math.min(0, this.min) : this.min
    const max = this.zeros > 0 ? Math.max(0, this.max) : this.max
    // Effect's own histograms report these sentinels while empty.
    return count === 0
      ? { buckets, count, sum: 0, min: Number.MAX_VALUE, max: -Number.MAX_VALUE }
      : { buckets, count, sum: this.sum, min, max }
  }
}

/** What the pool counts per server address; read when the metrics are. */
export interface AddressMetrics {
  readonly waitTime: HistogramCells
  readonly createTime: HistogramCells
  timeouts: number
  /** Removes the address's series (purged, or the pool closed). */
  readonly remove: () => void
}

/** The live counts of one address, read at snapshot time. */
export interface AddressCounts {
  readonly idle: () => number
  readonly used: () => number
  readonly pending: () => number
}

const NO_MUTATION = () => {}

/** Counts that no registry reads. */
export const detachedAddress = (): AddressMetrics => ({
  waitTime: new HistogramCells(DURATION_BOUNDARIES_SECONDS),
  createTime: new HistogramCells(DURATION_BOUNDARIES_SECONDS),
  timeouts: 0,
  remove: NO_MUTATION
})

/**
 * Registers the series of one pool address in the registry of `context` (the context the pool was
 * built in). A second driver with a pool to the same address replaces the first's series.
 */
export const registerAddress = (
  context: Context.Context<never>,
  poolName: string,
  maxSize: number,
  counts: AddressCounts
): AddressMetrics => {
  const pool = { [ATTRIBUTE.SYSTEM]: SYSTEM_NAME, [ATTRIBUTE.POOL_NAME]: poolName }
  let registrations: ReadonlyArray<Metric.Registration> = []
  const cells: AddressMetrics = {
    waitTime: new HistogramCells(DURATION_BOUNDARIES_SECONDS),
    createTime: new HistogramCells(DURATION_BOUNDARIES_SECONDS),
    timeouts: 0,
    remove: () => registrations.forEach((registration) => registration.remove())
  }
  const register = <S>(metric: Metric.Metric<any, S>, attributes: Metric.Metric.AttributeSet, get: () => S) =>
    readTime(context, metric, attributes, get)
  registrations = [
    register(connectionCount, { ...pool, [ATTRIBUTE.CONNECTION_STATE]: "idle" }, () => ({ value: counts.idle() })),
    register(connectionCount, { ...pool, [ATTRIBUTE.CONNECTION_STATE]: "used" }, () => ({ value: counts.used() })),
    register(connectionMax, pool, () => ({ value: maxSize })),
    register(connectionPendingRequests, pool, () => ({ value: counts.pending() })),
    register(connectionWaitTime, pool, () => cells.waitTime.state()),
    register(connectionCreateTime, pool, () => cells.createTime.state()),
    register(connectionTimeouts, pool, () => ({ count: cells.timeouts, incremental: true }))
  ]
  return cells
}

/**
 * Attributes of one operation, after the conventions. `db.operation.name` is the driver's
 * operation (`executeQuery`, `executeWrite`, `run`, ...): Cypher has no cheap, reliable
 * statement-kind to report, and the query text stays out of metrics (cardinality, secrets).
 */
export interface OperationAttributes {
  readonly operation: string
  readonly database?: string | undefined
  readonly serverAddress?: string | undefined
  readonly serverPort?: number | undefined
}

/**
 * Series of one metric, by attribute values, per registry: a tree of maps keyed by the values
 * themselves (no key string is built per operation), whose leaves are read-time series.
 * Measured (Node 22, this VM): building a key string and going through `Metric.update` cost
 * ~290 ns per recorded operation; this path ~80 ns.
 */
class SeriesTree<Cells> {
  readonly #roots = new WeakMap<Metric.MetricRegistry, Map<unknown, any>>()
  readonly #make: (context: Context.Context<never>, attributes: Metric.Metric.AttributeSet) => Cells
  constructor(make: (context: Context.Context<never>, attributes: Metric.Metric.AttributeSet) => Cells) {
    this.#make = make
  }
  get(context: Context.Context<never>, attributes: OperationAttributes, errorType: string | undefined): Cells {
    const registry = Context.get(context, Metric.MetricRegistry)
    let node = this.#roots.get(registry)
    if (node === undefined) {
      node = new Map()
      this.#roots.set(registry, node)
    }
    const path = [attributes.operation, attributes.database, attributes.serverAddress, attributes.serverPort]
    for (const value of path) {
      let next = node.get(value)
      if (next === undefined) {
        next = new Map()
        node.set(value, next)
      }
      node = next as Map<unknown, any>
    }
    let cells = node.get(errorType) as Cells | undefined
    if (cells === undefined) {
      cells = this.#make(context, operationAttributeSet(attributes, errorType))
      node.set(errorType, cells)
    }
    return cells
  }
}

const operationAttributeSet = (attributes: OperationAttributes, errorType: string | undefined) => {
  const set: Record<string, string> = { [ATTRIBUTE.SYSTEM]: SYSTEM_NAME, [ATTRIBUTE.OPERATION]: attributes.operation }
  if (attributes.database !== undefined) set[ATTRIBUTE.NAMESPACE] = attributes.database
  if (attributes.serverAddress !== undefined) set[ATTRIBUTE.SERVER_ADDRESS] = attributes.serverAddress
  if (attributes.serverPort !== undefined) set[ATTRIBUTE.SERVER_PORT] = String(attributes.serverPort)
  if (errorType !== undefined) set[ATTRIBUTE.ERROR_TYPE] = errorType
  return set
}

const readTime = <S>(
  context: Context.Context<never>,
  metric: Metric.Metric<any, S>,
  attributes: Metric.Metric.AttributeSet,
  get: () => S
): Metric.Registration =>
  Metric.registerUnsafe(Metric.withAttributes(metric, attributes), context, {
    get,
    update: NO_MUTATION,
    modify: NO_MUTATION
  })

const durations = new SeriesTree((context, attributes) => {
  const cells = new HistogramCells(DURATION_BOUNDARIES_SECONDS)
  readTime(context, operationDuration, attributes, () => cells.state())
  return cells
})

const retries = new SeriesTree((context, attributes) => {
  const cells = { count: 0 }
  readTime(context, operationRetries, attributes, () => ({ count: cells.count, incremental: true }))
  return cells
})

/**
 * `error.type` of a failure: the error's tag (`Neo4jTransientError`, ...), or `_OTHER` for a
 * failure that is not a tagged error (a defect, an interruption).
 */
export const errorType = (error: unknown): string =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string" ? error._tag : "_OTHER"

/**
 * Records one finished operation in `db.client.operation.duration`; `error` is the failure, if it
 * failed. Synchronous, for call sites that hold the fiber's context.
 */
export const recordOperationUnsafe = (
  context: Context.Context<never>,
  attributes: OperationAttributes,
  durationMillis: number,
  error?: unknown
): void => {
  if (!Context.get(context, MetricsEnabled)) return
  durations.get(context, attributes, error === undefined ? undefined : errorType(error)).record(durationMillis / 1000)
}

/**
 * Records one finished operation in `db.client.operation.duration`.
 */
export const recordOperation = (
  attributes: OperationAttributes,
  durationMillis: number,
  error?: unknown
): Effect.Effect<void> =>
  Effect.contextWith((context: Context.Context<never>) =>
    Effect.sync(() => recordOperationUnsafe(context, attributes, durationMillis, error))
  )

/** Counts one retry (an attempt that failed retryably and is run again) of an operation. */
export const recordRetry = (attributes: OperationAttributes, error: unknown): Effect.Effect<void> =>
  Effect.contextWith((context: Context.Context<never>) =>
    Effect.sync(() => {
      if (!Context.get(context, MetricsEnabled)) return
      retries.get(context, attributes, errorType(error)).count++
    })
  )

/**
 * Times `self` and records it in `db.client.operation.duration` when it ends (with `error.type`
 * when it failed; an interruption is not an operation outcome and is not recorded).
 */
export const trackOperation = (attributes: OperationAttributes) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.contextWith((context: Context.Context<never>) => {
    if (!Context.get(context, MetricsEnabled)) return self
    return Effect.clockWith((clock) => {
      const start = clock.monotonicTimeNanosUnsafe()
      return Effect.onExit(self, (exit) => Effect.sync(() => recordExitUnsafe(context, attributes, clock, start, exit)))
    })
  })

/**
 * Records an operation that began at `start` (a `monotonicTimeNanosUnsafe` reading) and ended with
 * `exit` (with `error.type` when it failed; an interruption is not an outcome and is not recorded).
 */
export const recordExitUnsafe = (
  context: Context.Context<never>,
  attributes: OperationAttributes,
  clock: Clock.Clock,
  start: bigint,
  exit: Exit.Exit<unknown, unknown>
): void => {
  const error = Exit.isSuccess(exit) ? undefined : failureOf(exit.cause)
  if (error === INTERRUPTED) return
  recordOperationUnsafe(context, attributes, millisSince(clock, start), error)
}

const INTERRUPTED = Symbol("interrupted")

/** The typed failure of a cause, `_OTHER` for a defect, or INTERRUPTED when it was only interrupted. */
const failureOf = (cause: Cause.Cause<unknown>): unknown => {
  const failure = cause.reasons.find(Cause.isFailReason)
  if (failure !== undefined) return failure.error
  return cause.reasons.every(Cause.isInterruptReason) ? INTERRUPTED : "_OTHER"
}

/**
 * Milliseconds since a `monotonicTimeNanosUnsafe` reading (sub-millisecond: a pooled query takes
 * ~0.1 ms, which `currentTimeMillis` would round to 0 or 1).
 */
export const millisSince = (clock: Clock.Clock, start: bigint): number =>
  Number(clock.monotonicTimeNanosUnsafe() - start) / NANOS_PER_MILLI

const NANOS_PER_MILLI = 1_000_000
