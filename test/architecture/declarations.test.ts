/**
 * The built public declarations (issue 13, part 5): every `.d.ts` a user's compiler reads through
 * the package's `exports` imports only other exported modules, `effect` and Node's built-ins, so
 * that no internal module (`internal/`, `bolt/`, `connection/`, `pool/`, `routing/`,
 * `packstream/`) becomes part of the API by accident, and every type a user passes or receives
 * can be named from a public subpath (a library built with `declaration: true` on top of the
 * package cannot hit TS2742).
 *
 * The declarations are emitted in memory with `tsconfig.build.json`'s options, as `npm run build`
 * writes them, and read with the same import reader as the import-graph test.
 */
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { builtinModules } from "node:module"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import { importsOf } from "./readImports.ts"

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..")
const SRC = join(ROOT, "src")

/** The modules of `src/` the package exports (from `package.json`'s `exports`, their `source`). */
const exportedModules = (): ReadonlySet<string> => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    readonly exports: Readonly<Record<string, unknown>>
  }
  const out = new Set<string>()
  for (const target of Object.values(pkg.exports)) {
    if (typeof target !== "object" || target === null) continue
    const source = (target as { readonly source?: unknown }).source
    if (typeof source === "string") out.add(relative(SRC, join(ROOT, source)).split("\\").join("/"))
  }
  return out
}

/** The declarations of `src/` as `npm run build` would write them, by module path (`Neo4j.ts`). */
const emitDeclarations = (): ReadonlyMap<string, string> => {
  const configPath = join(ROOT, "tsconfig.build.json")
  const read = ts.readConfigFile(configPath, ts.sys.readFile)
  if (read.error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"))
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT, undefined, configPath)
  const options: ts.CompilerOptions = {
    ...parsed.options,
    declaration: true,
    emitDeclarationOnly: true,
    declarationMap: false,
    sourceMap: false,
    noEmit: false
  }
  const program = ts.createProgram({ rootNames: parsed.fileNames, options })
  const out = new Map<string, string>()
  const outDir = options.outDir ?? join(ROOT, "dist")
  const result = program.emit(undefined, (fileName, text) => {
    if (!fileName.endsWith(".d.ts")) return
    // `Neo4j.d.ts` is the declaration of `Neo4j.ts`: the module paths of the import reader
    out.set(relative(outDir, fileName).split("\\").join("/").replace(/\.d\.ts$/, ".ts"), text)
  }, undefined, true)
  const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error)
  if (errors.length > 0) throw new Error(ts.formatDiagnostics(errors, ts.createCompilerHost(options)))
  return out
}

/** The bare specifiers (`effect/Effect`, `node:net`) of a declaration. */
const packagesOf = (text: string): ReadonlyArray<string> => {
  const source = ts.createSourceFile("x.d.ts", text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  const out: Array<string> = []
  const visit = (node: ts.Node): void => {
    const specifier = ts.isImportDeclaration(node) || ts.isExportDeclaration(node)
      ? node.moduleSpecifier
      : ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)
      ? node.argument.literal
      : undefined
    if (specifier !== undefined && ts.isStringLiteral(specifier) && !specifier.text.startsWith(".")) out.push(specifier.text)
    ts.forEachChild(node, visit)
  }
  visit(source)
  return out
}

const NODE_BUILTINS = new Set(builtinModules)

/** Why a bare specifier may not appear in a public declaration, or undefined when it may. */
export const foreignPackage = (specifier: string): string | undefined => {
  if (specifier === "effect" || specifier.startsWith("effect/")) return undefined
  if (specifier.startsWith("node:") || NODE_BUILTINS.has(specifier)) return undefined
  return `imports ${specifier}`
}

describe("the built public declarations", () => {
  const exported = exportedModules()
  const declarations = emitDeclarations()

  it("exist for every exported module", () => {
    assert.isAbove(exported.size, 10)
    assert.deepStrictEqual([...exported].filter((m) => !declarations.has(m)), [])
  })

  it("import only exported modules, effect and Node's built-ins", () => {
    const found: Array<string> = []
    for (const module of exported) {
      const text = declarations.get(module)
      if (text === undefined) continue
      for (const edge of importsOf(module, text)) {
        if (!exported.has(edge.to)) found.push(`${module} -> ${edge.to}`)
      }
      for (const specifier of packagesOf(text)) {
        const why = foreignPackage(specifier)
        if (why !== undefined) found.push(`${module} ${why}`)
      }
    }
    assert.deepStrictEqual(found, [])
  })
})

describe("the declaration checker itself", () => {
  it("sees an internal import in a declaration and lets effect and node pass", () => {
    const text = [
      `import type { RoutingTable } from "./routing/RoutingTable.ts";`,
      `import * as Effect from "effect/Effect";`,
      `export declare const t: import("./internal/driver.ts").Driver;`,
      `export type { X } from "./Neo4jGraph.ts";`
    ].join("\n")
    assert.deepStrictEqual(importsOf("Neo4j.ts", text).map((e) => e.to), ["routing/RoutingTable.ts", "internal/driver.ts", "Neo4jGraph.ts"])
    assert.deepStrictEqual(packagesOf(text), ["effect/Effect"])
    assert.isUndefined(foreignPackage("effect/Effect"))
    assert.isUndefined(foreignPackage("node:net"))
    assert.isDefined(foreignPackage("neo4j-driver"))
  })
})
