/**
 * The `domainNameResolver` hook: every connection dials the hosts it gives for the URI's (or a
 * routing table's) host name, in order, until one connects; an empty answer or a failure is a
 * `DnsFailure` connection error.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Neo4j from "../../src/Neo4j.ts"
import { Neo4jConnectionError, Neo4jUsageError } from "../../src/Neo4jError.ts"
import { drive, driverLayer, errorOf, valueOf } from "./driverHelpers.ts"
import * as Stub from "./Script.ts"
import * as StubServer from "./StubServer.ts"

const query = Effect.scoped(Effect.flatMap(Neo4j.session(), (s) => s.run("RETURN 1 AS n")))

describe("domainNameResolver", () => {
  it.effect("dials the hosts it gives, in order, until one connects (a refused one is skipped)", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(Stub.handshakeAndHello(), Stub.autoCommit("RETURN 1 AS n", { records: [{ n: 1 }] }))
      )
      const asked: Array<string> = []
      const layer = driverLayer(server, {
        uri: `bolt://db.invalid:${server.port}`,
        verifyConnectivity: false,
        // 127.0.0.2 refuses: the stub server listens on 127.0.0.1 only.
        domainNameResolver: (host) => Effect.sync(() => (asked.push(host), ["127.0.0.2", server.host]))
      })
      const result = valueOf((yield* drive(query.pipe(Effect.provide(layer)))).exit)
      assert.deepStrictEqual(result.records.map((r) => r.get("n")), [1])
      assert.deepStrictEqual(asked, ["db.invalid"])
      assert.strictEqual(server.connectionCount, 1)
    }))

  for (
    const [what, answer] of [
      ["no host", Effect.succeed([])],
      ["a failure", Effect.fail(new Neo4jUsageError({ message: "no such name" }))]
    ] as const
  ) {
    it.effect(`answering ${what}: a DnsFailure connection error, nothing dialled`, () =>
      Effect.gen(function*() {
        const server = yield* StubServer.make([])
        const layer = driverLayer(server, {
          uri: `bolt://db.invalid:${server.port}`,
          verifyConnectivity: false,
          domainNameResolver: () => answer
        })
        const error = errorOf((yield* drive(query.pipe(Effect.provide(layer)))).exit)
        assert.instanceOf(error, Neo4jConnectionError)
        assert.strictEqual((error as Neo4jConnectionError).reason, "DnsFailure")
        assert.include(error.message, "db.invalid")
        assert.strictEqual(server.connectionCount, 0)
      }))
  }
})
