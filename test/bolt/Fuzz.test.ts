/**
 * Seeded fuzzing of the incoming path: de-chunker + response decoder over valid frames mutated in
 * many ways plus plain random bytes. Every frame must end in decoded responses, "need more bytes"
 * or a typed `Neo4jProtocolError`; nothing may throw, hang or allocate beyond the input.
 *
 * Reproduce a failure with FUZZ_SEED=<seed> (the failure message names the seed and the frame).
 * FUZZ_FRAMES changes the total (default 1,000,000, split over several tests).
 */
import { assert, describe, it } from "@effect/vitest"
import * as ValueCodec from "../../src/bolt/ValueCodec.ts"
import * as Chunking from "../../src/bolt/Chunking.ts"
import * as Responses from "../../src/bolt/Responses.ts"
import { Neo4jProtocolError, Neo4jResultError } from "../../src/Neo4jError.ts"
import { bolt44Options, bolt61Options } from "../../src/bolt/ValueCodec.ts"
import { PackStreamWriter } from "../../src/packstream/Writer.ts"
import { fromHex, toHex } from "./hex.ts"

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_b017)
const TOTAL_FRAMES = Number(process.env.FUZZ_FRAMES ?? 1_000_000)
const SLICES = 8
const FRAMES_PER_SLICE = Math.ceil(TOTAL_FRAMES / SLICES)
const SLICE_TIMEOUT_MS = 120_000

/** mulberry32: small, fast, seedable. */
const prng = (seed: number) => {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { next, int: (n: number): number => Math.floor(next() * n) }
}
type Rng = ReturnType<typeof prng>

const s = (text: string): string => {
  const bytes = Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0")).join(" ")
  const n = new TextEncoder().encode(text).length
  return `${n < 16 ? (0x80 | n).toString(16) : `d0 ${n.toString(16).padStart(2, "0")}`} ${bytes}`
}

const valueBodies = (): Array<Uint8Array> => {
  const w = new PackStreamWriter()
  const encode = (tag: number, value: unknown): Uint8Array => {
    w.reset()
    w.writeStructHeader(tag, 1)
    w.writeValue(value, ValueCodec.dehydrator(bolt61Options))
    return w.toUint8Array()
  }
  const { FAILURE, RECORD, SUCCESS } = Responses.ResponseTag
  return [
    encode(RECORD, [1, -1, -17, 128, 40000, 2 ** 40, -(2 ** 53), 1.5, "", "str", "ünï€😀", true, false, null]),
    encode(RECORD, [[1, 2, [3, [4, []]]], { a: 1, b: ["x", { c: null }] }, new Uint8Array([1, 2, 3]), "x".repeat(300)]),
    encode(RECORD, [Array.from({ length: 20 }, (_, i) => i * 1000)]),
    encode(SUCCESS, { fields: ["n", "m"], t_first: 3, qid: 12 }),
    encode(SUCCESS, {
      has_more: false,
      bookmark: "FB:kcwQ",
      type: "rw",
      t_last: 1,
      db: "neo4j",
      stats: { "nodes-created": 1, "contains-updates": true },
      statuses: [{ gql_status: "00000", status_description: "note: successful completion", diagnostic_record: { _severity: "" } }]
    }),
    encode(SUCCESS, {
      rt: { ttl: 300, db: "neo4j", servers: [{ addresses: ["localhost:7687"], role: "ROUTE" }] }
    }),
    encode(FAILURE, {
      neo4j_code: "Neo.ClientError.Statement.SyntaxError",
      message: "Invalid input",
      gql_status: "42001",
      description: "error: syntax error",
      diagnostic_record: { OPERATION: "", _classification: "CLIENT_ERROR" },
      cause: { gql_status: "42I06", message: "inner", cause: { message: "innermost" } }
    }),
    encode(FAILURE, { code: "Neo.TransientError.General.DatabaseUnavailable", message: "x" })
  ]
}

