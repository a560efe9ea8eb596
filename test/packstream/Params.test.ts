import { assert, describe, it } from "@effect/vitest"
import { runInNewContext } from "node:vm"
import * as ValueCodec from "../../src/bolt/ValueCodec.ts"
import * as Neo4jValue from "../../src/Neo4jValue.ts"
import {
  isPackStreamEncodeError,
  type PackStreamEncodeError,
  PackStreamWriter,
  PackStreamDecodeError
} from "../../src/packstream/index.ts"
import { bolt5Options, bytes, decode, encode, hex, thrown } from "./helpers.ts"

const encodeError = (value: unknown): PackStreamEncodeError => {
  const error = thrown(() => encode(value))
  assert.isTrue(isPackStreamEncodeError(error), `expected a PackStreamEncodeError, got ${String(error)}`)
  return error as PackStreamEncodeError
}

describe("numbers", () => {
  it("an integral number is an INTEGER, so LIMIT $n works", () => {
    assert.strictEqual(hex(encode({ n: 10 })), "A1 81 6E 0A")
  })
  it("a non-integral number, NaN and the infinities are FLOATs", () => {
    assert.strictEqual(hex(encode(0.5)), "C1 3F E0 00 00 00 00 00 00")
    assert.strictEqual(hex(encode(Number.NaN)).slice(0, 2), "C1")
    assert.strictEqual(hex(encode(-Infinity)).slice(0, 2), "C1")
  })
  it("Neo4jValue.float forces a FLOAT", () => {
    assert.strictEqual(hex(encode(Neo4jValue.float(2))), "C1 40 00 00 00 00 00 00 00")
    assert.strictEqual(decode(encode(Neo4jValue.float(2))), 2)
  })
  it("-0 as a number is the INTEGER 0 (use float(-0) to keep the sign)", () => {
    assert.strictEqual(hex(encode(-0)), "00")
  })
  it("integral numbers and bigints outside int64 fail with their path", () => {
    assert.strictEqual(encodeError({ big: 1e20 }).path, "$big")
    assert.include(encodeError({ big: 1e20 }).message, "Neo4jValue.float")
    assert.strictEqual(encodeError([2n ** 63n]).path, "$[0]")
    assert.strictEqual(encodeError({ x: [-(2n ** 63n) - 1n] }).path, "$x[0]")
  })
})

describe("undefined", () => {
  it("map entries whose value is undefined are left out", () => {
    assert.strictEqual(hex(encode({ a: 1, b: undefined })), "A1 81 61 01")
    assert.strictEqual(hex(encode(new Map<string, unknown>([["a", undefined], ["b", 2]]))), "A1 81 62 02")
  })
  it("the header shrinks when skipped entries cross a size boundary (16 -> 15)", () => {
    const value: Record<string, unknown> = { gone: undefined }
    for (let i = 0; i < 15; i++) value[`k${i.toString(16)}`] = i
    const encoded = encode(value)
    assert.strictEqual(hex(encoded.subarray(0, 1)), "AF")
    const expected = { ...value }
    delete expected["gone"]
    assert.deepStrictEqual(decode(encoded), expected)
  })
  it("undefined in a list or as the value itself fails", () => {
    assert.strictEqual(encodeError({ list: [1, undefined] }).path, "$list[1]")
    assert.strictEqual(encodeError(undefined).path, "$")
  })
})

describe("maps", () => {
  it("a __proto__ key is data, both ways", () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>
    const encoded = encode(value)
    assert.strictEqual(hex(encoded.subarray(0, 11)), "A2 89 5F 5F 70 72 6F 74 6F 5F 5F")
    const decoded = decode(encoded) as Record<string, unknown>
    assert.strictEqual(Object.getPrototypeOf(decoded), Object.prototype)
    assert.deepStrictEqual(Object.keys(decoded), ["__proto__", "a"])
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(decoded, "__proto__")?.value, { polluted: true })
    assert.isUndefined(({} as Record<string, unknown>)["polluted"])
    assert.isUndefined(decoded["polluted"])
  })
  it("keys like constructor and toString are plain data", () => {
    const decoded = decode(encode({ constructor: 1, toString: "x", hasOwnProperty: null })) as Record<string, unknown>
    const expected: Record<string, unknown> = { constructor: 1, toString: "x", hasOwnProperty: null }
    assert.deepStrictEqual({ ...decoded }, expected)
  })
  it("null-prototype objects and Maps with string keys are maps", () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 })
    assert.strictEqual(hex(encode(bare)), "A1 81 61 01")
    assert.strictEqual(hex(encode(new Map([["a", 1]]))), "A1 81 61 01")
  })
  it("plain objects from another realm (a vm context) are maps too", () => {
    const foreign = runInNewContext("({ a: 1, nested: { b: [2] } })") as Record<string, unknown>
    assert.notStrictEqual(Object.getPrototypeOf(foreign), Object.prototype)
    assert.strictEqual(hex(encode(foreign)), "A2 81 61 01 86 6E 65 73 74 65 64 A1 81 62 91 02")
  })
  it("a Map with a non-string key fails", () => {
    const error = encodeError({ lookup: new Map<unknown, unknown>([["ok", 1], [2, "two"]]) })
    assert.strictEqual(error.path, "$lookup")
    assert.include(error.message, "map keys must be strings")
  })
  it("duplicate keys on the wire: the last one wins", () => {
    assert.deepStrictEqual(decode(bytes("A2 81 61 01 81 61 02")), { a: 2 })
  })
})

