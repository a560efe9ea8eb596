/**
 * Testing kit (`effect-neo4j/testing`): a fake driver for unit tests of services that use `Neo4j`
 * (answers by pattern, records what was sent, fails on unexpected queries, no server), a layer
 * with a real server for integration tests, and {@link rolledBack}, which runs a test's work in
 * one transaction that is rolled back at the end.
 *
 * ```ts
 * const fake = Neo4jTesting.layerFake([
 *   { query: /MATCH \(p:Person/, records: [{ name: "Ada" }] }
 * ])
 * it.effect("lists people", () =>
 *   Effect.gen(function*() {
 *     assert.deepStrictEqual(yield* People.names, ["Ada"])
 *     const sent = yield* Neo4jTesting.sentQueries
 *     assert.strictEqual(sent[0]?.parameters.limit, 10)
 *   }).pipe(Effect.provide(fake)))
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Neo4j from "./Neo4j.ts"
import type { Neo4jOptions, RetrySchedule } from "./Neo4jConfig.ts"
import { type Neo4jError, Neo4jUsageError } from "./Neo4jError.ts"
import { Node, type Properties, Relationship } from "./Neo4jGraph.ts"
import { Neo4jRecord, RecordShape } from "./Neo4jRecord.ts"
import type { EagerResult } from "./Neo4jResult.ts"
import type * as Neo4jSession from "./Neo4jSession.ts"
import type { QueryCounters, ResultSummary, ServerInfo } from "./Neo4jSummary.ts"
import type { Integer } from "./Neo4jValue.ts"
import * as TestingDriver from "./internal/testingDriver.ts"
import * as TestingServer from "./internal/testingServer.ts"

/**
 * Which API sent a query: `executeQuery`, `stream`, `session.run`, `session.stream`, `tx.run`,
 * `tx.stream`.
 *
 * @since 0.1.0
 * @category models
 */
export type QueryApi =
  | "executeQuery"
  | "session.run"
  | "session.stream"
  | "session.cursor"
  | "tx.run"
  | "tx.stream"
  | "tx.cursor"
  | "stream"

/**
 * What a `start` function hands back.
 *
 * @since 0.1.0
 * @category models
 */
export interface StartedServer {
  readonly uri: string
  readonly username?: string | undefined
  readonly password?: string | undefined
  readonly stop: () => Promise<void>
}

/**
 * Where `Neo4jTesting.layerServer` finds its server, in this order: `uri`, then `NEO4J_URI`, then a
 * container (testcontainers), then `start`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerOptions {
  readonly uri?: string | undefined
  readonly username?: string | undefined
  readonly password?: string | Redacted.Redacted<string> | undefined
  /** The image of a container started with testcontainers (default `neo4j:5.26`); `false`: never. */
  readonly container?: string | false | undefined
  /** The last resort: starts a server and says how to stop it (an embedded launcher, say). */
  readonly start?: (() => Promise<StartedServer>) | undefined
  /** Driver options besides the URI and credentials. */
  readonly driver?: Partial<Omit<Neo4jOptions, "uri">> | undefined
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/**
 * A result row with these columns, in the order of the object's keys.
 *
 * @since 0.1.0
 * @category values
 */
export const record = <T extends Record<string, unknown>>(values: T): Neo4jRecord<T> => {
  const keys = Object.keys(values)
  return new Neo4jRecord<T>(new RecordShape(keys), keys.map((key) => values[key]))
}

/**
 * A node. `id` defaults to a number unique within the process; the element id to `"4:fake:<id>"`.
 *
 * @since 0.1.0
 * @category values
 */
export const node = <P extends Properties = Properties>(
  labels: string | ReadonlyArray<string>,
  properties: P = {} as P,
  ids: { readonly id?: Integer; readonly elementId?: string } = {}
): Node<P> => {
  const id = ids.id ?? nextId()
  return new Node(id, typeof labels === "string" ? [labels] : labels, properties, ids.elementId ?? `4:fake:${id}`)
}

