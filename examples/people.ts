/**
 * A small repository service over the driver: people and their friendships, with a Schema-typed
 * domain (`Neo4jSchema`), every query built with the `cypher` template (values are parameters,
 * runtime names are escaped identifiers), the schema set up by `Neo4jMigrator`, and a main program
 * that prints the spans and the metrics of its work.
 *
 * Tests: test/examples-people.test.ts (the fake driver, no server) and
 * test/integration/examples-people.test.ts (a real server), both run by `npm test`.
 * Run: NEO4J_URI=bolt://localhost:7687 NEO4J_PASSWORD=... node --conditions=source examples/people.ts
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Context, DateTime, Effect, Layer, Metric, Option, Schema, Stream, Tracer } from "effect"
import { fileURLToPath } from "node:url"
// In a project of your own: from "effect-neo4j" and its subpaths ("effect-neo4j/Neo4jSchema", ...).
// Relative here, so that the test suite can import this file without a built package.
import { Neo4j, Neo4jCypher, type Neo4jError, Neo4jLive } from "../src/index.ts"
import * as Neo4jMigrator from "../src/Neo4jMigrator.ts"
import * as Neo4jSchema from "../src/Neo4jSchema.ts"

const { cypher } = Neo4jCypher

// #region domain
/** A member: `joined` is an Effect `DateTime.Utc` in the program and a Cypher DATETIME in the graph. */
export const Member = Schema.Struct({
  name: Schema.String,
  born: Schema.Int,
  joined: Neo4jSchema.DateTimeUtcFromDateTime
})
export type Member = typeof Member.Type

/** A friend of someone: the friend's `:Member` node (its properties decoded) and the friendship's start. */
export const Friend = Schema.Struct({
  friend: Neo4jSchema.Node(Member),
  since: Neo4jSchema.DateTimeUtcFromDateTime
})
// #endregion domain

/** Filters of `search`; each one given adds a condition. */
export const Filter = Schema.Struct({
  bornAfter: Schema.optionalKey(Schema.Int),
  namePrefix: Schema.optionalKey(Schema.String)
})

/** What the service fails with: the driver's errors, or a record that does not decode. */
export type PeopleError = Neo4jError.Neo4jError | Schema.SchemaError

/** The repository. */
export class People extends Context.Service<People, {
  readonly join: (member: Member) => Effect.Effect<void, PeopleError>
  readonly find: (name: string) => Effect.Effect<Option.Option<Member>, PeopleError>
  /** Links two members (once); the friendship's start. `NoRecords` when either is not a member. */
  readonly befriend: (a: string, b: string, since: DateTime.Utc) => Effect.Effect<DateTime.Utc, PeopleError>
  readonly friendsOf: (name: string) => Effect.Effect<ReadonlyArray<{ readonly name: string; readonly since: DateTime.Utc }>, PeopleError>
  readonly search: (filter: typeof Filter.Type) => Effect.Effect<ReadonlyArray<Member>, PeopleError>
  /** Sets a profile field whose name is only known at run time (an escaped property key). */
  readonly setProfile: (name: string, field: string, value: string) => Effect.Effect<void, PeopleError>
  /** Every member, in name order, decoded record by record as the stream is consumed. */
  readonly everyone: Stream.Stream<Member, PeopleError>
}>()("examples/People") {
  static readonly layer = Layer.effect(
    People,
    Effect.gen(function*() {
      const neo4j = yield* Neo4j.Neo4j
      const use = <A, E>(effect: Effect.Effect<A, E, Neo4j.Neo4j>) => Effect.provideService(effect, Neo4j.Neo4j, neo4j)

      // #region queries
      const join = Neo4jSchema.void({
        Request: Member, // encoding the request gives the parameters: `joined` becomes a Cypher DATETIME
        query: (m) => cypher`MERGE (p:Member {name: ${m.name}}) SET p.born = ${m.born}, p.joined = ${m.joined}`
      })

      const friendsOf = Neo4jSchema.findAll({
        Request: Schema.String,
        Result: Friend,
        query: (name) =>
          cypher`MATCH (:Member {name: ${name}})-[f:FRIEND_OF]-(friend:Member) RETURN friend, f.since AS since ORDER BY friend.name`,
        config: { routing: "READ" }
      })

      // Conditions composed from fragments: cypher.and gives `true` for none.
      const search = Neo4jSchema.findAll({
        Request: Filter,
        Result: Schema.Struct({ p: Neo4jSchema.Node(Member) }),
        query: (filter) => {
          const conditions = [
            ...(filter.bornAfter === undefined ? [] : [cypher`p.born > ${filter.bornAfter}`]),
            ...(filter.namePrefix === undefined ? [] : [cypher`p.name STARTS WITH ${filter.namePrefix}`])
          ]
          return cypher`MATCH (p:Member) WHERE ${cypher.and(conditions)} RETURN p ORDER BY p.name`
        }
      })

      // #endregion queries

      const find = Neo4jSchema.findOne({
        Request: Schema.String,
        Result: Schema.Struct({ p: Neo4jSchema.Node(Member) }),
        query: (name) => cypher`MATCH (p:Member {name: ${name}}) RETURN p`
      })

      // Decoded record by record, as the stream is consumed.
      const everyone = Neo4jSchema.stream({
        Request: Schema.Void,
        Result: Member,
        query: cypher`MATCH (p:Member) RETURN p.name AS name, p.born AS born, p.joined AS joined ORDER BY name`
      })

      // #region transaction
      // In a transaction function (retried as a whole on transient failures): the execute form
      // runs the statement with tx.run and decodes its only record.
      const Link = Schema.Struct({ a: Schema.String, b: Schema.String, since: Neo4jSchema.DateTimeUtcFromDateTime })
      const befriend = (a: string, b: string, since: DateTime.Utc) =>
        neo4j.executeWrite((tx) =>
          Neo4jSchema.single({
            Request: Link,
            Result: Schema.Struct({ since: Neo4jSchema.DateTimeUtcFromDateTime }),
            execute: (link) =>
              tx.run(cypher`
                MATCH (x:Member {name: ${link.a}}), (y:Member {name: ${link.b}})
                MERGE (x)-[f:FRIEND_OF]-(y) ON CREATE SET f.since = ${link.since}
                RETURN f.since AS since`)
          })({ a, b, since })
        )
      // #endregion transaction

      return People.of({
        join: (member) => use(join(member)),
        find: (name) => use(Effect.map(find(name), Option.map((row) => row.p.properties))),
        befriend: (a, b, since) => Effect.map(befriend(a, b, since), (row) => row.since),
        friendsOf: (name) =>
          use(Effect.map(friendsOf(name), (rows) => rows.map((row) => ({ name: row.friend.properties.name, since: row.since })))),
        search: (filter) => use(Effect.map(search(filter), (rows) => rows.map((row) => row.p.properties))),
        setProfile: (name, field, value) =>
          Effect.asVoid(neo4j.executeQuery(cypher`MATCH (p:Member {name: ${name}}) SET p.${cypher.property(field)} = ${value}`)),
        everyone: Stream.provideService(everyone(undefined), Neo4j.Neo4j, neo4j)
      })
    })
  )
}

