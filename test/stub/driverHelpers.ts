/**
 * Shared pieces of the tests that run the DRIVER against stub servers: the driver layer for a stub,
 * the script fragments of one transaction-function attempt, and `drive`, which runs a program on
 * the `TestClock` and wakes every retry backoff at exactly the delay the schedule chose.
 */
import { assert } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import * as Neo4j from "../../src/Neo4j.ts"
import type { Neo4jOptions } from "../../src/Neo4jConfig.ts"
import { C, S } from "./Script.ts"
import * as Stub from "./Script.ts"
import * as SleepSpy from "./SleepSpy.ts"
import type { StubServer } from "./StubServer.ts"

/**
 * The connect and acquisition timeouts the driver gets in these tests: distinctive, so that the
 * sleep spy can tell them from retry delays, and far beyond any backoff a test drives.
 */
export const DRIVER_TIMEOUT = "1 hour"

/**
 * The driver (`bolt://`) for a stub server, with test credentials.
 */
export const driverLayer = (server: StubServer, options: Partial<Neo4jOptions> = {}) =>
  Neo4j.layer({
    uri: server.uri,
    username: "neo4j",
    password: "secret",
    connectionTimeout: DRIVER_TIMEOUT,
    connectionAcquisitionTimeout: DRIVER_TIMEOUT,
    ...options
  })

/**
 * The query the transaction-function tests run.
 */
export const QUERY = "MERGE (n:Counter) SET n.value = n.value + 1 RETURN n.value AS value"

/**
 * The record the stub returns for {@link QUERY}.
 */
export const VALUE = 42

/**
 * An attempt of a transaction function that succeeds: BEGIN, RUN (+PULL), COMMIT.
 */
export const goodAttempt = (bookmark = "bookmark:1"): ReadonlyArray<Stub.Step> =>
  Stub.transaction({ queries: [{ query: QUERY, parameters: {}, records: [{ value: VALUE }] }], bookmark })

/**
 * An attempt whose RUN fails with `failure` (the pipelined PULL is IGNORED). What the driver does
 * next (RESET, or closing the connection) is up to the caller's script.
 */
export const failedAttempt = (failure: string | Stub.FailureSpec): ReadonlyArray<Stub.Step> => [
  C.begin(),
  S.success(),
  C.run(QUERY, {}, {}),
  S.failure(failure),
  C.pull(),
  S.ignored()
]

/**
 * An attempt that loses the connection: the server closes it as soon as the query arrives.
 */
export const droppedAttempt = (): ReadonlyArray<Stub.Step> => [C.begin(), C.run(QUERY, {}, {}), S.close()]

/**
 * The outcome of {@link drive}: how the program ended and the retry delays it slept (ms).
 */
export interface Driven<A, E> {
  readonly exit: Exit.Exit<A, E>
  readonly delays: ReadonlyArray<number>
  /** TestClock time when the program ended (ms since the start of the test) */
  readonly endedAt: number
}

/**
 * Runs `program` in a fiber with a sleep spy on the TestClock; each time the driver sleeps (a
 * retry backoff), moves the clock by exactly that delay. Nothing sleeps in real time. Every sleep
 * but the {@link DRIVER_TIMEOUT}s is advanced at once, so a test whose server hints a receive
 * timeout (`connection.recv_timeout_seconds`) moves the clock by hand instead.
 */
export const drive = <A, E>(program: Effect.Effect<A, E>): Effect.Effect<Driven<A, E>> =>
  Effect.gen(function*() {
    const spy = yield* SleepSpy.make({ ignore: [DRIVER_TIMEOUT] })
    const fiber = yield* Effect.forkChild(Effect.exit(spy.provide(program)))
    const delays: Array<number> = []
    for (;;) {
      const next = yield* Effect.raceFirst(
        Effect.map(Fiber.join(fiber), (exit) => ({ _tag: "Done" as const, exit })),
        Effect.map(spy.next, (delay) => ({ _tag: "Sleep" as const, delay }))
      )
      if (next._tag === "Done") {
        const endedAt = yield* TestClock.testClockWith((clock) => Effect.sync(() => clock.currentTimeMillisUnsafe()))
        return { exit: next.exit, delays, endedAt }
      }
      delays.push(Duration.toMillis(next.delay))
      yield* TestClock.adjust(next.delay)
    }
  })

/**
 * Default retry policy (PROTOCOL-NOTES): first delay 1 s, doubling, +-20 % jitter.
 */
export const Backoff = {
  INITIAL_MILLIS: 1_000,
  MULTIPLIER: 2,
  JITTER: 0.2,
  GIVE_UP_MILLIS: 30_000
} as const

/**
 * The bounds of the `n`-th (0-based) default retry delay.
 */
export const backoffBounds = (n: number): readonly [number, number] => {
  const nominal = Backoff.INITIAL_MILLIS * Backoff.MULTIPLIER ** n
  return [nominal * (1 - Backoff.JITTER), nominal * (1 + Backoff.JITTER)]
}

/**
 * The transaction function most tests run: {@link QUERY} in `executeWrite`, returning its value.
 */
export const writeWork = Neo4j.executeWrite((tx) =>
  Effect.map(tx.run<{ value: number }>(QUERY), (result) => result.records[0]!.get("value"))
)

/**
 * The typed failure of an exit (fails the test otherwise).
 */
export const errorOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) return assert.fail(`expected a failure, got ${String(exit.value)}`)
  const failure = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (failure === undefined || failure._tag !== "Fail") return assert.fail(`expected a typed failure, got ${String(exit.cause)}`)
  return failure.error
}

/**
 * The value of a successful exit (fails the test otherwise, showing the cause).
 */
export const valueOf = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isFailure(exit)) return assert.fail(`expected success, got ${String(exit.cause)}`)
  return exit.value
}

/**
 * Bytes as lowercase hex, space separated.
 */
export const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ")
