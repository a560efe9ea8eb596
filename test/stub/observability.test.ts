/**
 * Issue 17: every public operation opens a span (when a tracing backend is installed) and records
 * `db.client.operation.duration`; a retried transaction function or `executeQuery` records each
 * retry as a span event with its error and in `neo4j.client.operation.retries`. Against stub
 * servers, with a recording tracer and a fresh metric registry.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Metric, Option, Stream, type Tracer } from "effect"
import * as Neo4j from "../../src/Neo4j.ts"
import * as Neo4jMetrics from "../../src/Neo4jMetrics.ts"
import { drive, driverLayer, failedAttempt, goodAttempt, QUERY, VALUE, valueOf, writeWork } from "./driverHelpers.ts"
import { Code } from "./Script.ts"
import * as Stub from "./Script.ts"
import * as StubServer from "./StubServer.ts"
import { recordingTracer } from "../support/recordingTracer.ts"

/** The series of one metric: attributes (without the constant ones) and state. */
const series = (snapshots: ReadonlyArray<Metric.Metric.Snapshot>, id: string) =>
  snapshots.filter((s) => s.id === id).map((s) => {
    const { "db.system.name": _system, "server.address": _address, "server.port": _port, ...rest } = s.attributes ?? {}
    return { attributes: rest, state: s.state }
  })

const count = (state: unknown) => (state as Metric.HistogramState).count

const names = (spans: ReadonlyArray<Tracer.NativeSpan>) => spans.map((s) => s.name)

/** One connection: an attempt that fails with a deadlock, RESET, an attempt that succeeds. */
const deadlockThenSuccess = () =>
  Stub.connection(Stub.handshakeAndHello(), failedAttempt(Code.DEADLOCK_DETECTED), Stub.reset(), goodAttempt())

const STREAMED = "UNWIND range(1, 3) AS i RETURN i"

