/**
 * What the driver (public API) puts on the wire, seen by stub servers (issue 5): the extra fields
 * of RUN and BEGIN (bookmarks, tx_timeout, tx_metadata, mode, db, imp_user, notification filters),
 * HELLO per Bolt version, bookmark chaining, TELEMETRY, token managers and session auth.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Neo4j from "../../src/Neo4j.ts"
import * as Auth from "../../src/Neo4jAuth.ts"
import { Neo4jTransientError } from "../../src/Neo4jError.ts"
import type { SessionConfig } from "../../src/Neo4jSession.ts"
import {
  drive,
  driverLayer,
  errorOf,
  droppedAttempt,
  failedAttempt,
  goodAttempt,
  hex,
  QUERY,
  VALUE,
  valueOf,
  writeWork
} from "./driverHelpers.ts"
import { C, Code, S } from "./Script.ts"
import * as Stub from "./Script.ts"
import * as StubServer from "./StubServer.ts"

describe("transaction settings on the wire", () => {
  const everything: SessionConfig = {
    database: "movies",
    defaultAccessMode: "READ",
    bookmarks: ["bm:1", "bm:2"],
    impersonatedUser: "alice",
    notifications: { minimumSeverity: "WARNING", disabledClassifications: ["HINT", "DEPRECATION"] }
  }
  const txConfig = { timeout: "1500 millis", metadata: { app: "stub-test", attempt: 1 } } as const

  const autoCommitWith = (sessionConfig: SessionConfig, query = "RETURN 1 AS n") =>
    Effect.scoped(Effect.flatMap(Neo4j.session(sessionConfig), (session) => session.run(query, {}, txConfig)))

  it.effect("RUN of an auto-commit query carries bookmarks, tx_timeout, tx_metadata, mode, db, imp_user and notification filters (Bolt 5.6+)", () =>
    Effect.gen(function*() {
      const extra = {
        bookmarks: ["bm:1", "bm:2"],
        tx_timeout: 1500,
        tx_metadata: { app: "stub-test", attempt: 1 },
        mode: "r",
        db: "movies",
        imp_user: "alice",
        notifications_minimum_severity: "WARNING",
        notifications_disabled_classifications: ["HINT", "DEPRECATION"]
      }
      const server = yield* StubServer.make(
        Stub.connection(Stub.handshakeAndHello(), Stub.autoCommit("RETURN 1 AS n", { parameters: {}, extra, records: [{ n: 1 }] }))
      )
      const { exit } = yield* drive(autoCommitWith(everything).pipe(Effect.provide(driverLayer(server))))
      valueOf(exit)
      assert.deepStrictEqual(server.messages("RUN")[0]!.named.extra, extra)
    }))

  it.effect("notification filters use the categories key on Bolt 5.2 to 5.5", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello({ version: "5.4" }),
          Stub.autoCommit("RETURN 1 AS n", {
            extra: Stub.partial({
              notifications_minimum_severity: "WARNING",
              notifications_disabled_categories: ["HINT", "DEPRECATION"],
              notifications_disabled_classifications: Stub.absent
            }),
            records: [{ n: 1 }]
          })
        )
      )
      const { exit } = yield* drive(autoCommitWith(everything).pipe(Effect.provide(driverLayer(server))))
      valueOf(exit)
    }))

  it.effect("writes the exact bytes of RUN for a read on a named database", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(Stub.handshakeAndHello(), Stub.autoCommit("RETURN 1", { records: [[1]], fields: ["1"] }))
      )
      const program = Effect.scoped(
        Effect.flatMap(Neo4j.session({ database: "neo4j", defaultAccessMode: "READ" }), (s) => s.run("RETURN 1"))
      )
      valueOf((yield* drive(program.pipe(Effect.provide(driverLayer(server))))).exit)
      // B3 10: RUN with 3 fields; "RETURN 1"; {} ; {mode: "r", db: "neo4j"} (spec order of the encoder)
      const expected = "b3 10 88 52 45 54 55 52 4e 20 31 a0 a2 84 6d 6f 64 65 81 72 82 64 62 85 6e 65 6f 34 6a"
      assert.strictEqual(hex(server.messages("RUN")[0]!.body), expected)
    }))

  it.effect("a write with no settings sends an empty extra (no mode: \"w\" is the default)", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(Stub.handshakeAndHello(), Stub.autoCommit("CREATE ()", { parameters: {}, extra: {}, type: "w" }))
      )
      const program = Effect.scoped(Effect.flatMap(Neo4j.session(), (s) => s.run("CREATE ()")))
      valueOf((yield* drive(program.pipe(Effect.provide(driverLayer(server))))).exit)
    }))

  it.effect("executeRead: BEGIN carries the settings, RUN inside the transaction carries none", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          Stub.transaction({
            begin: {
              bookmarks: ["bm:1"],
              tx_timeout: 2000,
              tx_metadata: { job: "nightly" },
              mode: "r",
              db: "movies",
              imp_user: "alice"
            },
            queries: [{ query: "MATCH (m:Movie) RETURN count(m) AS n", parameters: {}, extra: {}, records: [{ n: 3 }] }]
          })
        )
      )
      const read = Neo4j.executeRead(
        (tx) => tx.run("MATCH (m:Movie) RETURN count(m) AS n"),
        { database: "movies", bookmarks: ["bm:1"], impersonatedUser: "alice", timeout: "2 seconds", metadata: { job: "nightly" } }
      )
      valueOf((yield* drive(read.pipe(Effect.provide(driverLayer(server))))).exit)
    }))

  it.effect("executeQuery: routing READ, database, impersonation, timeout and metadata in BEGIN", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          Stub.transaction({
            begin: { tx_timeout: 500, tx_metadata: { via: "executeQuery" }, mode: "r", db: "movies", imp_user: "bob" },
            queries: [{ query: "RETURN 1 AS n", records: [{ n: 1 }] }]
          })
        )
      )
      const query = Neo4j.executeQuery("RETURN 1 AS n", {}, {
        routing: "READ",
        database: "movies",
        impersonatedUser: "bob",
        timeout: "500 millis",
        metadata: { via: "executeQuery" }
      })
      valueOf((yield* drive(query.pipe(Effect.provide(driverLayer(server))))).exit)
    }))

  it.effect("driver-level notification filters go in HELLO", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello({
            hello: Stub.partial({
              user_agent: "effect-neo4j/0.1.0",
              bolt_agent: Stub.partial({ product: "effect-neo4j/0.1.0" }),
              notifications_minimum_severity: "OFF",
              routing: Stub.absent
            })
          }),
          Stub.autoCommit("RETURN 1 AS n", { records: [{ n: 1 }] })
        )
      )
      const program = Effect.scoped(Effect.flatMap(Neo4j.session(), (s) => s.run("RETURN 1 AS n")))
      valueOf((yield* drive(program.pipe(Effect.provide(driverLayer(server, { notifications: { minimumSeverity: "OFF" } }))))).exit)
    }))

  it.effect("Bolt 4.4: credentials and the utc patch in HELLO; imp_user in RUN", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello({
            version: "4.4",
            hello: Stub.partial({ scheme: "basic", principal: "neo4j", credentials: "secret", patch_bolt: ["utc"] })
          }),
          Stub.autoCommit("RETURN 1 AS n", { extra: { imp_user: "alice" }, records: [{ n: 1 }] })
        )
      )
      const program = Effect.scoped(Effect.flatMap(Neo4j.session({ impersonatedUser: "alice" }), (s) => s.run("RETURN 1 AS n")))
      valueOf((yield* drive(program.pipe(Effect.provide(driverLayer(server))))).exit)
      assert.strictEqual(server.connections[0]!.version, "4.4")
    }))

  for (const version of ["5.0", "5.8", "6.0"] as const) {
    it.effect(`speaks Bolt ${version} through the handshake it is offered`, () =>
      Effect.gen(function*() {
        const server = yield* StubServer.make(
          Stub.connection(Stub.handshakeAndHello({ version }), Stub.autoCommit("RETURN 1 AS n", { records: [{ n: 1 }] }))
        )
        const program = Effect.scoped(Effect.flatMap(Neo4j.session(), (s) => s.run("RETURN 1 AS n")))
        const result = valueOf((yield* drive(program.pipe(Effect.provide(driverLayer(server))))).exit)
        assert.strictEqual(result.summary.server.protocolVersion, version)
        assert.isTrue(server.connections[0]!.manifest)
      }))
  }

  it.effect("a server refusing impersonation (Community) gives a typed, non-retryable error", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          C.begin(Stub.partial({ imp_user: "alice" })),
          S.failure(Code.FORBIDDEN),
          C.run(),
          S.ignored(),
          C.pull(),
          S.ignored(),
          Stub.optional(Stub.reset())
        )
      )
      const work = Neo4j.executeWrite((tx) => tx.run(QUERY), { impersonatedUser: "alice" })
      const { delays, exit } = yield* drive(work.pipe(Effect.provide(driverLayer(server))))
      const error = errorOf(exit) as { _tag: string; code: string; message: string }
      assert.strictEqual(error._tag, "Neo4jClientError")
      assert.strictEqual(error.code, Code.FORBIDDEN)
      assert.include(error.message, "Impersonation is not supported")
      assert.deepStrictEqual(delays, [])
    }))
})

describe("bookmarks", () => {
  it.effect("executeQuery chains through the driver's bookmark manager", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          Stub.transaction({ begin: {}, queries: [{ query: "CREATE ()" }], bookmark: "bm:A" }),
          Stub.transaction({ begin: { bookmarks: ["bm:A"] }, queries: [{ query: "MATCH (n) RETURN count(n) AS n", records: [{ n: 1 }] }], bookmark: "bm:B" })
        )
      )
      const program = Effect.andThen(Neo4j.executeQuery("CREATE ()"), Neo4j.executeQuery("MATCH (n) RETURN count(n) AS n"))
      valueOf((yield* drive(program.pipe(Effect.provide(driverLayer(server))))).exit)
    }))

  it.effect("a session chains its queries and reports lastBookmarks", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          Stub.autoCommit("CREATE ()", { extra: {}, type: "w", summary: { bookmark: "bm:1" } }),
          Stub.transaction({ begin: { bookmarks: ["bm:1"] }, queries: [{ query: "CREATE ()" }], bookmark: "bm:2" })
        )
      )
      const program = Effect.scoped(
        Effect.gen(function*() {
          const session = yield* Neo4j.session()
          yield* session.run("CREATE ()")
          yield* session.executeWrite((tx) => tx.run("CREATE ()"))
          return yield* session.lastBookmarks
        })
      )
      assert.deepStrictEqual(valueOf((yield* drive(program.pipe(Effect.provide(driverLayer(server))))).exit), ["bm:2"])
    }))
})

describe("TELEMETRY", () => {
  const hinted = (version: Stub.VersionInput = "5.8") =>
    Stub.handshakeAndHello({ version, hints: { "telemetry.enabled": true } })

  it.effect("is sent before each transaction with the API that started it, when the server asks", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          hinted(),
          C.telemetry(0), // managed transaction (executeWrite)
          S.success(),
          goodAttempt(),
          C.telemetry(3), // executeQuery
          S.success(),
          Stub.transaction({ queries: [{ query: "RETURN 1 AS n", records: [{ n: 1 }] }] }),
          C.telemetry(2), // auto-commit (session.run)
          S.success(),
          Stub.autoCommit("RETURN 1 AS n", { records: [{ n: 1 }] }),
          C.telemetry(1), // unmanaged transaction (beginTransaction)
          S.success(),
          Stub.transaction({ queries: [{ query: "RETURN 1 AS n", records: [{ n: 1 }] }] })
        )
      )
      const program = Effect.gen(function*() {
        yield* writeWork
        yield* Neo4j.executeQuery("RETURN 1 AS n")
        yield* Effect.scoped(
          Effect.gen(function*() {
            const session = yield* Neo4j.session()
            yield* session.run("RETURN 1 AS n")
            const tx = yield* session.beginTransaction()
            yield* tx.run("RETURN 1 AS n")
            yield* tx.commit
          })
        )
      })
      valueOf((yield* drive(program.pipe(Effect.provide(driverLayer(server))))).exit)
      assert.deepStrictEqual(server.messages("TELEMETRY").map((m) => m.named.api), [0, 3, 2, 1])
    }))

  it.effect("is not sent again when a transaction function or executeQuery retries after the server acknowledged it", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          hinted(),
          C.telemetry(0),
          S.success(),
          failedAttempt(Code.DEADLOCK_DETECTED),
          Stub.reset(),
          goodAttempt(), // the retry: no TELEMETRY
          C.telemetry(3),
          S.success(),
          C.begin(),
          S.success(),
          C.run("RETURN 1 AS n"),
          S.failure(Code.DEADLOCK_DETECTED),
          C.pull(),
          S.ignored(),
          Stub.reset(),
          Stub.transaction({ queries: [{ query: "RETURN 1 AS n", records: [{ n: 1 }] }] }) // again, no TELEMETRY
        )
      )
      const program = Effect.andThen(writeWork, Neo4j.executeQuery("RETURN 1 AS n"))
      const { exit, delays } = yield* drive(program.pipe(Effect.provide(driverLayer(server))))
      valueOf(exit)
      assert.strictEqual(delays.length, 2)
      assert.deepStrictEqual(server.messages("TELEMETRY").map((m) => m.named.api), [0, 3])
    }))

  it.effect("is sent again when the connection was lost before the server answered it", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make([
        Stub.connection(hinted(), C.telemetry(0), droppedAttempt()),
        Stub.connection(hinted(), C.telemetry(0), S.success(), goodAttempt())
      ])
      valueOf((yield* drive(writeWork.pipe(Effect.provide(driverLayer(server, { verifyConnectivity: false }))))).exit)
      assert.deepStrictEqual(server.messages("TELEMETRY").map((m) => m.named.api), [0, 0])
    }))

  const none: ReadonlyArray<readonly [string, () => ReadonlyArray<Stub.Step>, Partial<{ telemetry: boolean }>]> = [
    ["the server does not ask", () => Stub.handshakeAndHello(), {}],
    ["the user turned it off", () => hinted(), { telemetry: false }],
    ["Bolt 5.3 has no TELEMETRY", () => hinted("5.3"), {}]
  ]
  for (const [label, hello, options] of none) {
    it.effect(`is not sent when ${label}`, () =>
      Effect.gen(function*() {
        const server = yield* StubServer.make(Stub.connection(hello(), goodAttempt()))
        valueOf((yield* drive(writeWork.pipe(Effect.provide(driverLayer(server, options))))).exit)
        assert.strictEqual(server.messages("TELEMETRY").length, 0)
      }))
  }
})

describe("auth: expiry, token managers, session auth", () => {
  /** A token provider handing out `token-1`, `token-2`, ... and counting its calls. */
  const tokens = (expiresAt?: number) => {
    let calls = 0
    const provider = Effect.sync(() => {
      calls++
      return { token: Auth.bearer(`token-${calls}`), expiresAt }
    })
    return { manager: Auth.bearerTokenManager(provider), calls: () => calls }
  }

  it.effect("AuthorizationExpired is retried on a fresh connection", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make([
        Stub.connection(
          { name: "authorization expired" },
          Stub.handshakeAndHello(),
          failedAttempt(Code.AUTHORIZATION_EXPIRED),
          Stub.optional(Stub.reset())
        ),
        Stub.connection({ name: "fresh" }, Stub.handshakeAndHello(), goodAttempt())
      ])
      const { delays, exit } = yield* drive(writeWork.pipe(Effect.provide(driverLayer(server))))
      assert.strictEqual(valueOf(exit), VALUE)
      assert.strictEqual(delays.length, 1)
      assert.strictEqual(server.connectionCount, 2)
    }))

  it.effect("TokenExpired: the token manager is asked again and the work is retried with the new token", () =>
    Effect.gen(function*() {
      const { calls, manager } = tokens()
      const server = yield* StubServer.make([
        Stub.connection(
          Stub.handshakeAndHello({ auth: { scheme: "bearer", credentials: "token-1" } }),
          failedAttempt(Code.TOKEN_EXPIRED),
          Stub.optional(Stub.reset()),
          // Re-authentication on this connection (Bolt 5.1+) or a new connection: either will do.
          Stub.optional(C.logoff(), S.success(), C.logon({ scheme: "bearer", credentials: "token-2" }), S.success(), goodAttempt())
        ),
        Stub.repeat(
          Stub.connection(Stub.handshakeAndHello({ auth: { scheme: "bearer", credentials: "token-2" } }), goodAttempt()),
          { min: 0, max: 1 }
        )
      ])
      const { exit } = yield* drive(writeWork.pipe(Effect.provide(driverLayer(server, { auth: manager, username: undefined, password: undefined }))))
      assert.strictEqual(valueOf(exit), VALUE)
      assert.strictEqual(calls(), 2)
      assert.strictEqual(server.messages("COMMIT").length, 1)
    }))

  it.effect("an expiring token is fetched again once it expired (by the Effect clock)", () =>
    Effect.gen(function*() {
      const expiresAt = 10_000
      const { calls, manager } = tokens(expiresAt)
      const server = yield* StubServer.make([
        Stub.connection(
          Stub.handshakeAndHello({ auth: { scheme: "bearer", credentials: "token-1" } }),
          goodAttempt(),
          Stub.optional(C.logoff(), S.success(), C.logon({ scheme: "bearer", credentials: "token-2" }), S.success(), goodAttempt())
        ),
        Stub.repeat(
          Stub.connection(Stub.handshakeAndHello({ auth: { scheme: "bearer", credentials: "token-2" } }), goodAttempt()),
          { min: 0, max: 1 }
        )
      ])
      const program = Effect.gen(function*() {
        yield* writeWork
        yield* Effect.sleep(expiresAt + 1)
        return yield* writeWork
      })
      const { exit } = yield* drive(program.pipe(Effect.provide(driverLayer(server, { auth: manager, username: undefined, password: undefined }))))
      assert.strictEqual(valueOf(exit), VALUE)
      assert.strictEqual(calls(), 2)
      assert.deepStrictEqual(
        server.messages("LOGON").map((m) => (m.named.auth as { credentials: string }).credentials),
        ["token-1", "token-2"]
      )
    }))

  it.effect("the error a transaction function gives up with says how many attempts were made", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(Stub.handshakeAndHello(), Stub.many(failedAttempt(Code.DEADLOCK_DETECTED), Stub.reset()))
      )
      const { delays, exit } = yield* drive(writeWork.pipe(Effect.provide(driverLayer(server))))
      const error = errorOf(exit)
      assert.instanceOf(error, Neo4jTransientError)
      assert.strictEqual(error.code, Code.DEADLOCK_DETECTED)
      assert.strictEqual((error as { attempts?: number }).attempts, delays.length + 1)
      assert.include(error.message, `gave up after ${delays.length + 1} attempts`)
    }))

  it.effect("session auth: a new connection logs on as the session's user; a pooled one gets LOGOFF/LOGON (Bolt 5.1+)", () =>
    Effect.gen(function*() {
      // Issue 14, deviation 3: no LOGOFF/LOGON on a connection opened for the session.
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello({ auth: Stub.partial({ scheme: "basic", principal: "bob", credentials: "bobs-secret" }) }),
          Stub.autoCommit("RETURN 1 AS n", { records: [{ n: 1 }] }),
          C.logoff(),
          S.success(),
          C.logon(Stub.partial({ scheme: "basic", principal: "neo4j" })),
          S.success(),
          Stub.autoCommit("RETURN 2 AS n", { records: [{ n: 2 }] })
        )
      )
      const program = Effect.andThen(
        Effect.scoped(Effect.flatMap(Neo4j.session({ auth: Auth.basic("bob", "bobs-secret") }), (s) => s.run("RETURN 1 AS n"))),
        Effect.scoped(Effect.flatMap(Neo4j.session(), (s) => s.run("RETURN 2 AS n")))
      )
      // Built without the layer's check: the first connection is the session's own.
      valueOf((yield* drive(program.pipe(Effect.provide(driverLayer(server, { verifyConnectivity: false }))))).exit)
      assert.strictEqual(server.messages("LOGOFF").length, 1)
    }))

  // TestKit Optimization:AuthPipelining: the server answers LOGOFF and LOGON only once the work's
  // first request has arrived; a driver waiting for their answers first hangs here.
  const pooledThenSession = Effect.andThen(
    Effect.scoped(Effect.flatMap(Neo4j.session(), (s) => s.run("RETURN 1 AS n"))),
    Effect.scoped(Effect.flatMap(Neo4j.session({ auth: Auth.basic("bob", "bobs-secret") }), (s) => s.run("RETURN 2 AS n")))
  )

  it.effect("session auth on a pooled connection: LOGOFF and LOGON go out with the query, unanswered until it arrives", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          Stub.autoCommit("RETURN 1 AS n", { records: [{ n: 1 }] }),
          C.logoff(),
          C.logon(Stub.partial({ scheme: "basic", principal: "bob" })),
          C.run("RETURN 2 AS n", {}, Stub.any),
          S.success(),
          S.success(),
          S.success({ fields: ["n"] }),
          C.pull(),
          S.record([2]),
          S.success({ type: "r" })
        )
      )
      const result = valueOf((yield* drive(pooledThenSession.pipe(Effect.provide(driverLayer(server, { verifyConnectivity: false }))))).exit)
      assert.strictEqual(result.records[0]!.get("n"), 2)
    }))

  it.effect("session auth on a pooled connection: a LOGON refused fails the query with LOGON's error, and the connection is not reused", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello(),
          Stub.autoCommit("RETURN 1 AS n", { records: [{ n: 1 }] }),
          C.logoff(),
          C.logon(Stub.partial({ scheme: "basic", principal: "bob" })),
          C.run("RETURN 2 AS n", {}, Stub.any),
          S.success(),
          S.failure(Code.UNAUTHORIZED),
          S.ignored(),
          Stub.optional(C.pull(), S.ignored()),
          Stub.optional(Stub.reset())
        )
      )
      const program = Effect.flatMap(Effect.exit(pooledThenSession), (exit) =>
        Effect.map(Neo4j.poolStats, (stats) => ({ exit, idle: stats.reduce((n, s) => n + s.idle, 0) })))
      const { exit, idle } = valueOf((yield* drive(
        program.pipe(Effect.provide(driverLayer(server, { verifyConnectivity: false })))
      )).exit)
      const error = errorOf(exit)
      assert.strictEqual(error._tag, "Neo4jAuthenticationError")
      assert.strictEqual((error as { code?: string }).code, Code.UNAUTHORIZED)
      assert.strictEqual(idle, 0)
    }))

  // As the official drivers (TestKit authorization verify_authentication reader_failure):
  // Forbidden rejects the credentials too, and a pooled connection already authenticated with the
  // same token proves nothing until LOGOFF/LOGON has been answered again.
  const rejectedBy = (code: string, password: string) =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello({ auth: Stub.partial({ principal: "bob" }) }),
          C.logoff(),
          S.success(),
          C.logon(Stub.partial({ principal: "eve" })),
          S.failure(code)
        )
      )
      const program = Effect.all([
        Neo4j.verifyAuthentication(Auth.basic("bob", "right")),
        Neo4j.verifyAuthentication(Auth.basic("eve", password))
      ])
      const { exit } = yield* drive(program.pipe(Effect.provide(driverLayer(server, { verifyConnectivity: false }))))
      assert.deepStrictEqual(valueOf(exit), [true, false])
    })

  it.effect("verifyAuthentication: true for accepted credentials, false for rejected ones (LOGOFF/LOGON on a pooled connection)", () =>
    rejectedBy(Code.UNAUTHORIZED, "wrong"))

  for (const [version, supported] of [["4.4", false], ["5.0", false], ["5.1", true], ["5.8", true]] as const) {
    it.effect(`supportsSessionAuth on Bolt ${version}: ${supported} (LOGOFF/LOGON came with 5.1)`, () =>
      Effect.gen(function*() {
        const server = yield* StubServer.make(Stub.connection(Stub.handshakeAndHello({ version })))
        const layer = driverLayer(server, { verifyConnectivity: false })
        const { exit } = yield* drive(Neo4j.supportsSessionAuth.pipe(Effect.provide(layer)))
        assert.strictEqual(valueOf(exit), supported)
        assert.strictEqual(server.connectionCount, 1)
      }))
  }

  it.effect("isEncrypted: false for bolt://, true for bolt+s:// and a tls option (nothing is sent)", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make([])
      const encrypted = (options: Parameters<typeof driverLayer>[1]) =>
        Effect.map(drive(Neo4j.isEncrypted.pipe(Effect.provide(driverLayer(server, { verifyConnectivity: false, ...options })))), (r) =>
          valueOf(r.exit))
      assert.strictEqual(yield* encrypted({}), false)
      assert.strictEqual(yield* encrypted({ uri: "bolt+s://localhost:7687" }), true)
      assert.strictEqual(yield* encrypted({ tls: { trust: "trust-all" } }), true)
      assert.strictEqual(server.connectionCount, 0)
    }))

  it.effect("verifyAuthentication: Forbidden answers false", () => rejectedBy("Neo.ClientError.Security.Forbidden", "forbidden"))

  it.effect("verifyAuthentication on a pooled connection of the same user logs on again", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello({ auth: Stub.partial({ principal: "neo4j" }) }),
          Stub.autoCommit("RETURN 1 AS n", { records: [{ n: 1 }] }),
          C.logoff(),
          S.success(),
          C.logon(Stub.partial({ principal: "neo4j" })),
          S.failure("Neo.ClientError.Security.CredentialsExpired")
        )
      )
      const program = Effect.andThen(
        Effect.scoped(Effect.flatMap(Neo4j.session(), (s) => s.run("RETURN 1 AS n"))),
        Neo4j.verifyAuthentication(Auth.basic("neo4j", "secret"))
      )
      const { exit } = yield* drive(program.pipe(Effect.provide(driverLayer(server, { verifyConnectivity: false }))))
      assert.isFalse(valueOf(exit))
      assert.strictEqual(server.messages("LOGON").length, 2)
    }))

  it.effect("verifyAuthentication fails on Bolt 5.0, which cannot log on again", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(Stub.connection(Stub.handshakeAndHello({ version: "5.0" })))
      const { exit } = yield* drive(
        Neo4j.verifyAuthentication(Auth.basic("neo4j", "secret")).pipe(
          Effect.provide(driverLayer(server, { verifyConnectivity: false }))
        )
      )
      assert.strictEqual(errorOf(exit)._tag, "Neo4jUsageError")
    }))

  it.effect("verifyAuthentication fails with security errors that do not reject the credentials (rate limit)", () =>
    Effect.gen(function*() {
      const rateLimit = "Neo.ClientError.Security.AuthenticationRateLimit"
      const server = yield* StubServer.make(
        Stub.connection(
          Stub.handshakeAndHello({ auth: Stub.partial({ principal: "bob" }) }),
          C.logoff(),
          S.success(),
          C.logon(Stub.partial({ principal: "eve" })),
          S.failure(rateLimit)
        )
      )
      const program = Effect.andThen(
        Neo4j.verifyAuthentication(Auth.basic("bob", "right")),
        Neo4j.verifyAuthentication(Auth.basic("eve", "any"))
      )
      const { exit } = yield* drive(program.pipe(Effect.provide(driverLayer(server, { verifyConnectivity: false }))))
      assert.strictEqual((errorOf(exit) as { code?: string }).code, rateLimit)
    }))
})