// #region schema
/** The schema the service relies on, set up idempotently by the migrator. */
export const schema = [
  Neo4jMigrator.unique("member_name", "Member", "name"),
  Neo4jMigrator.rangeIndex("member_born", "Member", "born")
]

/** Data migrations, applied once per database, recorded in the graph. */
export const migrations: ReadonlyArray<Neo4jMigrator.Migration> = [
  { id: 1, name: "founder", up: "MERGE (:Member {name: 'Ada', born: 1815, joined: datetime('2020-01-01T00:00:00Z')})" }
]
// #endregion schema

// #region tracer
/** A tracer that prints each span as it ends: name, duration and attributes. */
export const printSpans: Layer.Layer<never> = Layer.succeed(
  Tracer.Tracer,
  Tracer.make({
    span: (options) =>
      new (class extends Tracer.NativeSpan {
        override end(endTime: bigint, exit: Parameters<Tracer.NativeSpan["end"]>[1]) {
          super.end(endTime, exit)
          const ms = Number(endTime - this.startTime) / 1e6
          console.log(`span ${this.name} ${ms.toFixed(2)} ms`, Object.fromEntries(this.attributes))
        }
      })(options)
  })
)
// #endregion tracer

/** The driver's operation series (`db.client.operation.duration`, retries) as readable lines. */
export const operationMetrics = Effect.map(Metric.snapshot, (snapshots) =>
  snapshots
    .filter((s) => s.id === "db.client.operation.duration" || s.id === "neo4j.client.operation.retries")
    .map((s) => {
      const attributes = s.attributes ?? {}
      const state = s.state as { readonly count: number; readonly sum?: number }
      const what = [attributes["db.operation.name"], attributes["error.type"]].filter((x) => x !== undefined).join(" ")
      return `${s.id} ${what}: ${state.count}${state.sum === undefined ? "" : ` in ${(state.sum * 1000).toFixed(1)} ms`}`
    }))

/**
 * The program: schema and migrations, a few members and friendships, reads; spans and metrics
 * printed. `records` names the label of the migration records (the tests keep theirs apart).
 */
export const program = (records: { readonly label?: string } = {}) =>
Effect.gen(function*() {
  // #region migrate
  const applied = yield* Neo4jMigrator.run({ loader: Neo4jMigrator.fromMigrations(migrations), schema, ...records })
  // #endregion migrate
  yield* Console.log(`migrations applied now: ${applied.map((m) => `${m.id}_${m.name}`).join(", ") || "none"}`)
  const people = yield* People
  yield* people.join({ name: "Grace", born: 1906, joined: DateTime.makeUnsafe("2021-06-01T09:00:00Z") })
  yield* people.join({ name: "Alan", born: 1912, joined: DateTime.makeUnsafe("2022-03-15T12:30:00Z") })
  yield* people.befriend("Ada", "Grace", DateTime.makeUnsafe("2023-01-01T00:00:00Z"))
  yield* people.befriend("Grace", "Alan", DateTime.makeUnsafe("2023-02-01T00:00:00Z"))
  yield* Console.log("Grace's friends:", (yield* people.friendsOf("Grace")).map((f) => `${f.name} since ${DateTime.formatIso(f.since)}`))
  yield* Console.log("born after 1900:", (yield* people.search({ bornAfter: 1900 })).map((m) => m.name))
  yield* Console.log("everyone:", yield* Stream.runCollect(Stream.map(people.everyone, (m) => m.name)))
  for (const line of yield* operationMetrics) yield* Console.log(line)
})

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  program().pipe(Effect.provide(People.layer), Effect.provide(Neo4jLive), Effect.provide(printSpans), NodeRuntime.runMain)
}
