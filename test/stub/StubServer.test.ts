/**
 * The stub server by itself, driven by a raw Bolt client (`RawClient`: the driver's encoders and
 * decoders, not its connection layer): handshakes, scripts played to the end, divergences reported
 * with expected vs actual, extra and missing connections, injections (close, abort, delay, silence,
 * garbage, NOOP, truncated messages, FAILURE forms), optional steps, any-order pools, clusters.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import * as Handshake from "../../src/bolt/Handshake.ts"
import * as Requests from "../../src/bolt/Requests.ts"
import type * as Responses from "../../src/bolt/Responses.ts"
import * as Auth from "../../src/Neo4jAuth.ts"
import { Neo4jTransientError } from "../../src/Neo4jError.ts"
import { RawClient, type Received } from "./RawClient.ts"
import { C, Code, S } from "./Script.ts"
import * as Stub from "./Script.ts"
import * as StubServer from "./StubServer.ts"

const agent: Requests.BoltAgent = { product: "stub-test/1.0" }
const hello = (w: Parameters<typeof Requests.hello>[0], ctx: Requests.EncodeContext) =>
  Requests.hello(w, { userAgent: "stub-test/1.0", boltAgent: agent, auth: Auth.basic("neo4j", "secret") }, ctx)
const logon = (w: Parameters<typeof Requests.logon>[0], ctx: Requests.EncodeContext) =>
  Requests.logon(w, Auth.basic("neo4j", "secret"), ctx)
const run = (query: string, extra: Omit<Requests.RunInput, "query"> = {}) =>
(w: Parameters<typeof Requests.run>[0], ctx: Requests.EncodeContext) => Requests.run(w, { query, ...extra }, ctx)
const pullAll = (w: Parameters<typeof Requests.pull>[0]) => Requests.pull(w, { n: Requests.Fetch.ALL })

const tagOf = (r: Received): string => r._tag
const success = (r: Received): Readonly<Record<string, unknown>> => {
  assert.strictEqual(r._tag, "Success", `expected SUCCESS, got ${JSON.stringify(r)}`)
  return (r as Responses.SuccessMessage).metadata
}

/** A connected client that did the handshake, HELLO and LOGON. */
const connected = async (server: StubServer.StubServer): Promise<RawClient> => {
  const client = await RawClient.connect(server.port)
  const agreed = await client.handshake()
  assert.strictEqual(agreed._tag, "Agreed")
  client.send(hello, logon)
  const [h, l] = await client.receiveMany(2)
  success(h!)
  success(l!)
  return client
}

/** Starts a server whose verification the test does itself. */
const startQuiet = (scripts: Stub.ScriptEntry | ReadonlyArray<Stub.ScriptEntry>, options: StubServer.StubServerOptions = {}) =>
  StubServer.start(scripts, { graceMillis: 200, ...options })

const failureOf = async (server: StubServer.StubServer): Promise<StubServer.StubScriptError> => {
  try {
    await server.completion()
  } catch (error) {
    assert.instanceOf(error, StubServer.StubScriptError)
    return error as StubServer.StubScriptError
  }
  return assert.fail("expected the stub server to report a problem")
}

