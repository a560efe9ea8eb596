/**
 * The relative imports of a TypeScript source or declaration text, for the architecture guards
 * (\`imports.test.ts\`: the import graph of \`src/\`; \`declarations.test.ts\`: the built public
 * declarations).
 */
import { dirname, join } from "node:path"
import ts from "typescript"

/** One `import`/`export ... from` of a module, resolved to a path relative to `src/`. */
export interface Edge {
  readonly from: string
  readonly to: string
  /** every name it brings in is a type (`import type`, `export type`, or `{ type A, type B }`) */
  readonly typeOnly: boolean
}

const isTypeOnlyImport = (node: ts.ImportDeclaration): boolean => {
  const clause = node.importClause
  if (clause === undefined) return false // `import "./x.ts"`: a side effect
  if (clause.isTypeOnly) return true
  if (clause.name !== undefined) return false
  const bindings = clause.namedBindings
  return bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 &&
    bindings.elements.every((e) => e.isTypeOnly)
}

const isTypeOnlyExport = (node: ts.ExportDeclaration): boolean =>
  node.isTypeOnly ||
  (node.exportClause !== undefined && ts.isNamedExports(node.exportClause) &&
    node.exportClause.elements.length > 0 && node.exportClause.elements.every((e) => e.isTypeOnly))

/** The relative imports of one source text (`module` relative to `src/`). */
export const importsOf = (module: string, text: string): ReadonlyArray<Edge> => {
  const source = ts.createSourceFile(module, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  const edges: Array<Edge> = []
  const add = (specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (specifier === undefined || !ts.isStringLiteral(specifier) || !specifier.text.startsWith(".")) return
    edges.push({ from: module, to: join(dirname(module), specifier.text).split("\\").join("/"), typeOnly })
  }
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, isTypeOnlyImport(node))
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, isTypeOnlyExport(node))
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return edges
}
