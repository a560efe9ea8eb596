/**
 * A scripted Bolt server for tests: it listens on a loopback port, plays a script of expected
 * client messages and server replies on each connection it accepts, records what it received, and
 * reports every divergence (a wrong message, a script not played to the end, an extra connection).
 *
 * ```ts
 * const server = yield* StubServer.make(
 *   Stub.connection(Stub.handshakeAndHello(), Stub.autoCommit("RETURN 1 AS n", { records: [{ n: 1 }] }))
 * )
 * // ... run the driver against server.uri ...
 * yield* server.done
 * ```
 *
 * `make` ties the server to the scope: closing it checks the scripts (unless `verifyOnClose` is
 * false) and shuts the server down. Several servers run side by side (a cluster: routers, readers
 * and writers on their own ports); scripts may be added after start with `server.script(...)`, so a
 * routing table can name servers created later.
 */
import { Data, Effect } from "effect"
import type { Scope } from "effect"
import * as Net from "node:net"
import type { ReceivedMessage } from "./Player.ts"
import { ConnectionPlayer, formatProposal } from "./Player.ts"
import type { ConnectionScript, ScriptEntry } from "./Script.ts"
import type { RequestName } from "./Wire.ts"

/**
 * A script divergence, an incomplete script, an extra connection, or a wait that timed out. The
 * message holds the whole report (expected vs actual and each conversation).
 */
export class StubScriptError extends Data.TaggedError("StubScriptError")<{
  readonly message: string
  readonly problems: ReadonlyArray<string>
}> {}

/**
 * Options of a stub server.
 */
export interface StubServerOptions {
  /** shown in reports, e.g. `"router"` or `"reader-1"` */
  readonly name?: string | undefined
  /** loopback address to listen on (default 127.0.0.1) */
  readonly host?: string | undefined
  /**
   * On a divergence, answer the client with a FAILURE (`Neo.DatabaseError.Stub.ScriptDivergence`,
   * not retryable) that explains it before closing (default true), so the driver's error shows the
   * cause; false just closes the connection.
   */
  readonly answerDivergence?: boolean | undefined
  /** A GOODBYE after the last step (and the client closing) is fine (default true). */
  readonly allowTrailingGoodbye?: boolean | undefined
  /** How long `done` waits (real time) for connections to finish their scripts (default 1000 ms). */
  readonly graceMillis?: number | undefined
  /** How long an optional client message followed by server steps is waited for (default 50 ms). */
  readonly optionalWindowMillis?: number | undefined
  /** Closing the scope verifies the scripts and fails the test (a defect) if any problem (default true). */
  readonly verifyOnClose?: boolean | undefined
}

/**
 * Defaults of {@link StubServerOptions}.
 */
export const STUB_DEFAULTS = {
  HOST: "127.0.0.1",
  GRACE_MILLIS: 1_000,
  OPTIONAL_WINDOW_MILLIS: 50,
  /** how long `waitFor` waits (real time) before failing */
  WAIT_MILLIS: 5_000,
  /** let the OS choose a free port */
  ANY_PORT: 0
} as const

/**
 * What a test sees of one accepted connection.
 */
export interface ConnectionReport {
  readonly index: number
  /** the name of the script it played, if named */
  readonly script: string | undefined
  readonly state: string
  /** `major.minor` agreed in the handshake */
  readonly version: string | undefined
  /** the client's handshake proposals, e.g. `["manifest-v1", "5.8-5.6", "5.4-5.0", "4.4"]` */
  readonly proposals: ReadonlyArray<string>
  /** whether the version was agreed through manifest v1 */
  readonly manifest: boolean
  readonly received: ReadonlyArray<ReceivedMessage>
  readonly clientClosed: boolean
}

/**
 * A running stub server.
 */
