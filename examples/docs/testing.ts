/**
 * The fake-driver snippet of the README's "Testing, migrations and metrics" section. Type-checked
 * and linted by `npm test`, and run: test/docs/TestingExample.test.ts imports this file, which
 * registers its tests.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
// Relative, like ../scientists.ts, so the test suite runs this file without a built package.
import * as Neo4jError from "../../src/Neo4jError.ts"
import * as Neo4jTesting from "../../src/Neo4jTesting.ts"
import { Scientists } from "../scientists.ts"

// #region fake
const busy = new Neo4jError.Neo4jTransientError({ code: "Neo.TransientError.Transaction.DeadlockDetected", message: "busy" })
const fake = Neo4jTesting.layerFake([
  { query: /-\[:KNOWS\]-\(f:Scientist\)/, records: [{ name: "Charles", born: 1791 }] },
  { query: /MERGE \(x\)-\[k:KNOWS\]->\(y\)/, fail: busy, times: 1 }, // the first attempt fails...
  { query: /MERGE \(x\)-\[k:KNOWS\]->\(y\)/, records: [{ linked: 1 }] } // ...the retry succeeds
])

layer(Layer.provideMerge(Scientists.layer, fake))((it) => {
  it.effect("reads friends from a reader", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* (yield* Scientists).friendsOf("Ada"), [{ name: "Charles", born: 1791 }])
      const [sent] = yield* Neo4jTesting.sentQueries // { query, parameters, api, mode, ... }
      assert.deepStrictEqual(sent && [sent.api, sent.mode, sent.parameters], ["executeQuery", "READ", { name: "Ada" }])
    }))

  it.effect("retries a transient failure of a write", () =>
    Effect.gen(function*() {
      assert.isTrue(yield* (yield* Scientists).befriend("Ada", "Grace"))
      const writes = (yield* Neo4jTesting.sentTransactions).filter((tx) => tx.mode === "WRITE")
      assert.deepStrictEqual(writes.map((tx) => tx.outcome), ["rolledBack", "committed"])
    }))
})
// #endregion fake
