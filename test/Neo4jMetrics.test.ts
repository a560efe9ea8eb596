/**
 * The operation series (`db.client.operation.duration`, retries) through the recording functions
 * the driver calls, read with `Metric.snapshot` from a fresh registry; `TestClock` sets durations.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Metric } from "effect"
import { TestClock } from "effect/testing"
import * as Metrics from "../src/internal/metrics.ts"
import { Neo4jTransientError } from "../src/Neo4jError.ts"
import * as Neo4jMetrics from "../src/Neo4jMetrics.ts"

const operationSeries = (snapshots: ReadonlyArray<Metric.Metric.Snapshot>, id: string) =>
  snapshots.filter((s) => s.id === id).map((s) => ({ attributes: s.attributes, state: s.state }))

const withFreshRegistry = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.provideService(self, Metric.MetricRegistry, new Map())

const attributes = { operation: "executeQuery", database: "neo4j", serverAddress: "db.example", serverPort: 7687 }
const transient = new Neo4jTransientError({ code: "Neo.TransientError.Transaction.DeadlockDetected", message: "x" })

describe("Neo4jMetrics", () => {
  it.effect("trackOperation records each outcome's duration with the conventions' attributes", () =>
    withFreshRegistry(Effect.gen(function*() {
      const ok = yield* Effect.sleep(Duration.millis(250)).pipe(Metrics.trackOperation(attributes), Effect.forkChild)
      yield* TestClock.adjust(Duration.millis(250))
      yield* Fiber.join(ok)
      const failed = yield* Effect.sleep(Duration.seconds(2)).pipe(
        Effect.andThen(Effect.fail(transient)),
        Metrics.trackOperation(attributes),
        Effect.exit,
        Effect.forkChild
      )
      yield* TestClock.adjust(Duration.seconds(2))
      assert.isTrue(Exit.isFailure(yield* Fiber.join(failed)))
      // Interrupted: not an outcome of the operation, not recorded.
      const interrupted = yield* Effect.never.pipe(Metrics.trackOperation(attributes), Effect.forkChild)
      yield* Effect.yieldNow
      yield* Fiber.interrupt(interrupted)

      const series = operationSeries(yield* Metric.snapshot, Neo4jMetrics.operationDuration.id)
      assert.strictEqual(series.length, 2)
      const base = {
        "db.system.name": "neo4j",
        "db.operation.name": "executeQuery",
        "db.namespace": "neo4j",
        "server.address": "db.example",
        "server.port": "7687"
      }
      const success = series.find((s) => s.attributes?.["error.type"] === undefined)
      assert.deepStrictEqual(success?.attributes, base)
      const okState = success?.state as Metric.HistogramState
      assert.strictEqual(okState.count, 1)
      assert.strictEqual(okState.sum, 0.25)
      const failure = series.find((s) => s.attributes?.["error.type"] === "Neo4jTransientError")
      assert.deepStrictEqual(failure?.attributes, { ...base, "error.type": "Neo4jTransientError" })
      const failedState = failure?.state as Metric.HistogramState
      assert.strictEqual(failedState.count, 1)
      assert.strictEqual(failedState.sum, 2)
      assert.deepStrictEqual(failedState.buckets.find(([b]) => b === 1), [1, 0])
      assert.deepStrictEqual(failedState.buckets.find(([b]) => b === 5), [5, 1])
    })))

  it.effect("recordOperation and recordRetry add to their series", () =>
    withFreshRegistry(Effect.gen(function*() {
      yield* Metrics.recordOperation({ operation: "run" }, 1.5)
      yield* Metrics.recordOperation({ operation: "run" }, 3.5)
      yield* Metrics.recordRetry({ operation: "executeWrite" }, transient)
      yield* Metrics.recordRetry({ operation: "executeWrite" }, transient)
      const snapshot = yield* Metric.snapshot
      const run = operationSeries(snapshot, "db.client.operation.duration")
      assert.strictEqual(run.length, 1)
      const state = run[0]!.state as Metric.HistogramState
      assert.strictEqual(state.count, 2)
      assert.strictEqual(state.sum, 0.005)
      assert.deepStrictEqual(operationSeries(snapshot, "neo4j.client.operation.retries"), [{
        attributes: {
          "db.system.name": "neo4j",
          "db.operation.name": "executeWrite",
          "error.type": "Neo4jTransientError"
        },
        state: { count: 2, incremental: true }
      }])
    })))

  it.effect("layerDisabled turns the operation series off", () =>
    withFreshRegistry(Effect.gen(function*() {
      yield* Effect.gen(function*() {
        yield* Metrics.recordOperation({ operation: "run" }, 1)
        yield* Metrics.recordRetry({ operation: "run" }, transient)
        yield* Effect.void.pipe(Metrics.trackOperation({ operation: "run" }))
      }).pipe(Effect.provide(Neo4jMetrics.layerDisabled))
      assert.deepStrictEqual((yield* Metric.snapshot).map((s) => s.id), [])
      yield* Metrics.recordOperation({ operation: "run" }, 1)
      assert.deepStrictEqual((yield* Metric.snapshot).map((s) => s.id), ["db.client.operation.duration"])
    })))
})
