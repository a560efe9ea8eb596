/**
 * The fault suite (issue 15): the driver against the embedded Neo4j through a {@link FaultProxy}
 * that cuts, stalls, refuses and corrupts. Each scenario is bounded in time and counts what it
 * claims (time to error, duplicates, lost writes, connections left in use, server transactions).
 * A direct connection (not through the proxy) checks the server's side.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Schedule, Stream } from "effect"
import { inject } from "vitest"
import * as Neo4j from "../../src/Neo4j.ts"
import { Neo4jConnectionError, isNeo4jError } from "../../src/Neo4jError.ts"
import * as FaultProxy from "./FaultProxy.ts"

const server = inject("neo4jServers")[0]!

const proxied = <A, E>(use: (proxy: FaultProxy.FaultProxy) => Effect.Effect<A, E>) =>
  Effect.acquireUseRelease(
    Effect.promise(() => FaultProxy.start({ host: server.host, port: server.port })),
    use,
    (proxy) => Effect.promise(() => proxy.close())
  )

const layerThrough = (proxy: FaultProxy.FaultProxy, extra: Partial<Parameters<typeof Neo4j.layer>[0]> = {}) =>
  Neo4j.layer({
    uri: `bolt://127.0.0.1:${proxy.port}`,
    username: server.username,
    password: server.password,
    connectionTimeout: "2 seconds",
    ...extra
  })

const direct = Neo4j.layer({ uri: `bolt://127.0.0.1:${server.port}`, username: server.username, password: server.password })

/** Transactions open on the server other than the one asking (SHOW TRANSACTIONS lists itself). */
const openServerTransactions = Neo4j.executeQuery(
  "SHOW TRANSACTIONS YIELD transactionId, currentQuery WHERE NOT currentQuery STARTS WITH 'SHOW TRANSACTIONS' RETURN count(*) AS n",
  {},
  { database: "neo4j" }
).pipe(Effect.map((result) => Number(result.records[0]!.get("n"))), Effect.provide(direct))

/** Connections in use or being created, once background RESETs had up to `withinMs` to finish. */
const inUseAfter = (withinMs: number) =>
  Effect.gen(function*() {
    const deadline = Date.now() + withinMs
    while (true) {
      const stats = yield* Neo4j.poolStats
      const busy = stats.reduce((n, each) => n + each.inUse + each.creating, 0)
      if (busy === 0 || Date.now() > deadline) return busy
      yield* Effect.sleep("20 millis")
    }
  })

const errorOf = (exit: Exit.Exit<unknown, unknown>): unknown =>
  Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined

const now = () => Date.now()

