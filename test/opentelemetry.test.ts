/**
 * Issue 17: the driver's spans and metrics reach OpenTelemetry through `@effect/opentelemetry`.
 * The `Telemetry` layer of examples/opentelemetry.ts (`NodeSdk.layer`) gets an in-memory span
 * exporter behind a `SimpleSpanProcessor` and an in-memory metric exporter behind a periodic
 * reader (flushed by hand); the driver runs against a stub server; the test reads what the
 * OpenTelemetry SDK exported, not Effect's own span objects.
 */
import { assert, describe, it } from "@effect/vitest"
import { SpanKind, SpanStatusCode } from "@opentelemetry/api"
import {
  AggregationTemporality,
  DataPointType,
  type Histogram,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader
} from "@opentelemetry/sdk-metrics"
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Metric } from "effect"
import { Telemetry } from "../examples/opentelemetry.ts"
import * as Neo4j from "../src/Neo4j.ts"
import * as Neo4jMetrics from "../src/Neo4jMetrics.ts"
import { driverLayer } from "./stub/driverHelpers.ts"
import { C, Code, S } from "./stub/Script.ts"
import * as Stub from "./stub/Script.ts"
import * as StubServer from "./stub/StubServer.ts"

const DATABASE = "neo4j"
const READ = "MATCH (p:Person) RETURN p.name AS name"
const WRITE = "CREATE (p:Person {name: $name}) RETURN p.name AS name"
const BROKEN = "RETRUN 1"

/** One connection: executeQuery, a transaction function with one tx.run, an executeQuery that fails. */
const script = () =>
  Stub.connection(
    Stub.handshakeAndHello(),
    Stub.transaction({ queries: [{ query: READ, parameters: {}, records: [{ name: "Ada" }] }] }),
    Stub.transaction({ queries: [{ query: WRITE, parameters: { name: "Grace" }, records: [{ name: "Grace" }] }] }),
    C.begin(),
    S.success(),
    C.run(BROKEN, {}, {}),
    S.failure(Code.SYNTAX_ERROR),
    C.pull(),
    S.ignored(),
    Stub.optional(Stub.reset())
  )

const bySpanName = (spans: ReadonlyArray<ReadableSpan>, name: string) => spans.filter((s) => s.name === name)

