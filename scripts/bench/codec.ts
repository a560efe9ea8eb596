/**
 * PackStream codec benchmark: ours against neo4j-driver 6.3's own packstream, on identical bytes in
 * one process. Run with `node scripts/bench/codec.ts` (Node 22 strips the types).
 *
 * - decode 100k RECORD messages whose field is a Node (4 properties, Bolt 5 element ids)
 * - decode 100k RECORD messages of 5 scalars (int, string, float, bool, null)
 * - encode a 100k-map `{id, name, score}` list parameter
 *
 * Each case: warm-up runs, then timed rounds alternating the two sides; the table shows medians and the ratio
 * (theirs / ours, higher is better for us). neo4j-driver decodes integers into its `Integer` class
 * by default (`disableLosslessIntegers: false`); the "numbers" rows use `disableLosslessIntegers:
 * true` for the closest like-for-like comparison.
 *
 * @since 0.1.0
 */
import { createRequire } from "node:module"
import { performance } from "node:perf_hooks"
import * as ValueCodec from "../../src/bolt/ValueCodec.ts"
import { Node } from "../../src/Neo4jGraph.ts"
import { PackStreamWriter } from "../../src/packstream/index.ts"
import { bolt5Options, type ValueCodecOptions } from "../../src/bolt/ValueCodec.ts"

const Bench = {
  ROWS: 100_000,
  WARMUP: 3,
  REPEATS: 15,
  RECORD: 0x71, // Bolt RECORD message tag
  RECORD_FIELDS: 1, // RECORD has one field: the list of values
  CHANNEL_BYTES: 32 * 1024 * 1024 // neo4j-driver output buffer for the encode case
} as const

// neo4j-driver-bolt-connection has no "exports" map: its compiled internals are reachable by path.
const require = createRequire(import.meta.url)
const { v1 } = require("neo4j-driver-bolt-connection/lib/packstream/index.js")
const channelBuf = require("neo4j-driver-bolt-connection/lib/channel/channel-buf.js")
const BoltProtocolV5x8 = require("neo4j-driver-bolt-connection/lib/bolt/bolt-protocol-v5x8.js").default

type Theirs = { unpack(buf: unknown): unknown; transformer: { toStructure: (x: unknown) => unknown } }
const theirProtocol = (disableLosslessIntegers: boolean): Theirs =>
  new BoltProtocolV5x8(null, null, { disableLosslessIntegers, useBigInt: false })

const options: ValueCodecOptions = { ...bolt5Options, encodeGraphTypes: true }

/** Encodes `rows` as consecutive RECORD messages; returns the bytes and each message's [start, end). */
const records = (rows: ReadonlyArray<ReadonlyArray<unknown>>): { bytes: Uint8Array; bounds: Array<number> } => {
  const writer = new PackStreamWriter(1 << 20)
  const bounds: Array<number> = []
  for (const row of rows) {
    bounds.push(writer.length)
    writer.writeStructHeader(Bench.RECORD, Bench.RECORD_FIELDS)
    writer.writeValue(row, ValueCodec.dehydrator(options))
    bounds.push(writer.length)
  }
  return { bytes: writer.toUint8Array(), bounds }
}

const nodeRows = Array.from({ length: Bench.ROWS }, (_, i) => [
  new Node(i, ["Person"], {
    name: `Person ${i}`,
    born: 1900 + (i % 100),
    email: `person${i}@example.com`,
    score: i / 7
  }, `4:0b7ab3a4-8f0a-4f4e-9c1f-5b0d0b1f2f3a:${i}`)
])
const scalarRows = Array.from({ length: Bench.ROWS }, (_, i) => [i * 3, `name-${i}`, i / 3, i % 2 === 0, null])
const parameter = Array.from({ length: Bench.ROWS }, (_, i) => ({ id: i, name: `user-${i}`, score: i * 0.25 }))