describe(`fault scenarios against ${server.name}`, () => {
  it.live("stall mid-transaction inside Effect.timeout: control returns at the timeout, the slot is freed (defect 2)", () =>
    proxied((proxy) =>
      Effect.gen(function*() {
        yield* Neo4j.executeQuery("RETURN 1") // one pooled connection
        const work = Neo4j.executeWrite((tx) =>
          Effect.gen(function*() {
            yield* tx.run("RETURN 1")
            proxy.set({ _tag: "Stall" }, { now: true })
            yield* tx.run("RETURN 2")
          }), { retry: Schedule.recurs(0) })
        const started = now()
        const exit = yield* Effect.exit(Effect.timeout(work, "1 second"))
        const ms = now() - started
        assert.isTrue(Exit.isFailure(exit))
        assert.isBelow(ms, 1_500, `control returned after ${ms} ms`)
        // The stalled connection cannot be RESET: closed after connectionTimeout (2 s), never reused.
        proxy.set({ _tag: "Forward" })
        assert.strictEqual(yield* inUseAfter(4_000), 0)
        const after = yield* Neo4j.executeQuery("RETURN 3 AS v")
        assert.strictEqual(after.records[0]!.get("v"), 3)
        console.log(`[fault] stall in tx under Effect.timeout(1 s): control back in ${ms} ms`)
      }).pipe(Effect.provide(layerThrough(proxy)))
    ), 30_000)

  it.live("cut mid-stream of a large result: typed retryable error within 100 ms, next query ok, nothing leaked", () =>
    proxied((proxy) =>
      Effect.gen(function*() {
        let cutAt = 0
        let rows = 0
        const exit = yield* Effect.exit(
          Neo4j.stream("UNWIND range(1, 2000000) AS i RETURN i", {}, { fetchSize: 1000 }).pipe(
            Stream.runForEach(() =>
              Effect.sync(() => {
                rows++
                if (rows === 50_000) {
                  cutAt = now()
                  proxy.set({ _tag: "Cut" }, { now: true })
                }
              })
            )
          )
        )
        const ms = now() - cutAt
        const error = errorOf(exit)
        assert.instanceOf(error, Neo4jConnectionError)
        assert.isTrue((error as Neo4jConnectionError).isRetryable)
        assert.isBelow(ms, 100, `error ${ms} ms after the cut`)
        proxy.set({ _tag: "Forward" })
        const next = yield* Neo4j.executeQuery("RETURN 1 AS v")
        assert.strictEqual(next.records[0]!.get("v"), 1)
        assert.strictEqual(yield* inUseAfter(2_000), 0)
        assert.strictEqual(yield* openServerTransactions, 0)
        console.log(`[fault] cut mid-stream after ${rows} rows: error in ${ms} ms, 0 in use, 0 server transactions`)
      }).pipe(Effect.provide(layerThrough(proxy)))
    ), 60_000)

  it.live("cut around COMMIT at random points, 150 executeWrite: no duplicate, no lost acknowledged write", () =>
    proxied((proxy) =>
      Effect.gen(function*() {
        const run = `run-${now()}`
        const acknowledged: Array<number> = []
        const unknown: Array<number> = []
        const failed: Array<number> = []
        for (let id = 0; id < 150; id++) {
          // Cut when the client sends its 1st or 2nd chunk of the work (BEGIN+RUN+PULL, COMMIT), or after
          // 1-160 bytes of the server's answers (up to and into COMMIT's SUCCESS), once.
          const cut = id % 3 === 0
            ? { afterClientWrites: 1 + (id % 2) }
            : { afterServerBytes: 1 + ((id * 37) % 160) }
          proxy.set({ _tag: "Cut" }, cut)
          const exit = yield* Effect.exit(
            Neo4j.executeWrite((tx) => tx.run("CREATE (:FaultWrite {run: $run, id: $id})", { run, id }), {
              retry: Schedule.spaced("10 millis").pipe(Schedule.upTo({ times: 5 }))
            })
          )
          proxy.set({ _tag: "Forward" })
          if (Exit.isSuccess(exit)) acknowledged.push(id)
          else {
            const error = errorOf(exit)
            if (error instanceof Neo4jConnectionError && error.reason === "CommitOutcomeUnknown") unknown.push(id)
            else failed.push(id)
          }
        }
        const rows = yield* Neo4j.executeQuery(
          "MATCH (n:FaultWrite {run: $run}) RETURN n.id AS id, count(*) AS copies",
          { run }
        ).pipe(Effect.provide(direct))
        const copies = new Map(rows.records.map((r) => [Number(r.get("id")), Number(r.get("copies"))]))
        const duplicates = [...copies.values()].filter((n) => n > 1).length
        const lost = acknowledged.filter((id) => !copies.has(id)).length
        assert.strictEqual(duplicates, 0)
        assert.strictEqual(lost, 0)
        for (const id of failed) assert.isFalse(copies.has(id), `id ${id} failed retryably yet was written`)
        assert.strictEqual(yield* inUseAfter(2_000), 0)
        yield* Neo4j.executeQuery("MATCH (n:FaultWrite {run: $run}) DELETE n", { run }).pipe(Effect.provide(direct))
        console.log(
          `[fault] cut around COMMIT x150: ${acknowledged.length} acknowledged, ${unknown.length} CommitOutcomeUnknown ` +
            `(${unknown.filter((id) => copies.has(id)).length} of them committed), ${failed.length} failed; ` +
            `0 duplicates, 0 lost, ${proxy.accepted()} connections opened`
        )
      }).pipe(Effect.provide(layerThrough(proxy)))
    ), 120_000)

  it.live("pool of 5 under 500 concurrent queries: each completes or fails with AcquisitionTimeout", () =>
    proxied((proxy) =>
      Effect.gen(function*() {
        const started = now()
        const exits = yield* Effect.forEach(
          Array.from({ length: 500 }, (_, i) => Neo4j.executeQuery("RETURN $i AS i", { i })),
          (query) => Effect.exit(query),
          { concurrency: "unbounded" }
        )
        const ok = exits.filter(Exit.isSuccess).length
        const otherwise = exits.filter(Exit.isFailure).map(errorOf)
        for (const error of otherwise) {
          assert.instanceOf(error, Neo4jConnectionError)
          assert.strictEqual((error as Neo4jConnectionError).reason, "AcquisitionTimeout")
        }
        assert.strictEqual(yield* inUseAfter(1_000), 0)
        assert.isAtMost(proxy.accepted(), 5)
        console.log(`[fault] pool 5 x 500 queries: ${ok} ok, ${otherwise.length} AcquisitionTimeout in ${now() - started} ms`)
      }).pipe(Effect.provide(layerThrough(proxy, { maxConnectionPoolSize: 5, connectionAcquisitionTimeout: "20 seconds" })))
    ), 60_000)

  it.live("interruption storm: 1000 random interruptions of streams and transaction functions leave nothing open", () =>
    proxied((proxy) =>
      Effect.gen(function*() {
        const run = `storm-${now()}`
        let interrupted = 0
        for (let round = 0; round < 50; round++) {
          const fibers = Array.from({ length: 20 }, (_, i) =>
            i % 2 === 0
              ? Neo4j.stream("UNWIND range(1, 100000) AS i RETURN i", {}, { fetchSize: 500 }).pipe(Stream.runDrain)
              : Neo4j.executeWrite((tx) =>
                Effect.andThen(tx.run("CREATE (:FaultStorm {run: $run})", { run }), Effect.sleep("5 millis"))))
          const exits = yield* Effect.forEach(
            fibers,
            (work, i) => Effect.exit(Effect.timeout(work, `${1 + ((round * 7 + i * 13) % 25)} millis`)),
            { concurrency: "unbounded" }
          )
          interrupted += exits.filter(Exit.isFailure).length
        }
        assert.strictEqual(yield* inUseAfter(3_000), 0)
        assert.strictEqual(yield* openServerTransactions, 0)
        yield* Neo4j.executeQuery("MATCH (n:FaultStorm {run: $run}) DELETE n", { run }).pipe(Effect.provide(direct))
        assert.isAbove(interrupted, 500)
        console.log(`[fault] interruption storm: ${interrupted} of 1000 interrupted; 0 in use, 0 server transactions`)
      }).pipe(Effect.provide(layerThrough(proxy, { maxConnectionPoolSize: 20 })))
    ), 120_000)

  it.live("outage under looping writers with a 3 s budget: no attempt after the budget, recovery, no duplicate", () =>
    proxied((proxy) =>
      Effect.gen(function*() {
        const run = `outage-${now()}`
        const attemptsAfterBudget: Array<number> = []
        const outcomes: Record<string, number> = {}
        const budget = 3_000
        const writer = (w: number) =>
          Effect.gen(function*() {
            for (let k = 0; k < 8; k++) {
              const id = w * 100 + k
              let firstFailure = 0
              const exit = yield* Effect.exit(Neo4j.executeWrite((tx) =>
                Effect.gen(function*() {
                  const t = now()
                  if (firstFailure !== 0 && t - firstFailure > budget + 250) attemptsAfterBudget.push(t - firstFailure)
                  return yield* tx.run("MERGE (n:FaultOutage {run: $run, id: $id}) ON CREATE SET n.created = 1 ON MATCH SET n.created = n.created + 1", { run, id })
                }).pipe(Effect.tapError(() => Effect.sync(() => void (firstFailure ||= now()))))
              ).pipe(Effect.tapError(() => Effect.sync(() => void (firstFailure ||= now())))))
              const outcome = Exit.isSuccess(exit) ? "ok" : String((errorOf(exit) as Error)?.message).slice(0, 80)
              outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
              yield* Effect.sleep("100 millis")
            }
          })
        const outage = Effect.gen(function*() {
          yield* Effect.sleep("300 millis")
          proxy.refuse(true)
          proxy.set({ _tag: "Cut" }, { now: true })
          yield* Effect.sleep("4 seconds")
          proxy.set({ _tag: "Forward" })
          proxy.refuse(false)
        })
        yield* Effect.all([outage, ...Array.from({ length: 8 }, (_, w) => writer(w))], { concurrency: "unbounded" })
        const after = yield* Neo4j.executeQuery("RETURN 1 AS v")
        assert.strictEqual(after.records[0]!.get("v"), 1)
        const rows = yield* Neo4j.executeQuery("MATCH (n:FaultOutage {run: $run}) RETURN max(n.created) AS most, count(*) AS n", { run })
          .pipe(Effect.provide(direct))
        yield* Neo4j.executeQuery("MATCH (n:FaultOutage {run: $run}) DELETE n", { run }).pipe(Effect.provide(direct))
        assert.deepStrictEqual(attemptsAfterBudget, [])
        assert.isAbove(Number(rows.records[0]!.get("n")), 0, "nothing was written after the recovery")
        assert.strictEqual(Number(rows.records[0]!.get("most")), 1, "a write ran twice")
        console.log(`[fault] outage 4 s x 8 writers (budget 3 s): ${rows.records[0]!.get("n")} ids written, ` +
          `max copies ${rows.records[0]!.get("most")}, 0 attempts after the budget; outcomes ${JSON.stringify(outcomes)}`)
      }).pipe(Effect.provide(layerThrough(proxy, { retry: Neo4jRetryBudget })))
    ), 60_000)

  it.live("wrong password and mutated responses: typed errors, no retry, no secret in any message", () =>
    proxied((proxy) =>
      Effect.gen(function*() {
        const wrong = "wrong-Secret-123"
        const started = now()
        const denied = errorOf(yield* Effect.exit(
          Neo4j.executeQuery("RETURN 1").pipe(Effect.provide(Neo4j.layer({
            uri: `bolt://127.0.0.1:${proxy.port}`, username: server.username, password: wrong
          })))
        ))
        assert.strictEqual((denied as { _tag?: string })._tag, "Neo4jAuthenticationError")
        assert.notInclude(String((denied as Error).message), wrong)
        assert.isBelow(now() - started, 2_000)
        let typed = 0
        let hung = 0
        for (let i = 0; i < 60; i++) {
          // Flip one byte of the server's answer at a chosen place in the stream.
          const at = 4 + ((i * 53) % 200)
          let seen = 0
          proxy.set({ _tag: "Corrupt", mutate: (bytes) => {
            const copy = Buffer.from(bytes)
            if (at >= seen && at < seen + copy.length) copy[at - seen] = copy[at - seen]! ^ (1 + (i % 255))
            seen += copy.length
            return copy
          } })
          const exit = yield* Effect.exit(Effect.timeout(
            Neo4j.executeQuery("RETURN 'x' AS v", {}, { retry: Schedule.recurs(0) }).pipe(Effect.provide(layerThrough(proxy))),
            "2 seconds"
          ))
          // A mutated chunk length makes the driver wait for bytes the server never sends: only the
          // caller's timeout (or the server's receive-timeout hint) can end that wait.
          if (Exit.isFailure(exit) && Cause.isTimeoutError(Cause.squash(exit.cause))) hung++
          else if (Exit.isFailure(exit)) {
            const error = errorOf(exit)
            assert.isTrue(isNeo4jError(error), `untyped: ${String(error)}`)
            assert.notInclude(String((error as Error).message), server.password)
            typed++
          }
        }
        proxy.set({ _tag: "Forward" })
        console.log(`[fault] 60 mutated responses: ${typed} typed errors, ${hung} waits ended by the caller's 2 s timeout, ` +
          `${60 - typed - hung} decoded fine; wrong password in ${now() - started} ms`)
      })
    ), 90_000)
})

const Neo4jRetryBudget = (await import("../../src/Neo4jConfig.ts")).defaultRetrySchedule("3 seconds")
