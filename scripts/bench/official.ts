/**
 * The workloads on neo4j-driver 6.3, used as its documentation shows: `driver.executeQuery`,
 * `session.run` awaited (records consumed), `session.executeWrite` with `tx.run` awaited.
 * Streaming uses `result.subscribe` by default (its observer API: records are handed over as they
 * arrive, nothing is buffered, and it is the fastest of its streaming APIs), or `for await` over
 * the result (`--official-stream iterator`).
 *
 * @since 0.1.0
 */
import type { Driver, QueryConfig, Record as Neo4jRecord } from "neo4j-driver"
import { Query } from "./queries.ts"
import { CONCURRENCY, CONSUMERS, type Consume, type Context, counter, type Implementation, type Outcome, rowsOf } from "./workloads.ts"

const stream = (query: (n: number) => string, consume: Consume) => async (driver: Driver, ctx: Context): Promise<Outcome> => {
  const { onRecord, state } = counter(consume, ctx)
  const session = driver.session()
  try {
    const result = session.run(query(ctx.size))
    if (ctx.officialStream === "iterator") {
      for await (const record of result) onRecord(record)
    } else {
      await new Promise<void>((resolve, reject) =>
        result.subscribe({ onNext: (record: Neo4jRecord) => onRecord(record), onCompleted: () => resolve(), onError: reject })
      )
    }
  } finally {
    await session.close()
  }
  return state
}

/**
 * Workload (b): `size` `executeQuery("RETURN 1 AS n")` in {@link CONCURRENCY} loops; `config` goes
 * to every query (the routed workloads ask for readers).
 *
 * @since 0.1.0
 * @category workloads
 */
export const concurrentQueries = async (driver: Driver, size: number, config?: QueryConfig): Promise<Outcome> => {
  let checksum = 0
  const worker = async () => {
    for (let i = 0; i < size / CONCURRENCY; i++) {
      const result = await driver.executeQuery(Query.returnOne, {}, config)
      checksum += result.records[0]!.get("n") as number
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return { count: size, checksum }
}

/**
 * neo4j-driver's side of every workload.
 *
 * @since 0.1.0
 * @category constants
 */
export const official: Implementation<Driver> = {
  seq: async (driver, { size }) => {
    const session = driver.session()
    let checksum = 0
    try {
      for (let i = 0; i < size; i++) {
        const result = await session.run(Query.returnOne)
        checksum += result.records[0]!.get("n") as number
      }
    } finally {
      await session.close()
    }
    return { count: size, checksum }
  },
  concurrent: (driver, { size }) => concurrentQueries(driver, size),
  scalars: stream(Query.scalars, CONSUMERS.scalars),
  nodes: stream(Query.nodes, CONSUMERS.nodes),
  wide: stream(Query.wide, CONSUMERS.wide),
  temporal: stream(Query.temporal, CONSUMERS.temporal),
  param: async (driver, { size }) => {
    const result = await driver.executeQuery(Query.param, { rows: rowsOf(size) })
    return { count: result.records[0]!.get("n") as number, checksum: 1 }
  },
  writes: async (driver, { size }) => {
    const session = driver.session()
    let checksum = 0
    try {
      for (let i = 0; i < size; i++) {
        const result = await session.executeWrite((tx) => tx.run(Query.write, { id: i }))
        checksum += result.summary.counters.updates().nodesCreated
      }
    } finally {
      await session.close()
    }
    return { count: size, checksum }
  }
}
