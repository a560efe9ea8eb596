/**
 * Session logic against a fake protocol seam (no socket, no server): what a session asks of its
 * connection, in which order, and what it does with the answers: transaction state rules, BEGIN
 * failures explaining the IGNORED that follow, rollback on scope close, bookmark chaining, retries.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Schedule, Scope } from "effect"
import * as Cause from "effect/Cause"
import type { NonEmptyReadonlyArray } from "effect/Array"
import type {
  BeginOutcome,
  Metadata,
  PipelinedQuery,
  Protocol,
  QuerySpec,
  ResultStream,
  TransactionSettings
} from "../../src/connection/Protocol.ts"
import * as Bookmarks from "../../src/Neo4jBookmarks.ts"
import { type Neo4jError, Neo4jProtocolError, Neo4jTransientError, Neo4jUsageError } from "../../src/Neo4jError.ts"
import { Neo4jRecord, RecordShape } from "../../src/Neo4jRecord.ts"
import { make as makeSession } from "../../src/internal/session.ts"
import { fromMetadata as summaryFromMetadata } from "../../src/bolt/Summary.ts"
import type * as Neo4jSummary from "../../src/Neo4jSummary.ts"
import type { Driver, Lease } from "../../src/internal/driver.ts"

const server: Neo4jSummary.ServerInfo = { address: "fake:7687", agent: "Neo4j/fake", protocolVersion: "5.8" }

/** A result answered in full at once: `rows` then `final`, or `failure` (as the server's FAILURE). */
class FakeResult implements ResultStream {
  shape: RecordShape | undefined = undefined
  runMetadata: Metadata = {}
  finalMetadata: Metadata | undefined = undefined
  finished = false
  broken = false
  prefetch = true
  inFlight = 0
  #terminated: Neo4jError | undefined = undefined
  readonly #spec: QuerySpec
  readonly #rows: ReadonlyArray<ReadonlyArray<unknown>>
  readonly #failure: Neo4jError | undefined
  readonly #final: Metadata

  constructor(spec: QuerySpec, answer: Answer) {
    this.#spec = spec
    this.#rows = answer.rows ?? []
    this.#failure = answer.failure
    this.#final = answer.final ?? {}
  }

