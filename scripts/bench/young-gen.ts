/**
 * What sizes V8's young generation before any query runs: `node scripts/bench/young-gen.ts`.
 *
 * For each module set (nothing; effect's Effect/Stream/Layer/Schedule/Scope/Exit; neo4j-driver;
 * effect-neo4j compiled to JavaScript, as the memory workers run it), a fresh process imports the
 * modules, then allocates 400 MB of objects that die young (no driver, no socket), and prints V8's
 * `new_space` size before and after, the bytes that survived scavenges while importing (from
 * `--trace-gc-nvp`: promoted + copied within the young generation) and the RSS at the end.
 *
 * V8 doubles the young generation once the bytes that survived scavenges since its last resize pass
 * its capacity, so a process whose imports leave more survivors ends up with a larger young
 * generation under any later allocation-heavy work. This is the part of the peak-RSS comparison
 * (workload f) that depends on what a program imports, not on how the driver streams.
 *
 * @since 0.1.0
 */
import { spawnSync } from "node:child_process"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { compileCopy } from "./compile.ts"

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..")
const MB = 1024 * 1024
const GARBAGE_ROUNDS = 4_000_000

/**
 * The child, as plain JavaScript (`node -e`): a TypeScript child would load Node's type stripper,
 * whose own survivors would count. Imports, marks, allocates short-lived garbage, reports.
 */
const CHILD = `
import v8 from "node:v8"
const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size / ${MB}
for (const specifier of JSON.parse(process.argv[1])) await import(specifier)
const afterImport = newSpace()
process.stdout.write("YOUNG_GEN_IMPORTED\\n")
let sum = 0
for (let i = 0; i < ${GARBAGE_ROUNDS}; i++) {
  const garbage = [i, i + 1, "x" + (i & 7)]
  sum += garbage.length
}
const result = { afterImport, afterGarbage: newSpace(), rss: process.memoryUsage.rss() / ${MB}, sum }
process.stdout.write("YOUNG_GEN_RESULT " + JSON.stringify(result) + "\\n")
`

const survivedWhileImporting = (trace: string): number => {
  let bytes = 0
  for (const line of trace.split("\n")) {
    if (line.startsWith("YOUNG_GEN_IMPORTED")) break
    const promoted = / promoted=(\d+)/.exec(line)
    const copied = / new_space_survived=(\d+)/.exec(line)
    if (promoted !== null && copied !== null) bytes += Number(promoted[1]) + Number(copied[1])
  }
  return bytes / MB
}

const main = async (): Promise<void> => {
  const copy = await compileCopy(ROOT, [])
  try {
    const effect = ["Effect", "Stream", "Layer", "Schedule", "Scope", "Exit"].map((m) => `effect/${m}`)
    const sets: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
      ["nothing", []],
      ["effect (Effect, Stream, Layer, Schedule, Scope, Exit)", effect],
      ["neo4j-driver", ["neo4j-driver"]],
      ["effect-neo4j (src/Neo4j.ts, compiled)", [pathToFileURL(join(copy.root, "src", "Neo4j.js")).href]]
    ]
    console.log("| imports | new_space after import | after 400 MB of young garbage | survived while importing | RSS at end |")
    console.log("|---|---:|---:|---:|---:|")
    for (const [name, specifiers] of sets) {
      const run = spawnSync(process.execPath, ["--trace-gc-nvp", "--input-type=module", "-e", CHILD, JSON.stringify(specifiers)], {
        encoding: "utf8",
        // resolves the bare specifiers through the repository's node_modules
        cwd: ROOT
      })
      const line = run.stdout.split("\n").find((l) => l.startsWith("YOUNG_GEN_RESULT "))
      if (line === undefined) throw new Error(`child for ${name} failed: ${run.stderr}`)
      const r = JSON.parse(line.slice("YOUNG_GEN_RESULT ".length)) as { afterImport: number; afterGarbage: number; rss: number }
      const survived = survivedWhileImporting(run.stdout)
      console.log(`| ${name} | ${r.afterImport.toFixed(0)} MB | ${r.afterGarbage.toFixed(0)} MB | ${survived.toFixed(1)} MB | ${r.rss.toFixed(1)} MB |`)
    }
  } finally {
    await copy.remove()
  }
}

await main()
