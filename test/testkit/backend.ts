/**
 * The TestKit backend: a TCP server (TEST_BACKEND_PORT, default 9876) that TestKit drives with
 * `#request begin` / JSON / `#request end` blocks (nutkit/backend/backend.py), answering each
 * with one `#response begin` block. It drives the driver through its public API only.
 *
 * Requests are handled concurrently: while a driver call waits on a callback (a retryable work
 * function, a bookmark supplier, a token manager, a resolver), the backend sends TestKit the
 * callback request as a response and keeps reading; the completion arrives as the next request.
 *
 * Results: SessionRun and TransactionRun open a `ResultCursor` (keys once the query has started,
 * records on demand, summary at the end); the Result* requests map to its methods. An auto-commit
 * cursor lives in its session's scope, so closing the session discards what is left.
 */
import * as net from "node:net"
import { Duration, Effect, Exit, Cause, Option, Scope } from "effect"
import {
  Neo4j,
  Neo4jAuth,
  Neo4jBookmarks,
  Neo4jConfig,
  type Neo4jRecord,
  type Neo4jResult,
  type Neo4jSession,
  type Neo4jSummary,
  Neo4jValue
} from "../../src/index.ts"
import { toWireMap } from "../../src/bolt/AuthMap.ts"
import { fromDriver, paramsToDriver, type Tagged, UnsupportedValue } from "./cypher.ts"
import { features, hasSkippedSubtests, skipReason, subtestSkipReason } from "./skips.ts"

type Data = Record<string, any>
type Send = (name: string, data?: Data) => void

/** A failure of code the test controls (a retryable work function told to fail). */
class FrontendFailure extends Error {}


/** One TestKit connection: its ids for everything it created. */
class Connection {
  private nextId = 0
  private readonly drivers = new Map<string, { driver: Neo4j.Neo4j; scope: Scope.Closeable }>()
  private readonly sessions = new Map<string, { session: Neo4jSession.Session; scope: Scope.Closeable; driverId: string }>()
  private readonly txs = new Map<string, { tx: Neo4jSession.Transaction; scope: Scope.Closeable | undefined }>()
  private readonly results = new Map<string, Neo4jResult.ResultCursor>()
  private readonly errors = new Map<string, unknown>()
  private readonly bookmarkManagers = new Map<string, Neo4jBookmarks.BookmarkManager>()
  private readonly authManagers = new Map<string, Neo4jAuth.AuthTokenManager>()
  /** Callbacks waiting for TestKit's completion request, by request id (or session id). */
  private readonly waiting = new Map<string, (data: Data) => void>()
  private readonly send: Send

  constructor(send: Send) {
    this.send = send
  }