  /** The server's answers arrive (the real result gets them when the connection is pumped). */
  #answered(): Neo4jError | undefined {
    if (!this.finished) {
      this.finished = true
      if (this.#failure === undefined) {
        this.shape = new RecordShape(["n"])
        this.finalMetadata = this.#final
      }
    }
    return this.#terminated ?? this.#failure
  }

  streamed(): void {}

  terminate(error: Neo4jError): void {
    this.#terminated ??= error
  }

  get open(): Effect.Effect<ReadonlyArray<string>, Neo4jError> {
    return Effect.suspend(() => {
      const failure = this.#answered()
      return failure === undefined ? Effect.succeed(this.shape?.keys ?? []) : Effect.fail(failure)
    })
  }

  get nextBatch(): Effect.Effect<NonEmptyReadonlyArray<Neo4jRecord>, Neo4jError | Cause.Done> {
    return Effect.suspend((): Effect.Effect<NonEmptyReadonlyArray<Neo4jRecord>, Neo4jError | Cause.Done> => {
      const wasFinished = this.finished
      const failure = this.#answered()
      if (failure !== undefined) return Effect.fail(failure)
      if (wasFinished || this.#rows.length === 0) return Cause.done()
      return Effect.succeed(this.#records() as unknown as NonEmptyReadonlyArray<Neo4jRecord>)
    })
  }

  get collect(): Effect.Effect<Array<Neo4jRecord>, Neo4jError> {
    return Effect.suspend(() => {
      const failure = this.#answered()
      return failure === undefined ? Effect.succeed(this.#records()) : Effect.fail(failure)
    })
  }

  get consume(): Effect.Effect<Neo4jSummary.ResultSummary, Neo4jError> {
    return Effect.suspend(() => {
      const failure = this.#answered()
      return failure === undefined ? this.summary : Effect.fail(failure)
    })
  }

  get consumeOnClose(): Effect.Effect<void> {
    return Effect.ignore(this.consume)
  }

  get summary(): Effect.Effect<Neo4jSummary.ResultSummary, Neo4jError> {
    return Effect.suspend(() => this.finalMetadata === undefined ? this.consume : Effect.succeed(this.summaryIfDone()!))
  }

  summaryIfDone(): Neo4jSummary.ResultSummary | undefined {
    if (this.finalMetadata === undefined) return undefined
    return summaryFromMetadata({
      query: this.#spec.query,
      parameters: this.#spec.parameters,
      server,
      runMetadata: this.runMetadata,
      finalMetadata: this.finalMetadata
    })
  }

  #records(): Array<Neo4jRecord> {
    const shape = this.shape ?? new RecordShape([])
    return this.#rows.map((row) => new Neo4jRecord(shape, row))
  }
}

interface Answer {
  readonly rows?: ReadonlyArray<ReadonlyArray<unknown>>
  readonly failure?: Neo4jError
  readonly final?: Metadata
}

/**
 * A connection as the seam: it logs every operation, answers queries from `answers` (by query
 * text; default one row), COMMIT with the next of `commits`, and fails BEGIN when told to.
 */
class FakeProtocol implements Protocol {
  readonly address = { host: "fake", port: 7687 }
  readonly server = server
  readonly log: Array<string> = []
  readonly settings: Array<TransactionSettings> = []
  isOpen = true
  pending = 0
  answers = new Map<string, Answer>()
  commits: Array<Exit.Exit<Metadata, Neo4jError>> = []
  beginFailure: Neo4jError | undefined = undefined

  #result(spec: QuerySpec): FakeResult {
    return new FakeResult(spec, this.answers.get(spec.query) ?? { rows: [[1]] })
  }

  autoCommit(spec: QuerySpec, settings: TransactionSettings): ResultStream | Neo4jUsageError {
    this.log.push(`autoCommit ${spec.query}`)
    this.settings.push(settings)
    return this.#result(spec)
  }

  begin(settings: TransactionSettings): BeginOutcome | Neo4jUsageError {
    this.log.push("begin")
    this.settings.push(settings)
    const error = this.beginFailure
    // Answered with the first query, as on the wire.
    return error === undefined
      ? { done: true, metadata: { db: "neo4j" }, error: undefined }
      : { done: true, metadata: undefined, error }
  }

  run(spec: QuerySpec): ResultStream | Neo4jUsageError {
    this.log.push(`run ${spec.query}`)
    if (this.beginFailure !== undefined) {
      // Everything after a failed BEGIN is IGNORED.
      return new FakeResult(spec, { failure: new Neo4jProtocolError({ message: "The server ignored the query" }) })
    }
    return this.#result(spec)
  }

  get commit(): Effect.Effect<Metadata, Neo4jError> {
    return Effect.suspend(() => {
      this.log.push("commit")
      return this.commits.shift() ?? Exit.succeed({ bookmark: `bm-${this.log.length}` })
    })
  }

  get rollback(): Effect.Effect<Metadata, Neo4jError> {
    return Effect.sync(() => {
      this.log.push("rollback")
      return {}
    })
  }

  cleanup(request: Effect.Effect<unknown, Neo4jError>): Effect.Effect<void> {
    return Effect.ignore(request)
  }

  queryInTransaction(): Effect.Effect<PipelinedQuery, Neo4jError> {
    return Effect.die("not used by sessions")
  }
}

/** A driver core whose every lease is `connection` (a direct, bolt:// route). */
const fakeDriver = (connection: FakeProtocol, retry: Schedule.Schedule<unknown, unknown> = Schedule.recurs(2)): Driver => {
  const lease = (mode: "READ" | "WRITE"): Lease => ({
    connection,
    route: { mode, database: undefined, address: connection.address } as unknown as Lease["route"],
    database: undefined
  })
  return {
    config: { database: undefined, fetchSize: 1000, retry, uri: { address: connection.address } },
    router: { onHomeDatabase: () => Effect.void, onFailure: () => Effect.void },
    acquire: (request: { readonly mode: "READ" | "WRITE" }) => Effect.succeed(lease(request.mode)),
    classify: <E>(error: E) => Effect.succeed(error)
  } as unknown as Driver
}

const transient = new Neo4jTransientError({ code: "Neo.TransientError.Transaction.DeadlockDetected", message: "deadlock" })

