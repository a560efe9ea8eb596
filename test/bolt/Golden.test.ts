/**
 * Decodes every frame captured from real servers by `scripts/capture-golden.ts` (see
 * `test/bolt/golden/*.json`): the handshake reply, each response body (also re-chunked through the
 * de-chunker), and the contents of the frames whose values are known.
 */
import { assert, describe, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as ValueCodec from "../../src/bolt/ValueCodec.ts"
import * as Capabilities from "../../src/bolt/Capabilities.ts"
import * as Chunking from "../../src/bolt/Chunking.ts"
import * as Handshake from "../../src/bolt/Handshake.ts"
import * as Metadata from "../../src/bolt/Metadata.ts"
import * as Responses from "../../src/bolt/Responses.ts"
import type { Response } from "../../src/bolt/Responses.ts"
import * as SM from "../support/BoltStateMachine.ts"
import * as Version from "../../src/bolt/Version.ts"
import * as Graph from "../../src/Neo4jGraph.ts"
import { Neo4jAuthenticationError, Neo4jClientError, Neo4jProtocolError } from "../../src/Neo4jError.ts"
import * as Spatial from "../../src/Neo4jSpatial.ts"
import * as Uuids from "../../src/Neo4jUuid.ts"
import * as Vectors from "../../src/Neo4jVector.ts"
import * as Temporal from "../../src/Neo4jTemporal.ts"
import { prettyPrint } from "../../src/packstream/PrettyPrint.ts"
import type { GoldenFile } from "../../scripts/capture-golden.ts"
import { fromHex } from "./hex.ts"

const DIR = join(dirname(fileURLToPath(import.meta.url)), "golden")
const FILES = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort()

const parseVersion = (text: string): Version.BoltVersion => {
  const [major, minor] = text.split(".").map(Number)
  return Version.make(major!, minor!)
}

const successMeta = (r: Response): Readonly<Record<string, unknown>> => {
  if (r._tag !== "Success") return assert.fail(`expected Success, got ${r._tag}`)
  return r.metadata
}

const recordFields = (r: Response): ReadonlyArray<unknown> => {
  if (r._tag !== "Record") return assert.fail(`expected Record, got ${r._tag}`)
  return r.fields
}

const notError = <A>(a: A | Neo4jProtocolError): A => {
  if (a instanceof Neo4jProtocolError) return assert.fail(a.message)
  return a
}

// Checks of frames whose content the capture script fixed (by frame name).
const CONTENT: Record<string, (r: Response, caps: Capabilities.BoltCapabilities) => void> = {
  "hello#0": (r) => {
    const info = notError(Metadata.hello(successMeta(r)))
    assert.match(info.server ?? "", /^Neo4j\//)
    assert.match(info.connectionId ?? "", /^bolt-/)
  },
  "run-pull-scalars#0": (r) => assert.strictEqual(notError(Metadata.run(successMeta(r))).fields.length, 15),
  "run-pull-scalars#1": (r) =>
    assert.deepStrictEqual(recordFields(r), [
      1,
      -17,
      1234,
      100000,
      9223372036854775807n,
      -9223372036854775808n,
      1.5,
      "x",
      "astral 😀 ünï",
      true,
      false,
      null,
      [1, "two", [3]],
      { a: 1, b: { c: [true] } },
      []
    ]),
  "run-pull-temporal#1": (r) => {
    const [date, localTime, time, localDateTime, zoned, offset, duration] = recordFields(r)
    assert.isTrue(Temporal.isDate(date))
    assert.isTrue(Temporal.isLocalTime(localTime))
    assert.isTrue(Temporal.isTime(time))
    assert.isTrue(Temporal.isLocalDateTime(localDateTime))
    assert.isTrue(Temporal.isDateTime(zoned))
    assert.isTrue(Temporal.isDateTime(offset))
    assert.isTrue(Temporal.isDuration(duration))
  },
  "run-pull-spatial#1": (r) => {
    const fields = recordFields(r)
    assert.strictEqual(fields.length, 4)
    for (const p of fields) assert.isTrue(Spatial.isPoint(p))
  },
  "run-pull-params#1": (r) => {
    const [i, f, s, l, m, b] = recordFields(r)
    assert.strictEqual(i, -9007199254740991)
    assert.strictEqual(f, 0.1)
    assert.strictEqual(s, "p")
    assert.deepStrictEqual(l, [1, 2])
    assert.deepStrictEqual(m, { k: "v" })
    assert.deepStrictEqual(b, new Uint8Array([1, 2, 3]))
  },
  "pull-has-more#3": (r) => assert.isTrue(notError(Metadata.stream(successMeta(r))).hasMore),
  "pull-has-more#4": (r) => assert.isFalse(notError(Metadata.stream(successMeta(r))).hasMore),
  "tx-graph#2": (r, caps) => {
    const [a, rel, b, path] = recordFields(r)
    assert.isTrue(Graph.isNode(a))
    assert.isTrue(Graph.isRelationship(rel))
    assert.isTrue(Graph.isNode(b))
    assert.isTrue(Graph.isPath(path))
    assert.deepStrictEqual((a as Graph.Node).labels, ["Person"])
    assert.strictEqual((a as Graph.Node).properties.name, "Ada")
    if (caps.elementIds) assert.match((a as Graph.Node).elementId, /^4:/)
  },
  "tx-commit#1": (r) => assert.isDefined(notError(Metadata.run(successMeta(r))).qid),
  "tx-commit#4": (r) => assert.match(notError(Metadata.transaction(successMeta(r))).bookmark ?? "", /.+/),
  "failure-ignored#0": (r, caps) => {
    if (r._tag !== "Failure") return assert.fail(r._tag)
    const e = r.error as Neo4jClientError
    assert.instanceOf(e, Neo4jClientError)
    assert.strictEqual(e.code, "Neo.ClientError.Statement.SyntaxError")
    // 5.26 answers the generic 50N42, 2026 the precise 42xxx: only the shape is stable. Before
    // Bolt 5.7 the driver fills in 50N42 (unknown error), as the official drivers do.
    if (caps.gqlErrors) assert.match(e.gqlStatus ?? "", /^[0-9A-Z]{5}$/)
    else assert.strictEqual(e.gqlStatus, "50N42")
  },
  "failure-ignored#1": (r) => assert.strictEqual(r._tag, "Ignored"),
  "route#0": (r) => {
    const table = notError(Metadata.route(successMeta(r)))
    assert.isAbove(table.ttl, 0)
    assert.isAbove(table.routers.length, 0)
    assert.isAbove(table.readers.length, 0)
    assert.isAbove(table.writers.length, 0)
  },
  "auth-failure#1": (r) => {
    if (r._tag !== "Failure") return assert.fail(r._tag)
    assert.instanceOf(r.error, Neo4jAuthenticationError)
  },
  "failure-runtime#1": (r) => assert.deepStrictEqual(recordFields(r), [1]),
  "failure-runtime#2": (r) => {
    if (r._tag !== "Failure") return assert.fail(r._tag)
    assert.match((r.error as Neo4jClientError).code, /^Neo\.ClientError\./)
  },
  "run-pull-vector#1": (r) => {
    const [f32, i8, param] = recordFields(r)
    assert.deepStrictEqual((f32 as Vectors.Vector).values, Float32Array.of(1, 2.5, -3))
    assert.deepStrictEqual((i8 as Vectors.Vector).values, Int8Array.of(1, 2, 3))
    assert.deepStrictEqual((param as Vectors.Vector).values, Float64Array.of(0.5, -1))
  },
  "run-pull-uuid#1": (r) => {
    const [u, random] = recordFields(r)
    assert.isTrue(Uuids.isUuid(u))
    assert.strictEqual(String(u), "f0a90880-8290-48af-abec-c2f03978a2e9")
    assert.match(random as string, /^[0-9a-f-]{36}$/)
  }
}

describe("golden frames from real servers", () => {
  it("were captured", () => {
    assert.isAbove(FILES.length, 0, "run scripts/capture-golden.ts")
  })

  for (const file of FILES) {
    const golden = JSON.parse(readFileSync(join(DIR, file), "utf8")) as GoldenFile
    const version = parseVersion(golden.boltVersion)
    // 4.4: the UTC patch applies from HELLO SUCCESS on when the server acknowledged it.
    let caps = Capabilities.forVersion(version)
    const hello = golden.frames.find((f) => f.name === "hello#0")
    if (hello !== undefined && caps.utcPatchAvailable) {
      const r = Responses.decode(ValueCodec.reader(Capabilities.codecOptions(caps)), fromHex(hello.response))
      if (!(r instanceof Neo4jProtocolError) && r._tag === "Success" && notError(Metadata.hello(r.metadata)).utcPatch) {
        caps = Capabilities.withUtcPatch(caps)
      }
    }
    const reader = ValueCodec.reader(Capabilities.codecOptions(caps))

    describe(`${file} (${golden.serverVersion}, Bolt ${golden.boltVersion})`, () => {
      it("handshake reply negotiates the recorded version", () => {
        const proposals = fromHex(golden.negotiation.proposals)
        assert.deepStrictEqual(proposals.subarray(0, 4), Uint8Array.from(Handshake.HandshakeBytes.MAGIC))
        const ranges = [0, 1, 2, 3].map((i) => {
          const at = 4 + i * 4
          return { range: proposals[at + 1]!, minor: proposals[at + 2]!, major: proposals[at + 3]! }
        }).filter((r) => r.major !== 0)
        const reply = Handshake.decodeReply(fromHex(golden.negotiation.reply), ranges)
        if (reply._tag !== "Agreed") return assert.fail(reply._tag)
        assert.deepStrictEqual(reply.version, version)
        assert.deepStrictEqual(reply.answer, fromHex(golden.negotiation.answer))
        assert.strictEqual(reply.consumed, fromHex(golden.negotiation.reply).length)
      })

      for (const frame of golden.frames) {
        it(`${frame.name}: ${frame.description}`, () => {
          const body = fromHex(frame.response)
          const r = Responses.decode(reader, body)
          if (r instanceof Neo4jProtocolError) {
            return assert.fail(`${r.message}\n${prettyPrint(body)}`)
          }
          assert.strictEqual(r._tag, frame.tag)
          // The same body through the de-chunker, fed one byte at a time.
          const d = new Chunking.Dechunker()
          const chunked = Chunking.chunk(body)
          let out: Uint8Array | Neo4jProtocolError | undefined
          for (let i = 0; i < chunked.length; i++) {
            d.feed(chunked.subarray(i, i + 1))
            out = d.next() ?? out
          }
          assert.deepStrictEqual(out, body)
          CONTENT[frame.name]?.(r, caps)
        })
      }

      it("replays through the state machine without a violation, ending DEFUNCT after GOODBYE", () => {
        let state: SM.BoltState = SM.initial
        const context = { helloCarriesCredentials: caps.helloCarriesCredentials }
        for (const step of golden.steps) {
          for (const kind of step.sent) {
            const sent = SM.onSend(state, kind)
            if (sent instanceof Neo4jProtocolError) return assert.fail(`${step.name}: ${sent.message}`)
            state = sent
          }
          for (const frame of golden.frames.filter((f) => f.step === step.name)) {
            const r = Responses.decode(reader, fromHex(frame.response))
            if (r instanceof Neo4jProtocolError) return assert.fail(r.message)
            const kind: SM.ResponseKind = r._tag === "Record"
              ? "RECORD"
              : SM.summaryKind(r._tag, r._tag === "Success" && r.metadata.has_more === true)
            const next = SM.onResponse(state, frame.answers, kind, context)
            if (next instanceof Neo4jProtocolError) return assert.fail(`${frame.name}: ${next.message}`)
            state = next
          }
          const frames = golden.frames.filter((f) => f.step === step.name)
          const failed = frames.some((f) => f.tag === "Failure") && frames.at(-1)?.answers !== "RESET"
          const expected = step.name === "goodbye"
            ? SM.Phase.DEFUNCT
            : step.name === "hello" && !caps.helloCarriesCredentials
            ? SM.Phase.AUTHENTICATION
            : failed
            ? SM.Phase.FAILED
            : SM.Phase.READY
          assert.strictEqual(state.phase, expected, `after ${step.name}`)
        }
        assert.strictEqual(state.phase, SM.Phase.DEFUNCT)
      })

      it("covers SUCCESS, RECORD, IGNORED and FAILURE", () => {
        const tags = new Set(golden.frames.map((f) => f.tag))
        for (const tag of ["Success", "Record", "Ignored", "Failure"]) assert.isTrue(tags.has(tag), tag)
      })
    })
  }
})