// Value structures written out by hand (Bolt 5/6 layouts), inside RECORDs.
const structBodies = [
  `b1 71 91 b4 4e 01 91 ${s("Person")} a1 ${s("name")} ${s("Ada")} ${s("4:db:1")}`, // Node
  `b1 71 91 b8 52 01 02 03 ${s("KNOWS")} a0 ${s("5:db:1")} ${s("4:db:1")} ${s("4:db:2")}`, // Relationship
  `b1 71 91 b3 50 92 b4 4e 01 90 a0 ${s("n1")} b4 4e 02 90 a0 ${s("n2")} 91 b4 72 09 ${s("R")} a0 ${s("r9")} 92 01 01`, // Path
  "b1 71 91 b1 44 c9 4e 20", // Date
  "b1 71 91 b2 54 ca 00 0f 42 40 c9 0e 10", // Time
  "b1 71 91 b1 74 ca 3b 9a ca 00", // LocalTime
  "b1 71 91 b2 64 ca 65 00 00 00 c9 01 f4", // LocalDateTime
  "b1 71 91 b3 49 ca 65 00 00 00 07 c9 0e 10", // DateTime (UTC, offset)
  `b1 71 91 b3 69 ca 65 00 00 00 07 ${s("Europe/Berlin")}`, // DateTime (zone id)
  "b1 71 91 b3 46 ca 65 00 00 00 07 c9 0e 10", // legacy DateTime
  "b1 71 91 b4 45 0e 1e c9 0e 10 07", // Duration
  "b1 71 91 b3 58 c9 10 e6 c1 3f f0 00 00 00 00 00 00 c1 40 00 00 00 00 00 00 00", // Point2D
  "b1 71 91 b4 59 c9 13 73 c1 3f f0 00 00 00 00 00 00 c1 40 00 00 00 00 00 00 00 c1 00 00 00 00 00 00 00 00", // Point3D
  "b1 71 91 b2 56 cc 01 c6 cc 08 3f 80 00 00 40 00 00 00", // Vector float32 [1, 2]
  "b1 71 91 b2 56 cc 01 c8 cc 03 01 02 ff", // Vector int8
  `b1 71 91 b4 3f ${s("LIST<INT>")} 06 01 a1 ${s("message")} ${s("x")}`, // UnsupportedType
  "b1 71 91 e0 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff", // UUID
  "b0 7e" // IGNORED
].map(fromHex)

const SEEDS = [...valueBodies(), ...structBodies]

const INTERESTING = [
  0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xaf, 0xb0, 0xbf, 0xc0, 0xc1, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce,
  0xd0, 0xd1, 0xd2, 0xd4, 0xd5, 0xd6, 0xd8, 0xd9, 0xda, 0xdc, 0xdd, 0xe0, 0xf0, 0xff
]
const HUGE_SIZES = [
  [0x7f, 0xff, 0xff, 0xff],
  [0x80, 0x00, 0x00, 0x00], // 2^31
  [0xff, 0xff, 0xff, 0xff],
  [0x00, 0x01, 0x00, 0x00]
]
const SIZE_32_MARKERS = [0xd6, 0xda, 0xd2, 0xce] // LIST_32, MAP_32, STRING_32, BYTES_32

