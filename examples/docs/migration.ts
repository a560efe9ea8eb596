/**
 * The code of docs/migrating-from-neo4j-driver.md. Type-checked and linted by `npm test`; not run.
 */
import { Effect } from "effect"
import { Neo4j, Neo4jTemporal, Neo4jValue } from "effect-neo4j"

// #region create
const driver = Neo4j.layer({ uri: "neo4j://localhost:7687", username: "neo4j", password: "secret" })
// #endregion create

// #region executeQuery
const people = Effect.gen(function*() {
  const { records, summary } = yield* Neo4j.executeQuery<{ name: string; age: number }>(
    "MATCH (p:Person) WHERE p.age > $min RETURN p.name AS name, p.age AS age",
    { min: 30 },
    { database: "neo4j", routing: "READ" }
  )
  yield* Effect.log(`${records.length} rows in ${summary.resultAvailableAfter} ms`)
  return records.map((record) => record.toObject())
})
// #endregion executeQuery

// #region transactions
const transfer = Neo4j.executeWrite((tx) =>
  Effect.gen(function*() {
    yield* tx.run("MATCH (a:Account {id: $id}) SET a.balance = a.balance - $amount", { id: 1, amount: 10 })
    yield* tx.run("MATCH (a:Account {id: $id}) SET a.balance = a.balance + $amount", { id: 2, amount: 10 })
  })
)

const explicit = Effect.scoped(
  Effect.gen(function*() {
    const session = yield* Neo4j.session({ database: "neo4j" })
    const tx = yield* session.beginTransaction()
    yield* tx.run("CREATE (:Log {at: datetime()})")
    yield* tx.commit
  })
)
// #endregion transactions

// #region errors
const safely = Neo4j.executeQuery("CREATE (:Person {email: $email})", { email: "ada@example.com" }).pipe(
  Effect.catchTag("Neo4jClientError", (error) =>
    error.code === "Neo.ClientError.Schema.ConstraintValidationFailed"
      ? Effect.log("already there")
      : Effect.fail(error))
)
// #endregion errors

// #region values
const values = Effect.gen(function*() {
  const { records } = yield* Neo4j.executeQuery<{ n: number | bigint; at: Neo4jTemporal.DateTime }>(
    "RETURN $n AS n, $at AS at",
    {
      n: 42, // an integral number is sent as INTEGER; Neo4jValue.float(42) sends FLOAT
      at: Neo4jTemporal.DateTime.of({
        year: 2024, month: 3, day: 31, hour: 3, minute: 30, second: 0, nanosecond: 0, zoneId: "Europe/Berlin"
      })
    }
  )
  const record = records[0]!
  return { n: record.get("n"), iso: record.get("at").toString(), float: Neo4jValue.float(1) }
})
// #endregion values

export { driver, explicit, people, safely, transfer, values }