/**
 * A relationship `start -[type]-> end`.
 *
 * @since 0.1.0
 * @category values
 */
export const relationship = <P extends Properties = Properties>(
  start: Node,
  type: string,
  end: Node,
  properties: P = {} as P,
  ids: { readonly id?: Integer; readonly elementId?: string } = {}
): Relationship<P> => {
  const id = ids.id ?? nextId()
  return new Relationship(
    id,
    start.identity,
    end.identity,
    type,
    properties,
    ids.elementId ?? `5:fake:${id}`,
    start.elementId,
    end.elementId
  )
}

// Ids of fake graph values only: distinct within a test run is all they need to be.
let lastId = 0
const nextId = (): number => ++lastId

/**
 * What the fake driver reports as its server.
 *
 * @since 0.1.0
 * @category constants
 */
export const FAKE_SERVER: ServerInfo = { address: "fake:7687", agent: "Neo4j/fake", protocolVersion: "5.8" }

const ZERO_COUNTERS: QueryCounters = {
  nodesCreated: 0,
  nodesDeleted: 0,
  relationshipsCreated: 0,
  relationshipsDeleted: 0,
  propertiesSet: 0,
  labelsAdded: 0,
  labelsRemoved: 0,
  indexesAdded: 0,
  indexesRemoved: 0,
  constraintsAdded: 0,
  constraintsRemoved: 0,
  systemUpdates: 0,
  containsUpdates: false,
  containsSystemUpdates: false
}

/**
 * A result summary; counters not given are 0 (`containsUpdates` follows them).
 *
 * @since 0.1.0
 * @category values
 */
export const summary = (options: {
  readonly query: string
  readonly parameters?: Neo4jSession.Parameters | undefined
  readonly counters?: Partial<QueryCounters> | undefined
  readonly database?: string | undefined
  readonly server?: ServerInfo | undefined
}): ResultSummary => {
  const counters = { ...ZERO_COUNTERS, ...options.counters }
  const { containsSystemUpdates: _, containsUpdates: __, systemUpdates: ___, ...updates } = counters
  return {
    query: { text: options.query, parameters: options.parameters ?? {} },
    queryType: undefined,
    counters: {
      ...counters,
      containsUpdates: options.counters?.containsUpdates ?? Object.values(updates).some((n) => n > 0)
    },
    plan: undefined,
    profile: undefined,
    notifications: [],
    gqlStatusObjects: [],
    server: options.server ?? FAKE_SERVER,
    resultAvailableAfter: 0,
    resultConsumedAfter: 0,
    database: options.database
  }
}

// ---------------------------------------------------------------------------------------------
// The fake driver
// ---------------------------------------------------------------------------------------------

/**
 * Which queries a rule answers: the text (compared with runs of whitespace collapsed), a
 * `RegExp` tested against the text, or a predicate of text and parameters.
 *
 * @since 0.1.0
 * @category models
 */
export type QueryPattern = string | RegExp | ((query: string, parameters: Neo4jSession.Parameters) => boolean)

/**
 * Rows of an answer: records, or plain objects turned into records with {@link record}.
 *
 * @since 0.1.0
 * @category models
 */
export type Rows = ReadonlyArray<Neo4jRecord | Readonly<Record<string, unknown>>>

/**
 * How the fake answers the queries a pattern matches. The first rule that matches (and is not
 * used up) answers; with neither `records` nor `fail` the answer is an empty result.
 *
 * @since 0.1.0
 * @category models
 */
