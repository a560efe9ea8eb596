/**
 * 1,000,000 random and mutated frames through the decoder, seeded and reproducible
 * (FUZZ_SEED=<n> FUZZ_FRAMES=<n> to change): each must end in a value or a PackStreamDecodeError;
 * nothing else may escape, nothing may hang.
 */
import { assert, describe, it } from "@effect/vitest"
import * as ValueCodec from "../../src/bolt/ValueCodec.ts"
import { Node, Path, PathSegment, Relationship } from "../../src/Neo4jGraph.ts"
import { Point } from "../../src/Neo4jSpatial.ts"
import * as Neo4jTemporal from "../../src/Neo4jTemporal.ts"
import { Uuid } from "../../src/Neo4jUuid.ts"
import { Vector } from "../../src/Neo4jVector.ts"
import type { ValueCodecOptions } from "../../src/bolt/ValueCodec.ts"
import { isPackStreamDecodeError, prettyPrint } from "../../src/packstream/index.ts"
import { bolt44Options, bolt5Options, bolt61Options, encode } from "./helpers.ts"

const FRAMES = Number(process.env["FUZZ_FRAMES"] ?? 1_000_000)
const SEED = Number(process.env["FUZZ_SEED"] ?? 0x5eed)
const MAX_RANDOM_LENGTH = 48

/** xorshift32: small, fast, reproducible. */
const rng = (seed: number) => {
  let state = seed >>> 0 || 1
  return (bound: number): number => {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state % bound
  }
}

const graph: ValueCodecOptions = { ...bolt61Options, encodeGraphTypes: true }
const n1 = new Node(1, ["A", "B"], { x: 1, s: "str" }, "4:x:1")
const n2 = new Node(2, [], { list: [1, 2.5, null] }, "4:x:2")
const seeds: ReadonlyArray<Uint8Array> = [
  { a: 1, b: [true, null, 1.5, "x"], c: { d: -200, e: 70_000, f: 2n ** 40n } },
  n1,
  new Path(n1, n2, [new PathSegment(n1, new Relationship(7, 1, 2, "R", { w: 1 }, "5:x:7", "4:x:1", "4:x:2"), n2)]),
  [Point.cartesian(1, 2), Point.wgs84_3d(3, 4, 5)],
  [
    Neo4jTemporal.Date.of({ year: 2024, month: 2, day: 29 }),
    Neo4jTemporal.Time.of({ hour: 1, minute: 2, offsetSeconds: -3600 }),
    Neo4jTemporal.LocalDateTime.of({ year: 1, month: 1, day: 1, hour: 0, minute: 0 }),
    Neo4jTemporal.DateTime.of({ year: 2024, month: 3, day: 31, hour: 3, minute: 0, zoneId: "Europe/Berlin" }),
    Neo4jTemporal.Duration.of({ days: 3, nanoseconds: 5 })
  ],
  [new Vector(Int16Array.of(1, -1)), Uuid.fromString("00112233-4455-6677-8899-aabbccddeeff"), Uint8Array.of(9, 8)]
].map((value) => encode(value, graph))

describe("fuzz", () => {
  it(`${FRAMES} random and mutated frames end in a value or a PackStreamDecodeError (seed ${SEED})`, () => {
    const next = rng(SEED)
    const readers = [bolt61Options, bolt5Options, bolt44Options].map((o) => ValueCodec.reader(o))
    const frame = new Uint8Array(256)
    let values = 0
    let errors = 0
    for (let i = 0; i < FRAMES; i++) {
      let length: number
      if (i % 2 === 0) {
        length = 1 + next(MAX_RANDOM_LENGTH)
        for (let j = 0; j < length; j++) frame[j] = next(256)
      } else {
        const seed = seeds[next(seeds.length)]!
        length = Math.min(seed.length, frame.length)
        frame.set(seed.subarray(0, length))
        const mutations = 1 + next(4)
        for (let m = 0; m < mutations; m++) {
          switch (next(4)) {
            case 0: // overwrite a byte
              frame[next(length)] = next(256)
              break
            case 1: // flip a bit
              frame[next(length)]! ^= 1 << next(8)
              break
            case 2: // truncate
              length = 1 + next(length)
              break
            default: // a marker-ish byte where sizes live
              frame[next(length)] = [0xd6, 0xda, 0xd2, 0xce, 0xdd, 0xff, 0x7f, 0x00][next(8)]!
          }
        }
      }
      const reader = readers[i % readers.length]!
      try {
        reader.reset(frame, 0, length)
        reader.readValue()
        values++
      } catch (error) {
        if (!isPackStreamDecodeError(error)) {
          assert.fail(`frame ${i} threw ${String(error)}\n${prettyPrint(frame.slice(0, length))}`)
        }
        errors++
      }
    }
    assert.strictEqual(values + errors, FRAMES)
    assert.isAbove(values, 0)
    assert.isAbove(errors, 0)
  }, 300_000)
})
