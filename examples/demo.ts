/**
 * The demo: a small movies graph written in a transaction function, read back with executeQuery,
 * and a larger result streamed record by record.
 *
 *   npm run demo                     # starts a local embedded Neo4j (needs Java + Maven)
 *   NEO4J_URI=neo4j://host:7687 NEO4J_PASSWORD=... npm run demo
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Layer, Stream } from "effect"
import { Neo4j, Neo4jGraph, Neo4jLive } from "effect-neo4j"
import { startNeo4j } from "../scripts/neo4j/launcher.ts"

const movies = [
  { title: "The Matrix", released: 1999, cast: ["Keanu Reeves", "Carrie-Anne Moss", "Laurence Fishburne"] },
  { title: "John Wick", released: 2014, cast: ["Keanu Reeves", "Willem Dafoe"] },
  { title: "Speed", released: 1994, cast: ["Keanu Reeves", "Sandra Bullock"] },
  { title: "The Lake House", released: 2006, cast: ["Keanu Reeves", "Sandra Bullock"] }
]

const program = Effect.gen(function*() {
  const server = yield* Neo4j.verifyConnectivity
  yield* Console.log(`Connected to ${server.agent} at ${server.address} over Bolt ${server.protocolVersion}`)

  // Write: one transaction function, retried if the server reports a transient failure.
  const written = yield* Neo4j.executeWrite((tx) =>
    Effect.gen(function*() {
      yield* tx.run("MATCH (n) WHERE n:DemoMovie OR n:DemoPerson DETACH DELETE n")
      const result = yield* tx.run(
        `UNWIND $movies AS m
         MERGE (movie:DemoMovie {title: m.title}) SET movie.released = m.released
         WITH movie, m UNWIND m.cast AS name
         MERGE (p:DemoPerson {name: name})
         MERGE (p)-[:ACTED_IN]->(movie)`,
        { movies }
      )
      return result.summary.counters
    })
  )
  yield* Console.log(
    `Wrote ${written.nodesCreated} nodes and ${written.relationshipsCreated} relationships`
  )

  // Read back with executeQuery (causally chained to the write by the driver's bookmark manager).
  const { records } = yield* Neo4j.executeQuery<{ actor: Neo4jGraph.Node; movies: Array<string> }>(
    `MATCH (p:DemoPerson)-[:ACTED_IN]->(m:DemoMovie)
     RETURN p AS actor, collect(m.title) AS movies ORDER BY size(movies) DESC, p.name`,
    {},
    { routing: "READ" }
  )
  for (const record of records) {
    yield* Console.log(`  ${record.get("actor").properties.name}: ${record.get("movies").join(", ")}`)
  }

  // Stream a larger result: records are pulled from the server batch by batch as consumed.
  const stats = yield* Neo4j.stream<{ i: number }>("UNWIND range(1, 250000) AS i RETURN i").pipe(
    Stream.runFold(() => ({ count: 0, sum: 0 }), (acc, record) => ({ count: acc.count + 1, sum: acc.sum + record.get("i") }))
  )
  yield* Console.log(`Streamed ${stats.count} records (sum ${stats.sum})`)
  yield* Neo4j.executeQuery("MATCH (n) WHERE n:DemoMovie OR n:DemoPerson DETACH DELETE n")
})

// NEO4J_URI set: use that server. Otherwise start a local one for the demo's lifetime.
const localServer = Layer.unwrap(
  Effect.gen(function*() {
    const server = yield* Effect.acquireRelease(
      Effect.promise(() => startNeo4j({ onLog: (line) => console.error(line) })),
      (s) => Effect.promise(() => s.stop())
    )
    return Neo4j.layer({ uri: server.uri, username: server.username, password: server.password })
  })
)

const driver = process.env["NEO4J_URI"] === undefined ? localServer : Neo4jLive

program.pipe(Effect.provide(driver), NodeRuntime.runMain)
