/**
 * Opening each driver of the bench with its settings (effect-neo4j and the wrapped driver through
 * their `Layer`s). Each side's modules are imported only when that side is opened: a memory worker
 * holds one driver.
 *
 * @since 0.1.0
 */
import type { WorkerConfig } from "./worker.ts"
import { CONCURRENCY } from "./workloads.ts"

/**
 * The driver settings of the bench, for a pool of `poolSize` connections at `uri`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const driverSettings = (config: WorkerConfig, uri = config.uri, poolSize = CONCURRENCY) => ({
  uri,
  username: config.username,
  password: config.password,
  fetchSize: config.fetchSize,
  poolSize
})

/**
 * Settings of one driver instance.
 *
 * @since 0.1.0
 * @category models
 */
export type DriverSettings = ReturnType<typeof driverSettings>

// Each side's modules are imported only when that side runs: a memory worker holds one driver.

/**
 * effect-neo4j built through `Neo4j.layer` in a scope of its own; `close` closes the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const openOursDriver = async (s: DriverSettings) => {
  // By module path, as effect-neo4j itself does: the `effect` index would load every module of the package.
  const Effect = await import("effect/Effect")
  const Exit = await import("effect/Exit")
  const Layer = await import("effect/Layer")
  const Services = await import("effect/Context")
  const Scope = await import("effect/Scope")
  const Neo4j = await import("../../src/Neo4j.ts")
  const scope = await Effect.runPromise(Scope.make())
  const services = await Effect.runPromise(
    Layer.buildWithScope(
      Neo4j.layer({ uri: s.uri, username: s.username, password: s.password, fetchSize: s.fetchSize, maxConnectionPoolSize: s.poolSize }),
      scope
    )
  )
  const driver = Services.get(services, Neo4j.Neo4j)
  await Effect.runPromise(driver.verifyConnectivity())
  return { driver, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/**
 * neo4j-driver with the bench's settings (integers as JS numbers, as effect-neo4j returns them).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeOfficialDriver = async (s: DriverSettings) => {
  const { default: neo4j } = await import("neo4j-driver")
  return () =>
    neo4j.driver(s.uri, neo4j.auth.basic(s.username, s.password), {
      fetchSize: s.fetchSize,
      maxConnectionPoolSize: s.poolSize,
      disableLosslessIntegers: true
    })
}

/**
 * neo4j-driver wrapped in Effect, built through the wrapper's `Layer` in a scope of its own.
 *
 * @since 0.1.0
 * @category constructors
 */
export const openWrappedDriver = async (s: DriverSettings) => {
  const Effect = await import("effect/Effect")
  const Exit = await import("effect/Exit")
  const Layer = await import("effect/Layer")
  const Services = await import("effect/Context")
  const Scope = await import("effect/Scope")
  const Wrapped = await import("./wrapped.ts")
  const scope = await Effect.runPromise(Scope.make())
  const services = await Effect.runPromise(Layer.buildWithScope(Wrapped.layer(await makeOfficialDriver(s)), scope))
  return { driver: Services.get(services, Wrapped.OfficialNeo4j), close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/**
 * Bare neo4j-driver, connected.
 *
 * @since 0.1.0
 * @category constructors
 */
export const openOfficialDriver = async (s: DriverSettings) => {
  const driver = (await makeOfficialDriver(s))()
  await driver.verifyConnectivity()
  return { driver, close: () => driver.close() }
}

