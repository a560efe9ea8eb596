import { assert, describe, it } from "@effect/vitest"
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
