import { assert, describe, it } from "@effect/vitest"
import * as Capabilities from "../../src/bolt/Capabilities.ts"
import * as Chunking from "../../src/bolt/Chunking.ts"
import { MessageWriter } from "../../src/bolt/MessageWriter.ts"
import * as Requests from "../../src/bolt/Requests.ts"
import type { EncodeContext, EncodeResult } from "../../src/bolt/Requests.ts"
import * as Version from "../../src/bolt/Version.ts"
import * as Auth from "../../src/Neo4jAuth.ts"
import { Neo4jUsageError } from "../../src/Neo4jError.ts"
import { fromHex, toHex } from "./hex.ts"

const ctx = (major: number, minor: number): EncodeContext => {
  const capabilities = Capabilities.forVersion(Version.make(major, minor))
  return { capabilities, codec: Capabilities.codecOptions(capabilities) }
}
const v58 = ctx(5, 8)

/** PackStream string bytes for ASCII text (tiny or 8-bit size), to keep long keys readable. */
const s = (text: string): string => {
  const bytes = Array.from(text, (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join(" ")
  const n = text.length
  const header = n < 16 ? (0x80 | n).toString(16) : `d0 ${n.toString(16).padStart(2, "0")}`
  return n === 0 ? header : `${header} ${bytes}`
}

/** Expected framing of a body written out in hex: one chunk + 00 00. */
const framed = (bodyHex: string): string => toHex(Chunking.chunk(fromHex(bodyHex)))

const encode = (write: (w: MessageWriter) => EncodeResult): string => {
  const w = new MessageWriter(16)
  const result = write(w)
  if (result !== undefined) assert.fail(result.message)
  assert.strictEqual(w.messages, 1)
  return toHex(w.view())
}

const failure = (write: (w: MessageWriter) => EncodeResult): Neo4jUsageError => {
  const result = write(new MessageWriter())
  assert.instanceOf(result, Neo4jUsageError)
  return result as Neo4jUsageError
}

describe("messages without fields", () => {
  const table: ReadonlyArray<[string, (w: MessageWriter) => EncodeResult, string]> = [
    ["RESET", Requests.reset, "00 02 b0 0f 00 00"],
    ["GOODBYE", Requests.goodbye, "00 02 b0 02 00 00"],
    ["COMMIT", Requests.commit, "00 02 b0 12 00 00"],
    ["ROLLBACK", Requests.rollback, "00 02 b0 13 00 00"],
    ["LOGOFF", (w) => Requests.logoff(w, v58), "00 02 b0 6b 00 00"]
  ]
  for (const [name, write, hex] of table) it(name, () => assert.strictEqual(encode(write), hex))
})

describe("PULL / DISCARD", () => {
  it("PULL {n: -1}", () => assert.strictEqual(encode((w) => Requests.pull(w, { n: -1 })), "00 06 b1 3f a1 81 6e ff 00 00"))
  it("PULL {n: 1000, qid: 7}", () =>
    assert.strictEqual(
      encode((w) => Requests.pull(w, { n: 1000, qid: 7 })),
      "00 0d b1 3f a2 81 6e c9 03 e8 83 71 69 64 07 00 00"
    ))
  it("PULL {n: 1000n, qid: 2^40} with bigint", () =>
    assert.strictEqual(
      encode((w) => Requests.pull(w, { n: 1000n, qid: 2n ** 40n })),
      "00 15 b1 3f a2 81 6e c9 03 e8 83 71 69 64 cb 00 00 01 00 00 00 00 00 00 00"
    ))
  // qid -1 (the latest query) is the server's default: the official drivers omit it, and TestKit's
  // stub scripts expect `PULL {n}` / `DISCARD {n}` alone for the latest query.
  it("DISCARD {n: -1, qid: -1} omits the default qid", () =>
    assert.strictEqual(
      encode((w) => Requests.discard(w, { n: -1, qid: -1 })),
      "00 06 b1 2f a1 81 6e ff 00 00"
    ))
  it("PULL {n: 1000, qid: -1n} omits the default qid (bigint too)", () =>
    assert.strictEqual(
      encode((w) => Requests.pull(w, { n: 1000, qid: -1n })),
      "00 08 b1 3f a1 81 6e c9 03 e8 00 00"
    ))
  it("PULL {n: 5, qid: 0} keeps qid 0 (the first query of a transaction)", () =>
    assert.strictEqual(
      encode((w) => Requests.pull(w, { n: 5, qid: 0 })),
      "00 0b b1 3f a2 81 6e 05 83 71 69 64 00 00 00"
    ))
  it("invalid n and qid are usage errors", () => {
    for (const n of [0, -2, 1.5, Number.NaN, 2 ** 60]) failure((w) => Requests.pull(w, { n }))
    failure((w) => Requests.discard(w, { n: 0n }))
    failure((w) => Requests.pull(w, { n: 10, qid: -2 }))
    failure((w) => Requests.pull(w, { n: 10, qid: 0.5 }))
  })
})

describe("TELEMETRY", () => {
  it("api 2 (auto-commit) on 5.4+", () =>
    assert.strictEqual(encode((w) => Requests.telemetry(w, Requests.TelemetryApi.AUTO_COMMIT_TRANSACTION, v58)), "00 03 b1 54 02 00 00"))
  it("refused before 5.4", () => {
    assert.match(failure((w) => Requests.telemetry(w, 0, ctx(5, 3))).message, /5\.4/)
  })
})

describe("HELLO", () => {
  const agent = "effect-neo4j/0.1.0"
  const auth = Auth.basic("neo4j", "password")

  it("5.8: user_agent, bolt_agent, routing; no credentials", () => {
    const got = encode((w) =>
      Requests.hello(w, {
        userAgent: agent,
        boltAgent: { product: agent, platform: "linux", language: "JavaScript/22", languageDetails: "node" },
        routing: { address: "localhost:7687" },
        auth
      }, v58)
    )
    assert.strictEqual(
      got,
      framed(
        `b1 01 a3 ${s("user_agent")} ${s(agent)} ` +
          `${s("bolt_agent")} a4 ${s("product")} ${s(agent)} ${s("platform")} ${s("linux")} ` +
          `${s("language")} ${s("JavaScript/22")} ${s("language_details")} ${s("node")} ` +
          `${s("routing")} a1 ${s("address")} ${s("localhost:7687")}`
      )
    )
  })

  it("5.8 minimal: user_agent and bolt_agent product (routing omitted means no routing)", () => {
    assert.strictEqual(
      encode((w) => Requests.hello(w, { userAgent: "a/1", boltAgent: { product: "p/1" } }, v58)),
      "00 2a b1 01 a2 8a 75 73 65 72 5f 61 67 65 6e 74 83 61 2f 31 " +
        "8a 62 6f 6c 74 5f 61 67 65 6e 74 a1 87 70 72 6f 64 75 63 74 83 70 2f 31 00 00"
    )
  })

  it("5.1 / 5.2: no bolt_agent before 5.3", () => {
    assert.strictEqual(
      encode((w) => Requests.hello(w, { userAgent: "a/1", boltAgent: { product: "p/1" } }, ctx(5, 2))),
      "00 12 b1 01 a1 8a 75 73 65 72 5f 61 67 65 6e 74 83 61 2f 31 00 00"
    )
  })

  it("5.0: credentials in HELLO, no bolt_agent", () => {
    assert.strictEqual(
      encode((w) => Requests.hello(w, { userAgent: "a/1", boltAgent: { product: "p" }, auth }, ctx(5, 0))),
      framed(
        `b1 01 a4 ${s("user_agent")} 83 61 2f 31 ${s("scheme")} ${s("basic")} ${s("principal")} ${s("neo4j")} ` +
          `${s("credentials")} ${s("password")}`
      )
    )
  })

  it("4.4: patch_bolt [utc] and credentials", () => {
    assert.strictEqual(
      encode((w) => Requests.hello(w, { userAgent: "a/1", boltAgent: { product: "p" }, routing: {}, auth: Auth.none() }, ctx(4, 4))),
      framed(`b1 01 a4 ${s("user_agent")} 83 61 2f 31 ${s("routing")} a0 ${s("patch_bolt")} 91 83 75 74 63 ${s("scheme")} ${s("none")}`)
    )
  })

  it("4.4 / 5.0 without an auth token is a usage error", () => {
    failure((w) => Requests.hello(w, { userAgent: "a/1", boltAgent: { product: "p" } }, ctx(4, 4)))
    failure((w) => Requests.hello(w, { userAgent: "a/1", boltAgent: { product: "p" } }, ctx(5, 0)))
  })

  it("5.2: notification filters as categories", () => {
    assert.strictEqual(
      encode((w) =>
        Requests.hello(w, {
          userAgent: "a/1",
          boltAgent: { product: "p" },
          notifications: { minimumSeverity: "WARNING", disabledClassifications: ["HINT"] }
        }, ctx(5, 2))
      ),
      framed(
        `b1 01 a3 ${s("user_agent")} 83 61 2f 31 ${s("notifications_minimum_severity")} ${s("WARNING")} ` +
          `${s("notifications_disabled_categories")} 91 ${s("HINT")}`
      )
    )
  })

  it("5.6+: notification filters as classifications; OFF", () => {
    assert.strictEqual(
      encode((w) =>
        Requests.hello(w, {
          userAgent: "a/1",
          boltAgent: { product: "p" },
          notifications: { minimumSeverity: "OFF", disabledClassifications: [] }
        }, ctx(5, 6))
      ),
      framed(
        `b1 01 a4 ${s("user_agent")} 83 61 2f 31 ${s("bolt_agent")} a1 ${s("product")} 81 70 ` +
          `${s("notifications_minimum_severity")} ${s("OFF")} ` +
          `${s("notifications_disabled_classifications")} 90`
      )
    )
  })

  it("notification filters before 5.2 are a usage error; an empty filter is fine", () => {
    const agent = { product: "p" }
    assert.match(
      failure((w) => Requests.hello(w, { userAgent: "a/1", boltAgent: agent, notifications: { minimumSeverity: "OFF" } }, ctx(5, 1)))
        .message,
      /5\.2/
    )
    encode((w) => Requests.hello(w, { userAgent: "a/1", boltAgent: agent, notifications: {} }, ctx(5, 1)))
  })
})

describe("LOGON", () => {
  it("basic", () => {
    assert.strictEqual(
      encode((w) => Requests.logon(w, Auth.basic("neo4j", "password"), v58)),
      framed(`b1 6a a3 ${s("scheme")} ${s("basic")} ${s("principal")} ${s("neo4j")} ${s("credentials")} ${s("password")}`)
    )
  })
  it("bearer", () => {
    assert.strictEqual(
      encode((w) => Requests.logon(w, Auth.bearer("tok"), v58)),
      framed(`b1 6a a2 ${s("scheme")} ${s("bearer")} ${s("credentials")} 83 74 6f 6b`)
    )
  })
  it("refused before 5.1", () => {
    failure((w) => Requests.logon(w, Auth.none(), ctx(5, 0)))
    failure((w) => Requests.logoff(w, ctx(4, 4)))
  })
})

describe("RUN / BEGIN", () => {
  const query = "RETURN $x AS x"
  const queryHex = "8e 52 45 54 55 52 4e 20 24 78 20 41 53 20 78"

  it("spec example 2: RUN \"RETURN $x AS x\" {x: 1} {}", () => {
    assert.strictEqual(
      encode((w) => Requests.run(w, { query, parameters: { x: 1 } }, v58)),
      framed(`b3 10 ${queryHex} a1 81 78 01 a0`)
    )
  })

  it("no parameters: empty map", () => {
    assert.strictEqual(encode((w) => Requests.run(w, { query: "RETURN 1" }, v58)), framed(`b3 10 ${s("RETURN 1")} a0 a0`))
  })

  it("all extra fields, in wire order", () => {
    const extra = `a7 ${s("bookmarks")} 91 ${s("bm:1")} ${s("tx_timeout")} c9 04 d2 ${s("tx_metadata")} a1 ${s("app")} ${s("x")} ` +
      `${s("mode")} ${s("r")} ${s("db")} ${s("neo4j")} ${s("imp_user")} ${s("bob")} ` +
      `${s("notifications_disabled_classifications")} 92 ${s("HINT")} ${s("DEPRECATION")}`
    const input = {
      bookmarks: ["bm:1"],
      txTimeoutMillis: 1234,
      txMetadata: { app: "x" },
      mode: "read",
      database: "neo4j",
      impersonatedUser: "bob",
      notifications: { disabledClassifications: ["HINT", "DEPRECATION"] }
    } as const
    assert.strictEqual(encode((w) => Requests.run(w, { query, parameters: {}, ...input }, v58)), framed(`b3 10 ${queryHex} a0 ${extra}`))
    assert.strictEqual(encode((w) => Requests.begin(w, input, v58)), framed(`b1 11 ${extra}`))
  })

  it("write mode, empty bookmarks and undefined fields are omitted", () => {
    assert.strictEqual(
      encode((w) => Requests.begin(w, { mode: "write", bookmarks: [], database: undefined }, v58)),
      "00 03 b1 11 a0 00 00"
    )
  })

  it("4.4: imp_user and db in BEGIN", () => {
    assert.strictEqual(
      encode((w) => Requests.begin(w, { database: "system", impersonatedUser: "amy" }, ctx(4, 4))),
      framed(`b1 11 a2 ${s("db")} ${s("system")} ${s("imp_user")} ${s("amy")}`)
    )
  })

  it("bad timeouts are usage errors", () => {
    for (const t of [-1, 1.5, Number.POSITIVE_INFINITY]) failure((w) => Requests.begin(w, { txTimeoutMillis: t }, v58))
  })

  it("a parameter without a Cypher type fails with its path", () => {
    const e = failure((w) => Requests.run(w, { query, parameters: { rows: [{ born: 1 }, { born: () => 1 }] } }, v58))
    assert.strictEqual(e.path, "$rows[1].born")
  })

  it("a parameter set to undefined fails naming it (the server would only say it is missing)", () => {
    const e = failure((w) => Requests.run(w, { query: "RETURN $born", parameters: { name: "Ada", born: undefined } }, v58))
    assert.strictEqual(e.path, "$born")
    assert.include(e.message, "$born")
    assert.include(e.message, "null")
    const quoted = failure((w) => Requests.run(w, { query: "RETURN 1", parameters: { "first name": undefined } }, v58))
    assert.strictEqual(quoted.path, '$["first name"]')
    // Inside a map parameter, an undefined entry is still left out (optional fields).
    assert.strictEqual(
      encode((w) => Requests.run(w, { query: "RETURN 1", parameters: { p: { a: 1, b: undefined } } }, v58)),
      framed(`b3 10 ${s("RETURN 1")} a1 81 70 a1 81 61 01 a0`)
    )
  })

  it("bad transaction metadata fails with a label", () => {
    const e = failure((w) => Requests.begin(w, { txMetadata: { f: Symbol("x") } }, v58))
    assert.match(e.message, /Transaction metadata/)
  })

  it("a parameter larger than a chunk is split in place", () => {
    const big = "x".repeat(70_000)
    const w = new MessageWriter()
    assert.isUndefined(Requests.run(w, { query: "RETURN $s", parameters: { s: big } }, v58))
    const body = fromHex(`b3 10 ${s("RETURN $s")} a1 81 73 d2 00 01 11 70`)
    const full = new Uint8Array(body.length + big.length + 1)
    full.set(body, 0)
    full.fill(0x78, body.length, body.length + big.length)
    full[full.length - 1] = 0xa0
    assert.deepStrictEqual(w.view(), Chunking.chunk(full))
  })
})

describe("ROUTE", () => {
  it("routing context, no bookmarks, empty extra", () => {
    assert.strictEqual(
      encode((w) => Requests.route(w, { routing: { address: "localhost:7687" } }, v58)),
      framed(`b3 66 a1 ${s("address")} ${s("localhost:7687")} 90 a0`)
    )
  })
  it("spec example 2 shape: bookmarks and {db, imp_user}", () => {
    assert.strictEqual(
      encode((w) =>
        Requests.route(w, {
          routing: { address: "x.example.com:9001", region: "eu" },
          bookmarks: ["b1", "b2"],
          database: "example_database",
          impersonatedUser: "bob"
        }, ctx(4, 4))
      ),
      framed(
        `b3 66 a2 ${s("address")} ${s("x.example.com:9001")} ${s("region")} ${s("eu")} 92 ${s("b1")} ${s("b2")} ` +
          `a2 ${s("db")} ${s("example_database")} ${s("imp_user")} ${s("bob")}`
      )
    )
  })
})

describe("MessageWriter", () => {
  it("pipelines RUN + PULL into one buffer", () => {
    const w = new MessageWriter()
    Requests.run(w, { query: "RETURN 1" }, v58)
    Requests.pull(w, { n: 1000 })
    assert.strictEqual(w.messages, 2)
    assert.strictEqual(
      toHex(w.view()),
      `${framed(`b3 10 ${s("RETURN 1")} a0 a0`)} ${framed("b1 3f a1 81 6e c9 03 e8")}`
    )
    w.reset()
    assert.strictEqual(w.length, 0)
    Requests.reset(w)
    assert.strictEqual(toHex(w.toUint8Array()), "00 02 b0 0f 00 00")
  })

  it("a failed encode drops only its own message", () => {
    const w = new MessageWriter()
    Requests.reset(w)
    assert.instanceOf(Requests.run(w, { query: "RETURN 1", parameters: { f: () => 1 } }, v58), Neo4jUsageError)
    assert.instanceOf(Requests.begin(w, { txMetadata: { s: Symbol() } }, v58), Neo4jUsageError)
    assert.instanceOf(Requests.pull(w, { n: 0 }), Neo4jUsageError)
    Requests.goodbye(w)
    assert.strictEqual(w.messages, 2)
    assert.strictEqual(toHex(w.view()), "00 02 b0 0f 00 00 00 02 b0 02 00 00")
  })

  it("truncate keeps a prefix and the writer stays usable", () => {
    const w = new MessageWriter(4)
    Requests.reset(w)
    const mark = w.length
    Requests.run(w, { query: "RETURN 1" }, v58)
    Requests.pull(w, { n: -1 })
    assert.strictEqual(w.messages, 3)
    w.truncate(mark)
    assert.strictEqual(w.messages, 1)
    assert.strictEqual(toHex(w.view()), "00 02 b0 0f 00 00")
    Requests.commit(w)
    assert.strictEqual(toHex(w.view()), "00 02 b0 0f 00 00 00 02 b0 12 00 00")
    w.truncate(0)
    assert.strictEqual(w.length, 0)
    assert.strictEqual(w.messages, 0)
  })
})
