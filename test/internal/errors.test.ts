import { assert, describe, it } from "@effect/vitest"
import { copyError, fromServerFailure, markRetryable, withAttempts } from "../../src/internal/errors.ts"
import { isRetryable, Neo4jAuthenticationError, Neo4jClientError } from "../../src/Neo4jError.ts"

describe("the driver's retry mark (kept off the public error fields)", () => {
  it("makes a client or security error retryable without a field a user could see", () => {
    const notALeader = fromServerFailure({ code: "Neo.ClientError.Cluster.NotALeader", message: "no" })
    assert.instanceOf(notALeader, Neo4jClientError)
    assert.isFalse(isRetryable(notALeader))
    const marked = markRetryable(copyError(notALeader, {}))
    assert.isTrue(isRetryable(marked))
    assert.isFalse(isRetryable(notALeader), "the original is not marked")
    assert.deepStrictEqual(Object.keys(marked).sort(), Object.keys(copyError(notALeader, {})).sort())

    const expired = markRetryable(new Neo4jAuthenticationError({ code: "Neo.ClientError.Security.TokenExpired", message: "x" }))
    assert.isTrue(isRetryable(expired))
  })

  it("survives the copies the driver makes (the attempts of a transaction function that gave up)", () => {
    const marked = markRetryable(new Neo4jClientError({ code: "Neo.ClientError.Cluster.NotALeader", message: "no" }))
    const gaveUp = withAttempts(marked, 3)
    assert.strictEqual(gaveUp.attempts, 3)
    assert.include(gaveUp.message, "gave up after 3 attempts")
    assert.isTrue(isRetryable(gaveUp))
    const unmarked = withAttempts(new Neo4jClientError({ code: "Neo.ClientError.Cluster.NotALeader", message: "no" }), 2)
    assert.isFalse(isRetryable(unmarked))
  })
})
