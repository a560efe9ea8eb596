/**
 * Results: an eagerly collected result (`records`, `keys`, `summary`), and helpers over record
 * streams that collect all, take the first, or fail unless there is exactly one.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { type Neo4jError, Neo4jResultError } from "./Neo4jError.ts"
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
 * An open result read record by record: its keys at once (the query has started), its records on
 * demand (`PULL {n: fetchSize}` as they are needed), its summary at the end. `consume` discards
 * what is left on the server and gives the summary. The result of an auto-commit query holds its
 * connection until it is finished (read to the end, consumed, or its scope closed, which discards
 * the rest); a transaction's results end with the transaction.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResultCursor<T extends Record<string, unknown> = Record<string, unknown>> {
  readonly keys: ReadonlyArray<string>
  /** The next record, or none at the end. */
  readonly next: Effect.Effect<Option.Option<Neo4jRecord<T>>, Neo4jError>
  /** The next record without moving past it, or none at the end. */
  readonly peek: Effect.Effect<Option.Option<Neo4jRecord<T>>, Neo4jError>
  /** The records not read yet, all of them. */
  readonly list: Effect.Effect<Array<Neo4jRecord<T>>, Neo4jError>
  /** The records not read yet, as a stream. */
  readonly records: Stream.Stream<Neo4jRecord<T>, Neo4jError>
  /**
   * The only record left; fails with `Neo4jResultError` when there is none or more than one (the
   * rest is then discarded).
   */
  readonly single: Effect.Effect<Neo4jRecord<T>, Neo4jError | Neo4jResultError>
  /** The only record left, if any; fails with `Neo4jResultError` when there are more. */
  readonly singleOptional: Effect.Effect<Option.Option<Neo4jRecord<T>>, Neo4jError | Neo4jResultError>
  /** Discards the records not read yet and gives the summary (again on later calls). */
  readonly consume: Effect.Effect<ResultSummary, Neo4jError>
  /** Whether records may still come (not read to the end, consumed or failed). */
  readonly isOpen: Effect.Effect<boolean>
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

/**
 * A cursor over a result already read (a fake driver's, or one kept in memory).
 *
 * @since 0.1.0
 * @category constructors
 */
export const cursorOf = <T extends Record<string, unknown>>(result: EagerResult<T>): ResultCursor<T> => {
  let index = 0
  const left = () => result.records.length - index
  const next = Effect.sync(() => (left() > 0 ? Option.some(result.records[index++]!) : Option.none()))
  const singleOptional = Effect.suspend(() => {
    const count = left()
    index = result.records.length
    return count > 1
      ? Effect.fail(new Neo4jResultError({ reason: "TooManyRecords", message: "Expected exactly one record, but there are more" }))
      : Effect.succeed(count === 1 ? Option.some(result.records[result.records.length - 1]!) : Option.none())
  })
  return {
    keys: result.keys,
    next,
    peek: Effect.sync(() => (left() > 0 ? Option.some(result.records[index]!) : Option.none())),
    list: Effect.sync(() => {
      const rest = result.records.slice(index)
      index = result.records.length
      return rest
    }),
    records: Stream.suspend(() => {
      const rest = result.records.slice(index)
      index = result.records.length
      return Stream.fromIterable(rest)
    }),
    single: Effect.flatMap(singleOptional, (record) =>
      Option.isSome(record)
        ? Effect.succeed(record.value)
        : Effect.fail(new Neo4jResultError({ reason: "NoRecords", message: "Expected exactly one record, but the result is empty" }))),
    singleOptional,
    consume: Effect.sync(() => {
      index = result.records.length
      return result.summary
    }),
    isOpen: Effect.sync(() => left() > 0)
  }
}
