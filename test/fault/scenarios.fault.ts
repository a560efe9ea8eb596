/**
 * The fault suite (issue 15): the driver against the embedded Neo4j through a {@link FaultProxy}
 * that cuts, stalls, refuses and corrupts. Each scenario is bounded in time and counts what it
 * claims (time to error, duplicates, lost writes, connections left in use, server transactions).
 * A direct connection (not through the proxy) checks the server's side.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Schedule, Stream } from "effect"
import * as Http from "node:http"
import type * as Net from "node:net"
import { inspect } from "node:util"
import * as V8 from "node:v8"
import * as Vm from "node:vm"
import { inject } from "vitest"
import * as Neo4j from "../../src/Neo4j.ts"
import { Neo4jConnectionError, isNeo4jError } from "../../src/Neo4jError.ts"
import { recordingTracer } from "../support/recordingTracer.ts"
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

/** The heap in use after a full collection (`--expose-gc` set at run time, for this measure only). */
const heapAfterGc = (): number => {
  V8.setFlagsFromString("--expose-gc")
  const gc = Vm.runInNewContext("gc") as () => void
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/** Interruption storm: rounds of 20 (10 streams, 10 transaction functions). */
const ROUNDS = 100

/** Loopback HTTP server (a Neo4j HTTP port given as the Bolt port). */
const httpServer = Effect.acquireRelease(
  Effect.callback<Http.Server>((resume) => {
    const http = Http.createServer((_, response) => response.end("{}"))
    http.listen(0, "127.0.0.1", () => resume(Effect.succeed(http)))
  }),
  (http) => Effect.sync(() => http.close())
).pipe(Effect.map((http) => (http.address() as Net.AddressInfo).port))

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

  it.live("cut around COMMIT at random points, 300 executeWrite: no duplicate, no lost acknowledged write", () =>
    proxied((proxy) =>
      Effect.gen(function*() {
        const run = `run-${now()}`
        const acknowledged: Array<number> = []
        const unknown: Array<number> = []
        const failed: Array<number> = []
        for (let id = 0; id < 300; id++) {
          // A pooled connection first (else the byte count would start with a new connection's
          // handshake and HELLO), then cut when the client sends its 1st or 2nd chunk of the work
          // (BEGIN+RUN+PULL, COMMIT), or after 1-260 bytes of the server's answers (BEGIN, RUN and
          // PULL's SUCCESS, ~150 bytes, then into COMMIT's SUCCESS: committed, the answer lost), once.
          yield* Neo4j.executeQuery("RETURN 1", {}, { routing: "READ" })
          const cut = id % 3 === 0
            ? { afterClientWrites: 1 + (id % 2) }
            : { afterServerBytes: 1 + ((id * 37) % 260) }
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
          `[fault] cut around COMMIT x300: ${acknowledged.length} acknowledged, ${unknown.length} CommitOutcomeUnknown ` +
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

  it.live("interruption storm: 2000 random interruptions of streams and transaction functions leave nothing open, heap back", () =>
    proxied((proxy) =>
      Effect.gen(function*() {
        const run = `storm-${now()}`
        let interrupted = 0
        // Warm up (connections, compiled code), then the heap after a full GC is the baseline.
        yield* Effect.forEach(Array.from({ length: 20 }, () => Neo4j.executeQuery("RETURN 1")), (q) => q, { concurrency: "unbounded" })
        const heapBefore = heapAfterGc()
        for (let round = 0; round < ROUNDS; round++) {
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
        const heapGrowth = heapAfterGc() - heapBefore
        yield* Neo4j.executeQuery("MATCH (n:FaultStorm {run: $run}) DELETE n", { run }).pipe(Effect.provide(direct))
        assert.isAbove(interrupted, ROUNDS * 10)
        assert.isBelow(heapGrowth, 8 * 1024 * 1024, `heap grew by ${heapGrowth} bytes`)
        console.log(`[fault] interruption storm: ${interrupted} of ${ROUNDS * 20} interrupted; 0 in use, 0 server transactions, ` +
          `heap ${(heapBefore / 2 ** 20).toFixed(1)} MB before, ${heapGrowth >= 0 ? "+" : ""}${(heapGrowth / 2 ** 20).toFixed(2)} MB after`)
      }).pipe(Effect.provide(layerThrough(proxy, { maxConnectionPoolSize: 20 })))
    ), 120_000)

  it.live("outage of 4.5 s under 20 looping writers with a 3 s budget (45 s and 30 s scaled by 1/10): no attempt after the budget, recovery, no duplicate", () =>
    proxied((proxy) =>
      Effect.gen(function*() {
        const run = `outage-${now()}`
        const attemptsAfterBudget: Array<number> = []
        const outcomes: Record<string, number> = {}
        const budget = 3_000
        let outageEnded = Number.POSITIVE_INFINITY
        let longestFailed = 0
        let okAfterRecovery = 0
        const writer = (w: number) =>
          Effect.gen(function*() {
            for (let k = 0; k < 8; k++) {
              const id = w * 100 + k
              let firstFailure = 0
              const called = now()
              const exit = yield* Effect.exit(Neo4j.executeWrite((tx) =>
                Effect.gen(function*() {
                  const t = now()
                  if (firstFailure !== 0 && t - firstFailure > budget + 250) attemptsAfterBudget.push(t - firstFailure)
                  return yield* tx.run("MERGE (n:FaultOutage {run: $run, id: $id}) ON CREATE SET n.created = 1 ON MATCH SET n.created = n.created + 1", { run, id })
                }).pipe(Effect.tapError(() => Effect.sync(() => void (firstFailure ||= now()))))
              ).pipe(Effect.tapError(() => Effect.sync(() => void (firstFailure ||= now())))))
              const outcome = Exit.isSuccess(exit) ? "ok" : String((errorOf(exit) as Error)?.message).slice(0, 80)
              outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
              // Every attempt fails at once here (refused, or cut), so a call that gave up lasted
              // the budget plus its first attempt: more means an attempt started after the budget.
              if (Exit.isFailure(exit)) longestFailed = Math.max(longestFailed, now() - called)
              else if (now() > outageEnded) okAfterRecovery++
              yield* Effect.sleep("100 millis")
            }
          })
        const outage = Effect.gen(function*() {
          yield* Effect.sleep("300 millis")
          proxy.refuse(true)
          proxy.set({ _tag: "Cut" }, { now: true })
          yield* Effect.sleep("4500 millis")
          proxy.set({ _tag: "Forward" })
          proxy.refuse(false)
          outageEnded = now()
        })
        yield* Effect.all([outage, ...Array.from({ length: 20 }, (_, w) => writer(w))], { concurrency: "unbounded" })
        const after = yield* Neo4j.executeQuery("RETURN 1 AS v")
        assert.strictEqual(after.records[0]!.get("v"), 1)
        const rows = yield* Neo4j.executeQuery("MATCH (n:FaultOutage {run: $run}) RETURN max(n.created) AS most, count(*) AS n", { run })
          .pipe(Effect.provide(direct))
        yield* Neo4j.executeQuery("MATCH (n:FaultOutage {run: $run}) DELETE n", { run }).pipe(Effect.provide(direct))
        assert.deepStrictEqual(attemptsAfterBudget, [])
        // Slack for the first attempt and the last one (a reconnect as the outage ends, 20 logins at
        // once on a busy machine: 1.3 s seen); the overshoot this guards against was 2x the budget.
        assert.isAtMost(longestFailed, budget + 1_500, `a call that gave up lasted ${longestFailed} ms`)
        assert.isAbove(okAfterRecovery, 0, "nothing was written after the recovery")
        assert.strictEqual(Number(rows.records[0]!.get("most")), 1, "a write ran twice")
        console.log(`[fault] outage 4.5 s x 20 writers (budget 3 s): ${rows.records[0]!.get("n")} ids written, ` +
          `max copies ${rows.records[0]!.get("most")}, 0 attempts after the budget, longest failed call ${longestFailed} ms, ` +
          `${okAfterRecovery} ok after the recovery; outcomes ${JSON.stringify(outcomes)}`)
      }).pipe(Effect.provide(layerThrough(proxy, { retry: Neo4jRetryBudget, maxConnectionPoolSize: 20 })))
    ), 60_000)

  it.live("silent server: the layer build and each connect end with Timeout after connectionTimeout, slots freed", () =>
    proxied((proxy) =>
      Effect.gen(function*() {
        proxy.silent(true)
        const started = now()
        const build = errorOf(yield* Effect.exit(Effect.scoped(Layer.build(layerThrough(proxy)))))
        const buildMs = now() - started
        assert.instanceOf(build, Neo4jConnectionError)
        assert.strictEqual((build as Neo4jConnectionError).reason, "Timeout")
        assert.isAtLeast(buildMs, 1_900)
        assert.isBelow(buildMs, 3_000, `layer build ended after ${buildMs} ms`)
        const queries = Effect.gen(function*() {
          const begun = now()
          const exits = yield* Effect.forEach(
            Array.from({ length: 4 }, () => Neo4j.executeQuery("RETURN 1", {}, { retry: Schedule.recurs(0) })),
            (query) => Effect.exit(query),
            { concurrency: "unbounded" }
          )
          const ms = now() - begun
          for (const exit of exits) {
            const error = errorOf(exit)
            assert.instanceOf(error, Neo4jConnectionError)
            assert.strictEqual((error as Neo4jConnectionError).reason, "Timeout")
            assert.isTrue((error as Neo4jConnectionError).isRetryable)
          }
          assert.strictEqual(yield* inUseAfter(0), 0)
          proxy.silent(false)
          const next = yield* Neo4j.executeQuery("RETURN 1 AS v")
          assert.strictEqual(next.records[0]!.get("v"), 1)
          return ms
        })
        const ms = yield* queries.pipe(Effect.provide(layerThrough(proxy, { verifyConnectivity: false, maxConnectionPoolSize: 2 })))
        // Two waves of two connects on a pool of 2, each bounded by connectionTimeout (2 s).
        assert.isBelow(ms, 6_000, `4 queries took ${ms} ms`)
        console.log(`[fault] silent server: layer build Timeout in ${buildMs} ms; 4 queries on a pool of 2 all Timeout in ${ms} ms; ` +
          `0 in use; next query ok`)
      })
    ), 30_000)

  it.live("misconfiguration: typed, not retried, fast, no secret in any message, span or inspection", () =>
    proxied((proxy) =>
      Effect.scoped(Effect.gen(function*() {
        const wrong = "wrong-Secret-456"
        const { layer: tracing, spans } = recordingTracer()
        const httpPort = yield* httpServer
        const cases: ReadonlyArray<readonly [string, string, Parameters<typeof Neo4j.layer>[0], string]> = [
          ["wrong password, layer build", "build", { uri: `bolt://127.0.0.1:${proxy.port}`, password: wrong }, "Neo4jAuthenticationError"],
          ["wrong password, first query", "query", {
            uri: `bolt://127.0.0.1:${proxy.port}`,
            password: wrong,
            verifyConnectivity: false
          }, "Neo4jAuthenticationError"],
          ["HTTP port", "build", { uri: `bolt://127.0.0.1:${httpPort}`, password: server.password }, "HttpPort"]
        ]
        // The TLS mismatches need a server with TLS off or required (this one takes both): replayed
        // in connect.test.ts from what Neo4j 5.26 was measured doing.
        const rows: Array<string> = []
        for (const [label, when, options, expected] of cases) {
          const layer = Neo4j.layer({ username: server.username, connectionTimeout: "2 seconds", ...options })
          const acceptedBefore = proxy.accepted()
          const started = now()
          const exit = yield* Effect.exit(
            when === "build"
              ? Effect.asVoid(Effect.scoped(Layer.build(layer)))
              : Effect.asVoid(Neo4j.executeQuery("RETURN 1").pipe(Effect.provide(layer)))
          ).pipe(Effect.provide(tracing))
          const ms = now() - started
          const error = errorOf(exit) as { _tag?: string; reason?: string; isRetryable?: boolean; message?: string }
          assert.isTrue(isNeo4jError(error), `${label}: untyped ${String(error)}`)
          assert.strictEqual(error._tag === "Neo4jConnectionError" ? error.reason : error._tag, expected, label)
          assert.isFalse(error.isRetryable, label)
          const connections = proxy.accepted() - acceptedBefore
          if (options.uri.includes(String(proxy.port))) assert.strictEqual(connections, 1, `${label}: ${connections} connections`)
          assert.isBelow(ms, 1_000, `${label}: ${ms} ms`)
          for (const secret of [wrong, server.password]) {
            assert.notInclude(String(error.message), secret, label)
            assert.notInclude(inspect(error, { depth: 10 }), secret, label)
          }
          rows.push(`${label}: ${expected} in ${ms} ms`)
        }
        assert.isAbove(spans.length, 0)
        for (const span of spans) {
          const shown = inspect({ name: span.name, attributes: span.attributes, events: span.events, status: span.status }, { depth: 10 })
          assert.notInclude(shown, wrong, span.name)
          assert.notInclude(shown, server.password, span.name)
        }
        console.log(`[fault] misconfiguration (${spans.length} spans searched): ${rows.join("; ")}`)
      }))
    ), 30_000)

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
        const deniedMs = now() - started
        assert.isBelow(deniedMs, 2_000)
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
          `${60 - typed - hung} decoded fine; wrong password in ${deniedMs} ms`)
      })
    ), 90_000)
})

const Neo4jRetryBudget = (await import("../../src/Neo4jConfig.ts")).defaultRetrySchedule("3 seconds")
