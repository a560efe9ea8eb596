/**
 * The options `Neo4j.layerConfig()` and `Neo4jLive` read when given no `Config` of their own.
 *
 * A module of its own, loaded by `layerConfig` only when that layer is built: `effect/Config`
 * brings Schema with it (~10 MB of RSS measured), which a program that builds its driver with
 * `Neo4j.layer(options)` should not pay for.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type { Neo4jOptions } from "../Neo4jConfig.ts"

/**
 * `NEO4J_URI`, `NEO4J_USERNAME` (default `neo4j`), `NEO4J_PASSWORD` (as `Redacted`, optional),
 * `NEO4J_DATABASE` (optional), read through the current `ConfigProvider`.
 *
 * @since 0.1.0
 * @category config
 */
export const envConfig: Config.Config<Neo4jOptions> = Config.all({
  uri: Config.String("NEO4J_URI"),
  username: Config.String("NEO4J_USERNAME").pipe(Config.withDefault("neo4j")),
  password: Config.option(Config.Redacted("NEO4J_PASSWORD")),
  database: Config.option(Config.String("NEO4J_DATABASE"))
}).pipe(
  Config.map(({ database, password, uri, username }) => ({
    uri,
    username,
    password: password._tag === "Some" ? password.value : undefined,
    database: database._tag === "Some" ? database.value : undefined
  }))
)
