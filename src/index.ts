/**
 * effect-neo4j: a Neo4j driver for Effect 4 that speaks Bolt itself.
 *
 * @since 0.1.0
 */
export const version = "0.1.0"