const mutate = (rng: Rng, seed: Uint8Array): Uint8Array => {
  let bytes = Array.from(seed)
  const rounds = 1 + rng.int(4)
  for (let r = 0; r < rounds; r++) {
    const at = bytes.length === 0 ? 0 : rng.int(bytes.length)
    switch (rng.int(9)) {
      case 0:
        if (bytes.length > 0) bytes[at] = bytes[at]! ^ (1 << rng.int(8))
        break
      case 1:
        if (bytes.length > 0) bytes[at] = rng.int(256)
        break
      case 2:
        if (bytes.length > 0) bytes[at] = INTERESTING[rng.int(INTERESTING.length)]!
        break
      case 3:
        bytes.splice(at, 0, SIZE_32_MARKERS[rng.int(4)]!, ...HUGE_SIZES[rng.int(HUGE_SIZES.length)]!)
        break
      case 4:
        bytes = bytes.slice(0, at)
        break
      case 5:
        bytes.splice(at, 1 + rng.int(8))
        break
      case 6: {
        const end = Math.min(bytes.length, at + 1 + rng.int(16))
        bytes.splice(end, 0, ...bytes.slice(at, end))
        break
      }
      case 7: {
        const other = SEEDS[rng.int(SEEDS.length)]!
        const from = rng.int(other.length)
        bytes.splice(at, rng.int(4), ...other.subarray(from, from + 1 + rng.int(12)))
        break
      }
      default:
        // 2^31-style sizes in place of whatever header sits here
        if (bytes.length > 5) bytes.splice(at, 1, SIZE_32_MARKERS[rng.int(4)]!, ...HUGE_SIZES[rng.int(HUGE_SIZES.length)]!)
    }
  }
  return Uint8Array.from(bytes)
}

/** Frames a body with random chunk sizes and random NOOPs before it. */
const frame = (rng: Rng, body: Uint8Array): Uint8Array => {
  const out: Array<number> = []
  for (let n = rng.int(3); n > 0; n--) out.push(0, 0)
  for (let at = 0; at < body.length;) {
    const size = Math.min(body.length - at, 1 + rng.int(rng.next() < 0.7 ? 65535 : 8))
    out.push(size >> 8, size & 0xff)
    for (let i = 0; i < size; i++) out.push(body[at + i]!)
    at += size
  }
  out.push(0, 0)
  return Uint8Array.from(out)
}

const randomBytes = (rng: Rng, n: number): Uint8Array => {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = rng.int(256)
  return out
}

/** One fuzz frame: the bytes fed to the de-chunker, in pieces. */
const nextFrame = (rng: Rng): Array<Uint8Array> => {
  const kind = rng.next()
  let stream: Uint8Array
  if (kind < 0.1) {
    // valid frames (random chunk sizes, NOOPs, splits) keep the hydration paths exercised
    stream = frame(rng, SEEDS[rng.int(SEEDS.length)]!)
  } else if (kind < 0.6) {
    stream = frame(rng, mutate(rng, SEEDS[rng.int(SEEDS.length)]!))
  } else if (kind < 0.75) {
    // corrupt the framing itself
    stream = mutate(rng, frame(rng, SEEDS[rng.int(SEEDS.length)]!))
  } else if (kind < 0.9) {
    // random body behind a valid response struct header
    const header = [[0xb1, 0x71], [0xb1, 0x70], [0xb1, 0x7f], [0xb0, 0x7e]][rng.int(4)]!
    const tail = randomBytes(rng, rng.int(48))
    stream = frame(rng, Uint8Array.from([...header, ...tail]))
  } else {
    stream = randomBytes(rng, rng.int(96))
  }
  const pieces: Array<Uint8Array> = []
  let at = 0
  for (let n = rng.int(4); n > 0 && at < stream.length; n--) {
    const cut = at + rng.int(stream.length - at + 1)
    pieces.push(stream.subarray(at, cut))
    at = cut
  }
  pieces.push(stream.subarray(at))
  return pieces
}

const RESPONSE_TAGS = new Set(["Record", "Success", "Ignored", "Failure"])

interface Tally {
  frames: number
  responses: number
  protocolErrors: number
  incomplete: number
}

