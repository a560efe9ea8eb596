/**
 * Connections per server address: max size, acquisition timeout, max lifetime, liveness check of
 * idle connections, broken connections never handed out again, and statistics.
 *
 * The pool is generic over the connection type so that it is tested with fakes and `TestClock`;
 * the driver instantiates it with Bolt connections. All bookkeeping happens in synchronous
 * sections (`Effect.sync`), which cannot interleave, so no lock is needed.
 *
 * Metrics (OpenTelemetry `db.client.connection.*`) are read-time series over this bookkeeping
 * (see `internal/metrics.ts`): an acquisition of an idle connection adds one integer increment;
 * waiting, creating and timing out record into plain fields on their slow paths.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Metrics from "../internal/metrics.ts"
import { Neo4jConnectionError, Neo4jUsageError } from "../Neo4jError.ts"
import { formatAddress, type ServerAddress } from "../internal/uri.ts"
import type { PoolStats } from "../Neo4j.ts"

/** Defaults of the official drivers (PROTOCOL-NOTES, "Pool"). */
export const POOL_DEFAULTS = {
  maxSize: 100, // connections per server
  acquisitionTimeout: Duration.seconds(60),
  maxLifetime: Duration.hours(1)
} as const

export interface PoolConfig {
  readonly maxSize: number
  readonly acquisitionTimeout: Duration.Duration
  readonly maxLifetime: Duration.Duration
  /** Idle connections older than this are pinged before being handed out; `undefined`: never. */
  readonly livenessCheckTimeout?: Duration.Duration | undefined
}

/** What the pool needs to know about the connections it holds. */
export interface PoolHooks<C, E, I = void> {
  /**
   * Opens a connection; its resources live in the given scope until the pool closes it. `input`:
   * what the acquisition that needs it passed to `acquire` (the driver: the token to log on with).
   */
  readonly connect: (address: ServerAddress, input: I | undefined) => Effect.Effect<C, E, Scope.Scope>
  /** False once the connection is broken (socket closed, protocol error): it is destroyed. */
  readonly isReusable: (connection: C) => boolean
  /** Brings a released connection back to a clean state (e.g. RESET after a failure); `undefined`: it is clean. */
  readonly prepareForReuse: (connection: C) => Effect.Effect<void, E> | undefined
  /** A round trip proving an idle connection still works. */
  readonly ping: (connection: C) => Effect.Effect<void, E>
}


interface Entry<C> {
  readonly connection: C
  readonly address: ServerAddress
  readonly scope: Scope.Closeable
  readonly createdAt: number
  lastUsedAt: number
  /** Set by `discard`: the lease already ended, its scope's release does nothing. */
  discarded: boolean
}

type WakeUp<C> = Entry<C> | "retry"

interface AddressState<C> {
  readonly address: ServerAddress
  readonly key: string
  readonly idle: Array<Entry<C>>
  readonly waiters: Array<Deferred.Deferred<WakeUp<C>>>
  inUse: number
  creating: number
  readonly metrics: Metrics.AddressMetrics
}

/** A pool of connections, keyed by server address. */
export interface ConnectionPool<C, E, I = void> {
  /**
   * A connection to `address` for the lifetime of the current scope. With `verified`, an idle
   * connection is pinged whatever its idle time (a new one has just proved itself with its
   * handshake): `verifyConnectivity` must prove a round trip, not trust the pool. `input` goes to
   * `connect` when a new connection is opened for this acquisition.
   */
  readonly acquire: (
    address: ServerAddress,
    verified?: boolean,
    input?: I
  ) => Effect.Effect<C, E | Neo4jConnectionError | Neo4jUsageError, Scope.Scope>
  readonly stats: Effect.Effect<ReadonlyArray<PoolStats>>
  /**
   * Ends the caller's lease of `connection` now: the connection is closed and its slot freed at
   * once, and the lease's scope releases nothing when it closes. For a leased connection that
   * cannot serve this acquisition (Bolt < 5.1 after the driver's token rotated), when the one that
   * replaces it needs the slot (a full pool would otherwise wait for itself).
   */
  readonly discard: (connection: C) => Effect.Effect<void>
  /** Closes the idle connections of an address and forgets it (routing: it left every table). */
  readonly purge: (address: ServerAddress) => Effect.Effect<void>
  /** Closes every idle connection now and every leased one on release; later acquires fail. */
  readonly close: Effect.Effect<void>
}

