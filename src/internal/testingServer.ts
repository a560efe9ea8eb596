/**
 * Where the testing kit's real server comes from, in this order: a URI given in code, `NEO4J_URI`
 * (+ `NEO4J_USERNAME`, `NEO4J_PASSWORD`) through the current `ConfigProvider`, a Neo4j container
 * when `testcontainers` is installed and a container runtime answers, and last a `start` function
 * the caller supplies (the repository's embedded launcher, for example). The first that works is
 * used; the reasons the others were passed over are kept for the error message.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { Neo4jUsageError } from "../Neo4jError.ts"
import type { ServerOptions, StartedServer } from "../Neo4jTesting.ts"

/** A server the tests may use; `stop` ends what this module started. */
export interface TestServer {
  readonly uri: string
  readonly username: string
  readonly password: Redacted.Redacted<string> | undefined
  readonly source: "options" | "env" | "container" | "start"
}

/** The image tried when testcontainers is available. */
export const DEFAULT_IMAGE = "neo4j:5.26"
const DEFAULT_USERNAME = "neo4j"
/** A missing container engine fails within milliseconds; a hung socket must not stall a test run. */
const CONTAINER_PROBE_TIMEOUT_MS = 5_000
const PASSWORD_BYTES = 12

const redact = (password: string | Redacted.Redacted<string> | undefined) =>
  password === undefined ? undefined : Redacted.isRedacted(password) ? password : Redacted.make(password)

const fromEnvironment = Effect.gen(function*() {
  const { envConfig } = yield* Effect.promise(() => import("./envConfig.ts"))
  return yield* Effect.option(envConfig)
})

// The container modules are optional: a project without them simply skips this source.
const importContainers = Effect.tryPromise({
  try: async () => {
    const [core, neo4j] = await Promise.all([import("testcontainers"), import("@testcontainers/neo4j")])
    return { core, neo4j }
  },
  catch: (cause) => `testcontainers is not installed (${String(cause)})`
})

const fromContainer = (image: string): Effect.Effect<TestServer, string, Scope.Scope> =>
  Effect.gen(function*() {
    const { core, neo4j } = yield* importContainers
    yield* Effect.tryPromise({ try: () => core.getContainerRuntimeClient(), catch: (cause) => `no container runtime (${String(cause)})` })
      .pipe(Effect.timeoutOrElse({
        duration: CONTAINER_PROBE_TIMEOUT_MS,
        orElse: () => Effect.fail(`no container runtime answered within ${CONTAINER_PROBE_TIMEOUT_MS} ms`)
      }))
    // A secret, so from the platform's CSPRNG rather than Effect's (seedable) Random.
    const bytes = yield* Effect.sync(() => globalThis.crypto.getRandomValues(new Uint8Array(PASSWORD_BYTES)))
    const password = Buffer.from(bytes).toString("base64url")
    const container = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => new neo4j.Neo4jContainer(image).withPassword(password).start(),
        catch: (cause) => `the container ${image} did not start (${String(cause)})`
      }),
      (started) => Effect.promise(() => started.stop().then(() => undefined))
    )
    return {
      uri: container.getBoltUri(),
      username: container.getUsername(),
      password: Redacted.make(password),
      source: "container" as const
    }
  })

const fromStart = (start: () => Promise<StartedServer>): Effect.Effect<TestServer, string, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.tryPromise({ try: start, catch: (cause) => `start() failed (${String(cause)})` }),
      (started) => Effect.promise(() => started.stop())
    ),
    (started) => ({
      uri: started.uri,
      username: started.username ?? DEFAULT_USERNAME,
      password: redact(started.password),
      source: "start" as const
    })
  )

/** The first source that gives a server; it lives (and a started one runs) until the scope closes. */
export const resolveServer = (options: ServerOptions): Effect.Effect<TestServer, Neo4jUsageError, Scope.Scope> =>
  Effect.gen(function*() {
    if (options.uri !== undefined) {
      return {
        uri: options.uri,
        username: options.username ?? DEFAULT_USERNAME,
        password: redact(options.password),
        source: "options" as const
      }
    }
    const env = yield* fromEnvironment
    if (Option.isSome(env)) {
      return { uri: env.value.uri, username: env.value.username ?? DEFAULT_USERNAME, password: redact(env.value.password), source: "env" as const }
    }
    const passedOver: Array<string> = ["NEO4J_URI is not set"]
    if (options.container !== false) {
      const container = yield* Effect.result(fromContainer(options.container ?? DEFAULT_IMAGE))
      if (container._tag === "Success") return container.success
      passedOver.push(container.failure)
    } else {
      passedOver.push("containers are turned off")
    }
    if (options.start !== undefined) {
      const started = yield* Effect.result(fromStart(options.start))
      if (started._tag === "Success") return started.success
      passedOver.push(started.failure)
    } else {
      passedOver.push("no start function was given")
    }
    return yield* new Neo4jUsageError({
      message: `Neo4jTesting: no Neo4j server for the tests: ${passedOver.join("; ")}. Set NEO4J_URI ` +
        `(with NEO4J_USERNAME, NEO4J_PASSWORD), install testcontainers with a container runtime, or pass ` +
        `a start function (an embedded launcher).`
    })
  })
