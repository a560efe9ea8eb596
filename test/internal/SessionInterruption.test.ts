/**
 * Sessions interrupted at every step. Effect's scheduler may suspend a fiber between any two steps
 * (`Scheduler.MaxOpsBeforeYield`), and a suspended fiber that is interrupted stops right there. A
 * session's state (its open cursor, bookmarks, a transaction's state) must stay usable after that,
 * no lease may be kept, and no result may touch a connection once its lease ended (the pool has
 * RESET it and may have leased it to someone else).
 *
 * The session runs over the real pool (`pool/ConnectionPool.ts`) of fake connections of the
 * protocol seam: each answer takes a step (a socket read), a result delivers one record per batch,
 * and RESET on release leaves an unread result as the server does (`has_more`: unfinished).
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Schedule, Scheduler, Scope } from "effect"
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
import { fromMetadata as summaryFromMetadata } from "../../src/bolt/Summary.ts"
import type { Driver, Lease } from "../../src/internal/driver.ts"
import { make as makeSession } from "../../src/internal/session.ts"
import { Neo4jConnectionError, type Neo4jError, type Neo4jUsageError } from "../../src/Neo4jError.ts"
import { Neo4jRecord, RecordShape } from "../../src/Neo4jRecord.ts"
import type { Session } from "../../src/Neo4jSession.ts"
import type * as Neo4jSummary from "../../src/Neo4jSummary.ts"
import * as ConnectionPool from "../../src/pool/ConnectionPool.ts"
import { finishes as finishesWithin, STEPS_PER_YIELD } from "../support/interruption.ts"

const address = { host: "fake", port: 7687 }
const server: Neo4jSummary.ServerInfo = { address: "fake:7687", agent: "Neo4j/fake", protocolVersion: "5.8" }
const ROWS = 3

/** Uses of a connection outside a lease: what a stale result or transaction would send. */
const misuse: Array<string> = []

class FakeConnection implements Protocol {
  readonly address = address
  readonly server = server
  readonly isOpen = true
  pending = 0
  /** Bumped by every RESET (each release): results of an earlier lease must not touch it again. */
  generation = 0
  held = false
  closed = false
  bookmarks = 0
  readonly id: number
  constructor(id: number) {
    this.id = id
  }

  use(what: string, generation: number): boolean {
    if (this.held && generation === this.generation) return true
    misuse.push(`${what} on connection ${this.id} after its lease ended`)
    return false
  }

  reset(): void {
    this.generation++
    this.held = false
  }

  autoCommit(spec: QuerySpec, _settings: TransactionSettings): ResultStream | Neo4jUsageError {
    this.use(`RUN ${spec.query}`, this.generation)
    return new FakeResult(this, spec, true)
  }

  begin(_settings: TransactionSettings): BeginOutcome | Neo4jUsageError {
    this.use("BEGIN", this.generation)
    return { done: true, metadata: {}, error: undefined }
  }

  run(spec: QuerySpec): ResultStream | Neo4jUsageError {
    this.use(`RUN ${spec.query} (in a transaction)`, this.generation)
    return new FakeResult(this, spec, false)
  }

