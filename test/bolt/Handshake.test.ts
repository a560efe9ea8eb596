import { assert, describe, it } from "@effect/vitest"
import * as Handshake from "../../src/bolt/Handshake.ts"
import type { Agreed, ReplyResult, VersionRange } from "../../src/bolt/Handshake.ts"
import * as Version from "../../src/bolt/Version.ts"
import { Neo4jConnectionError, Neo4jProtocolError } from "../../src/Neo4jError.ts"
import { fromHex, toHex } from "./hex.ts"

const agreed = (r: ReplyResult): Agreed => {
  if (r._tag !== "Agreed") assert.fail(`expected Agreed, got ${r._tag}: ${"message" in r ? r.message : ""}`)
  return r
}

describe("Handshake preamble", () => {
  it("default: magic, manifest v1, 5.8-5.6, 5.4-5.0, 4.4", () => {
    assert.strictEqual(
      toHex(Handshake.encodePreamble()),
      "60 60 b0 17 00 00 01 ff 00 02 08 05 00 04 04 05 00 00 04 04"
    )
  })

  const cases: ReadonlyArray<[string, ReadonlyArray<VersionRange>, string]> = [
    ["no proposals: four zero fillers", [], "60 60 b0 17 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"],
    ["4.4 only", [{ major: 4, minor: 4, range: 0 }], "60 60 b0 17 00 00 04 04 00 00 00 00 00 00 00 00 00 00 00 00"],
    [
      "spec example 4.3-4.0, 4.1, 4.0, 3",
      [{ major: 4, minor: 3, range: 3 }, { major: 4, minor: 1, range: 0 }, { major: 4, minor: 0, range: 0 }, {
        major: 3,
        minor: 0,
        range: 0
      }],
      "60 60 b0 17 00 03 03 04 00 00 01 04 00 00 00 04 00 00 00 03"
    ],
    [
      "manifest + 5.8-5.0 + 4.4 (range over 5.5)",
      [Handshake.MANIFEST_V1_PROPOSAL, { major: 5, minor: 8, range: 8 }, { major: 4, minor: 4, range: 0 }],
      "60 60 b0 17 00 00 01 ff 00 08 08 05 00 00 04 04 00 00 00 00"
    ],
    [
      "five proposals: the fifth is dropped",
      [1, 2, 3, 4, 5].map((m) => ({ major: m, minor: 0, range: 0 })),
      "60 60 b0 17 00 00 00 01 00 00 00 02 00 00 00 03 00 00 00 04"
    ]
  ]
  for (const [name, proposals, hex] of cases) {
    it(name, () => assert.strictEqual(toHex(Handshake.encodePreamble(proposals)), hex))
  }
})

