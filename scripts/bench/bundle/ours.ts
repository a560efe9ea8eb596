/**
 * Bundle-size entry (effect-neo4j): the smallest useful program, one query through the layer.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { Neo4j } from "../../../src/index.ts"

const program = Neo4j.executeQuery("RETURN 1 AS n").pipe(
  Effect.map((result) => result.records[0]?.get("n")),
  Effect.provide(Neo4j.layer({ uri: process.env.NEO4J_URI ?? "bolt://localhost:7687", username: "neo4j", password: process.env.NEO4J_PASSWORD ?? "" }))
)

Effect.runPromise(program).then(console.log, console.error)