export interface StubServer {
  readonly name: string
  readonly host: string
  readonly port: number
  /** `127.0.0.1:<port>`, as routing tables list servers */
  readonly address: string
  /** `bolt://127.0.0.1:<port>` */
  readonly uri: string
  /** `neo4j://127.0.0.1:<port>` with an optional routing context as the query string */
  readonly routingUri: (context?: Readonly<Record<string, string>>) => string
  /** connections accepted so far (unexpected ones, closed at once, included) */
  readonly connectionCount: number
  readonly connections: ReadonlyArray<ConnectionReport>
  /** every message received, connection by connection in order of acceptance */
  readonly received: ReadonlyArray<ReceivedMessage>
  /** the received messages with this name */
  readonly messages: (name: RequestName) => ReadonlyArray<ReceivedMessage>
  /** the problems found so far (divergences, extra connections) */
  readonly problems: ReadonlyArray<string>
  /** every connection's conversation, `C:`/`S:` lines */
  readonly transcript: () => string
  /** adds connection scripts (before the connections that play them arrive) */
  readonly script: (...entries: ReadonlyArray<ScriptEntry>) => void
  /** waits (real time, at most `timeoutMillis`) until `condition` holds */
  readonly waitFor: (
    label: string,
    condition: (server: StubServer) => boolean,
    timeoutMillis?: number
  ) => Effect.Effect<void, StubScriptError>
  /** waits until `count` messages named `name` arrived */
  readonly waitForMessages: (name: RequestName, count: number, timeoutMillis?: number) => Effect.Effect<void, StubScriptError>
  /** waits (within the grace period) for every script to be played, then fails with every problem */
  readonly done: Effect.Effect<void, StubScriptError>
  /** fails now with every problem (no waiting) */
  readonly assertComplete: Effect.Effect<void, StubScriptError>
  /** Promise form of `done` */
  readonly completion: () => Promise<void>
  /** stops listening and drops every connection */
  readonly close: () => Promise<void>
}

interface ResolvedOptions {
  readonly answerDivergence: boolean
  readonly allowTrailingGoodbye: boolean
  readonly graceMillis: number
  readonly optionalWindowMillis: number
  readonly verifyOnClose: boolean
}

interface EntryState {
  readonly entry: ScriptEntry
  readonly used: Map<ConnectionScript, number>
  /** connections of an any-order group not yet bound to one of its scripts */
  reserved: number
}

const scriptsOf = (entry: ScriptEntry): ReadonlyArray<ConnectionScript> => (entry._tag === "AnyOrder" ? entry.scripts : [entry])

let nextServerNumber = 0

class StubServerImpl implements StubServer {
  readonly name: string
  readonly host: string
  port = 0
  readonly #options: ResolvedOptions
  readonly #entries: Array<EntryState> = []
  readonly #players: Array<ConnectionPlayer> = []
  readonly #problems: Array<string> = []
  #accepted = 0
  readonly #listeners = new Set<() => void>()
  readonly #server: Net.Server
  #closed = false

