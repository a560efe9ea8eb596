/**
 * Connection set-up under faults that need no real server (issue 15, defects 1 and 4): a port that
 * accepts TCP and never answers, and a scheme that does not match the server's TLS setting. The
 * TLS-mismatch servers replay what Neo4j 5.26 was measured doing (scripts/neo4j, `--tls-level`):
 * with `tls_level=REQUIRED` a plain Bolt preamble is answered by closing the socket without a byte
 * (~0.1 s); with `tls_level=DISABLED` a TLS ClientHello is answered the same way (~0.3 s).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import * as Net from "node:net"
import * as Neo4j from "../../src/Neo4j.ts"
import { Neo4jConnectionError } from "../../src/Neo4jError.ts"

const PASSWORD = "fault-secret-pw"

/** A loopback server running `onConnection` per socket, for the life of the test's scope. */
const listen = (onConnection: (socket: Net.Socket) => void) =>
  Effect.acquireRelease(
    Effect.callback<Net.Server>((resume) => {
      const server = Net.createServer((socket) => {
        socket.on("error", () => {})
        onConnection(socket)
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.sync(() => server.close())
  ).pipe(Effect.map((server) => (server.address() as Net.AddressInfo).port))

/** Accepts and never writes (a half-dead server, a busy proxy, a wrong port). */
const silentServer = (sockets: Set<Net.Socket>) =>
  listen((socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })

/** Closes the connection as soon as the client sends anything (as measured from Neo4j, see above). */
const closesOnFirstBytes = listen((socket) => socket.once("data", () => socket.end()))

/**
 * A TLS-only server: completes TLS handshakes (self-signed certificate), and closes a plain
 * connection at its first bytes, as Neo4j with `tls_level=REQUIRED` does.
 */
const tlsOnlyServer = Effect.gen(function*() {
  const Tls = yield* Effect.promise(() => import("node:tls"))
  const { cert, key } = yield* Effect.promise(() => selfSigned())
  const tlsServer = Tls.createServer({ cert, key }, (socket) => socket.on("error", () => {}))
  return yield* listen((socket) =>
    socket.once("data", (first: Buffer) => {
      // 0x16: a TLS handshake record; anything else (the Bolt magic) is closed.
      if (first[0] !== 0x16) return void socket.end()
      socket.pause()
      socket.unshift(first)
      tlsServer.emit("connection", socket)
    })
  )
})

/** A certificate for localhost, made with openssl (as scripts/neo4j does for the embedded server). */
const selfSigned = async () => {
  const { execFileSync } = await import("node:child_process")
  const { mkdtempSync, readFileSync } = await import("node:fs")
  const { join } = await import("node:path")
  const { tmpdir } = await import("node:os")
  const dir = mkdtempSync(join(tmpdir(), "fault-tls-"))
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")
  ], { stdio: "ignore" })
  return { cert: readFileSync(join(dir, "cert.pem")), key: readFileSync(join(dir, "key.pem")) }
}

const layer = (uri: string, extra: Partial<Parameters<typeof Neo4j.layer>[0]> = {}) =>
  Neo4j.layer({ uri, username: "neo4j", password: PASSWORD, connectionTimeout: "1 second", ...extra })

const elapsedOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const started = Date.now()
    const exit = yield* Effect.exit(effect)
    return { exit, ms: Date.now() - started }
  })

const connectionErrorOf = (exit: import("effect").Exit.Exit<unknown, unknown>): Neo4jConnectionError => {
  assert.strictEqual(exit._tag, "Failure")
  const error = exit._tag === "Failure" ? (exit.cause.reasons[0] as { error?: unknown } | undefined)?.error : undefined
  assert.instanceOf(error, Neo4jConnectionError)
  return error as Neo4jConnectionError
}

