/**
 * The fake driver of the testing kit: answers by pattern, records what was sent, fails on
 * unexpected queries with a typed error, and implements sessions, transactions and transaction
 * functions (retries included) like the real driver.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Stream } from "effect"
import * as Neo4j from "../src/Neo4j.ts"
import { Neo4jTransientError, Neo4jUsageError } from "../src/Neo4jError.ts"
import * as Neo4jSession from "../src/Neo4jSession.ts"
import * as Neo4jTesting from "../src/Neo4jTesting.ts"

const ada = Neo4jTesting.node("Person", { name: "Ada" })
const grace = Neo4jTesting.node(["Person", "Admiral"], { name: "Grace" })

const rules: ReadonlyArray<Neo4jTesting.Rule> = [
  { query: "MATCH (p:Person)   RETURN p.name AS name", records: [{ name: "Ada" }, { name: "Grace" }] },
  { query: /^MATCH \(p:Person \{name: \$name\}\) RETURN p$/, records: (parameters) => [{ p: parameters.name === "Ada" ? ada : grace }] },
  {
    query: (query, parameters) => query.startsWith("CREATE") && typeof parameters.name === "string",
    counters: { nodesCreated: 1, propertiesSet: 1 }
  },
  { query: "RETURN 1 AS n", keys: ["n"], records: [Neo4jTesting.record({ n: 1 })] }
]

const fake = (extra: ReadonlyArray<Neo4jTesting.Rule> = []) => Neo4jTesting.layerFake([...extra, ...rules])

describe("Neo4jTesting values", () => {
  it("builds records, nodes and relationships", () => {
    const row = Neo4jTesting.record({ name: "Ada", born: 1815 })
    assert.deepStrictEqual(row.keys, ["name", "born"])
    assert.strictEqual(row.get("born"), 1815)
    assert.deepStrictEqual(ada.labels, ["Person"])
    assert.strictEqual(ada.properties.name, "Ada")
    assert.notStrictEqual(ada.elementId, grace.elementId)
    const knows = Neo4jTesting.relationship(ada, "KNOWS", grace, { since: 1843 })
    assert.strictEqual(knows.type, "KNOWS")
    assert.strictEqual(knows.startNodeElementId, ada.elementId)
    assert.strictEqual(knows.end, grace.identity)
    assert.strictEqual(knows.properties.since, 1843)
  })
})

describe("Neo4jTesting.layerFake", () => {
  it.effect("answers by text (whitespace collapsed), RegExp and predicate, and records what was sent", () =>
    Effect.gen(function*() {
      const names = yield* Neo4j.executeQuery<{ name: string }>("MATCH (p:Person) RETURN p.name AS name", {}, {
        database: "people",
        routing: "READ"
      })
      assert.deepStrictEqual(names.records.map((r) => r.get("name")), ["Ada", "Grace"])
      const found = yield* Neo4j.executeQuery("MATCH (p:Person {name: $name}) RETURN p", { name: "Grace" })
      assert.strictEqual(found.records[0]?.get("p"), grace)
      const created = yield* Neo4j.executeQuery("CREATE (:Person {name: $name})", { name: "Alan" })
      assert.strictEqual(created.summary.counters.nodesCreated, 1)
      assert.isTrue(created.summary.counters.containsUpdates)
      assert.deepStrictEqual(created.records, [])

      const sent = yield* Neo4jTesting.sentQueries
      assert.deepStrictEqual(sent.map((s) => [s.api, s.query, s.mode, s.database]), [
        ["executeQuery", "MATCH (p:Person) RETURN p.name AS name", "READ", "people"],
        ["executeQuery", "MATCH (p:Person {name: $name}) RETURN p", "WRITE", undefined],
        ["executeQuery", "CREATE (:Person {name: $name})", "WRITE", undefined]
      ])
      assert.deepStrictEqual(sent[2]?.parameters, { name: "Alan" })
      assert.deepStrictEqual(sent[0]?.config, { database: "people", routing: "READ" })
    }).pipe(Effect.provide(fake())))

  it.effect("fails an unexpected query with a Neo4jUsageError whose cause names it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Neo4j.executeQuery("MATCH (m:Movie) RETURN m", { year: 1999 }))
      assert.instanceOf(error, Neo4jUsageError)
      assert.instanceOf(error.cause, Neo4jTesting.UnexpectedQueryError)
      assert.include(error.message, "no rule answers \"MATCH (m:Movie) RETURN m\"")
      assert.include(error.message, "{\"year\":1999}")
      const unexpected = yield* Neo4jTesting.FakeNeo4j.use((f) => f.unexpected)
      assert.deepStrictEqual(unexpected.map((u) => u.query), ["MATCH (m:Movie) RETURN m"])
    }).pipe(Effect.provide(fake())))

  it.effect("runs transaction functions against the fake transaction and commits them", () =>
    Effect.gen(function*() {
      const n = yield* Neo4j.executeWrite((tx) =>
        Effect.gen(function*() {
          yield* tx.run("CREATE (:Person {name: $name})", { name: "Alan" })
          return (yield* tx.run("RETURN 1 AS n")).records[0]?.get("n")
        })
      )
      assert.strictEqual(n, 1)
      // Work as an Effect that requires the Transaction service.
      const names = yield* Neo4j.executeRead(
        Effect.map(Neo4jSession.query<{ name: string }>("MATCH (p:Person) RETURN p.name AS name"), (r) =>
          r.records.map((x) => x.get("name")))
      )
      assert.deepStrictEqual(names, ["Ada", "Grace"])
      const sent = yield* Neo4jTesting.sentQueries
      assert.deepStrictEqual(sent.map((s) => [s.api, s.transaction, s.mode]), [
        ["tx.run", 1, "WRITE"],
        ["tx.run", 1, "WRITE"],
        ["tx.run", 2, "READ"]
      ])
      const transactions = yield* Neo4jTesting.sentTransactions
      assert.deepStrictEqual(transactions.map((t) => [t.id, t.mode, t.managed, t.outcome]), [
        [1, "WRITE", true, "committed"],
        [2, "READ", true, "committed"]
      ])
    }).pipe(Effect.provide(fake())))

  it.effect("retries a transaction function after a transient failure, rolling the failed attempt back", () =>
    Effect.gen(function*() {
      const deadlock = new Neo4jTransientError({ code: "Neo.TransientError.Transaction.DeadlockDetected", message: "deadlock" })
      const result = yield* Neo4j.executeWrite((tx) => tx.run("CREATE (:Person {name: $name})", { name: "Alan" })).pipe(
        Effect.provide(fake([{ query: /^CREATE/, fail: deadlock, times: 1 }]))
      )
      assert.strictEqual(result.summary.counters.nodesCreated, 1)
    }))

  it.effect("records the outcome of every attempt", () =>
    Effect.gen(function*() {
      const control = yield* Neo4jTesting.FakeNeo4j
      yield* control.answer({
        query: /^CREATE/,
        fail: new Neo4jTransientError({ code: "Neo.TransientError.Transaction.DeadlockDetected", message: "deadlock" }),
        times: 2
      })
      yield* Neo4j.executeWrite((tx) => tx.run("CREATE (:Person {name: $name})", { name: "Alan" }))
      const transactions = yield* Neo4jTesting.sentTransactions
      assert.deepStrictEqual(transactions.map((t) => t.outcome), ["rolledBack", "rolledBack", "committed"])
      yield* control.reset
      assert.deepStrictEqual(yield* Neo4jTesting.sentQueries, [])
      // The added rule is gone with the reset: CREATE answers at once.
      yield* Neo4j.executeWrite((tx) => tx.run("CREATE (:Person {name: $name})", { name: "Alan" }))
      assert.deepStrictEqual((yield* Neo4jTesting.sentTransactions).map((t) => t.outcome), ["committed"])
    }).pipe(Effect.provide(fake())))

  it.effect("gives up after the retry schedule with the last error", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Neo4j.executeWrite((tx) => tx.run("CREATE (:Person {name: $name})", { name: "Alan" }))
      )
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual((yield* Neo4jTesting.sentTransactions).length, 4) // 1 + 3 retries (the default)
    }).pipe(Effect.provide(fake([{
      query: /^CREATE/,
      fail: new Neo4jTransientError({ code: "Neo.TransientError.Transaction.DeadlockDetected", message: "deadlock" })
    }]))))

  it.effect("rolls back an explicit transaction whose scope closes uncommitted; a closed one refuses queries", () =>
    Effect.gen(function*() {
      const tx = yield* Effect.scoped(
        Effect.gen(function*() {
          const session = yield* Neo4j.session({ database: "people" })
          const tx = yield* session.beginTransaction({ metadata: { app: "test" } })
          yield* tx.run("RETURN 1 AS n")
          return tx
        })
      )
      assert.isFalse(yield* tx.isOpen)
      const error = yield* Effect.flip(tx.run("RETURN 1 AS n"))
      assert.instanceOf(error, Neo4jUsageError)
      const [transaction] = yield* Neo4jTesting.sentTransactions
      assert.deepStrictEqual(
        transaction && [transaction.outcome, transaction.managed, transaction.database, transaction.config],
        ["rolledBack", false, "people", { metadata: { app: "test" } }]
      )
    }).pipe(Effect.provide(fake())))

  it.effect("streams the records of a rule; session.run records its api", () =>
    Effect.gen(function*() {
      const streamed = yield* Neo4j.stream<{ name: string }>("MATCH (p:Person) RETURN p.name AS name").pipe(
        Stream.map((r) => r.get("name")),
        Stream.runCollect
      )
      assert.deepStrictEqual(streamed, ["Ada", "Grace"])
      const viaSession = yield* Effect.scoped(
        Effect.flatMap(Neo4j.session(), (session) => session.run("RETURN 1 AS n"))
      )
      assert.deepStrictEqual(viaSession.keys, ["n"])
      assert.deepStrictEqual((yield* Neo4jTesting.sentQueries).map((s) => s.api), ["stream", "session.run"])
    }).pipe(Effect.provide(fake())))
})
