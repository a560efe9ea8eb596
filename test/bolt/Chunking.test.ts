import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as Chunking from "../../src/bolt/Chunking.ts"
import { Neo4jProtocolError } from "../../src/Neo4jError.ts"
import { concatBytes, fromHex, toHex } from "./hex.ts"

const body = (n: number, seed = 1): Uint8Array => {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff
  return out
}

const drain = (d: Chunking.Dechunker): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  for (;;) {
    const m = d.next()
    if (m === undefined) return out
    if (m instanceof Neo4jProtocolError) throw new Error(m.message)
    out.push(Uint8Array.from(m))
  }
}

const header = (n: number): string => toHex(Uint8Array.of(n >> 8, n & 0xff))

describe("chunk", () => {
  it("spec example: 16 bytes in one chunk", () => {
    assert.strictEqual(
      toHex(Chunking.chunk(fromHex("00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F"))),
      "00 10 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 00 00"
    )
  })

  const sizes: ReadonlyArray<[number, ReadonlyArray<number>]> = [
    [0, []],
    [1, [1]],
    [65535, [65535]],
    [65536, [65535, 1]],
    [131071, [65535, 65535, 1]],
    [131070, [65535, 65535]]
  ]
  for (const [n, chunks] of sizes) {
    it(`${n}-byte body -> chunks ${JSON.stringify(chunks)} + 00 00`, () => {
      const b = body(n)
      const out = Chunking.chunk(b)
      assert.strictEqual(out.length, n + chunks.length * 2 + 2)
      assert.strictEqual(Chunking.framingOverhead(n), chunks.length * 2 + 2)
      let at = 0
      let from = 0
      for (const size of chunks) {
        assert.strictEqual(toHex(out.subarray(at, at + 2)), header(size))
        assert.deepStrictEqual(out.subarray(at + 2, at + 2 + size), b.subarray(from, from + size))
        at += 2 + size
        from += size
      }
      assert.strictEqual(toHex(out.subarray(at)), "00 00")
    })

    it(`${n}-byte body framed in place equals chunk()`, () => {
      const b = body(n, 7)
      const spare = Chunking.framingOverhead(n) - 2
      const buffer = new Uint8Array(5 + 2 + n + spare + 3).fill(0xee)
      buffer.set(b, 5 + 2)
      const end = Chunking.frameInPlace(buffer, 5, n)
      assert.strictEqual(end, 5 + n + Chunking.framingOverhead(n))
      assert.deepStrictEqual(buffer.subarray(5, end), Chunking.chunk(b))
      assert.strictEqual(toHex(buffer.subarray(0, 5)), "ee ee ee ee ee")
      assert.strictEqual(toHex(buffer.subarray(end)), "ee ee ee")
    })
  }
})

