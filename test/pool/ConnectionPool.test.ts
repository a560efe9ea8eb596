import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Scheduler, Scope } from "effect"
import { TestClock } from "effect/testing"
import { Neo4jConnectionError, Neo4jUsageError } from "../../src/Neo4jError.ts"
import * as ConnectionPool from "../../src/pool/ConnectionPool.ts"
import { STEPS_PER_YIELD } from "../support/interruption.ts"

interface FakeConnection {
  readonly id: number
  broken: boolean
  dirty: boolean
  closed: boolean
  pings: number
}

const address = { host: "db.example", port: 7687 }

const makeFakes = (options: { pingFails?: boolean; connectFails?: () => boolean } = {}) => {
  const created: Array<FakeConnection> = []
  const hooks: ConnectionPool.PoolHooks<FakeConnection, Neo4jConnectionError> = {
    connect: () =>
      Effect.gen(function*() {
        if (options.connectFails?.()) {
          return yield* new Neo4jConnectionError({ reason: "Refused", message: "refused" })
        }
        // Opened and registered for closing in one uninterruptible step, as a socket is.
        return yield* Effect.acquireRelease(
          Effect.sync(() => {
            const connection: FakeConnection = { id: created.length, broken: false, dirty: false, closed: false, pings: 0 }
            created.push(connection)
            return connection
          }),
          (connection) => Effect.sync(() => void (connection.closed = true))
        )
      }),
    isReusable: (connection) => !connection.broken,
    prepareForReuse: (connection) => Effect.sync(() => void (connection.dirty = false)),
    ping: (connection) =>
      Effect.suspend(() => {
        connection.pings++
        return options.pingFails === true
          ? Effect.fail(new Neo4jConnectionError({ reason: "Closed", message: "gone" }))
          : Effect.void
      })
  }
  return { created, hooks }
}

const config = (overrides: Partial<ConnectionPool.PoolConfig> = {}): ConnectionPool.PoolConfig => ({
  maxSize: 2,
  acquisitionTimeout: Duration.seconds(5),
  maxLifetime: Duration.hours(1),
  ...overrides
})

const stats = (pool: ConnectionPool.ConnectionPool<FakeConnection, Neo4jConnectionError>) =>
  Effect.map(pool.stats, (all) => all.find((s) => s.address === "db.example:7687"))

