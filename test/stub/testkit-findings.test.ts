/**
 * Deviations from the official drivers that TestKit found (issue 14), kept as regression tests on
 * the project's own stub server, so the project keeps them without TestKit.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, type Scope } from "effect"
import * as Neo4j from "../../src/Neo4j.ts"
import type { Neo4jOptions } from "../../src/Neo4jConfig.ts"
import type { Neo4jResultError } from "../../src/Neo4jError.ts"
import type * as Neo4jSession from "../../src/Neo4jSession.ts"
import * as Neo4jTemporal from "../../src/Neo4jTemporal.ts"
import { drive, driverLayer, valueOf } from "./driverHelpers.ts"
import { C, S } from "./Script.ts"
import * as Stub from "./Script.ts"
import * as StubServer from "./StubServer.ts"

/** Runs `program` against the driver for `server`; its value (the test fails unless it succeeds). */
const succeeds = <A, E>(
  server: StubServer.StubServer,
  program: Effect.Effect<A, E, Neo4j.Neo4j>,
  options: Partial<Neo4jOptions> = {}
) => Effect.map(drive(program.pipe(Effect.provide(driverLayer(server, options)))), (driven) => valueOf(driven.exit))

describe("executeQuery", () => {
  for (const routing of ["READ", "WRITE"] as const) {
    it.effect(`pulls in batches of the configured fetch size (${routing})`, () =>
      Effect.gen(function*() {
        // The official drivers pull `{n: fetchSize}` in executeQuery too, not `{n: -1}`.
        const server = yield* StubServer.make(
          Stub.connection(
            Stub.handshakeAndHello(),
            Stub.transaction({
              queries: [{ query: "UNWIND [1, 2, 3] AS n RETURN n", records: [{ n: 1 }, { n: 2 }, { n: 3 }], batchSize: 2, pull: { n: 2 } }]
            })
          )
        )
        const query = Neo4j.executeQuery("UNWIND [1, 2, 3] AS n RETURN n", {}, { routing })
        const result = yield* succeeds(server, query, { fetchSize: 2 })
        assert.deepStrictEqual(result.records.map((r) => r.get("n")), [1, 2, 3])
        assert.deepStrictEqual(server.messages("PULL").map((m) => m.fields[0]), [{ n: 2 }, { n: 2 }])
      }))
  }
})

const session = <A>(
  program: (s: Neo4jSession.Session) => Effect.Effect<A, unknown, Scope.Scope | Neo4j.Neo4j>,
  config: Neo4jSession.SessionConfig = { fetchSize: 2 }
) => Effect.scoped(Effect.flatMap(Neo4j.session(config), program))

describe("a failed query ends its transaction", () => {
  it.effect("rollback after a failed RUN succeeds and sends no ROLLBACK", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          C.begin(), S.success(),
          C.run("RETURN 1 AS n", {}, {}), S.failure("Neo.ClientError.Statement.SyntaxError"),
          C.pull(), S.ignored(),
          Stub.reset()
        )
      )
      const program = session((s) =>
        Effect.scoped(Effect.gen(function*() {
          const tx = yield* s.beginTransaction()
          const error = yield* Effect.flip(tx.cursor("RETURN 1 AS n"))
          assert.strictEqual(error._tag, "Neo4jClientError")
          yield* tx.rollback
          // Later work on the transaction fails without a message to the server.
          assert.isTrue((yield* Effect.flip(tx.commit))._tag === "Neo4jClientError")
        }))
      )
      yield* succeeds(server, program)
      assert.deepStrictEqual(server.messages("ROLLBACK"), [])
    }))

  it.effect("the other results of a failed transaction send no more PULL and end with the failure", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          C.begin(), S.success(),
          C.run("RETURN 1 AS n", {}, {}), S.success({ fields: ["n"], qid: 1 }),
          C.pull({ n: 2 }), S.records([[1], [2]]), S.success({ has_more: true }),
          C.run("invalid", {}, {}), S.failure("Neo.ClientError.Statement.SyntaxError"),
          C.pull({ n: 2 }), S.ignored(),
          Stub.reset()
        )
      )
      const program = session((s) =>
        Effect.scoped(Effect.gen(function*() {
          const tx = yield* s.beginTransaction()
          const first = yield* tx.cursor("RETURN 1 AS n")
          assert.deepStrictEqual(first.keys, ["n"])
          yield* Effect.flip(tx.cursor("invalid"))
          // The records already received stay readable, then the transaction's failure.
          assert.strictEqual(Option.getOrThrow(yield* first.next).get("n"), 1)
          assert.strictEqual(Option.getOrThrow(yield* first.next).get("n"), 2)
          const error = yield* Effect.flip(first.next)
          assert.strictEqual((error as { code?: string }).code, "Neo.ClientError.Statement.SyntaxError")
          assert.strictEqual((yield* Effect.flip(first.consume))._tag, "Neo4jClientError")
          yield* tx.rollback
        }))
      )
      yield* succeeds(server, program)
      assert.strictEqual(server.messages("PULL").length, 2)
      assert.deepStrictEqual(server.messages("DISCARD"), [])
      assert.deepStrictEqual(server.messages("ROLLBACK"), [])
    }))
})

