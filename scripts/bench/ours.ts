/**
 * The workloads on effect-neo4j, written as an Effect user would: one Effect program per run over
 * the driver from `Neo4j.make`, `session.run` / `driver.executeQuery` / `session.executeWrite`,
 * and `Stream.runForEach` over `driver.stream` for streaming (PULL n on demand).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { Neo4j, QueryConfig } from "../../src/Neo4j.ts"
import type { Neo4jError } from "../../src/Neo4jError.ts"
import { Query } from "./queries.ts"
import { CONCURRENCY, CONSUMERS, type Consume, type Context, counter, type Implementation, type Outcome, rowsOf } from "./workloads.ts"

const stream = (query: (n: number) => string, consume: Consume) => (driver: Neo4j, ctx: Context): Promise<Outcome> =>
  Effect.runPromise(Effect.suspend(() => {
    const { onRecord, state } = counter(consume, ctx)
    return Stream.runForEach(driver.stream(query(ctx.size)), (record) => Effect.sync(() => onRecord(record))).pipe(
      Effect.map(() => state)
    )
  }))

/**
 * Workload (b): `size` `executeQuery("RETURN 1 AS n")` in {@link CONCURRENCY} fibers; `config`
 * goes to every query (the routed workloads ask for readers).
 *
 * @since 0.1.0
 * @category workloads
 */
export const concurrentQueries = (driver: Neo4j, size: number, config?: QueryConfig): Promise<Outcome> =>
  Effect.runPromise(concurrentProgram(driver, size, config))

/**
 * The Effect program of workload (b) (see {@link concurrentQueries}).
 *
 * @since 0.1.0
 * @category workloads
 */
export const concurrentProgram = (driver: Neo4j, size: number, config?: QueryConfig): Effect.Effect<Outcome, Neo4jError> =>
  Effect.suspend(() => {
    let checksum = 0
    const worker = Effect.gen(function*() {
      for (let i = 0; i < size / CONCURRENCY; i++) {
        const result = yield* driver.executeQuery(Query.returnOne, {}, config)
        checksum += result.records[0]!.get("n") as number
      }
    })
    return Effect.forEach(Array.from({ length: CONCURRENCY }), () => worker, { concurrency: CONCURRENCY, discard: true }).pipe(
      Effect.map(() => ({ count: size, checksum }))
    )
  })

/**
 * The Effect program of workload (a): `size` `session.run("RETURN 1 AS n")` one after the other
 * on one session.
 *
 * @since 0.1.0
 * @category workloads
 */
export const seqProgram = (driver: Neo4j, size: number): Effect.Effect<Outcome, Neo4jError> =>
  Effect.scoped(Effect.gen(function*() {
    const session = yield* driver.session()
    let checksum = 0
    for (let i = 0; i < size; i++) {
      const result = yield* session.run(Query.returnOne)
      checksum += result.records[0]!.get("n") as number
    }
    return { count: size, checksum }
  }))

/**
 * effect-neo4j's side of every workload.
 *
 * @since 0.1.0
 * @category constants
 */
export const ours: Implementation<Neo4j> = {
  seq: (driver, { size }) => Effect.runPromise(seqProgram(driver, size)),
  concurrent: (driver, { size }) => concurrentQueries(driver, size),
  scalars: stream(Query.scalars, CONSUMERS.scalars),
  nodes: stream(Query.nodes, CONSUMERS.nodes),
  wide: stream(Query.wide, CONSUMERS.wide),
  temporal: stream(Query.temporal, CONSUMERS.temporal),
  param: (driver, { size }) =>
    Effect.runPromise(Effect.map(driver.executeQuery(Query.param, { rows: rowsOf(size) }), (result) => ({
      count: result.records[0]!.get("n") as number,
      checksum: 1
    }))),
  writes: (driver, { size }) =>
    Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const session = yield* driver.session()
      let checksum = 0
      for (let i = 0; i < size; i++) {
        const result = yield* session.executeWrite((tx) => tx.run(Query.write, { id: i }))
        checksum += result.summary.counters.nodesCreated
      }
      return { count: size, checksum }
    })))
}
