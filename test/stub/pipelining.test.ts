/**
 * The pipelining shape of `executeQuery` and of a transaction's first query (issue 13: the seam
 * must keep it; the bench's sequential and concurrent workloads measure it). Each script receives
 * every request of the exchange before it answers any: a driver that waited for an answer before
 * sending the next request would never be answered and the test would time out.
 */
import { describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Neo4j from "../../src/Neo4j.ts"
import { drive, driverLayer, valueOf } from "./driverHelpers.ts"
import { C, S } from "./Script.ts"
import * as Stub from "./Script.ts"
import * as StubServer from "./StubServer.ts"

const QUERY = "RETURN 1 AS n"
const runSuccess = S.success({ fields: ["n"], t_first: 1 })
const records = (type: "r" | "w") => S.messages({ _tag: "RECORD", values: [1] }, { _tag: "SUCCESS", metadata: { type, t_last: 1 } })

describe("pipelining", () => {
  it.effect("executeQuery as a read with fetchSize -1 sends BEGIN, RUN, PULL and COMMIT before waiting for any answer", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          C.begin(Stub.partial({ mode: "r" })),
          C.run(QUERY),
          C.pull(Stub.partial({ n: -1 })),
          C.commit(),
          S.success(),
          runSuccess,
          records("r"),
          S.success({ bookmark: "bm:read" })
        )
      )
      const query = Neo4j.executeQuery(QUERY, {}, { routing: "READ" })
      valueOf((yield* drive(query.pipe(Effect.provide(driverLayer(server, { fetchSize: -1 }))))).exit)
    }))

  it.effect("executeQuery as a read with a fetch size sends BEGIN, RUN and PULL {n: fetch size}, COMMIT once the result is in", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          C.begin(Stub.partial({ mode: "r" })),
          C.run(QUERY),
          C.pull(Stub.partial({ n: 1000 })),
          S.success(),
          runSuccess,
          records("r"),
          C.commit(),
          S.success({ bookmark: "bm:read" })
        )
      )
      const query = Neo4j.executeQuery(QUERY, {}, { routing: "READ" })
      valueOf((yield* drive(query.pipe(Effect.provide(driverLayer(server))))).exit)
    }))

  it.effect("executeQuery as a write sends BEGIN, RUN and PULL before waiting for any answer", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          C.begin(Stub.partial({ mode: Stub.absent })),
          C.run(QUERY),
          C.pull(Stub.partial({ n: 1000 })),
          S.success(),
          runSuccess,
          records("w"),
          C.commit(),
          S.success({ bookmark: "bm:write" })
        )
      )
      valueOf((yield* drive(Neo4j.executeQuery(QUERY).pipe(Effect.provide(driverLayer(server))))).exit)
    }))

  it.effect("a transaction function's BEGIN travels with its first RUN and PULL", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          C.begin(),
          C.run(QUERY),
          C.pull(),
          S.success(),
          runSuccess,
          records("w"),
          C.commit(),
          S.success({ bookmark: "bm:tx" })
        )
      )
      const work = Neo4j.executeWrite((tx) => tx.run(QUERY))
      valueOf((yield* drive(work.pipe(Effect.provide(driverLayer(server))))).exit)
    }))
})
