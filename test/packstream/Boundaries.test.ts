import { assert, describe, it } from "@effect/vitest"
import * as ValueCodec from "../../src/bolt/ValueCodec.ts"
import * as Neo4jValue from "../../src/Neo4jValue.ts"
import { PackStreamWriter } from "../../src/packstream/index.ts"
import { ascii, bolt5Options, bytes, decode, encode, hex } from "./helpers.ts"

const bigintOptions = { ...bolt5Options, integers: "bigint" } as const

describe("integers: smallest encoding at every boundary", () => {
  const table: ReadonlyArray<readonly [number | bigint, string]> = [
    [0, "00"],
    [1, "01"],
    [127, "7F"],
    [128, "C9 00 80"],
    [-1, "FF"],
    [-16, "F0"],
    [-17, "C8 EF"],
    [-128, "C8 80"],
    [-129, "C9 FF 7F"],
    [255, "C9 00 FF"],
    [32767, "C9 7F FF"],
    [32768, "CA 00 00 80 00"],
    [-32768, "C9 80 00"],
    [-32769, "CA FF FF 7F FF"],
    [2 ** 31 - 1, "CA 7F FF FF FF"],
    [2 ** 31, "CB 00 00 00 00 80 00 00 00"],
    [-(2 ** 31), "CA 80 00 00 00"],
    [-(2 ** 31) - 1, "CB FF FF FF FF 7F FF FF FF"],
    [2 ** 32, "CB 00 00 00 01 00 00 00 00"],
    [-(2 ** 32), "CB FF FF FF FF 00 00 00 00"],
    [Number.MAX_SAFE_INTEGER, "CB 00 1F FF FF FF FF FF FF"],
    [Number.MIN_SAFE_INTEGER, "CB FF E0 00 00 00 00 00 01"],
    [2n ** 53n, "CB 00 20 00 00 00 00 00 00"],
    [2n ** 63n - 1n, "CB 7F FF FF FF FF FF FF FF"],
    [-(2n ** 63n), "CB 80 00 00 00 00 00 00 00"]
  ]
  for (const [value, expected] of table) {
    it(`${value} <-> ${expected}`, () => {
      assert.strictEqual(hex(encode(value)), expected)
      const decoded = decode(bytes(expected))
      const safe = typeof value === "number" || (value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER))
      assert.strictEqual(decoded, safe ? Number(value) : value)
      assert.strictEqual(decode(bytes(expected), bigintOptions), BigInt(value))
    })
  }

  it("small bigints use the small encodings too", () => {
    assert.strictEqual(hex(encode(5n)), "05")
    assert.strictEqual(hex(encode(-129n)), "C9 FF 7F")
  })

  it("integral numbers beyond 2^53 are still exact INTEGERs", () => {
    assert.strictEqual(hex(encode(2 ** 60)), "CB 10 00 00 00 00 00 00 00")
    assert.strictEqual(hex(encode(-(2 ** 63))), "CB 80 00 00 00 00 00 00 00")
  })

  it("non-minimal encodings from a peer still decode", () => {
    assert.strictEqual(decode(bytes("C8 05")), 5)
    assert.strictEqual(decode(bytes("CB 00 00 00 00 00 00 00 05")), 5)
    assert.strictEqual(decode(bytes("CA FF FF FF FF")), -1)
  })
})

describe("null, booleans, floats", () => {
  const table: ReadonlyArray<readonly [unknown, string]> = [
    [null, "C0"],
    [false, "C2"],
    [true, "C3"],
    [1.5, "C1 3F F8 00 00 00 00 00 00"],
    [-0.1, "C1 BF B9 99 99 99 99 99 9A"],
    [Neo4jValue.float(1), "C1 3F F0 00 00 00 00 00 00"],
    [Neo4jValue.float(-0), "C1 80 00 00 00 00 00 00 00"],
    [Number.NaN, "C1 7F F8 00 00 00 00 00 00"],
    [Number.POSITIVE_INFINITY, "C1 7F F0 00 00 00 00 00 00"],
    [Number.NEGATIVE_INFINITY, "C1 FF F0 00 00 00 00 00 00"],
    [Neo4jValue.float(Number.MAX_VALUE), "C1 7F EF FF FF FF FF FF FF"],
    [Number.MIN_VALUE, "C1 00 00 00 00 00 00 00 01"]
  ]
  for (const [value, expected] of table) {
    it(`${String(value)} <-> ${expected}`, () => {
      assert.strictEqual(hex(encode(value)), expected)
      const decoded = decode(bytes(expected))
      const number = value instanceof Neo4jValue.Float ? value.value : value
      assert.isTrue(Object.is(decoded, number), `${String(decoded)} vs ${String(number)}`)
    })
  }
})

