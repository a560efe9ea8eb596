/**
 * The README's "Using it" snippets, kept here so that `npm test` type-checks them.
 * Run: NEO4J_URI=bolt://localhost:7687 NEO4J_PASSWORD=... node --conditions=source examples/usage.ts
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Duration, Effect, Stream } from "effect"
import { Neo4j, Neo4jLive, Neo4jResult } from "effect-neo4j"

// #region readme
// A transaction function: re-run as a whole if the server reports a transient failure.
const addFriend = (a: string, b: string) =>
  Neo4j.executeWrite((tx) =>
    Effect.gen(function*() {
      yield* tx.run("MERGE (:Person {name: $a})", { a })
      yield* tx.run("MERGE (:Person {name: $b})", { b })
      yield* tx.run("MATCH (x:Person {name: $a}), (y:Person {name: $b}) MERGE (x)-[:KNOWS]->(y)", { a, b })
    }), { timeout: Duration.seconds(5), metadata: { app: "friends" } })

// Streaming: records are fetched 1000 at a time, as the stream is consumed.
const names = Neo4j.stream<{ name: string }>("MATCH (p:Person) RETURN p.name AS name").pipe(
  Stream.map((record) => record.get("name")),
  Stream.take(10),
  Stream.runCollect
)

// Explicit transactions are scoped resources (a session holds no connection of its own).
const explicit = Effect.scoped(
  Effect.gen(function*() {
    const session = yield* Neo4j.session({ database: "neo4j", fetchSize: 500 })
    const tx = yield* session.beginTransaction()
    yield* tx.run("CREATE (:Audit {at: datetime()})")
    yield* tx.commit // without it, the transaction is rolled back when the scope closes
    return yield* Neo4jResult.single(session.stream("MATCH (a:Audit) RETURN count(a) AS n"))
  })
)
// #endregion readme

const program = Effect.gen(function*() {
  yield* addFriend("Ada", "Grace")
  yield* Console.log("friends:", (yield* names).join(", "))
  const audits = yield* explicit
  yield* Console.log("audit records:", audits.get("n"))
  yield* Neo4j.executeQuery("MATCH (n) WHERE n:Person OR n:Audit DETACH DELETE n")
})

program.pipe(Effect.provide(Neo4jLive), NodeRuntime.runMain)
