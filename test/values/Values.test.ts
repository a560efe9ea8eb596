import { assert, describe, it } from "@effect/vitest"
import { Equal, Hash } from "effect"
import * as Neo4jGraph from "../../src/Neo4jGraph.ts"
import * as Neo4jSpatial from "../../src/Neo4jSpatial.ts"
import * as Neo4jUuid from "../../src/Neo4jUuid.ts"
import * as Neo4jValue from "../../src/Neo4jValue.ts"
import * as Neo4jVector from "../../src/Neo4jVector.ts"

const { Node, Path, PathSegment, UnboundRelationship } = Neo4jGraph

describe("Neo4jGraph", () => {
  const ada = new Node(1, ["Person", "Scientist"], { name: "Ada", born: 1815 }, "4:db:1")
  const charles = new Node(2, ["Person"], { name: "Charles" }, "4:db:2")
  const knows = new UnboundRelationship(7, "KNOWS", { since: 1833 }, "5:db:7")

  it("toString reads like Cypher", () => {
    assert.strictEqual(String(ada), '(4:db:1:Person:Scientist {name: "Ada", born: 1815})')
    assert.strictEqual(String(knows.bind(ada, charles)), "(4:db:1)-[5:db:7:KNOWS {since: 1833}]->(4:db:2)")
    assert.strictEqual(String(new Node(3, [], { "odd key": [1n, null] }, "x")), "(x {`odd key`: [1, null]})")
  })

  it("structural equality and hashing", () => {
    const copy = new Node(1, ["Person", "Scientist"], { name: "Ada", born: 1815 }, "4:db:1")
    assert.isTrue(Equal.equals(ada, copy))
    assert.strictEqual(Hash.hash(ada), Hash.hash(copy))
    assert.isFalse(Equal.equals(ada, new Node(1, ["Person"], { name: "Ada", born: 1815 }, "4:db:1")))
    assert.isFalse(Equal.equals(ada, new Node(1, ["Person", "Scientist"], { name: "Ada", born: 1816 }, "4:db:1")))
    assert.isTrue(Equal.equals(knows.bind(ada, charles), knows.bind(ada, charles)))
    assert.isFalse(Equal.equals(knows.bind(ada, charles), knows.bind(charles, ada)))
  })

  it("paths expose nodes and relationships in order of travel", () => {
    const rel = knows.bind(ada, charles)
    const path = new Path(charles, ada, [new PathSegment(charles, rel, ada)])
    assert.strictEqual(path.length, 1)
    assert.deepStrictEqual(path.nodes.map((n) => n.elementId), ["4:db:2", "4:db:1"])
    assert.strictEqual(path.relationships[0], rel)
    assert.strictEqual(String(path), "path((4:db:2)<-[5:db:7:KNOWS {since: 1833}]-(4:db:1))")
    assert.isTrue(Equal.equals(path, new Path(charles, ada, [new PathSegment(charles, rel, ada)])))
  })

  it("guards", () => {
    assert.isTrue(Neo4jGraph.isNode(ada))
    assert.isFalse(Neo4jGraph.isNode({ ...ada }))
    assert.isTrue(Neo4jGraph.isRelationship(knows.bind(ada, charles)))
    assert.isTrue(Neo4jGraph.isUnboundRelationship(knows))
    assert.isTrue(Neo4jGraph.isPath(new Path(ada, ada, [])))
    assert.isTrue(Neo4jGraph.isPathSegment(new PathSegment(ada, knows.bind(ada, charles), charles)))
    assert.strictEqual(ada._tag, "Node")
  })
})

describe("Neo4jSpatial", () => {
  it("constructors, SRIDs, toString", () => {
    assert.strictEqual(String(Neo4jSpatial.Point.wgs84(12.5, 56)), "point({srid:4326, x:12.5, y:56.0})")
    assert.strictEqual(String(Neo4jSpatial.Point.cartesian3d(1, 2, 3)), "point({srid:9157, x:1.0, y:2.0, z:3.0})")
    assert.strictEqual(Neo4jSpatial.Point.cartesian(0, 0).srid, Neo4jSpatial.Srid.CARTESIAN)
    assert.strictEqual(Neo4jSpatial.Point.wgs84_3d(0, 0, 0).dimension, 3)
    assert.strictEqual(Neo4jSpatial.Point.wgs84(0, 0).dimension, 2)
  })
  it("equality, guard", () => {
    assert.isTrue(Equal.equals(Neo4jSpatial.Point.wgs84(1, 2), Neo4jSpatial.Point.wgs84(1, 2)))
    assert.isFalse(Equal.equals(Neo4jSpatial.Point.wgs84(1, 2), Neo4jSpatial.Point.cartesian(1, 2)))
    assert.isFalse(Equal.equals(Neo4jSpatial.Point.cartesian(1, 2), Neo4jSpatial.Point.cartesian3d(1, 2, 0)))
    assert.isTrue(Neo4jSpatial.isPoint(Neo4jSpatial.Point.cartesian(1, 2)))
  })
})

