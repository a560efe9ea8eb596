/**
 * Sessions and transactions as they run: the session policy behind the public `Neo4jSession`
 * interfaces (bookmarks and their manager, access modes, one result at a time, explicit
 * transactions as scoped resources, transaction functions and their retries). It drives
 * connections only through the protocol seam (`connection/Protocol.ts`) and leases from
 * `internal/driver.ts`; tested against a fake seam in `test/internal/session.test.ts`.
 */
import type { NonEmptyReadonlyArray } from "effect/Array"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import {
  type Protocol,
  type ResultStream,
  type Telemetry,
  TelemetryApi,
  telemetryOf,
  type TransactionSettings
} from "../connection/Protocol.ts"
import * as Neo4jCypher from "../Neo4jCypher.ts"
import { type Neo4jError, Neo4jResultError, Neo4jUsageError } from "../Neo4jError.ts"
import type { Neo4jRecord } from "../Neo4jRecord.ts"
import type { EagerResult, ResultCursor } from "../Neo4jResult.ts"
import type { ResultSummary } from "../Neo4jSummary.ts"
import type { Driver, Lease } from "./driver.ts"
import { observe, observeStream, onRetry } from "./operation.ts"
import { retrying as internalRetrying } from "./retry.ts"
import * as Router from "../routing/Router.ts"
import { bookmarksOf } from "../bolt/Metadata.ts"
import {
  type AccessMode,
  type Parameters,
  type Session,
  type SessionConfig,
  Transaction,
  type TransactionConfig,
  type TransactionFunctionConfig,
  type TransactionWork
} from "../Neo4jSession.ts"