describe("handshake", () => {
  it("agrees on 5.8 through manifest v1 when the client offers it", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshake("5.8")))
    const client = await RawClient.connect(server.port)
    const agreed = await client.handshake()
    assert.strictEqual(agreed._tag, "Agreed")
    const a = agreed as Handshake.Agreed
    assert.deepStrictEqual([a.version, a.manifest], [{ major: 5, minor: 8 }, true])
    await server.completion()
    assert.deepStrictEqual(server.connections[0]!.proposals, ["manifest-v1", "5.8-5.6", "5.4-5.0", "4.4"])
    assert.isTrue(server.connections[0]!.manifest)
    client.close()
    await server.close()
  })

  for (const version of ["4.4", "5.0", "5.4", "5.8", "6.0", "6.1"] as const) {
    it(`agrees on ${version} (manifest when offered)`, async () => {
      const server = await startQuiet(Stub.connection(Stub.handshake(version)))
      const client = await RawClient.connect(server.port)
      const agreed = (await client.handshake()) as Handshake.Agreed
      assert.strictEqual(`${agreed.version.major}.${agreed.version.minor}`, version)
      assert.isTrue(agreed.manifest)
      await server.completion()
      client.close()
      await server.close()
    })
  }

  it("answers in the pre-manifest form when the client sends no sentinel", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshake("4.4")))
    const client = await RawClient.connect(server.port)
    const proposals = [{ major: 5, minor: 8, range: 2 }, { major: 4, minor: 4, range: 0 }]
    const agreed = (await client.handshake(proposals)) as Handshake.Agreed
    assert.deepStrictEqual([agreed.version, agreed.manifest], [{ major: 4, minor: 4 }, false])
    await server.completion()
    client.close()
    await server.close()
  })

  it("reports a version the client did not propose (6.0 needs the manifest)", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshake("6.0")))
    const client = await RawClient.connect(server.port)
    const result = await client.handshake([{ major: 5, minor: 8, range: 8 }])
    assert.strictEqual(result._tag, "Neo4jConnectionError") // "00 00 00 00": no common version
    const error = await failureOf(server)
    assert.include(error.message, "the script agrees on Bolt 6.0, which the client did not propose")
    client.close()
    await server.close()
  })

  it("sends a raw reply on demand (HTTP)", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshake({ reply: "http" }), S.close()))
    const client = await RawClient.connect(server.port)
    const result = await client.handshake()
    assert.strictEqual(result._tag, "Neo4jConnectionError")
    assert.include((result as Error).message, "HTTP port")
    await server.completion()
    await server.close()
  })
})

