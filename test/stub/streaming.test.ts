/**
 * Streamed results against stub servers: records arrive in order over several `PULL {n}` batches,
 * and a RECORD that does not decode fails the stream with a protocol error after the records
 * before it, without the broken connection being used again. (Streamed records are kept undecoded
 * until the consumer pulls them, so a bad one is found then, not when it arrives.)
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import * as Neo4j from "../../src/Neo4j.ts"
import { Neo4jProtocolError } from "../../src/Neo4jError.ts"
import { driverLayer, errorOf } from "./driverHelpers.ts"
import { C, S } from "./Script.ts"
import * as Stub from "./Script.ts"
import * as StubServer from "./StubServer.ts"

const QUERY = "UNWIND range(1, 7) AS id RETURN id"

/** A chunked RECORD whose one field is a STRING_8 of 5 bytes with no bytes after it. */
const BAD_RECORD = Uint8Array.of(0x00, 0x05, 0xb1, 0x71, 0x91, 0xd0, 0x05, 0x00, 0x00)

const idsOf = (seen: Array<unknown>) => (record: { get: (key: string) => unknown }) =>
  Effect.sync(() => void seen.push(record.get("id")))

describe("streamed results", () => {
  it.live("arrive in order over several PULL {n} batches", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          C.run(QUERY),
          S.success({ fields: ["id"] }),
          C.pull(Stub.partial({ n: 3 })),
          S.records([[1], [2], [3]]),
          S.success({ has_more: true }),
          C.pull(Stub.partial({ n: 3 })),
          S.records([[4], [5], [6]]),
          S.success({ has_more: true }),
          C.pull(Stub.partial({ n: 3 })),
          S.records([[7]]),
          S.success({ bookmark: "bm:1", type: "r" })
        )
      )
      const seen: Array<unknown> = []
      yield* Stream.runForEach(Neo4j.stream(QUERY), idsOf(seen)).pipe(Effect.provide(driverLayer(server, { fetchSize: 3 })))
      assert.deepStrictEqual(seen, [1, 2, 3, 4, 5, 6, 7])
      assert.strictEqual(server.messages("PULL").length, 3)
    }))

  it.live("a RECORD that does not decode fails the stream after the records before it; the connection is not reused", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make([
        Stub.connection(
          Stub.handshakeAndHello(),
          C.run(QUERY),
          S.success({ fields: ["id"] }),
          C.pull(Stub.partial({ n: 3 })),
          S.records([[1], [2]]),
          S.raw(BAD_RECORD, "<RECORD with a truncated string>"),
          S.success({ has_more: true }),
          Stub.optional(Stub.reset())
        ),
        Stub.connection(
          Stub.handshakeAndHello(),
          C.run("RETURN 1 AS n"),
          S.success({ fields: ["n"] }),
          C.pull(),
          S.records([[1]]),
          S.success({ bookmark: "bm:2", type: "r" })
        )
      ])
      const seen: Array<unknown> = []
      const program = Effect.gen(function*() {
        const exit = yield* Effect.exit(Stream.runForEach(Neo4j.stream(QUERY), idsOf(seen)))
        const next = yield* Neo4j.session().pipe(
          Effect.flatMap((session) => session.run("RETURN 1 AS n")),
          Effect.scoped
        )
        return { exit, n: next.records[0]!.get("n") }
      })
      const { exit, n } = yield* program.pipe(Effect.provide(driverLayer(server, { fetchSize: 3 })))
      assert.deepStrictEqual(seen, [1, 2])
      assert.isTrue(Exit.isFailure(exit))
      const error = errorOf(exit)
      assert.instanceOf(error, Neo4jProtocolError)
      assert.include(error.message, "truncated")
      assert.strictEqual(n, 1)
      assert.strictEqual(server.connectionCount, 2)
    }))
})
