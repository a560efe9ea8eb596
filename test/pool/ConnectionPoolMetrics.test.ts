/**
 * The pool's OpenTelemetry `db.client.connection.*` series, read with `Metric.snapshot` from a
 * fresh registry, with fake connections and `TestClock` (a connect takes 2 s of test time).
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Metric, Scope } from "effect"
import { TestClock } from "effect/testing"
import { Neo4jConnectionError } from "../../src/Neo4jError.ts"
import * as ConnectionPool from "../../src/pool/ConnectionPool.ts"

const address = { host: "db.example", port: 7687 }
const POOL = "db.example:7687"

const hooks: ConnectionPool.PoolHooks<{ readonly id: number }, Neo4jConnectionError> = {
  connect: () => Effect.as(Effect.sleep(Duration.seconds(2)), { id: 1 }),
  isReusable: () => true,
  prepareForReuse: () => undefined,
  ping: () => Effect.void
}

const config: ConnectionPool.PoolConfig = {
  maxSize: 1,
  acquisitionTimeout: Duration.seconds(5),
  maxLifetime: Duration.hours(1)
}

/** The state of one series of the snapshot, by metric name and attributes that must match. */
const series = (
  snapshots: ReadonlyArray<Metric.Metric.Snapshot>,
  id: string,
  attributes: Readonly<Record<string, string>> = {}
): Metric.Metric.Snapshot["state"] | undefined =>
  snapshots.find((s) =>
    s.id === id && Object.entries(attributes).every(([key, value]) => s.attributes?.[key] === value)
  )?.state

const withFreshRegistry = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.provideService(self, Metric.MetricRegistry, new Map())

describe("ConnectionPool metrics", () => {
  it.effect("reports connections by state, pending acquisitions, wait and create times, timeouts", () =>
    withFreshRegistry(Effect.gen(function*() {
      const pool = yield* ConnectionPool.make(config, hooks)
      const held = yield* Scope.make()
      // First acquisition: creates (2 s of test time), so it waited 2 s too.
      const creating = yield* Scope.provide(pool.acquire(address), held).pipe(Effect.forkChild)
      yield* TestClock.adjust(Duration.seconds(2))
      yield* Fiber.join(creating)

      // A second acquisition waits for the only connection, then times out after 5 s.
      const waiting = yield* Effect.scoped(pool.acquire(address)).pipe(Effect.exit, Effect.forkChild)
      yield* Effect.yieldNow
      let snapshot = yield* Metric.snapshot
      assert.deepStrictEqual(series(snapshot, "db.client.connection.count", { "db.client.connection.state": "used" }), {
        value: 1
      })
      assert.deepStrictEqual(series(snapshot, "db.client.connection.count", { "db.client.connection.state": "idle" }), {
        value: 0
      })
      assert.deepStrictEqual(series(snapshot, "db.client.connection.pending_requests"), { value: 1 })
      assert.deepStrictEqual(series(snapshot, "db.client.connection.max"), { value: 1 })
      yield* TestClock.adjust(Duration.seconds(5))
      const timedOut = yield* Fiber.join(waiting)
      assert.isTrue(Exit.isFailure(timedOut))

      // Released, then acquired again at once: a wait of 0.
      yield* Scope.close(held, Exit.void)
      yield* Effect.scoped(pool.acquire(address))

      snapshot = yield* Metric.snapshot
      const pool_ = { "db.client.connection.pool.name": POOL, "db.system.name": "neo4j" }
      assert.deepStrictEqual(series(snapshot, "db.client.connection.count", { ...pool_, "db.client.connection.state": "idle" }), {
        value: 1
      })
      assert.deepStrictEqual(series(snapshot, "db.client.connection.count", { ...pool_, "db.client.connection.state": "used" }), {
        value: 0
      })
      assert.deepStrictEqual(series(snapshot, "db.client.connection.pending_requests", pool_), { value: 0 })
      assert.deepStrictEqual(series(snapshot, "db.client.connection.timeouts", pool_), { count: 1, incremental: true })
      const create = series(snapshot, "db.client.connection.create_time", pool_) as Metric.HistogramState
      assert.strictEqual(create.count, 1)
      assert.strictEqual(create.sum, 2)
      const wait = series(snapshot, "db.client.connection.wait_time", pool_) as Metric.HistogramState
      // Two successful acquisitions (2 s and 0 s); the timed-out one is counted as a timeout only.
      assert.strictEqual(wait.count, 2)
      assert.strictEqual(wait.sum, 2)
      assert.strictEqual(wait.min, 0)
      assert.strictEqual(wait.max, 2)
      // Cumulative buckets: the 0 s wait is under 1 ms, the 2 s one only under 5 s.
      assert.deepStrictEqual(wait.buckets.find(([boundary]) => boundary === 0.001), [0.001, 1])
      assert.deepStrictEqual(wait.buckets.find(([boundary]) => boundary === 1), [1, 1])
      assert.deepStrictEqual(wait.buckets.find(([boundary]) => boundary === 5), [5, 2])
    })))

  it.effect("drops the series of a closed pool and of a purged address", () =>
    withFreshRegistry(Effect.gen(function*() {
      const scope = yield* Scope.make()
      const pool = yield* Scope.provide(ConnectionPool.make(config, hooks), scope)
      const acquired = yield* Effect.scoped(pool.acquire(address)).pipe(Effect.forkChild)
      yield* TestClock.adjust(Duration.seconds(2))
      yield* Fiber.join(acquired)
      const named = (snapshot: ReadonlyArray<Metric.Metric.Snapshot>) =>
        snapshot.filter((s) => s.attributes?.["db.client.connection.pool.name"] === POOL).length
      assert.strictEqual(named(yield* Metric.snapshot), 7)
      yield* pool.purge(address)
      assert.strictEqual(named(yield* Metric.snapshot), 0)
      const again = yield* Effect.scoped(pool.acquire(address)).pipe(Effect.forkChild)
      yield* TestClock.adjust(Duration.seconds(2))
      yield* Fiber.join(again)
      assert.strictEqual(named(yield* Metric.snapshot), 7)
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual(named(yield* Metric.snapshot), 0)
    })))
})