describe("connection set-up is bounded by connectionTimeout (defect 1)", () => {
  it.live("a server that accepts TCP and never answers: Timeout naming the Bolt handshake, within the bound", () =>
    Effect.gen(function*() {
      const sockets = new Set<Net.Socket>()
      const port = yield* silentServer(sockets)
      const { exit, ms } = yield* elapsedOf(
        Neo4j.verifyConnectivity.pipe(Effect.provide(layer(`bolt://127.0.0.1:${port}`)), Effect.timeout("8 seconds"))
      )
      const error = connectionErrorOf(exit)
      assert.strictEqual(error.reason, "Timeout")
      assert.isTrue(error.isRetryable)
      assert.match(error.message, /Bolt handshake/)
      assert.notInclude(error.message, PASSWORD)
      assert.isAtLeast(ms, 900)
      assert.isBelow(ms, 3_000, `took ${ms} ms`)
    }), 15_000)

  it.live("each hung connect frees its pool slot: a pool of 2 gives 6 callers Timeout, never AcquisitionTimeout", () =>
    Effect.gen(function*() {
      const sockets = new Set<Net.Socket>()
      const port = yield* silentServer(sockets)
      const program = Effect.gen(function*() {
        const exits = yield* Effect.forEach(
          Array.from({ length: 6 }, () => Effect.exit(Neo4j.executeQuery("RETURN 1", {}, { retry: Schedule.recurs(0) }))),
          (each) => each,
          { concurrency: "unbounded" }
        )
        const stats = yield* Neo4j.poolStats
        return { exits, stats }
      })
      const { exit, ms } = yield* elapsedOf(program.pipe(
        Effect.provide(layer(`bolt://127.0.0.1:${port}`, {
          maxConnectionPoolSize: 2,
          connectionAcquisitionTimeout: "5 seconds",
          verifyConnectivity: false // the queries' connects, not the layer's
        })),
        Effect.timeout("10 seconds")
      ))
      assert.strictEqual(exit._tag, "Success")
      if (exit._tag !== "Success") return
      const reasons = exit.value.exits.map((each) => connectionErrorOf(each).reason)
      assert.deepStrictEqual(reasons, Array(6).fill("Timeout"))
      // Three waves of two connects, each bounded by 1 s.
      assert.isBelow(ms, 5_000, `took ${ms} ms`)
      for (const address of exit.value.stats) {
        assert.strictEqual(address.inUse + address.creating, 0, JSON.stringify(address))
      }
    }), 20_000)
})

describe("a scheme that does not match the server's TLS fails fast, not retried (defect 4)", () => {
  it.live("bolt:// to a TLS-only server", () =>
    Effect.gen(function*() {
      const port = yield* tlsOnlyServer
      const { exit, ms } = yield* elapsedOf(
        Neo4j.executeQuery("RETURN 1").pipe(Effect.provide(layer(`bolt://127.0.0.1:${port}`)), Effect.timeout("10 seconds"))
      )
      const error = connectionErrorOf(exit)
      assert.strictEqual(error.reason, "Tls")
      assert.isFalse(error.isRetryable)
      assert.match(error.message, /bolt\+s:\/\//)
      assert.isBelow(ms, 1_000, `took ${ms} ms`)
    }))

  it.live("bolt+ssc:// to a plain server", () =>
    Effect.gen(function*() {
      const port = yield* closesOnFirstBytes
      const { exit, ms } = yield* elapsedOf(
        Neo4j.executeQuery("RETURN 1").pipe(Effect.provide(layer(`bolt+ssc://127.0.0.1:${port}`)), Effect.timeout("10 seconds"))
      )
      const error = connectionErrorOf(exit)
      assert.strictEqual(error.reason, "Tls")
      assert.isFalse(error.isRetryable)
      assert.match(error.message, /bolt:\/\//)
      assert.isBelow(ms, 1_000, `took ${ms} ms`)
    }))

  it.live("a port that closes every connection at once (a proxy before a server that is down) stays retryable", () =>
    Effect.gen(function*() {
      const port = yield* closesOnFirstBytes
      const exit = yield* Neo4j.executeQuery("RETURN 1", {}, { retry: Schedule.recurs(0) }).pipe(
        Effect.provide(layer(`bolt://127.0.0.1:${port}`)),
        Effect.exit
      )
      const error = connectionErrorOf(exit)
      assert.strictEqual(error.reason, "Closed")
      assert.isTrue(error.isRetryable)
    }))
})
