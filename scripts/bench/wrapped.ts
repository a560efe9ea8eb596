/**
 * The workloads on neo4j-driver 6.3 wrapped in Effect: what an Effect user would run instead of
 * effect-neo4j. The wrapper is the shape the existing Effect wrappers of neo4j-driver take, and
 * each workload is the same Effect program as in `ours.ts` on top of it:
 *
 * - sessions are scoped resources (`Effect.acquireRelease` around `driver.session()` /
 *   `session.close()`),
 * - every promise of the driver goes through `Effect.tryPromise`, its rejection mapped to one
 *   tagged error,
 * - transaction functions take an Effect and run it with `Effect.runPromise` inside the driver's
 *   `session.executeWrite` (the driver owns the retries),
 * - results are streamed with `Stream.fromAsyncIterable` over the driver's `Result` (its async
 *   iterator pulls records as the stream asks, with the driver's own watermarks for
 *   backpressure).
 *
 * The driver is provided through a `Layer` (`layer` below), as an application would build it.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Driver, EagerResult, QueryConfig, QueryResult, Record as Neo4jRecord, Session } from "neo4j-driver"
import { Query } from "./queries.ts"
import { CONCURRENCY, CONSUMERS, type Consume, type Context as BenchContext, counter, type Implementation, type Outcome, rowsOf } from "./workloads.ts"

/**
 * Any failure of neo4j-driver, as the wrapper reports it.
 *
 * @since 0.1.0
 * @category errors
 */
export class OfficialError extends Data.TaggedError("OfficialError")<{ readonly cause: unknown }> {}

const toError = (cause: unknown) => new OfficialError({ cause })

/**
 * The wrapper's API over one neo4j-driver `Driver`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Wrapped {
  readonly driver: Driver
  readonly executeQuery: (
    query: string,
    parameters?: Record<string, unknown>,
    config?: QueryConfig
  ) => Effect.Effect<EagerResult, OfficialError>
  /** a session closed with the scope */
  readonly session: Effect.Effect<WrappedSession, never, Scope.Scope>
  /** an auto-commit query in a fresh session, streamed */
  readonly stream: (query: string, parameters?: Record<string, unknown>) => Stream.Stream<Neo4jRecord, OfficialError>
}

/**
 * A session of the wrapper.
 *
 * @since 0.1.0
 * @category models
 */
export interface WrappedSession {
  readonly run: (query: string, parameters?: Record<string, unknown>) => Effect.Effect<QueryResult, OfficialError>
  readonly executeWrite: <A, E>(work: (tx: WrappedTransaction) => Effect.Effect<A, E>) => Effect.Effect<A, OfficialError>
}

/**
 * A managed transaction of the wrapper.
 *
 * @since 0.1.0
 * @category models
 */
export interface WrappedTransaction {
  readonly run: (query: string, parameters?: Record<string, unknown>) => Effect.Effect<QueryResult, OfficialError>
}

const openSession = (driver: Driver) =>
  Effect.acquireRelease(Effect.sync(() => driver.session()), (session) => Effect.promise(() => session.close()))

const wrapSession = (session: Session): WrappedSession => ({
  run: (query, parameters) => Effect.tryPromise({ try: () => session.run(query, parameters), catch: toError }),
  executeWrite: (work) =>
    Effect.tryPromise({
      try: () =>
        session.executeWrite((tx) =>
          Effect.runPromise(work({ run: (query, parameters) => Effect.tryPromise({ try: () => tx.run(query, parameters), catch: toError }) }))
        ),
      catch: toError
    })
})

/**
 * Wraps a neo4j-driver `Driver`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const wrap = (driver: Driver): Wrapped => ({
  driver,
  executeQuery: (query, parameters, config) =>
    Effect.tryPromise({ try: () => driver.executeQuery(query, parameters, config), catch: toError }),
  session: Effect.map(openSession(driver), wrapSession),
  stream: (query, parameters) =>
    Stream.unwrap(Effect.map(openSession(driver), (session) => Stream.fromAsyncIterable(session.run(query, parameters), toError)))
})

/**
 * The wrapped driver as a service.
 *
 * @since 0.1.0
 * @category services
 */
export class OfficialNeo4j extends Context.Service<OfficialNeo4j, Wrapped>()("bench/OfficialNeo4j") {}

/**
 * The wrapped driver as a layer: made with `make`, verified (unless `verify` is false), closed when
 * the layer's scope closes.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (make: () => Driver, verify = true): Layer.Layer<OfficialNeo4j, OfficialError> =>
  Layer.effect(
    OfficialNeo4j,
    Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const driver = make()
          if (verify) await driver.verifyConnectivity()
          return wrap(driver)
        },
        catch: toError
      }),
      (wrapped) => Effect.promise(() => wrapped.driver.close())
    )
  )

const stream = (query: (n: number) => string, consume: Consume) => (wrapped: Wrapped, ctx: BenchContext): Promise<Outcome> =>
  Effect.runPromise(Effect.suspend(() => {
    const { onRecord, state } = counter(consume, ctx)
    return Stream.runForEach(wrapped.stream(query(ctx.size)), (record) => Effect.sync(() => onRecord(record))).pipe(
      Effect.map(() => state)
    )
  }))

/**
 * Workload (b) on the wrapper, as `concurrentQueries` of `ours.ts`.
 *
 * @since 0.1.0
 * @category workloads
 */
export const concurrentQueries = (wrapped: Wrapped, size: number, config?: QueryConfig): Promise<Outcome> =>
  Effect.runPromise(Effect.suspend(() => {
    let checksum = 0
    const worker = Effect.gen(function*() {
      for (let i = 0; i < size / CONCURRENCY; i++) {
        const result = yield* wrapped.executeQuery(Query.returnOne, {}, config)
        checksum += result.records[0]!.get("n") as number
      }
    })
    return Effect.forEach(Array.from({ length: CONCURRENCY }), () => worker, { concurrency: CONCURRENCY, discard: true }).pipe(
      Effect.map(() => ({ count: size, checksum }))
    )
  }))

/**
 * The wrapped driver's side of every workload: the programs of `ours.ts`, line for line.
 *
 * @since 0.1.0
 * @category constants
 */
export const wrapped: Implementation<Wrapped> = {
  seq: (wrapped, { size }) =>
    Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const session = yield* wrapped.session
      let checksum = 0
      for (let i = 0; i < size; i++) {
        const result = yield* session.run(Query.returnOne)
        checksum += result.records[0]!.get("n") as number
      }
      return { count: size, checksum }
    }))),
  concurrent: (wrapped, { size }) => concurrentQueries(wrapped, size),
  scalars: stream(Query.scalars, CONSUMERS.scalars),
  nodes: stream(Query.nodes, CONSUMERS.nodes),
  wide: stream(Query.wide, CONSUMERS.wide),
  temporal: stream(Query.temporal, CONSUMERS.temporal),
  param: (wrapped, { size }) =>
    Effect.runPromise(Effect.map(wrapped.executeQuery(Query.param, { rows: rowsOf(size) }), (result) => ({
      count: result.records[0]!.get("n") as number,
      checksum: 1
    }))),
  writes: (wrapped, { size }) =>
    Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const session = yield* wrapped.session
      let checksum = 0
      for (let i = 0; i < size; i++) {
        const result = yield* session.executeWrite((tx) => tx.run(Query.write, { id: i }))
        checksum += result.summary.counters.updates().nodesCreated
      }
      return { count: size, checksum }
    })))
}
