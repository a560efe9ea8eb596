/**
 * Auth token managers and security failures on the wire (issue 14, TestKit authorization group):
 * the manager is asked once per connection acquisition, told about every
 * `Neo.ClientError.Security.*` failure of its own tokens (in explicit transactions too, not only
 * in retries) with the token the connection sent, and a failure it handles is retryable;
 * `AuthorizationExpired` retires every connection to that server; session auth needs Bolt 5.1+;
 * a rotated token on Bolt 5.0 replaces the pooled connection at once.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Neo4j from "../../src/Neo4j.ts"
import * as Auth from "../../src/Neo4jAuth.ts"
import { Neo4jUsageError, isRetryable } from "../../src/Neo4jError.ts"
import { drive, driverLayer, errorOf, valueOf } from "./driverHelpers.ts"
import { C, Code, S } from "./Script.ts"
import * as Stub from "./Script.ts"
import * as StubServer from "./StubServer.ts"

const MADE_UP = "Neo.ClientError.Security.MadeUp"

/** A manager handing out `current()` and recording what it is asked and told. */
const tracking = (handles: boolean, first = Auth.basic("neo4j", "pass")) => {
  let current = first
  const told: Array<{ readonly token: Auth.AuthToken; readonly code: string }> = []
  let asked = 0
  const manager: Auth.AuthTokenManager = {
    _tag: "AuthTokenManager",
    getToken: Effect.sync(() => {
      asked++
      return current
    }),
    handleSecurityError: (token, code) =>
      Effect.sync(() => {
        told.push({ token, code })
        return handles
      })
  }
  return { manager, told, asked: () => asked, set: (token: Auth.AuthToken) => void (current = token) }
}

/** BEGIN, then RUN failing with `code` (its PULL IGNORED); RESET or nothing after. */
const failingTxRun = (code: string) => [
  C.begin(),
  S.success(),
  C.run("RETURN 1 AS n", {}, {}),
  S.failure({ code, message: "Some security issue" }),
  C.pull(),
  S.ignored(),
  Stub.optional(Stub.reset())
]

const txRun = Effect.scoped(
  Effect.gen(function*() {
    const session = yield* Neo4j.session()
    const tx = yield* session.beginTransaction()
    return yield* tx.run("RETURN 1 AS n")
  })
)

describe("auth token manager", () => {
  for (const handles of [true, false]) {
    it.effect(`told about a security failure in an explicit transaction, with the connection's token; handled=${handles} -> retryable=${handles}`, () =>
      Effect.gen(function*() {
        const tracked = tracking(handles)
        const server = yield* StubServer.make(Stub.connection(Stub.handshakeAndHello(), ...failingTxRun(MADE_UP)))
        const layer = driverLayer(server, { auth: tracked.manager, username: undefined, password: undefined, verifyConnectivity: false })
        const error = errorOf((yield* drive(txRun.pipe(Effect.provide(layer)))).exit)
        assert.strictEqual((error as { code?: string }).code, MADE_UP)
        assert.strictEqual(isRetryable(error), handles)
        assert.strictEqual(tracked.asked(), 1, "asked once for the one acquisition (the new connection uses that token)")
        assert.deepStrictEqual(tracked.told, [{ token: Auth.basic("neo4j", "pass"), code: MADE_UP }])
      }))
  }

  it.effect("not told about failures of a session's own auth, and not asked for a token", () =>
    Effect.gen(function*() {
      const tracked = tracking(true)
      const server = yield* StubServer.make(Stub.connection(Stub.handshakeAndHello(), ...failingTxRun(Code.TOKEN_EXPIRED)))
      const layer = driverLayer(server, { auth: tracked.manager, username: undefined, password: undefined, verifyConnectivity: false })
      const program = Effect.scoped(
        Effect.gen(function*() {
          const session = yield* Neo4j.session({ auth: Auth.basic("bob", "pw") })
          const tx = yield* session.beginTransaction()
          return yield* tx.run("RETURN 1 AS n")
        })
      )
      const error = errorOf((yield* drive(program.pipe(Effect.provide(layer)))).exit)
      assert.strictEqual((error as { code?: string }).code, Code.TOKEN_EXPIRED)
      assert.isFalse(isRetryable(error))
      assert.strictEqual(tracked.asked(), 0)
      assert.deepStrictEqual(tracked.told, [])
    }))

  // A pool of one: the replaced connection's slot goes to the new one (it used to wait for itself
  // until the acquisition timeout; TestKit test_renewing_on_expiration_error on 5.0 fills its pool).
  for (const maxConnectionPoolSize of [undefined, 1]) {
    it.effect(`Bolt 5.0 and a rotated token: the pooled connection is closed (GOODBYE) and a new one opened with a token asked for again (pool size ${maxConnectionPoolSize ?? "default"})`, () =>
      Effect.gen(function*() {
        const tracked = tracking(false, Auth.bearer("token-1"))
        const server = yield* StubServer.make([
          Stub.connection(
            Stub.handshakeAndHello({ version: "5.0", hello: Stub.partial({ credentials: "token-1" }) }),
            Stub.autoCommit("RETURN 1 AS n", { records: [{ n: 1 }] }),
            C.goodbye()
          ),
          Stub.connection(
            Stub.handshakeAndHello({ version: "5.0", hello: Stub.partial({ credentials: "token-2" }) }),
            Stub.autoCommit("RETURN 2 AS n", { records: [{ n: 2 }] })
          )
        ])
        const layer = driverLayer(server, {
          auth: tracked.manager,
          username: undefined,
          password: undefined,
          verifyConnectivity: false,
          maxConnectionPoolSize
        })
        const program = Effect.gen(function*() {
          yield* Effect.scoped(Effect.flatMap(Neo4j.session(), (s) => s.run("RETURN 1 AS n")))
          tracked.set(Auth.bearer("token-2"))
          return yield* Effect.scoped(Effect.flatMap(Neo4j.session(), (s) => s.run("RETURN 2 AS n")))
        })
        valueOf((yield* drive(program.pipe(Effect.provide(layer)))).exit)
        assert.strictEqual(server.connectionCount, 2)
        assert.strictEqual(server.messages("GOODBYE").length >= 1, true)
        assert.strictEqual(tracked.asked(), 3, "once per session, once more for the replacing connection")
      }))
  }
})

