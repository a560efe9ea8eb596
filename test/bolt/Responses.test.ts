import { assert, describe, it } from "@effect/vitest"
import * as ValueCodec from "../../src/bolt/ValueCodec.ts"
import * as Metadata from "../../src/bolt/Metadata.ts"
import * as Responses from "../../src/bolt/Responses.ts"
import type { Response } from "../../src/bolt/Responses.ts"
import {
  Neo4jAuthenticationError,
  Neo4jClientError,
  Neo4jDatabaseError,
  Neo4jProtocolError,
  Neo4jTransientError
} from "../../src/Neo4jError.ts"
import { bolt5Options } from "../../src/bolt/ValueCodec.ts"
import type { PackStreamReader } from "../../src/packstream/Reader.ts"
import { PackStreamWriter } from "../../src/packstream/Writer.ts"
import { fromHex } from "./hex.ts"

const reader = ValueCodec.reader(bolt5Options)

const decode = (hex: string): Response | Neo4jProtocolError => Responses.decode(reader, fromHex(hex))

const ok = (hex: string): Response => {
  const r = decode(hex)
  if (r instanceof Neo4jProtocolError) return assert.fail(`${hex}: ${r.message}`)
  return r
}

/** A response struct whose single field is `value`, encoded by the PackStream writer. */
const struct = (tag: number, value: unknown): Uint8Array => {
  const w = new PackStreamWriter()
  w.writeStructHeader(tag, 1)
  w.writeValue(value, ValueCodec.dehydrator(bolt5Options))
  return w.toUint8Array()
}

const failure = (metadata: unknown) => {
  const r = Responses.decode(reader, struct(Responses.ResponseTag.FAILURE, metadata))
  if (r instanceof Neo4jProtocolError || r._tag !== "Failure") return assert.fail(`expected Failure, got ${r._tag}`)
  return r.error
}

describe("response decoding (spec examples)", () => {
  it("SUCCESS {}", () => assert.deepStrictEqual(ok("b1 70 a0"), { _tag: "Success", metadata: {} }))

  it("SUCCESS {fields: [x], t_first: 123}", () =>
    assert.deepStrictEqual(ok("b1 70 a2 86 66 69 65 6c 64 73 91 81 78 87 74 5f 66 69 72 73 74 7b"), {
      _tag: "Success",
      metadata: { fields: ["x"], t_first: 123 }
    }))

  it("RECORD [1, 2, 3]", () => assert.deepStrictEqual(ok("b1 71 93 01 02 03"), { _tag: "Record", fields: [1, 2, 3] }))

  it("RECORD [\"1\", \"2\", \"3\"]", () =>
    assert.deepStrictEqual(ok("b1 71 93 81 31 81 32 81 33"), { _tag: "Record", fields: ["1", "2", "3"] }))

  it("RECORD [] (no columns)", () => assert.deepStrictEqual(ok("b1 71 90"), { _tag: "Record", fields: [] }))

  it("IGNORED", () => assert.deepStrictEqual(ok("b0 7e"), { _tag: "Ignored" }))

  it("FAILURE {code, message}", () => {
    const r = ok(
      "b1 7f a2 84 63 6f 64 65 d0 14 45 78 61 6d 70 6c 65 2e 46 61 69 6c 75 72 65 2e 43 6f 64 65 " +
        "87 6d 65 73 73 61 67 65 8f 65 78 61 6d 70 6c 65 20 66 61 69 6c 75 72 65"
    )
    if (r._tag !== "Failure") return assert.fail(r._tag)
    assert.instanceOf(r.error, Neo4jClientError)
    assert.strictEqual((r.error as Neo4jClientError).code, "Example.Failure.Code")
    assert.strictEqual((r.error as Neo4jClientError).message, "example failure")
  })
})

