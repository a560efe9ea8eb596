/**
 * Helpers of the tests that interrupt fibers at every step. Effect's scheduler may suspend a fiber
 * between any two steps (`Scheduler.MaxOpsBeforeYield` steps per yield), and a suspended fiber
 * that is interrupted stops right there; these tests run with a few steps per yield so that the
 * interruptions land everywhere.
 */
import { Effect, Fiber } from "effect"

/**
 * Steps per yield the tests try. Below 3, Effect 4.1's run loop makes no progress at all (a fiber
 * that only logs never starts).
 */
export const STEPS_PER_YIELD = [3, 5, 7, 8, 16, 32] as const

/** Runs `effect` in a fiber and lets it take up to `steps` yields to finish; `undefined`: still running. */
export const finishes = <A, E>(effect: Effect.Effect<A, E>, steps: number) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(effect)
    for (let i = 0; i < steps && fiber.pollUnsafe() === undefined; i++) yield* Effect.yieldNow
    const exit = fiber.pollUnsafe()
    if (exit === undefined) yield* Fiber.interrupt(fiber)
    return exit
  })
