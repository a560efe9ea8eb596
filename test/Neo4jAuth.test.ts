import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Auth from "../src/Neo4jAuth.ts"
import * as AuthMap from "../src/bolt/AuthMap.ts"

describe("Neo4jAuth custom tokens on the wire", () => {
  // TestKit `test_custom_scheme_empty` (scripts scheme_custom_empty*.script): HELLO/LOGON carries
  // `scheme` and `principal` only; the official drivers leave out an empty credentials, realm and
  // parameters. The principal stays, even empty: servers before 4.4 required the field.
  it("omits empty credentials, realm and parameters", () =>
    assert.deepStrictEqual(
      AuthMap.toWireMap(Auth.custom({ scheme: "minimal-scheme", principal: "", credentials: "", realm: "", parameters: {} })),
      { scheme: "minimal-scheme", principal: "" }
    ))

  it("keeps non-empty credentials, realm and parameters", () =>
    assert.deepStrictEqual(
      AuthMap.toWireMap(Auth.custom({ scheme: "s", principal: "p", credentials: "c", realm: "r", parameters: { x: 1 } })),
      { scheme: "s", principal: "p", credentials: "c", realm: "r", parameters: { x: 1 } }
    ))
})

describe("Neo4jAuth token managers: which security codes they handle", () => {
  // TestKit authorization test_basic_auth_manager / test_bearer_auth_manager (*_handles_unknown_auth,
  // *_renewing_on_expiration_error): the basic manager renews on Unauthorized only, the bearer
  // manager on TokenExpired and Unauthorized; neither handles any other security code.
  const provider = Effect.succeed({ token: Auth.bearer("t") })
  const handles = (manager: Auth.AuthTokenManager, code: string) =>
    manager.handleSecurityError(Auth.bearer("t"), `Neo.ClientError.Security.${code}`)
  const codes = ["Unauthorized", "TokenExpired", "MadeUp", "AuthorizationExpired"]
  const cases = [
    ["basic: Unauthorized only", Auth.basicTokenManager(provider), [true, false, false, false]],
    ["bearer: TokenExpired and Unauthorized", Auth.bearerTokenManager(provider), [true, true, false, false]]
  ] as const
  for (const [name, manager, expected] of cases) {
    it.effect(name, () =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* Effect.forEach(codes, (c) => handles(manager, c)), [...expected])
      }))
  }
})