describe("FAILURE mapping", () => {
  it("classifies by code", () => {
    assert.instanceOf(failure({ code: "Neo.ClientError.Security.Unauthorized", message: "no" }), Neo4jAuthenticationError)
    assert.instanceOf(failure({ code: "Neo.TransientError.Transaction.DeadlockDetected", message: "" }), Neo4jTransientError)
    assert.instanceOf(failure({ code: "Neo.DatabaseError.General.UnknownError", message: "" }), Neo4jDatabaseError)
    assert.instanceOf(failure({ code: "Neo.ClientError.Statement.SyntaxError", message: "" }), Neo4jClientError)
  })

  it("Bolt 5.7 GQL error with a nested cause", () => {
    const e = failure({
      gql_status: "42001",
      description: "error: syntax error or access rule violation - invalid syntax",
      message: "Invalid input 'RETRUN'",
      neo4j_code: "Neo.ClientError.Statement.SyntaxError",
      diagnostic_record: { CURRENT_SCHEMA: "/", OPERATION: "", OPERATION_CODE: "0", _classification: "CLIENT_ERROR" },
      cause: {
        gql_status: "42I06",
        description: "error: syntax error or access rule violation - invalid input",
        message: "Invalid input 'RETRUN', expected: 'RETURN'",
        diagnostic_record: { _position: { offset: 0, line: 1, column: 1 } },
        cause: { gql_status: "00000", message: "inner" }
      }
    }) as Neo4jClientError
    assert.instanceOf(e, Neo4jClientError)
    assert.strictEqual(e.code, "Neo.ClientError.Statement.SyntaxError")
    assert.strictEqual(e.gqlStatus, "42001")
    assert.strictEqual(e.gqlStatusDescription, "error: syntax error or access rule violation - invalid syntax")
    assert.deepStrictEqual(e.diagnosticRecord?._classification, "CLIENT_ERROR")
    const cause = e.cause as Responses.GqlErrorCause
    assert.strictEqual(cause._tag, "GqlErrorCause")
    assert.strictEqual(cause.gqlStatus, "42I06")
    assert.strictEqual(cause.message, "Invalid input 'RETRUN', expected: 'RETURN'")
    assert.deepStrictEqual(cause.diagnosticRecord, {
      OPERATION: "",
      OPERATION_CODE: "0",
      CURRENT_SCHEMA: "/",
      _position: { offset: 0, line: 1, column: 1 }
    })
    assert.strictEqual(e.classification, "CLIENT_ERROR")
    assert.strictEqual(cause.classification, "UNKNOWN")
    assert.isUndefined(cause.rawClassification)
    assert.strictEqual(cause.cause?.message, "inner")
    assert.isUndefined(cause.cause?.cause)
  })

  it("a legacy FAILURE gets the GQL fields of an unknown error, as from the official drivers", () => {
    const e = failure({ code: "Neo.ClientError.User.Uncool", message: "Not cool" }) as Neo4jClientError
    assert.strictEqual(e.gqlStatus, "50N42")
    assert.strictEqual(e.gqlStatusDescription, "error: general processing exception - unexpected error. Not cool")
    assert.deepStrictEqual(e.diagnosticRecord, { OPERATION: "", OPERATION_CODE: "0", CURRENT_SCHEMA: "/" })
    assert.strictEqual(e.classification, "UNKNOWN")
    assert.isUndefined(e.rawClassification)
  })

  it("neo4j_code wins over code; missing message becomes empty", () => {
    const e = failure({ code: "Neo.ClientError.X.Y", neo4j_code: "Neo.TransientError.A.B" }) as Neo4jTransientError
    assert.instanceOf(e, Neo4jTransientError)
    assert.strictEqual(e.message, "")
  })

  it("a cause chain deeper than the bound is cut", () => {
    let cause: Record<string, unknown> = { message: "bottom" }
    for (let i = 0; i < 100; i++) cause = { message: `level ${i}`, cause }
    const e = failure({ code: "Neo.ClientError.A.B", message: "top", cause }) as Neo4jClientError
    let depth = 0
    for (let c = e.cause as Responses.GqlErrorCause | undefined; c !== undefined; c = c.cause) depth++
    assert.strictEqual(depth, Responses.MAX_CAUSE_DEPTH)
  })
})

