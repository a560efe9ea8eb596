/**
 * Instrumentation of the driver's public operations, wrapped around their entry points (never
 * inside the wire code): a span with the OpenTelemetry database attributes when a tracing backend
 * is installed, `db.client.operation.duration` unless `Neo4jMetrics.Enabled` is off, and each
 * retry of a transaction function or `executeQuery` as a span event and in
 * `neo4j.client.operation.retries`.
 *
 * Cost: one context read per operation decides both. With Effect's default tracer
 * (`Tracer.nativeTracer`: in-memory spans nothing exports) no span is opened: such a span cost ~15 %
 * of a small `executeQuery`'s time (`npm run bench`, workload b) and no backend would see it. No
 * stack trace is captured: the call site is always inside this library, and capturing it cost ~4 %
 * of a small query's CPU (workload a). With metrics off nothing is timed.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import type { Statement } from "../Neo4jCypher.ts"
import { type Driver, spanAttributes } from "./driver.ts"
import * as Metrics from "./metrics.ts"

/** One public operation: its span's name, `db.operation.name`, the database, the query. */
export interface Operation {
  readonly span: string
  readonly operation: string
  readonly database: string | undefined
  /** Traced as `db.query.text` only when the driver's `traceQueryText` is on. */
  readonly query?: string | Statement | undefined
}

const metricAttributes = (driver: Driver, op: Operation): Metrics.OperationAttributes => ({
  operation: op.operation,
  database: op.database,
  serverAddress: driver.config.uri.address.host,
  serverPort: driver.config.uri.address.port
})

const spanOptions = (driver: Driver, op: Operation) => ({
  attributes: spanAttributes(
    driver,
    op.operation,
    op.database,
    op.query === undefined || !driver.config.traceQueryText ? undefined : typeof op.query === "string" ? op.query : op.query.text
  ),
  // A call to a remote database: CLIENT, as the OpenTelemetry database conventions ask.
  kind: "client" as const,
  captureStackTrace: false
})

/** `error.type` and the Neo4j status code of a failure, after the conventions. */
export const errorAttributes = (error: unknown): Record<string, unknown> => {
  const attributes: Record<string, unknown> = { [Metrics.ATTRIBUTE.ERROR_TYPE]: Metrics.errorType(error) }
  if (typeof error === "object" && error !== null) {
    const { code, gqlStatus, message } = error as { code?: unknown; gqlStatus?: unknown; message?: unknown }
    if (typeof code === "string") attributes[Metrics.ATTRIBUTE.STATUS_CODE] = code
    if (typeof gqlStatus === "string") attributes["db.response.gql_status"] = gqlStatus
    if (typeof message === "string") attributes["exception.message"] = message
  }
  return attributes
}

/** Puts `error.type` (and the status code) on the current span. */
const failureAttributes = (error: unknown): Effect.Effect<void> => {
  const { "exception.message": _message, ...attributes } = errorAttributes(error)
  return Effect.annotateCurrentSpan(attributes)
}

/** Puts `error.type` (and the status code) on the operation's span when it fails. */
const annotateFailure = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.tapError(self, failureAttributes)

/** Wraps one public operation (an effect) in its span and duration metric. */
export const observe = (driver: Driver, op: Operation) => <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.contextWith((context: Context.Context<never>) => {
    const traced = Context.get(context, Tracer.Tracer) === Tracer.nativeTracer
      ? self
      : Effect.withSpan(annotateFailure(self), op.span, spanOptions(driver, op))
    if (!Context.get(context, Metrics.MetricsEnabled)) return traced
    const clock = Context.get(context, Clock.Clock)
    const start = clock.monotonicTimeNanosUnsafe()
    return Effect.onExit(traced, (exit) => {
      Metrics.recordExitUnsafe(context, metricAttributes(driver, op), clock, start, exit)
      return Effect.void
    })
  })

/**
 * Wraps one public operation that is a stream: the span lasts until the stream ends (consumed,
 * stopped early, failed), and so does the measured duration.
 */
export const observeStream = (driver: Driver, op: Operation) => <A, E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<A, E, R> =>
  Stream.unwrap(Effect.contextWith((context: Context.Context<never>) => {
    let stream = Context.get(context, Tracer.Tracer) === Tracer.nativeTracer
      ? self
      : Stream.withSpan(Stream.tapError(self, failureAttributes), op.span, spanOptions(driver, op))
    if (Context.get(context, Metrics.MetricsEnabled)) {
      const clock = Context.get(context, Clock.Clock)
      const start = clock.monotonicTimeNanosUnsafe()
      stream = Stream.onExit(stream, (exit) =>
        Effect.sync(() => Metrics.recordExitUnsafe(context, metricAttributes(driver, op), clock, start, exit)))
    }
    return Effect.succeed(stream)
  }))

/**
 * What `retrying` calls before it runs an attempt again: counts the retry and, on the operation's
 * span (only one this module opened), adds a `retry` event with the attempt's number and the
 * error that made the previous one fail.
 */
export const onRetry = (driver: Driver, op: Operation) => (error: unknown, attempt: number): Effect.Effect<void> =>
  Effect.contextWith((context: Context.Context<never>) => {
    const recorded = Metrics.recordRetry(metricAttributes(driver, op), error)
    if (Context.get(context, Tracer.Tracer) === Tracer.nativeTracer) return recorded
    return Effect.andThen(
      recorded,
      Effect.flatMap(Effect.option(Effect.currentSpan), (span) =>
        Option.isNone(span) || span.value.name !== op.span ? Effect.void : Effect.sync(() =>
          span.value.event("retry", Context.get(context, Clock.Clock).currentTimeNanosUnsafe(), {
            "retry.attempt": attempt,
            ...errorAttributes(error)
          })))
    )
  })
