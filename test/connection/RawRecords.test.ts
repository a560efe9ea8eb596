/**
 * The queue of undecoded RECORD bodies a streamed result keeps: bodies come out in order with their
 * exact bytes, the storage is reused once drained, and it grows (keeping what is unread) when a
 * body does not fit.
 */
import { assert, describe, it } from "@effect/vitest"
import { RawRecords } from "../../src/connection/RawRecords.ts"

const bytesOf = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (seed + i) & 0xff)

/** Takes every queued body as plain arrays (start/end checked against `bytes`). */
const drain = (raw: RawRecords): Array<Array<number>> => {
  const out: Array<Array<number>> = []
  while (raw.size > 0) {
    const start = raw.start
    const end = raw.end
    assert.isTrue(start <= end, "start <= end")
    out.push(Array.from(raw.bytes.subarray(start, end)))
    raw.skip()
  }
  return out
}

describe("RawRecords", () => {
  it("returns the bodies pushed, in order, with their bytes", () => {
    const raw = new RawRecords()
    assert.strictEqual(raw.size, 0)
    raw.push(Uint8Array.of(0xb1, 0x71, 0x91, 0x01))
    raw.push(Uint8Array.of(0xb1, 0x71, 0x90))
    assert.strictEqual(raw.size, 2)
    assert.deepStrictEqual(drain(raw), [[0xb1, 0x71, 0x91, 0x01], [0xb1, 0x71, 0x90]])
    assert.strictEqual(raw.size, 0)
  })

  it("copies the body: the caller's bytes may change afterwards", () => {
    const raw = new RawRecords()
    const body = Uint8Array.of(1, 2, 3)
    raw.push(body)
    body.fill(9)
    assert.deepStrictEqual(drain(raw), [[1, 2, 3]])
  })

  it("reuses its storage from the start once drained", () => {
    const raw = new RawRecords()
    raw.push(bytesOf(100, 1))
    drain(raw)
    raw.push(bytesOf(10, 2))
    assert.strictEqual(raw.start, 0)
    assert.deepStrictEqual(drain(raw), [Array.from(bytesOf(10, 2))])
  })

  it("grows past its initial size and keeps the unread bodies when it does", () => {
    const raw = new RawRecords()
    const bodies = Array.from({ length: 300 }, (_, i) => bytesOf(50 + (i % 7) * 100, i))
    // Read some before the rest arrive, as a consumer does while more records come in.
    for (let i = 0; i < 100; i++) raw.push(bodies[i]!)
    const read: Array<Array<number>> = []
    for (let i = 0; i < 20; i++) {
      read.push(Array.from(raw.bytes.subarray(raw.start, raw.end)))
      raw.skip()
    }
    // 80 unread while 200 more (~70 KB) arrive.
    for (let i = 100; i < 300; i++) raw.push(bodies[i]!)
    read.push(...drain(raw))
    assert.deepStrictEqual(read, bodies.map((b) => Array.from(b)))
  })

  it("holds a body larger than its initial storage", () => {
    const raw = new RawRecords()
    const big = bytesOf(1 << 20, 7)
    raw.push(Uint8Array.of(5))
    raw.push(big)
    const out = drain(raw)
    assert.deepStrictEqual(out[0], [5])
    assert.strictEqual(out[1]!.length, big.length)
    assert.deepStrictEqual(out[1]!.slice(-3), Array.from(big.subarray(-3)))
  })

  it("clear drops everything unread", () => {
    const raw = new RawRecords()
    raw.push(bytesOf(10, 1))
    raw.push(bytesOf(10, 2))
    raw.clear()
    assert.strictEqual(raw.size, 0)
    raw.push(bytesOf(3, 3))
    assert.deepStrictEqual(drain(raw), [[3, 4, 5]])
  })
})
