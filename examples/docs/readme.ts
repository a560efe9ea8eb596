/**
 * The first example of README.md. Type-checked and linted by `npm test`; not run.
 */
// #region intro
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { Neo4j, Neo4jLive } from "effect-neo4j"

const program = Effect.gen(function*() {
  yield* Neo4j.verifyConnectivity
  yield* Neo4j.executeWrite((tx) => tx.run("CREATE (:Person {name: $name})", { name: "Ada" }))
  const { records } = yield* Neo4j.executeQuery("MATCH (p:Person) RETURN p.name AS name")
  for (const record of records) console.log(record.get("name"))
})

// Neo4jLive reads NEO4J_URI, NEO4J_USERNAME and NEO4J_PASSWORD (as Redacted) through Config;
// Neo4j.layer({ uri, username, password, ... }) takes them in code.
program.pipe(Effect.provide(Neo4jLive), NodeRuntime.runMain)
// #endregion intro
