/**
 * The code of docs/errors.md. Type-checked and linted by `npm test`; not run.
 */
import { Effect } from "effect"
import { Neo4j, Neo4jError } from "effect-neo4j"

// #region catchTags
const lookup = (name: string) =>
  Neo4j.executeQuery<{ p: unknown }>("MATCH (p:Person {name: $name}) RETURN p", { name }).pipe(
    Effect.catchTags({
      Neo4jClientError: (error) => Effect.logError(`query rejected: ${error.code}`).pipe(Effect.as(undefined)),
      Neo4jConnectionError: (error) =>
        Effect.logError(`no server (${error.reason}) after ${error.attempts ?? 1} attempts`).pipe(Effect.as(undefined))
    })
  )
// #endregion catchTags

// #region predicates
const report = (error: unknown): string =>
  Neo4jError.isNeo4jError(error)
    ? `${error._tag}${Neo4jError.isRetryable(error) ? " (retryable)" : ""}: ${error.message}`
    : String(error)
// #endregion predicates

export { lookup, report }
