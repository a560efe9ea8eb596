/**
 * Results: an eagerly collected result (`records`, `keys`, `summary`), and helpers over record
 * streams that collect all, take the first, or fail unless there is exactly one.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { Neo4jResultError } from "./Neo4jError.ts"
import type { Neo4jRecord } from "./Neo4jRecord.ts"
import type { ResultSummary } from "./Neo4jSummary.ts"

/**
 * A fully read result.
 *
 * @since 0.1.0
 * @category models
 */
export interface EagerResult<T extends Record<string, unknown> = Record<string, unknown>> {
  readonly keys: ReadonlyArray<string>
  readonly records: ReadonlyArray<Neo4jRecord<T>>
  readonly summary: ResultSummary
}

/**
 * The records of a stream, all of them.
 *
 * @since 0.1.0
 * @category combinators
 */
export const collect = <A, E, R>(stream: Stream.Stream<A, E, R>): Effect.Effect<Array<A>, E, R> =>
  Stream.runCollect(stream)

/**
 * The first record, if any; the rest of the result is discarded on the server.
 *
 * @since 0.1.0
 * @category combinators
 */
export const first = <A, E, R>(stream: Stream.Stream<A, E, R>): Effect.Effect<Option.Option<A>, E, R> =>
  Stream.runHead(stream)

/**
 * The only record; fails with `Neo4jResultError` when there is none or more than one.
 *
 * @since 0.1.0
 * @category combinators
 */
export const single = <A, E, R>(stream: Stream.Stream<A, E, R>): Effect.Effect<A, E | Neo4jResultError, R> =>
  Effect.flatMap(Stream.runCollect(Stream.take(stream, 2)), (records) => {
    if (records.length === 1) return Effect.succeed(records[0]!)
    return Effect.fail(
      records.length === 0
        ? new Neo4jResultError({ reason: "NoRecords", message: "Expected exactly one record, but the result is empty" })
        : new Neo4jResultError({ reason: "TooManyRecords", message: "Expected exactly one record, but there are more" })
    )
  })

/**
 * The only record of an eager result; fails with `Neo4jResultError` unless there is exactly one.
 *
 * @since 0.1.0
 * @category combinators
 */
export const singleRecord = <T extends Record<string, unknown>>(
  result: EagerResult<T>
): Effect.Effect<Neo4jRecord<T>, Neo4jResultError> =>
  result.records.length === 1
    ? Effect.succeed(result.records[0]!)
    : Effect.fail(
      new Neo4jResultError({
        reason: result.records.length === 0 ? "NoRecords" : "TooManyRecords",
        message: `Expected exactly one record, but the result has ${result.records.length}`
      })
    )