describe("scripts played to the end", () => {
  it("plays HELLO, LOGON, RUN, PULL and records what the client sent", async () => {
    const server = await startQuiet(
      Stub.connection(
        { name: "reader" },
        Stub.handshakeAndHello({ server: "Neo4j/5.26.0", hints: { "telemetry.enabled": true } }),
        Stub.autoCommit("RETURN $x AS n", {
          parameters: { x: 1 },
          extra: { mode: "r", db: "neo4j" },
          records: [{ n: 1 }, { n: 2 }],
          summary: { bookmark: "bm:1" }
        })
      )
    )
    const client = await RawClient.connect(server.port)
    await client.handshake()
    client.send(hello, logon, run("RETURN $x AS n", { parameters: { x: 1 }, mode: "read", database: "neo4j" }), pullAll)
    const responses = await client.receiveMany(6)
    assert.deepStrictEqual(responses.map(tagOf), ["Success", "Success", "Success", "Record", "Record", "Success"])
    assert.deepStrictEqual(success(responses[0]!), {
      server: "Neo4j/5.26.0",
      connection_id: "bolt-stub",
      hints: { "telemetry.enabled": true }
    })
    assert.deepStrictEqual(success(responses[2]!), { fields: ["n"], t_first: 0 })
    assert.deepStrictEqual((responses[3] as Responses.RecordMessage).fields, [1])
    assert.deepStrictEqual(success(responses[5]!), { type: "r", t_last: 0, bookmark: "bm:1" })
    await server.completion()

    const [runMessage] = server.messages("RUN")
    assert.deepStrictEqual(runMessage!.named, { query: "RETURN $x AS n", parameters: { x: 1 }, extra: { mode: "r", db: "neo4j" } })
    assert.deepStrictEqual(server.received.map((m) => m.name), ["HELLO", "LOGON", "RUN", "PULL"])
    assert.deepStrictEqual(server.messages("LOGON")[0]!.named.auth, { scheme: "basic", principal: "neo4j", credentials: "secret" })
    assert.strictEqual(server.connectionCount, 1)
    client.close()
    await server.close()
  })

  it("prints the conversation as C:/S: lines with credentials redacted", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshakeAndHello()))
    const client = await connected(server)
    await server.completion()
    const transcript = server.transcript()
    assert.include(transcript, "C: <handshake manifest-v1, 5.8-5.6, 5.4-5.0, 4.4>")
    assert.include(transcript, "S: <handshake manifest v1 offering 5.8>")
    assert.include(transcript, `C: LOGON {"scheme": "basic", "principal": "neo4j", "credentials": <redacted>}`)
    assert.notInclude(transcript, "secret")
    client.close()
    await server.close()
  })

  it("accepts a trailing GOODBYE and the client closing", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshakeAndHello()))
    const client = await connected(server)
    client.send(Requests.goodbye)
    client.socket.end()
    await client.closedByServer()
    await server.completion()
    await server.close()
  })

  it("plays a transaction with batches (has_more) and a bookmark", async () => {
    const server = await startQuiet(
      Stub.connection(
        Stub.handshakeAndHello(),
        Stub.transaction({
          begin: Stub.partial({ tx_timeout: 1500 }),
          queries: [{ query: "UNWIND range(1, 3) AS i RETURN i", records: [[1], [2], [3]], fields: ["i"], batchSize: 2 }],
          bookmark: "bm:tx"
        })
      )
    )
    const client = await connected(server)
    client.send(
      (w, ctx) => Requests.begin(w, { txTimeoutMillis: 1500 }, ctx),
      run("UNWIND range(1, 3) AS i RETURN i"),
      (w) => Requests.pull(w, { n: 2 })
    )
    const first = await client.receiveMany(5)
    assert.deepStrictEqual(first.map(tagOf), ["Success", "Success", "Record", "Record", "Success"])
    assert.deepStrictEqual(success(first[4]!), { has_more: true })
    client.send((w) => Requests.pull(w, { n: 2 }), Requests.commit)
    const rest = await client.receiveMany(3)
    assert.deepStrictEqual(rest.map(tagOf), ["Record", "Success", "Success"])
    assert.deepStrictEqual(success(rest[2]!), { bookmark: "bm:tx" })
    await server.completion()
    client.close()
    await server.close()
  })

  it("answers ROUTE with a routing table", async () => {
    const server = await startQuiet(
      Stub.connection(
        Stub.handshakeAndHello(),
        Stub.route(
          { ttl: 10, db: "neo4j", routers: ["127.0.0.1:1"], readers: ["127.0.0.1:2", "127.0.0.1:3"], writers: ["127.0.0.1:4"] },
          { routing: { address: "localhost:7687" }, extra: { db: "neo4j" } }
        )
      )
    )
    const client = await connected(server)
    client.send((w, ctx) => Requests.route(w, { routing: { address: "localhost:7687" }, database: "neo4j" }, ctx))
    assert.deepStrictEqual(success(await client.receive()), {
      rt: {
        ttl: 10,
        db: "neo4j",
        servers: [
          { addresses: ["127.0.0.1:1"], role: "ROUTE" },
          { addresses: ["127.0.0.1:2", "127.0.0.1:3"], role: "READ" },
          { addresses: ["127.0.0.1:4"], role: "WRITE" }
        ]
      }
    })
    await server.completion()
    client.close()
    await server.close()
  })

  it("computes a reply from the client's message (S.respond)", async () => {
    const server = await startQuiet(
      Stub.connection(
        Stub.handshakeAndHello(),
        C.begin(),
        S.respond("echo the bookmarks", ({ received }) => [{
          _tag: "SUCCESS",
          metadata: { echoed: (received?.named.extra as { bookmarks?: unknown } | undefined)?.bookmarks ?? [] }
        }])
      )
    )
    const client = await connected(server)
    client.send((w, ctx) => Requests.begin(w, { bookmarks: ["a", "b"] }, ctx))
    assert.deepStrictEqual(success(await client.receive()), { echoed: ["a", "b"] })
    await server.completion()
    client.close()
    await server.close()
  })

  it("sends HELLO with credentials and the utc patch on Bolt 4.4 (no LOGON)", async () => {
    const server = await startQuiet(
      Stub.connection(Stub.handshakeAndHello({ version: "4.4", hello: Stub.partial({ patch_bolt: ["utc"], scheme: "basic" }) }))
    )
    const client = await RawClient.connect(server.port)
    await client.handshake()
    client.send(hello)
    const metadata = success(await client.receive())
    assert.deepStrictEqual(metadata.patch_bolt, ["utc"])
    assert.strictEqual(metadata.server, "Neo4j/4.4.44")
    await server.completion()
    client.close()
    await server.close()
  })
})

