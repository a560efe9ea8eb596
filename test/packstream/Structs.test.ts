import { assert, describe, it } from "@effect/vitest"
import { Equal } from "effect"
import { Node, Path, PathSegment, Relationship, UnboundRelationship } from "../../src/Neo4jGraph.ts"
import { Point } from "../../src/Neo4jSpatial.ts"
import * as Neo4jTemporal from "../../src/Neo4jTemporal.ts"
import { Uuid } from "../../src/Neo4jUuid.ts"
import { UnsupportedType } from "../../src/Neo4jValue.ts"
import { Vector } from "../../src/Neo4jVector.ts"
import type { ValueCodecOptions } from "../../src/bolt/ValueCodec.ts"
import { isPackStreamDecodeError } from "../../src/packstream/index.ts"
import { bolt44Options, bolt5Options, bolt61Options, bytes, decode, encode, hex, thrown } from "./helpers.ts"

const graph5: ValueCodecOptions = { ...bolt61Options, encodeGraphTypes: true }
const graph44: ValueCodecOptions = { ...bolt44Options, encodeGraphTypes: true }

/** Checks both directions: value -> exact bytes, bytes -> a value `Equal` to it. */
const golden = (name: string, value: unknown, expected: string, options: ValueCodecOptions) => {
  it(name, () => {
    assert.strictEqual(hex(encode(value, options)), expected)
    const decoded = decode(bytes(expected), options)
    assert.isTrue(Equal.equals(decoded, value), `decoded ${String(decoded)}\nexpected ${String(value)}`)
  })
}

const ADA = "86 50 65 72 73 6F 6E A1 84 6E 61 6D 65 83 41 64 61" // "Person", {name: "Ada"}

describe("graph structures", () => {
  golden(
    "Node, Bolt 5 (4 fields, element id)",
    new Node(1, ["Person"], { name: "Ada" }, "4:abc:1"),
    `B4 4E 01 91 ${ADA} 87 34 3A 61 62 63 3A 31`,
    graph5
  )
  golden(
    "Node, Bolt 4.4 (3 fields, element id = id)",
    new Node(1, ["Person"], { name: "Ada" }, "1"),
    `B3 4E 01 91 ${ADA}`,
    graph44
  )
  golden(
    "Relationship, Bolt 5 (8 fields)",
    new Relationship(10, 1, 2, "KNOWS", { since: 1999 }, "5:abc:10", "4:abc:1", "4:abc:2"),
    "B8 52 0A 01 02 85 4B 4E 4F 57 53 A1 85 73 69 6E 63 65 C9 07 CF " +
      "88 35 3A 61 62 63 3A 31 30 87 34 3A 61 62 63 3A 31 87 34 3A 61 62 63 3A 32",
    graph5
  )
  golden(
    "Relationship, Bolt 4.4 (5 fields)",
    new Relationship(10, 1, 2, "KNOWS", { since: 1999 }, "10", "1", "2"),
    "B5 52 0A 01 02 85 4B 4E 4F 57 53 A1 85 73 69 6E 63 65 C9 07 CF",
    graph44
  )
  golden(
    "UnboundRelationship, Bolt 5",
    new UnboundRelationship(11, "R", {}, "r11"),
    "B4 72 0B 81 52 A0 83 72 31 31",
    graph5
  )
  golden(
    "UnboundRelationship, Bolt 4.4",
    new UnboundRelationship(11, "R", {}, "11"),
    "B3 72 0B 81 52 A0",
    graph44
  )

  const n1 = new Node(1, [], {}, "n1")
  const n2 = new Node(2, [], {}, "n2")
  const n3 = new Node(3, [], {}, "n3")
  const N1 = "B4 4E 01 90 A0 82 6E 31"
  const N2 = "B4 4E 02 90 A0 82 6E 32"
  const N3 = "B4 4E 03 90 A0 82 6E 33"
  const r1 = new Relationship(11, 1, 2, "R", {}, "r11", "n1", "n2")
  const r2 = new Relationship(12, 3, 2, "R", {}, "r12", "n3", "n2")
  const path = new Path(n1, n3, [new PathSegment(n1, r1, n2), new PathSegment(n2, r2, n3)])
  golden(
    "Path (n1)-[r11]->(n2)<-[r12]-(n3): index sequence 1 1 -2 2",
    path,
    `B3 50 93 ${N1} ${N2} ${N3} 92 B4 72 0B 81 52 A0 83 72 31 31 B4 72 0C 81 52 A0 83 72 31 32 94 01 01 FE 02`,
    graph5
  )
  golden("Path of one node", new Path(n1, n1, []), `B3 50 91 ${N1} 90 90`, graph5)

  it("Path hydration binds relationships in their own direction", () => {
    const decoded = decode(encode(path, graph5), graph5) as Path
    assert.strictEqual(decoded.length, 2)
    assert.deepStrictEqual(decoded.nodes.map((n) => n.elementId), ["n1", "n2", "n3"])
    const second = decoded.segments[1]!
    assert.strictEqual(second.start.elementId, "n2")
    assert.strictEqual(second.end.elementId, "n3")
    assert.strictEqual(second.relationship.startNodeElementId, "n3")
    assert.strictEqual(second.relationship.endNodeElementId, "n2")
    assert.strictEqual(second.relationship.start, 3)
    assert.strictEqual(String(decoded), "path((n1)-[r11:R {}]->(n2), (n2)<-[r12:R {}]-(n3))")
  })

  it("a path that revisits a node and a relationship re-uses the indices", () => {
    const back = new Relationship(11, 1, 2, "R", {}, "r11", "n1", "n2")
    const loop = new Path(n1, n1, [new PathSegment(n1, back, n2), new PathSegment(n2, back, n1)])
    const encoded = encode(loop, graph5)
    assert.isTrue(hex(encoded).endsWith("94 01 01 FF 00"))
    assert.isTrue(Equal.equals(decode(encoded, graph5), loop))
  })

  it("graph values are not parameters unless the options allow them", () => {
    const error = thrown(() => encode({ who: n1 }, bolt5Options))
    assert.include(String(error), "Node cannot be a query parameter")
    assert.include(String(error), "$who")
  })

  it("ids follow the integer policy; element ids of Bolt 4.4 are the decimal ids", () => {
    const big = decode(bytes("B3 4E CB 00 20 00 00 00 00 00 00 90 A0"), bolt44Options) as Node
    assert.strictEqual(big.identity, 2n ** 53n)
    assert.strictEqual(big.elementId, "9007199254740992")
    const asBigint = decode(bytes(`B4 4E 01 90 A0 82 6E 31`), { ...bolt5Options, integers: "bigint" }) as Node
    assert.strictEqual(asBigint.identity, 1n)
  })
})