  /** TestKit closed the connection (end of a test, or a timeout): close what the test left open. */
  async closeAll(): Promise<void> {
    for (const resolve of this.waiting.values()) resolve({ positive: false })
    this.waiting.clear()
    for (const { scope } of this.sessions.values()) await Effect.runPromise(Scope.close(scope, Exit.void))
    for (const { driver, scope } of this.drivers.values()) {
      await Effect.runPromiseExit(driver.close)
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
    this.sessions.clear()
    this.drivers.clear()
  }

  private id(): string {
    return String(this.nextId++)
  }

  /** Sends a callback request to TestKit and waits for its completion. */
  private callback(name: string, data: Data, key?: string): Promise<Data> {
    const id = key ?? this.id()
    return new Promise((resolve) => {
      this.waiting.set(id, resolve)
      this.send(name, { id, ...data })
    })
  }

  private complete(id: string, data: Data): void {
    const resolve = this.waiting.get(String(id))
    this.waiting.delete(String(id))
    resolve?.(data)
  }

  private async run<A>(effect: Effect.Effect<A, unknown>): Promise<A> {
    const exit = await Effect.runPromiseExit(effect)
    if (Exit.isSuccess(exit)) return exit.value
    throw Cause.squash(exit.cause)
  }

  private sendError(error: unknown): void {
    if (error instanceof FrontendFailure) return this.send("FrontendError", { msg: error.message })
    if (error instanceof UnsupportedValue) return this.send("BackendError", { msg: error.message })
    if (typeof error === "object" && error !== null && "_tag" in error && String(error._tag).startsWith("Neo4j")) {
      const e = error as Data
      const id = this.id()
      this.errors.set(id, error)
      return this.send("DriverError", {
        id,
        errorType: e._tag + (e.reason === undefined ? "" : `:${e.reason}`),
        msg: String(e.message ?? ""),
        code: e.code ?? "",
        retryable: Boolean(e.isRetryable),
        gqlStatus: e.gqlStatus ?? null,
        statusDescription: e.gqlStatusDescription ?? null,
        diagnosticRecord: e.diagnosticRecord === undefined ? null : fromDriverMap(e.diagnosticRecord),
        classification: e.classification ?? null,
        rawClassification: e.rawClassification ?? null,
        cause: gqlCause(e.cause)
      })
    }
    this.send("BackendError", { msg: error instanceof Error ? `${error.name}: ${error.message}` : String(error) })
  }

  async handle(name: string, data: Data): Promise<void> {
    try {
      await this.dispatch(name, data)
    } catch (error) {
      this.sendError(error)
    }
  }

  private auth(token: Tagged | undefined | null): Neo4jAuth.AuthToken | undefined {
    if (token === undefined || token === null) return undefined
    const d = token.data as Data
    switch (d.scheme) {
      case "basic":
        return Neo4jAuth.basic(d.principal ?? "", d.credentials ?? "", d.realm ?? undefined)
      case "bearer":
        return Neo4jAuth.bearer(d.credentials ?? "")
      case "kerberos":
        return Neo4jAuth.kerberos(d.credentials ?? "")
      case "none":
        return Neo4jAuth.none()
      default:
        return Neo4jAuth.custom({
          scheme: d.scheme,
          principal: d.principal ?? "",
          credentials: d.credentials ?? "",
          realm: d.realm ?? undefined,
          // Plain JSON here (TestKit's AuthorizationToken.parameters), not Cypher-tagged values.
          parameters: d.parameters === undefined || d.parameters === null ? undefined : plainToDriver(d.parameters) as Data
        })
    }
  }

  private driver(id: string): Neo4j.Neo4j {
    const entry = this.drivers.get(String(id))
    if (entry === undefined) throw new Error(`no driver ${id}`)
    return entry.driver
  }

  private session(id: string) {
    const entry = this.sessions.get(String(id))
    if (entry === undefined) throw new Error(`no session ${id}`)
    return entry
  }

  private tx(id: string): Neo4jSession.Transaction {
    const entry = this.txs.get(String(id))
    if (entry === undefined) throw new Error(`no transaction ${id}`)
    return entry.tx
  }

  private result(id: string): Neo4jResult.ResultCursor {
    const entry = this.results.get(String(id))
    if (entry === undefined) throw new Error(`no result ${id}`)
    return entry
  }

  private newResult(cursor: Neo4jResult.ResultCursor): void {
    const id = this.id()
    this.results.set(id, cursor)
    this.send("Result", { id, keys: cursor.keys })
  }

  private sendRecord(record: Option.Option<Neo4jRecord.Neo4jRecord>): void {
    if (Option.isNone(record)) return this.send("NullRecord")
    this.send("Record", { values: record.value.values.map(fromDriver) })
  }

  private txConfig(d: Data): Neo4jSession.TransactionConfig {
    return {
      ...(d.timeout === undefined || d.timeout === null ? {} : { timeout: Duration.millis(Number(d.timeout)) }),
      ...(d.txMeta === undefined || d.txMeta === null ? {} : { metadata: paramsToDriver(d.txMeta) })
    }
  }

  private notifications(d: Data) {
    if (d.notificationsMinSeverity === undefined && d.notificationsDisabledCategories === undefined) return undefined
    return {
      minimumSeverity: d.notificationsMinSeverity,
      disabledClassifications: d.notificationsDisabledCategories
    }
  }

  /** A transaction function whose work is TestKit's: RetryableTry, then TestKit's verdict. */
  private retryable(sessionId: string, mode: "READ" | "WRITE", d: Data): Promise<void> {
    const { session } = this.session(sessionId)
    const work = (tx: Neo4jSession.Transaction) =>
      Effect.flatMap(
        Effect.promise(() => {
          const txId = this.id()
          this.txs.set(txId, { tx, scope: undefined })
          return new Promise<Data>((resolve) => {
            this.waiting.set(`retryable:${sessionId}`, resolve)
            this.send("RetryableTry", { id: txId })
          })
        }),
        (verdict) => {
          if (verdict.positive === true) return Effect.void
          if (verdict.errorId === undefined || verdict.errorId === "") {
            return Effect.fail(new FrontendFailure("Client said no"))
          }
          return Effect.fail(this.errors.get(String(verdict.errorId)))
        }
      )
    const config = this.txConfig(d)
    const call = mode === "READ" ? session.executeRead(work, config) : session.executeWrite(work, config)
    return this.run(call).then(() => this.send("RetryableDone", {}))
  }

  private bookmarkManager(d: Data): Neo4jBookmarks.BookmarkManager {
    const inner = Neo4jBookmarks.makeBookmarkManager(d.initialBookmarks ?? [])
    const managerId = this.id()
    const manager: Neo4jBookmarks.BookmarkManager = {
      getBookmarks: d.bookmarksSupplierRegistered === true
        ? Effect.flatMap(inner.getBookmarks, (own) =>
          Effect.map(
            Effect.promise(() => this.callback("BookmarksSupplierRequest", { bookmarkManagerId: managerId })),
            (supplied) => Array.from(new Set([...own, ...(supplied.bookmarks as Array<string>)]))
          ))
        : inner.getBookmarks,
      updateBookmarks: (previous, next) =>
        d.bookmarksConsumerRegistered === true
          ? Effect.andThen(
            inner.updateBookmarks(previous, next),
            Effect.flatMap(inner.getBookmarks, (all) =>
              Effect.asVoid(
                Effect.promise(() => this.callback("BookmarksConsumerRequest", { bookmarkManagerId: managerId, bookmarks: all }))
              ))
          )
          : inner.updateBookmarks(previous, next)
    }
    this.bookmarkManagers.set(managerId, manager)
    this.send("BookmarkManager", { id: managerId })
    return manager
  }

  private async newDriver(d: Data): Promise<void> {
    const id = this.id()
    const manager = d.authTokenManagerId === undefined || d.authTokenManagerId === null
      ? undefined
      : this.authManagers.get(String(d.authTokenManagerId))
    const auth = manager ?? this.auth(d.authorizationToken) ?? Neo4jAuth.none()
    const options: Neo4jConfig.Neo4jOptions = {
      uri: d.uri,
      auth,
      integers: "bigint",
      ...(d.userAgent ? { userAgent: d.userAgent } : {}),
      ...(d.fetchSize ? { fetchSize: d.fetchSize } : {}),
      ...(d.maxConnectionPoolSize ? { maxConnectionPoolSize: d.maxConnectionPoolSize } : {}),
      ...(d.connectionTimeoutMs ? { connectionTimeout: Duration.millis(d.connectionTimeoutMs) } : {}),
      ...(d.connectionAcquisitionTimeoutMs
        ? { connectionAcquisitionTimeout: Duration.millis(d.connectionAcquisitionTimeoutMs) }
        : {}),
      ...(d.livenessCheckTimeoutMs !== undefined && d.livenessCheckTimeoutMs !== null
        ? { connectionLivenessCheckTimeout: Duration.millis(d.livenessCheckTimeoutMs) }
        : {}),
      ...(d.maxTxRetryTimeMs !== undefined && d.maxTxRetryTimeMs !== null
        ? { retry: Neo4jConfig.defaultRetrySchedule(Duration.millis(d.maxTxRetryTimeMs)) }
        : {}),
      ...(d.telemetryDisabled === true ? { telemetry: false } : {}),
      ...(this.notifications(d) === undefined ? {} : { notifications: this.notifications(d) }),
      ...(d.resolverRegistered === true
        ? {
          resolver: (address: { readonly host: string; readonly port: number }) =>
            Effect.map(
              Effect.promise(() =>
                this.callback("ResolverResolutionRequired", { address: `${address.host}:${address.port}` })
              ),
              (done) => (done.addresses as Array<string>).map(parseAddress)
            )
        }
        : {}),
      ...(d.domainNameResolverRegistered === true
        ? {
          domainNameResolver: (host: string) =>
            Effect.map(
              Effect.promise(() => this.callback("DomainNameResolutionRequired", { name: host })),
              // An IPv6 address comes as TestKit's ifaddr tuple (ip, flowinfo, scope id).
              (done) => (done.addresses as Array<string | Array<unknown>>).map((a) => (Array.isArray(a) ? String(a[0]) : a))
            )
        }
        : {})
    }
    const scope = await Effect.runPromise(Scope.make())
    const driver = await this.run(Scope.provide(scope)(Neo4j.make(options)))
    this.drivers.set(id, { driver, scope })
    this.send("Driver", { id })
  }

  private async dispatch(name: string, d: Data): Promise<void> {
    switch (name) {
      case "StartTest": {
        const reason = skipReason(d.testName)
        if (reason !== undefined) return this.send("SkipTest", { reason })
        return this.send(hasSkippedSubtests(d.testName) ? "RunSubTests" : "RunTest")
      }
      case "StartSubTest": {
        const reason = subtestSkipReason(d.testName, d.subtestArguments ?? {})
        return reason === undefined ? this.send("RunTest") : this.send("SkipTest", { reason })
      }
      case "GetFeatures":
        return this.send("FeatureList", { features })
      case "NewDriver":
        return this.newDriver(d)
      case "DriverClose": {
        const entry = this.drivers.get(String(d.driverId))
        if (entry !== undefined) {
          await this.run(entry.driver.close)
          await Effect.runPromise(Scope.close(entry.scope, Exit.void))
        }
        return this.send("Driver", { id: d.driverId })
      }
      case "VerifyConnectivity":
        await this.run(this.driver(d.driverId).verifyConnectivity())
        return this.send("Driver", { id: d.driverId })
      case "GetServerInfo": {
        const info = await this.run(this.driver(d.driverId).getServerInfo())
        return this.send("ServerInfo", { address: info.address, agent: info.agent, protocolVersion: info.protocolVersion })
      }
      case "CheckMultiDBSupport": {
        // Every Bolt version the driver speaks (4.4+) has multiple databases.
        await this.run(this.driver(d.driverId).getServerInfo())
        return this.send("MultiDBSupport", { id: this.id(), available: true })
      }
      case "CheckSessionAuthSupport": {
        const available = await this.run(this.driver(d.driverId).supportsSessionAuth)
        return this.send("SessionAuthSupport", { id: this.id(), available })
      }
      case "CheckDriverIsEncrypted":
        return this.send("DriverIsEncrypted", { encrypted: this.driver(d.driverId).isEncrypted })
      case "VerifyAuthentication": {
        const ok = await this.run(this.driver(d.driverId).verifyAuthentication(this.auth(d.authorizationToken)))
        return this.send("DriverIsAuthenticated", { id: this.id(), authenticated: ok })
      }
      case "NewSession": {
        const id = this.id()
        const manager = d.bookmarkManagerId === undefined || d.bookmarkManagerId === null
          ? undefined
          : this.bookmarkManagers.get(String(d.bookmarkManagerId))
        const auth = this.auth(d.authorizationToken)
        const config: Neo4jSession.SessionConfig = {
          defaultAccessMode: d.accessMode === "r" ? "READ" : "WRITE",
          ...(d.database ? { database: d.database } : {}),
          ...(d.bookmarks ? { bookmarks: d.bookmarks } : {}),
          ...(d.fetchSize ? { fetchSize: d.fetchSize } : {}),
          ...(d.impersonatedUser ? { impersonatedUser: d.impersonatedUser } : {}),
          ...(manager === undefined ? {} : { bookmarkManager: manager }),
          ...(auth === undefined ? {} : { auth }),
          ...(this.notifications(d) === undefined ? {} : { notifications: this.notifications(d) })
        }
        const scope = await Effect.runPromise(Scope.make())
        const session = await this.run(Scope.provide(scope)(this.driver(d.driverId).session(config)))
        this.sessions.set(id, { session, scope, driverId: String(d.driverId) })
        return this.send("Session", { id })
      }
      case "SessionClose": {
        const entry = this.sessions.get(String(d.sessionId))
        if (entry !== undefined) await Effect.runPromise(Scope.close(entry.scope, Exit.void))
        return this.send("Session", { id: d.sessionId })
      }
      case "SessionRun": {
        const { session, scope } = this.session(d.sessionId)
        const cursor = session.cursor(d.cypher, paramsToDriver(d.params), this.txConfig(d))
        return this.newResult(await this.run(Scope.provide(scope)(cursor)))
      }
      case "SessionBeginTransaction": {
        const { session, scope: sessionScope } = this.session(d.sessionId)
        // Closing the session closes (rolls back) its open transaction.
        const scope = await Effect.runPromise(Scope.fork(sessionScope))
        const tx = await this.run(Scope.provide(scope)(session.beginTransaction(this.txConfig(d))))
        const id = this.id()
        this.txs.set(id, { tx, scope })
        return this.send("Transaction", { id })
      }
      case "SessionReadTransaction":
        return this.retryable(String(d.sessionId), "READ", d)
      case "SessionWriteTransaction":
        return this.retryable(String(d.sessionId), "WRITE", d)
      case "RetryablePositive":
        return this.complete(`retryable:${d.sessionId}`, { positive: true })
      case "RetryableNegative":
        return this.complete(`retryable:${d.sessionId}`, { positive: false, errorId: d.errorId })
      case "SessionLastBookmarks": {
        const bookmarks = await this.run(this.session(d.sessionId).session.lastBookmarks)
        return this.send("Bookmarks", { bookmarks })
      }
      case "TransactionRun":
        return this.newResult(await this.run(this.tx(d.txId).cursor(d.cypher, paramsToDriver(d.params))))
      case "TransactionCommit":
        await this.run(this.tx(d.txId).commit)
        return this.send("Transaction", { id: d.txId })
      case "TransactionRollback":
        await this.run(this.tx(d.txId).rollback)
        return this.send("Transaction", { id: d.txId })
      case "TransactionClose": {
        const entry = this.txs.get(String(d.txId))
        if (entry?.scope !== undefined) await Effect.runPromise(Scope.close(entry.scope, Exit.void))
        return this.send("Transaction", { id: d.txId })
      }
      case "ResultNext":
        return this.sendRecord(await this.run(this.result(d.resultId).next))
      case "ResultPeek":
        return this.sendRecord(await this.run(this.result(d.resultId).peek))
      case "ResultSingle": {
        const record = await this.run(this.result(d.resultId).single)
        return this.send("Record", { values: record.values.map(fromDriver) })
      }
      case "ResultList": {
        const records = await this.run(this.result(d.resultId).list)
        return this.send("RecordList", { records: records.map((r) => ({ values: r.values.map(fromDriver) })) })
      }
      case "ResultConsume":
        return this.send("Summary", summary(await this.run(this.result(d.resultId).consume)))
      case "ExecuteQuery": {
        const c: Data = d.config ?? {}
        const managerId = c.bookmarkManagerId
        const auth = this.auth(c.authorizationToken)
        const config: Neo4j.QueryConfig = {
          ...(c.database ? { database: c.database } : {}),
          ...(c.routing ? { routing: c.routing === "r" ? "READ" : "WRITE" } : {}),
          ...(c.impersonatedUser ? { impersonatedUser: c.impersonatedUser } : {}),
          ...(managerId === undefined || managerId === null
            ? {}
            : { bookmarkManager: managerId === -1 ? null : this.bookmarkManagers.get(String(managerId)) ?? null }),
          ...(auth === undefined ? {} : { auth }),
          ...this.txConfig(c)
        }
        const eager = await this.run(this.driver(d.driverId).executeQuery(d.cypher, paramsToDriver(d.params), config))
        return this.send("EagerResult", {
          keys: eager.keys,
          records: eager.records.map((r) => ({ values: r.values.map(fromDriver) })),
          summary: summary(eager.summary)
        })
      }
      case "NewBookmarkManager":
        return void this.bookmarkManager(d)
      case "BookmarkManagerClose":
        this.bookmarkManagers.delete(String(d.id))
        return this.send("BookmarkManager", { id: d.id })
      case "BookmarksSupplierCompleted":
      case "BookmarksConsumerCompleted":
      case "ResolverResolutionCompleted":
      case "DomainNameResolutionCompleted":
      case "AuthTokenManagerGetAuthCompleted":
      case "AuthTokenManagerHandleSecurityExceptionCompleted":
      case "BasicAuthTokenProviderCompleted":
      case "BearerAuthTokenProviderCompleted":
        return this.complete(d.requestId, d)
      case "NewAuthTokenManager": {
        const id = this.id()
        this.authManagers.set(id, {
          _tag: "AuthTokenManager",
          getToken: Effect.map(
            Effect.promise(() => this.callback("AuthTokenManagerGetAuthRequest", { authTokenManagerId: id })),
            (done) => this.auth(done.auth) ?? Neo4jAuth.none()
          ),
          handleSecurityError: (token, code) =>
            Effect.map(
              Effect.promise(() =>
                this.callback("AuthTokenManagerHandleSecurityExceptionRequest", {
                  authTokenManagerId: id,
                  auth: toTestkitAuth(token),
                  errorCode: code
                })
              ),
              (done) => done.handled === true
            )
        })
        return this.send("AuthTokenManager", { id })
      }
      case "NewBasicAuthTokenManager":
      case "NewBearerAuthTokenManager": {
        const id = this.id()
        const basic = name === "NewBasicAuthTokenManager"
        const provider = Effect.map(
          Effect.promise(() =>
            basic
              ? this.callback("BasicAuthTokenProviderRequest", { basicAuthTokenManagerId: id })
              : this.callback("BearerAuthTokenProviderRequest", { bearerAuthTokenManagerId: id })
          ),
          (done) => {
            if (basic) return { token: this.auth(done.auth) ?? Neo4jAuth.none() }
            const expiring = (done.auth as Tagged).data
            return {
              token: this.auth(expiring.auth as Tagged) ?? Neo4jAuth.none(),
              ...(typeof expiring.expiresInMs === "number" ? { expiresAt: Date.now() + expiring.expiresInMs } : {})
            }
          }
        )
        this.authManagers.set(id, basic ? Neo4jAuth.basicTokenManager(provider) : Neo4jAuth.bearerTokenManager(provider))
        return this.send(basic ? "BasicAuthTokenManager" : "BearerAuthTokenManager", { id })
      }
      case "AuthTokenManagerClose":
        this.authManagers.delete(String(d.id))
        return this.send("AuthTokenManager", { id: d.id })
      case "GetRoutingTable": {
        const table = await this.run(this.driver(d.driverId).routingTable(d.database ?? undefined))
        // No table known (none fetched, or the last fetch failed): the driver knows no server for the
        // database, which TestKit reads as an empty table (routing test_should_fail_on_routing_table_with_no_reader).
        if (table === undefined) {
          return this.send("RoutingTable", { database: d.database ?? null, ttl: 0, routers: [], readers: [], writers: [] })
        }
        const address = (a: { readonly host: string; readonly port: number }) => `${a.host}:${a.port}`
        return this.send("RoutingTable", {
          database: table.database ?? null,
          ttl: Math.round((table.expiresAt - table.fetchedAt) / 1000),
          routers: table.routers.map(address),
          readers: table.readers.map(address),
          writers: table.writers.map(address)
        })
      }
      case "ForcedRoutingTableUpdate":
        await this.run(this.driver(d.driverId).refreshRoutingTable({
          ...(d.database ? { database: d.database } : {}),
          ...(d.bookmarks ? { bookmarks: d.bookmarks } : {})
        }))
        return this.send("Driver", { id: d.driverId })
      case "GetConnectionPoolMetrics": {
        const stats = await this.run(this.driver(d.driverId).poolStats)
        const entry = stats.find((s) => s.address === d.address)
        return this.send("ConnectionPoolMetrics", { inUse: entry?.inUse ?? 0, idle: entry?.idle ?? 0 })
      }
      default:
        return this.send("BackendError", { msg: `missing API or not implemented in the backend: ${name}` })
    }
  }
}

/** Plain JSON to driver values: integers as INTEGER (bigint), other numbers as FLOAT. */
const plainToDriver = (value: unknown): unknown => {
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : Neo4jValue.float(value)
  if (Array.isArray(value)) return value.map(plainToDriver)
  if (typeof value === "object" && value !== null && typeof value !== "bigint") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainToDriver(v)]))
  }
  return value
}

