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

  describe("pushRun: bodies inside one copied range", () => {
    /** `bodies` framed as 2-byte length + body + 2 zero bytes, as a run of Bolt messages is. */
    const framed = (bodies: ReadonlyArray<Uint8Array>, lead = 0) => {
      const total = lead + bodies.reduce((n, b) => n + 4 + b.length, 0)
      const bytes = new Uint8Array(total).fill(0xee, 0, lead)
      const starts = new Int32Array(bodies.length)
      const ends = new Int32Array(bodies.length)
      let at = lead
      bodies.forEach((b, i) => {
        bytes[at] = b.length >> 8
        bytes[at + 1] = b.length & 0xff
        bytes.set(b, at + 2)
        starts[i] = at + 2
        ends[i] = at + 2 + b.length
        at += 4 + b.length
      })
      return { bytes, starts, ends, from: lead, to: total }
    }

    it("keeps each body's bytes, skipping the framing between them, after bodies pushed alone", () => {
      const raw = new RawRecords()
      raw.push(Uint8Array.of(1, 2))
      const run = framed([Uint8Array.of(0xb1, 0x71, 0x90), Uint8Array.of(0xb1, 0x71, 0x91, 0x05)], 3)
      raw.pushRun(run.bytes, run.from, run.to, run.starts, run.ends, 2)
      run.bytes.fill(0)
      raw.push(Uint8Array.of(9))
      assert.strictEqual(raw.size, 4)
      assert.deepStrictEqual(drain(raw), [[1, 2], [0xb1, 0x71, 0x90], [0xb1, 0x71, 0x91, 0x05], [9]])
    })

    it("uses only the first `count` ranges", () => {
      const raw = new RawRecords()
      const run = framed([Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)])
      raw.pushRun(run.bytes, run.from, run.to, run.starts, run.ends, 2)
      assert.deepStrictEqual(drain(raw), [[1], [2]])
    })

    it("grows for runs of more bodies and bytes than it holds, keeping what is unread", () => {
      const raw = new RawRecords()
      const bodies = Array.from({ length: 3000 }, (_, i) => bytesOf(20 + (i % 50), i))
      const read: Array<Array<number>> = []
      // three runs of 1,000 (more records than the initial 1,024 slots once added up), reading between
      for (let r = 0; r < 3; r++) {
        const run = framed(bodies.slice(r * 1000, r * 1000 + 1000), r)
        raw.pushRun(run.bytes, run.from, run.to, run.starts, run.ends, 1000)
        for (let i = 0; i < 300; i++) {
          read.push(Array.from(raw.bytes.subarray(raw.start, raw.end)))
          raw.skip()
        }
      }
      read.push(...drain(raw))
      assert.deepStrictEqual(read, bodies.map((b) => Array.from(b)))
    })

    it("a run of 5,000 bodies at once", () => {
      const raw = new RawRecords()
      const bodies = Array.from({ length: 5000 }, (_, i) => bytesOf(1 + (i % 9), i))
      const run = framed(bodies)
      raw.pushRun(run.bytes, run.from, run.to, run.starts, run.ends, bodies.length)
      assert.deepStrictEqual(drain(raw), bodies.map((b) => Array.from(b)))
    })
  })
})