describe("Dechunker", () => {
  const messages = [body(1, 1), body(16, 2), body(300, 3), body(65535, 4), body(65536, 5), body(2, 6), body(131071, 7)]
  const noop = fromHex("00 00")
  // NOOPs before, between and after messages
  const stream = concatBytes(
    noop,
    ...messages.flatMap((m, i) => i % 2 === 0 ? [Chunking.chunk(m), noop, noop] : [Chunking.chunk(m)]),
    noop
  )

  it("whole stream in one piece", () => {
    const d = new Chunking.Dechunker()
    d.feed(stream)
    assert.deepStrictEqual(drain(d), messages)
    assert.isTrue(d.idle)
  })

  it("one byte at a time", () => {
    const d = new Chunking.Dechunker()
    const got: Array<Uint8Array> = []
    for (let i = 0; i < stream.length; i++) {
      d.feed(stream.subarray(i, i + 1))
      got.push(...drain(d))
    }
    assert.deepStrictEqual(got, messages)
  })

  it("every split point of a small stream (two pieces), and every pair of split points (three)", () => {
    const small = [body(1, 1), body(5, 2), body(3, 3)]
    const bytes = concatBytes(noop, Chunking.chunk(small[0]!), noop, Chunking.chunk(small[1]!), Chunking.chunk(small[2]!), noop)
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const d = new Chunking.Dechunker()
        const got: Array<Uint8Array> = []
        for (const piece of [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]) {
          d.feed(piece)
          got.push(...drain(d))
        }
        assert.deepStrictEqual(got, small, `split at ${i}/${j}`)
      }
    }
  })

  it("every split point of the large stream near a header, strided elsewhere", () => {
    const points = new Set<number>([stream.length])
    for (let i = 0; i < stream.length; i += 997) points.add(i)
    // walk the headers: every byte within 3 of each one
    for (let at = 0; at < stream.length;) {
      for (let k = -3; k <= 4; k++) points.add(Math.max(0, Math.min(stream.length, at + k)))
      at += 2 + ((stream[at]! << 8) | stream[at + 1]!)
    }
    for (const p of points) {
      const d = new Chunking.Dechunker()
      d.feed(stream.subarray(0, p))
      const got = drain(d)
      d.feed(stream.subarray(p))
      got.push(...drain(d))
      assert.deepStrictEqual(got, messages, `split at ${p}`)
    }
  })

  it("all split points exhaustively for a 2-chunk message", () => {
    const m = body(65536, 9)
    const bytes = concatBytes(Chunking.chunk(m), noop, Chunking.chunk(body(3)))
    for (let p = 0; p <= bytes.length; p += 1) {
      if (p > 40 && p < bytes.length - 40 && p % 251 !== 0 && Math.abs(p - 65537) > 4) continue
      const d = new Chunking.Dechunker()
      d.feed(bytes.subarray(0, p))
      const got = drain(d)
      d.feed(bytes.subarray(p))
      got.push(...drain(d))
      assert.deepStrictEqual(got, [m, body(3)], `split at ${p}`)
    }
  })

  it("feeding several pieces before draining keeps their order", () => {
    const d = new Chunking.Dechunker()
    for (let i = 0; i < stream.length; i += 1000) d.feed(stream.subarray(i, i + 1000))
    assert.deepStrictEqual(drain(d), messages)
  })

  it("a piece fed while earlier ones wait is not skipped", () => {
    const [a, b, c] = [body(3, 1), body(4, 2), body(5, 3)]
    const d = new Chunking.Dechunker()
    d.feed(Chunking.chunk(a))
    d.feed(Chunking.chunk(b))
    assert.deepStrictEqual(d.next(), a) // `a` ends exactly at the end of its piece
    d.feed(Chunking.chunk(c))
    assert.deepStrictEqual(drain(d), [b, c])
  })

  it("property: any split and any interleaving of feed and next yields the messages in order", () => {
    const message = fc.uint8Array({ minLength: 1, maxLength: 300 })
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(400), { maxLength: 12 }),
        fc.array(fc.nat(3), { maxLength: 40 }),
        fc.integer({ min: 1, max: 120 }),
        (msgs, cuts, schedule, chunkSize) => {
          // frame with small chunks so messages span several chunks, NOOPs between them
          const framed = concatBytes(...msgs.flatMap((m) => {
            const parts: Array<Uint8Array> = []
            for (let i = 0; i < m.length; i += chunkSize) {
              const part = m.subarray(i, i + chunkSize)
              parts.push(Uint8Array.of(part.length >> 8, part.length & 0xff), part)
            }
            return [...parts, fromHex("00 00"), fromHex("00 00")]
          }))
          const points = [...new Set(cuts.map((c) => c % (framed.length + 1)))].sort((x, y) => x - y)
          const pieces = [0, ...points, framed.length].slice(1).map((end, i, ends) => framed.subarray(i === 0 ? 0 : ends[i - 1]!, end))
          const d = new Chunking.Dechunker()
          const got: Array<Uint8Array> = []
          let fed = 0
          for (const step of schedule) {
            if (step === 0 && fed < pieces.length) d.feed(pieces[fed++]!)
            else {
              const m = d.next()
              if (m instanceof Uint8Array) got.push(Uint8Array.from(m))
              else if (m !== undefined) return false
            }
          }
          while (fed < pieces.length) d.feed(pieces[fed++]!)
          got.push(...drain(d))
          assert.deepStrictEqual(got, msgs.map((m) => Uint8Array.from(m)))
          return d.idle
        }
      ),
      { seed: 42, numRuns: 2000 }
    )
  })

  it("a single-chunk message inside one piece is a view, not a copy", () => {
    const bytes = Chunking.chunk(body(10))
    const d = new Chunking.Dechunker()
    d.feed(bytes)
    const m = d.next()
    assert.instanceOf(m, Uint8Array)
    assert.strictEqual((m as Uint8Array).buffer, bytes.buffer)
    assert.strictEqual((m as Uint8Array).byteOffset, bytes.byteOffset + 2)
  })

  it("assembled bodies stay valid after more input", () => {
    const a = body(100, 1)
    const b = body(100, 2)
    const bytes = concatBytes(Chunking.chunk(a), Chunking.chunk(b))
    const d = new Chunking.Dechunker()
    d.feed(bytes.subarray(0, 50))
    assert.isUndefined(d.next())
    d.feed(bytes.subarray(50, 150))
    const first = d.next() as Uint8Array
    d.feed(bytes.subarray(150))
    const second = d.next() as Uint8Array
    assert.deepStrictEqual(first, a)
    assert.deepStrictEqual(second, b)
  })

  it("only NOOPs yield nothing", () => {
    const d = new Chunking.Dechunker()
    d.feed(fromHex("00 00 00 00 00"))
    assert.isUndefined(d.next())
    assert.isFalse(d.idle) // half a header is pending
    d.feed(fromHex("00"))
    assert.isUndefined(d.next())
    assert.isTrue(d.idle)
  })

  it("a message above the limit fails, stickily, before it is buffered", () => {
    const d = new Chunking.Dechunker({ maxMessageBytes: 100 })
    d.feed(concatBytes(Chunking.chunk(body(60)), fromHex("00 3c"), body(60)))
    assert.strictEqual(drain(d).length, 1)
    const d2 = new Chunking.Dechunker({ maxMessageBytes: 100 })
    d2.feed(fromHex("00 3c"))
    d2.feed(body(60))
    d2.feed(fromHex("00 3c"))
    const e = d2.next()
    assert.instanceOf(e, Neo4jProtocolError)
    assert.strictEqual(d2.next(), e)
    assert.isAtMost(d2.buffered, 2 + 60 + 2)
  })

  it("buffered counts bytes not yet returned", () => {
    const d = new Chunking.Dechunker()
    d.feed(fromHex("00 03 01 02"))
    assert.isUndefined(d.next())
    assert.strictEqual(d.buffered, 2)
    d.feed(fromHex("03 00 00"))
    assert.strictEqual(toHex(d.next() as Uint8Array), "01 02 03")
    assert.strictEqual(d.buffered, 0)
  })
})