  constructor(options: StubServerOptions) {
    this.name = options.name ?? `stub-${++nextServerNumber}`
    this.host = options.host ?? STUB_DEFAULTS.HOST
    this.#options = {
      answerDivergence: options.answerDivergence ?? true,
      allowTrailingGoodbye: options.allowTrailingGoodbye ?? true,
      graceMillis: options.graceMillis ?? STUB_DEFAULTS.GRACE_MILLIS,
      optionalWindowMillis: options.optionalWindowMillis ?? STUB_DEFAULTS.OPTIONAL_WINDOW_MILLIS,
      verifyOnClose: options.verifyOnClose ?? true
    }
    this.#server = Net.createServer((socket) => this.#accept(socket))
  }

  get verifyOnClose(): boolean {
    return this.#options.verifyOnClose
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject)
      this.#server.listen(STUB_DEFAULTS.ANY_PORT, this.host, () => {
        this.port = (this.#server.address() as Net.AddressInfo).port
        resolve()
      })
    })
  }

  get label(): string {
    return `stub server "${this.name}" (${this.address})`
  }

  get address(): string {
    return `${this.host}:${this.port}`
  }

  get uri(): string {
    return `bolt://${this.address}`
  }

  routingUri = (context?: Readonly<Record<string, string>>): string => {
    const query = context === undefined ? "" : new URLSearchParams(context).toString()
    return `neo4j://${this.address}${query === "" ? "" : `?${query}`}`
  }

  get connectionCount(): number {
    return this.#accepted
  }

  get connections(): ReadonlyArray<ConnectionReport> {
    return this.#players.map((p) => ({
      index: p.index,
      script: p.script?.name,
      state: p.state,
      version: p.version === undefined ? undefined : `${p.version.major}.${p.version.minor}`,
      proposals: p.proposals.map(formatProposal),
      manifest: p.manifest,
      received: p.received,
      clientClosed: p.clientClosed
    }))
  }

  get received(): ReadonlyArray<ReceivedMessage> {
    return this.#players.flatMap((p) => p.received)
  }

  messages = (name: RequestName): ReadonlyArray<ReceivedMessage> => this.received.filter((m) => m.name === name)

  get problems(): ReadonlyArray<string> {
    return this.#problems
  }

  transcript = (): string =>
    [`${this.label}: ${this.#accepted} connection(s)`, ...this.#players.map((p) => p.describe())].join("\n")

  script = (...entries: ReadonlyArray<ScriptEntry>): void => {
    for (const entry of entries) this.#entries.push({ entry, used: new Map(), reserved: 0 })
    this.notify()
  }

  // -- PlayerHost ------------------------------------------------------------------------------

  get allowTrailingGoodbye(): boolean {
    return this.#options.allowTrailingGoodbye
  }

  get answerDivergence(): boolean {
    return this.#options.answerDivergence
  }

  get optionalWindowMillis(): number {
    return this.#options.optionalWindowMillis
  }

  problem(report: string): void {
    this.#problems.push(report)
    this.notify()
  }

  notify(): void {
    // Deleting from a Set while iterating it is safe: a listener may remove itself.
    for (const listener of this.#listeners) listener()
  }

  claim(script: ConnectionScript): boolean {
    const state = this.#entries.find((e) => scriptsOf(e.entry).includes(script))
    if (state === undefined) return false
    const used = state.used.get(script) ?? 0
    if (used >= script.max) return false
    state.used.set(script, used + 1)
    if (state.entry._tag === "AnyOrder") state.reserved--
    return true
  }

  // -- connections -----------------------------------------------------------------------------

  /**
   * The scripts a new connection may play: one, already claimed (in order of acceptance), or the
   * open scripts of an any-order group, one of which it claims once it sees what the client sends.
   */
  #assign(): { readonly candidates: ReadonlyArray<ConnectionScript>; readonly late: boolean } | undefined {
    for (const state of this.#entries) {
      if (state.entry._tag === "ConnectionScript") {
        const script = state.entry
        const used = state.used.get(script) ?? 0
        if (used >= script.max) continue
        state.used.set(script, used + 1)
        return { candidates: [script], late: false }
      }
      const open = state.entry.scripts.filter((s) => (state.used.get(s) ?? 0) < s.max)
      const capacity = open.reduce((n, s) => n + s.max - (state.used.get(s) ?? 0), 0) - state.reserved
      if (capacity <= 0) continue
      state.reserved++
      return { candidates: open, late: true }
    }
    return undefined
  }

  #accept(socket: Net.Socket): void {
    const index = this.#accepted++
    const assigned = this.#closed ? undefined : this.#assign()
    if (assigned === undefined) {
      const scripts = this.#entries.flatMap((e) => scriptsOf(e.entry)).length
      this.problem(
        `${this.label}: unexpected connection #${index} from ${socket.remoteAddress}:${socket.remotePort}: ` +
          `all ${scripts} connection script(s) are taken\n${this.transcript()}`
      )
      socket.on("error", () => {})
      socket.destroy()
      return
    }
    const player = new ConnectionPlayer(this, socket, index, assigned.candidates, assigned.late)
    this.#players.push(player)
    this.notify()
    void player.play()
  }

  // -- checks ----------------------------------------------------------------------------------

  /** Every problem: reported divergences, connections not at their end, scripts never played. */
  collectProblems(): Array<string> {
    const problems = [...this.#problems]
    for (const player of this.#players) {
      if (player.complete || player.state === "diverged") continue
      problems.push(
        `${this.label}, connection #${player.index} did not play its script to the end ` +
          `(${player.state}; waiting at ${player.waitingAt ?? "?"}):\n${indent(player.describe())}`
      )
    }
    for (const state of this.#entries) {
      for (const script of scriptsOf(state.entry)) {
        const used = state.used.get(script) ?? 0
        if (used < script.min) {
          const name = script.name === undefined ? `#${this.#entries.indexOf(state)}` : `"${script.name}"`
          problems.push(`${this.label}: connection script ${name} expected ${script.min} connection(s), got ${used}`)
        }
      }
    }
    return problems
  }

  /** Whether nothing is pending any more (all scripts played or failed, all minimums met). */
  #settled(): boolean {
    return this.#players.every((p) => p.complete || p.state === "diverged") &&
      this.#entries.every((state) => scriptsOf(state.entry).every((s) => (state.used.get(s) ?? 0) >= s.min))
  }

  /** Resolves true once `condition` holds, false after `timeoutMillis` (real time); cancellable. */
  until(condition: () => boolean, timeoutMillis: number, done: (ok: boolean) => void): () => void {
    if (condition()) {
      done(true)
      return () => {}
    }
    const check = () => {
      if (!condition()) return
      cleanup()
      done(true)
    }
    const timer = setTimeout(() => {
      cleanup()
      done(condition())
    }, timeoutMillis)
    const cleanup = () => {
      clearTimeout(timer)
      this.#listeners.delete(check)
    }
    this.#listeners.add(check)
    return cleanup
  }

  waitFor = (
    label: string,
    condition: (server: StubServer) => boolean,
    timeoutMillis: number = STUB_DEFAULTS.WAIT_MILLIS
  ): Effect.Effect<void, StubScriptError> =>
    Effect.callback<void, StubScriptError>((resume) => {
      const cancel = this.until(() => condition(this), timeoutMillis, (ok) => {
        if (ok) return resume(Effect.void)
        const message = `${this.label}: timed out after ${timeoutMillis} ms waiting for ${label}\n${this.transcript()}`
        resume(Effect.fail(new StubScriptError({ message, problems: [message, ...this.#problems] })))
      })
      return Effect.sync(cancel)
    })

  waitForMessages = (name: RequestName, count: number, timeoutMillis?: number): Effect.Effect<void, StubScriptError> =>
    this.waitFor(`${count} ${name} message(s)`, () => this.messages(name).length >= count, timeoutMillis)

  completion = (): Promise<void> =>
    new Promise<void>((resolve) => {
      this.until(() => this.#settled(), this.#options.graceMillis, () => resolve())
    }).then(() => {
      const problems = this.collectProblems()
      if (problems.length > 0) throw toError(problems)
    })

  get done(): Effect.Effect<void, StubScriptError> {
    return Effect.tryPromise({
      try: () => this.completion(),
      catch: (error) => (error instanceof StubScriptError ? error : toError([String(error)]))
    })
  }

  get assertComplete(): Effect.Effect<void, StubScriptError> {
    return Effect.suspend(() => {
      const problems = this.collectProblems()
      return problems.length === 0 ? Effect.void : Effect.fail(toError(problems))
    })
  }

  close = (): Promise<void> => {
    if (this.#closed) return Promise.resolve()
    this.#closed = true
    for (const player of this.#players) player.abort()
    this.#listeners.clear()
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }
}

const indent = (text: string): string => text.split("\n").map((line) => `  ${line}`).join("\n")

const toError = (problems: ReadonlyArray<string>): StubScriptError =>
  new StubScriptError({
    message: `The stub server script was not followed (${problems.length} problem(s)):\n\n${problems.join("\n\n")}`,
    problems
  })

const entriesOf = (scripts: ScriptEntry | ReadonlyArray<ScriptEntry> | undefined): ReadonlyArray<ScriptEntry> =>
  scripts === undefined ? [] : Array.isArray(scripts) ? scripts : [scripts as ScriptEntry]

/**
 * Starts a stub server (Promise flavour); call `close()` when done.
 */
export const start = async (
  scripts?: ScriptEntry | ReadonlyArray<ScriptEntry>,
  options: StubServerOptions = {}
): Promise<StubServer> => {
  const server = new StubServerImpl(options)
  server.script(...entriesOf(scripts))
  await server.listen()
  return server
}

/**
 * Starts a stub server in the current scope. Closing the scope verifies the scripts (a defect that
 * fails the test, with the full report, unless `verifyOnClose: false`) and shuts the server down.
 */
export const make = (
  scripts?: ScriptEntry | ReadonlyArray<ScriptEntry>,
  options: StubServerOptions = {}
): Effect.Effect<StubServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const server = new StubServerImpl(options)
      server.script(...entriesOf(scripts))
      await server.listen()
      return server
    }),
    (server) =>
      Effect.promise(async () => {
        const problems = server.verifyOnClose
          ? await server.completion().then(() => [], (error: unknown) => (error instanceof StubScriptError ? [error] : []))
          : []
        await server.close()
        return problems
      }).pipe(Effect.flatMap((problems) => (problems.length === 0 ? Effect.void : Effect.die(problems[0]))))
  )

/**
 * Runs `program` and then waits for the server's scripts to be played. When the program fails and
 * the server saw a divergence, the failure is the divergence report (the root cause) rather than
 * the driver's error it led to.
 */
export const verify = <A, E, R>(
  server: StubServer,
  program: Effect.Effect<A, E, R>
): Effect.Effect<A, E | StubScriptError, R> =>
  Effect.matchCauseEffect(program, {
    onFailure: (cause): Effect.Effect<never, E | StubScriptError> =>
      server.problems.length > 0 ? Effect.fail(toError(server.problems)) : Effect.failCause(cause),
    onSuccess: (value) => Effect.as(server.done, value)
  })
