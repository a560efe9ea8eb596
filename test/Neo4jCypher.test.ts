import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { cypher, escapeIdentifier, isStatement, toQuery } from "../src/Neo4jCypher.ts"
import { Neo4jUsageError } from "../src/Neo4jError.ts"

/**
 * Java-style unicode escape processing (JLS 3.3), which Neo4j's parser applies to the whole query
 * text first: a backslash preceded by an even number of backslashes, then one or more `u` and four
 * hex digits, is that character; a backslash produced this way starts no further escape.
 */
const processUnicodeEscapes = (text: string): string => {
  let out = ""
  let rawBackslashes = 0
  for (let i = 0; i < text.length;) {
    const match = text[i] === "\\" && rawBackslashes % 2 === 0 ? /^\\u+([0-9a-fA-F]{4})/.exec(text.slice(i)) : null
    if (match !== null) {
      out += String.fromCharCode(Number.parseInt(match[1]!, 16))
      i += match[0].length
      rawBackslashes = 0
      continue
    }
    rawBackslashes = text[i] === "\\" ? rawBackslashes + 1 : 0
    out += text[i]
    i++
  }
  return out
}

/**
 * A reference reading of a backtick-quoted Cypher name (Cypher manual, "Naming rules") after escape
 * processing: a doubled backtick is one backtick of the name and a single one ends it. Returns the
 * name and the text after it.
 */
const readQuotedName = (written: string): { readonly name: string; readonly rest: string } => {
  const text = processUnicodeEscapes(written)
  assert.strictEqual(text[0], "`")
  let name = ""
  let i = 1
  while (i < text.length) {
    if (text[i] === "`") {
      if (text[i + 1] === "`") {
        name += "`"
        i += 2
        continue
      }
      return { name, rest: text.slice(i + 1) }
    }
    name += text[i]
    i++
  }
  throw new Error(`unterminated name in ${text}`)
}

describe("cypher template", () => {
  it("turns every value into a generated parameter, never into text", () => {
    const name = "Ada' }) DETACH DELETE n //"
    const q = cypher`MATCH (p:Person {name: ${name}}) WHERE p.born > ${1800} RETURN p`
    assert.strictEqual(q.text, "MATCH (p:Person {name: $p0}) WHERE p.born > $p1 RETURN p")
    assert.deepStrictEqual(q.parameters, { p0: name, p1: 1800 })
    assert.isTrue(isStatement(q))
    assert.strictEqual(String(q), q.text, "toString shows the text, not the values")
  })

  it("keeps a list as one list parameter", () => {
    const q = cypher`MATCH (p) WHERE p.name IN ${["a", "b"]} RETURN p`
    assert.strictEqual(q.text, "MATCH (p) WHERE p.name IN $p0 RETURN p")
    assert.deepStrictEqual(q.parameters, { p0: ["a", "b"] })
  })

  it("inlines nested templates and numbers their values in order", () => {
    const where = cypher`p.age > ${30} AND p.city = ${"Paris"}`
    const q = cypher`MATCH (p) WHERE ${where} AND p.name = ${"x"} RETURN p LIMIT ${5}`
    assert.strictEqual(q.text, "MATCH (p) WHERE p.age > $p0 AND p.city = $p1 AND p.name = $p2 RETURN p LIMIT $p3")
    assert.deepStrictEqual(q.parameters, { p0: 30, p1: "Paris", p2: "x", p3: 5 })
    const deeper = cypher`RETURN ${cypher`${cypher`${1} + ${2}`} + ${3}`} AS v`
    assert.strictEqual(deeper.text, "RETURN $p0 + $p1 + $p2 AS v")
    assert.deepStrictEqual(deeper.parameters, { p0: 1, p1: 2, p2: 3 })
  })

  it("gives the same text for the same template (the server's plan cache keys on it)", () => {
    const byName = (name: string) => cypher`MATCH (p {name: ${name}}) RETURN p`
    assert.strictEqual(byName("a").text, byName("b").text)
  })

  it("and / or parenthesise each condition; empty lists give true / false", () => {
    const a = cypher`p.a = ${1} OR p.b = ${2}`
    const b = cypher`p.c = ${3}`
    assert.strictEqual(cypher`WHERE ${cypher.and([a, b])}`.text, "WHERE (p.a = $p0 OR p.b = $p1) AND (p.c = $p2)")
    assert.strictEqual(cypher`WHERE ${cypher.or([a, b])}`.text, "WHERE (p.a = $p0 OR p.b = $p1) OR (p.c = $p2)")
    assert.strictEqual(cypher.and([b]).text, "(p.c = $p0)")
    assert.strictEqual(cypher`WHERE ${cypher.and([])}`.text, "WHERE true")
    assert.strictEqual(cypher`WHERE ${cypher.or([])}`.text, "WHERE false")
  })

  it("join separates fragments (default ', ') and is empty for none", () => {
    const items = [cypher`${1} AS a`, cypher`${2} AS b`]
    assert.strictEqual(cypher`RETURN ${cypher.join(items)}`.text, "RETURN $p0 AS a, $p1 AS b")
    assert.strictEqual(cypher.join([cypher`RETURN ${1}`, cypher`RETURN ${2}`], " UNION ").text, "RETURN $p0 UNION RETURN $p1")
    assert.strictEqual(cypher`RETURN 1${cypher.join([])}`.text, "RETURN 1")
    assert.strictEqual(cypher`RETURN 1${cypher.empty}`.text, "RETURN 1")
    // @ts-expect-error a separator must be a literal: a string from elsewhere could be anything
    cypher.join(items, String(" OR 1=1 OR "))
  })
})