describe("session logic over the protocol seam", () => {
  it.effect("a failed query fails the transaction: COMMIT fails with its error, ROLLBACK succeeds without being sent", () =>
    Effect.gen(function*() {
      const connection = new FakeProtocol()
      connection.answers.set("BAD", { failure: transient })
      const session = makeSession(fakeDriver(connection))
      yield* Effect.scoped(Effect.gen(function*() {
        const tx = yield* session.beginTransaction()
        const failed = yield* Effect.flip(tx.run("BAD"))
        assert.strictEqual(failed, transient)
        assert.isFalse(yield* tx.isOpen)
        assert.strictEqual(yield* Effect.flip(tx.commit), transient)
        // The server ended the transaction with the failure, as the official drivers take it.
        yield* tx.rollback
      }))
      // Nor on scope close: the pool's RESET ends the failed transaction.
      assert.deepStrictEqual(connection.log, ["begin", "run BAD"])
    }))

  it.effect("a committed transaction cannot be committed, rolled back or used again", () =>
    Effect.gen(function*() {
      const connection = new FakeProtocol()
      const session = makeSession(fakeDriver(connection))
      yield* Effect.scoped(Effect.gen(function*() {
        const tx = yield* session.beginTransaction()
        yield* tx.run("RETURN 1 AS n")
        yield* tx.commit
        for (const again of [tx.commit, tx.rollback, tx.run("RETURN 2 AS n")]) {
          const error = yield* Effect.flip(again as Effect.Effect<unknown, Neo4jError>)
          assert.instanceOf(error, Neo4jUsageError)
          assert.include(error.message, "committed")
        }
      }))
      assert.deepStrictEqual(connection.log, ["begin", "run RETURN 1 AS n", "commit"])
    }))

  it.effect("a transaction left open rolls back when its scope closes, unless interrupted or requests are unanswered", () =>
    Effect.gen(function*() {
      const idle = new FakeProtocol()
      yield* Effect.scoped(Effect.asVoid(makeSession(fakeDriver(idle)).beginTransaction()))
      assert.deepStrictEqual(idle.log, ["begin", "rollback"])

      const busy = new FakeProtocol()
      busy.pending = 1
      yield* Effect.scoped(Effect.asVoid(makeSession(fakeDriver(busy)).beginTransaction()))
      assert.deepStrictEqual(busy.log, ["begin"])

      // Closed by the work's failure: ROLLBACK, as the official drivers send it.
      const failing = new FakeProtocol()
      const failed = yield* Scope.make()
      yield* Scope.provide(makeSession(fakeDriver(failing)).beginTransaction(), failed)
      yield* Scope.close(failed, Exit.fail("boom"))
      assert.deepStrictEqual(failing.log, ["begin", "rollback"])

      // Interrupted: nothing sent (the RESET on release rolls back, without waiting for an answer here).
      const interrupted = new FakeProtocol()
      const scope = yield* Scope.make()
      yield* Scope.provide(makeSession(fakeDriver(interrupted)).beginTransaction(), scope)
      yield* Scope.close(scope, Exit.interrupt(1))
      assert.deepStrictEqual(interrupted.log, ["begin"])
    }))

  it.effect("a failed BEGIN explains the IGNORED query after it", () =>
    Effect.gen(function*() {
      const connection = new FakeProtocol()
      connection.beginFailure = transient
      const session = makeSession(fakeDriver(connection))
      const error = yield* Effect.flip(Effect.scoped(Effect.flatMap(session.beginTransaction(), (tx) => tx.run("RETURN 1"))))
      assert.strictEqual(error, transient)
    }))

  it.effect("bookmarks: each unit of work waits for the last commit's, and the manager learns them", () =>
    Effect.gen(function*() {
      const connection = new FakeProtocol()
      connection.commits = [Exit.succeed({ bookmark: "bm-tx" })]
      connection.answers.set("AUTO", { rows: [[1]], final: { bookmark: "bm-auto" } })
      const manager = Bookmarks.makeBookmarkManager(["bm-managed"])
      const session = makeSession(fakeDriver(connection), { bookmarks: ["bm-start"], bookmarkManager: manager })

      yield* session.executeWrite((tx) => tx.run("RETURN 1"))
      assert.deepStrictEqual(yield* session.lastBookmarks, ["bm-tx"])
      yield* session.run("AUTO")
      assert.deepStrictEqual(yield* session.lastBookmarks, ["bm-auto"])
      yield* Effect.scoped(Effect.flatMap(session.beginTransaction(), (tx) => tx.rollback))

      assert.deepStrictEqual(connection.settings.map((s) => [...s.bookmarks].sort()), [
        ["bm-managed", "bm-start"],
        ["bm-tx"],
        ["bm-auto"]
      ])
      assert.deepStrictEqual(connection.settings.map((s) => s.mode), ["WRITE", "WRITE", "WRITE"])
      // The manager replaced what the work started from with what it produced.
      assert.deepStrictEqual(yield* manager.getBookmarks, ["bm-auto"])
    }))

  it.effect("a transaction function runs again in a new transaction when COMMIT fails transiently", () =>
    Effect.gen(function*() {
      const connection = new FakeProtocol()
      connection.commits = [Exit.fail(transient)]
      const session = makeSession(fakeDriver(connection))
      let runs = 0
      const value = yield* session.executeRead((tx) => Effect.as(Effect.andThen(Effect.sync(() => runs++), tx.run("RETURN 1")), "done"))
      assert.strictEqual(value, "done")
      assert.strictEqual(runs, 2)
      assert.deepStrictEqual(connection.log, ["begin", "run RETURN 1", "commit", "begin", "run RETURN 1", "commit"])
      assert.deepStrictEqual(connection.settings.map((s) => s.mode), ["READ", "READ"])
    }))
})
