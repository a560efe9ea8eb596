/**
 * With a tracing backend installed, every public operation opens a span with OpenTelemetry database
 * attributes; the query text only when asked for; credentials never. With Effect's default
 * in-memory tracer, none is opened.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { inject } from "vitest"
import * as Neo4j from "../../src/Neo4j.ts"
import { recordingTracer } from "../support/recordingTracer.ts"

const servers = inject("neo4jServers")

describe.each(servers.map((server) => [server.name, server] as const))("spans against %s", (_name, server) => {
  it.live("public operations open spans with database attributes", () =>
    Effect.gen(function*() {
      const { layer, spans } = recordingTracer()
      yield* Effect.gen(function*() {
        yield* Neo4j.verifyConnectivity
        yield* Neo4j.executeQuery("RETURN $secret AS s", { secret: "p4ss" }, { database: "neo4j" })
        yield* Neo4j.executeWrite((tx) => tx.run("RETURN 1"))
        const session = yield* Neo4j.session()
        yield* session.run("RETURN 2")
      }).pipe(
        Effect.scoped,
        Effect.provide(Neo4j.layer({ uri: server.uri, username: server.username, password: server.password })),
        Effect.provide(layer)
      )
      const byName = new Map(spans.map((s) => [s.name, s]))
      for (const name of ["Neo4j.verifyConnectivity", "Neo4j.executeQuery", "Neo4jSession.executeWrite", "Neo4jSession.run"]) {
        assert.isTrue(byName.has(name), `missing span ${name}; got ${[...byName.keys()].join(", ")}`)
      }
      const query = byName.get("Neo4j.executeQuery")!
      assert.strictEqual(query.attributes.get("db.system.name"), "neo4j")
      assert.strictEqual(query.attributes.get("db.namespace"), "neo4j")
      assert.strictEqual(query.attributes.get("db.operation.name"), "executeQuery")
      assert.strictEqual(query.attributes.get("server.address"), server.host)
      assert.strictEqual(query.attributes.get("server.port"), server.port)
      assert.isFalse(query.attributes.has("db.query.text"), "query text is opt-in")
      for (const span of spans) {
        for (const value of span.attributes.values()) {
          assert.notInclude(String(value), server.password)
          assert.notInclude(String(value), "p4ss")
        }
      }
    }))

  it.live("the query text is traced when traceQueryText is on", () =>
    Effect.gen(function*() {
      const { layer, spans } = recordingTracer()
      yield* Neo4j.executeQuery("RETURN 'traced' AS t").pipe(
        Effect.provide(Neo4j.layer({ uri: server.uri, username: server.username, password: server.password, traceQueryText: true })),
        Effect.provide(layer)
      )
      const query = spans.find((s) => s.name === "Neo4j.executeQuery")!
      assert.strictEqual(query.attributes.get("db.query.text"), "RETURN 'traced' AS t")
    }))

  it.live("with Effect's default tracer no span is opened and the caller's span is left alone", () =>
    Effect.gen(function*() {
      const caller = yield* Effect.currentSpan
      const inside = yield* Neo4j.executeWrite((tx) =>
        Effect.andThen(tx.run("RETURN 1"), Effect.map(Effect.currentSpan, (span) => span.name)))
      yield* Neo4j.executeQuery("RETURN 1")
      const session = yield* Neo4j.session()
      const inRun = yield* Effect.map(session.run("RETURN 2"), () => caller.attributes.size)
      return { inside, attributes: [...caller.attributes.keys()], inRun }
    }).pipe(
      Effect.withSpan("caller"),
      Effect.scoped,
      Effect.provide(Neo4j.layer({ uri: server.uri, username: server.username, password: server.password })),
      Effect.map(({ attributes, inRun, inside }) => {
        assert.strictEqual(inside, "caller", "the work function runs in the caller's span")
        assert.deepStrictEqual(attributes, [], "executeQuery did not annotate the caller's span")
        assert.strictEqual(inRun, 0)
      })
    ))
})