describe("malformed responses are protocol errors", () => {
  const table: ReadonlyArray<[string, string, RegExp]> = [
    ["empty body", "", /truncated/],
    ["not a struct", "a0", /structure/],
    ["struct marker without tag", "b1", /truncated/],
    ["unknown tag", "b1 55 a0", /Unknown response message 0x55/],
    ["request tag from a server", "b0 0f", /Unknown response message 0x0F/],
    ["RECORD with 2 fields", "b2 71 90 90", /RECORD has 2 fields/],
    ["RECORD with 0 fields", "b0 71", /RECORD has 0 fields/],
    ["RECORD data not a list", "b1 71 01", /not a list/],
    ["RECORD truncated list", "b1 71 93 01 02", /list of 3 items in 2 bytes/],
    ["RECORD truncated inside an item", "b1 71 92 01 c9 01", /truncated/],
    ["RECORD list claiming 2^31 items", "b1 71 d6 80 00 00 00 01", /list of 2147483648 items/],
    ["RECORD map claiming 2^32-1 entries", "b1 71 91 da ff ff ff ff", /map of 4294967295 entries/],
    ["RECORD string claiming 2^32-1 bytes", "b1 71 91 d2 ff ff ff ff 41", /truncated/],
    ["RECORD with trailing bytes", "b1 71 90 00", /1 unexpected bytes/],
    ["SUCCESS metadata not a map", "b1 70 90", /not a map/],
    ["SUCCESS metadata is null", "b1 70 c0", /not a map/],
    ["SUCCESS metadata is a struct", "b1 70 b1 44 01", /not a map/],
    ["SUCCESS with 2 fields", "b2 70 a0 a0", /SUCCESS has 2 fields/],
    ["IGNORED with a field", "b1 7e a0", /IGNORED has 1 fields/],
    ["IGNORED with trailing byte", "b0 7e 00", /unexpected bytes/],
    ["FAILURE without code", "b1 7f a0", /no code/],
    ["FAILURE metadata a list", "b1 7f 90", /not a map/],
    ["FAILURE with no fields", "b0 7f", /FAILURE has 0 fields/],
    ["map key not a string", "b1 70 a1 01 01", /map key/],
    ["unknown marker", "b1 71 91 e5", /marker/],
    ["UUID before 6.1", "b1 71 91 e0 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", /UUID/]
  ]
  for (const [name, hex, message] of table) {
    it(name, () => {
      const r = decode(hex)
      assert.instanceOf(r, Neo4jProtocolError)
      assert.match((r as Neo4jProtocolError).message, message)
    })
  }

  it("invalid UTF-8 never throws: the codec decodes it leniently (U+FFFD) or rejects it", () => {
    const r = decode("b1 71 91 82 c3 28")
    if (r instanceof Neo4jProtocolError) return
    assert.deepStrictEqual(r, { _tag: "Record", fields: ["\ufffd("] })
  })

  it("nesting deeper than the codec allows", () => {
    const deep = new Uint8Array(2 + 5000).fill(0x91)
    deep[0] = 0xb1
    deep[1] = 0x71
    const r = Responses.decode(reader, deep)
    assert.instanceOf(r, Neo4jProtocolError)
  })

  it("a non-codec exception is still returned, not thrown", () => {
    const broken = { reset: () => {
      throw new RangeError("boom")
    } } as unknown as PackStreamReader
    const r = Responses.decode(broken, new Uint8Array(1))
    assert.instanceOf(r, Neo4jProtocolError)
    assert.match((r as Neo4jProtocolError).message, /boom/)
  })
})