export interface Rule {
  readonly query: QueryPattern
  /** The rows, or a function of the parameters (and text) that computes them. */
  readonly records?: Rows | ((parameters: Neo4jSession.Parameters, query: string) => Rows) | undefined
  /** Columns of an empty result (otherwise the first record's). */
  readonly keys?: ReadonlyArray<string> | undefined
  /** Update counters of the summary. */
  readonly counters?: Partial<QueryCounters> | undefined
  /** Fail instead of answering (a `Neo4jTransientError` exercises the retries). */
  readonly fail?: Neo4jError | ((parameters: Neo4jSession.Parameters) => Neo4jError) | undefined
  /** Answer at most this many times, then let later rules answer. */
  readonly times?: number | undefined
}

/**
 * A query the fake received.
 *
 * @since 0.1.0
 * @category models
 */
export interface SentQuery {
  readonly query: string
  readonly parameters: Neo4jSession.Parameters
  readonly api: QueryApi
  readonly mode: Neo4jSession.AccessMode
  readonly database: string | undefined
  /** The settings given with it (query, session or transaction config). */
  readonly config: unknown
  /** The id of its transaction (see {@link SentTransaction}), `undefined` for auto-commit. */
  readonly transaction: number | undefined
}

/**
 * A transaction the fake opened, with its outcome so far.
 *
 * @since 0.1.0
 * @category models
 */
export interface SentTransaction {
  readonly id: number
  readonly mode: Neo4jSession.AccessMode
  readonly database: string | undefined
  /** A transaction function's (executeRead/executeWrite) rather than `beginTransaction`'s. */
  readonly managed: boolean
  readonly config: unknown
  readonly outcome: "open" | "committed" | "rolledBack"
}

/**
 * No rule answers a query: the `cause` of the `Neo4jUsageError` the fake fails with.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedQueryError extends Data.TaggedError("UnexpectedQueryError")<{
  readonly query: string
  readonly parameters: Neo4jSession.Parameters
  readonly message: string
}> {}

/**
 * The fake's controls: what it received, and rules added after it was built.
 *
 * @since 0.1.0
 * @category models
 */
export interface FakeControl {
  /** Every query received, in order (answered, failed or unexpected). */
  readonly queries: Effect.Effect<ReadonlyArray<SentQuery>>
  readonly transactions: Effect.Effect<ReadonlyArray<SentTransaction>>
  /** The queries no rule answered. */
  readonly unexpected: Effect.Effect<ReadonlyArray<SentQuery>>
  /** Adds rules, tried before the ones given at construction (newest first). */
  readonly answer: (...rules: ReadonlyArray<Rule>) => Effect.Effect<void>
  /** Forgets received queries, transactions and added rules (for a layer shared by tests). */
  readonly reset: Effect.Effect<void>
}

/**
 * The fake's controls as a service (provided by {@link layerFake} next to `Neo4j`).
 *
 * @since 0.1.0
 * @category services
 */
export class FakeNeo4j extends Context.Service<FakeNeo4j, FakeControl>()("effect-neo4j/Neo4jTesting/FakeNeo4j") {}

/**
 * Options of the fake driver.
 *
 * @since 0.1.0
 * @category models
 */
export interface FakeOptions {
  /** Retry policy of transaction functions and `executeQuery` (default: 3 immediate retries). */
  readonly retry?: RetrySchedule | undefined
  readonly server?: ServerInfo | undefined
}

const normalize = (query: string): string => query.trim().replace(/\s+/g, " ")

const matches = (pattern: QueryPattern, query: string, parameters: Neo4jSession.Parameters): boolean => {
  if (typeof pattern === "string") return normalize(pattern) === normalize(query)
  if (pattern instanceof RegExp) {
    pattern.lastIndex = 0
    return pattern.test(query)
  }
  return pattern(query, parameters)
}

const describePattern = (pattern: QueryPattern): string =>
  typeof pattern === "string" ? JSON.stringify(normalize(pattern)) : pattern instanceof RegExp ? String(pattern) : "<predicate>"

const toRecords = (rows: Rows): ReadonlyArray<Neo4jRecord> =>
  rows.map((row) => (row instanceof Neo4jRecord ? row : record(row)))

