/**
 * The docs cannot drift from the API: every ```ts block in README.md and docs/*.md is a quote of a
 * region of a type-checked file under examples/, named by the comment line just above it:
 *
 *   <!-- example: examples/docs/streaming.ts#early -->
 *
 * A region is the lines between `// #region NAME` and `// #endregion NAME`, without their common
 * indentation; `#file` instead of `#NAME` quotes the whole file. `npm test` type-checks and lints the
 * files (tsconfig.json and oxlint include examples/), and this test checks each block equals its
 * region. To change a snippet: edit the example file, then paste the region into the guide.
 */
import { assert, describe, it } from "@effect/vitest"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")

const MARKER = /^<!-- example: (\S+?)#([\w-]+) -->$/

interface Block {
  readonly doc: string
  readonly line: number
  readonly marker: string | undefined
  readonly code: string
}

/** The ```ts / ```typescript blocks of a Markdown file, with the line above each. */
export const tsBlocks = (doc: string, text: string): ReadonlyArray<Block> => {
  const lines = text.split("\n")
  const blocks: Array<Block> = []
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w*)\s*$/.exec(lines[i]!)
    if (fence === null) continue
    const end = lines.findIndex((line, j) => j > i && line.startsWith("```"))
    if (end === -1) throw new Error(`${doc}:${i + 1}: unclosed code fence`)
    if (fence[1] === "ts" || fence[1] === "typescript") {
      blocks.push({ doc, line: i + 1, marker: lines[i - 1]?.trim(), code: lines.slice(i + 1, end).join("\n") })
    }
    i = end
  }
  return blocks
}

const dedent = (lines: ReadonlyArray<string>): string => {
  const indents = lines.filter((line) => line.trim() !== "").map((line) => /^ */.exec(line)![0].length)
  const common = indents.length === 0 ? 0 : Math.min(...indents)
  return lines.map((line) => line.slice(common)).join("\n")
}

/** The text of `#region name` in `file`, or the whole file (without its final newline) for `#file`. */
export const region = (text: string, name: string): string | undefined => {
  if (name === "file") return text.replace(/\n$/, "")
  const lines = text.split("\n")
  const start = lines.findIndex((line) => line.trim() === `// #region ${name}`)
  const end = lines.findIndex((line, i) => i > start && line.trim() === `// #endregion ${name}`)
  if (start === -1 || end === -1) return undefined
  return dedent(lines.slice(start + 1, end))
}

/** What is wrong with one block, or undefined. */
export const checkBlock = (block: Block, read: (path: string) => string | undefined): string | undefined => {
  const where = `${block.doc}:${block.line}`
  const marker = block.marker === undefined ? null : MARKER.exec(block.marker)
  if (marker === null) {
    return `${where}: a ts block without "<!-- example: examples/...ts#region -->" above it (put the code in a type-checked file under examples/)`
  }
  const [, path, name] = marker
  if (!path!.startsWith("examples/")) return `${where}: ${path} is not under examples/`
  const text = read(path!)
  if (text === undefined) return `${where}: ${path} does not exist`
  const expected = region(text, name!)
  if (expected === undefined) return `${where}: ${path} has no "// #region ${name}" ... "// #endregion ${name}"`
  if (expected !== block.code) return `${where}: differs from ${path}#${name}; paste the region again:\n${expected}`
  return undefined
}

const guides = (): ReadonlyArray<string> => [
  "README.md",
  ...readdirSync(join(root, "docs")).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`)
]

const readRepoFile = (path: string): string | undefined => {
  const full = join(root, path)
  return existsSync(full) ? readFileSync(full, "utf8") : undefined
}

describe("docs code blocks are quotes of type-checked examples", () => {
  it("every ts block of README.md and docs/*.md equals its example region", () => {
    const docs = guides()
    assert.isAbove(docs.length, 5)
    const blocks = docs.flatMap((doc) => tsBlocks(doc, readRepoFile(doc)!))
    assert.isAbove(blocks.length, 10)
    const problems = blocks.map((block) => checkBlock(block, readRepoFile)).filter((p) => p !== undefined)
    assert.deepStrictEqual(problems, [])
  })

  it("the check fails on a block that is not a quote", () => {
    const files: Record<string, string> = { "examples/a.ts": "x\n  // #region r\n    const a = 1\n  // #endregion r\n" }
    const read = (path: string) => files[path]
    const block = (marker: string | undefined, code: string): Block => ({ doc: "d.md", line: 3, marker, code })
    assert.isUndefined(checkBlock(block("<!-- example: examples/a.ts#r -->", "const a = 1"), read))
    assert.match(checkBlock(block("<!-- example: examples/a.ts#r -->", "const a = 2"), read)!, /differs/)
    assert.match(checkBlock(block(undefined, "const a = 1"), read)!, /without/)
    assert.match(checkBlock(block("<!-- example: examples/a.ts#s -->", "const a = 1"), read)!, /no "\/\/ #region s"/)
    assert.match(checkBlock(block("<!-- example: examples/b.ts#r -->", "const a = 1"), read)!, /does not exist/)
    const md = "text\n<!-- example: examples/a.ts#r -->\n```ts\nconst a = 1\n```\n```sh\nnpm test\n```\n"
    assert.deepStrictEqual(tsBlocks("d.md", md), [
      { doc: "d.md", line: 3, marker: "<!-- example: examples/a.ts#r -->", code: "const a = 1" }
    ])
  })
})