/** The header a sized value gets, by family. */
const headerTable = (tiny: number, m8: string, m16: string, m32: string) =>
  [
    [0, (tiny | 0).toString(16).toUpperCase()],
    [15, (tiny | 15).toString(16).toUpperCase()],
    [16, `${m8} 10`],
    [255, `${m8} FF`],
    [256, `${m16} 01 00`],
    [65535, `${m16} FF FF`],
    [65536, `${m32} 00 01 00 00`]
  ] as const

describe("strings: header by UTF-8 byte length", () => {
  for (const [size, header] of headerTable(0x80, "D0", "D1", "D2")) {
    it(`${size} bytes -> ${header}`, () => {
      const value = ascii(size)
      const encoded = encode(value)
      assert.strictEqual(hex(encoded.subarray(0, header.split(" ").length)), header)
      assert.strictEqual(encoded.length, header.split(" ").length + size)
      assert.strictEqual(decode(encoded), value)
    })
  }

  it("lengths count UTF-8 bytes, not UTF-16 units", () => {
    assert.strictEqual(hex(encode("é")), "82 C3 A9")
    assert.strictEqual(hex(encode("😀")), "84 F0 9F 98 80")
    assert.strictEqual(hex(encode("€")), "83 E2 82 AC")
    // 7 x "é" = 14 bytes: tiny, although the 3-bytes-per-unit estimate (21) needed STRING_8
    assert.strictEqual(hex(encode("é".repeat(7)).subarray(0, 1)), "8E")
    // 100 x "é" = 200 bytes: STRING_8, estimate 300 needed STRING_16
    assert.strictEqual(hex(encode("é".repeat(100)).subarray(0, 2)), "D0 C8")
    // 30,000 x "é" = 60,000 bytes: STRING_16, estimate 90,000 needed STRING_32
    const big = encode("é".repeat(30_000))
    assert.strictEqual(hex(big.subarray(0, 3)), "D1 EA 60")
    assert.strictEqual(big.length, 3 + 60_000)
    for (const s of ["é".repeat(7), "é".repeat(100), "é".repeat(30_000), "a😀b", "\u0000", "日本語のテキスト"]) {
      assert.strictEqual(decode(encode(s)), s)
    }
  })

  it("a lone surrogate becomes U+FFFD (3 bytes), as TextEncoder does", () => {
    assert.strictEqual(hex(encode("\uD800")), "83 EF BF BD")
  })

  it("every length up to 40 bytes decodes, ASCII and with a non-ASCII byte at each position", () => {
    for (let length = 0; length <= 40; length++) {
      // "!" .. "~": the ASCII printable range, so every byte value of it appears somewhere
      const base = Array.from({ length }, (_, i) => String.fromCharCode(0x21 + ((i * 11 + length) % 94))).join("")
      const encoded = encode(base)
      assert.strictEqual(encoded.length - length, length < 16 ? 1 : 2)
      assert.strictEqual(decode(encoded), base)
      for (let at = 0; at < length; at++) {
        // 0x7F is the last ASCII byte; 0xC3 0xBF (ÿ) takes two bytes and must not come back as Latin-1
        for (const c of ["\u007f", "\u00ff", "\u20ac"]) {
          const s = base.slice(0, at) + c + base.slice(at + 1)
          assert.strictEqual(decode(encode(s)), s, `length ${length}, ${JSON.stringify(c)} at ${at}`)
        }
      }
    }
    // the bytes themselves, not just a round trip: 0xC3 0xA9 is é, never "Ã©"
    assert.strictEqual(decode(bytes("8B 6E 61 6D 65 2D 31 32 33 34 C3 A9")), "name-1234é")
    assert.strictEqual(decode(bytes("8B 6E 61 6D 65 2D 31 32 33 34 35 36")), "name-123456")
  })

  it("a short string after a long one in the same buffer", () => {
    const writer = new PackStreamWriter(4)
    writer.writeValue(["é".repeat(40), "a", "ü", ascii(63), ascii(64)], ValueCodec.dehydrator(bolt5Options))
    assert.deepStrictEqual(decode(writer.view()), ["é".repeat(40), "a", "ü", ascii(63), ascii(64)])
  })
})

describe("bytes: header by length", () => {
  const table = [
    [0, "CC 00"],
    [15, "CC 0F"],
    [16, "CC 10"],
    [255, "CC FF"],
    [256, "CD 01 00"],
    [65535, "CD FF FF"],
    [65536, "CE 00 01 00 00"]
  ] as const
  for (const [size, header] of table) {
    it(`${size} bytes -> ${header}`, () => {
      const value = Uint8Array.from({ length: size }, (_, i) => i & 0xff)
      const encoded = encode(value)
      assert.strictEqual(hex(encoded.subarray(0, header.split(" ").length)), header)
      assert.strictEqual(encoded.length, header.split(" ").length + size)
      assert.deepStrictEqual(decode(encoded), value)
    })
  }

  it("decoded bytes are a copy, not a view of the input", () => {
    const input = bytes("CC 02 01 02")
    const decoded = decode(input) as Uint8Array
    input[2] = 9
    assert.deepStrictEqual(Array.from(decoded), [1, 2])
  })
})