/** Builds a pool; it is closed when the enclosing scope closes. */
export const make = <C extends object, E, I = void>(
  config: PoolConfig,
  hooks: PoolHooks<C, E, I>
): Effect.Effect<ConnectionPool<C, E, I>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const states = new Map<string, AddressState<C>>()
    const poolScope = yield* Effect.scope
    let closed = false
    // The registry of the context the pool is built in (the driver's layer) holds its series.
    const context = yield* Effect.context<never>()
    const maxLifetimeMillis = Duration.toMillis(config.maxLifetime)
    const livenessMillis = config.livenessCheckTimeout === undefined
      ? Number.POSITIVE_INFINITY
      : Duration.toMillis(config.livenessCheckTimeout)

    // The address objects of a router are long-lived: remembering their state saves formatting the
    // key on every acquire. A state deleted by `purge` is looked up again by key.
    const known = new WeakMap<ServerAddress, AddressState<C>>()
    const stateFor = (address: ServerAddress): AddressState<C> => {
      const remembered = known.get(address)
      if (remembered !== undefined && states.get(remembered.key) === remembered) return remembered
      const key = formatAddress(address)
      let state = states.get(key)
      if (state === undefined) {
        const counts = {
          idle: () => fresh.idle.length,
          used: () => fresh.inUse,
          pending: () => fresh.waiters.length
        }
        const fresh: AddressState<C> = {
          address,
          key,
          idle: [],
          waiters: [],
          inUse: 0,
          creating: 0,
          // A closed pool keeps no series (an acquire after close only fails).
          metrics: closed ? Metrics.detachedAddress() : Metrics.registerAddress(context, key, config.maxSize, counts)
        }
        state = fresh
        states.set(key, state)
      }
      known.set(address, state)
      return state
    }

    const destroy = (entry: Entry<C>): Effect.Effect<void> => Scope.close(entry.scope, Exit.void)
    // The entry a slow acquisition holds, set the moment its slot is counted as in use: an
    // acquisition interrupted (or timed out) after that point and before its lease is in the
    // scope gives the entry back instead of losing the slot.
    // `connecting`: it went on to open a connection (for the timeout's message).
    type Holder = { entry: Entry<C> | undefined; connecting: boolean }
    // Every connection the pool opened, for `discard` (which gets the connection, not the entry).
    const entries = new WeakMap<C, Entry<C>>()

    // Capacity was freed (a connection destroyed or a creation failed): the first waiter tries again.
    const wakeOneWaiter = (state: AddressState<C>): void => {
      while (state.waiters.length > 0) {
        const waiter = state.waiters.shift()!
        if (Deferred.doneUnsafe(waiter, Effect.succeed("retry"))) return
      }
    }

    // Hands a clean connection to the first waiter still waiting, or parks it as idle.
    const giveBack = (state: AddressState<C>, entry: Entry<C>): void => {
      while (state.waiters.length > 0) {
        const waiter = state.waiters.shift()!
        if (Deferred.doneUnsafe(waiter, Effect.succeed(entry))) {
          state.inUse++
          return
        }
      }
      state.idle.push(entry)
    }

    const isExpired = (entry: Entry<C>, now: number): boolean => now - entry.createdAt >= maxLifetimeMillis

    // `undefined` when the entry went back to the idle list (nothing left to run).
    const finishReleaseNow = (state: AddressState<C>, entry: Entry<C>, reusable: boolean): Effect.Effect<void> | undefined => {
      state.inUse--
      if (reusable && !closed && hooks.isReusable(entry.connection)) {
        giveBack(state, entry)
        return undefined
      }
      return Effect.andThen(destroy(entry), Effect.sync(() => wakeOneWaiter(state)))
    }
    const finishRelease = (state: AddressState<C>, entry: Entry<C>, reusable: boolean): Effect.Effect<void> =>
      finishReleaseNow(state, entry, reusable) ?? Effect.void

    // The end of a lease, done at once when the connection is clean (every query's path); else what
    // is left to run: closing it, or RESET first. `undefined` when nothing is left.
    const releaseNow = (
      clock: Clock.Clock,
      state: AddressState<C>,
      entry: Entry<C>,
      interrupted: boolean
    ): Effect.Effect<void> | undefined => {
      const now = clock.currentTimeMillisUnsafe()
      entry.lastUsedAt = now
      if (closed || !hooks.isReusable(entry.connection) || isExpired(entry, now)) {
        return finishReleaseNow(state, entry, false)
      }
      const preparation = hooks.prepareForReuse(entry.connection)
      if (preparation === undefined) return finishReleaseNow(state, entry, true)
      const prepare = (restore: <A, E2>(effect: Effect.Effect<A, E2>) => Effect.Effect<A, E2>) =>
        Effect.flatMap(Effect.exit(restore(preparation)), (prepared) => finishRelease(state, entry, Exit.isSuccess(prepared)))
      if (!interrupted) return prepare((effect) => effect)
      // An interrupted (or timed out) lease does not wait for the server's answer to RESET (issue
      // 15: a stalled server held an Effect.timeout for 32 s): the preparation runs in the
      // background, and the entry stays counted in use until it ends, then is reused or closed.
      return Effect.asVoid(Effect.forkIn(Effect.uninterruptibleMask(prepare), poolScope))
    }
    const release = (state: AddressState<C>, entry: Entry<C>, interrupted = false): Effect.Effect<void> =>
      Effect.clockWith((clock) => releaseNow(clock, state, entry, interrupted) ?? Effect.void)

    // A new connection when the address has room for one and no idle connection, else `undefined`.
    // The room is taken in the same uninterruptible step as it is checked: an interruption between
    // the two (the scheduler may suspend a fiber between any two steps) would leave `creating`
    // counted forever. A connection given back since `takeIdle` looked counts against the room:
    // the address never holds more than `maxSize` connections.
    const create = (state: AddressState<C>, input: I | undefined, holder: Holder): Effect.Effect<Entry<C> | undefined, E> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          if (state.idle.length + state.inUse + state.creating >= config.maxSize) return undefined
          state.creating++
          holder.connecting = true
          const scope = yield* Scope.make()
          const clock = yield* Clock.clockWith(Effect.succeed)
          const started = clock.monotonicTimeNanosUnsafe()
          const exit = yield* Effect.exit(restore(Scope.provide(hooks.connect(state.address, input), scope)))
          state.creating--
          if (Exit.isFailure(exit)) {
            yield* Scope.close(scope, exit)
            wakeOneWaiter(state)
            return yield* Effect.failCause(exit.cause)
          }
          state.metrics.createTime.record(Metrics.millisSince(clock, started) / 1000)
          // No step between `creating--` and `inUse++`: the room stays counted throughout.
          const now = clock.currentTimeMillisUnsafe()
          state.inUse++
          const entry: Entry<C> = {
            connection: exit.value,
            address: state.address,
            scope,
            createdAt: now,
            lastUsedAt: now,
            discarded: false
          }
          entries.set(exit.value, entry)
          holder.entry = entry
          return entry
        })
      )

    // An idle connection, checked for lifetime and (after long idleness) liveness; undefined if none.
    // Uninterruptible but for the ping: an entry taken off the idle list is always either destroyed
    // or held (so that an acquisition that ends without a lease gives it back), never dropped.
    const takeIdle = (state: AddressState<C>, verified: boolean, holder: Holder): Effect.Effect<Entry<C> | undefined> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          const clock = yield* Clock.clockWith(Effect.succeed)
          while (state.idle.length > 0) {
            const entry = state.idle.pop()!
            const now = clock.currentTimeMillisUnsafe()
            if (!hooks.isReusable(entry.connection) || isExpired(entry, now)) {
              yield* destroy(entry)
              continue
            }
            state.inUse++
            holder.entry = entry
            if (verified || now - entry.lastUsedAt >= livenessMillis) {
              const alive = yield* Effect.exit(restore(hooks.ping(entry.connection)))
              if (Exit.isFailure(alive)) {
                // A failed or interrupted ping: the connection's state is unknown, it is destroyed.
                state.inUse--
                holder.entry = undefined
                yield* destroy(entry)
                // Interrupted: stop here rather than ping (and destroy) the next idle connection.
                if (Exit.hasInterrupts(alive)) return yield* Effect.interrupt
                continue
              }
            }
            return entry
          }
          return undefined
        })
      )

    const timeoutError = (state: AddressState<C>, connecting: boolean) =>
      new Neo4jConnectionError({
        reason: "AcquisitionTimeout",
        address: state.key,
        message: connecting
          ? `Could not open a connection to ${state.key} within ${Duration.format(config.acquisitionTimeout)} ` +
            `(connectionAcquisitionTimeout covers connecting, the Bolt handshake and authentication).`
          : `Could not acquire a connection to ${state.key} within ${
            Duration.format(config.acquisitionTimeout)
          }: all ${config.maxSize} connections are in use. Raise maxConnectionPoolSize or ` +
            `connectionAcquisitionTimeout, or release sessions sooner.`
      })

    const closedError = () =>
      new Neo4jUsageError({ message: "The driver is closed; create a new one (provide its layer again)." })

    // Unbounded here: the whole slow acquisition is bounded by the acquisition timeout. The waiter is
    // queued in the same uninterruptible step that installs its clean-up: a waiter queued by a fiber
    // interrupted before its clean-up ran would stay queued, and a release would hand it a
    // connection nobody receives (a slot lost for good).
    const waitForTurn = (state: AddressState<C>, holder: Holder): Effect.Effect<WakeUp<C>> =>
      Effect.uninterruptibleMask((restore) => {
        // Given back since the caller looked: take it rather than wait.
        if (state.idle.length > 0) return Effect.succeed("retry" as const)
        const waiter = Deferred.makeUnsafe<WakeUp<C>>()
        state.waiters.push(waiter)
        return Effect.onExit(restore(Deferred.await(waiter)), (exit) =>
          Effect.suspend(() => {
            if (Exit.isSuccess(exit)) {
              if (exit.value !== "retry") holder.entry = exit.value
              return Effect.void
            }
            const index = state.waiters.indexOf(waiter)
            if (index !== -1) state.waiters.splice(index, 1)
            // Completed by a release in the same instant as the timeout or interruption: pass it on.
            return Effect.flatMap(Deferred.poll(waiter), (done) =>
              Option.isNone(done) ? Effect.void : Effect.flatMap(done.value, (wake) => {
                if (wake !== "retry") return release(state, wake)
                wakeOneWaiter(state)
                return Effect.void
              }))
          }))
      })

    // The newest idle connection when it is alive and needs no liveness check, taken now; else undefined.
    const takeIdleNow = (state: AddressState<C>, verified: boolean, clock: Clock.Clock): Entry<C> | undefined => {
      const entry = state.idle[state.idle.length - 1]
      if (verified || entry === undefined || closed || !hooks.isReusable(entry.connection)) return undefined
      const now = clock.currentTimeMillisUnsafe()
      if (isExpired(entry, now) || now - entry.lastUsedAt >= livenessMillis) return undefined
      state.idle.pop()
      state.inUse++
      state.metrics.waitTime.zeros++
      return entry
    }

    // Bounded as a whole by the acquisition timeout: waiting for a free slot, and opening a new
    // connection up to the end of HELLO/LOGON (the connection timeout bounds each set-up too).
    const acquireEntrySlowly = (
      state: AddressState<C>,
      verified: boolean,
      input: I | undefined,
      holder: Holder
    ): Effect.Effect<Entry<C>, E | Neo4jConnectionError | Neo4jUsageError> =>
      Effect.clockWith((clock) => {
        const started = clock.monotonicTimeNanosUnsafe()
        return Effect.tap(
          Effect.gen(function*() {
            while (true) {
              if (closed) return yield* closedError()
              const idle = yield* takeIdle(state, verified, holder)
              if (idle !== undefined) return idle
              const created = yield* create(state, input, holder)
              if (created !== undefined) return created
              const wake = yield* waitForTurn(state, holder)
              if (wake !== "retry") return wake
            }
          }).pipe(
            Effect.timeoutOrElse({
              duration: config.acquisitionTimeout,
              orElse: () =>
                Effect.suspend(() => {
                  state.metrics.timeouts++
                  return Effect.fail(timeoutError(state, holder.connecting))
                })
            })
          ),
          () => Effect.sync(() => state.metrics.waitTime.record(Metrics.millisSince(clock, started) / 1000))
        )
      })

    // A held entry's lease: its release added to the scope of `context` (call while uninterruptible).
    // The release runs with the acquiring fiber's context (its clock, and what a RESET before reuse
    // runs with), as with acquireRelease, and without a step when the connection is clean.
    const lease = (state: AddressState<C>, entry: Entry<C>, context: Context.Context<Scope.Scope>, clock: Clock.Clock) => {
      const finalizer = (exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> => {
        if (entry.discarded) return Effect.void
        const left = releaseNow(clock, state, entry, Exit.hasInterrupts(exit))
        return left === undefined ? Effect.void : Effect.provideContext(left, context)
      }
      return Effect.as(Scope.addFinalizerExit(Context.get(context, Scope.Scope), finalizer), entry.connection)
    }

    // Waiting or connecting: interruptible. Its release goes into the scope in the uninterruptible
    // part, as with acquireRelease; an entry held when the acquisition was interrupted or timed out
    // (a connection just made, an idle one taken, one handed over by a release) is given back.
    const acquireSlowly = (
      state: AddressState<C>,
      verified: boolean,
      input: I | undefined
    ): Effect.Effect<C, E | Neo4jConnectionError | Neo4jUsageError, Scope.Scope> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.contextWith((context: Context.Context<Scope.Scope>) => {
          const holder: Holder = { entry: undefined, connecting: false }
          return Effect.flatMap(Effect.exit(restore(acquireEntrySlowly(state, verified, input, holder))), (exit) => {
            if (Exit.isSuccess(exit)) return lease(state, exit.value, context, Context.get(context, Clock.Clock))
            const held = holder.entry
            if (held === undefined || held.discarded) return Effect.failCause(exit.cause)
            return Effect.andThen(Effect.provideContext(release(state, held, true), context), Effect.failCause(exit.cause))
          })
        })
      )

    // Every query's path: an idle connection is taken and its release added to the scope in one
    // uninterruptible stretch of four steps (Effect.acquireRelease takes about a dozen).
    const acquire = (address: ServerAddress, verified = false, input?: I) => {
      const state = stateFor(address)
      return Effect.uninterruptibleMask((restore) =>
        Effect.contextWith((context: Context.Context<Scope.Scope>) => {
          const clock = Context.get(context, Clock.Clock)
          const entry = takeIdleNow(state, verified, clock)
          return entry === undefined ? restore(acquireSlowly(state, verified, input)) : lease(state, entry, context, clock)
        })
      )
    }

    // The entry is never handed out again (it is destroyed), so its flag cannot skip a later lease's release.
    // Uninterruptible, as purge and close: what they take out of the pool's lists they close.
    const discard = (connection: C): Effect.Effect<void> =>
      Effect.uninterruptible(Effect.suspend(() => {
        const entry = entries.get(connection)
        if (entry === undefined || entry.discarded) return Effect.void
        entry.discarded = true
        return finishRelease(stateFor(entry.address), entry, false)
      }))

    const purge = (address: ServerAddress): Effect.Effect<void> =>
      Effect.uninterruptible(Effect.suspend(() => {
        const state = states.get(formatAddress(address))
        if (state === undefined) return Effect.void
        const idle = state.idle.splice(0)
        if (state.inUse === 0 && state.creating === 0 && state.waiters.length === 0) {
          states.delete(state.key)
          state.metrics.remove()
        }
        return Effect.forEach(idle, destroy, { discard: true })
      }))

    const close: Effect.Effect<void> = Effect.uninterruptible(Effect.suspend(() => {
      closed = true
      const idle: Array<Entry<C>> = []
      for (const state of states.values()) {
        state.metrics.remove()
        idle.push(...state.idle.splice(0))
        for (const waiter of state.waiters.splice(0)) Deferred.doneUnsafe(waiter, Effect.succeed("retry"))
      }
      return Effect.forEach(idle, destroy, { discard: true, concurrency: "unbounded" })
    }))

    const stats = Effect.sync(() =>
      Array.from(states.values(), (state) => ({
        address: state.key,
        inUse: state.inUse,
        idle: state.idle.length,
        creating: state.creating,
        waiting: state.waiters.length
      }))
    )

    yield* Effect.addFinalizer(() => close)
    return { acquire, discard, stats, purge, close }
  })