const parseAddress = (text: string): { readonly host: string; readonly port: number } => {
  const at = text.lastIndexOf(":")
  return at < 0 ? { host: text, port: 7687 } : { host: text.slice(0, at), port: Number(text.slice(at + 1)) }
}

const toTestkitAuth = (token: Neo4jAuth.AuthToken): Tagged => ({
  name: "AuthorizationToken",
  data: toWireMap(token)
})

/** A GQL error cause as TestKit's GqlError (null for none, or for a cause that is not one). */
const gqlCause = (cause: unknown): Tagged | null => {
  if (typeof cause !== "object" || cause === null || (cause as Data)._tag !== "GqlErrorCause") return null
  const c = cause as Data
  return {
    name: "GqlError",
    data: {
      msg: c.message,
      gqlStatus: c.gqlStatus ?? null,
      statusDescription: c.description ?? null,
      diagnosticRecord: fromDriverMap(c.diagnosticRecord),
      classification: c.classification,
      rawClassification: c.rawClassification ?? null,
      cause: gqlCause(c.cause)
    }
  }
}

const fromDriverMap = (map: Readonly<Record<string, unknown>>): Record<string, Tagged> =>
  Object.fromEntries(Object.entries(map).map(([k, v]) => [k, fromDriver(v)]))

/** A driver value as plain JSON (plans carry plain values, not Cypher-typed ones). */
const plain = (value: unknown): unknown => {
  if (Neo4jValue.isFloat(value)) return value.value
  if (Array.isArray(value)) return value.map(plain)
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
  }
  return value
}