/**
 * Makes a fake driver and its controls.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeFake = (
  rules: ReadonlyArray<Rule>,
  options: FakeOptions = {}
): Effect.Effect<{ readonly driver: Neo4j.Neo4j; readonly control: FakeControl }> =>
  Effect.sync(() => {
    const server = options.server ?? FAKE_SERVER
    let added: Array<Rule> = []
    const uses = new Map<Rule, number>()
    let queries: Array<SentQuery> = []
    let unexpected: Array<SentQuery> = []
    let transactions: Array<{ -readonly [K in keyof SentTransaction]: SentTransaction[K] }> = []

    const answer = (sent: SentQuery): Effect.Effect<EagerResult, Neo4jError> =>
      Effect.suspend(() => {
        queries.push(sent)
        const rule = [...added, ...rules].find((candidate) =>
          (candidate.times === undefined || (uses.get(candidate) ?? 0) < candidate.times) &&
          matches(candidate.query, sent.query, sent.parameters)
        )
        if (rule === undefined) {
          unexpected.push(sent)
          const known = [...added, ...rules].map((r) => describePattern(r.query)).join(", ") || "none"
          const message = `Neo4jTesting: no rule answers ${JSON.stringify(normalize(sent.query))} ` +
            `(parameters ${JSON.stringify(sent.parameters)}, sent by ${sent.api}); rules: ${known}`
          return Effect.fail(
            new Neo4jUsageError({
              message,
              cause: new UnexpectedQueryError({ query: sent.query, parameters: sent.parameters, message })
            })
          )
        }
        uses.set(rule, (uses.get(rule) ?? 0) + 1)
        if (rule.fail !== undefined) {
          return Effect.fail(typeof rule.fail === "function" ? rule.fail(sent.parameters) : rule.fail)
        }
        const rows = typeof rule.records === "function" ? rule.records(sent.parameters, sent.query) : rule.records ?? []
        const records = toRecords(rows)
        return Effect.succeed({
          keys: records[0]?.keys ?? rule.keys ?? [],
          records,
          summary: summary({
            query: sent.query,
            parameters: sent.parameters,
            counters: rule.counters,
            database: sent.database,
            server
          })
        })
      })

    const backend: TestingDriver.Backend = {
      serverInfo: server,
      retry: options.retry ?? Schedule.recurs(3),
      autoCommit: (query, parameters, context) => answer({ query, parameters, ...context }),
      begin: (info) =>
        Effect.sync(() => {
          const tx = {
            id: transactions.length + 1,
            mode: info.mode,
            database: info.database,
            managed: info.managed,
            config: info.config,
            outcome: "open" as SentTransaction["outcome"]
          }
          transactions.push(tx)
          const settle = (outcome: SentTransaction["outcome"]) => Effect.sync(() => void (tx.outcome = outcome))
          return {
            id: tx.id,
            run: (query, parameters, api) =>
              answer({ query, parameters, api, mode: info.mode, database: info.database, config: info.config, transaction: tx.id }),
            commit: settle("committed"),
            rollback: settle("rolledBack")
          }
        }),
      close: Effect.void
    }

    const control: FakeControl = {
      queries: Effect.sync(() => [...queries]),
      transactions: Effect.sync(() => transactions.map((tx) => ({ ...tx }))),
      unexpected: Effect.sync(() => [...unexpected]),
      answer: (...more) => Effect.sync(() => void (added = [...more.toReversed(), ...added])),
      reset: Effect.sync(() => {
        added = []
        uses.clear()
        queries = []
        unexpected = []
        transactions = []
      })
    }
    return { driver: TestingDriver.makeDriver(backend), control }
  })

/**
 * The fake driver as `Neo4j`, with its controls as {@link FakeNeo4j}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFake = (rules: ReadonlyArray<Rule>, options?: FakeOptions): Layer.Layer<Neo4j.Neo4j | FakeNeo4j> =>
  Layer.effectContext(
    Effect.map(makeFake(rules, options), ({ control, driver }) =>
      Context.make(Neo4j.Neo4j, driver).pipe(Context.add(FakeNeo4j, control)))
  )

/**
 * The queries the fake received so far.
 *
 * @since 0.1.0
 * @category accessors
 */
