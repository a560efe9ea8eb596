/**
 * A `Neo4j` built over a small backend (run a query; open a transaction), for the testing
 * kit: the fake driver answers from rules, the rolled-back driver runs everything in one real
 * transaction. Sessions, explicit transactions, transaction functions (with retries) and streams
 * are implemented once here, with the same rules as the real driver: a transaction is rolled back
 * when its scope closes uncommitted, a failed query fails the transaction, work that fails
 * retryably runs again on the retry schedule.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Neo4j, QueryConfig } from "../Neo4j.ts"
import * as Bookmarks from "../Neo4jBookmarks.ts"
import type { RetrySchedule } from "../Neo4jConfig.ts"
import { isRetryable, type Neo4jError, Neo4jUsageError } from "../Neo4jError.ts"
import type { Neo4jRecord } from "../Neo4jRecord.ts"
import { cursorOf, type EagerResult, type ResultCursor } from "../Neo4jResult.ts"
import * as Neo4jCypher from "../Neo4jCypher.ts"
import * as Neo4jSession from "../Neo4jSession.ts"
import type { ServerInfo } from "../Neo4jSummary.ts"
import type { QueryApi } from "../Neo4jTesting.ts"

/** What the backend learns about a query besides its text and parameters. */
export interface QueryContext {
  readonly api: QueryApi
  readonly mode: Neo4jSession.AccessMode
  readonly database: string | undefined
  /** The settings the caller passed (query, session or transaction config), as given. */
  readonly config: unknown
  /** The backend's id of the enclosing transaction, `undefined` for auto-commit work. */
  readonly transaction: number | undefined
}

/** An open transaction of the backend. */
export interface BackendTransaction {
  readonly id: number
  readonly run: (query: string, parameters: Neo4jSession.Parameters, api: QueryApi) => Effect.Effect<EagerResult, Neo4jError>
  readonly commit: Effect.Effect<void, Neo4jError>
  readonly rollback: Effect.Effect<void, Neo4jError>
}

/** What a testing driver is made of. */
export interface Backend {
  readonly serverInfo: ServerInfo
  readonly retry: RetrySchedule
  /** An auto-commit query (executeQuery runs it in a managed transaction; to a fake it is one query). */
  readonly autoCommit: (
    query: string,
    parameters: Neo4jSession.Parameters,
    context: QueryContext
  ) => Effect.Effect<EagerResult, Neo4jError>
  readonly begin: (
    info: { readonly mode: Neo4jSession.AccessMode; readonly database: string | undefined; readonly config: unknown; readonly managed: boolean }
  ) => Effect.Effect<BackendTransaction, Neo4jError>
  readonly close: Effect.Effect<void>
}

const retrying = <A, E, R>(work: Effect.Effect<A, E, R>, schedule: RetrySchedule): Effect.Effect<A, E, R> =>
  Effect.retry(work, { schedule, while: isRetryable })

/** A query string or `cypher` statement as the text and parameters the backend matches on. */
const text = (
  query: string | Neo4jCypher.Statement,
  parameters: Neo4jSession.Parameters | undefined
): [string, Neo4jSession.Parameters] => {
  const compiled = Neo4jCypher.toQuery(query, parameters)
  return [compiled.text, compiled.parameters]
}

const eagerStream = <T extends Record<string, unknown>>(
  result: Effect.Effect<EagerResult, Neo4jError>
): Stream.Stream<Neo4jRecord<T>, Neo4jError> =>
  Stream.flatMap(Stream.fromEffect(result), (eager) => Stream.fromIterable(eager.records)) as Stream.Stream<
    Neo4jRecord<T>,
    Neo4jError
  >

type TransactionState = "open" | "committed" | "rolledBack" | "failed"

/** The public transaction over a backend one; rolled back when the scope closes while open. */
const openTransaction = (
  backend: Backend,
  info: { readonly mode: Neo4jSession.AccessMode; readonly database: string | undefined; readonly config: unknown; readonly managed: boolean }
): Effect.Effect<Neo4jSession.Transaction, Neo4jError, Scope.Scope> =>
  Effect.gen(function*() {
    const tx = yield* backend.begin(info)
    let state: TransactionState = "open"
    const closed = () =>
      new Neo4jUsageError({ message: `The transaction is ${state}; start a new one` })
    const guard = <A>(self: Effect.Effect<A, Neo4jError>): Effect.Effect<A, Neo4jError> =>
      Effect.suspend(() =>
        state !== "open"
          ? Effect.fail(closed())
          : Effect.tapError(self, () => Effect.sync(() => void (state = "failed")))
      )
    const end = (request: Effect.Effect<void, Neo4jError>, next: TransactionState) =>
      guard(Effect.tap(request, () => Effect.sync(() => void (state = next))))
    // Open or failed at the end of the scope: rolled back (the real driver sends ROLLBACK or RESET).
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        if (state !== "open" && state !== "failed") return Effect.void
        state = "rolledBack"
        return Effect.ignore(tx.rollback)
      })
    )
    return {
      run: <T extends Record<string, unknown> = Record<string, unknown>>(query: string | Neo4jCypher.Statement, parameters?: Neo4jSession.Parameters) =>
        guard(tx.run(...text(query, parameters), "tx.run")) as Effect.Effect<EagerResult<T>, Neo4jError>,
      stream: <T extends Record<string, unknown> = Record<string, unknown>>(query: string | Neo4jCypher.Statement, parameters?: Neo4jSession.Parameters) =>
        eagerStream<T>(guard(tx.run(...text(query, parameters), "tx.stream"))),
      cursor: <T extends Record<string, unknown> = Record<string, unknown>>(query: string | Neo4jCypher.Statement, parameters?: Neo4jSession.Parameters) =>
        Effect.map(guard(tx.run(...text(query, parameters), "tx.cursor")), (eager) => cursorOf(eager) as ResultCursor<T>),
      commit: end(tx.commit, "committed"),
      rollback: end(tx.rollback, "rolledBack"),
      isOpen: Effect.sync(() => state === "open")
    }
  })

