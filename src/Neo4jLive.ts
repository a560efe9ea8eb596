/**
 * The ready-made driver layer: options from `NEO4J_URI`, `NEO4J_USERNAME` (default `neo4j`) and
 * `NEO4J_PASSWORD` (read as `Redacted`) through Effect's `Config`.
 *
 * @since 0.1.0
 */
import { layerConfig } from "./Neo4j.ts"

/**
 * The driver configured from the environment.
 *
 * @since 0.1.0
 * @category layers
 */
export const Neo4jLive = layerConfig()