/** A plan operator in the server's form: the profile fields only where the server sent them. */
const plan = (operator: Neo4jSummary.PlanOperator | undefined): unknown =>
  operator === undefined ? null : {
    operatorType: operator.operatorType,
    identifiers: operator.identifiers,
    args: plain(operator.arguments),
    children: operator.children.map(plan),
    ...Object.fromEntries(
      (["dbHits", "rows", "pageCacheHits", "pageCacheMisses", "pageCacheHitRatio", "time"] as const)
        .filter((key) => operator[key] !== undefined)
        .map((key) => [key, operator[key]])
    )
  }

const position = (p: Neo4jSummary.InputPosition | undefined) => p === undefined ? {} : { position: p }

const summary = (s: Neo4jSummary.ResultSummary): Data => ({
  serverInfo: { address: s.server.address, agent: s.server.agent, protocolVersion: s.server.protocolVersion },
  counters: s.counters,
  database: s.database ?? null,
  query: { text: s.query.text, parameters: fromDriverMap(s.query.parameters) },
  queryType: s.queryType ?? null,
  notifications: s.notifications.map((n) => ({
    code: n.code,
    title: n.title,
    description: n.description,
    severity: n.severity,
    rawSeverityLevel: n.severity,
    severityLevel: n.severityLevel,
    rawCategory: n.category ?? "",
    category: n.classification,
    ...position(n.position)
  })),
  gqlStatusObjects: s.gqlStatusObjects.map((g) => ({
    gqlStatus: g.gqlStatus,
    statusDescription: g.statusDescription,
    position: g.position ?? null,
    classification: g.classification,
    rawClassification: g.rawClassification ?? null,
    severity: g.severity,
    rawSeverity: g.rawSeverity ?? null,
    diagnosticRecord: fromDriverMap(g.diagnosticRecord),
    isNotification: g.isNotification
  })),
  plan: plan(s.plan),
  profile: plan(s.profile),
  resultAvailableAfter: s.resultAvailableAfter ?? null,
  resultConsumedAfter: s.resultConsumedAfter ?? null
})

