/**
 * Retries of transaction functions and `executeQuery`: the loop that runs the work again while it
 * fails retryably, and the time budget that bounds the default policy.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { isNeo4jError, isRetryable } from "../Neo4jError.ts"
import { withAttempts } from "./errors.ts"

/**
 * Bounds `schedule` by a time budget counted from its first step (the first failure): no step
 * once the budget is spent, and each delay capped at what is left of it, so that no attempt starts
 * after the budget. `Schedule.upTo({ duration })` alone only checks the time elapsed before a
 * delay; the doubled, jittered delay that follows could start an attempt long after the budget
 * (a 30 s budget gave attempts at 60-66 s under an outage, issue 15).
 */
export const withinBudget = <Output, Input, Error, Env>(
  schedule: Schedule.Schedule<Output, Input, Error, Env>,
  budget: Duration.Input
): Schedule.Schedule<Output, Input, Error, Env> => {
  const budgetMillis = Duration.toMillis(Duration.fromInputUnsafe(budget))
  return schedule.pipe(
    // `upTo` continues while elapsed <= its duration; a retry is only decided while some of the
    // budget is left (at exactly the budget a capped delay of 0 would retry forever on a frozen clock).
    Schedule.upTo({ duration: Duration.millis(Math.max(0, budgetMillis - 1)) }),
    Schedule.modifyDelay(({ duration, elapsed }) =>
      Effect.succeed(Duration.millis(Math.max(0, Math.min(Duration.toMillis(duration), Math.floor(budgetMillis - elapsed))))))
  )
}

/**
 * Runs `attempt` again while it fails with a retryable error and the schedule allows; when it gives
 * up, the last error says how many attempts were made. Non-retryable errors pass through at once.
 */
export const retrying = <A, E, R>(
  attempt: Effect.Effect<A, E, R>,
  schedule: Schedule.Schedule<unknown, unknown>,
  classify: <X>(error: X) => Effect.Effect<X> = Effect.succeed,
  /** Called before each attempt that runs again, with the previous attempt's error (metrics, span events). */
  onRetry?: (error: unknown, attempt: number) => Effect.Effect<void>
): Effect.Effect<A, E, R> => {
  // The first attempt runs bare; the schedule is only set up once it failed retryably (setting it
  // up costs ~1.5 µs, per query). The retried effect starts with that failure, so the schedule's
  // first delay comes before the second attempt, exactly as `Effect.retry` on the whole would,
  // and the schedule's clock starts at the first failure (the budget of `withinBudget`).
  return Effect.catch(attempt, (error) => Effect.flatMap(classify(error), (first) => {
    if (!isRetryable(first)) return Effect.fail(first)
    const classified = Effect.catch(attempt, (failure) => Effect.flatMap(classify(failure), Effect.fail))
    let attempts = 1
    let replayed = false
    let last: unknown = first
    const again = Effect.suspend(() => {
      if (!replayed) {
        replayed = true
        return Effect.fail(first)
      }
      attempts++
      const next = onRetry === undefined ? classified : Effect.andThen(onRetry(last, attempts), classified)
      return Effect.tapError(next, (error) => Effect.sync(() => void (last = error)))
    })
    return again.pipe(
      Effect.retry({ schedule, while: isRetryable }),
      Effect.mapError((error) => isNeo4jError(error) && isRetryable(error) ? withAttempts(error, attempts) as E : error)
    )
  }))
}