  #answer(what: string): Effect.Effect<Metadata, Neo4jError> {
    const generation = this.generation
    return Effect.andThen(
      Effect.yieldNow,
      Effect.suspend(() =>
        this.use(what, generation)
          ? Effect.succeed({ bookmark: `bm-${this.id}-${++this.bookmarks}` })
          : Effect.fail(new Neo4jConnectionError({ reason: "Closed", message: "not leased" }))
      )
    )
  }

  get commit(): Effect.Effect<Metadata, Neo4jError> {
    return Effect.suspend(() => this.#answer("COMMIT"))
  }

  get rollback(): Effect.Effect<Metadata, Neo4jError> {
    return Effect.suspend(() => this.#answer("ROLLBACK"))
  }

  cleanup(request: Effect.Effect<unknown, Neo4jError>): Effect.Effect<void> {
    return Effect.ignore(request)
  }

  queryInTransaction(): Effect.Effect<PipelinedQuery, Neo4jError> {
    return Effect.die("not used by sessions")
  }
}

/** `ROWS` records, one per batch, each answer a step later; RESET leaves it unfinished. */
class FakeResult implements ResultStream {
  shape: RecordShape | undefined = undefined
  runMetadata: Metadata = {}
  finalMetadata: Metadata | undefined = undefined
  prefetch = true
  inFlight = 0
  left = ROWS
  error: Neo4jError | undefined = undefined
  readonly #connection: FakeConnection
  readonly #generation: number
  readonly #spec: QuerySpec
  readonly #autoCommit: boolean

  constructor(connection: FakeConnection, spec: QuerySpec, autoCommit: boolean) {
    this.#connection = connection
    this.#generation = connection.generation
    this.#spec = spec
    this.#autoCommit = autoCommit
  }

  get finished(): boolean {
    return this.error !== undefined || this.finalMetadata !== undefined
  }

  get broken(): boolean {
    return false
  }

  streamed(): void {}

  terminate(error: Neo4jError): void {
    this.error ??= error
  }

  /** One answer from the server: a step, then `f` unless the lease under the result ended. */
  #answer<A>(what: string, f: () => Effect.Effect<A, Neo4jError | Cause.Done>): Effect.Effect<A, Neo4jError | Cause.Done> {
    return Effect.suspend(() => {
      if (this.error !== undefined) return Effect.fail(this.error)
      if (!this.#connection.use(`${what} of ${this.#spec.query}`, this.#generation)) {
        return Effect.fail(new Neo4jConnectionError({ reason: "Closed", message: "not leased" }))
      }
      return Effect.andThen(Effect.yieldNow, Effect.suspend(f))
    })
  }

  #end(): void {
    this.left = 0
    this.finalMetadata = this.#autoCommit ? { bookmark: `bm-${this.#connection.id}-${++this.#connection.bookmarks}` } : {}
  }

  #take(n: number): Array<Neo4jRecord> {
    const shape = this.shape ?? new RecordShape(["n"])
    const taken = Array.from({ length: Math.min(n, this.left) }, (_, i) => new Neo4jRecord(shape, [ROWS - this.left + i]))
    this.left -= taken.length
    if (this.left === 0) this.#end()
    return taken
  }

  get open(): Effect.Effect<ReadonlyArray<string>, Neo4jError> {
    return this.#answer("PULL", () => {
      this.shape = new RecordShape(["n"])
      return Effect.succeed(this.shape.keys)
    }) as Effect.Effect<ReadonlyArray<string>, Neo4jError>
  }

  get nextBatch(): Effect.Effect<NonEmptyReadonlyArray<Neo4jRecord>, Neo4jError | Cause.Done> {
    return Effect.suspend(() => {
      if (this.finished && this.error === undefined) return Cause.done()
      return this.#answer("PULL", () => {
        const batch = this.#take(1)
        return batch.length === 0 ? Cause.done() : Effect.succeed(batch as unknown as NonEmptyReadonlyArray<Neo4jRecord>)
      })
    })
  }

  get collect(): Effect.Effect<Array<Neo4jRecord>, Neo4jError> {
    return Effect.suspend(() =>
      this.finished && this.error === undefined
        ? Effect.succeed([])
        : this.#answer("PULL", () => Effect.succeed(this.#take(Infinity)))
    ) as Effect.Effect<Array<Neo4jRecord>, Neo4jError>
  }

  get consume(): Effect.Effect<Neo4jSummary.ResultSummary, Neo4jError> {
    return Effect.suspend(() =>
      this.finished && this.error === undefined
        ? this.summary
        : this.#answer("DISCARD", () => {
          this.#end()
          return this.summary
        })
    ) as Effect.Effect<Neo4jSummary.ResultSummary, Neo4jError>
  }

  get consumeOnClose(): Effect.Effect<void> {
    return this.#connection.cleanup(this.consume)
  }

  get summary(): Effect.Effect<Neo4jSummary.ResultSummary, Neo4jError> {
    return Effect.suspend(() => {
      const summary = this.summaryIfDone()
      return summary === undefined ? this.consume : Effect.succeed(summary)
    })
  }

  summaryIfDone(): Neo4jSummary.ResultSummary | undefined {
    if (this.finalMetadata === undefined || this.error !== undefined) return undefined
    return summaryFromMetadata({
      query: this.#spec.query,
      parameters: this.#spec.parameters,
      server,
      runMetadata: this.runMetadata,
      finalMetadata: this.finalMetadata
    })
  }
}

/** A direct driver core over a real pool of fake connections; RESET (a step) on every release. */
const makeDriver = Effect.gen(function*() {
  const created: Array<FakeConnection> = []
  const pool = yield* ConnectionPool.make<FakeConnection, Neo4jConnectionError>({
    maxSize: 8,
    acquisitionTimeout: Duration.seconds(5),
    maxLifetime: Duration.hours(1)
  }, {
    connect: () =>
      Effect.acquireRelease(
        Effect.sync(() => {
          const connection = new FakeConnection(created.length)
          created.push(connection)
          return connection
        }),
        (connection) => Effect.sync(() => void (connection.closed = true))
      ),
    isReusable: () => true,
    prepareForReuse: (connection) => Effect.andThen(Effect.yieldNow, Effect.sync(() => connection.reset())),
    ping: () => Effect.void
  })
  const driver = {
    config: { database: undefined, fetchSize: 1, retry: Schedule.recurs(2), uri: { address } },
    router: { routing: false, onHomeDatabase: () => Effect.void, onFailure: () => Effect.void },
    acquire: (request: { readonly mode: "READ" | "WRITE" }) =>
      Effect.map(pool.acquire(address), (connection): Lease => {
        connection.held = true
        return {
          connection,
          route: { mode: request.mode, database: undefined, address, homeDatabase: false, user: "" },
          database: undefined
        } as unknown as Lease
      }),
    classify: <E>(error: E) => Effect.succeed(error)
  } as unknown as Driver
  const inUse = Effect.map(pool.stats, (all) => all.reduce((n, s) => n + s.inUse + s.creating + s.waiting, 0))
  return { driver, inUse, created }
})

