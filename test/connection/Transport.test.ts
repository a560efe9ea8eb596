/**
 * The socket transport against a real loopback server: bytes taken synchronously once received,
 * the pause above the high-water mark (a server sending more than asked for), the end of the
 * connection delivered after the bytes before it, and connection failures as typed errors.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Net from "node:net"
import * as Transport from "../../src/connection/Transport.ts"
import { Neo4jConnectionError } from "../../src/Neo4jError.ts"

/** A loopback server whose connections are handed to `onConnection`; closed with the scope. */
const server = (onConnection: (socket: Net.Socket) => void) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly port: number; readonly server: Net.Server }>((resume) => {
      const s = Net.createServer(onConnection)
      s.listen(0, "127.0.0.1", () => resume(Effect.succeed({ port: (s.address() as Net.AddressInfo).port, server: s })))
    }),
    ({ server }) => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
  )

const openTo = (port: number) =>
  Transport.open({ address: { host: "127.0.0.1", port }, connectTimeout: Duration.seconds(5) })

const concat = (pieces: ReadonlyArray<Uint8Array>): Array<number> => pieces.flatMap((p) => Array.from(p))

/** Pulls until `n` bytes arrived. */
const pullBytes = (transport: Transport.Transport, n: number) =>
  Effect.gen(function*() {
    const out: Array<number> = []
    while (out.length < n) out.push(...concat(yield* transport.pull))
    return out
  })

describe("Transport", () => {
  it.live("takes received bytes without waiting, and waits when there are none", () =>
    Effect.scoped(Effect.gen(function*() {
      const { port } = yield* server((socket) => socket.end(Buffer.from([1, 2, 3])))
      const transport = yield* openTo(port)
      assert.strictEqual(transport.take(), undefined, "nothing received yet")
      assert.deepStrictEqual(yield* pullBytes(transport, 3), [1, 2, 3])
    })))

  it.live("delivers the bytes sent before the peer closed, then fails as Closed", () =>
    Effect.scoped(Effect.gen(function*() {
      const { port } = yield* server((socket) => socket.end(Buffer.from([7, 8])))
      const transport = yield* openTo(port)
      yield* Effect.sleep(Duration.millis(50))
      const taken = transport.take()
      assert.isTrue(Array.isArray(taken), "the bytes come first")
      assert.deepStrictEqual(concat(taken as ReadonlyArray<Uint8Array>), [7, 8])
      const error = yield* Effect.flip(transport.pull)
      assert.instanceOf(error, Neo4jConnectionError)
      assert.strictEqual(error.reason, "Closed")
      assert.isFalse(transport.isOpen())
      const writeError = yield* Effect.flip(transport.write(new Uint8Array([1])))
      assert.strictEqual(writeError.reason, "Closed")
    })))

  it.live("a waiting pull fails as Closed when the peer hangs up", () =>
    Effect.scoped(Effect.gen(function*() {
      const sockets: Array<Net.Socket> = []
      const { port } = yield* server((socket) => void sockets.push(socket))
      const transport = yield* openTo(port)
      const hangUp = Effect.delay(Effect.sync(() => sockets[0]!.destroy()), Duration.millis(50))
      const [error] = yield* Effect.all([Effect.flip(transport.pull), hangUp], { concurrency: 2 })
      assert.strictEqual(error.reason, "Closed")
    })))

  it.live("pauses the socket while more than the high-water mark waits unread, resumes when taken", () =>
    Effect.scoped(Effect.gen(function*() {
      const total = 12 * 1024 * 1024
      const { port } = yield* server((socket) => {
        // Writes until the client stops reading (the kernel buffers fill), then finishes.
        socket.end(Buffer.alloc(total, 5))
      })
      const transport = yield* openTo(port)
      // Without a reader, the unread bytes stop at the high-water mark (plus what the kernel holds).
      yield* Effect.sleep(Duration.millis(300))
      const first = transport.take()
      assert.isTrue(Array.isArray(first))
      const firstBytes = (first as ReadonlyArray<Uint8Array>).reduce((n, p) => n + p.length, 0)
      assert.isAbove(firstBytes, 4 * 1024 * 1024, "reads up to the high-water mark")
      assert.isBelow(firstBytes, total, "and no further while nobody takes")
      // Taking resumes reading: everything arrives, in order and complete.
      let received = firstBytes
      while (received < total) {
        const pieces = yield* transport.pull
        for (const piece of pieces) {
          received += piece.length
          assert.isTrue(piece.every((b) => b === 5))
        }
      }
      assert.strictEqual(received, total)
    })))

  it.live("a refused connection is a typed error with reason Refused", () =>
    Effect.gen(function*() {
      // A port that was just free: nothing listens there.
      const port = yield* Effect.scoped(Effect.map(server(() => {}), (s) => s.port))
      const error = yield* Effect.flip(Effect.scoped(openTo(port)))
      assert.instanceOf(error, Neo4jConnectionError)
      assert.strictEqual(error.reason, "Refused")
      assert.include(error.message, `127.0.0.1:${port}`)
    }))
})

describe("connectionError", () => {
  const address = { host: "127.0.0.1", port: 9010 }
  const failed = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9010`), { code })

  // TestKit routing (test_should_use_resolver_during_rediscovery_when_existing_routers_fail) met a
  // stub server that accepted and reset as it exited: "connect ECONNRESET" was reason Unknown, not
  // retryable, and the transaction function gave up instead of rediscovering. The official drivers
  // report every failed connect as a retryable ServiceUnavailable.
  it.each([
    ["ECONNRESET", "Closed"],
    ["ECONNABORTED", "Closed"],
    ["EPIPE", "Closed"],
    ["ETIMEDOUT", "Timeout"],
    ["EHOSTUNREACH", "ServiceUnavailable"],
    ["ENETUNREACH", "ServiceUnavailable"],
    ["EHOSTDOWN", "ServiceUnavailable"],
    ["ENETDOWN", "ServiceUnavailable"]
  ] as const)("a TCP connect failing with %s is retryable (reason %s)", (code, reason) => {
    const error = Transport.connectionError({ _tag: "Connect", cause: failed(code), phase: "TCP connect" }, address, false)
    assert.strictEqual(error.reason, reason)
    assert.isTrue(error.isRetryable)
    assert.include(error.message, "127.0.0.1:9010")
    assert.include(error.message, code)
  })

  it("a connect failure that is no network condition stays Unknown and is not retried", () => {
    const error = Transport.connectionError({ _tag: "Connect", cause: new Error("EMFILE-free oddity"), phase: "TCP connect" }, address, false)
    assert.strictEqual(error.reason, "Unknown")
    assert.isFalse(error.isRetryable)
  })
})