describe("Neo4jVector", () => {
  it("element type follows the typed array", () => {
    assert.strictEqual(new Neo4jVector.Vector(new Float32Array(2)).elementType, "FLOAT32")
    assert.strictEqual(new Neo4jVector.Vector(new BigInt64Array(2)).elementType, "INT64")
    assert.strictEqual(Neo4jVector.Vector.fromArray("INT16", [1, 2, 3]).dimension, 3)
    assert.strictEqual(String(Neo4jVector.Vector.fromArray("FLOAT64", [1, 2.5])), "vector([1.0, 2.5], 2, FLOAT64)")
    assert.strictEqual(String(Neo4jVector.Vector.fromArray("INT64", [1n, -2])), "vector([1, -2], 2, INT64)")
  })
  it("rejects other arrays", () => {
    assert.throws(() => new Neo4jVector.Vector(new Uint8Array(1) as unknown as Int8Array))
  })
  it("equality compares type and elements", () => {
    const a = Neo4jVector.Vector.fromArray("FLOAT32", [1, 2])
    assert.isTrue(Equal.equals(a, Neo4jVector.Vector.fromArray("FLOAT32", [1, 2])))
    assert.isFalse(Equal.equals(a, Neo4jVector.Vector.fromArray("FLOAT64", [1, 2])))
    assert.isFalse(Equal.equals(a, Neo4jVector.Vector.fromArray("FLOAT32", [1, 3])))
    assert.isTrue(Neo4jVector.isVector(a))
  })
})

describe("Neo4jUuid", () => {
  const text = "0b7ab3a4-8f0a-4f4e-9c1f-5b0d0b1f2f3a"
  it("parses and prints", () => {
    const uuid = Neo4jUuid.Uuid.fromString(text.toUpperCase())
    assert.strictEqual(uuid.toString(), text)
    assert.strictEqual(JSON.stringify({ uuid }), `{"uuid":"${text}"}`)
    assert.strictEqual(uuid.bytes[0], 0x0b)
  })
  it("rejects malformed input", () => {
    assert.throws(() => Neo4jUuid.Uuid.fromString("not-a-uuid"))
    assert.throws(() => Neo4jUuid.Uuid.fromBytes(new Uint8Array(15)))
  })
  it("fromBytes copies; equality by bytes", () => {
    const raw = new Uint8Array(16).fill(7)
    const uuid = Neo4jUuid.Uuid.fromBytes(raw)
    raw[0] = 0
    assert.strictEqual(uuid.bytes[0], 7)
    assert.isTrue(Equal.equals(uuid, Neo4jUuid.Uuid.fromBytes(new Uint8Array(16).fill(7))))
    assert.isTrue(Neo4jUuid.isUuid(uuid))
  })
})

describe("Neo4jValue", () => {
  it("float wraps, prints and compares", () => {
    assert.strictEqual(String(Neo4jValue.float(1)), "1.0")
    assert.isTrue(Neo4jValue.isFloat(Neo4jValue.float(1)))
    assert.isTrue(Equal.equals(Neo4jValue.float(Number.NaN), Neo4jValue.float(Number.NaN)))
  })
  it("UnsupportedType", () => {
    const value = new Neo4jValue.UnsupportedType("VECTOR<FLOAT32>(3)", 6, 0, undefined)
    assert.strictEqual(value.minimumProtocolVersion, "6.0")
    assert.strictEqual(String(value), "UnsupportedType(VECTOR<FLOAT32>(3), needs Bolt 6.0)")
    assert.isTrue(Neo4jValue.isUnsupportedType(value))
  })
  it("format renders Cypher-like literals", () => {
    assert.strictEqual(Neo4jValue.format({ a: [1, "x", null, true, 2n], b: new Uint8Array(3) }), '{a: [1, "x", null, true, 2], b: bytes(3)}')
  })
})
