/**
 * The import graph of `src/` (issue 13, part 5): no cycles, and no import pointing up the layers
 *
 *   packstream <- values <- bolt <- connection <- pool <- routing <- public
 *
 * where `values` is the shared vocabulary of the error family and the value modules
 * (`Neo4jError`, `Neo4jGraph`, `Neo4jTemporal` and its parts, `Neo4jSpatial`, `Neo4jVector`,
 * `Neo4jUuid`, `Neo4jValue`, and `Neo4jRecord`, the row they arrive in): every layer from bolt up may import it, it imports nothing but itself
 * (and `effect`), and PackStream does not need it (structures reach values through bolt/'s
 * hydrator). A module may import its own layer and any layer below.
 *
 * `src/internal/` is not a layer; each module sits where its users are: `driver.ts`,
 * `envConfig.ts`, `retry.ts` and the testing kit's `testing*.ts` are driver machinery (public layer),
 * `metrics.ts` (the instruments the pool records into) belongs to the pool layer, `uri.ts` (addresses) belongs to the
 * connection layer, where a socket is opened, and `internal/temporal/` and `internal/valueFormat.ts` are
 * parts of the value modules. A new file in `src/internal/` (or a new folder in `src/`) must be
 * placed in {@link layerOf} before this test passes.
 *
 * Type-only imports count for cycles (declarations load the same graph) and for direction, with one
 * exception for both: a module below the public modules (a lower layer, or `src/internal/`) may
 * import a *type* from a public module (issue 13, part 2: public types are declared in public
 * modules and internals name them). Such an edge exists in the declarations only, and there it
 * cannot close a cycle, because no public declaration imports an internal module
 * (`declarations.test.ts`). A runtime import of a public module from below is a violation.
 */
import { assert, describe, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { type Edge, importsOf } from "./readImports.ts"

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..")
const SRC = join(ROOT, "src")

const Layer = {
  packstream: 0,
  values: 1,
  bolt: 2,
  connection: 3,
  pool: 4,
  routing: 5,
  public: 6
} as const
type LayerName = keyof typeof Layer

const VALUE_MODULES = new Set([
  "Neo4jError.ts",
  "Neo4jGraph.ts",
  "Neo4jTemporal.ts",
  "Neo4jSpatial.ts",
  "Neo4jVector.ts",
  "Neo4jUuid.ts",
  "Neo4jValue.ts",
  "Neo4jRecord.ts"
])

const INTERNAL: Readonly<Record<string, LayerName>> = {
  "internal/bookmarks.ts": "public",
  "internal/config.ts": "public",
  "internal/driver.ts": "public",
  "internal/envConfig.ts": "public",
  "internal/errors.ts": "values",
  "internal/metrics.ts": "pool",
  "internal/operation.ts": "public",
  "internal/retry.ts": "public",
  "internal/retryMark.ts": "values",
  "internal/session.ts": "public",
  "internal/testingDriver.ts": "public",
  "internal/testingServer.ts": "public",
  "internal/uri.ts": "connection",
  "internal/valueFormat.ts": "values",
  "internal/verify.ts": "public"
}

/** The layer of a module (path relative to `src/`), or undefined when it has not been placed. */
export const layerOf = (module: string): LayerName | undefined => {
  const [top, ...rest] = module.split("/")
  if (rest.length === 0) {
    if (VALUE_MODULES.has(top!)) return "values"
    return top === "index.ts" || /^Neo4j\w*\.ts$/.test(top!) ? "public" : undefined
  }
  switch (top) {
    case "packstream":
    case "bolt":
    case "connection":
    case "pool":
    case "routing":
      return top
    case "internal":
      return module.startsWith("internal/temporal/") ? "values" : INTERNAL[module]
    default:
      return undefined
  }
}

const listModules = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return listModules(path)
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [relative(SRC, path).split("\\").join("/")] : []
  })

