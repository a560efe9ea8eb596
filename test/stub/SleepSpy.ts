/**
 * Sees every sleep the driver asks its `Clock` for, on top of the `TestClock` of `it.effect`: a
 * test waits until the driver sleeps (a retry backoff), reads the exact delay the schedule chose,
 * and moves the `TestClock` by exactly that much. No polling and no real sleeping.
 *
 * ```ts
 * const spy = yield* SleepSpy.make()
 * const fiber = yield* Effect.forkChild(spy.provide(program))
 * const delay = yield* spy.next          // the driver sleeps now
 * yield* TestClock.adjust(delay)         // wake it
 * ```
 */
import { Clock, Duration, Effect } from "effect"

/**
 * Records the sleeps of the effects it is provided to.
 */
export interface SleepSpy {
  /** every sleep requested so far (ignored durations left out), in order */
  readonly sleeps: ReadonlyArray<Duration.Duration>
  /** waits for the next sleep not yet handed out, and returns its duration */
  readonly next: Effect.Effect<Duration.Duration>
  /** the `TestClock` time (ms) at which each sleep was requested */
  readonly requestedAt: ReadonlyArray<number>
  /** runs `effect` with the spying clock */
  readonly provide: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/**
 * Options of {@link make}.
 */
export interface SleepSpyOptions {
  /**
   * Sleeps of these durations are not recorded: timeouts the driver arms while it works (connect,
   * acquisition), which are not retry delays. Give the driver distinctive timeouts and list them.
   */
  readonly ignore?: ReadonlyArray<Duration.Input> | undefined
}

/**
 * A spy over the current clock (the `TestClock` under `it.effect`).
 */
export const make = (options: SleepSpyOptions = {}): Effect.Effect<SleepSpy> =>
  Clock.clockWith((base) =>
    Effect.sync(() => {
      const ignored = new Set((options.ignore ?? []).map((d) => Duration.toMillis(Duration.fromInputUnsafe(d))))
      const sleeps: Array<Duration.Duration> = []
      const requestedAt: Array<number> = []
      let handedOut = 0
      const waiters: Array<() => void> = []
      const spy: Clock.Clock = {
        currentTimeMillisUnsafe: () => base.currentTimeMillisUnsafe(),
        currentTimeMillis: base.currentTimeMillis,
        currentTimeNanosUnsafe: () => base.currentTimeNanosUnsafe(),
        currentTimeNanos: base.currentTimeNanos,
        monotonicTimeNanosUnsafe: () => base.monotonicTimeNanosUnsafe(),
        monotonicTimeNanos: base.monotonicTimeNanos,
        sleep: (duration) =>
          Effect.suspend(() => {
            if (!ignored.has(Duration.toMillis(duration))) {
              sleeps.push(duration)
              requestedAt.push(base.currentTimeMillisUnsafe())
              waiters.shift()?.()
            }
            return base.sleep(duration)
          })
      }
      const next: Effect.Effect<Duration.Duration> = Effect.callback<Duration.Duration>((resume) => {
        const take = () => resume(Effect.sync(() => sleeps[handedOut++]!))
        if (sleeps.length > handedOut) return take()
        waiters.push(take)
        return Effect.sync(() => {
          const at = waiters.indexOf(take)
          if (at !== -1) waiters.splice(at, 1)
        })
      }).pipe(
        // The sleeping fiber registers its wake-up with the TestClock right after asking; let it.
        Effect.tap(() => Effect.yieldNow)
      )
      return {
        sleeps,
        requestedAt,
        next,
        provide: (effect) => Effect.provideService(effect, Clock.Clock, spy)
      } satisfies SleepSpy
    })
  )
