/**
 * A routing driver for stub-server cluster tests: the real driver core (pool, Bolt connections,
 * sessions, transaction functions with their retries) with every acquisition going through the
 * router.
 *
 * Once `src/internal/driver.ts` has the routing hook (a `router` on the driver, `acquire` returning
 * a lease `{ connection, route, database }`), the driver is used as it is and only the routes it
 * hands out are recorded. Until then `acquire` is replaced here by the same steps the hook takes
 * (select a route, report a failed lease to the router, acquire a connection to the route), and
 * `wired` is false: the session then names its own database in BEGIN/RUN and sends no bookmarks
 * with ROUTE, and the tests expect that.
 */
import { Effect, Exit, Schedule, type Scope } from "effect"
import type { BoltConnection } from "../../src/connection/BoltConnection.ts"
import * as Driver from "../../src/internal/driver.ts"
import * as ResolvedConfig from "../../src/internal/config.ts"
import type { Neo4jError } from "../../src/Neo4jError.ts"
import * as Neo4jSession from "../../src/Neo4jSession.ts"
import { make as makeSession } from "../../src/internal/session.ts"
import type * as Rediscovery from "../../src/routing/Rediscovery.ts"
import * as Router from "../../src/routing/Router.ts"

/** Retries without delays: stub servers answer at once, and the tests run on the TestClock. */
export const FAST_RETRIES = 3

export interface ClusterDriver {
  readonly driver: Driver.Driver
  readonly router: Router.Router
  /** Whether the driver itself routes (the hook is wired), rather than this harness. */
  readonly wired: boolean
  /** Every route handed out, in order. */
  readonly routes: Array<Router.Route>
  readonly session: (config?: Neo4jSession.SessionConfig) => Neo4jSession.Session
}

interface WiredDriver {
  readonly router?: Router.Router
}

interface WiredLease {
  readonly route: Router.Route
}

const settings = (uri: string, options: { readonly resolver?: Rediscovery.Resolver; readonly maxConnectionPoolSize?: number }) =>
  ResolvedConfig.resolve({
    uri,
    username: "neo4j",
    password: "secret",
    retry: Schedule.recurs(FAST_RETRIES),
    maxConnectionPoolSize: options.maxConnectionPoolSize,
    // An option of the wired driver; typed loosely so that this file compiles before it exists.
    ...(options.resolver === undefined ? {} : { resolver: options.resolver } as object)
  })

/**
 * Whether the driver routes by itself (the hook is wired). Building a driver opens no connection,
 * so this is known before any test runs; tests of what only the wired driver does skip without it.
 */
export const WIRED: boolean = Effect.runSync(
  Effect.scoped(Effect.flatMap(Effect.fromResult(settings("neo4j://127.0.0.1:7687", {})), (config) =>
    Effect.map(Driver.make(config), (driver) => (driver as unknown as WiredDriver).router !== undefined)))
)

/** A driver for `uri` (a `neo4j://` URI of a stub server). It connects only when first used. */
export const make = (
  uri: string,
  options: { readonly resolver?: Rediscovery.Resolver; readonly maxConnectionPoolSize?: number } = {}
) =>
  Effect.gen(function*() {
    const config = yield* Effect.fromResult(settings(uri, options))
    const core = yield* Driver.make(config)
    const routes: Array<Router.Route> = []
    const own = (core as unknown as WiredDriver).router
    if (own !== undefined) {
      const acquire = (request: Driver.AcquireRequest) =>
        Effect.tap(core.acquire(request), (lease) => Effect.sync(() => void routes.push((lease as unknown as WiredLease).route)))
      const driver: Driver.Driver = { ...core, acquire: acquire as unknown as Driver.Driver["acquire"] }
      return {
        driver,
        router: own,
        wired: true,
        routes,
        session: (sessionConfig?: Neo4jSession.SessionConfig) => makeSession(driver, sessionConfig)
      } satisfies ClusterDriver
    }
    const router = yield* Router.forDriver({
      uri: config.uri,
      pool: core.pool,
      acquire: (address) => core.pool.acquire(address),
      resolver: options.resolver
    })
    const acquire = (request: Driver.AcquireRequest): Effect.Effect<BoltConnection, Neo4jError, Scope.Scope> =>
      Effect.gen(function*() {
        const route = yield* router.select(request)
        routes.push(route)
        yield* Effect.addFinalizer((exit) => (Exit.isFailure(exit) ? router.onFailure(route, exit.cause) : Effect.void))
        return yield* core.pool.acquire(route.address)
      })
    const driver: Driver.Driver = { ...core, acquire: acquire as unknown as Driver.Driver["acquire"] }
    return {
      driver,
      router,
      wired: false,
      routes,
      session: (sessionConfig?: Neo4jSession.SessionConfig) => makeSession(driver, sessionConfig)
    } satisfies ClusterDriver
  })