describe("the driver with @effect/opentelemetry (NodeSdk.layer, in-memory exporters)", () => {
  it.live("exports the driver's spans and db.client.operation.duration through the OpenTelemetry SDK", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(script())
      const spanExporter = new InMemorySpanExporter()
      const spanProcessor = new SimpleSpanProcessor(spanExporter)
      const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
      // Exports on forceFlush below; the interval is only there because the reader needs one.
      const metricReader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 })

      const { failure, metrics, spans } = yield* Effect.gen(function*() {
        const failure = yield* Effect.gen(function*() {
          const read = yield* Neo4j.executeQuery<{ name: string }>(READ, {}, { database: DATABASE })
          assert.strictEqual(read.records[0]!.get("name"), "Ada")
          const written = yield* Neo4j.executeWrite(
            (tx) => Effect.map(tx.run<{ name: string }>(WRITE, { name: "Grace" }), (r) => r.records[0]!.get("name")),
            { database: DATABASE }
          )
          assert.strictEqual(written, "Grace")
          return yield* Effect.flip(Neo4j.executeQuery(BROKEN, {}, { database: DATABASE }))
        }).pipe(Effect.provide(driverLayer(server, { verifyConnectivity: false })))
        // Still inside the telemetry layer: its release shuts the exporters down (and the span
        // exporter forgets what it holds).
        yield* Effect.promise(() => spanProcessor.forceFlush())
        yield* Effect.promise(() => metricReader.forceFlush())
        return { failure, spans: [...spanExporter.getFinishedSpans()], metrics: [...metricExporter.getMetrics()] }
      }).pipe(
        Effect.provide(Telemetry(spanProcessor, metricReader)),
        Effect.provideService(Metric.MetricRegistry, new Map())
      )
      assert.strictEqual(failure._tag, "Neo4jClientError")

      // Spans: what the SDK exported, with the resource of the example's layer.
      const queries = bySpanName(spans, "Neo4j.executeQuery")
      assert.strictEqual(queries.length, 2, `spans: ${spans.map((s) => s.name).join(", ")}`)
      const port = Number(new URL(server.uri).port)
      for (const span of spans) {
        assert.strictEqual(span.resource.attributes["service.name"], "people", span.name)
        assert.strictEqual(span.attributes["db.system.name"], "neo4j", span.name)
        assert.strictEqual(span.kind, SpanKind.CLIENT, span.name)
        assert.strictEqual(span.attributes["server.address"], "127.0.0.1", span.name)
        assert.strictEqual(span.attributes["server.port"], port, span.name)
      }
      const [ok, failed] = queries
      assert.strictEqual(ok!.attributes["db.operation.name"], "executeQuery")
      assert.strictEqual(ok!.attributes["db.namespace"], DATABASE)
      assert.strictEqual(ok!.status.code, SpanStatusCode.OK)
      assert.isUndefined(ok!.attributes["error.type"])
      assert.strictEqual(failed!.attributes["error.type"], "Neo4jClientError")
      assert.strictEqual(failed!.attributes["db.response.status_code"], Code.SYNTAX_ERROR)
      assert.strictEqual(failed!.status.code, SpanStatusCode.ERROR)
      assert.deepStrictEqual(failed!.events.map((e) => e.name), ["exception"])

      const [fn] = bySpanName(spans, "Neo4jSession.executeWrite")
      const [run] = bySpanName(spans, "Neo4jTransaction.run")
      assert.isDefined(fn)
      assert.isDefined(run)
      assert.strictEqual(fn!.attributes["db.operation.name"], "executeWrite")
      assert.strictEqual(fn!.attributes["db.namespace"], DATABASE)
      assert.strictEqual(run!.attributes["db.operation.name"], "run")
      assert.strictEqual(run!.parentSpanContext?.spanId, fn!.spanContext().spanId)
      assert.strictEqual(run!.spanContext().traceId, fn!.spanContext().traceId)
      assert.notStrictEqual(ok!.spanContext().traceId, fn!.spanContext().traceId, "separate operations, separate traces")

      // Metrics: the histogram as OpenTelemetry received it, one data point per series.
      const last = metrics.at(-1)
      assert.isDefined(last, "nothing exported")
      assert.strictEqual(last!.resource.attributes["service.name"], "people")
      const duration = last!.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === Neo4jMetrics.operationDuration.id)
      assert.isDefined(duration, "db.client.operation.duration not exported")
      assert.strictEqual(duration!.dataPointType, DataPointType.HISTOGRAM)
      const points = duration!.dataPoints.map((p) => ({
        attributes: p.attributes,
        count: (p.value as Histogram).count
      }))
      const common = { "db.system.name": "neo4j", "db.namespace": DATABASE, "server.address": "127.0.0.1", "server.port": String(port) }
      const of = (operation: string, errorType?: string) =>
        points.filter((p) => p.attributes["db.operation.name"] === operation && p.attributes["error.type"] === errorType)
      assert.deepStrictEqual(of("executeQuery"), [{ attributes: { ...common, "db.operation.name": "executeQuery" }, count: 1 }])
      assert.deepStrictEqual(of("executeQuery", "Neo4jClientError"), [
        { attributes: { ...common, "db.operation.name": "executeQuery", "error.type": "Neo4jClientError" }, count: 1 }
      ])
      assert.deepStrictEqual(of("executeWrite"), [{ attributes: { ...common, "db.operation.name": "executeWrite" }, count: 1 }])
      assert.deepStrictEqual(of("run").map((p) => p.count), [1])
      for (const point of duration!.dataPoints) {
        const value = point.value as Histogram
        assert.isAbove(value.sum!, 0, "a duration was measured")
        assert.deepStrictEqual(value.buckets.boundaries, [...Neo4jMetrics.DURATION_BOUNDARIES_SECONDS])
      }
    }))
})