describe("spatial structures", () => {
  golden(
    "Point2D (SRID 4326)",
    Point.wgs84(1.5, 2.5),
    "B3 58 C9 10 E6 C1 3F F8 00 00 00 00 00 00 C1 40 04 00 00 00 00 00 00",
    bolt5Options
  )
  golden(
    "Point3D (SRID 9157), integral coordinates stay FLOATs",
    Point.cartesian3d(1, 2, 3),
    "B4 59 C9 23 C5 C1 3F F0 00 00 00 00 00 00 C1 40 00 00 00 00 00 00 00 C1 40 08 00 00 00 00 00 00",
    bolt5Options
  )
})

describe("temporal structures", () => {
  golden("Date 2024-03-31 (day 19813)", Neo4jTemporal.Date.of({ year: 2024, month: 3, day: 31 }), "B1 44 C9 4D 65", bolt5Options)
  golden("Date 1969-12-31 (day -1)", Neo4jTemporal.Date.of({ year: 1969, month: 12, day: 31 }), "B1 44 FF", bolt5Options)
  golden(
    "Date 0001-01-01 (day -719162)",
    Neo4jTemporal.Date.of({ year: 1, month: 1, day: 1 }),
    "B1 44 CA FF F5 06 C6",
    bolt5Options
  )
  const noon = { hour: 12, minute: 34, second: 56, nanosecond: 789 }
  golden(
    "Time 12:34:56.000000789+01:00",
    Neo4jTemporal.Time.of({ ...noon, offsetSeconds: 3600 }),
    "B2 54 CB 00 00 29 32 4B FD 63 15 C9 0E 10",
    bolt5Options
  )
  golden(
    "LocalTime 12:34:56.000000789",
    Neo4jTemporal.LocalTime.of(noon),
    "B1 74 CB 00 00 29 32 4B FD 63 15",
    bolt5Options
  )
  golden(
    "LocalDateTime 2024-03-31T02:30:00.000000001",
    Neo4jTemporal.LocalDateTime.of({ year: 2024, month: 3, day: 31, hour: 2, minute: 30, nanosecond: 1 }),
    "B2 64 CA 66 08 CA A8 01",
    bolt5Options
  )
  golden(
    "LocalDateTime one second before the epoch",
    Neo4jTemporal.LocalDateTime.of({ year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59 }),
    "B2 64 FF 00",
    bolt5Options
  )
  const berlinSummer = { year: 2024, month: 3, day: 31, hour: 3, minute: 30 }
  golden(
    "DateTime with offset, UTC encoding 0x49 (UTC seconds)",
    Neo4jTemporal.DateTime.of({ ...berlinSummer, offsetSeconds: 7200 }),
    "B3 49 CA 66 08 BC 98 00 C9 1C 20",
    bolt5Options
  )
  golden(
    "DateTime with zone id, UTC encoding 0x69",
    Neo4jTemporal.DateTime.of({ ...berlinSummer, zoneId: "Europe/Berlin" }),
    "B3 69 CA 66 08 BC 98 00 8D 45 75 72 6F 70 65 2F 42 65 72 6C 69 6E",
    bolt5Options
  )
  golden(
    "DateTime with offset, legacy encoding 0x46 (local seconds)",
    Neo4jTemporal.DateTime.of({ ...berlinSummer, offsetSeconds: 7200 }),
    "B3 46 CA 66 08 D8 B8 00 C9 1C 20",
    bolt44Options
  )
  golden(
    "DateTime with zone id, legacy encoding 0x66 (local seconds)",
    Neo4jTemporal.DateTime.of({ ...berlinSummer, zoneId: "Europe/Berlin" }),
    "B3 66 CA 66 08 D8 B8 00 8D 45 75 72 6F 70 65 2F 42 65 72 6C 69 6E",
    bolt44Options
  )
  golden(
    "Duration P1Y2M3DT4H5M6.000000007S",
    Neo4jTemporal.Duration.of({ years: 1, months: 2, days: 3, hours: 4, minutes: 5, seconds: 6, nanoseconds: 7 }),
    "B4 45 0E 03 C9 39 72 07",
    bolt5Options
  )

  it("a JS Date is a DateTime with offset 0, in the connection's encoding", () => {
    const date = new globalThis.Date("2024-03-31T01:30:00.250Z")
    assert.strictEqual(hex(encode(date, bolt5Options)), "B3 49 CA 66 08 BC 98 CA 0E E6 B2 80 00")
    assert.strictEqual(hex(encode(date, bolt44Options)), "B3 46 CA 66 08 BC 98 CA 0E E6 B2 80 00")
    const decoded = decode(encode(date)) as Neo4jTemporal.DateTime
    assert.strictEqual(decoded.toString(), "2024-03-31T01:30:00.25Z")
    assert.strictEqual(decoded.toJsDate().getTime(), date.getTime())
  })

  it("the DateTime encoding not negotiated is a decode error", () => {
    assert.isTrue(isPackStreamDecodeError(thrown(() => decode(bytes("B3 46 00 00 00"), bolt5Options))))
    assert.isTrue(isPackStreamDecodeError(thrown(() => decode(bytes("B3 49 00 00 00"), bolt44Options))))
  })

  it("an unknown zone id is a decode error", () => {
    const error = thrown(() => decode(bytes("B3 69 00 00 84 4E 6F 6E 65"), bolt5Options))
    assert.isTrue(isPackStreamDecodeError(error))
  })
})