export const sentQueries: Effect.Effect<ReadonlyArray<SentQuery>, never, FakeNeo4j> = FakeNeo4j.use((f) => f.queries)

/**
 * The transactions the fake opened so far, with their outcomes.
 *
 * @since 0.1.0
 * @category accessors
 */
export const sentTransactions: Effect.Effect<ReadonlyArray<SentTransaction>, never, FakeNeo4j> = FakeNeo4j.use((f) =>
  f.transactions
)

// ---------------------------------------------------------------------------------------------
// A real server
// ---------------------------------------------------------------------------------------------

/**
 * The server {@link layerServer} connected to, and where it came from.
 *
 * @since 0.1.0
 * @category services
 */
export class TestServer extends Context.Service<TestServer, {
  readonly uri: string
  readonly username: string
  readonly source: "options" | "env" | "container" | "start"
}>()("effect-neo4j/Neo4jTesting/TestServer") {}

/**
 * A driver connected to a real server, for `@effect/vitest`'s `layer(...)`: the server named in
 * code, else `NEO4J_URI`, else a `neo4j:5.26` container when testcontainers finds a container
 * runtime, else the server `start` launches. What the layer started stops with it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServer = (options: ServerOptions = {}): Layer.Layer<Neo4j.Neo4j | TestServer, Neo4jError> =>
  Layer.effectContext(
    Effect.gen(function*() {
      const server = yield* TestingServer.resolveServer(options)
      const driver = yield* Neo4j.make({
        ...options.driver,
        uri: server.uri,
        username: server.username,
        password: server.password
      })
      yield* driver.verifyConnectivity()
      return Context.make(Neo4j.Neo4j, driver).pipe(
        Context.add(TestServer, { uri: server.uri, username: server.username, source: server.source })
      )
    })
  )

/**
 * Runs `self` with a `Neo4j` whose every query (`executeQuery`, sessions, transaction functions,
 * explicit transactions) runs in one transaction of the real driver, rolled back at the end
 * whatever the outcome: a test leaves no data behind. Transactions inside are views of that one:
 * their commit and rollback do nothing. Not for schema changes (Neo4j does not mix them with
 * writes in one transaction), `CALL {...} IN TRANSACTIONS`, or work that must see its own commit
 * from another connection; and a failed query fails the whole transaction, as Neo4j does.
 *
 * @since 0.1.0
 * @category combinators
 */
export const rolledBack = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  config?: Neo4jSession.SessionConfig
): Effect.Effect<A, E | Neo4jError, Neo4j.Neo4j | Exclude<R, Neo4j.Neo4j>> =>
  Effect.scoped(
    Effect.gen(function*() {
      const driver = yield* Neo4j.Neo4j
      const serverInfo = yield* driver.getServerInfo(config?.database === undefined ? {} : { database: config.database })
      const session = yield* driver.session(config)
      const tx = yield* session.beginTransaction()
      yield* Effect.addFinalizer(() => Effect.ignore(tx.rollback))
      let views = 0
      const view: TestingDriver.Backend = {
        serverInfo,
        retry: Schedule.recurs(0),
        autoCommit: (query, parameters) => tx.run(query, parameters),
        begin: () =>
          Effect.sync(() => ({
            id: ++views,
            run: (query: string, parameters: Neo4jSession.Parameters) => tx.run(query, parameters),
            commit: Effect.void,
            rollback: Effect.void
          })),
        close: Effect.void
      }
      return yield* Effect.provideService(self, Neo4j.Neo4j, TestingDriver.makeDriver(view)) as Effect.Effect<
        A,
        E,
        Exclude<R, Neo4j.Neo4j>
      >
    })
  )
