/**
 * Response frames captured from real servers (Neo4j 5.26 and 2026.x, by scripts/capture-golden.ts
 * into test/bolt/golden) decoded by the value codec: every frame decodes completely, and the
 * records of the temporal, spatial, scalar and graph queries hydrate to the expected values.
 */
import { assert, describe, it } from "@effect/vitest"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import * as ValueCodec from "../../src/bolt/ValueCodec.ts"
import { Node, Path, Relationship } from "../../src/Neo4jGraph.ts"
import type { ValueCodecOptions } from "../../src/bolt/ValueCodec.ts"
import { prettyPrint } from "../../src/packstream/index.ts"
import { bolt44Options, bolt5Options, bolt61Options, bytes } from "./helpers.ts"

const GOLDEN = new URL("../bolt/golden/", import.meta.url)

interface Frame {
  readonly name: string
  readonly step: string
  readonly tag: string
  readonly response: string | null
}
interface Capture {
  readonly serverVersion: string
  readonly boltVersion: string
  readonly frames: ReadonlyArray<Frame>
}

/** Decodes a response message: its tag and fields. */
const message = (options: ValueCodecOptions, hex: string): { tag: number; fields: Array<unknown> } => {
  const reader = ValueCodec.reader(options)
  reader.reset(bytes(hex))
  const size = reader.readStructSize()
  const tag = reader.readUint8()
  const fields: Array<unknown> = []
  for (let i = 0; i < size; i++) fields.push(reader.readValue())
  assert.strictEqual(reader.remaining(), 0, prettyPrint(bytes(hex)))
  return { tag, fields }
}

const optionsOf = (capture: Capture): ValueCodecOptions => {
  const [major, minor] = capture.boltVersion.split(".").map(Number) as [number, number]
  if (major >= 6) return { ...bolt61Options, uuids: minor >= 1 }
  if (major === 5) return bolt5Options
  // Bolt 4.4: UTC DateTime only if HELLO's SUCCESS acknowledged the "utc" patch
  const hello = message(bolt44Options, capture.frames[0]!.response!).fields[0] as Record<string, unknown>
  const patches = hello["patch_bolt"]
  return { ...bolt44Options, utcDateTime: Array.isArray(patches) && patches.includes("utc") }
}

const files = existsSync(GOLDEN) ? readdirSync(GOLDEN).filter((f) => f.endsWith(".json")) : []

describe.skipIf(files.length === 0)("frames captured from real servers", () => {
  for (const file of files) {
    const capture = JSON.parse(readFileSync(new URL(file, GOLDEN), "utf8")) as Capture
    const options = optionsOf(capture)
    const record = (step: string): Array<unknown> => {
      const frame = capture.frames.find((f) => f.step === step && f.tag === "Record")
      assert.isDefined(frame, `${file} has no ${step} record`)
      return message(options, frame!.response!).fields[0] as Array<unknown>
    }

    describe(`${file} (${capture.serverVersion}, Bolt ${capture.boltVersion})`, () => {
      it("every response frame decodes completely", () => {
        for (const frame of capture.frames) if (frame.response !== null) message(options, frame.response)
      })

      it("scalars: int boundaries, float, astral-plane string, nested containers", () => {
        const values = record("run-pull-scalars")
        assert.deepStrictEqual(values.slice(0, 6), [1, -17, 1234, 100_000, 2n ** 63n - 1n, -(2n ** 63n)])
        assert.strictEqual(values[6], 1.5)
        assert.strictEqual(values[8], "astral 😀 ünï")
        assert.deepStrictEqual(values.slice(9), [true, false, null, [1, "two", [3]], { a: 1, b: { c: [true] } }, []])
      })

      it("temporal values print as Cypher does", () => {
        assert.deepStrictEqual(record("run-pull-temporal").map(String), [
          "2024-03-31",
          "12:34:56.789",
          "12:34:56.000000001+02:00",
          "2024-03-31T02:30:00",
          "2024-03-31T03:30:00+02:00[Europe/Berlin]",
          "2024-03-31T02:30:00+01:00",
          "P1Y2M3DT4H5M6.000000007S"
        ])
      })

      it("points", () => {
        assert.deepStrictEqual(record("run-pull-spatial").map(String), [
          "point({srid:7203, x:1.5, y:2.5})",
          "point({srid:9157, x:1.0, y:2.0, z:3.0})",
          "point({srid:4326, x:12.5, y:55.6})",
          "point({srid:4979, x:12.5, y:55.6, z:10.0})"
        ])
      })

      it("graph values: node, relationship, path, with element ids from Bolt 5", () => {
        const [ada, knows, bob, path] = record("tx-graph") as [Node, Relationship, Node, Path]
        assert.instanceOf(ada, Node)
        assert.deepStrictEqual([ada.labels, ada.properties], [["Person"], { born: 1815, name: "Ada" }])
        assert.strictEqual(knows.type, "KNOWS")
        assert.strictEqual(knows.startNodeElementId, ada.elementId)
        assert.strictEqual(knows.endNodeElementId, bob.elementId)
        if (options.elementIds) assert.match(ada.elementId, /^4:[0-9a-f-]+:\d+$/)
        else assert.strictEqual(ada.elementId, String(ada.identity))
        assert.strictEqual(path.length, 1)
        assert.strictEqual(path.start.elementId, ada.elementId)
        assert.strictEqual(path.segments[0]!.relationship.elementId, knows.elementId)
      })
    })
  }
})