describe("divergences", () => {
  it("fails with expected vs actual when a message differs, and tells the client", async () => {
    const server = await startQuiet(
      Stub.connection({ name: "writer" }, Stub.handshakeAndHello(), C.run("RETURN 1", {}, Stub.partial({ db: "neo4j" })), S.success())
    )
    const client = await connected(server)
    client.send(run("RETURN 2", { database: "system" }))
    const answer = await client.receive()
    assert.strictEqual(answer._tag, "Failure")
    const error = (answer as Responses.FailureMessage).error as { code: string; message: string }
    assert.strictEqual(error.code, Code.SCRIPT_DIVERGENCE)
    assert.include(error.message, `expected C: RUN "RETURN 1" {} {"db": "neo4j", ..}, got C: RUN "RETURN 2" {} {"db": "system"}`)
    await client.closedByServer()

    const failure = await failureOf(server)
    assert.include(failure.message, `connection #0 (script "writer") diverged from its script:`)
    assert.include(failure.message, `  expected: C: RUN "RETURN 1" {} {"db": "neo4j", ..}`)
    assert.include(failure.message, `  actual:   C: RUN "RETURN 2" {} {"db": "system"}`)
    assert.include(failure.message, `  mismatch: query: expected "RETURN 1", got "RETURN 2"`)
    assert.include(failure.message, "conversation so far:")
    await server.close()
  })

  it("names the first differing field path", async () => {
    const server = await startQuiet(
      Stub.connection(Stub.handshakeAndHello(), C.run("RETURN 1", {}, { db: "neo4j", mode: "r" }), S.success())
    )
    const client = await connected(server)
    client.send(run("RETURN 1", { database: "neo4j" }))
    await client.receive()
    const failure = await failureOf(server)
    assert.include(failure.message, `mismatch: extra.mode: missing (expected "r")`)
    await server.close()
  })

  it("rejects keys a pattern says must be absent, and extra keys of an exact map", async () => {
    for (
      const [expectedExtra, reason] of [
        [{ db: "neo4j", imp_user: Stub.absent }, `extra: unexpected mode: "r"`],
        [Stub.partial({ mode: Stub.absent }), `extra.mode: expected no value, got "r"`]
      ] as const
    ) {
      const server = await startQuiet(Stub.connection(Stub.handshakeAndHello(), C.run(Stub.any, Stub.any, expectedExtra), S.success()))
      const client = await connected(server)
      client.send(run("RETURN 1", { database: "neo4j", mode: "read" }))
      await client.receive()
      assert.include((await failureOf(server)).message, reason)
      await server.close()
    }
  })

  it("fails on a different message type", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshakeAndHello(), C.begin(), S.success()))
    const client = await connected(server)
    client.send(run("RETURN 1"))
    await client.receive()
    assert.include((await failureOf(server)).message, "mismatch: expected a BEGIN message, got RUN")
    await server.close()
  })

  it("fails when an extra connection arrives, and closes it", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshakeAndHello()))
    const first = await connected(server)
    const second = await RawClient.connect(server.port)
    await second.closedByServer()
    const failure = await failureOf(server)
    assert.include(failure.message, "unexpected connection #1")
    assert.include(failure.message, "all 1 connection script(s) are taken")
    assert.strictEqual(server.connectionCount, 2)
    assert.strictEqual(server.connections.length, 1)
    first.close()
    await server.close()
  })

  it("fails when a script is not played to the end, saying where it waits", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshakeAndHello(), Stub.autoCommit("RETURN 1")))
    const client = await connected(server)
    const failure = await failureOf(server)
    assert.include(failure.message, `connection #0 did not play its script to the end (playing; waiting at C: RUN "RETURN 1" * *)`)
    client.close()
    await server.close()
  })

  it("fails when a scripted connection never arrives", async () => {
    const server = await startQuiet([Stub.connection(Stub.handshakeAndHello()), Stub.connection({ name: "second" }, Stub.handshakeAndHello())])
    const client = await connected(server)
    assert.include((await failureOf(server)).message, `connection script "second" expected 1 connection(s), got 0`)
    client.close()
    await server.close()
  })

  it("fails when the client closes the connection while the script expects more", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshakeAndHello(), C.commit(), S.success()))
    const client = await connected(server)
    client.close()
    const failure = await failureOf(server)
    assert.include(failure.message, "expected: C: COMMIT")
    assert.include(failure.message, "actual:   <closed the connection>")
    await server.close()
  })

  it("fails on a message after the end of the script", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshakeAndHello()))
    const client = await connected(server)
    client.send(Requests.reset)
    await client.receive()
    assert.include((await failureOf(server)).message, "mismatch: the client sent a message after the end of the script")
    await server.close()
  })

  it("can close without answering the divergence", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshakeAndHello(), C.commit()), { answerDivergence: false })
    const client = await connected(server)
    client.send(Requests.rollback)
    assert.deepStrictEqual(await client.receive(), { _tag: "Closed" })
    await failureOf(server)
    await server.close()
  })
})