describe("lists: header by item count", () => {
  for (const [size, header] of headerTable(0x90, "D4", "D5", "D6")) {
    it(`${size} items -> ${header}`, () => {
      const value = Array.from({ length: size }, () => 1)
      const encoded = encode(value)
      assert.strictEqual(hex(encoded.subarray(0, header.split(" ").length)), header)
      assert.strictEqual(encoded.length, header.split(" ").length + size)
      assert.deepStrictEqual(decode(encoded), value)
    })
  }
})

describe("maps: header by entry count", () => {
  for (const [size, header] of headerTable(0xa0, "D8", "D9", "DA")) {
    it(`${size} entries -> ${header}`, () => {
      const value: Record<string, number> = {}
      for (let i = 0; i < size; i++) value[`k${i}`] = i & 0x7f
      const encoded = encode(value)
      assert.strictEqual(hex(encoded.subarray(0, header.split(" ").length)), header)
      assert.deepStrictEqual(decode(encoded), value)
    })
  }

  it("a small map, byte for byte", () => {
    assert.strictEqual(hex(encode({ a: 1, b: "x" })), "A2 81 61 01 81 62 81 78")
  })
})

describe("structure headers", () => {
  const table = [
    [0, "B0 4E"],
    [4, "B4 4E"],
    [15, "BF 4E"],
    [16, "DC 10 4E"],
    [255, "DC FF 4E"],
    [256, "DD 01 00 4E"],
    [65535, "DD FF FF 4E"]
  ] as const
  for (const [size, expected] of table) {
    it(`${size} fields -> ${expected}`, () => {
      const writer = new PackStreamWriter()
      writer.writeStructHeader(0x4e, size)
      assert.strictEqual(hex(writer.view()), expected)
      const reader = ValueCodec.reader(bolt5Options)
      reader.reset(writer.view())
      assert.strictEqual(reader.readStructSize(), size)
      assert.strictEqual(reader.readUint8(), 0x4e)
      assert.strictEqual(reader.remaining(), 0)
    })
  }
})

describe("writer primitives", () => {
  it("writeInteger / writeFloat / headers produce the documented bytes", () => {
    const writer = new PackStreamWriter(1)
    writer.writeStructHeader(0x10, 3)
    writer.writeString("RETURN 1")
    writer.writeMapHeader(0)
    writer.writeListHeader(1)
    writer.writeInteger(1000)
    writer.writeFloat(0.5)
    writer.writeBoolean(false)
    writer.writeNull()
    writer.writeBytes(Uint8Array.of(7))
    assert.strictEqual(
      hex(writer.view()),
      "B3 10 88 52 45 54 55 52 4E 20 31 A0 91 C9 03 E8 C1 3F E0 00 00 00 00 00 00 C2 C0 CC 01 07"
    )
    assert.strictEqual(writer.length, 30)
  })

  it("reset keeps the buffer and forgets the bytes; toUint8Array copies", () => {
    const writer = new PackStreamWriter()
    writer.writeInteger(1)
    const copy = writer.toUint8Array()
    writer.reset()
    assert.strictEqual(writer.length, 0)
    writer.writeInteger(2)
    assert.strictEqual(hex(copy), "01")
    assert.strictEqual(hex(writer.view()), "02")
  })

  it("grows from a tiny initial capacity", () => {
    const writer = new PackStreamWriter(1)
    const value = { list: Array.from({ length: 5_000 }, (_, i) => `item ${i}`) }
    writer.writeValue(value, ValueCodec.dehydrator(bolt5Options))
    assert.deepStrictEqual(decode(writer.view()), value)
  })

  it("rejects non-integers and out-of-range values in writeInteger", () => {
    const writer = new PackStreamWriter()
    assert.throws(() => writer.writeInteger(1.5))
    assert.throws(() => writer.writeInteger(2n ** 63n))
    assert.throws(() => writer.writeInteger(2 ** 63))
  })
})

describe("reader ranges", () => {
  it("reads [offset, end) of a larger buffer and reports offsets relative to it", () => {
    const data = bytes("FF FF 01 02 FF")
    const reader = ValueCodec.reader(bolt5Options)
    reader.reset(data, 2, 4)
    assert.strictEqual(reader.readValue(), 1)
    assert.strictEqual(reader.offset, 3)
    assert.strictEqual(reader.readValue(), 2)
    assert.strictEqual(reader.remaining(), 0)
  })

  it("works on a view with a byteOffset (like a pooled Node Buffer)", () => {
    const backing = bytes("00 00 00 A1 81 61 2A")
    const view = backing.subarray(3)
    const reader = ValueCodec.reader(bolt5Options)
    reader.reset(view)
    assert.deepStrictEqual(reader.readValue(), { a: 42 })
    assert.strictEqual(reader.offset, 4)
  })
})
