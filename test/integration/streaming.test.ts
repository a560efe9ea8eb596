/**
 * Streaming with backpressure: a 1,000,000-row result read with fetch size 1000 keeps memory flat
 * (records are requested with PULL {n} only as the consumer asks for them).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { inject } from "vitest"
import * as Neo4j from "../../src/Neo4j.ts"

const servers = inject("neo4jServers")

/** Streams `rows` rows and returns the highest resident set size seen while doing so. */
const peakRssWhileStreaming = (rows: number) =>
  Effect.gen(function*() {
    let peak = process.memoryUsage().rss
    let seen = 0
    let sum = 0
    yield* Neo4j.stream<{ i: number }>("UNWIND range(1, $rows) AS i RETURN i, 'row ' + toString(i) AS label", { rows }).pipe(
      Stream.runForEach((record) =>
        Effect.sync(() => {
          seen++
          sum += record.get("i")
          if ((seen & 0x3fff) === 0) peak = Math.max(peak, process.memoryUsage().rss)
        })
      )
    )
    return { peak: Math.max(peak, process.memoryUsage().rss), seen, sum }
  })

const MIB = 1024 * 1024
/** "Within a few MB": allowed growth of the peak RSS from 100k to 1M rows. */
const FLAT_MEMORY_TOLERANCE = 24 * MIB

describe.each(servers.map((server) => [server.name, server] as const))("streaming against %s", (_name, server) => {
  it.live("1,000,000 rows stream at flat memory (fetch size 1000)", () =>
    Effect.gen(function*() {
      yield* peakRssWhileStreaming(100_000) // warm-up: JIT, pool, buffers
      const small = yield* peakRssWhileStreaming(100_000)
      const large = yield* peakRssWhileStreaming(1_000_000)
      assert.strictEqual(small.seen, 100_000)
      assert.strictEqual(large.seen, 1_000_000)
      assert.strictEqual(large.sum, (1_000_000 * 1_000_001) / 2)
      const growth = large.peak - small.peak
      console.log(
        `[streaming ${server.name}] peak RSS 100k rows: ${(small.peak / MIB).toFixed(1)} MiB, ` +
          `1M rows: ${(large.peak / MIB).toFixed(1)} MiB (growth ${(growth / MIB).toFixed(1)} MiB)`
      )
      assert.isBelow(growth, FLAT_MEMORY_TOLERANCE)
    }).pipe(Effect.provide(Neo4j.layer({ uri: server.uri, username: server.username, password: server.password, fetchSize: 1000 }))), 300_000)
})