/** JSON with lossless integers: bigints in, bigints out (JSON source text access, Node 22). */
const parse = (text: string): unknown =>
  JSON.parse(text, (_key, value, context?: { source?: string }) =>
    typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value) && context?.source !== undefined
      ? BigInt(context.source)
      : value)

const stringify = (value: unknown): string =>
  JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? (JSON as any).rawJSON(v.toString()) : v))

const serve = (socket: net.Socket): void => {
  socket.setEncoding("utf8")
  const send: Send = (name, data = {}) => {
    if (socket.writable) socket.write(`#response begin\n${stringify({ name, data })}\n#response end\n`)
  }
  const connection = new Connection(send)
  let buffer = ""
  let request: Array<string> | undefined
  socket.on("data", (chunk: string) => {
    buffer += chunk
    let newline: number
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline).trim()
      buffer = buffer.slice(newline + 1)
      if (line === "#request begin") request = []
      else if (line === "#request end" && request !== undefined) {
        const text = request.join("\n")
        request = undefined
        let message: { name: string; data?: Data }
        try {
          message = parse(text) as { name: string; data?: Data }
        } catch (error) {
          send("BackendError", { msg: `bad request: ${String(error)}` })
          continue
        }
        void connection.handle(message.name, message.data ?? {})
      } else if (request !== undefined) request.push(line)
    }
  })
  socket.on("error", () => socket.destroy())
  socket.on("close", () => void connection.closeAll())
}

const port = Number(process.env.TEST_BACKEND_PORT ?? 9876)
const server = net.createServer(serve)
server.listen(port, "127.0.0.1", () => console.log(`testkit backend listening on 127.0.0.1:${port}`))
const stop = () => server.close(() => process.exit(0))
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