const median = (values: Array<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/**
 * Runs both sides alternately (so load from other processes hits them alike): warm-ups, then
 * `REPEATS` timed rounds; returns the median of each side.
 */
const measurePair = (ours: () => number, theirs: () => number): { ours: number; theirs: number } => {
  for (let i = 0; i < Bench.WARMUP; i++) {
    ours()
    theirs()
  }
  const a: Array<number> = []
  const b: Array<number> = []
  for (let i = 0; i < Bench.REPEATS; i++) {
    let start = performance.now()
    ours()
    a.push(performance.now() - start)
    start = performance.now()
    theirs()
    b.push(performance.now() - start)
  }
  return { ours: median(a), theirs: median(b) }
}

const decodeOurs = (bytes: Uint8Array, bounds: Array<number>) => (): number => {
  const reader = ValueCodec.reader(bolt5Options)
  let count = 0
  for (let i = 0; i < bounds.length; i += 2) {
    // a message arrives as its own view, as the de-chunker hands it over
    reader.reset(bytes.subarray(bounds[i]!, bounds[i + 1]!))
    reader.readStructSize()
    reader.readUint8()
    const fields = reader.readValue() as Array<unknown>
    count += fields.length
  }
  return count
}

const decodeTheirs = (bytes: Uint8Array, bounds: Array<number>, protocol: Theirs) => (): number => {
  const ChannelBuffer = channelBuf.default ?? channelBuf.ChannelBuffer
  let count = 0
  for (let i = 0; i < bounds.length; i += 2) {
    const start = bounds[i]!
    const buf = new ChannelBuffer(Buffer.from(bytes.buffer, bytes.byteOffset + start, bounds[i + 1]! - start))
    const message = protocol.unpack(buf) as { fields: [Array<unknown>] }
    count += message.fields[0].length
  }
  return count
}

const encodeOurs = (): (() => number) => {
  const writer = new PackStreamWriter()
  return () => {
    writer.reset()
    writer.writeValue(parameter, ValueCodec.dehydrator(options))
    return writer.length
  }
}

const encodeTheirs = (): (() => number) => {
  const buffer = channelBuf.alloc(Bench.CHANNEL_BYTES)
  const packer = new v1.Packer(buffer)
  const dehydrate = theirProtocol(false).transformer.toStructure
  return () => {
    buffer.position = 0
    packer.packable(parameter, dehydrate)()
    return buffer.position
  }
}

const sameDecoding = (bytes: Uint8Array, bounds: Array<number>): void => {
  const reader = ValueCodec.reader(bolt5Options)
  const probe = 4_242 * 2
  reader.reset(bytes, bounds[probe], bounds[probe + 1])
  reader.readStructSize()
  reader.readUint8()
  const ours = JSON.stringify(reader.readValue(), (_, v) => (typeof v === "bigint" ? String(v) : v))
  const ChannelBuffer = channelBuf.default ?? channelBuf.ChannelBuffer
  const theirs = theirProtocol(true).unpack(
    new ChannelBuffer(Buffer.from(bytes.buffer, bytes.byteOffset + bounds[probe]!, bounds[probe + 1]! - bounds[probe]!))
  ) as { fields: [unknown] }
  const theirJson = JSON.stringify(theirs.fields[0])
  if (!theirJson.includes("Person 4242") || !ours.includes("Person 4242")) {
    throw new Error(`decoders disagree:\n ours   ${ours}\n theirs ${theirJson}`)
  }
}

const rows: Array<[string, number, number]> = []
const run = (name: string, ours: () => number, theirs: () => number): void => {
  const result = measurePair(ours, theirs)
  rows.push([name, result.ours, result.theirs])
  process.stdout.write(`${name}: ours ${result.ours.toFixed(1)} ms, neo4j-driver ${result.theirs.toFixed(1)} ms\n`)
}

const nodes = records(nodeRows)
const scalars = records(scalarRows)
sameDecoding(nodes.bytes, nodes.bounds)

run("decode 100k Node rows", decodeOurs(nodes.bytes, nodes.bounds), decodeTheirs(nodes.bytes, nodes.bounds, theirProtocol(false)))
run(
  "decode 100k Node rows (numbers)",
  decodeOurs(nodes.bytes, nodes.bounds),
  decodeTheirs(nodes.bytes, nodes.bounds, theirProtocol(true))
)
run(
  "decode 100k 5-scalar rows",
  decodeOurs(scalars.bytes, scalars.bounds),
  decodeTheirs(scalars.bytes, scalars.bounds, theirProtocol(false))
)
run(
  "decode 100k 5-scalar rows (numbers)",
  decodeOurs(scalars.bytes, scalars.bounds),
  decodeTheirs(scalars.bytes, scalars.bounds, theirProtocol(true))
)
run("encode 100k-map list parameter", encodeOurs(), encodeTheirs())

const table = [
  "| case | effect-neo4j (ms) | neo4j-driver 6.3 (ms) | speed-up |",
  "|---|---:|---:|---:|",
  ...rows.map(([name, ours, theirs]) => `| ${name} | ${ours.toFixed(1)} | ${theirs.toFixed(1)} | ${(theirs / ours).toFixed(2)}x |`)
]
process.stdout.write(`\nNode ${process.version}, ${Bench.REPEATS} runs after ${Bench.WARMUP} warm-ups, medians\n${table.join("\n")}\n`)