describe("Bolt 6 structures and values", () => {
  golden("Vector FLOAT32", new Vector(Float32Array.of(1, 2.5)), "B2 56 CC 01 C6 CC 08 3F 80 00 00 40 20 00 00", bolt61Options)
  golden("Vector FLOAT64", new Vector(Float64Array.of(0.5)), "B2 56 CC 01 C1 CC 08 3F E0 00 00 00 00 00 00", bolt61Options)
  golden("Vector INT8", new Vector(Int8Array.of(-1, 2)), "B2 56 CC 01 C8 CC 02 FF 02", bolt61Options)
  golden("Vector INT16", new Vector(Int16Array.of(256)), "B2 56 CC 01 C9 CC 02 01 00", bolt61Options)
  golden("Vector INT32", new Vector(Int32Array.of(1)), "B2 56 CC 01 CA CC 04 00 00 00 01", bolt61Options)
  golden("Vector INT64", new Vector(BigInt64Array.of(-2n)), "B2 56 CC 01 CB CC 08 FF FF FF FF FF FF FF FE", bolt61Options)
  golden("Vector, empty", new Vector(new Float32Array(0)), "B2 56 CC 01 C6 CC 00", bolt61Options)
  golden(
    "UUID (marker E0, 16 bytes)",
    Uuid.fromString("0b7ab3a4-8f0a-4f4e-9c1f-5b0d0b1f2f3a"),
    "E0 0B 7A B3 A4 8F 0A 4F 4E 9C 1F 5B 0D 0B 1F 2F 3A",
    bolt61Options
  )

  it("UnsupportedType hydrates (name, min major, min minor, extra.message)", () => {
    const value = decode(
      bytes("B4 3F 86 56 45 43 54 4F 52 06 00 A1 87 6D 65 73 73 61 67 65 82 6E 6F"),
      bolt61Options
    )
    assert.isTrue(Equal.equals(value, new UnsupportedType("VECTOR", 6, 0, "no")))
    assert.strictEqual(String(value), "UnsupportedType(VECTOR, needs Bolt 6.0: no)")
    assert.include(String(thrown(() => encode(value, bolt61Options))), "cannot be sent")
  })

  it("vectors and UUIDs are refused on connections that cannot carry them", () => {
    assert.include(String(thrown(() => encode({ v: new Vector(Int8Array.of(1)) }, bolt5Options))), "Bolt 6.0")
    assert.include(String(thrown(() => encode([Uuid.fromString("0b7ab3a4-8f0a-4f4e-9c1f-5b0d0b1f2f3a")], bolt5Options))), "$[0]")
    assert.isTrue(isPackStreamDecodeError(thrown(() => decode(bytes("B2 56 CC 01 C8 CC 00"), bolt5Options))))
    assert.isTrue(isPackStreamDecodeError(thrown(() => decode(bytes("E0 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"), bolt5Options))))
  })

  it("a vector with a bad element type or a ragged payload is a decode error", () => {
    assert.isTrue(isPackStreamDecodeError(thrown(() => decode(bytes("B2 56 CC 01 C0 CC 00"), bolt61Options))))
    assert.isTrue(isPackStreamDecodeError(thrown(() => decode(bytes("B2 56 CC 01 C9 CC 03 00 01 02"), bolt61Options))))
    assert.isTrue(isPackStreamDecodeError(thrown(() => decode(bytes("B2 56 CC 02 C9 C9 CC 00"), bolt61Options))))
  })
})