const runSlice = (slice: number, tally: Tally): void => {
  const rng = prng(SEED + slice)
  const readers = [ValueCodec.reader(bolt61Options), ValueCodec.reader(bolt44Options)]
  for (let i = 0; i < FRAMES_PER_SLICE; i++) {
    const pieces = nextFrame(rng)
    const reader = readers[i & 1]!
    try {
      const dechunker = new Chunking.Dechunker({ maxMessageBytes: 1 << 20 })
      for (const piece of pieces) {
        dechunker.feed(piece)
        for (;;) {
          const body = dechunker.next()
          if (body === undefined) break
          if (body instanceof Neo4jProtocolError) {
            tally.protocolErrors++
            break
          }
          // The connection's per-row fast path must agree with the general decoder on RECORDs.
          const fields = Responses.decodeRecordFields(reader, body)
          const r = Responses.decode(reader, body)
          if (fields !== undefined) {
            const viaDecode = r instanceof Neo4jProtocolError ? r : r._tag === "Record" ? "record" : r._tag
            // A value the driver cannot represent: the fast path fails the record only, decode the message.
            const viaFastPath = fields instanceof Neo4jProtocolError || fields instanceof Neo4jResultError
              ? new Neo4jProtocolError({ message: fields.message })
              : "record"
            if ((viaDecode instanceof Neo4jProtocolError) !== (viaFastPath instanceof Neo4jProtocolError)) {
              throw new Error(`decodeRecordFields and decode disagree: ${String(viaFastPath)} vs ${String(viaDecode)}`)
            }
          }
          if (r instanceof Neo4jProtocolError) tally.protocolErrors++
          else if (RESPONSE_TAGS.has(r._tag)) tally.responses++
          else throw new Error(`decode returned ${String(r)}`)
        }
      }
      if (!dechunker.idle) tally.incomplete++
      tally.frames++
    } catch (error) {
      const hex = pieces.map(toHex).join(" | ")
      assert.fail(`FUZZ_SEED=${SEED} slice ${slice} frame ${i}: ${String(error)}\n  bytes: ${hex.slice(0, 2000)}`)
    }
  }
}

describe("fuzz: de-chunker + response decoder", () => {
  const tally: Tally = { frames: 0, responses: 0, protocolErrors: 0, incomplete: 0 }
  for (let slice = 0; slice < SLICES; slice++) {
    it(`slice ${slice + 1}/${SLICES}: ${FRAMES_PER_SLICE} frames (seed ${SEED + slice})`, { timeout: SLICE_TIMEOUT_MS }, () => {
      runSlice(slice, tally)
    })
  }
  it("totals: every frame accounted for, both outcomes exercised", () => {
    assert.isAtLeast(tally.frames, TOTAL_FRAMES)
    console.log(`fuzz: ${JSON.stringify(tally)}`)
    assert.isAbove(tally.responses, TOTAL_FRAMES / 15)
    assert.isAbove(tally.protocolErrors, TOTAL_FRAMES / 4)
  })
})

describe("fuzz: hostile sizes do not allocate", () => {
  it("2^31 / 2^32-1 claims in every 32-bit size marker fail fast, without gigabytes", () => {
    const reader = ValueCodec.reader(bolt61Options)
    const before = process.memoryUsage()
    const started = performance.now()
    for (const marker of SIZE_32_MARKERS) {
      for (const size of HUGE_SIZES) {
        for (const prefix of [[0xb1, 0x71, 0x91], [0xb1, 0x70, 0xa1, 0x81, 0x61], [0xb1, 0x71]]) {
          const r = Responses.decode(reader, Uint8Array.from([...prefix, marker, ...size, 1, 2, 3]))
          assert.instanceOf(r, Neo4jProtocolError, toHex(Uint8Array.from([...prefix, marker, ...size])))
        }
      }
    }
    const after = process.memoryUsage()
    assert.isBelow(performance.now() - started, 1000)
    assert.isBelow(after.arrayBuffers - before.arrayBuffers, 16 * 1024 * 1024)
    assert.isBelow(after.heapUsed - before.heapUsed, 64 * 1024 * 1024)
  })

  it("a de-chunker fed chunk headers alone never buffers more than arrived", () => {
    const d = new Chunking.Dechunker()
    for (let i = 0; i < 100; i++) d.feed(Uint8Array.of(0xff, 0xff))
    assert.isUndefined(d.next())
    assert.isAtMost(d.buffered, 200)
    const small = new Chunking.Dechunker({ maxMessageBytes: 1024 })
    small.feed(Uint8Array.of(0xff, 0xff))
    assert.instanceOf(small.next(), Neo4jProtocolError)
  })
})
