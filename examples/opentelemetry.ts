/**
 * The people program (examples/people.ts) with its spans and metrics exported through
 * OpenTelemetry by `@effect/opentelemetry`: `NodeSdk.layer` installs a tracer that hands every
 * Effect span (the driver's among them) to a span processor, and lets a metric reader collect the
 * Effect metrics (the driver's `db.client.operation.duration`, ...). Here both go to the console;
 * a collector would get them through the OTLP exporters (`@opentelemetry/exporter-trace-otlp-http`,
 * `@opentelemetry/exporter-metrics-otlp-http`) in the same two places.
 *
 * Test: test/opentelemetry.test.ts provides `Telemetry` with in-memory exporters against a stub
 * server and checks what OpenTelemetry received.
 * Run: NEO4J_URI=bolt://localhost:7687 NEO4J_PASSWORD=... node --conditions=source examples/opentelemetry.ts
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { NodeRuntime } from "@effect/platform-node"
import { ConsoleMetricExporter, type MetricReader, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics"
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { Neo4jLive } from "../src/index.ts"
import { People, program } from "./people.ts"

// #region layer
/** OpenTelemetry for a program: its spans go to `spans`, its metrics are read by `metrics`. */
export const Telemetry = (spans: SpanProcessor, metrics: MetricReader) =>
  NodeSdk.layer(() => ({ resource: { serviceName: "people" }, spanProcessor: spans, metricReader: metrics }))
// #endregion layer

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // #region main
  const telemetry = Telemetry(
    new BatchSpanProcessor(new ConsoleSpanExporter()),
    new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter() })
  )
  program().pipe(Effect.provide(People.layer), Effect.provide(Neo4jLive), Effect.provide(telemetry), NodeRuntime.runMain)
  // #endregion main
}
