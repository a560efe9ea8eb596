/**
 * Sessions and transactions. A session is a causally chained sequence of work against one
 * database: auto-commit queries (`run`, `stream`), explicit transactions as scoped resources
 * (`beginTransaction`: rolled back when the scope closes without a commit), and transaction
 * functions (`executeRead` / `executeWrite`) that re-run their work when the failure is transient.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type * as Auth from "./Neo4jAuth.ts"
import type * as Bookmarks from "./Neo4jBookmarks.ts"
import type * as Neo4jCypher from "./Neo4jCypher.ts"
import type { RetrySchedule } from "./Neo4jConfig.ts"
import type { Neo4jError } from "./Neo4jError.ts"
import type { Neo4jRecord } from "./Neo4jRecord.ts"
import type { EagerResult, ResultCursor } from "./Neo4jResult.ts"
import type { NotificationFilter } from "./Neo4jSummary.ts"

/**
 * Read or write: decides which server a routing driver picks and the `mode` sent to the server.
 *
 * @since 0.1.0
 * @category models
 */
export type AccessMode = "READ" | "WRITE"

/**
 * Query parameters: a map from names to values with a Cypher type.
 *
 * @since 0.1.0
 * @category models
 */
export type Parameters = Readonly<Record<string, unknown>>

/**
 * Per-transaction settings.
 *
 * @since 0.1.0
 * @category models
 */
export interface TransactionConfig {
  /** The server ends the transaction after this long (`tx_timeout`). */
  readonly timeout?: Duration.Input | undefined
  /** Attached to the transaction, visible in `SHOW TRANSACTIONS` and the query log. */
  readonly metadata?: Readonly<Record<string, unknown>> | undefined
}

/**
 * Session settings.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionConfig {
  /** Database to use (default: the driver's, else the server's home database). */
  readonly database?: string | undefined
  /** Mode of auto-commit queries and explicit transactions (default WRITE). */
  readonly defaultAccessMode?: AccessMode | undefined
  /** Bookmarks the first transaction waits for. */
  readonly bookmarks?: ReadonlyArray<string> | undefined
  /** Shares bookmarks with other sessions (the driver's default manager is used by executeQuery). */
  readonly bookmarkManager?: Bookmarks.BookmarkManager | undefined
  /** Records per PULL for this session. */
  readonly fetchSize?: number | undefined
  /** Run as this user (needs the impersonation privilege; Enterprise). */
  readonly impersonatedUser?: string | undefined
  /** Authenticate this session's work as another user (Bolt 5.1+). */
  readonly auth?: Auth.AuthToken | undefined
  /** Notification filters of this session's queries (Bolt 5.2+). */
  readonly notifications?: NotificationFilter | undefined
}

/**
 * Settings of a transaction function: the transaction's and the retry policy.
 *
 * @since 0.1.0
 * @category models
 */
export interface TransactionFunctionConfig extends TransactionConfig {
  /** Replaces the driver's retry schedule for this call. */
  readonly retry?: RetrySchedule | undefined
}

/**
 * An open explicit transaction.
 *
 * @since 0.1.0
 * @category models
 */
export interface Transaction {
  /** Runs a query and reads all its records. */
  readonly run: <T extends Record<string, unknown> = Record<string, unknown>>(
    query: string | Neo4jCypher.Statement,
    parameters?: Parameters
  ) => Effect.Effect<EagerResult<T>, Neo4jError>
  /** Runs a query and streams its records, fetched batch by batch as the consumer pulls. */
  readonly stream: <T extends Record<string, unknown> = Record<string, unknown>>(
    query: string | Neo4jCypher.Statement,
    parameters?: Parameters
  ) => Stream.Stream<Neo4jRecord<T>, Neo4jError>
  /**
   * Runs a query and gives its result once the query has started (keys known): records on demand,
   * the summary at the end (see `ResultCursor`).
   */
  readonly cursor: <T extends Record<string, unknown> = Record<string, unknown>>(
    query: string | Neo4jCypher.Statement,
    parameters?: Parameters
  ) => Effect.Effect<ResultCursor<T>, Neo4jError>
  readonly commit: Effect.Effect<void, Neo4jError>
  /**
   * Rolls back. After a query of the transaction failed, the server has ended the transaction
   * already: nothing is sent and this succeeds (the connection is reset before it is reused).
   */
  readonly rollback: Effect.Effect<void, Neo4jError>
  readonly isOpen: Effect.Effect<boolean>
}

