/**
 * The code of docs/streaming.md. Type-checked and linted by `npm test`; not run.
 */
import { Effect, Stream } from "effect"
import { Neo4j, Neo4jResult } from "effect-neo4j"

// #region stream
const total = Neo4j.stream<{ amount: number }>("MATCH (o:Order) RETURN o.amount AS amount").pipe(
  Stream.runFold(() => 0, (sum, record) => sum + record.get("amount"))
)
// #endregion stream

// #region early
const firstTen = Neo4j.stream<{ name: string }>("MATCH (p:Person) RETURN p.name AS name").pipe(
  Stream.map((record) => record.get("name")),
  Stream.take(10),
  Stream.runCollect
)
// #endregion early

// #region fetchSize
const exported = Neo4j.stream("MATCH (p:Person) RETURN p", {}, { fetchSize: 5000 }).pipe(
  Stream.grouped(500),
  Stream.mapEffect((batch) => Effect.log(`writing ${batch.length} people`)),
  Stream.runDrain
)
// #endregion fetchSize

// #region inTransaction
const counted = Neo4j.executeRead((tx) =>
  Neo4jResult.single(tx.stream<{ n: number }>("MATCH (p:Person) RETURN count(p) AS n"))
)
// #endregion inTransaction

// #region cursor
const imported = Effect.scoped(
  Effect.gen(function*() {
    const session = yield* Neo4j.session()
    const cursor = yield* session.cursor("UNWIND $rows AS row CREATE (p:Person) SET p = row RETURN p.name AS name", {
      rows: [{ name: "Ada" }, { name: "Grace" }]
    })
    const first = yield* cursor.next
    const summary = yield* cursor.consume
    return { keys: cursor.keys, first, created: summary.counters.nodesCreated }
  })
)
// #endregion cursor

export { counted, exported, firstTen, imported, total }