describe("injections", () => {
  it("closes the connection before a reply", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshakeAndHello(), C.commit(), S.close()))
    const client = await connected(server)
    client.send(Requests.commit)
    assert.deepStrictEqual(await client.receive(), { _tag: "Closed" })
    await server.completion()
    await server.close()
  })

  it("closes the connection after a reply", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshakeAndHello(), C.commit(), S.success({ bookmark: "bm" }), S.close()))
    const client = await connected(server)
    client.send(Requests.commit)
    assert.deepStrictEqual(success(await client.receive()), { bookmark: "bm" })
    assert.deepStrictEqual(await client.receive(), { _tag: "Closed" })
    await server.completion()
    await server.close()
  })

  it("aborts the connection (RST)", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshakeAndHello(), C.run(), S.abort()))
    const client = await connected(server)
    client.send(run("RETURN 1"))
    assert.deepStrictEqual(await client.receive(), { _tag: "Closed" })
    await server.completion()
    await server.close()
  })

  it("delays a reply by real time", async () => {
    const delay = 150
    const server = await startQuiet(Stub.connection(Stub.handshakeAndHello(), C.reset(), S.delay(delay), S.success()))
    const client = await connected(server)
    const started = Date.now()
    client.send(Requests.reset)
    success(await client.receive())
    assert.isAtLeast(Date.now() - started, delay - 5)
    await server.completion()
    client.close()
    await server.close()
  })

  it("stays silent but keeps recording", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshakeAndHello(), C.run(), S.silent()))
    const client = await connected(server)
    client.send(run("RETURN 1"), Requests.reset)
    await Effect.runPromise(server.waitForMessages("RESET", 1))
    await Effect.runPromise(server.waitFor("silence", (s) => s.connections[0]!.state === "silent"))
    assert.isFalse(server.connections[0]!.clientClosed)
    await server.completion()
    client.close()
    await server.close()
  })

  it("sends garbage the client cannot decode", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshakeAndHello(), C.reset(), S.garbage()))
    const client = await connected(server)
    client.send(Requests.reset)
    const answer = await client.receive()
    assert.strictEqual(answer._tag, "Neo4jProtocolError")
    assert.include((answer as Error).message, "Unknown response message 0xFF")
    await server.completion()
    client.close()
    await server.close()
  })

  it("sends NOOP chunks the client skips", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshakeAndHello(), C.reset(), S.noop(), S.noop(), S.success({ after: "noop" })))
    const client = await connected(server)
    client.send(Requests.reset)
    assert.deepStrictEqual(success(await client.receive()), { after: "noop" })
    await server.completion()
    client.close()
    await server.close()
  })

  it("cuts a message mid-stream and closes", async () => {
    const server = await startQuiet(
      Stub.connection(Stub.handshakeAndHello(), C.run(), S.success({ fields: ["n"] }), C.pull(), S.truncated({ _tag: "RECORD", values: [1] }), S.close())
    )
    const client = await connected(server)
    client.send(run("RETURN 1 AS n"), pullAll)
    success(await client.receive())
    assert.deepStrictEqual(await client.receive(), { _tag: "Closed" })
    await server.completion()
    await server.close()
  })

  for (const [version, shape] of [["5.8", "gql"], ["5.4", "legacy"]] as const) {
    it(`sends a transient FAILURE in the ${shape} form on Bolt ${version}`, async () => {
      const server = await startQuiet(Stub.connection(Stub.handshakeAndHello({ version }), C.run(), S.failure(Code.DEADLOCK_DETECTED)))
      const client = await connected(server)
      client.send(run("MATCH (n) SET n.x = 1"))
      const answer = await client.receive()
      assert.strictEqual(answer._tag, "Failure")
      const error = (answer as Responses.FailureMessage).error
      assert.instanceOf(error, Neo4jTransientError)
      assert.strictEqual((error as Neo4jTransientError).code, Code.DEADLOCK_DETECTED)
      // A legacy FAILURE gets the GQL status of an unknown error (50N42), as from the official drivers.
      assert.strictEqual((error as Neo4jTransientError).gqlStatus, "50N42")
      assert.include(server.transcript(), shape === "gql" ? `"neo4j_code": "${Code.DEADLOCK_DETECTED}"` : `"code": "${Code.DEADLOCK_DETECTED}"`)
      await server.completion()
      client.close()
      await server.close()
    })
  }

  it("answers authentication with a FAILURE on demand", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshakeAndHello({ authFailure: Code.UNAUTHORIZED })))
    const client = await RawClient.connect(server.port)
    await client.handshake()
    client.send(hello, logon)
    const [h, l] = await client.receiveMany(2)
    success(h!)
    assert.strictEqual(l!._tag, "Failure")
    await server.completion()
    client.close()
    await server.close()
  })
})

