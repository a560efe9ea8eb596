import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { Buffer } from "node:buffer"
import { Neo4jUsageError } from "../src/Neo4jError.ts"
import { Neo4jRecord, RecordShape } from "../src/Neo4jRecord.ts"

/** A string equal to `s` but made at run time (not a literal), as keys decoded from the wire are. */
const fresh = (s: string): string => Buffer.from(s, "utf8").toString("utf8")

const ODD_KEYS = ["__proto__", "constructor", "0", "", "x y", "é", "toString", "hasOwnProperty"]

describe("Neo4jRecord", () => {
  it("keys keep their names, order and lookups, however odd", () => {
    const shape = new RecordShape(ODD_KEYS.map(fresh))
    const record = new Neo4jRecord(shape, ODD_KEYS.map((_, i) => i * 10))
    assert.deepStrictEqual(record.keys, ODD_KEYS)
    for (const [i, key] of ODD_KEYS.entries()) {
      assert.strictEqual(record.get(key), i * 10, key)
      assert.strictEqual(record.get(fresh(key)), i * 10, `run-time copy of ${key}`)
      assert.strictEqual(record.get(i), i * 10)
      assert.isTrue(record.has(key))
    }
    assert.isFalse(record.has("missing"))
    const object = record.toObject()
    // (an integer-like key such as "0" comes first in any object's own keys: JavaScript's order)
    assert.sameMembers(Object.keys(object), ODD_KEYS)
    for (const [i, key] of ODD_KEYS.entries()) assert.strictEqual(Object.getOwnPropertyDescriptor(object, key)?.value, i * 10)
    assert.strictEqual(Object.getPrototypeOf(object), Object.prototype, "a __proto__ key stays data")
    assert.strictEqual(Object.getOwnPropertyDescriptor(object, "__proto__")?.value, 0)
  })

  it("more columns than the scan limit go through the key map", () => {
    const keys = Array.from({ length: 20 }, (_, i) => fresh(`k${i}`))
    const record = new Neo4jRecord(new RecordShape(keys), keys.map((_, i) => -i))
    for (let i = 0; i < 20; i++) assert.strictEqual(record.get(`k${i}`), -i)
    assert.throws(() => record.get("k20"), Neo4jUsageError)
  })

  it("an unknown column or index is a usage error naming the keys", () => {
    const record = new Neo4jRecord(new RecordShape([fresh("a"), fresh("b")]), [1, 2])
    for (const key of ["c", 2, -1, 0.5] as const) {
      try {
        record.get(key)
        assert.fail(`get(${key}) should throw`)
      } catch (error) {
        assert.instanceOf(error, Neo4jUsageError)
        assert.include((error as Neo4jUsageError).message, "[a, b]")
      }
    }
  })

  it("getOption: Some for a column, None for an unknown key or index, without a throw", () => {
    const record = new Neo4jRecord(new RecordShape(["name", "born"]), ["Ada", 1815])
    assert.deepStrictEqual(record.getOption("born"), Option.some(1815))
    assert.deepStrictEqual(record.getOption(0), Option.some("Ada"))
    assert.deepStrictEqual(record.getOption("typo"), Option.none())
    assert.deepStrictEqual(record.getOption(2), Option.none())
    assert.deepStrictEqual(record.getOption(-1), Option.none())
  })

  it("a repeated key finds its first column", () => {
    const record = new Neo4jRecord(new RecordShape([fresh("a"), fresh("a")]), [1, 2])
    assert.strictEqual(record.get("a"), 1)
    assert.deepStrictEqual(record.entries(), [["a", 1], ["a", 2]])
  })
})
