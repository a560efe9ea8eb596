/**
 * What importing the driver loads, in a fresh Node process: not `node:tls` (loaded on the first TLS
 * connection) and not `effect/Config` with Schema behind it (loaded when `Neo4j.layerConfig` builds
 * its default options). Together ~14 MB of RSS a program using plain `bolt://` and `Neo4j.layer`
 * does not need (measured with Node 22).
 */
import { assert, describe, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"

const ROOT = fileURLToPath(new URL("..", import.meta.url))

/** The URLs a fresh process resolves while importing `entry` (path relative to the repository). */
const loadedBy = (entry: string): ReadonlyArray<string> => {
  const script = `
    import { registerHooks } from "node:module"
    const seen = []
    registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r } })
    await import(${JSON.stringify(new URL(entry, `file://${ROOT}`).href)})
    process.stdout.write(JSON.stringify(seen))
  `
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8" })
  return JSON.parse(out) as ReadonlyArray<string>
}

describe("importing the driver", () => {
  for (const entry of ["src/Neo4j.ts", "src/index.ts"]) {
    it(`${entry} loads node:net but neither node:tls nor effect/Config`, () => {
      const urls = loadedBy(entry)
      assert.isTrue(urls.includes("node:net"), `node:net among ${urls.length} modules`)
      assert.isTrue(urls.some((u) => u.endsWith("/effect/dist/Effect.js")), "effect/Effect loaded")
      assert.notInclude(urls, "node:tls")
      assert.isFalse(urls.some((u) => u.endsWith("/effect/dist/Config.js")), "effect/Config loaded")
      assert.isFalse(urls.some((u) => u.endsWith("/effect/dist/Schema.js")), "effect/Schema loaded")
    })
  }
})
