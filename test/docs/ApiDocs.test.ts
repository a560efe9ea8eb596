/**
 * The API reference (`npm run docs`) is generated from JSDoc, so the JSDoc is checked here with the
 * TypeScript compiler: every export of `src/index.ts`, and every export of the modules it re-exports
 * as namespaces, has a comment with one `@since` and one `@category` (a namespace: its `@since`);
 * every `{@link ...}` in src/ names something the compiler can resolve.
 */
import { assert, describe, it } from "@effect/vitest"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")

const loadProgram = (): ts.Program => {
  const configPath = join(root, "tsconfig.json")
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile)
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root)
  return ts.createProgram({ rootNames: [join(root, "src", "index.ts")], options: parsed.options })
}

const program = loadProgram()
const checker = program.getTypeChecker()

interface Problem {
  readonly name: string
  readonly problem: string
}

/** `export * as X from` and `export { X } from` carry their JSDoc on the export declaration. */
const documented = (declaration: ts.Declaration): ts.Node =>
  ts.isNamespaceExport(declaration) ? declaration.parent :
  ts.isExportSpecifier(declaration) ? declaration.parent.parent :
  declaration

const tagsOf = (declaration: ts.Declaration): ReadonlyArray<ts.JSDocTag> => ts.getJSDocTags(documented(declaration))

const hasComment = (declaration: ts.Declaration): boolean =>
  ts.getJSDocCommentsAndTags(documented(declaration)).some((doc) =>
    ts.isJSDoc(doc) && ts.getTextOfJSDocComment(doc.comment)?.trim() !== undefined &&
    ts.getTextOfJSDocComment(doc.comment)!.trim() !== ""
  )

/** The problems of one declaration's JSDoc, or none. */
const checkDeclaration = (declaration: ts.Declaration, needsCategory: boolean): ReadonlyArray<string> => {
  const tags = tagsOf(declaration)
  const count = (name: string) => tags.filter((tag) => tag.tagName.text === name).length
  const problems: Array<string> = []
  if (!hasComment(declaration)) problems.push("no JSDoc description")
  if (count("since") !== 1) problems.push(`${count("since")} @since tags (need 1)`)
  if (needsCategory && count("category") !== 1) problems.push(`${count("category")} @category tags (need 1)`)
  return problems
}

/** A merged symbol (class + interface, type + const) passes when one of its declarations does. */
const checkSymbol = (name: string, symbol: ts.Symbol, needsCategory: boolean): ReadonlyArray<Problem> => {
  const declarations = symbol.getDeclarations() ?? []
  if (declarations.length === 0) return [{ name, problem: "no declaration" }]
  const results = declarations.map((declaration) => checkDeclaration(declaration, needsCategory))
  if (results.some((problems) => problems.length === 0)) return []
  return [{ name, problem: results[0]!.join(", ") }]
}

const publicApiProblems = (): { readonly checked: number; readonly problems: ReadonlyArray<Problem> } => {
  const index = program.getSourceFile(join(root, "src", "index.ts"))!
  const moduleSymbol = checker.getSymbolAtLocation(index)!
  const problems: Array<Problem> = []
  let checked = 0
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    checked++
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    const isNamespace = (target.flags & ts.SymbolFlags.ValueModule) !== 0
    // The comment of `export * as X from "./X.ts"` sits on the re-export in index.ts.
    problems.push(...checkSymbol(exported.name, exported, !isNamespace))
    if (!isNamespace) continue
    for (const member of checker.getExportsOfModule(target)) {
      checked++
      const resolved = member.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(member) : member
      problems.push(...checkSymbol(`${exported.name}.${member.name}`, resolved, true))
    }
  }
  return { checked, problems }
}

type Link = ts.JSDocLink | ts.JSDocLinkCode | ts.JSDocLinkPlain

/** Collects the link nodes under `node` (a set: a JSDoc comment can be reached twice). */
const linkNodes = (node: ts.Node, found: Set<Link>): void => {
  if (ts.isJSDocLink(node) || ts.isJSDocLinkCode(node) || ts.isJSDocLinkPlain(node)) found.add(node)
  // JSDoc nodes are not children of the code nodes: visit them explicitly.
  for (const doc of (node as { jsDoc?: ReadonlyArray<ts.JSDoc> }).jsDoc ?? []) linkNodes(doc, found)
  ts.forEachChild(node, (child) => linkNodes(child, found))
  const comment = (node as { comment?: string | ts.NodeArray<ts.JSDocComment> }).comment
  if (comment !== undefined && typeof comment !== "string") for (const part of comment) linkNodes(part, found)
}

const brokenLinks = (): { readonly checked: number; readonly broken: ReadonlyArray<string> } => {
  const broken: Array<string> = []
  let checked = 0
  for (const file of program.getSourceFiles()) {
    if (!file.fileName.startsWith(join(root, "src"))) continue
    const links = new Set<Link>()
    linkNodes(file, links)
    for (const link of links) {
      if (link.name === undefined) continue // {@link https://...}: a URL
      checked++
      if (checker.getSymbolAtLocation(link.name) === undefined) {
        const { line } = file.getLineAndCharacterOfPosition(link.getStart(file))
        broken.push(`${relative(root, file.fileName)}:${line + 1}: {@link ${link.name.getText(file)}}`)
      }
    }
  }
  return { checked, broken }
}

describe("API documentation (JSDoc of src/)", () => {
  it("every public export has a JSDoc with @since and @category", () => {
    const { checked, problems } = publicApiProblems()
    // The index re-exports 16 modules; a count this low would mean the walk found nothing.
    assert.isAbove(checked, 100)
    assert.deepStrictEqual(problems.map(({ name, problem }) => `${name}: ${problem}`), [])
  })

  it("every {@link} in src/ resolves", () => {
    const { checked, broken } = brokenLinks()
    assert.isAbove(checked, 5)
    assert.deepStrictEqual(broken, [])
  })
})