/** Any text, with backslashes, `u`s, hex digits and backticks made common. */
const nameArbitrary = fc.array(
  fc.oneof(fc.string({ unit: "binary", minLength: 1, maxLength: 3 }), fc.constantFrom("\\", "u", "`", "0060", "005C", "\\u0060")),
  { minLength: 1, maxLength: 12 }
).map((parts) => parts.join("")).filter((s) => !s.includes("\u0000"))

describe("escaped identifiers", () => {
  it("quote labels, relationship types and property keys with backticks", () => {
    const q = cypher`MATCH (n:${cypher.label("Person")})-[:${cypher.relType("KNOWS")}]->(m) RETURN n.${cypher.property("first name")}`
    assert.strictEqual(q.text, "MATCH (n:`Person`)-[:`KNOWS`]->(m) RETURN n.`first name`")
    assert.deepStrictEqual(q.parameters, {})
  })

  it("double backticks, so a name cannot end the quoted identifier", () => {
    const hostile = "Person`) DETACH DELETE n //"
    assert.strictEqual(escapeIdentifier(hostile), "`Person``) DETACH DELETE n //`")
    const q = cypher`MATCH (n:${cypher.label(hostile)}) RETURN n`
    const { name, rest } = readQuotedName(q.text.slice("MATCH (n:".length))
    assert.strictEqual(name, hostile)
    assert.strictEqual(rest, ") RETURN n")
  })

  it("every non-empty name without NUL reads back as exactly itself, one token", () => {
    fc.assert(
      fc.property(nameArbitrary, (name) => {
        const { name: read, rest } = readQuotedName(escapeIdentifier(name) + " tail")
        assert.strictEqual(read, name)
        assert.strictEqual(rest, " tail")
      }),
      { numRuns: 2_000 }
    )
  })

  it("write backslashes as \\u005C, so an escape in a name cannot become a backtick", () => {
    const hostile = "x\\u0060) DETACH DELETE n //"
    assert.strictEqual(escapeIdentifier(hostile), "`x\\u005Cu0060) DETACH DELETE n //`")
    assert.strictEqual(readQuotedName(escapeIdentifier(hostile)).name, hostile)
    // what plain doubling would have sent: the server reads the escape and the name ends early
    assert.strictEqual(readQuotedName("`x\\u0060) DETACH DELETE n //`").rest, ") DETACH DELETE n //`")
  })

  it("refuse what Cypher cannot name: empty, NUL, not a string", () => {
    assert.throws(() => cypher.label(""), Neo4jUsageError)
    assert.throws(() => cypher.relType("a\u0000b"), Neo4jUsageError)
    assert.throws(() => cypher.property(42 as unknown as string), Neo4jUsageError)
  })
})

describe("toQuery (what the entry points send)", () => {
  it("passes a string and its parameters through untouched", () => {
    const parameters = { a: 1 }
    const q = toQuery("RETURN $a", parameters)
    assert.strictEqual(q.text, "RETURN $a")
    assert.strictEqual(q.parameters, parameters)
    assert.deepStrictEqual(toQuery("RETURN 1", undefined).parameters, {})
  })

  it("merges explicit parameters; generated names skip the explicit ones", () => {
    const q = toQuery(cypher`RETURN ${"gen"} AS a, $p0 AS b, $limit AS c`, { p0: "mine", limit: 3 })
    assert.strictEqual(q.text, "RETURN $p1 AS a, $p0 AS b, $limit AS c")
    assert.deepStrictEqual(q.parameters, { p0: "mine", limit: 3, p1: "gen" })
  })

  it("keeps an explicit parameter named __proto__ as data", () => {
    const explicit = JSON.parse("{\"__proto__\": 1}") as Record<string, unknown>
    const q = toQuery(cypher`RETURN ${2}`, explicit)
    assert.deepStrictEqual(Object.keys(q.parameters).sort(), ["__proto__", "p0"])
    assert.strictEqual(Object.getPrototypeOf(q.parameters), Object.prototype)
  })
})
