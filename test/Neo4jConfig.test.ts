import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Redacted, Result } from "effect"
import { TestClock } from "effect/testing"
import * as Auth from "../src/Neo4jAuth.ts"
import * as AuthMap from "../src/bolt/AuthMap.ts"
import * as Neo4jConfig from "../src/Neo4jConfig.ts"
import * as ResolvedConfig from "../src/internal/config.ts"
import { Neo4jUsageError } from "../src/Neo4jError.ts"
import { formatAddress, parseAddress, parseUri } from "../src/internal/uri.ts"

const ok = <A, E>(result: Result.Result<A, E>): A => {
  if (Result.isFailure(result)) throw new Error(`expected success, got ${String(result.failure)}`)
  return result.success
}
const err = <A, E>(result: Result.Result<A, E>): E => {
  if (Result.isSuccess(result)) throw new Error("expected a failure")
  return result.failure
}

describe("parseUri", () => {
  it("reads every scheme's routing and TLS mode", () => {
    const table = [
      ["bolt://db:7687", false, "none"],
      ["bolt+s://db", false, "system-ca"],
      ["bolt+ssc://db", false, "trust-all"],
      ["neo4j://db", true, "none"],
      ["neo4j+s://db", true, "system-ca"],
      ["neo4j+ssc://db", true, "trust-all"]
    ] as const
    for (const [uri, routing, tls] of table) {
      const parsed = ok(parseUri(uri))
      assert.strictEqual(parsed.routing, routing, uri)
      assert.strictEqual(parsed.tls, tls, uri)
    }
  })

  it("defaults the port, keeps IPv6 literals and case-insensitive schemes", () => {
    assert.deepStrictEqual(ok(parseUri("bolt://localhost")).address, { host: "localhost", port: 7687 })
    assert.deepStrictEqual(ok(parseUri("BOLT://[::1]:9999")).address, { host: "::1", port: 9999 })
    assert.strictEqual(formatAddress({ host: "::1", port: 7687 }), "[::1]:7687")
    assert.deepStrictEqual(parseAddress("[fe80::1]:7688"), { host: "fe80::1", port: 7688 })
    assert.deepStrictEqual(parseAddress("db.example:7000"), { host: "db.example", port: 7000 })
    assert.deepStrictEqual(parseAddress("db.example"), { host: "db.example", port: 7687 })
    assert.isUndefined(parseAddress("db:99999"))
  })

  it("takes the query string of a routing URI as the routing context", () => {
    assert.deepStrictEqual(ok(parseUri("neo4j://db?region=eu&policy=fast")).routingContext, { region: "eu", policy: "fast" })
  })

  it("rejects malformed URIs with a message that names the problem", () => {
    const cases: ReadonlyArray<readonly [string, RegExp]> = [
      ["localhost:7687", /expected <scheme>:\/\//],
      ["http://localhost:7474", /unknown scheme 'http'/],
      ["bolt://", /host is missing/],
      ["bolt://host:99999", /malformed/],
      ["bolt://user:secret@host", /credentials do not belong/],
      ["bolt://host/neo4j", /unexpected path/],
      ["bolt://host?region=eu", /needs a neo4j:\/\/ scheme/],
      ["neo4j://host?address=x", /reserved/],
      ["neo4j://host?a=1&a=2", /duplicate/]
    ]
    for (const [uri, pattern] of cases) {
      const error = err(parseUri(uri))
      assert.instanceOf(error, Neo4jUsageError)
      assert.match(error.message, pattern, uri)
      assert.notInclude(error.message, "secret") // the password of a URI with credentials is not echoed
    }
  })
})

describe("resolving the options (internal/config.ts)", () => {
  it("applies the official drivers' defaults", () => {
    const config = ok(ResolvedConfig.resolve({ uri: "neo4j://db", username: "neo4j", password: "pw" }))
    assert.strictEqual(config.fetchSize, 1000)
    assert.strictEqual(config.pool.maxSize, 100)
    assert.strictEqual(Duration.toMillis(config.pool.acquisitionTimeout), 60_000)
    assert.strictEqual(Duration.toMillis(config.pool.maxLifetime), 3_600_000)
    assert.strictEqual(Duration.toMillis(config.connectionTimeout), 30_000)
    assert.isUndefined(config.pool.livenessCheckTimeout)
    assert.strictEqual(config.integers, "auto")
    assert.isUndefined(config.tls)
  })

  it("derives TLS from the scheme and a custom CA", () => {
    assert.deepStrictEqual(ok(ResolvedConfig.resolve({ uri: "bolt+ssc://db" })).tls, { trust: "trust-all" })
    assert.deepStrictEqual(ok(ResolvedConfig.resolve({ uri: "bolt+s://db" })).tls, { trust: "system-ca" })
    assert.strictEqual(ok(ResolvedConfig.resolve({ uri: "bolt+s://db", tls: { ca: ["PEM"] } })).tls?.trust, "custom-ca")
  })

  it("rejects bad options with usage errors naming the fix", () => {
    const cases: ReadonlyArray<readonly [Neo4jConfig.Neo4jOptions, RegExp]> = [
      [{ uri: "bolt://db", username: "neo4j" }, /No password for user 'neo4j'.*NEO4J_PASSWORD/],
      [{ uri: "bolt://db", password: "pw" }, /without a username/],
      [{ uri: "bolt://db", auth: Auth.none(), username: "x" }, /either `auth` or `username`/],
      [{ uri: "bolt://db", fetchSize: 0 }, /fetchSize must be a positive integer/],
      [{ uri: "bolt://db", maxConnectionPoolSize: 1.5 }, /maxConnectionPoolSize/],
      [{ uri: "bolt://db", connectionAcquisitionTimeout: -5 }, /connectionAcquisitionTimeout/],
      [{ uri: "bolt://db", integers: "string" as "auto" }, /integers must be/]
    ]
    for (const [options, pattern] of cases) {
      assert.match(err(ResolvedConfig.resolve(options)).message, pattern)
    }
  })
})

describe("Neo4jAuth", () => {
  it("builds the wire maps of every scheme", () => {
    assert.deepStrictEqual(AuthMap.toWireMap(Auth.none()), { scheme: "none" })
    assert.deepStrictEqual(AuthMap.toWireMap(Auth.basic("u", "p", "r")), { scheme: "basic", principal: "u", credentials: "p", realm: "r" })
    assert.deepStrictEqual(AuthMap.toWireMap(Auth.bearer("t")), { scheme: "bearer", credentials: "t" })
    assert.deepStrictEqual(AuthMap.toWireMap(Auth.kerberos("k")), { scheme: "kerberos", principal: "", credentials: "k" })
    assert.deepStrictEqual(
      AuthMap.toWireMap(Auth.custom({ scheme: "s", principal: "p", credentials: "c", parameters: { x: 1 } })),
      { scheme: "s", principal: "p", credentials: "c", parameters: { x: 1 } }
    )
  })

  it("never shows a secret in strings, JSON or descriptions", () => {
    for (const token of [Auth.basic("u", "hunter2"), Auth.bearer("hunter2"), Auth.kerberos("hunter2")]) {
      assert.notInclude(JSON.stringify(token), "hunter2")
      assert.notInclude(String(Object.values(token)), "hunter2")
      assert.notInclude(Auth.describe(token), "hunter2")
    }
    assert.isTrue(Redacted.isRedacted((Auth.basic("u", "x") as { password: unknown }).password))
  })

  it("compares tokens by identity and secret", () => {
    assert.isTrue(Auth.equivalent(Auth.basic("u", "p"), Auth.basic("u", "p")))
    assert.isFalse(Auth.equivalent(Auth.basic("u", "p"), Auth.basic("u", "q")))
    assert.isFalse(Auth.equivalent(Auth.basic("u", "p"), Auth.bearer("p")))
  })

  it.effect("a bearer token manager caches until expiry and refreshes on TokenExpired or Unauthorized", () =>
    Effect.gen(function*() {
      let fetched = 0
      const manager = Auth.bearerTokenManager(
        Effect.map(Clock.currentTimeMillis, (now) => ({ token: Auth.bearer(`token-${++fetched}`), expiresAt: now + 60_000 }))
      )
      const first = yield* manager.getToken
      assert.deepStrictEqual(yield* manager.getToken, first)
      assert.strictEqual(fetched, 1)
      yield* TestClock.adjust(Duration.seconds(60))
      yield* manager.getToken
      assert.strictEqual(fetched, 2)
      const current = yield* manager.getToken
      assert.isFalse(yield* manager.handleSecurityError(current, "Neo.ClientError.Security.MadeUp"))
      assert.isTrue(yield* manager.handleSecurityError(current, "Neo.ClientError.Security.TokenExpired"))
      yield* manager.getToken
      assert.strictEqual(fetched, 3)
      // Unauthorized renews too (the official bearer manager; TestKit test_bearer_auth_manager).
      assert.isTrue(yield* manager.handleSecurityError(yield* manager.getToken, "Neo.ClientError.Security.Unauthorized"))
      yield* manager.getToken
      assert.strictEqual(fetched, 4)
    }))
})
