/**
 * Reading V8 CPU profiles (`.cpuprofile`, as written by `--cpu-prof` or the inspector) for the
 * benchmark's `--profile` mode.
 *
 * @since 0.1.0
 */

/**
 * The parts of a `.cpuprofile` this module reads.
 *
 * @since 0.1.0
 * @category models
 */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
    readonly children?: ReadonlyArray<number>
  }>
  readonly samples: ReadonlyArray<number>
}

const PROFILE_AREAS: ReadonlyArray<readonly [string, (url: string, fn: string) => boolean]> = [
  ["effect-neo4j src/", (url) => url.startsWith("src/")],
  ["effect runtime", (url) => url.includes("node_modules/effect/")],
  ["neo4j-driver", (url) => url.includes("node_modules/neo4j-driver")],
  ["bench script", (url) => url.startsWith("scripts/")],
  ["node:net / streams / timers", (url) => url.startsWith("node:")],
  ["socket write syscall (writeBuffer)", (_, fn) => fn === "writeBuffer"],
  ["garbage collector", (_, fn) => fn === "(garbage collector)"],
  ["idle (waiting for the server)", (_, fn) => fn === "(idle)"]
]

/**
 * A summary for the report: self time by area, the `top` self-time frames, and the `src/`
 * functions with the most inclusive time (paths relative to `root`). Counts samples (one per
 * sampling interval) rather than summing `timeDeltas`, which charge a whole idle gap to the first
 * sample after it. Note that samples are wall-clock: a frame like `writeBuffer` also collects the
 * time the thread waited off-CPU inside that call.
 *
 * @since 0.1.0
 * @category reporting
 */
export const summarizeProfile = (profile: CpuProfile, root: string, top: number): Array<string> => {
  const frame = (id: number) => {
    const node = byId.get(id)!
    const url = node.callFrame.url.replace(`file://${root}/`, "")
    return { url, fn: node.callFrame.functionName || "(anonymous)", key: `${node.callFrame.functionName || "(anonymous)"}  ${url}:${node.callFrame.lineNumber + 1}` }
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const total = profile.samples.length
  const pct = (n: number) => `${((100 * n) / total).toFixed(1).padStart(5)}%`
  const self = new Map<string, number>()
  const areas = new Map<string, number>()
  const inclusive = new Map<string, number>()
  for (const id of profile.samples) {
    const f = frame(id)
    self.set(f.key, (self.get(f.key) ?? 0) + 1)
    const area = PROFILE_AREAS.find(([, test]) => test(f.url, f.fn))?.[0] ?? "other (native, program)"
    areas.set(area, (areas.get(area) ?? 0) + 1)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const g = frame(at)
      if (g.url.startsWith("src/") && !seen.has(g.key)) {
        seen.add(g.key)
        inclusive.set(g.key, (inclusive.get(g.key) ?? 0) + 1)
      }
    }
  }
  const first = (m: Map<string, number>, n: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
  return [
    `${total} samples; self time by area:`,
    ...first(areas, PROFILE_AREAS.length + 1).map(([k, n]) => `  ${pct(n)}  ${k}`),
    "top self time:",
    ...first(self, top).map(([k, n]) => `  ${pct(n)}  ${k}`),
    "src/ functions by inclusive time:",
    ...first(inclusive, top).map(([k, n]) => `  ${pct(n)}  ${k}`)
  ]
}