describe("an ended transaction gives its connection back at once, not when its scope closes", () => {
  // TestKit routing *_after_leader_switch_using_tx_run and *_rediscover_when_all_connections_fail_*:
  // the test never closes the transaction, and the server expects RESET (or the connection's reuse).
  const held = Effect.map(Neo4j.poolStats, (stats) => stats.map(({ idle, inUse }) => ({ idle, inUse })))

  it.effect("a failed transaction: RESET, and the connection is idle while the transaction's scope is still open", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          C.begin(), S.success(),
          C.run("CREATE ()", {}, {}), S.failure("Neo.ClientError.Cluster.NotALeader"),
          C.pull(), S.ignored(),
          Stub.reset()
        )
      )
      const program = session((s) =>
        Effect.scoped(Effect.gen(function*() {
          const tx = yield* s.beginTransaction()
          yield* Effect.flip(tx.cursor("CREATE ()"))
          assert.strictEqual(server.messages("RESET").length, 1)
          assert.deepStrictEqual(yield* held, [{ idle: 1, inUse: 0 }])
          assert.isFalse(yield* tx.isOpen)
        })),
        {} // the driver's default fetch size
      )
      yield* succeeds(server, program)
    }))

  it.effect("a committed transaction: the session's next transaction runs on the same connection", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          Stub.transaction({ queries: [{ query: "RETURN 1 AS n", records: [{ n: 1 }] }], bookmark: "bm:1" }),
          Stub.transaction({ queries: [{ query: "RETURN 1 AS n", records: [{ n: 1 }] }], bookmark: "bm:2" })
        )
      )
      const program = session((s) =>
        Effect.scoped(Effect.gen(function*() {
          const first = yield* s.beginTransaction()
          yield* first.run("RETURN 1 AS n")
          yield* first.commit
          assert.deepStrictEqual(yield* held, [{ idle: 1, inUse: 0 }])
          const second = yield* s.beginTransaction()
          const result = yield* second.run("RETURN 1 AS n")
          yield* second.commit
          return result.records[0]!.get("n")
        })),
        {} // the driver's default fetch size
      )
      assert.strictEqual(yield* succeeds(server, program), 1)
      assert.strictEqual(server.connectionCount, 1)
    }))
})

describe("ResultCursor", () => {
  it.effect("auto-commit: keys at once, records on demand, consume discards the rest and gives the summary", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          C.run("UNWIND range(1, 10) AS n RETURN n", {}, Stub.any), S.success({ fields: ["n"] }),
          C.pull({ n: 2 }), S.records([[1], [2]]), S.success({ has_more: true }),
          Stub.optional(C.pull({ n: 2 }), S.records([[3], [4]]), S.success({ has_more: true })),
          C.discard({ n: -1 }), S.success({ type: "r", bookmark: "bm:after" })
        )
      )
      const program = session((s) =>
        Effect.gen(function*() {
          const cursor = yield* s.cursor("UNWIND range(1, 10) AS n RETURN n")
          assert.deepStrictEqual(cursor.keys, ["n"])
          assert.strictEqual(Option.getOrThrow(yield* cursor.peek).get("n"), 1)
          assert.strictEqual(Option.getOrThrow(yield* cursor.next).get("n"), 1)
          const summary = yield* cursor.consume
          assert.strictEqual(summary.queryType, "r")
          assert.isFalse(yield* cursor.isOpen)
          assert.isTrue(Option.isNone(yield* cursor.next))
          assert.deepStrictEqual(yield* s.lastBookmarks, ["bm:after"])
        })
      )
      yield* succeeds(server, program)
    }))

  it.effect("auto-commit: closing the scope of an unfinished result discards the rest", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          C.run("RETURN 1 AS n", {}, Stub.any), S.success({ fields: ["n"] }),
          Stub.many(C.pull({ n: 2 }), S.records([[1], [2]]), S.success({ has_more: true })),
          C.discard({ n: -1 }), S.success({ type: "r" })
        )
      )
      const program = session((s) => Effect.flatMap(s.cursor("RETURN 1 AS n"), (cursor) => cursor.next))
      yield* succeeds(server, program)
      assert.strictEqual(server.messages("DISCARD").length, 1)
    }))

  it.effect("single fails unless exactly one record is left; list reads the rest", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          Stub.autoCommit("RETURN 1 AS n", { records: [{ n: 1 }], pull: { n: 2 } }),
          Stub.autoCommit("UNWIND [1, 2, 3] AS n RETURN n", { records: [{ n: 1 }, { n: 2 }, { n: 3 }], pull: { n: 2 }, batchSize: 2 })
        )
      )
      const program = session((s) =>
        Effect.gen(function*() {
          const one = yield* s.cursor("RETURN 1 AS n")
          assert.strictEqual((yield* one.single).get("n"), 1)
          const three = yield* s.cursor("UNWIND [1, 2, 3] AS n RETURN n")
          yield* three.next
          assert.deepStrictEqual((yield* three.list).map((r) => r.get("n")), [2, 3])
          assert.strictEqual((yield* Effect.flip(three.single))._tag, "Neo4jResultError")
        })
      )
      yield* succeeds(server, program)
    }))
})