describe("Dechunker.takeRun", () => {
  // RECORD [1] = B1 71 91 01; RECORD [2, 3] = B1 71 92 02 03; SUCCESS {} = B1 70 A0
  const REC1 = "00 04 b1 71 91 01 00 00"
  const REC23 = "00 05 b1 71 92 02 03 00 00"
  const SUCCESS = "00 03 b1 70 a0 00 00"
  const RECORD = [0xb1, 0x71] as const

  /** takeRun, then the bodies as hex and the run's own bytes as hex. */
  const take = (d: Chunking.Dechunker, max = 16) => {
    const starts = new Int32Array(max)
    const ends = new Int32Array(max)
    const n = d.takeRun(RECORD[0], RECORD[1], starts, ends)
    const bytes = d.runBytes
    return {
      n,
      bodies: Array.from({ length: n }, (_, i) => toHex(bytes.subarray(starts[i]!, ends[i]!))),
      run: toHex(bytes.subarray(d.runFrom, d.runTo))
    }
  }

  it("takes the one-chunk RECORDs at the front, up to the first other message, which next() returns", () => {
    const d = new Chunking.Dechunker()
    d.feed(fromHex(`${REC1} ${REC23} ${SUCCESS} ${REC1}`))
    const run = take(d)
    assert.deepStrictEqual(run.bodies, ["b1 71 91 01", "b1 71 92 02 03"])
    assert.strictEqual(run.n, 2)
    // the run spans the messages with their framing: one copy keeps every body
    assert.strictEqual(run.run, `${REC1} ${REC23}`)
    assert.strictEqual(take(d).n, 0, "a SUCCESS is next: no run")
    assert.strictEqual(toHex(d.next() as Uint8Array), "b1 70 a0")
    assert.deepStrictEqual(take(d).bodies, ["b1 71 91 01"])
    assert.isUndefined(d.next())
  })

  it("stops at the capacity of the output arrays", () => {
    const d = new Chunking.Dechunker()
    d.feed(fromHex(`${REC1} ${REC1} ${REC1}`))
    assert.strictEqual(take(d, 2).n, 2)
    assert.strictEqual(take(d, 2).n, 1)
    assert.strictEqual(take(d, 2).n, 0)
  })

  it("leaves a message split across pieces, a multi-chunk message and a NOOP to next()", () => {
    const d = new Chunking.Dechunker()
    const all = fromHex(`${REC1} ${REC23}`)
    d.feed(all.subarray(0, 10))
    assert.deepStrictEqual(take(d).bodies, ["b1 71 91 01"], "the second RECORD is incomplete")
    assert.strictEqual(take(d).n, 0)
    assert.isUndefined(d.next())
    d.feed(all.subarray(10))
    assert.strictEqual(take(d).n, 0, "inside a message: no run")
    assert.strictEqual(toHex(d.next() as Uint8Array), "b1 71 92 02 03")
    // two chunks (b1 71 | 91 01) and a NOOP (00 00) before a one-chunk RECORD
    d.feed(fromHex(`00 02 b1 71 00 02 91 01 00 00 00 00 ${REC1}`))
    assert.strictEqual(take(d).n, 0)
    assert.strictEqual(toHex(d.next() as Uint8Array), "b1 71 91 01")
    assert.strictEqual(take(d).n, 0, "a NOOP is next")
    assert.strictEqual(toHex(d.next() as Uint8Array), "b1 71 91 01")
  })

  it("moves on to the next piece when the current one is used up", () => {
    const d = new Chunking.Dechunker()
    d.feed(fromHex(REC1))
    d.feed(fromHex(REC23))
    assert.deepStrictEqual(take(d).bodies, ["b1 71 91 01"])
    assert.deepStrictEqual(take(d).bodies, ["b1 71 92 02 03"])
    assert.strictEqual(take(d).n, 0)
  })

  it("a body shorter than the two bytes it starts with, or a missing end marker, is not taken", () => {
    const d = new Chunking.Dechunker()
    d.feed(fromHex("00 01 b1 00 00"))
    assert.strictEqual(take(d).n, 0)
    assert.strictEqual(toHex(d.next() as Uint8Array), "b1")
    // 00 04 + 4 bytes, then 00 02 (a second chunk, not the end marker)
    d.feed(fromHex("00 04 b1 71 91 01 00 02 aa bb 00 00"))
    assert.strictEqual(take(d).n, 0)
    assert.strictEqual(toHex(d.next() as Uint8Array), "b1 71 91 01 aa bb")
  })

  it("a message above the limit is left to next(), which fails", () => {
    const d = new Chunking.Dechunker({ maxMessageBytes: 3 })
    d.feed(fromHex(REC1))
    assert.strictEqual(take(d).n, 0)
    assert.instanceOf(d.next(), Neo4jProtocolError)
    assert.strictEqual(take(d).n, 0, "failed: no run")
  })

  it("property: runs and next() together return every message in order, however the bytes are split", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(REC1, REC23, SUCCESS), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.nat({ max: 4 }),
        (messages, cuts, max) => {
          const stream = fromHex(messages.join(" "))
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
          const d = new Chunking.Dechunker()
          const got: Array<string> = []
          let at = 0
          for (const point of [...points, stream.length]) {
            d.feed(stream.subarray(at, point))
            at = point
            for (;;) {
              const run = take(d, max + 1)
              got.push(...run.bodies)
              if (run.n > 0) continue
              const m = d.next()
              if (m === undefined) break
              if (m instanceof Neo4jProtocolError) throw new Error(m.message)
              got.push(toHex(m))
            }
          }
          const expected = messages.map((m) => m.split(" ").slice(2, -2).join(" "))
          assert.deepStrictEqual(got, expected)
        }
      )
    )
  })
})