describe("Metadata readers", () => {
  it("HELLO: server, connection id, hints, 4.4 utc patch", () => {
    assert.deepStrictEqual(
      Metadata.hello({
        server: "Neo4j/5.26.0",
        connection_id: "bolt-7",
        patch_bolt: ["utc"],
        hints: { "connection.recv_timeout_seconds": 120, "telemetry.enabled": true, "ssr.enabled": false }
      }),
      {
        server: "Neo4j/5.26.0",
        connectionId: "bolt-7",
        patches: ["utc"],
        utcPatch: true,
        hints: { recvTimeoutSeconds: 120, telemetryEnabled: true, ssrEnabled: false }
      }
    )
    assert.deepStrictEqual(Metadata.hello({}), {
      server: undefined,
      connectionId: undefined,
      patches: [],
      utcPatch: false,
      hints: { recvTimeoutSeconds: undefined, telemetryEnabled: false, ssrEnabled: false }
    })
  })

  it("HELLO: a server agent other than Neo4j/... is rejected, as the official drivers do", () => {
    for (const agent of ["neo4j/4.1.0", "Neo4j4.3.0", "FooBar/4.3.0"]) {
      assert.instanceOf(Metadata.hello({ server: agent }), Neo4jProtocolError, agent)
    }
    assert.strictEqual((Metadata.hello({ server: "Neo4j/Funky!" }) as { server?: string }).server, "Neo4j/Funky!")
  })

  it("RUN: fields, t_first, qid, db", () => {
    assert.deepStrictEqual(Metadata.run({ fields: ["x"], t_first: 123, qid: 7000, db: "neo4j" }), {
      fields: ["x"],
      tFirst: 123,
      qid: 7000,
      db: "neo4j"
    })
    assert.instanceOf(Metadata.run({}), Neo4jProtocolError)
    assert.instanceOf(Metadata.run({ fields: [1] }), Neo4jProtocolError)
    assert.instanceOf(Metadata.run({ fields: [], qid: "7" }), Neo4jProtocolError)
  })

  it("PULL: has_more defaults to false", () => {
    assert.deepStrictEqual(Metadata.stream({ has_more: true }), { hasMore: true, bookmark: undefined, db: undefined })
    assert.deepStrictEqual(Metadata.stream({ bookmark: "example-bookmark:1", db: "example_database" }), {
      hasMore: false,
      bookmark: "example-bookmark:1",
      db: "example_database"
    })
    assert.instanceOf(Metadata.stream({ has_more: "yes" }), Neo4jProtocolError)
  })

  it("COMMIT: bookmark", () => {
    assert.deepStrictEqual(Metadata.transaction({ bookmark: "bm" }), { bookmark: "bm", db: undefined })
  })

  it("ROUTE: the spec's v4.4 example", () => {
    assert.deepStrictEqual(
      Metadata.route({
        rt: {
          ttl: 1000,
          db: "foo",
          servers: [
            { addresses: ["localhost:9001"], role: "ROUTE" },
            { addresses: ["localhost:9010", "localhost:9012"], role: "READ" },
            { addresses: ["localhost:9020", "localhost:9022"], role: "WRITE" }
          ]
        }
      }),
      {
        ttl: 1000,
        db: "foo",
        routers: ["localhost:9001"],
        readers: ["localhost:9010", "localhost:9012"],
        writers: ["localhost:9020", "localhost:9022"]
      }
    )
  })

  it("ROUTE: malformed tables", () => {
    assert.instanceOf(Metadata.route({}), Neo4jProtocolError)
    assert.instanceOf(Metadata.route({ rt: { ttl: 1, servers: {} } }), Neo4jProtocolError)
    assert.instanceOf(Metadata.route({ rt: { servers: [] } }), Neo4jProtocolError)
    assert.instanceOf(Metadata.route({ rt: { ttl: 1, servers: [{ addresses: [], role: "LEADER" }] } }), Neo4jProtocolError)
    assert.instanceOf(Metadata.route({ rt: { ttl: 1, servers: [1] } }), Neo4jProtocolError)
  })
})