describe("Handshake legacy reply", () => {
  for (const v of Version.SUPPORTED.filter((v) => v.major < 6)) {
    it(`server chooses ${Version.format(v)}`, () => {
      const r = agreed(Handshake.decodeReply(Uint8Array.of(0, 0, v.minor, v.major)))
      assert.deepStrictEqual(r.version, v)
      assert.strictEqual(r.consumed, 4)
      assert.strictEqual(r.manifest, false)
      assert.strictEqual(r.answer.length, 0)
    })
  }

  it("00 00 00 00: no common version", () => {
    const r = Handshake.decodeReply(fromHex("00 00 00 00"))
    assert.instanceOf(r, Neo4jConnectionError)
    assert.strictEqual((r as Neo4jConnectionError).reason, "NoCommonVersion")
  })

  it("HTTP: the user dialled the HTTP port", () => {
    const r = Handshake.decodeReply(new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n"))
    assert.instanceOf(r, Neo4jConnectionError)
    assert.strictEqual((r as Neo4jConnectionError).reason, "HttpPort")
    assert.match((r as Neo4jConnectionError).message, /HTTP port/)
    assert.match((r as Neo4jConnectionError).message, /7687/)
  })

  it("fewer than 4 bytes: need more", () => {
    for (let n = 0; n < 4; n++) {
      assert.deepStrictEqual(Handshake.decodeReply(new Uint8Array(n)), { _tag: "NeedMore", needed: 4 })
    }
  })

  it("5.5 is never accepted (not proposed)", () => {
    assert.instanceOf(Handshake.decodeReply(fromHex("00 00 05 05")), Neo4jProtocolError)
  })

  it("a version outside the proposals is a protocol error", () => {
    for (const hex of ["00 00 00 03", "00 00 03 04", "00 00 00 06", "00 00 09 05", "01 00 04 04", "00 01 04 04"]) {
      assert.instanceOf(Handshake.decodeReply(fromHex(hex)), Neo4jProtocolError, hex)
    }
  })

  it("a version this driver speaks but did not propose is refused", () => {
    assert.instanceOf(
      Handshake.decodeReply(fromHex("00 00 04 04"), [{ major: 5, minor: 8, range: 8 }]),
      Neo4jProtocolError
    )
  })

  it("manifest reply without a manifest proposal is refused", () => {
    assert.instanceOf(
      Handshake.decodeReply(fromHex("00 00 01 ff 01 00 00 00 06 00"), [{ major: 5, minor: 8, range: 8 }]),
      Neo4jProtocolError
    )
  })
})

describe("Handshake manifest v1", () => {
  it("spec example: 5.8-5.6 and 4.4-4.0, capabilities 0x09 -> 5.8, answer 00 00 08 05 00", () => {
    const r = agreed(Handshake.decodeReply(fromHex("00 00 01 ff 02 00 02 08 05 00 04 04 04 09")))
    assert.deepStrictEqual(r.version, Version.make(5, 8))
    assert.strictEqual(r.manifest, true)
    assert.strictEqual(r.consumed, 14)
    assert.strictEqual(r.serverCapabilities, 9n)
    assert.deepStrictEqual(r.offered, [{ major: 5, minor: 8, range: 2 }, { major: 4, minor: 4, range: 4 }])
    assert.strictEqual(toHex(r.answer), "00 00 08 05 00")
  })

  it("2026 server: 6.1-6.0, 5.8-5.0, 4.4 -> 6.1", () => {
    const r = agreed(Handshake.decodeReply(fromHex("00 00 01 ff 03 00 01 01 06 00 08 08 05 00 00 04 04 00")))
    assert.deepStrictEqual(r.version, Version.make(6, 1))
    assert.strictEqual(toHex(r.answer), "00 00 01 06 00")
  })

  it("server offers only 5.5 and 3.0 -> no common version", () => {
    const r = Handshake.decodeReply(fromHex("00 00 01 ff 02 00 00 05 05 00 00 00 03 00"))
    assert.instanceOf(r, Neo4jConnectionError)
    assert.strictEqual((r as Neo4jConnectionError).reason, "NoCommonVersion")
  })

  it("skips 5.5 inside an offered range: 5.5-5.5 only -> none; 5.5-5.4 -> 5.4", () => {
    assert.instanceOf(Handshake.decodeReply(fromHex("00 00 01 ff 01 00 00 05 05 00")), Neo4jConnectionError)
    const r = agreed(Handshake.decodeReply(fromHex("00 00 01 ff 01 00 01 05 05 00")))
    assert.deepStrictEqual(r.version, Version.make(5, 4))
  })

  it("zero ranges -> no common version", () => {
    assert.instanceOf(Handshake.decodeReply(fromHex("00 00 01 ff 00 00")), Neo4jConnectionError)
  })

  it("multi-byte VarInt capabilities and extra bytes after the reply", () => {
    const r = agreed(Handshake.decodeReply(fromHex("00 00 01 ff 01 00 00 00 06 ff 82 71 aa bb")))
    assert.deepStrictEqual(r.version, Version.make(6, 0))
    assert.strictEqual(r.serverCapabilities, 0x7fn | (0x02n << 7n) | (0x71n << 14n))
    assert.strictEqual(r.consumed, 12)
  })

  it("needs more at every prefix of a complete reply", () => {
    const full = fromHex("00 00 01 ff 02 00 02 08 05 00 04 04 04 ff 01")
    for (let n = 0; n < full.length; n++) {
      const r = Handshake.decodeReply(full.subarray(0, n))
      assert.strictEqual(r._tag, "NeedMore", `prefix ${n}`)
      if (r._tag === "NeedMore") assert.isAbove(r.needed, n)
    }
    assert.strictEqual(Handshake.decodeReply(full)._tag, "Agreed")
  })

  it("a multi-byte VarInt count split anywhere still asks for more", () => {
    // 129 ranges would be hostile, so use a padded (non-minimal) VarInt 1: 81 80 00
    const full = fromHex("00 00 01 ff 81 80 00 00 00 08 05 00")
    for (let n = 0; n < full.length; n++) {
      const r = Handshake.decodeReply(full.subarray(0, n))
      assert.strictEqual(r._tag, "NeedMore", `prefix ${n}`)
      if (r._tag === "NeedMore") assert.isAbove(r.needed, n)
    }
    assert.deepStrictEqual(agreed(Handshake.decodeReply(full)).version, Version.make(5, 8))
  })

  it("a hostile range count is refused before buffering", () => {
    const r = Handshake.decodeReply(fromHex("00 00 01 ff ff ff ff ff 0f"))
    assert.instanceOf(r, Neo4jProtocolError)
  })

  it("a VarInt longer than 64 bits is refused", () => {
    const r = Handshake.decodeReply(fromHex("00 00 01 ff 01 00 00 00 06 ff ff ff ff ff ff ff ff ff ff 01"))
    assert.instanceOf(r, Neo4jProtocolError)
  })

  it("client answer for each supported version", () => {
    for (const v of Version.SUPPORTED) {
      assert.strictEqual(
        toHex(Handshake.encodeManifestAnswer(v)),
        `00 00 0${v.minor} 0${v.major} 00`
      )
    }
  })
})

describe("VarInt", () => {
  const table: ReadonlyArray<[bigint, string]> = [
    [0n, "00"],
    [1n, "01"],
    [127n, "7f"],
    [128n, "80 01"],
    [300n, "ac 02"],
    [16383n, "ff 7f"],
    [16384n, "80 80 01"],
    [0xffff_ffff_ffff_ffffn, "ff ff ff ff ff ff ff ff ff 01"]
  ]
  for (const [value, hex] of table) {
    it(`${value} <-> ${hex}`, () => {
      assert.strictEqual(toHex(Handshake.encodeVarInt(value)), hex)
      assert.deepStrictEqual(Handshake.decodeVarInt(fromHex(hex), 0), { value, length: hex.split(" ").length })
    })
  }
  it("truncated -> undefined", () => {
    assert.isUndefined(Handshake.decodeVarInt(fromHex("80 80"), 0))
  })
  it("above 2^64-1 -> error", () => {
    assert.instanceOf(Handshake.decodeVarInt(fromHex("ff ff ff ff ff ff ff ff ff 7f"), 0), Neo4jProtocolError)
  })
})

describe("HandshakeReader", () => {
  it("fed one byte at a time, returns the bytes after the reply", () => {
    const stream = fromHex("00 00 01 ff 01 00 01 01 06 00 00 00 00 02 b0 7e")
    const reader = new Handshake.HandshakeReader()
    for (let i = 0; i < 9; i++) {
      assert.strictEqual(reader.feed(stream.subarray(i, i + 1))._tag, "NeedMore")
    }
    const r = reader.feed(stream.subarray(9))
    if (r._tag !== "Agreed") return assert.fail(r._tag)
    assert.deepStrictEqual(r.version, Version.make(6, 1))
    assert.strictEqual(toHex(r.rest), "00 00 00 02 b0 7e")
  })

  it("legacy reply in two pieces", () => {
    const reader = new Handshake.HandshakeReader()
    assert.strictEqual(reader.feed(fromHex("00 00"))._tag, "NeedMore")
    const r = reader.feed(fromHex("08 05"))
    if (r._tag !== "Agreed") return assert.fail(r._tag)
    assert.deepStrictEqual(r.version, Version.make(5, 8))
    assert.strictEqual(r.rest.length, 0)
  })

  it("HTTP reply through the reader", () => {
    const r = new Handshake.HandshakeReader().feed(new TextEncoder().encode("HTTP/1.1"))
    assert.instanceOf(r, Neo4jConnectionError)
  })
})
