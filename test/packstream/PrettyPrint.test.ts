import { assert, describe, it } from "@effect/vitest"
import { hexDump, prettyPrint } from "../../src/packstream/index.ts"
import { bytes } from "./helpers.ts"

const line = (header: string, depth: number, text: string): string => `${header.padEnd(26)} ${"  ".repeat(depth)}${text}`

describe("prettyPrint", () => {
  it("shows the hex and one line per value", () => {
    const text = prettyPrint(bytes("B1 71 93 01 81 61 A1 81 6B C3"))
    assert.strictEqual(
      text,
      [
        "10 bytes: B1 71 93 01 81 61 A1 81 6B C3",
        line("B1 71", 0, "Struct 0x71 'q' (1 fields)"),
        line("93", 1, "List(3)"),
        line("01", 2, "Integer 1"),
        line("81", 2, 'String(1) "a"'),
        line("A1", 2, "Map(1)"),
        line("81", 3, 'String(1) "k"'),
        line("C3", 4, "Boolean true")
      ].join("\n")
    )
  })

  it("prints up to a fault and never throws", () => {
    const text = prettyPrint(bytes("92 01 D2 FF FF FF FF 00"))
    assert.include(text, "List(2)")
    assert.include(text, "!! truncated")
    assert.include(prettyPrint(bytes("C7")), "!! unknown marker 0xC7")
    assert.include(prettyPrint(new Uint8Array(10_000).fill(0x91)), "nested too deeply")
  })

  it("covers every value kind", () => {
    const text = prettyPrint(
      bytes("C0 C2 C1 3F F8 00 00 00 00 00 00 CB 7F FF FF FF FF FF FF FF CC 02 01 02 E0 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF")
    )
    for (const piece of ["Null", "Boolean false", "Float 1.5", "Integer 9223372036854775807", "Bytes(2) 01 02", "UUID 00112233-4455-6677-8899-aabbccddeeff"]) {
      assert.include(text, piece)
    }
  })

  it("hexDump", () => {
    assert.strictEqual(hexDump(bytes("00 0A FF"), 1), "0A FF")
  })
})
