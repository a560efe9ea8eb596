import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Random, Schedule } from "effect"
import { TestClock } from "effect/testing"
import { defaultRetrySchedule } from "../../src/Neo4jConfig.ts"
import { Neo4jConnectionError } from "../../src/Neo4jError.ts"
import { retrying, withinBudget } from "../../src/internal/retry.ts"

const down = new Neo4jConnectionError({ reason: "Refused", message: "refused" })

/** Runs an always-failing (retryable) attempt under `schedule` on the TestClock; the start time of each attempt. */
const attemptTimes = (schedule: Schedule.Schedule<unknown, unknown>) =>
  Effect.gen(function*() {
    const starts: Array<number> = []
    const attempt = Effect.flatMap(Effect.clockWith((clock) => Effect.succeed(clock.currentTimeMillisUnsafe())), (now) => {
      starts.push(now)
      return Effect.fail(down)
    })
    const fiber = yield* Effect.forkChild(Effect.flip(retrying(attempt, schedule)))
    // One-second steps: a delay is never skipped over, and 200 s is far beyond any budget here.
    for (let i = 0; i < 200 && fiber.pollUnsafe() === undefined; i++) yield* TestClock.adjust("1 second")
    const error = yield* Fiber.join(fiber)
    return { starts, error }
  })

describe("the retry budget (issue 15, defect 3)", () => {
  it.effect("no attempt starts after the budget; the last delay is cut to what is left", () =>
    Effect.gen(function*() {
      // Delays 1, 2, 4, 8 s put attempts at 1, 3, 7, 15 s; the 16 s delay is cut to 15 s (the budget is
      // 30 s from the first failure), and no attempt follows the one at 30 s.
      const { starts, error } = yield* attemptTimes(withinBudget(Schedule.exponential("1 second"), "30 seconds"))
      assert.deepStrictEqual(starts.map((start) => start - starts[0]!), [0, 1_000, 3_000, 7_000, 15_000, 30_000])
      assert.strictEqual(error.attempts, 6)
    }))

  it.effect("the default policy (jittered) never starts an attempt after 30 s, over 50 random runs", () =>
    Effect.gen(function*() {
      let latest = 0
      for (let seed = 0; seed < 50; seed++) {
        const { starts } = yield* attemptTimes(defaultRetrySchedule()).pipe(Random.withSeed(seed))
        latest = Math.max(latest, starts.at(-1)! - starts[0]!)
        assert.isAtMost(starts.at(-1)! - starts[0]!, 30_000, `seed ${seed}: attempts at ${starts.join(", ")}`)
      }
      assert.isAbove(latest, 20_000, "the budget was used")
    }))
})