/** Maps a non-success exit of a stream consumer to what to do with the unfinished result. */
const finishResult = (result: ResultStream, exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> => {
  if (result.finished || result.broken) return Effect.void
  // Stopped early by choice (take, first): DISCARD keeps auto-commit writes and the transaction.
  // Interrupted or failed: leave it; releasing the connection RESETs it, which stops the server.
  if (Exit.isFailure(exit)) return Effect.void
  return result.consumeOnClose
}

/** The eager result of a finished query: its keys, `records` and `summary`. */
export const eagerOf = <T extends Record<string, unknown>>(
  result: ResultStream,
  records: Array<Neo4jRecord>,
  summary: ResultSummary
): EagerResult<T> => ({ keys: result.shape?.keys ?? [], records: records as Array<Neo4jRecord<T>>, summary })

const eager = <T extends Record<string, unknown>>(result: ResultStream): Effect.Effect<EagerResult<T>, Neo4jError> =>
  Effect.flatMap(result.collect, (records) => Effect.map(result.summary, (summary) => eagerOf<T>(result, records, summary)))

const recordStream = <T extends Record<string, unknown>>(result: ResultStream): Stream.Stream<Neo4jRecord<T>, Neo4jError> => {
  result.streamed()
  return Stream.fromPull(Effect.succeed(result.nextBatch)) as Stream.Stream<Neo4jRecord<T>, Neo4jError>
}

interface CursorHooks {
  /** What a failure of the result becomes (a transaction records it and may explain it). */
  readonly failed: (error: Neo4jError) => Effect.Effect<never, Neo4jError>
  /** Runs once, when the server has nothing more to send for the result. */
  readonly finished: Effect.Effect<void>
}

/** A cursor over a started result; `bufferRest` reads what is left into memory. */
const makeCursor = <T extends Record<string, unknown>>(
  result: ResultStream,
  hooks: CursorHooks
): ResultCursor<T> & { readonly bufferRest: Effect.Effect<void> } => {
  const keys = result.shape?.keys ?? []
  // Record by record, the next batch is asked for only when the records received are read (as the
  // official drivers but Java's and JavaScript's do); `records` streams with prefetch.
  result.prefetch = false
  let pending: Array<Neo4jRecord> = []
  let finishedRan = false
  let summary: ResultSummary | undefined = undefined
  const finish = Effect.suspend(() => {
    if (finishedRan || !result.finished) return Effect.void
    finishedRan = true
    return hooks.finished
  })
  const failed = (error: Neo4jError) => Effect.andThen(finish, hooks.failed(error))
  // The next batch into `pending`; false at the end of the records.
  const fill: Effect.Effect<boolean, Neo4jError> = Effect.suspend(() => {
    if (pending.length > 0) return Effect.succeed(true)
    return result.nextBatch.pipe(
      Effect.map((batch) => {
        pending = Array.from(batch)
        return true
      }),
      Effect.catch((error) => (Cause.isDone(error) ? Effect.as(finish, false) : failed(error)))
    )
  })
  const next = Effect.map(fill, (more) => (more ? Option.some(pending.shift()!) : Option.none()))
  const peek = Effect.map(fill, (more) => (more ? Option.some(pending[0]!) : Option.none()))
  const list = Effect.suspend(() => {
    const taken = pending
    pending = []
    return result.collect.pipe(
      Effect.map((rest) => (taken.length === 0 ? rest : taken.concat(rest))),
      Effect.tap(() => finish),
      Effect.catch(failed)
    )
  })
  const pull: Effect.Effect<NonEmptyReadonlyArray<Neo4jRecord>, Neo4jError | Cause.Done> = Effect.suspend(() => {
    if (pending.length > 0) {
      const batch = pending as unknown as NonEmptyReadonlyArray<Neo4jRecord>
      pending = []
      return Effect.succeed(batch)
    }
    result.prefetch = true
    return result.nextBatch.pipe(
      Effect.catch((error): Effect.Effect<never, Neo4jError | Cause.Done> =>
        Cause.isDone(error) ? Effect.andThen(finish, Effect.fail(error)) : failed(error)
      )
    )
  })
  const consume = Effect.suspend(() => {
    if (summary !== undefined) return Effect.succeed(summary)
    pending = []
    return result.consume.pipe(
      Effect.tap((s) =>
        Effect.sync(() => {
          summary = s
        })
      ),
      Effect.tap(() => finish),
      Effect.catch(failed)
    )
  })
  const notOne = (reason: "NoRecords" | "TooManyRecords") =>
    new Neo4jResultError({
      reason,
      message: reason === "NoRecords"
        ? "Expected exactly one record, but the result is empty"
        : "Expected exactly one record, but there are more"
    })
  const singleOptional = Effect.flatMap(next, (first) =>
    Effect.flatMap(fill, (more) =>
      more
        ? Effect.andThen(Effect.ignore(consume), Effect.fail(notOne("TooManyRecords")))
        : Effect.succeed(first)))
  return {
    keys,
    next: next as Effect.Effect<Option.Option<Neo4jRecord<T>>, Neo4jError>,
    peek: peek as Effect.Effect<Option.Option<Neo4jRecord<T>>, Neo4jError>,
    list: list as Effect.Effect<Array<Neo4jRecord<T>>, Neo4jError>,
    records: Stream.fromPull(Effect.succeed(pull)) as Stream.Stream<Neo4jRecord<T>, Neo4jError>,
    single: Effect.flatMap(singleOptional, (record) =>
      Option.isSome(record) ? Effect.succeed(record.value) : Effect.fail(notOne("NoRecords"))) as Effect.Effect<
        Neo4jRecord<T>,
        Neo4jError | Neo4jResultError
      >,
    singleOptional: singleOptional as Effect.Effect<Option.Option<Neo4jRecord<T>>, Neo4jError | Neo4jResultError>,
    consume,
    isOpen: Effect.sync(() => pending.length > 0 || !result.finished),
    bufferRest: Effect.suspend(() => {
      if (result.finished) return finish
      return result.collect.pipe(
        Effect.map((rest) => {
          for (const record of rest) pending.push(record)
        }),
        Effect.ignore,
        Effect.andThen(finish)
      )
    })
  }
}

/**
 * Makes a session over the driver core (internal: users get sessions from `Neo4j.session` or the
 * `Neo4j.layerSession` layer).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (driver: Driver, config: SessionConfig = {}, streamSpan = "Neo4jSession.stream"): Session => {
  const database = config.database ?? driver.config.database
  const defaultMode: AccessMode = config.defaultAccessMode ?? "WRITE"
  const fetchSize = config.fetchSize ?? driver.config.fetchSize
  const manager = config.bookmarkManager
  let bookmarks: ReadonlyArray<string> = config.bookmarks ?? []

  const startBookmarks: Effect.Effect<ReadonlyArray<string>> = manager === undefined
    ? Effect.sync(() => bookmarks)
    : Effect.map(manager.getBookmarks, (managed) => Array.from(new Set([...bookmarks, ...managed])))

  // Takes the bookmarks of `metadata` now; what is left is telling the manager.
  const applyBookmarks = (started: ReadonlyArray<string>, metadata: Readonly<Record<string, unknown>> | undefined) => {
    const next = metadata === undefined ? [] : bookmarksOf(metadata)
    if (next.length === 0) return Effect.void
    bookmarks = next
    return manager === undefined ? Effect.void : manager.updateBookmarks(started, next)
  }

  const updateBookmarks = (started: ReadonlyArray<string>, metadata: Readonly<Record<string, unknown>>) =>
    Effect.suspend(() => applyBookmarks(started, metadata))

  // An auto-commit query's bookmark arrives with its final summary.
  const completed = (result: ResultStream, started: ReadonlyArray<string>) =>
    Effect.suspend(() => applyBookmarks(started, result.finalMetadata))

  // A routing driver with a bookmark manager asks it twice, as the official drivers do: once for
  // ROUTE (a table may be fetched), once more for the work itself, which waits for what the manager
  // knows by then (a supplier sees one call per routing and one per transaction).
  // The home database this session resolved, named from then on (TestKit homedb
  // test_session_should_cache_home_db_despite_new_rt: a retry keeps it, whatever a new table says).
  // Not pinned where the server resolves it itself (no name sent: see Router.databaseToSend).
  let resolvedHome: string | undefined = undefined
  const pinHome = (leased: Lease): Lease => {
    if (database === undefined && leased.route.homeDatabase && leased.database !== undefined) resolvedHome = leased.database
    return leased
  }
  // Without a bookmark manager the bookmarks to start with are the session's own, read when the
  // lease is asked for (`withLeaseNow`, one step less on every query's path).
  const leaseWith = (mode: AccessMode, routed: ReadonlyArray<string>) =>
    driver.acquire({ mode, database: database ?? resolvedHome, impersonatedUser: config.impersonatedUser, auth: config.auth, bookmarks: routed })
  const withLeaseNow = <A, E, R>(
    mode: AccessMode,
    f: (leased: { readonly lease: Lease; readonly started: ReadonlyArray<string> }) => Effect.Effect<A, E, R>
  ) => {
    const started = bookmarks
    return Effect.flatMap(leaseWith(mode, started), (leased) => f({ lease: pinHome(leased), started }))
  }
  const acquire = (mode: AccessMode) =>
    manager === undefined ? Effect.suspend(() => withLeaseNow(mode, Effect.succeed)) : Effect.flatMap(startBookmarks, (routed) => {
      const lease = Effect.map(leaseWith(mode, routed), pinHome)
      return !driver.router.routing
        ? Effect.map(lease, (leased) => ({ lease: leased, started: routed }))
        : Effect.flatMap(lease, (leased) => Effect.map(startBookmarks, (started) => ({ lease: leased, started })))
    })

  const settings = (
    lease: Lease,
    started: ReadonlyArray<string>,
    txConfig: TransactionConfig | undefined
  ): TransactionSettings => ({
    bookmarks: started,
    timeout: txConfig?.timeout,
    metadata: txConfig?.metadata,
    mode: lease.route.mode,
    database: lease.database,
    impersonatedUser: config.impersonatedUser,
    notifications: config.notifications
  })

  /** Queues RUN of an auto-commit query (its first read adds PULL), now. */
  const queueAutoCommit = (
    lease: Lease,
    query: string,
    parameters: Parameters,
    started: ReadonlyArray<string>,
    txConfig: TransactionConfig | undefined
  ): ResultStream | Neo4jUsageError =>
    lease.connection.autoCommit({ query, parameters, fetchSize }, settings(lease, started, txConfig))

  /** Queues RUN of an auto-commit query (its first read adds PULL); its completion updates bookmarks. */
  const startAutoCommit = (
    lease: Lease,
    query: string,
    parameters: Parameters,
    started: ReadonlyArray<string>,
    txConfig: TransactionConfig | undefined
  ): Effect.Effect<ResultStream, Neo4jError> =>
    Effect.suspend(() => {
      const result = queueAutoCommit(lease, query, parameters, started, txConfig)
      return result instanceof Neo4jUsageError ? Effect.fail(result) : Effect.succeed(result)
    })

  // The session's auto-commit cursor still holding its connection: read into memory before the
  // session's next query or transaction, as the official drivers do.
  let openCursor: { readonly bufferRest: Effect.Effect<void> } | undefined = undefined
  const bufferOpenCursor = Effect.suspend(() => {
    const open = openCursor
    openCursor = undefined
    return open === undefined ? Effect.void : open.bufferRest
  })

  const cursor = <T extends Record<string, unknown> = Record<string, unknown>>(
    query: string | Neo4jCypher.Statement,
    parameters?: Parameters,
    txConfig?: TransactionConfig
  ): Effect.Effect<ResultCursor<T>, Neo4jError, Scope.Scope> =>
    Effect.gen(function*() {
      yield* bufferOpenCursor
      const { text, parameters: params } = Neo4jCypher.toQuery(query, parameters)
      // The connection is held in a scope of its own, released as soon as the result is finished.
      const scope = yield* Scope.fork(yield* Effect.scope)
      const { lease, started } = yield* Scope.provide(scope)(acquire(defaultMode))
      const result = yield* startAutoCommit(lease, text, params, started, txConfig)
      // The lease can end (interrupted, failed) with records unread: the session then no longer
      // reads the cursor before its next query, the connection is back in the pool.
      let leaseEnded = false
      yield* Scope.addFinalizerExit(scope, (exit) =>
        Effect.suspend(() => {
          leaseEnded = true
          return Effect.andThen(finishResult(result, exit), completed(result, started))
        }))
      // Records are decoded as they are read, so a value the driver cannot represent costs its record only.
      result.streamed()
      const release = Scope.close(scope, Exit.void)
      // A failure teaches the router (a NotALeader writer is forgotten), as a failed lease does.
      const failed = (error: Neo4jError) => Effect.andThen(driver.router.onFailure(lease.route, Cause.fail(error)), Effect.fail(error))
      yield* result.open.pipe(Effect.catch(failed), Effect.onError(() => release))
      yield* driver.router.onHomeDatabase(lease.route, Router.databaseIn(result.runMetadata))
      const opened = makeCursor<T>(result, { failed, finished: release })
      if (!result.finished) openCursor = { bufferRest: Effect.suspend(() => leaseEnded ? Effect.void : opened.bufferRest) }
      return opened
    }).pipe(observe(driver, { span: "Neo4jSession.cursor", operation: "run", database, query }))

  const run = <T extends Record<string, unknown> = Record<string, unknown>>(
    query: string | Neo4jCypher.Statement,
    parameters?: Parameters,
    txConfig?: TransactionConfig
  ): Effect.Effect<EagerResult<T>, Neo4jError> => {
    const { text, parameters: params } = Neo4jCypher.toQuery(query, parameters)
    // The per-query path: plain flatMaps, no generator, and no step for a cursor that is not open,
    // a direct driver's home database or a session without a bookmark manager.
    const leased = ({ lease, started }: { readonly lease: Lease; readonly started: ReadonlyArray<string> }) => {
      const result = queueAutoCommit(lease, text, params, started, txConfig)
      if (result instanceof Neo4jUsageError) return Effect.fail(result)
      const finish = (records: Array<Neo4jRecord>, summary: ResultSummary) => {
        const eagerResult = eagerOf<T>(result, records, summary)
        const home = driver.router.routing
          ? driver.router.onHomeDatabase(lease.route, Router.databaseIn(result.runMetadata))
          : undefined
        if (manager === undefined) {
          // Without a bookmark manager, taking the bookmarks has no effect to wait for.
          applyBookmarks(started, result.finalMetadata)
          return home === undefined ? Effect.succeed(eagerResult) : Effect.as(home, eagerResult)
        }
        const booked = Effect.suspend(() => applyBookmarks(started, result.finalMetadata))
        return Effect.as(home === undefined ? booked : Effect.andThen(home, booked), eagerResult)
      }
      return Effect.flatMap(result.collect, (records) => {
        const summary = result.summaryIfDone()
        return summary === undefined ? Effect.flatMap(result.summary, (s) => finish(records, s)) : finish(records, summary)
      })
    }
    return Effect.scoped(
      Effect.suspend(() =>
        openCursor === undefined && manager === undefined
          ? withLeaseNow(defaultMode, leased)
          : Effect.flatMap(openCursor !== undefined ? Effect.andThen(bufferOpenCursor, acquire(defaultMode)) : acquire(defaultMode), leased)
      )
    ).pipe(observe(driver, { span: "Neo4jSession.run", operation: "run", database, query: text }))
  }

  const stream = <T extends Record<string, unknown> = Record<string, unknown>>(
    query: string | Neo4jCypher.Statement,
    parameters?: Parameters,
    txConfig?: TransactionConfig
  ): Stream.Stream<Neo4jRecord<T>, Neo4jError> =>
    Stream.unwrap(
      Effect.gen(function*() {
        const { text, parameters: params } = Neo4jCypher.toQuery(query, parameters)
        const { lease, started } = yield* acquire(defaultMode)
        const result = yield* startAutoCommit(lease, text, params, started, txConfig)
        yield* Effect.addFinalizer((exit) => Effect.andThen(finishResult(result, exit), completed(result, started)))
        return recordStream<T>(result)
      })
    ).pipe(observeStream(driver, { span: streamSpan, operation: "stream", database, query }))

  const beginTransaction = (
    txConfig?: TransactionConfig,
    mode: AccessMode = defaultMode,
    telemetry: Telemetry = telemetryOf(TelemetryApi.UNMANAGED_TRANSACTION)
  ) =>
    Effect.gen(function*() {
      yield* bufferOpenCursor
      // The connection is held in a scope of its own, given back to the pool (RESET first when the
      // transaction failed) as soon as the transaction ends, as the official drivers do: a
      // transaction left unclosed after its commit, rollback or failure does not keep it.
      const leaseScope = yield* Scope.fork(yield* Effect.scope)
      const { lease, started } = yield* Scope.provide(leaseScope)(acquire(mode))
      const tx = yield* openTransaction(
        lease.connection,
        settings(lease, started, txConfig),
        telemetry,
        fetchSize,
        (metadata, begun) => Effect.andThen(driver.router.onHomeDatabase(lease.route, Router.databaseIn(begun)), updateBookmarks(started, metadata)),
        (error) => driver.router.onFailure(lease.route, Cause.fail(error)),
        Effect.uninterruptible(Scope.close(leaseScope, Exit.void))
      )
      return observeTransaction(driver, database, tx)
    }).pipe(observe(driver, { span: "Neo4jSession.beginTransaction", operation: "begin", database }))

  const transactionFunction = (mode: AccessMode) =>
  <A, E, R>(
    work: TransactionWork<A, E, R>,
    fnConfig?: TransactionFunctionConfig
  ): Effect.Effect<A, E | Neo4jError, Exclude<R, Transaction>> => {
    // One TELEMETRY per call, whatever the retries (see Telemetry).
    const attempt = (telemetry: Telemetry) =>
      Effect.scoped(
        Effect.gen(function*() {
          const tx = yield* beginTransaction(fnConfig, mode, telemetry)
          const value = yield* (Effect.isEffect(work)
            ? Effect.provideService(work, Transaction, tx)
            : work(tx)) as Effect.Effect<A, E, Exclude<R, Transaction>>
          yield* tx.commit
          return value
        })
      )
    const operation = mode === "READ" ? "executeRead" : "executeWrite"
    const op = { span: `Neo4jSession.${operation}`, operation, database }
    return Effect.suspend(() =>
      internalRetrying(
        attempt(telemetryOf(TelemetryApi.MANAGED_TRANSACTION)),
        fnConfig?.retry ?? driver.config.retry,
        driver.classify,
        onRetry(driver, op)
      )
    ).pipe(observe(driver, op))
  }

  return {
    run,
    stream,
    cursor,
    beginTransaction: (txConfig) => beginTransaction(txConfig),
    executeRead: transactionFunction("READ"),
    executeWrite: transactionFunction("WRITE"),
    lastBookmarks: Effect.sync(() => bookmarks)
  }
}

