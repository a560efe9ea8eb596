/**
 * Deviations from the official drivers that TestKit found (issue 14), kept as regression tests on
 * the project's own stub server, so the project keeps them without TestKit.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Neo4j from "../../src/Neo4j.ts"
import { drive, driverLayer, valueOf } from "./driverHelpers.ts"
import * as Stub from "./Script.ts"
import * as StubServer from "./StubServer.ts"

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
        const result = valueOf((yield* drive(query.pipe(Effect.provide(driverLayer(server, { fetchSize: 2 }))))).exit)
        assert.deepStrictEqual(result.records.map((r) => r.get("n")), [1, 2, 3])
        assert.deepStrictEqual(server.messages("PULL").map((m) => m.fields[0]), [{ n: 2 }, { n: 2 }])
      }))
  }
})