/**
 * The transaction of a transaction function, as a service its work can require.
 *
 * @since 0.1.0
 * @category services
 */
export const Transaction: Context.Service<Transaction, Transaction> = Context.Service<Transaction>("effect-neo4j/Neo4jSession/Transaction")

/**
 * The work of a transaction function: a function of the transaction, or an Effect that requires
 * the `Transaction` service.
 *
 * @since 0.1.0
 * @category models
 */
export type TransactionWork<A, E, R> =
  | ((tx: Transaction) => Effect.Effect<A, E, R>)
  | Effect.Effect<A, E, R>

/**
 * A session.
 *
 * @since 0.1.0
 * @category models
 */
export interface Session {
  /** An auto-commit query, read to the end. */
  readonly run: <T extends Record<string, unknown> = Record<string, unknown>>(
    query: string | Neo4jCypher.Statement,
    parameters?: Parameters,
    config?: TransactionConfig
  ) => Effect.Effect<EagerResult<T>, Neo4jError>
  /** An auto-commit query whose records are streamed (PULL n on demand, DISCARD on early stop). */
  readonly stream: <T extends Record<string, unknown> = Record<string, unknown>>(
    query: string | Neo4jCypher.Statement,
    parameters?: Parameters,
    config?: TransactionConfig
  ) => Stream.Stream<Neo4jRecord<T>, Neo4jError>
  /**
   * An auto-commit query whose result is read on demand (see `ResultCursor`): it holds a
   * connection until it is read to the end or consumed; when the scope closes first, the rest is
   * discarded. A later query or transaction of the session first reads the rest into memory.
   */
  readonly cursor: <T extends Record<string, unknown> = Record<string, unknown>>(
    query: string | Neo4jCypher.Statement,
    parameters?: Parameters,
    config?: TransactionConfig
  ) => Effect.Effect<ResultCursor<T>, Neo4jError, Scope.Scope>
  /** An explicit transaction, rolled back when the scope closes unless committed. */
  readonly beginTransaction: (config?: TransactionConfig) => Effect.Effect<Transaction, Neo4jError, Scope.Scope>
  /** A read transaction function, retried on transient failures. */
  readonly executeRead: <A, E, R>(
    work: TransactionWork<A, E, R>,
    config?: TransactionFunctionConfig
  ) => Effect.Effect<A, E | Neo4jError, Exclude<R, Transaction>>
  /** A write transaction function, retried on transient failures. */
  readonly executeWrite: <A, E, R>(
    work: TransactionWork<A, E, R>,
    config?: TransactionFunctionConfig
  ) => Effect.Effect<A, E | Neo4jError, Exclude<R, Transaction>>
  /** The bookmarks of the last transaction this session committed. */
  readonly lastBookmarks: Effect.Effect<ReadonlyArray<string>>
}

/**
 * The current session, as a service.
 *
 * @since 0.1.0
 * @category services
 */
export const Session: Context.Service<Session, Session> = Context.Service<Session>("effect-neo4j/Neo4jSession/Session")

/**
 * Runs an auto-commit query in the current session.
 *
 * @since 0.1.0
 * @category accessors
 */
export const run = <T extends Record<string, unknown> = Record<string, unknown>>(
  query: string | Neo4jCypher.Statement,
  parameters?: Parameters,
  config?: TransactionConfig
): Effect.Effect<EagerResult<T>, Neo4jError, Session> => Session.use((s) => s.run<T>(query, parameters, config))

/**
 * The transaction of the current transaction function.
 *
 * @since 0.1.0
 * @category accessors
 */
export const transaction: Effect.Effect<Transaction, never, Transaction> = Transaction.useSync((tx) => tx)

/**
 * Runs a query in the transaction of the current transaction function.
 *
 * @since 0.1.0
 * @category accessors
 */
export const query = <T extends Record<string, unknown> = Record<string, unknown>>(
  text: string | Neo4jCypher.Statement,
  parameters?: Parameters
): Effect.Effect<EagerResult<T>, Neo4jError, Transaction> => Transaction.use((tx) => tx.run<T>(text, parameters))
