/**
 * effect-neo4j: a Neo4j driver for Effect 4 that speaks Bolt itself.
 *
 * @since 0.1.0
 */

/**
 * The package version.
 *
 * @since 0.1.0
 * @category constants
 */
export const version = "0.1.0"

/**
 * The driver service, its layers and accessors (`Neo4j.executeQuery`, `Neo4j.executeWrite`, ...).
 *
 * @since 0.1.0
 */
export * as Neo4j from "./Neo4j.ts"

/**
 * Sessions, explicit transactions and transaction functions.
 *
 * @since 0.1.0
 */
export * as Neo4jSession from "./Neo4jSession.ts"

/**
 * The `cypher` tagged template: values become parameters, fragments compose, identifiers are escaped.
 *
 * @since 0.1.0
 */
export * as Neo4jCypher from "./Neo4jCypher.ts"

/**
 * Driver options and defaults.
 *
 * @since 0.1.0
 */
export * as Neo4jConfig from "./Neo4jConfig.ts"

/**
 * Authentication tokens.
 *
 * @since 0.1.0
 */
export * as Neo4jAuth from "./Neo4jAuth.ts"

/**
 * Bookmarks and bookmark managers.
 *
 * @since 0.1.0
 */
export * as Neo4jBookmarks from "./Neo4jBookmarks.ts"

/**
 * The error family.
 *
 * @since 0.1.0
 */
export * as Neo4jError from "./Neo4jError.ts"

/**
 * Result rows.
 *
 * @since 0.1.0
 */
export * as Neo4jRecord from "./Neo4jRecord.ts"

/**
 * Eager results and record-stream helpers.
 *
 * @since 0.1.0
 */
export * as Neo4jResult from "./Neo4jResult.ts"

/**
 * Result summaries.
 *
 * @since 0.1.0
 */
export * as Neo4jSummary from "./Neo4jSummary.ts"

/**
 * Nodes, relationships and paths.
 *
 * @since 0.1.0
 */
export * as Neo4jGraph from "./Neo4jGraph.ts"

/**
 * Dates, times, date-times and durations, nanosecond-exact.
 *
 * @since 0.1.0
 */
export * as Neo4jTemporal from "./Neo4jTemporal.ts"

/**
 * Points.
 *
 * @since 0.1.0
 */
export * as Neo4jSpatial from "./Neo4jSpatial.ts"

/**
 * Vectors (Bolt 6.0).
 *
 * @since 0.1.0
 */
export * as Neo4jVector from "./Neo4jVector.ts"

/**
 * UUIDs (Bolt 6.1).
 *
 * @since 0.1.0
 */
export * as Neo4jUuid from "./Neo4jUuid.ts"

/**
 * Value helpers: forced floats, integer policy, unsupported types.
 *
 * @since 0.1.0
 */
export * as Neo4jValue from "./Neo4jValue.ts"

/**
 * The driver layer configured from `NEO4J_URI`, `NEO4J_USERNAME` and `NEO4J_PASSWORD`.
 *
 * @since 0.1.0
 * @category layers
 */
export { Neo4jLive } from "./Neo4jLive.ts"

/**
 * The `cypher` tagged template (also `Neo4jCypher.cypher`).
 *
 * @since 0.1.0
 * @category constructors
 */
export { cypher } from "./Neo4jCypher.ts"

// `Neo4jSchema` is not re-exported here: it loads `effect/Schema`, which this entry point does not
// (test/imports.test.ts). Import it as `effect-neo4j/Neo4jSchema`.