describe("field counts and field types", () => {
  const table: ReadonlyArray<readonly [string, string, ValueCodecOptions]> = [
    ["Node with 3 fields on Bolt 5", "B3 4E 01 90 A0", bolt5Options],
    ["Node with 4 fields on Bolt 4.4", "B4 4E 01 90 A0 80", bolt44Options],
    ["Relationship with 5 fields on Bolt 5", "B5 52 01 02 03 81 52 A0", bolt5Options],
    ["Path with 2 fields", "B2 50 90 90", bolt5Options],
    ["Point2D with 4 fields", "B4 58 01 C1 00 00 00 00 00 00 00 00 C1 00 00 00 00 00 00 00 00 C1 00 00 00 00 00 00 00 00", bolt5Options],
    ["Date with 2 fields", "B2 44 01 02", bolt5Options],
    ["Duration with 3 fields", "B3 45 01 02 03", bolt5Options],
    ["Node labels not a list", "B4 4E 01 80 A0 80", bolt5Options],
    ["Node label not a string", "B4 4E 01 91 01 A0 80", bolt5Options],
    ["Node properties not a map", "B4 4E 01 90 90 80", bolt5Options],
    ["Node id not an integer", "B4 4E 80 90 A0 80", bolt5Options],
    ["Point coordinate not a float", "B3 58 01 02 03", bolt5Options],
    ["LocalTime beyond a day", "B1 74 CB 00 00 4E 94 91 4F 00 00", bolt5Options],
    ["LocalDateTime with negative nanoseconds", "B2 64 00 FF", bolt5Options],
    ["Path nodes empty", "B3 50 90 90 90", bolt5Options],
    ["Path sequence odd", "B3 50 91 B4 4E 01 90 A0 80 90 91 01", bolt5Options],
    ["Path relationship index 0", "B3 50 91 B4 4E 01 90 A0 80 90 92 00 00", bolt5Options],
    ["Path node index out of range", "B3 50 91 B4 4E 01 90 A0 80 91 B4 72 01 81 52 A0 80 92 01 05", bolt5Options],
    ["unknown struct tag", "B1 7A 00", bolt5Options]
  ]
  for (const [name, input, options] of table) {
    it(`${name} -> PackStreamDecodeError`, () => {
      const error = thrown(() => decode(bytes(input), options))
      assert.isTrue(isPackStreamDecodeError(error), String(error))
    })
  }
})
