/**
 * The router interrupted at every step. Effect's scheduler may suspend a fiber between any two
 * steps (`Scheduler.MaxOpsBeforeYield`), and a suspended fiber that is interrupted stops right
 * there: bookkeeping changed in one step and completed (or given its clean-up) in a later one must
 * not be left half done. These tests make the scheduler yield every 3-32 steps and interrupt
 * callers of the router after a varying number of steps, checking after every round that the
 * router still refreshes and selects.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Scheduler, Scope } from "effect"
import type * as Metadata from "../../src/bolt/Metadata.ts"
import { formatAddress, type ServerAddress } from "../../src/internal/uri.ts"
import { Neo4jConnectionError, Neo4jUsageError } from "../../src/Neo4jError.ts"
import type * as Rediscovery from "../../src/routing/Rediscovery.ts"
import * as Router from "../../src/routing/Router.ts"
import { finishes as finishesWithin, STEPS_PER_YIELD } from "../support/interruption.ts"

const seed: ServerAddress = { host: "cluster.example", port: 7687 }

const table = (db: string | undefined, ttl = 300): Rediscovery.FetchedTable => ({
  ttl,
  db,
  routers: ["core1:7687", "core2:7687"],
  readers: ["core2:7687"],
  writers: ["core1:7687"]
} satisfies Metadata.RouteMetadata)

/** Every router answers (after a step, as a round trip does) with the table of the database asked for. */
const makeCluster = (ttl = 300) => {
  let fetches = 0
  const purged: Array<string> = []
  const fetch: Rediscovery.FetchTable = (_router, request) =>
    Effect.andThen(Effect.yieldNow, Effect.sync(() => {
      fetches++
      return table(request.database ?? "home", ttl)
    }))
  const make = Router.make({
    seed,
    fetch,
    load: Effect.succeed(() => 0),
    purge: (address) => Effect.sync(() => void purged.push(formatAddress(address)))
  })
  return { make, fetches: () => fetches, purged }
}

const finishes = <A, E>(effect: Effect.Effect<A, E>) => finishesWithin(effect, 200)

const stepsPerYield = STEPS_PER_YIELD

describe("Router interrupted at any step", () => {
  // Before: `refresh` recorded its in-flight marker in one step and forked the rediscovery that
  // clears it in the next, interruptibly. A caller interrupted between the two left the marker
  // behind, never completed: every later refresh of that table awaited it forever.
  it.effect.each(stepsPerYield)("refreshes interrupted at any step leave no refresh in flight (yielding every %d steps)", (steps) =>
    Effect.gen(function*() {
      const cluster = makeCluster()
      const router = yield* cluster.make
      const work = Effect.forever(Effect.andThen(
        router.refresh({ mode: "READ", database: "neo4j" }),
        router.refresh({ mode: "WRITE", database: undefined })
      ))
      for (let round = 0; round < 200; round++) {
        const fibers = yield* Effect.forEach(Array.from({ length: 4 }), () => Effect.forkChild(work))
        for (let i = 0; i < (round % 13) * Math.ceil(16 / steps); i++) yield* Effect.yieldNow
        yield* Fiber.interruptAll(fibers)
        // A refresh started now ROUTEs afresh and completes (the ones still running end first).
        for (const database of ["neo4j", undefined]) {
          const exit = yield* finishes(router.refresh({ mode: "READ", database }))
          assert.isDefined(exit, `round ${round}: a refresh of ${database ?? "the home database"} waits for one nobody runs`)
          assert.isTrue(Exit.isSuccess(exit!), `round ${round}: ${String(exit)}`)
        }
      }
      assert.isAbove(cluster.fetches(), 400)
    }).pipe(Effect.provideService(Scheduler.MaxOpsBeforeYield, steps)))

  // Selections refresh expired tables (ttl 0) and resolve the home database on every call, and
  // report failures and home databases: the same shared state, from the per-query path.
  it.effect.each(stepsPerYield)("selections and failure reports interrupted at any step leave the router usable (yielding every %d steps)", (steps) =>
    Effect.gen(function*() {
      const cluster = makeCluster(0)
      const router = yield* cluster.make
      const gone = new Neo4jConnectionError({ reason: "Closed", message: "gone" })
      const work = (mode: "READ" | "WRITE", database: string | undefined) =>
        Effect.forever(Effect.flatMap(router.select({ mode, database }), (route) =>
          Effect.andThen(
            router.onHomeDatabase(route, "elsewhere"),
            router.onFailure(route, Cause.fail(gone))
          )))
      for (let round = 0; round < 200; round++) {
        const fibers = yield* Effect.forEach(
          [["READ", "neo4j"], ["WRITE", "neo4j"], ["READ", undefined], ["WRITE", undefined]] as const,
          ([mode, database]) => Effect.forkChild(work(mode, database))
        )
        for (let i = 0; i < (round % 13) * Math.ceil(16 / steps); i++) yield* Effect.yieldNow
        yield* Fiber.interruptAll(fibers)
        for (const database of ["neo4j", undefined]) {
          const exit = yield* finishes(router.select({ mode: "WRITE", database }))
          assert.isDefined(exit, `round ${round}: a selection for ${database ?? "the home database"} never ends`)
          assert.isTrue(Exit.isSuccess(exit!), `round ${round}: ${String(exit)}`)
        }
      }
    }).pipe(Effect.provideService(Scheduler.MaxOpsBeforeYield, steps)))

  // Before: the rediscovery fiber, forked into the driver's scope, could be interrupted by the
  // scope's close before its first step, so before it installed what completes the shared outcome:
  // the callers awaiting it waited forever.
  it.effect("callers of a refresh end when the driver's scope closes while it runs", () =>
    Effect.gen(function*() {
      for (let delay = 0; delay < 6; delay++) {
        const scope = yield* Scope.make()
        const router = yield* Scope.provide(
          Router.make({ seed, fetch: () => Effect.never, load: Effect.succeed(() => 0), purge: () => Effect.void }),
          scope
        )
        const caller = yield* Effect.forkChild(router.refresh({ mode: "READ", database: "neo4j" }), { startImmediately: true })
        for (let i = 0; i < delay; i++) yield* Effect.yieldNow
        yield* Scope.close(scope, Exit.void)
        for (let i = 0; i < 20 && caller.pollUnsafe() === undefined; i++) yield* Effect.yieldNow
        const exit = caller.pollUnsafe()
        assert.isDefined(exit, `closed after ${delay} steps: the caller still waits`)
        assert.isTrue(Exit.isFailure(exit!) && Cause.squash(exit.cause) instanceof Neo4jUsageError, String(exit))
      }
    }))
})
