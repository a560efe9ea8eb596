/**
 * The code of docs/getting-started.md (each `#region` is quoted there; test/docs/Snippets.test.ts
 * checks they match). Type-checked and linted by `npm test`; not run.
 */
// #region program
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { Neo4j } from "effect-neo4j"

const program = Effect.gen(function*() {
  const server = yield* Neo4j.verifyConnectivity
  yield* Console.log(`Connected to ${server.agent} over Bolt ${server.protocolVersion}`)

  yield* Neo4j.executeQuery("MERGE (:Person {name: $name})", { name: "Ada" })

  const { records } = yield* Neo4j.executeQuery<{ name: string }>(
    "MATCH (p:Person) RETURN p.name AS name ORDER BY name",
    {},
    { routing: "READ" }
  )
  for (const record of records) yield* Console.log(record.get("name"))
})
// #endregion program

// #region layer
const driver = Neo4j.layer({
  uri: "neo4j://localhost:7687",
  username: "neo4j",
  password: process.env["NEO4J_PASSWORD"] ?? ""
})

program.pipe(Effect.provide(driver), NodeRuntime.runMain)
// #endregion layer

// #region live
import { Neo4jLive } from "effect-neo4j"

// NEO4J_URI, NEO4J_USERNAME (default neo4j), NEO4J_PASSWORD (Redacted), NEO4J_DATABASE (optional)
export const fromEnvironment = program.pipe(Effect.provide(Neo4jLive))
// #endregion live