/** The cycles of a graph: its strongly connected components with more than one module (or a self-import). */
export const cyclesOf = (modules: ReadonlyArray<string>, edges: ReadonlyArray<Edge>): Array<Array<string>> => {
  const next = new Map<string, Array<string>>(modules.map((m) => [m, []]))
  for (const e of edges) next.get(e.from)?.push(e.to)
  // Tarjan's algorithm
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: Array<string> = []
  const onStack = new Set<string>()
  const out: Array<Array<string>> = []
  let counter = 0
  const connect = (v: string): void => {
    index.set(v, counter)
    low.set(v, counter++)
    stack.push(v)
    onStack.add(v)
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!))
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: Array<string> = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || (next.get(v) ?? []).includes(v)) out.push(component.sort())
    }
  }
  for (const m of modules) if (!index.has(m)) connect(m)
  return out
}

/** A public module: `src/Neo4j*.ts` or `src/index.ts` (not `src/internal/`). */
const isPublicModule = (module: string): boolean => !module.includes("/") && layerOf(module) !== undefined

/** A type-only import of a public module from below it (see the module comment). */
export const namesPublicType = (edge: Edge): boolean =>
  edge.typeOnly && isPublicModule(edge.to) && !isPublicModule(edge.from)

/** Why an edge points up the layers, or undefined when it is allowed. */
export const violationOf = (edge: Edge): string | undefined => {
  const from = layerOf(edge.from)
  const to = layerOf(edge.to)
  if (from === undefined || to === undefined) return undefined // reported as unplaced
  if (Layer[to] <= Layer[from]) {
    return from === "packstream" && to !== "packstream" ? `packstream imports the ${to} layer` : undefined
  }
  if (edge.typeOnly && to === "public" && from !== "packstream" && from !== "values") return undefined
  return `${from} imports ${edge.typeOnly ? "types from " : ""}the ${to} layer`
}

/**
 * Known violations, to be removed as issue 13's protocol seam (parts 1, 2, 4) lands: every entry
 * must still be a violation (the test fails on a stale one, so the list only shrinks).
 */
const ALLOWED: ReadonlyArray<{ readonly from: string; readonly to: string; readonly why: string }> = [
  // none left: add one only with the reason and the issue that removes it
]

const graph = () => {
  const modules = listModules(SRC)
  const edges = modules.flatMap((m) => importsOf(m, readFileSync(join(SRC, m), "utf8")))
  return { modules, edges }
}

describe("the import graph of src/", () => {
  const { edges, modules } = graph()

  it("places every module in a layer", () => {
    assert.deepStrictEqual(modules.filter((m) => layerOf(m) === undefined), [])
  })

  it("resolves every relative import to a module of src/", () => {
    const known = new Set(modules)
    assert.deepStrictEqual(edges.filter((e) => !known.has(e.to)).map((e) => `${e.from} -> ${e.to}`), [])
  })

  it("has no import cycle (type-only imports included, but for types internals take from public modules)", () => {
    assert.deepStrictEqual(cyclesOf(modules, edges.filter((e) => !namesPublicType(e))), [])
  })

  it("has no import pointing up the layers beyond the allow-list, and no stale allow-list entry", () => {
    const found = edges.flatMap((e) => {
      const why = violationOf(e)
      return why === undefined ? [] : [`${e.from} -> ${e.to}: ${why}`]
    })
    const allowed = new Set(ALLOWED.map((a) => `${a.from} -> ${a.to}`))
    const isAllowed = (v: string) => allowed.has(v.slice(0, v.indexOf(":")))
    assert.deepStrictEqual(found.filter((v) => !isAllowed(v)), [], "new violations")
    const stale = ALLOWED.filter((a) => !found.some((v) => v.startsWith(`${a.from} -> ${a.to}:`)))
    assert.deepStrictEqual(stale.map((a) => `${a.from} -> ${a.to}`), [], "allow-list entries that no longer apply")
  })
})

