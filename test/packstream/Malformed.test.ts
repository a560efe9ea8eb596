import { assert, describe, it } from "@effect/vitest"
import * as ValueCodec from "../../src/bolt/ValueCodec.ts"
import { Node, Path, PathSegment, Relationship } from "../../src/Neo4jGraph.ts"
import { Point } from "../../src/Neo4jSpatial.ts"
import * as Neo4jTemporal from "../../src/Neo4jTemporal.ts"
import { Uuid } from "../../src/Neo4jUuid.ts"
import { Vector } from "../../src/Neo4jVector.ts"
import type { ValueCodecOptions } from "../../src/bolt/ValueCodec.ts"
import { isPackStreamDecodeError, prettyPrint } from "../../src/packstream/index.ts"
import { bolt44Options, bolt5Options, bolt61Options, bytes, decode, encode, thrown } from "./helpers.ts"

const all: ValueCodecOptions = { ...bolt61Options, encodeGraphTypes: true }

const expectDecodeError = (input: Uint8Array, options: ValueCodecOptions = all): void => {
  const error = thrown(() => decode(input, options))
  assert.isTrue(isPackStreamDecodeError(error), `${String(error)}\n${prettyPrint(input)}`)
}

const n1 = new Node(1, ["A"], { x: 1 }, "n1")
const n2 = new Node(2, ["B"], {}, "n2")
const samples: ReadonlyArray<unknown> = [
  -129,
  2n ** 62n,
  1.5,
  "héllo wörld, a string over sixteen bytes",
  Uint8Array.of(1, 2, 3),
  [1, [2, [3, "x"]], { k: null }],
  { name: "Ada", tags: ["a", "b"], nested: { deep: [true, false] } },
  n1,
  new Relationship(5, 1, 2, "R", { w: 0.5 }, "r5", "n1", "n2"),
  new Path(n1, n2, [new PathSegment(n1, new Relationship(5, 1, 2, "R", {}, "r5", "n1", "n2"), n2)]),
  Point.wgs84_3d(1, 2, 3),
  Neo4jTemporal.DateTime.of({ year: 2024, month: 10, day: 27, hour: 2, minute: 30, zoneId: "Europe/Berlin" }),
  Neo4jTemporal.Duration.of({ months: 1, seconds: -5, nanoseconds: 7 }),
  new Vector(Float64Array.of(1, 2, 3)),
  Uuid.fromString("00112233-4455-6677-8899-aabbccddeeff")
]

describe("truncated input", () => {
  it("every strict prefix of every sample is a PackStreamDecodeError", () => {
    for (const sample of samples) {
      const full = encode(sample, all)
      for (let length = 0; length < full.length; length++) expectDecodeError(full.subarray(0, length))
    }
  })
})

describe("bad markers", () => {
  for (const marker of [0xc4, 0xc5, 0xc6, 0xc7, 0xcf, 0xd3, 0xd7, 0xdb, 0xde, 0xdf, 0xe1, 0xef]) {
    it(`0x${marker.toString(16)} is not a marker`, () => expectDecodeError(Uint8Array.of(marker, 0, 0, 0, 0)))
  }
  it("0xE0 (UUID) before Bolt 6.1", () => expectDecodeError(new Uint8Array(17).fill(0xe0, 0, 1), bolt5Options))
  it("a map key that is not a string", () => expectDecodeError(bytes("A1 01 01")))
  it("a reset range outside the buffer", () => {
    const reader = ValueCodec.reader(bolt5Options)
    assert.isTrue(isPackStreamDecodeError(thrown(() => reader.reset(bytes("01"), 0, 2))))
    assert.isTrue(isPackStreamDecodeError(thrown(() => reader.reset(bytes("01"), 1, 0))))
  })
  it("readStructSize on something else, readUint8 at the end", () => {
    const reader = ValueCodec.reader(bolt5Options)
    reader.reset(bytes("91 01"))
    assert.isTrue(isPackStreamDecodeError(thrown(() => reader.readStructSize())))
    reader.reset(bytes(""))
    assert.isTrue(isPackStreamDecodeError(thrown(() => reader.readUint8())))
    assert.isTrue(isPackStreamDecodeError(thrown(() => reader.readValue())))
  })
})

describe("length prefixes that lie", () => {
  const table = [
    ["LIST_32 of 2^31 items", "D6 80 00 00 00 01 02 03"],
    ["LIST_32 of 2^32-1 items", "D6 FF FF FF FF"],
    ["MAP_32 of 2^32-1 entries", "DA FF FF FF FF 81 61 01"],
    ["STRING_32 of 2^32-1 bytes", "D2 FF FF FF FF 61 62"],
    ["BYTES_32 of 2^31 bytes", "CE 80 00 00 00 00"],
    ["STRUCT_16 of 65535 fields", "DD FF FF 4E 01"],
    ["LIST_16 of 65535 items", "D5 FF FF 01"],
    ["a Path whose lists lie", "B3 50 D6 7F FF FF FF"]
  ] as const
  for (const [name, input] of table) {
    it(`${name}: fails at once, allocates nothing big`, () => {
      const before = process.memoryUsage().heapUsed
      const start = performance.now()
      expectDecodeError(bytes(input))
      assert.isBelow(performance.now() - start, 100)
      assert.isBelow(process.memoryUsage().heapUsed - before, 16 * 1024 * 1024)
    })
  }
})

describe("nesting", () => {
  it("100,000 nested lists fail with a decode error, not a stack overflow", () => {
    expectDecodeError(new Uint8Array(100_000).fill(0x91))
    expectDecodeError(new Uint8Array(100_000).fill(0xb1).map((b, i) => (i % 2 === 0 ? b : 0x4e)))
  })
  it("1,000 levels are fine", () => {
    const input = new Uint8Array(1_001).fill(0x91)
    input[1_000] = 0x01
    let value = decode(input)
    for (let i = 0; i < 1_000; i++) value = (value as Array<unknown>)[0]
    assert.strictEqual(value, 1)
  })
})

describe("options gate what can be decoded", () => {
  it("Bolt 4.4 rejects Bolt 5 nodes and vice versa; Bolt 5 rejects vectors", () => {
    expectDecodeError(encode(n1, all), { ...bolt44Options })
    expectDecodeError(encode(n1, { ...bolt44Options, encodeGraphTypes: true }), bolt5Options)
    expectDecodeError(encode(new Vector(Int8Array.of(1)), all), bolt5Options)
  })
})