describe("optional steps", () => {
  const script = (...rest: ReadonlyArray<Stub.Part>) =>
    Stub.connection(Stub.handshakeAndHello(), Stub.optional(Stub.reset()), Stub.autoCommit("RETURN 1", { records: [[1]] }), ...rest)

  it("plays an optional step when the client sends it", async () => {
    const server = await startQuiet(script())
    const client = await connected(server)
    client.send(Requests.reset, run("RETURN 1"), pullAll)
    assert.deepStrictEqual((await client.receiveMany(4)).map(tagOf), ["Success", "Success", "Record", "Success"])
    await server.completion()
    client.close()
    await server.close()
  })

  it("skips an optional step when the client sends the next one", async () => {
    const server = await startQuiet(script())
    const client = await connected(server)
    client.send(run("RETURN 1"), pullAll)
    assert.deepStrictEqual((await client.receiveMany(3)).map(tagOf), ["Success", "Record", "Success"])
    await server.completion()
    client.close()
    await server.close()
  })

  it("counts a script ending in optional steps as complete, and plays them when they come", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshakeAndHello(), Stub.many(Stub.reset())))
    const client = await connected(server)
    await server.completion()
    client.send(Requests.reset, Requests.reset)
    assert.deepStrictEqual((await client.receiveMany(2)).map(tagOf), ["Success", "Success"])
    await server.completion()
    client.close()
    await server.close()
  })

  it("gives an optional message a short window before server steps", async () => {
    const server = await startQuiet(Stub.connection(Stub.handshakeAndHello(), Stub.optional(Stub.reset()), S.close()))
    const client = await connected(server)
    assert.deepStrictEqual(await client.receive(), { _tag: "Closed" })
    await server.completion()
    await server.close()
  })
})