describe("the checker itself", () => {
  it("reads value, type-only, re-export and dynamic imports", () => {
    const text = [
      `import { a } from "../Neo4jGraph.ts"`,
      `import type { B } from "./B.ts"`,
      `import { type C, type D } from "./C.ts"`,
      `import { type E, f } from "./E.ts"`,
      `export * from "./G.ts"`,
      `export type { H } from "./H.ts"`,
      `const i = () => import("./I.ts")`,
      `import { j } from "effect"`
    ].join("\n")
    assert.deepStrictEqual(importsOf("bolt/X.ts", text), [
      { from: "bolt/X.ts", to: "Neo4jGraph.ts", typeOnly: false },
      { from: "bolt/X.ts", to: "bolt/B.ts", typeOnly: true },
      { from: "bolt/X.ts", to: "bolt/C.ts", typeOnly: true },
      { from: "bolt/X.ts", to: "bolt/E.ts", typeOnly: false },
      { from: "bolt/X.ts", to: "bolt/G.ts", typeOnly: false },
      { from: "bolt/X.ts", to: "bolt/H.ts", typeOnly: true },
      { from: "bolt/X.ts", to: "bolt/I.ts", typeOnly: false }
    ])
  })

  it("flags upward imports and PackStream importing values, and allows the vocabulary from bolt up", () => {
    const edge = (from: string, to: string, typeOnly = false): Edge => ({ from, to, typeOnly })
    assert.isDefined(violationOf(edge("packstream/Reader.ts", "Neo4jUuid.ts")))
    assert.isDefined(violationOf(edge("packstream/Reader.ts", "Neo4jValue.ts", true)))
    assert.isDefined(violationOf(edge("bolt/Requests.ts", "connection/BoltConnection.ts", true)))
    assert.isDefined(violationOf(edge("pool/ConnectionPool.ts", "routing/Router.ts")))
    assert.isDefined(violationOf(edge("routing/Router.ts", "Neo4jSession.ts")))
    assert.isDefined(violationOf(edge("Neo4jGraph.ts", "bolt/Hydration.ts")))
    assert.isUndefined(violationOf(edge("bolt/Hydration.ts", "Neo4jGraph.ts")))
    assert.isUndefined(violationOf(edge("routing/Router.ts", "Neo4jAuth.ts", true)))
    assert.isUndefined(violationOf(edge("Neo4jSession.ts", "routing/Router.ts")))
    assert.isUndefined(violationOf(edge("Neo4jTemporal.ts", "internal/temporal/calendar.ts")))
  })

  it("finds cycles, including a self-import", () => {
    const edge = (from: string, to: string): Edge => ({ from, to, typeOnly: true })
    assert.deepStrictEqual(
      cyclesOf(["a", "b", "c", "d"], [edge("a", "b"), edge("b", "c"), edge("c", "a"), edge("d", "d")]),
      [["a", "b", "c"], ["d"]]
    )
    assert.deepStrictEqual(cyclesOf(["a", "b"], [edge("a", "b")]), [])
  })

  it("leaves out of the cycle check only the types internals take from public modules", () => {
    const edge = (from: string, to: string, typeOnly: boolean): Edge => ({ from, to, typeOnly })
    assert.isTrue(namesPublicType(edge("internal/session.ts", "Neo4jSession.ts", true)))
    assert.isTrue(namesPublicType(edge("routing/RoutingTable.ts", "Neo4j.ts", true)))
    assert.isFalse(namesPublicType(edge("internal/session.ts", "Neo4jSession.ts", false)))
    assert.isFalse(namesPublicType(edge("Neo4j.ts", "Neo4jSession.ts", true)))
    assert.isFalse(namesPublicType(edge("Neo4jSession.ts", "internal/session.ts", true)))
    assert.isFalse(namesPublicType(edge("bolt/Requests.ts", "connection/BoltConnection.ts", true)))
  })
})