const finishes = <A, E>(effect: Effect.Effect<A, E>) => finishesWithin(effect, 500)

/** Units of work that succeeded (the interruptions must leave some to run). */
let completed = 0

/** The units of work a session's user runs, one after the other, forever (until interrupted). */
const workOf = (session: Session, i: number): Effect.Effect<never, unknown> => {
  const cursorRead = Effect.scoped(Effect.flatMap(session.cursor("CURSOR"), (cursor) => cursor.next))
  const cursorLeftOpen = Effect.flatMap(session.cursor("OPEN"), (cursor) => cursor.next)
  const units = [
    session.run("RUN"),
    cursorRead,
    // A cursor whose records are not all read, open until the unit's scope ends.
    Effect.scoped(Effect.andThen(cursorLeftOpen, session.run("AFTER OPEN CURSOR"))),
    session.executeWrite((tx) => Effect.andThen(tx.run("TX"), tx.run("TX 2"))),
    Effect.scoped(Effect.flatMap(session.beginTransaction(), (tx) => Effect.andThen(tx.run("BEGIN"), tx.commit)))
  ]
  const ordered = units.slice(i % units.length).concat(units.slice(0, i % units.length))
  return Effect.forever(Effect.forEach(ordered, (unit) => Effect.ignore(Effect.tap(unit, () => Effect.sync(() => void completed++)))))
}

const stepsPerYield = STEPS_PER_YIELD

describe("sessions interrupted at any step", () => {
  // Found by this test (fixed): the session remembers its open auto-commit cursor (`openCursor`)
  // and reads it into memory before its next query (`bufferOpenCursor`). When the cursor's scope
  // ended by interruption (or failure) with records unread, the lease ended (the pool took the
  // connection back and could lease it to another session) but `openCursor` still named the
  // cursor: the session's next query PULLed on a connection no longer leased to it.
  it.effect.each(stepsPerYield)("a session interrupted at any step stays usable, holds no lease and touches no connection it gave back (yielding every %d steps)", (steps) =>
      Effect.gen(function*() {
        misuse.length = 0
        completed = 0
        const { driver, inUse } = yield* makeDriver
        const sessions = Array.from({ length: 4 }, () => makeSession(driver))
        for (let round = 0; round < 150; round++) {
          const fibers = yield* Effect.forEach(sessions, (session, i) => Effect.forkChild(workOf(session, i + round)))
          for (let i = 0; i < (round % 17) * Math.ceil(48 / steps); i++) yield* Effect.yieldNow
          yield* Fiber.interruptAll(fibers)
          // Each session's next query works (and reads what its interrupted user left).
          for (const [i, session] of sessions.entries()) {
            const exit = yield* finishes(session.run("NEXT"))
            assert.isDefined(exit, `round ${round}: session ${i}'s next query never ends`)
            assert.isTrue(Exit.isSuccess(exit!), `round ${round}: session ${i}: ${String(exit)}`)
            assert.strictEqual(Exit.isSuccess(exit!) ? exit.value.records.length : -1, ROWS)
          }
          assert.deepStrictEqual(misuse.slice(0, 3), [], `round ${round}: ${misuse.slice(0, 3).join("; ")}`)
          for (let i = 0; i < 20; i++) yield* Effect.yieldNow
          assert.strictEqual(yield* inUse, 0, `round ${round}: a lease is still held`)
        }
        assert.isAbove(completed, 300)
      }).pipe(Effect.provideService(Scheduler.MaxOpsBeforeYield, steps)))

  // The same bug, deterministically: the scope of a cursor with records left ends by interruption,
  // then the session runs its next query.
  it.effect("a cursor whose scope ended by interruption is not read by the session's next query (its lease ended)", () =>
    Effect.gen(function*() {
      misuse.length = 0
      const { driver, inUse } = yield* makeDriver
      const session = makeSession(driver)
      const scope = yield* Scope.make()
      const cursor = yield* Scope.provide(session.cursor("CURSOR"), scope)
      yield* cursor.next
      yield* Scope.close(scope, Exit.interrupt(1))
      // The pool RESETs a connection whose lease was interrupted in the background.
      for (let i = 0; i < 5; i++) yield* Effect.yieldNow
      assert.strictEqual(yield* inUse, 0)
      const next = yield* session.run("NEXT")
      assert.strictEqual(next.records.length, ROWS)
      assert.deepStrictEqual(misuse, [], misuse.join("; "))
    }))
})
