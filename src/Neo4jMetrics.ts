/**
 * The driver's metrics, as `effect/Metric` values named after the OpenTelemetry semantic
 * conventions for database clients. Read them like any Effect metric (`Metric.snapshot`, or an
 * exporter such as `@effect/opentelemetry`'s); every series carries `db.system.name = neo4j`.
 *
 * | metric | kind | attributes |
 * |---|---|---|
 * | `db.client.operation.duration` (s) | histogram | `db.operation.name`, `db.namespace`, `server.address`, `server.port`, `error.type` |
 * | `neo4j.client.operation.retries` | counter | `db.operation.name`, `db.namespace`, `error.type` |
 * | `db.client.connection.count` | gauge | `db.client.connection.pool.name` (`host:port`), `db.client.connection.state` (`idle`, `used`) |
 * | `db.client.connection.max` | gauge | pool name |
 * | `db.client.connection.pending_requests` | gauge | pool name |
 * | `db.client.connection.wait_time` (s) | histogram | pool name |
 * | `db.client.connection.create_time` (s) | histogram | pool name |
 * | `db.client.connection.timeouts` | counter | pool name |
 *
 * The connection series are read from the pool's own bookkeeping when a snapshot is taken, so
 * they cost nothing while nobody reads them. Operation durations and retries are recorded as they
 * happen; provide {@link layerDisabled} to turn those off.
 *
 * @since 0.1.0
 */
import * as Layer from "effect/Layer"
import type * as Metric from "effect/Metric"
import * as Internal from "./internal/metrics.ts"

/**
 * Duration of driver operations (`executeQuery`, `executeRead`/`executeWrite` including their
 * retries, `run`, ...), in seconds.
 *
 * @since 0.1.0
 * @category metrics
 */
export const operationDuration: Metric.Histogram<number> = Internal.operationDuration

/**
 * Attempts run again after a retryable failure (transaction functions and `executeQuery`).
 *
 * @since 0.1.0
 * @category metrics
 */
export const operationRetries: Metric.Counter<number> = Internal.operationRetries

/**
 * Connections of a pool by `db.client.connection.state` (`idle` or `used`).
 *
 * @since 0.1.0
 * @category metrics
 */
export const connectionCount: Metric.Gauge<number> = Internal.connectionCount

/**
 * The most connections a pool opens to one server (`maxConnectionPoolSize`).
 *
 * @since 0.1.0
 * @category metrics
 */
export const connectionMax: Metric.Gauge<number> = Internal.connectionMax

/**
 * Acquisitions waiting because the pool is full.
 *
 * @since 0.1.0
 * @category metrics
 */
export const connectionPendingRequests: Metric.Gauge<number> = Internal.connectionPendingRequests

/**
 * Time to obtain a connection from the pool, in seconds; 0 when an idle one was at hand.
 *
 * @since 0.1.0
 * @category metrics
 */
export const connectionWaitTime: Metric.Histogram<number> = Internal.connectionWaitTime

/**
 * Time to open a new connection (socket, TLS, handshake, authentication), in seconds.
 *
 * @since 0.1.0
 * @category metrics
 */
export const connectionCreateTime: Metric.Histogram<number> = Internal.connectionCreateTime

/**
 * Acquisitions that gave up after the acquisition timeout.
 *
 * @since 0.1.0
 * @category metrics
 */
export const connectionTimeouts: Metric.Counter<number> = Internal.connectionTimeouts

/**
 * Bucket boundaries of the duration histograms, in seconds (the ones the conventions recommend).
 *
 * @since 0.1.0
 * @category constants
 */
export const DURATION_BOUNDARIES_SECONDS: ReadonlyArray<number> = Internal.DURATION_BOUNDARIES_SECONDS

/**
 * Attribute names used by the driver's series.
 *
 * @since 0.1.0
 * @category constants
 */
export const ATTRIBUTE = Internal.ATTRIBUTE

/**
 * Whether operation durations and retries are recorded (default `true`), as a context reference.
 *
 * @since 0.1.0
 * @category references
 */
export const Enabled = Internal.MetricsEnabled

/**
 * Turns off the recording of operation durations and retries for the effects it is provided to
 * (the connection series, which cost nothing until read, stay).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDisabled: Layer.Layer<never> = Layer.succeed(Internal.MetricsEnabled, false)
