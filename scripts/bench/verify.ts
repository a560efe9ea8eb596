/**
 * Checks that the replay server answers like Neo4j 5.26: every benchmark query runs on a real
 * embedded Neo4j and on the replay server (quick sizes), both through neo4j-driver (the neutral
 * decoder), and the rows and summary kinds must match. Run it after changing `fixtures.ts`:
 *
 *   node scripts/bench/verify.ts
 *
 * @since 0.1.0
 */
import { isDeepStrictEqual } from "node:util"
import neo4j, { type Driver } from "neo4j-driver"
import { startNeo4j } from "../neo4j/launcher.ts"
import { paramRows, QUICK_SIZES, Query } from "./queries.ts"
import { startReplayServer } from "./replay-server.ts"

/** A decoded value as plain data: graph and temporal types by their fields, not their classes. */
const plain = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(plain)
  if (value === null || typeof value !== "object") return value
  if (neo4j.isNode(value)) return { labels: value.labels, properties: plain(value.properties) }
  if (neo4j.isDate(value) || neo4j.isDateTime(value) || neo4j.isLocalDateTime(value) || neo4j.isDuration(value)) {
    return `${value.constructor.name} ${value.toString()}`
  }
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, plain(v)]))
}

const rows = async (driver: Driver, query: string, parameters: Record<string, unknown> = {}) => {
  const session = driver.session()
  try {
    const result = await session.run(query, parameters)
    return {
      keys: result.records[0]?.keys ?? [],
      rows: result.records.map((r) => plain(r.toObject())),
      type: result.summary.queryType,
      counters: result.summary.counters.updates()
    }
  } finally {
    await session.close()
  }
}

const byNodeId = (a: unknown, b: unknown) =>
  ((a as { p: { properties: { id: number } } }).p.properties.id) - ((b as { p: { properties: { id: number } } }).p.properties.id)

const main = async () => {
  const sizes = QUICK_SIZES
  const server = await startNeo4j({ line: "5.26" })
  const replay = await startReplayServer(sizes)
  const config = { disableLosslessIntegers: true }
  const real = neo4j.driver(server.uri, neo4j.auth.basic(server.username, server.password), config)
  const fake = neo4j.driver(replay.uri, neo4j.auth.basic("neo4j", "replay"), config)
  let failures = 0
  try {
    await real.executeQuery(Query.setupNodes, { from: neo4j.int(1), to: neo4j.int(sizes.nodes) })
    const cases: Array<[string, string, Record<string, unknown>?]> = [
      ["returnOne", Query.returnOne],
      ["scalars", Query.scalars(sizes.scalars)],
      ["nodes", Query.nodes(sizes.nodes)],
      ["wide", Query.wide(sizes.wide)],
      ["temporal", Query.temporal(sizes.temporal)],
      ["param", Query.param, { rows: paramRows(sizes.param) }],
      ["write", Query.write, { id: 1 }]
    ]
    for (const [name, query, parameters] of cases) {
      const a = await rows(real, query, parameters)
      const b = await rows(fake, query, parameters)
      if (name === "nodes") {
        a.rows.sort(byNodeId)
        b.rows.sort(byNodeId)
      }
      const same = isDeepStrictEqual(a, b)
      if (!same) {
        failures++
        const at = a.rows.findIndex((row, i) => !isDeepStrictEqual(row, b.rows[i]))
        console.log(`${name}: DIFFERENT (keys ${a.keys} / ${b.keys}, type ${a.type} / ${b.type}, first differing row ${at})`)
        console.log(`  neo4j : ${JSON.stringify(a.rows[at] ?? a.counters)}`)
        console.log(`  replay: ${JSON.stringify(b.rows[at] ?? b.counters)}`)
      } else {
        console.log(`${name}: same (${a.rows.length} rows)`)
      }
    }
  } finally {
    await real.close()
    await fake.close()
    await replay.close()
    await server.stop()
  }
  process.exitCode = failures === 0 ? 0 : 1
}

await main()