describe("AuthorizationExpired", () => {
  /**
   * Connection A holds a transaction while connection B gets AuthorizationExpired; A finishes its
   * transaction, then a new session runs `RETURN 4`: on A (`onA`) or on a new connection (`next`).
   */
  const scenario = (version: Stub.VersionInput, then: { readonly onA?: ReadonlyArray<Stub.Step>; readonly next?: Stub.ScriptEntry }) =>
    Effect.gen(function*() {
      const server = yield* StubServer.make([
        Stub.connection(
          { name: "leased across the failure" },
          Stub.handshakeAndHello({ version }),
          Stub.transaction({
            queries: [{ query: "RETURN 1 AS n", records: [{ n: 1 }] }, { query: "RETURN 2 AS n", records: [{ n: 2 }] }]
          }),
          ...(then.onA ?? [])
        ),
        Stub.connection(
          { name: "expired" },
          Stub.handshakeAndHello({ version }),
          C.run("RETURN 3 AS n", {}, {}),
          S.failure(Code.AUTHORIZATION_EXPIRED),
          C.pull(),
          S.ignored()
        ),
        ...(then.next === undefined ? [] : [then.next])
      ])
      const program = Effect.gen(function*() {
        yield* Effect.scoped(
          Effect.gen(function*() {
            const session = yield* Neo4j.session()
            const tx = yield* session.beginTransaction()
            yield* tx.run("RETURN 1 AS n")
            const expired = yield* Effect.flip(Effect.scoped(Effect.flatMap(Neo4j.session(), (s) => s.run("RETURN 3 AS n"))))
            assert.strictEqual((expired as { code?: string }).code, Code.AUTHORIZATION_EXPIRED)
            yield* tx.run("RETURN 2 AS n")
            yield* tx.commit
          })
        )
        return yield* Effect.scoped(Effect.flatMap(Neo4j.session(), (s) => s.run("RETURN 4 AS n")))
      })
      const result = valueOf((yield* drive(program.pipe(Effect.provide(driverLayer(server, { verifyConnectivity: false }))))).exit)
      assert.strictEqual(result.records[0]!.get("n"), 4)
      return server
    })

  const four = Stub.autoCommit("RETURN 4 AS n", { records: [{ n: 4 }] })

  it.effect("Bolt 5.1+: the server's other connections log on again (LOGOFF/LOGON) at their next use; a leased one goes on working", () =>
    Effect.gen(function*() {
      const server = yield* scenario("5.4", {
        onA: [C.logoff(), S.success(), C.logon(Stub.partial({ principal: "neo4j" })), S.success(), ...four]
      })
      assert.strictEqual(server.connectionCount, 2)
      assert.strictEqual(server.messages("LOGOFF").length, 1)
    }))

  for (const version of ["4.4", "5.0"] as const) {
    it.effect(`Bolt ${version}: the server's other connections are not reused (a leased one is closed on release)`, () =>
      Effect.gen(function*() {
        const server = yield* scenario(version, { next: Stub.connection({ name: "new" }, Stub.handshakeAndHello({ version }), four) })
        assert.strictEqual(server.connectionCount, 3, "neither earlier connection is reused")
      }))
  }
})

describe("session auth", () => {
  it.effect("needs Bolt 5.1+: on Bolt 5.0 it fails with a Neo4jUsageError, also on a connection just opened for the session", () =>
    Effect.gen(function*() {
      const server = yield* StubServer.make(
        Stub.connection(Stub.handshakeAndHello({ version: "5.0" }), Stub.optional(Stub.reset()))
      )
      const program = Effect.scoped(
        Effect.flatMap(Neo4j.session({ auth: Auth.basic("bob", "pw") }), (s) => s.run("RETURN 1 AS n"))
      )
      const error = errorOf((yield* drive(program.pipe(Effect.provide(driverLayer(server, { verifyConnectivity: false }))))).exit)
      assert.instanceOf(error, Neo4jUsageError)
      assert.include(error.message, "5.1")
      assert.strictEqual(server.messages("RUN").length, 0)
    }))
})