describe("several connections and servers", () => {
  it("binds concurrent connections to any-order scripts by what they send", async () => {
    const reader = (query: string, value: number) =>
      Stub.connection({ name: query }, Stub.handshakeAndHello(), Stub.autoCommit(query, { records: [[value]] }))
    const server = await startQuiet(Stub.anyOrder(reader("RETURN 1", 1), reader("RETURN 2", 2)))
    const [a, b] = await Promise.all([connected(server), connected(server)])
    // The second connection asks for the first script's query.
    b!.send(run("RETURN 1"), pullAll)
    a!.send(run("RETURN 2"), pullAll)
    const [fromB, fromA] = await Promise.all([b!.receiveMany(3), a!.receiveMany(3)])
    assert.deepStrictEqual((fromB[1] as Responses.RecordMessage).fields, [1])
    assert.deepStrictEqual((fromA[1] as Responses.RecordMessage).fields, [2])
    await server.completion()
    assert.deepStrictEqual(server.connections.map((c) => c.script), ["RETURN 2", "RETURN 1"])
    a!.close()
    b!.close()
    await server.close()
  })

  it("counts an any-order script taken by a lone connection", async () => {
    const server = await startQuiet(Stub.anyOrder(Stub.connection({ name: "only" }, Stub.handshakeAndHello())))
    const first = await connected(server)
    const second = await RawClient.connect(server.port)
    await second.closedByServer()
    const failure = await failureOf(server)
    assert.include(failure.message, "unexpected connection #1")
    assert.notInclude(failure.message, "expected 1 connection(s)")
    assert.deepStrictEqual(server.connections.map((c) => c.script), ["only"])
    first.close()
    await server.close()
  })

  it("plays one script on a pool of connections", async () => {
    const server = await startQuiet(Stub.repeat(Stub.connection(Stub.handshakeAndHello(), Stub.autoCommit("RETURN 1", { records: [[1]] })), 3))
    const clients = await Promise.all([1, 2, 3].map(() => connected(server)))
    for (const client of clients) client.send(run("RETURN 1"), pullAll)
    await Promise.all(clients.map((client) => client.receiveMany(3)))
    await server.completion()
    assert.strictEqual(server.connectionCount, 3)
    for (const client of clients) client.close()
    await server.close()
  })

  it("serves 100 concurrent connections from one pooled script", async () => {
    const clients = 100
    const server = await startQuiet(
      Stub.repeat(Stub.connection(Stub.handshakeAndHello(), Stub.autoCommit("RETURN 1", { records: [[1]] })), clients)
    )
    const all = await Promise.all(Array.from({ length: clients }, () => connected(server)))
    for (const client of all) client.send(run("RETURN 1"), pullAll)
    const answers = await Promise.all(all.map((client) => client.receiveMany(3)))
    assert.isTrue(answers.every((a) => a.map(tagOf).join() === "Success,Record,Success"))
    await server.completion()
    assert.strictEqual(server.messages("RUN").length, clients)
    for (const client of all) client.close()
    await server.close()
  })

  it("plays connection scripts in order of acceptance", async () => {
    const server = await startQuiet([
      Stub.connection(Stub.handshakeAndHello({ connectionId: "bolt-1" })),
      Stub.connection(Stub.handshakeAndHello({ connectionId: "bolt-2" }))
    ])
    const first = await RawClient.connect(server.port)
    await first.handshake()
    first.send(hello)
    const id1 = success(await first.receive()).connection_id
    const second = await RawClient.connect(server.port)
    await second.handshake()
    second.send(hello)
    const id2 = success(await second.receive()).connection_id
    assert.deepStrictEqual([id1, id2], ["bolt-1", "bolt-2"])
    first.send(logon)
    second.send(logon)
    await Promise.all([first.receive(), second.receive()])
    await server.completion()
    first.close()
    second.close()
    await server.close()
  })

  it.live("runs several servers at once, scripts added after start", () =>
    Effect.gen(function*() {
      const [router, reader] = yield* Effect.all([StubServer.make(undefined, { name: "router" }), StubServer.make(undefined, { name: "reader" })])
      assert.notStrictEqual(router.port, reader.port)
      router.script(Stub.connection(Stub.handshakeAndHello(), Stub.route({ readers: [reader.address], writers: [], routers: [router.address] })))
      reader.script(Stub.connection(Stub.handshakeAndHello()))
      const table = yield* Effect.promise(async () => {
        const client = await connected(router)
        client.send((w, ctx) => Requests.route(w, { routing: {} }, ctx))
        const answer = success(await client.receive())
        client.close()
        const readerClient = await connected(reader)
        readerClient.close()
        return answer
      })
      assert.deepStrictEqual((table.rt as { servers: unknown }).servers, [
        { addresses: [router.address], role: "ROUTE" },
        { addresses: [reader.address], role: "READ" },
        { addresses: [], role: "WRITE" }
      ])
      assert.strictEqual(router.routingUri({ region: "eu" }), `neo4j://${router.address}?region=eu`)
    }))
})

describe("Effect API", () => {
  it.live("verifies the scripts when the scope closes", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const server = yield* Scope.provide(StubServer.make(Stub.connection(Stub.handshakeAndHello()), { graceMillis: 100 }), scope)
      assert.match(server.uri, /^bolt:\/\/127\.0\.0\.1:\d+$/)
      const exit = yield* Effect.exit(Scope.close(scope, Exit.void))
      assert.isTrue(Exit.isFailure(exit), "closing the scope must fail: the scripted connection never came")
      assert.include(String(Exit.isFailure(exit) ? exit.cause : ""), "expected 1 connection(s), got 0")
    }))

  it.live("done succeeds once the script is played; waitFor times out with the transcript", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(Stub.connection(Stub.handshakeAndHello()))
      const client = yield* Effect.promise(() => connected(server))
      yield* server.done
      yield* server.assertComplete
      const waited = yield* Effect.flip(server.waitForMessages("RUN", 1, 50))
      assert.include(waited.message, "timed out after 50 ms waiting for 1 RUN message(s)")
      assert.include(waited.message, "C: HELLO")
      client.close()
    }))

  it.live("verify reports the divergence instead of the error it caused", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(Stub.connection(Stub.handshakeAndHello(), C.commit()), { verifyOnClose: false })
      const program = Effect.promise(async () => {
        const client = await connected(server)
        client.send(Requests.rollback)
        await client.receive()
        client.close()
      }).pipe(Effect.andThen(Effect.fail("the driver's own error" as const)))
      const error = yield* Effect.flip(StubServer.verify(server, program))
      assert.instanceOf(error, StubServer.StubScriptError)
      assert.include((error as StubServer.StubScriptError).message, "expected a COMMIT message, got ROLLBACK")
    }))
})