describe("spans and operation metrics", () => {
  it.effect("a retried transaction function: one span with a retry event, a span per attempt's run, the retry counted", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(deadlockThenSuccess())
      const { layer, spans } = recordingTracer()
      const registry = new Map()
      const { exit } = yield* drive(
        writeWork.pipe(
          Effect.provide(driverLayer(server, { verifyConnectivity: false })),
          Effect.provide(layer),
          Effect.provideService(Metric.MetricRegistry, registry)
        )
      )
      assert.strictEqual(valueOf(exit), VALUE)

      const fn = spans.filter((s) => s.name === "Neo4jSession.executeWrite")
      assert.strictEqual(fn.length, 1)
      assert.strictEqual(fn[0]!.attributes.get("db.operation.name"), "executeWrite")
      assert.strictEqual(fn[0]!.attributes.get("db.system.name"), "neo4j")
      const events = fn[0]!.events.map(([name, , attributes]) => [name, attributes["retry.attempt"], attributes["error.type"], attributes["db.response.status_code"]])
      assert.deepStrictEqual(events, [["retry", 2, "Neo4jTransientError", Code.DEADLOCK_DETECTED]])

      const runs = spans.filter((s) => s.name === "Neo4jTransaction.run")
      assert.strictEqual(runs.length, 2)
      for (const run of runs) {
        const parent = Option.getOrUndefined(run.parent)
        assert.strictEqual(parent?._tag === "Span" ? parent.name : undefined, "Neo4jSession.executeWrite")
      }
      assert.strictEqual(runs[0]!.attributes.get("error.type"), "Neo4jTransientError")
      assert.strictEqual(runs[0]!.attributes.get("db.response.status_code"), Code.DEADLOCK_DETECTED)
      assert.strictEqual(runs[0]!.status._tag, "Ended")
      assert.isFalse(runs[1]!.attributes.has("error.type"))
      assert.strictEqual(spans.filter((s) => s.name === "Neo4jTransaction.commit").length, 1)
      assert.strictEqual(spans.filter((s) => s.name === "Neo4jSession.beginTransaction").length, 2)

      const snapshot = yield* Effect.provideService(Metric.snapshot, Metric.MetricRegistry, registry)
      const durations = series(snapshot, Neo4jMetrics.operationDuration.id)
      const of = (operation: string, errorType?: string) =>
        durations.filter((d) => d.attributes["db.operation.name"] === operation && d.attributes["error.type"] === errorType)
          .map((d) => count(d.state))
      assert.deepStrictEqual(of("executeWrite"), [1])
      assert.deepStrictEqual(of("executeWrite", "Neo4jTransientError"), [])
      assert.deepStrictEqual(of("run"), [1])
      assert.deepStrictEqual(of("run", "Neo4jTransientError"), [1])
      assert.deepStrictEqual(of("commit"), [1])
      assert.deepStrictEqual(series(snapshot, Neo4jMetrics.operationRetries.id), [
        {
          attributes: { "db.operation.name": "executeWrite", "error.type": "Neo4jTransientError" },
          state: { count: 1, incremental: true }
        }
      ])
    }))

  it.effect("a retried executeQuery: a retry event on its span and a retry counted", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(deadlockThenSuccess())
      const { layer, spans } = recordingTracer()
      const registry = new Map()
      const { exit } = yield* drive(
        Neo4j.executeQuery(QUERY).pipe(
          Effect.provide(driverLayer(server, { verifyConnectivity: false })),
          Effect.provide(layer),
          Effect.provideService(Metric.MetricRegistry, registry)
        )
      )
      assert.strictEqual(valueOf(exit).records[0]!.get("value"), VALUE)
      const query = spans.filter((s) => s.name === "Neo4j.executeQuery")
      assert.strictEqual(query.length, 1)
      assert.deepStrictEqual(query[0]!.events.map(([name, , a]) => [name, a["retry.attempt"], a["error.type"]]), [["retry", 2, "Neo4jTransientError"]])
      const snapshot = yield* Effect.provideService(Metric.snapshot, Metric.MetricRegistry, registry)
      const retries = series(snapshot, Neo4jMetrics.operationRetries.id)
      assert.deepStrictEqual(retries.map((r) => [r.attributes["db.operation.name"], r.state]), [["executeQuery", { count: 1, incremental: true }]])
    }))

  it.effect("Neo4j.stream, session.stream, session.run and tx.stream: spans that end with the stream, durations recorded", () =>
    Effect.gen(function*() {
      const rows = { records: [[1], [2], [3]], fields: ["i"] }
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          Stub.autoCommit(STREAMED, rows),
          Stub.autoCommit(STREAMED, rows),
          Stub.autoCommit("RETURN 1 AS one", { records: [[1]], fields: ["one"] }),
          Stub.transaction({ queries: [{ query: STREAMED, parameters: {}, ...rows }] })
        )
      )
      const { layer, spans } = recordingTracer()
      const registry = new Map()
      yield* Effect.gen(function*() {
        const viaDriver = yield* Stream.runCollect(Neo4j.stream(STREAMED))
        assert.strictEqual(viaDriver.length, 3)
        const session = yield* Neo4j.session()
        assert.strictEqual((yield* Stream.runCollect(session.stream(STREAMED))).length, 3)
        yield* session.run("RETURN 1 AS one")
        const inTx = yield* Neo4j.executeWrite((tx) => Stream.runCollect(tx.stream(STREAMED)))
        assert.strictEqual(inTx.length, 3)
      }).pipe(
        Effect.scoped,
        Effect.provide(driverLayer(server, { verifyConnectivity: false })),
        Effect.provide(layer),
        Effect.provideService(Metric.MetricRegistry, registry)
      )
      assert.deepStrictEqual(names(spans).filter((n) => !n.includes("beginTransaction") && !n.includes("commit")), [
        "Neo4j.stream",
        "Neo4jSession.stream",
        "Neo4jSession.run",
        "Neo4jSession.executeWrite",
        "Neo4jTransaction.stream"
      ])
      for (const span of spans) {
        assert.strictEqual(span.status._tag, "Ended", `${span.name} not ended`)
        assert.strictEqual(span.attributes.get("db.system.name"), "neo4j")
      }
      const stream = spans.find((s) => s.name === "Neo4j.stream")!
      assert.strictEqual(stream.attributes.get("db.operation.name"), "stream")
      assert.isFalse(stream.attributes.has("db.query.text"))
      const snapshot = yield* Effect.provideService(Metric.snapshot, Metric.MetricRegistry, registry)
      const durations = series(snapshot, Neo4jMetrics.operationDuration.id)
      const of = (operation: string) =>
        durations.filter((d) => d.attributes["db.operation.name"] === operation).map((d) => count(d.state))
      assert.deepStrictEqual(of("stream"), [3]) // Neo4j.stream, session.stream, tx.stream
      assert.deepStrictEqual(of("run"), [1])
      assert.deepStrictEqual(of("executeWrite"), [1])
    }))

  it.effect("a stream stopped early still ends its span and records its duration", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          Stub.autoCommit(STREAMED, { records: [[1], [2], [3]], fields: ["i"], batchSize: 1 }).slice(0, 6), // the driver asks for the next batch ahead
          [Stub.C.discard(), Stub.S.success({ type: "r" })]
        )
      )
      const { layer, spans } = recordingTracer()
      const registry = new Map()
      const first = yield* Neo4j.stream(STREAMED, {}, { fetchSize: 1 }).pipe(
        Stream.take(1),
        Stream.runCollect,
        Effect.provide(driverLayer(server, { verifyConnectivity: false })),
        Effect.provide(layer),
        Effect.provideService(Metric.MetricRegistry, registry)
      )
      assert.strictEqual(first.length, 1)
      assert.deepStrictEqual(spans.map((s) => [s.name, s.status._tag]), [["Neo4j.stream", "Ended"]])
      const snapshot = yield* Effect.provideService(Metric.snapshot, Metric.MetricRegistry, registry)
      assert.deepStrictEqual(series(snapshot, Neo4jMetrics.operationDuration.id).map((d) => count(d.state)), [1])
    }))

  it.effect("Effect's default tracer: no span, durations still recorded; layerDisabled: nothing recorded", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make([
        Stub.connection(Stub.handshakeAndHello(), Stub.autoCommit("RETURN 1 AS one", { records: [[1]], fields: ["one"] })),
        Stub.connection(Stub.handshakeAndHello(), goodAttempt())
      ])
      const registry = new Map()
      const caller = yield* Effect.gen(function*() {
        const session = yield* Neo4j.session()
        yield* session.run("RETURN 1 AS one")
        return yield* Effect.currentSpan
      }).pipe(
        Effect.withSpan("caller"),
        Effect.scoped,
        Effect.provide(driverLayer(server, { verifyConnectivity: false })),
        Effect.provideService(Metric.MetricRegistry, registry)
      )
      assert.strictEqual(caller.name, "caller")
      assert.strictEqual(caller.attributes.size, 0)
      const recorded = series(yield* Effect.provideService(Metric.snapshot, Metric.MetricRegistry, registry), Neo4jMetrics.operationDuration.id)
      assert.deepStrictEqual(recorded.map((d) => [d.attributes["db.operation.name"], count(d.state)]), [["run", 1]])

      const disabled = new Map()
      yield* writeWork.pipe(
        Effect.provide(driverLayer(server, { verifyConnectivity: false })),
        Effect.provide(Neo4jMetrics.layerDisabled),
        Effect.provideService(Metric.MetricRegistry, disabled)
      )
      const none = series(yield* Effect.provideService(Metric.snapshot, Metric.MetricRegistry, disabled), Neo4jMetrics.operationDuration.id)
      assert.deepStrictEqual(none, [])
    }))
})
