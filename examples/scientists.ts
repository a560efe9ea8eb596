/**
 * An example service over the driver, with its schema and migrations, and a main program that
 * sets the schema up, uses the service, and prints the driver's metrics. Its tests, with the fake
 * driver and with a real server: test/integration/examples-scientists.test.ts.
 * Run: NEO4J_URI=bolt://localhost:7687 NEO4J_PASSWORD=... node --conditions=source examples/scientists.ts
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Context, Effect, Layer, Metric } from "effect"
import { fileURLToPath } from "node:url"
// In a project of your own: from "effect-neo4j" (and its subpaths). Relative here, so that the
// test suite can import this file without a built package.
import { Neo4j, type Neo4jError, Neo4jLive } from "../src/index.ts"
import * as Neo4jMigrator from "../src/Neo4jMigrator.ts"

/** A person as the service returns it. */
export interface Scientist {
  readonly name: string
  readonly born: number | null
}

/** The service: what the rest of the program knows about scientists. */
export class Scientists extends Context.Service<Scientists, {
  readonly add: (person: Scientist) => Effect.Effect<void, Neo4jError.Neo4jError>
  readonly befriend: (a: string, b: string) => Effect.Effect<boolean, Neo4jError.Neo4jError>
  readonly friendsOf: (name: string) => Effect.Effect<ReadonlyArray<Scientist>, Neo4jError.Neo4jError>
}>()("examples/Scientists") {
  static readonly layer = Layer.effect(
    Scientists,
    Effect.gen(function*() {
      const neo4j = yield* Neo4j.Neo4j
      return Scientists.of({
        add: (person) => Effect.asVoid(neo4j.executeQuery("MERGE (p:Scientist {name: $name}) SET p.born = $born", { ...person })),
        befriend: (a, b) =>
          neo4j.executeWrite((tx) =>
            Effect.map(
              tx.run(
                "MATCH (x:Scientist {name: $a}), (y:Scientist {name: $b}) MERGE (x)-[k:KNOWS]->(y) RETURN count(k) AS linked",
                { a, b }
              ),
              (result) => result.records[0]?.get("linked") === 1
            )
          ),
        friendsOf: (name) =>
          Effect.map(
            neo4j.executeQuery<Scientist & Record<string, unknown>>(
              "MATCH (:Scientist {name: $name})-[:KNOWS]-(f:Scientist) RETURN f.name AS name, f.born AS born ORDER BY name",
              { name },
              { routing: "READ" }
            ),
            (result) => result.records.map((record) => ({ name: record.get("name"), born: record.get("born") }))
          )
      })
    })
  )
}

// #region schema
/** The schema the service relies on. */
export const schema = [
  Neo4jMigrator.unique("scientist_name", "Scientist", "name"),
  Neo4jMigrator.rangeIndex("scientist_born", "Scientist", "born")
]

/** Data migrations, applied once per database. */
export const migrations: ReadonlyArray<Neo4jMigrator.Migration> = [
  { id: 1, name: "founders", up: ["MERGE (:Scientist {name: 'Ada', born: 1815})", "MERGE (:Scientist {name: 'Charles', born: 1791})"] },
  { id: 2, name: "founders_know_each_other", up: "MATCH (a:Scientist {name: 'Ada'}), (c:Scientist {name: 'Charles'}) MERGE (a)-[:KNOWS]->(c)" }
]
// #endregion schema

const main = Effect.gen(function*() {
  // #region migrate
  const applied = yield* Neo4jMigrator.run({ loader: Neo4jMigrator.fromMigrations(migrations), schema })
  // #endregion migrate
  yield* Console.log(`migrations applied now: ${applied.map((m) => `${m.id}_${m.name}`).join(", ") || "none"}`)
  const scientists = yield* Scientists
  yield* scientists.add({ name: "Grace", born: 1906 })
  yield* scientists.befriend("Ada", "Grace")
  yield* Console.log("Ada's friends:", yield* scientists.friendsOf("Ada"))
  // The driver's metrics (OpenTelemetry db.client.* names), as any exporter would read them.
  yield* Console.log(yield* Metric.dump)
})

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main.pipe(Effect.provide(Scientists.layer), Effect.provide(Neo4jLive), NodeRuntime.runMain)
}
