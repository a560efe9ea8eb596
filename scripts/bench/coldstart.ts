/**
 * Cold start, as a serverless function sees it: a fresh process (started by `run.ts` from the
 * compiled copy, as users run compiled code) imports one driver, runs `RETURN 1 AS n` and reads the
 * row. It prints `BENCH_RESULT {"ms": ...}`: milliseconds from before the first import to the first
 * row (the parent adds the whole process's wall time, Node's own start-up included).
 *
 * - `ours`: `Neo4j.executeQuery` provided with `Neo4j.layer`, one Effect program.
 * - `wrapped`: the same program over the wrapper of `wrapped.ts` (neo4j-driver inside Effect).
 * - `official`: `neo4j.driver(...)`, `driver.executeQuery`, `driver.close()`.
 *
 * Every import is dynamic and comes after the clock starts: static imports would be loaded
 * before the first line runs.
 *
 * @since 0.1.0
 */
import { performance } from "node:perf_hooks"

interface ColdConfig {
  readonly uri: string
  readonly username: string
  readonly password: string
  readonly driver: "ours" | "wrapped" | "official"
}

const firstRow = async (config: ColdConfig): Promise<unknown> => {
  switch (config.driver) {
    case "ours": {
      const Effect = await import("effect/Effect")
      const Neo4j = await import("../../src/Neo4j.ts")
      return Effect.runPromise(
        Neo4j.executeQuery("RETURN 1 AS n").pipe(
          Effect.map((result) => result.records[0]!.get("n")),
          Effect.provide(Neo4j.layer({ uri: config.uri, username: config.username, password: config.password }))
        )
      )
    }
    case "wrapped": {
      const Effect = await import("effect/Effect")
      const { default: neo4j } = await import("neo4j-driver")
      const Wrapped = await import("./wrapped.ts")
      return Effect.runPromise(
        Wrapped.OfficialNeo4j.use((wrapped) => wrapped.executeQuery("RETURN 1 AS n")).pipe(
          Effect.map((result) => result.records[0]!.get("n")),
          // No verifyConnectivity: ours does not verify either before its first query.
          Effect.provide(Wrapped.layer(() => neo4j.driver(config.uri, neo4j.auth.basic(config.username, config.password)), false))
        )
      )
    }
    case "official": {
      const { default: neo4j } = await import("neo4j-driver")
      const driver = neo4j.driver(config.uri, neo4j.auth.basic(config.username, config.password))
      try {
        const { records } = await driver.executeQuery("RETURN 1 AS n")
        return records[0]!.get("n")
      } finally {
        await driver.close()
      }
    }
  }
}

const config = JSON.parse(process.argv[2] ?? "{}") as ColdConfig
const start = performance.now()
const value = await firstRow(config)
const ms = performance.now() - start
const one = typeof value === "number" ? value : Number(value)
if (one !== 1) throw new Error(`cold start (${config.driver}): expected 1, got ${String(value)}`)
process.stdout.write(`BENCH_RESULT ${JSON.stringify({ ms })}\n`)
