/**
 * Bundle-size entry (neo4j-driver inside Effect): the same program over a minimal wrapper, the
 * shape of `wrapped.ts` (a service, a layer that closes the driver, `Effect.tryPromise`).
 *
 * @since 0.1.0
 */
import { Context, Data, Effect, Layer } from "effect"
import neo4j, { type Driver } from "neo4j-driver"

class OfficialError extends Data.TaggedError("OfficialError")<{ readonly cause: unknown }> {}

class OfficialNeo4j extends Context.Service<OfficialNeo4j, Driver>()("OfficialNeo4j") {}

const layer = Layer.effect(
  OfficialNeo4j,
  Effect.acquireRelease(
    Effect.sync(() =>
      neo4j.driver(process.env.NEO4J_URI ?? "bolt://localhost:7687", neo4j.auth.basic("neo4j", process.env.NEO4J_PASSWORD ?? ""))
    ),
    (driver) => Effect.promise(() => driver.close())
  )
)

const program = OfficialNeo4j.use((driver) =>
  Effect.tryPromise({ try: () => driver.executeQuery("RETURN 1 AS n"), catch: (cause) => new OfficialError({ cause }) })
).pipe(
  Effect.map((result) => result.records[0]?.get("n")),
  Effect.provide(layer)
)

Effect.runPromise(program).then(console.log, console.error)
