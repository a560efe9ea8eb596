/**
 * The code of docs/configuration.md. Type-checked and linted by `npm test`; not run.
 */
import { Duration, Redacted } from "effect"
import { Neo4j, Neo4jAuth, Neo4jConfig } from "effect-neo4j"

// #region options
const options: Neo4jConfig.Neo4jOptions = {
  uri: "neo4j+s://db.example.com",
  auth: Neo4jAuth.basic("app", Redacted.make("secret")),
  database: "movies",
  fetchSize: 1000,
  maxConnectionPoolSize: 50,
  connectionAcquisitionTimeout: Duration.seconds(30),
  connectionTimeout: "10 seconds",
  maxConnectionLifetime: Duration.hours(1),
  connectionLivenessCheckTimeout: Duration.minutes(5),
  integers: "auto",
  retry: Neo4jConfig.defaultRetrySchedule(Duration.seconds(60)),
  userAgent: "movies-api/1.0",
  traceQueryText: false,
  telemetry: true
}

const driver = Neo4j.layer(options)
// #endregion options

export { driver }