/** The transaction's queries, commit and rollback as public operations, with spans and metrics. */
const observeTransaction = (driver: Driver, database: string | undefined, tx: Transaction): Transaction => {
  const op = (operation: string, query?: string | Neo4jCypher.Statement) => ({ span: `Neo4jTransaction.${operation}`, operation, database, query })
  return {
    run: (query, parameters) => observe(driver, op("run", query))(tx.run(query, parameters)),
    stream: (query, parameters) => observeStream(driver, op("stream", query))(tx.stream(query, parameters)),
    cursor: (query, parameters) => observe(driver, { ...op("run", query), span: "Neo4jTransaction.cursor" })(tx.cursor(query, parameters)),
    commit: observe(driver, op("commit"))(tx.commit),
    rollback: observe(driver, op("rollback"))(tx.rollback),
    isOpen: tx.isOpen
  }
}

type TransactionState = "open" | "committed" | "rolledBack" | "failed"

/**
 * BEGIN on a leased connection (pipelined with the first query) and the transaction's API; when
 * the scope closes on an open transaction, it is rolled back.
 */
const openTransaction = (
  connection: Protocol,
  beginSettings: TransactionSettings,
  telemetry: Telemetry,
  fetchSize: number,
  /** COMMIT SUCCESS metadata, and BEGIN SUCCESS metadata (`db` on Bolt 5.8+). */
  onCommitted: (
    metadata: Readonly<Record<string, unknown>>,
    begun: Readonly<Record<string, unknown>> | undefined
  ) => Effect.Effect<void>,
  /** A query of the transaction failed (routing learns from it at once, not when the scope ends). */
  onFailed: (error: Neo4jError) => Effect.Effect<void> = () => Effect.void,
  /** Gives the connection back once the transaction has ended (committed, rolled back or failed). */
  release: Effect.Effect<void> = Effect.void
): Effect.Effect<Transaction, Neo4jError, Scope.Scope> =>
  Effect.gen(function*() {
    const begin = connection.begin(beginSettings, telemetry)
    if (begin instanceof Neo4jUsageError) return yield* begin
    let state: TransactionState = "open"
    let failure: Neo4jError | undefined = undefined
    const results: Array<ResultStream> = []

    const closedError = () =>
      failure ?? new Neo4jUsageError({ message: `The transaction is ${state === "open" ? "open" : state}; start a new one` })

    // A failed query ends the transaction on the server: its other results get no more records
    // (no PULL or DISCARD is sent for them) and end with this failure.
    const fail = (error: Neo4jError) =>
      Effect.suspend(() => {
        // A record the driver could not represent fails on the client only: the transaction goes on.
        if (state !== "open" || error._tag === "Neo4jResultError") return Effect.void
        state = "failed"
        failure = error
        for (const result of results) result.terminate(error)
        return Effect.andThen(onFailed(error), release)
      })

    // The BEGIN outcome, once known: a failed BEGIN explains the IGNORED that follow it.
    const beginOutcome = Effect.suspend(() =>
      begin.done ? (begin.error === undefined ? Effect.void : Effect.fail(begin.error)) : Effect.void
    )

    const startQuery = (
      query: string | Neo4jCypher.Statement,
      queryParameters: Parameters | undefined
    ): Effect.Effect<ResultStream, Neo4jError> =>
      Effect.suspend(() => {
        if (state !== "open") return Effect.fail(closedError())
        const { text, parameters } = Neo4jCypher.toQuery(query, queryParameters)
        const result = connection.run({ query: text, parameters, fetchSize })
        if (result instanceof Neo4jUsageError) return Effect.fail(result)
        results.push(result)
        return Effect.succeed(result)
      })

    const run = <T extends Record<string, unknown> = Record<string, unknown>>(
      query: string | Neo4jCypher.Statement,
      parameters?: Parameters
    ) =>
      Effect.flatMap(startQuery(query, parameters), (result) =>
        eager<T>(result).pipe(
          Effect.catch((error) => Effect.andThen(beginOutcome, Effect.fail(error))),
          Effect.tapError(fail)
        ))

    const stream = <T extends Record<string, unknown> = Record<string, unknown>>(
      query: string | Neo4jCypher.Statement,
      parameters?: Parameters
    ) =>
      Stream.unwrap(
        Effect.gen(function*() {
          const result = yield* startQuery(query, parameters)
          yield* Effect.addFinalizer((exit) => finishResult(result, exit))
          return recordStream<T>(result).pipe(
            Stream.catch((error) => Stream.fromEffect(Effect.andThen(beginOutcome, Effect.fail(error)))),
            Stream.tapError(fail)
          )
        })
      )

    const cursor = <T extends Record<string, unknown> = Record<string, unknown>>(
      query: string | Neo4jCypher.Statement,
      parameters?: Parameters
    ): Effect.Effect<ResultCursor<T>, Neo4jError> =>
      Effect.gen(function*() {
        const result = yield* startQuery(query, parameters)
        result.streamed()
        const failed = (error: Neo4jError) =>
          Effect.andThen(beginOutcome, Effect.fail(error)).pipe(Effect.tapError(fail))
        yield* result.open.pipe(Effect.catch(failed))
        return makeCursor<T>(result, { failed, finished: Effect.void })
      })

    // Results still open at COMMIT are read to the end first (their records stay available).
    const settleResults = Effect.forEach(results, (r) => (r.finished ? Effect.void : Effect.ignore(r.consume)), {
      discard: true
    })

    const end = <A>(request: Effect.Effect<A, Neo4jError>, next: "committed" | "rolledBack") =>
      Effect.suspend(() => {
        if (state !== "open") return Effect.fail(closedError())
        return settleResults.pipe(
          Effect.andThen(request),
          Effect.catch((error) => Effect.andThen(beginOutcome, Effect.fail(error))),
          Effect.tapError(fail),
          Effect.tap(() => Effect.andThen(Effect.sync(() => void (state = next)), release))
        )
      })

    const commit = Effect.flatMap(end(connection.commit, "committed"), (metadata) => onCommitted(metadata, begin.metadata))
    const rollback = Effect.suspend(() => {
      if (state !== "failed") return Effect.asVoid(end(connection.rollback, "rolledBack"))
      // The server ended the transaction with the failure; the connection is RESET on release.
      state = "rolledBack"
      return Effect.void
    })

    // Closed without a commit (the work failed, or the scope ended first): ROLLBACK when the
    // connection is idle but for the PULLs of the transaction's results (their rest is discarded
    // first), as the official drivers do. Interrupted, or with other requests still unanswered (a
    // query blocked on a lock, say), nothing is sent here: releasing the connection RESETs it,
    // which stops the server's work and rolls the transaction back.
    yield* Effect.addFinalizer((exit) =>
      Effect.suspend(() => {
        const pulling = results.reduce((n, r) => n + r.inFlight, 0)
        if (state !== "open" || !connection.isOpen || Exit.hasInterrupts(exit) || connection.pending > pulling) {
          return Effect.void
        }
        return connection.cleanup(rollback)
      })
    )

    return {
      run,
      stream,
      cursor,
      commit,
      rollback,
      isOpen: Effect.sync(() => state === "open")
    } satisfies Transaction
  })