const makeSession = (backend: Backend, sessionConfig: Neo4jSession.SessionConfig = {}): Neo4jSession.Session => {
  const database = sessionConfig.database
  const defaultMode = sessionConfig.defaultAccessMode ?? "WRITE"
  const context = (api: QueryApi, config: unknown): QueryContext => ({
    api,
    mode: defaultMode,
    database,
    config: config ?? sessionConfig,
    transaction: undefined
  })
  const transactionFunction = (mode: Neo4jSession.AccessMode) =>
  <A, E, R>(
    work: Neo4jSession.TransactionWork<A, E, R>,
    config?: Neo4jSession.TransactionFunctionConfig
  ): Effect.Effect<A, E | Neo4jError, Exclude<R, Neo4jSession.Transaction>> => {
    const attempt = Effect.scoped(
      Effect.gen(function*() {
        const tx = yield* openTransaction(backend, { mode, database, config, managed: true })
        const value = yield* (Effect.isEffect(work)
          ? Effect.provideService(work, Neo4jSession.Transaction, tx)
          : work(tx)) as Effect.Effect<A, E, Exclude<R, Neo4jSession.Transaction>>
        yield* tx.commit
        return value
      })
    )
    return retrying(attempt, config?.retry ?? backend.retry)
  }
  return {
    run: <T extends Record<string, unknown> = Record<string, unknown>>(
      query: string | Neo4jCypher.Statement,
      parameters?: Neo4jSession.Parameters,
      config?: Neo4jSession.TransactionConfig
    ) => backend.autoCommit(...text(query, parameters), context("session.run", config)) as Effect.Effect<EagerResult<T>, Neo4jError>,
    stream: <T extends Record<string, unknown> = Record<string, unknown>>(
      query: string | Neo4jCypher.Statement,
      parameters?: Neo4jSession.Parameters,
      config?: Neo4jSession.TransactionConfig
    ) => eagerStream<T>(backend.autoCommit(...text(query, parameters), context("session.stream", config))),
    cursor: <T extends Record<string, unknown> = Record<string, unknown>>(
      query: string | Neo4jCypher.Statement,
      parameters?: Neo4jSession.Parameters,
      config?: Neo4jSession.TransactionConfig
    ) =>
      Effect.map(
        backend.autoCommit(...text(query, parameters), context("session.cursor", config)),
        (eager) => cursorOf(eager) as ResultCursor<T>
      ),
    beginTransaction: (config) => openTransaction(backend, { mode: defaultMode, database, config, managed: false }),
    executeRead: transactionFunction("READ"),
    executeWrite: transactionFunction("WRITE"),
    lastBookmarks: Effect.succeed([])
  }
}

/** The driver API over a backend. */
export const makeDriver = (backend: Backend): Neo4j => {
  const bookmarkManager = Bookmarks.makeBookmarkManager()
  return {
    verifyConnectivity: () => Effect.succeed(backend.serverInfo),
    verifyAuthentication: () => Effect.succeed(true),
    getServerInfo: () => Effect.succeed(backend.serverInfo),
    supportsSessionAuth: Effect.succeed(true),
    isEncrypted: false,
    executeQuery: <T extends Record<string, unknown> = Record<string, unknown>>(
      query: string | Neo4jCypher.Statement,
      parameters?: Neo4jSession.Parameters,
      config: QueryConfig = {}
    ) =>
      retrying(
        backend.autoCommit(...text(query, parameters), {
          api: "executeQuery",
          mode: config.routing ?? "WRITE",
          database: config.database,
          config,
          transaction: undefined
        }),
        config.retry ?? backend.retry
      ) as Effect.Effect<EagerResult<T>, Neo4jError>,
    session: (config) => Effect.succeed(makeSession(backend, config)),
    executeRead: (work, config) => makeSession(backend, config).executeRead(work, config),
    executeWrite: (work, config) => makeSession(backend, config).executeWrite(work, config),
    stream: <T extends Record<string, unknown> = Record<string, unknown>>(
      query: string | Neo4jCypher.Statement,
      parameters?: Neo4jSession.Parameters,
      config?: Neo4jSession.SessionConfig & Neo4jSession.TransactionConfig
    ) =>
      eagerStream<T>(backend.autoCommit(...text(query, parameters), {
        api: "stream",
        mode: config?.defaultAccessMode ?? "WRITE",
        database: config?.database,
        config,
        transaction: undefined
      })),
    poolStats: Effect.succeed([]),
    routingTable: () => Effect.succeed(undefined),
    refreshRoutingTable: () => Effect.succeed(undefined),
    bookmarkManager,
    close: backend.close
  }
}
