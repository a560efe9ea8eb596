/**
 * Copies `src/` and the benchmark's worker modules to a temporary directory as plain JavaScript
 * (types stripped with `module.stripTypeScriptTypes`, `.ts` imports renamed to `.js`), so memory
 * workers run what a user runs: compiled code, without Node's TypeScript stripper (swc in
 * WebAssembly, ~10-25 MB of RSS that no user pays) loaded into the process being measured. Both
 * sides' memory workers run from this copy.
 *
 * @since 0.1.0
 */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises"
import { stripTypeScriptTypes } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join, relative } from "node:path"

/** `"./x.ts"` / `'../y.ts'` in static and dynamic imports and re-exports */
const RELATIVE_TS = /(["'])(\.{1,2}\/[^"'\n]+)\.ts\1/g

/** Runs `f` without the "stripTypeScriptTypes is an experimental feature" warning on stderr. */
const quietly = <A>(f: () => A): A => {
  const emit = process.emitWarning
  process.emitWarning = (() => {}) as typeof process.emitWarning
  try {
    return f()
  } finally {
    process.emitWarning = emit
  }
}

const listTs = async (dir: string): Promise<Array<string>> => {
  const out: Array<string> = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await listTs(path)))
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path)
  }
  return out
}

/**
 * A compiled copy of the driver and the bench worker; `remove` deletes it.
 *
 * @since 0.1.0
 * @category models
 */
export interface CompiledCopy {
  readonly root: string
  /** absolute path of the compiled `scripts/bench/worker.js` */
  readonly worker: string
  readonly remove: () => Promise<void>
}

/**
 * Compiles `src/**` and the given bench modules (paths relative to `root`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const compileCopy = async (root: string, benchModules: ReadonlyArray<string>): Promise<CompiledCopy> => {
  const out = await mkdtemp(join(tmpdir(), "effect-neo4j-bench-"))
  const files = [...(await listTs(join(root, "src"))), ...benchModules.map((m) => join(root, m))]
  const sources = await Promise.all(files.map((file) => readFile(file, "utf8")))
  const stripped = quietly(() => sources.map((source) => stripTypeScriptTypes(source, { mode: "strip" })))
  for (const [i, file] of files.entries()) {
    const code = stripped[i]!
    const target = join(out, relative(root, file)).replace(/\.ts$/, ".js")
    await mkdir(dirname(target), { recursive: true })
    await writeFile(target, code.replace(RELATIVE_TS, "$1$2.js$1"))
  }
  await writeFile(join(out, "package.json"), JSON.stringify({ type: "module", private: true }))
  // Bare imports (effect, neo4j-driver) resolve through the repository's node_modules.
  await symlink(join(root, "node_modules"), join(out, "node_modules"), "dir")
  return {
    root: out,
    worker: join(out, "scripts", "bench", "worker.js"),
    remove: () => rm(out, { recursive: true, force: true })
  }
}