describe("ConnectionPool", () => {
  it.effect("reuses a released connection instead of opening another", () =>
    Effect.gen(function*() {
      const { created, hooks } = makeFakes()
      const pool = yield* ConnectionPool.make(config(), hooks)
      const first = yield* Effect.scoped(pool.acquire(address))
      const second = yield* Effect.scoped(pool.acquire(address))
      assert.strictEqual(first, second)
      assert.strictEqual(created.length, 1)
      const s = yield* stats(pool)
      assert.deepStrictEqual(s, { address: "db.example:7687", inUse: 0, idle: 1, creating: 0, waiting: 0 })
    }))

  it.effect("makes a waiter wait for a released connection when the pool is full", () =>
    Effect.gen(function*() {
      const { created, hooks } = makeFakes()
      const pool = yield* ConnectionPool.make(config(), hooks)
      const scopeA = yield* Scope.make()
      const a = yield* Scope.provide(pool.acquire(address), scopeA)
      const holdB = yield* Scope.make()
      yield* Scope.provide(pool.acquire(address), holdB)
      const waiter = yield* Effect.scoped(pool.acquire(address)).pipe(Effect.forkChild)
      yield* Effect.yieldNow
      assert.strictEqual((yield* stats(pool))?.waiting, 1)
      yield* Scope.close(scopeA, Exit.void)
      const got = yield* Fiber.join(waiter)
      assert.strictEqual(got, a)
      assert.strictEqual(created.length, 2)
      yield* Scope.close(holdB, Exit.void)
      assert.strictEqual((yield* stats(pool))?.inUse, 0)
    }))

  it.effect("discard frees a leased connection's slot at once, and its scope then releases nothing", () =>
    Effect.gen(function*() {
      const { created, hooks } = makeFakes()
      const pool = yield* ConnectionPool.make(config({ maxSize: 1 }), hooks)
      const lease = yield* Scope.make()
      const first = yield* Scope.provide(pool.acquire(address), lease)
      yield* pool.discard(first)
      assert.isTrue(first.closed)
      assert.strictEqual((yield* stats(pool))?.inUse, 0)
      // The only slot is free while the first lease is still open: the same scope gets a new one.
      const second = yield* Scope.provide(pool.acquire(address), lease)
      assert.notStrictEqual(second, first)
      assert.strictEqual(created.length, 2)
      yield* pool.discard(first) // a second discard does nothing
      assert.strictEqual((yield* stats(pool))?.inUse, 1)
      yield* Scope.close(lease, Exit.void)
      assert.deepStrictEqual(yield* stats(pool), { address: "db.example:7687", inUse: 0, idle: 1, creating: 0, waiting: 0 })
      assert.strictEqual(yield* Effect.scoped(pool.acquire(address)), second)
    }))

  it.effect("discard wakes a fiber waiting for a slot", () =>
    Effect.gen(function*() {
      const { hooks } = makeFakes()
      const pool = yield* ConnectionPool.make(config({ maxSize: 1 }), hooks)
      const lease = yield* Scope.make()
      const first = yield* Scope.provide(pool.acquire(address), lease)
      const waiter = yield* Effect.scoped(pool.acquire(address)).pipe(Effect.forkChild)
      yield* Effect.yieldNow
      assert.strictEqual((yield* stats(pool))?.waiting, 1)
      yield* pool.discard(first)
      const got = yield* Fiber.join(waiter)
      assert.notStrictEqual(got, first)
      yield* Scope.close(lease, Exit.void)
      assert.strictEqual((yield* stats(pool))?.inUse, 0)
    }))

  it.effect("fails with an acquisition timeout after the configured time", () =>
    Effect.gen(function*() {
      const { hooks } = makeFakes()
      const pool = yield* ConnectionPool.make(config({ maxSize: 1 }), hooks)
      const hold = yield* Scope.make()
      yield* Scope.provide(pool.acquire(address), hold)
      const waiter = yield* Effect.scoped(pool.acquire(address)).pipe(Effect.flip, Effect.forkChild)
      yield* TestClock.adjust(Duration.millis(4_999))
      assert.isUndefined(waiter.pollUnsafe())
      yield* TestClock.adjust(Duration.millis(1))
      const error = yield* Fiber.join(waiter)
      assert.instanceOf(error, Neo4jConnectionError)
      assert.strictEqual((error as Neo4jConnectionError).reason, "AcquisitionTimeout")
      assert.match(error.message, /within 5s/)
      assert.strictEqual((yield* stats(pool))?.waiting, 0)
    }))

  it.effect("removes an interrupted waiter from the queue", () =>
    Effect.gen(function*() {
      const { hooks } = makeFakes()
      const pool = yield* ConnectionPool.make(config({ maxSize: 1 }), hooks)
      const hold = yield* Scope.make()
      yield* Scope.provide(pool.acquire(address), hold)
      const waiter = yield* Effect.scoped(pool.acquire(address)).pipe(Effect.forkChild)
      yield* Effect.yieldNow
      assert.strictEqual((yield* stats(pool))?.waiting, 1)
      yield* Fiber.interrupt(waiter)
      assert.strictEqual((yield* stats(pool))?.waiting, 0)
      yield* Scope.close(hold, Exit.void)
      assert.deepStrictEqual(yield* stats(pool), { address: "db.example:7687", inUse: 0, idle: 1, creating: 0, waiting: 0 })
    }))

  it.effect("never hands out a broken connection again", () =>
    Effect.gen(function*() {
      const { created, hooks } = makeFakes()
      const pool = yield* ConnectionPool.make(config(), hooks)
      yield* Effect.scoped(Effect.tap(pool.acquire(address), (c) => Effect.sync(() => void (c.broken = true))))
      assert.isTrue(created[0]!.closed)
      const next = yield* Effect.scoped(pool.acquire(address))
      assert.strictEqual(next.id, 1)
    }))

  it.effect("cleans a dirty connection before reuse", () =>
    Effect.gen(function*() {
      const { hooks } = makeFakes()
      const pool = yield* ConnectionPool.make(config(), hooks)
      const c = yield* Effect.scoped(Effect.tap(pool.acquire(address), (c) => Effect.sync(() => void (c.dirty = true))))
      assert.isFalse(c.dirty)
    }))

  it.effect("retires connections older than the max lifetime", () =>
    Effect.gen(function*() {
      const { created, hooks } = makeFakes()
      const pool = yield* ConnectionPool.make(config({ maxLifetime: Duration.minutes(10) }), hooks)
      yield* Effect.scoped(pool.acquire(address))
      yield* TestClock.adjust(Duration.minutes(10))
      const next = yield* Effect.scoped(pool.acquire(address))
      assert.strictEqual(next.id, 1)
      assert.isTrue(created[0]!.closed)
    }))

  it.effect("pings idle connections after the liveness timeout and replaces dead ones", () =>
    Effect.gen(function*() {
      const alive = makeFakes()
      const pool = yield* ConnectionPool.make(config({ livenessCheckTimeout: Duration.seconds(30) }), alive.hooks)
      yield* Effect.scoped(pool.acquire(address))
      yield* TestClock.adjust(Duration.seconds(10))
      yield* Effect.scoped(pool.acquire(address))
      assert.strictEqual(alive.created[0]!.pings, 0)
      yield* TestClock.adjust(Duration.seconds(30))
      const same = yield* Effect.scoped(pool.acquire(address))
      assert.strictEqual(same.pings, 1)

      const dead = makeFakes({ pingFails: true })
      const pool2 = yield* ConnectionPool.make(config({ livenessCheckTimeout: Duration.seconds(30) }), dead.hooks)
      yield* Effect.scoped(pool2.acquire(address))
      yield* TestClock.adjust(Duration.seconds(31))
      const fresh = yield* Effect.scoped(pool2.acquire(address))
      assert.strictEqual(fresh.id, 1)
      assert.isTrue(dead.created[0]!.closed)
    }))

  it.effect("gives the capacity of a failed connect to the next waiter", () =>
    Effect.gen(function*() {
      let failNext = false
      const { hooks } = makeFakes({ connectFails: () => failNext })
      const pool = yield* ConnectionPool.make(config({ maxSize: 1 }), hooks)
      failNext = true
      const error = yield* Effect.scoped(pool.acquire(address)).pipe(Effect.flip)
      assert.strictEqual((error as Neo4jConnectionError).reason, "Refused")
      failNext = false
      const ok = yield* Effect.scoped(pool.acquire(address))
      assert.strictEqual(ok.id, 0)
      assert.strictEqual((yield* stats(pool))?.inUse, 0)
    }))

  it.effect("fails acquisitions after close and closes leased connections on release", () =>
    Effect.gen(function*() {
      const { created, hooks } = makeFakes()
      const pool = yield* ConnectionPool.make(config(), hooks)
      const hold = yield* Scope.make()
      yield* Scope.provide(pool.acquire(address), hold)
      yield* pool.close
      const error = yield* Effect.scoped(pool.acquire(address)).pipe(Effect.flip)
      assert.instanceOf(error, Neo4jUsageError)
      assert.isFalse(created[0]!.closed)
      yield* Scope.close(hold, Exit.void)
      assert.isTrue(created[0]!.closed)
    }))

  it.effect("the acquisition timeout covers opening a connection (handshake and HELLO), not only waiting", () =>
    Effect.gen(function*() {
      const { hooks } = makeFakes()
      let closedSlowly = false
      const slow: ConnectionPool.PoolHooks<FakeConnection, Neo4jConnectionError> = {
        ...hooks,
        connect: (at) =>
          Effect.andThen(
            Effect.addFinalizer(() => Effect.sync(() => void (closedSlowly = true))),
            Effect.andThen(Effect.sleep(Duration.seconds(10)), hooks.connect(at))
          )
      }
      const pool = yield* ConnectionPool.make(config({ acquisitionTimeout: Duration.seconds(2) }), slow)
      const fiber = yield* Effect.scoped(pool.acquire(address)).pipe(Effect.flip, Effect.forkChild)
      yield* TestClock.adjust(Duration.seconds(2))
      const error = yield* Fiber.join(fiber)
      assert.instanceOf(error, Neo4jConnectionError)
      assert.strictEqual((error as Neo4jConnectionError).reason, "AcquisitionTimeout")
      assert.isTrue(closedSlowly, "the half-open connection was closed")
      assert.deepStrictEqual(yield* stats(pool), { address: "db.example:7687", inUse: 0, idle: 0, creating: 0, waiting: 0 })
    }))

  it.effect("verified acquisition pings an idle connection however fresh; a new one is not pinged", () =>
    Effect.gen(function*() {
      const { created, hooks } = makeFakes()
      const pool = yield* ConnectionPool.make(config(), hooks)
      yield* Effect.scoped(pool.acquire(address, true))
      assert.strictEqual(created[0]!.pings, 0)
      yield* Effect.scoped(pool.acquire(address))
      assert.strictEqual(created[0]!.pings, 0)
      yield* Effect.scoped(pool.acquire(address, true))
      assert.strictEqual(created[0]!.pings, 1)
      assert.strictEqual(created.length, 1)
    }))

  // The scheduler yields every few steps, so the interruptions land at every point of acquire and
  // release. Before: slots lost (16), waiters left queued and handed connections nobody received
  // (7), `creating` counted forever, idle connections dropped unclosed (8), more connections than
  // maxSize (3, 5).
  it.effect.each(STEPS_PER_YIELD)("leases interrupted at any step lose no slot and no connection (yielding every %d steps)", (stepsPerYield) =>
    Effect.gen(function*() {
      const { created, hooks } = makeFakes()
      const maxSize = 4
      // A clean connection is given back without a step (the per-query path), a dirty one cleaned first.
      const pool = yield* ConnectionPool.make(config({ maxSize }), {
        ...hooks,
        prepareForReuse: (connection) => connection.dirty ? hooks.prepareForReuse(connection) : undefined
      })
      let leases = 0
      const work = Effect.scoped(Effect.flatMap(pool.acquire(address), (connection) =>
        Effect.andThen(Effect.sync(() => {
          leases++
          connection.dirty = leases % 3 === 0
        }), Effect.yieldNow)))
      for (let round = 0; round < 300; round++) {
        const fibers = yield* Effect.forEach(Array.from({ length: 6 }), () => Effect.forkChild(Effect.forever(work)))
        // Interrupted after a varying number of steps.
        for (let i = 0; i < (round % 11) * Math.ceil(16 / stepsPerYield); i++) yield* Effect.yieldNow
        yield* Fiber.interruptAll(fibers)
        const now = yield* stats(pool)
        assert.isAtMost(now!.idle + now!.inUse + now!.creating, maxSize, `round ${round}: more than maxSize connections`)
        assert.strictEqual(now!.waiting, 0, `round ${round}: a waiter of an interrupted fiber is still queued`)
      }
      // An interrupted lease of a dirty connection cleans it in the background before giving it back.
      for (let i = 0; i < 50; i++) yield* Effect.yieldNow
      assert.isAbove(leases, 1_000)
      const after = yield* stats(pool)
      assert.strictEqual(after?.inUse, 0)
      assert.strictEqual(after?.creating, 0)
      // Every open connection is in the pool, and every slot can be leased again at once.
      assert.strictEqual(created.filter((c) => !c.closed).length, after?.idle)
      const all = yield* Effect.scoped(Effect.forEach(Array.from({ length: maxSize }), () => pool.acquire(address), { concurrency: maxSize }))
      assert.strictEqual(new Set(all).size, maxSize)
    }).pipe(Effect.provideService(Scheduler.MaxOpsBeforeYield, stepsPerYield)))

  it.effect("serves 200 fibers x 50 acquisitions over 10 connections without leaking", () =>
    Effect.gen(function*() {
      const { created, hooks } = makeFakes()
      const pool = yield* ConnectionPool.make(config({ maxSize: 10 }), hooks)
      let served = 0
      const work = Effect.scoped(Effect.flatMap(pool.acquire(address), () =>
        Effect.andThen(Effect.yieldNow, Effect.sync(() => void served++))))
      yield* Effect.forEach(Array.from({ length: 200 }), () => Effect.repeat(work, { times: 49 }), {
        concurrency: "unbounded",
        discard: true
      })
      assert.strictEqual(served, 10_000)
      assert.strictEqual(created.length, 10)
      assert.deepStrictEqual(yield* stats(pool), { address: "db.example:7687", inUse: 0, idle: 10, creating: 0, waiting: 0 })
    }))
})