describe("a value the driver cannot represent", () => {
  // A DateTime in a zone the runtime does not know: the stub encodes it as given.
  const unknownZone = new Neo4jTemporal.DateTime(0, 0, 3600, "Europe/Neo4j")
  const known = new Neo4jTemporal.DateTime(0, 3_600_000_000_000, 1800)

  it.effect("fails its record with Neo4jResultError; the records around it stay readable, the transaction commits", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          C.begin(), S.success(),
          C.run("RETURN $dt AS dt", {}, {}), S.success({ fields: ["dt"] }),
          C.pull(), S.records([[1], [unknownZone], [known]]), S.success({ type: "r" }),
          C.commit(), S.success({ bookmark: "bm:1" })
        )
      )
      const program = Neo4j.executeRead((tx) =>
        Effect.gen(function*() {
          const cursor = yield* tx.cursor("RETURN $dt AS dt")
          assert.strictEqual(Option.getOrThrow(yield* cursor.next).get("dt"), 1)
          const error = yield* Effect.flip(cursor.next)
          assert.strictEqual(error._tag, "Neo4jResultError")
          assert.strictEqual((error as Neo4jResultError).reason, "UndecodableValue")
          assert.include(error.message, "Europe/Neo4j")
          const after = Option.getOrThrow(yield* cursor.next).get("dt") as Neo4jTemporal.DateTime
          assert.strictEqual(after.offsetSeconds, 1800)
          assert.isTrue(Option.isNone(yield* cursor.next))
        })
      )
      yield* succeeds(server, program)
      assert.strictEqual(server.messages("COMMIT").length, 1)
    }))

  it.effect("fails an eager result without breaking the connection; work that fails on it rolls back", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          C.begin(), S.success(),
          C.run("RETURN $dt AS dt", {}, {}), S.success({ fields: ["dt"] }),
          C.pull(), S.records([[unknownZone]]), S.success({ type: "r" }),
          C.rollback(), S.success(),
          Stub.autoCommit("RETURN 1 AS n", { records: [{ n: 1 }] })
        )
      )
      const program = Effect.gen(function*() {
        const error = yield* Effect.flip(Neo4j.executeRead((tx) => tx.run("RETURN $dt AS dt")))
        assert.strictEqual((error as Neo4jResultError).reason, "UndecodableValue")
        // The same connection serves the next query.
        return yield* Effect.scoped(Effect.flatMap(Neo4j.session(), (s) => s.run("RETURN 1 AS n")))
      })
      yield* succeeds(server, program)
      assert.strictEqual(server.connectionCount, 1)
    }))
})

describe("summary", () => {
  it.effect("an unknown query type fails the result with a protocol error", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(Stub.handshakeAndHello(), Stub.autoCommit("RETURN 1 AS n", { records: [{ n: 1 }], summary: { type: "wr" } }))
      )
      const program = session((s) => Effect.flip(s.run("RETURN 1 AS n")))
      const error = yield* succeeds(server, program)
      assert.strictEqual((error as { _tag: string })._tag, "Neo4jProtocolError")
    }))
})

describe("qid", () => {
  it.effect("PULL leaves out the qid of the transaction's latest query and names an earlier one's", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          C.begin(), S.success(),
          C.run("RETURN 1 AS n", {}, {}), S.success({ fields: ["n"], qid: 1 }),
          C.pull({ n: 2 }), S.records([[1], [2]]), S.success({ has_more: true }),
          C.pull({ n: 2 }), S.records([[3], [4]]), S.success({ has_more: true }),
          C.run("RETURN 2 AS m", {}, {}), S.success({ fields: ["m"], qid: 2 }),
          C.pull({ n: 2 }), S.records([[1]]), S.success({ type: "r" }),
          C.pull({ n: 2, qid: 1 }), S.records([[5]]), S.success({ type: "r" }),
          C.commit(), S.success({ bookmark: "bm:1" })
        )
      )
      const program = session((s) =>
        Effect.scoped(Effect.gen(function*() {
          const tx = yield* s.beginTransaction()
          const first = yield* tx.cursor("RETURN 1 AS n")
          yield* first.next
          yield* first.next
          yield* first.next
          const second = yield* tx.cursor("RETURN 2 AS m")
          yield* second.consume
          assert.deepStrictEqual((yield* first.list).map((r) => r.get("n")), [4, 5])
          yield* tx.commit
        }))
      )
      yield* succeeds(server, program)
    }))
})