describe("values without a Cypher type name their path", () => {
  class Person {
    readonly name = "Ada"
  }
  const table: ReadonlyArray<readonly [string, unknown, string, string]> = [
    ["a function", { rows: [{ f: () => 1 }] }, "$rows[0].f", "function"],
    ["a symbol", { s: Symbol("x") }, "$s", "symbol"],
    ["a class instance", { rows: [{}, {}, {}, { born: new Person() }] }, "$rows[3].born", "Person"],
    ["a Set", { tags: new Set(["a"]) }, "$tags", "Set"],
    ["a Float32Array", { v: new Float32Array(2) }, "$v", "Vector"],
    ["a key that is not an identifier", { "first name": () => 0 }, '$["first name"]', "function"],
    ["a nested list", [[1, [2, Symbol("deep")]]], "$[0][1][1]", "symbol"],
    ["an invalid Date", { at: new Date(Number.NaN) }, "$at", "Invalid Date"],
    ["a Promise", { p: Promise.resolve(1) }, "$p", "Promise"]
  ]
  for (const [name, value, path, mention] of table) {
    it(`${name} -> ${path}`, () => {
      const error = encodeError(value)
      assert.strictEqual(error.path, path)
      assert.include(error.message, mention)
    })
  }

  it("a circular structure fails instead of overflowing the stack", () => {
    const node: Record<string, unknown> = { name: "loop" }
    node["self"] = { again: node }
    const error = encodeError({ root: node })
    assert.include(error.message, "circular")
    assert.isTrue(error.path.startsWith("$root.self.again.self.again"))
    const list: Array<unknown> = [1]
    list.push(list)
    assert.include(encodeError(list).message, "circular")
  })

  it("shared (non-circular) references are fine", () => {
    const shared = { a: 1 }
    assert.deepStrictEqual(decode(encode([shared, shared, { s: shared }])), [{ a: 1 }, { a: 1 }, { s: { a: 1 } }])
  })

  it("deep but finite nesting: 999 levels pass, beyond 1000 fail cleanly", () => {
    const nest = (depth: number): unknown => {
      let value: unknown = 1
      for (let i = 0; i < depth; i++) value = [value]
      return value
    }
    assert.deepStrictEqual(decode(encode(nest(999))), nest(999))
    assert.include(encodeError(nest(1_200)).message, "nested deeper")
  })

  it("a failed writeValue drops its partial bytes and leaves the writer usable", () => {
    const writer = new PackStreamWriter()
    writer.writeStructHeader(0x10, 3)
    writer.writeString("RETURN $x")
    const before = hex(writer.view())
    assert.throws(() => writer.writeValue({ x: 1, y: [1, 2, () => 3] }, ValueCodec.dehydrator(bolt5Options)))
    assert.strictEqual(hex(writer.view()), before)
    writer.writeValue({ x: 1 }, ValueCodec.dehydrator(bolt5Options))
    assert.strictEqual(hex(writer.view()), `${before} A1 81 78 01`)
  })
})

describe("mapping to the public errors", () => {
  it("toUsageError keeps the path; toProtocolError keeps the offset", () => {
    const usage = ValueCodec.toUsageError(encodeError({ rows: [{ born: Symbol("x") }] }))
    assert.strictEqual(usage._tag, "Neo4jUsageError")
    assert.strictEqual(usage.path, "$rows[0].born")
    assert.include(usage.message, "$rows[0].born")
    const protocol = ValueCodec.toProtocolError(new PackStreamDecodeError("bad", 7))
    assert.strictEqual(protocol._tag, "Neo4jProtocolError")
    assert.strictEqual(protocol.offset, 7)
  })
})
