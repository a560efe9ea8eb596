/**
 * The code of docs/transactions-and-retries.md. Type-checked and linted by `npm test`; not run.
 */
import { Duration, Effect, Schedule } from "effect"
import { Neo4j, Neo4jConfig } from "effect-neo4j"

// #region function
const addFriend = (a: string, b: string) =>
  Neo4j.executeWrite((tx) =>
    Effect.gen(function*() {
      yield* tx.run("MERGE (:Person {name: $a})", { a })
      yield* tx.run("MERGE (:Person {name: $b})", { b })
      return yield* tx.run(
        "MATCH (x:Person {name: $a}), (y:Person {name: $b}) MERGE (x)-[r:KNOWS]->(y) RETURN r",
        { a, b }
      )
    }), { timeout: Duration.seconds(5), metadata: { app: "friends" } })
// #endregion function

// #region schedules
// For the whole driver: at most 5 retries, 200 ms apart.
const patient = Neo4j.layer({
  uri: "neo4j://localhost:7687",
  username: "neo4j",
  password: "secret",
  retry: Schedule.spaced(Duration.millis(200)).pipe(Schedule.upTo({ times: 5 }))
})

// For one call: the default policy with a 2-minute budget instead of 30 s.
const slowImport = Neo4j.executeWrite(
  (tx) => tx.run("CALL { LOAD CSV FROM $url AS row CREATE (:Row {v: row[0]}) } IN TRANSACTIONS", { url: "file:///rows.csv" }),
  { retry: Neo4jConfig.defaultRetrySchedule(Duration.minutes(2)) }
)

// No retries at all.
const once = Neo4j.executeQuery("MATCH (n) RETURN count(n) AS n", {}, { retry: Schedule.recurs(0) })
// #endregion schedules

// #region unknown
const createOrder = (orderId: string) =>
  Neo4j.executeWrite((tx) => tx.run("MERGE (o:Order {id: $orderId}) ON CREATE SET o.at = datetime()", { orderId }))

// The work is idempotent (MERGE on a unique id), so running it again after an unknown outcome is
// safe: at worst it finds the order the lost COMMIT did create.
const placeOrder = (orderId: string) =>
  createOrder(orderId).pipe(
    Effect.catchTag("Neo4jConnectionError", (error) =>
      error.reason === "CommitOutcomeUnknown" ? createOrder(orderId) : Effect.fail(error))
  )
// #endregion unknown

export { addFriend, once, patient, placeOrder, slowImport }
