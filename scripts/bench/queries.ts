/**
 * The benchmark's queries and sizes. Both servers get the same query text; the replay server finds
 * its answer by it (`fixtures.ts`). No imports: memory workers load this module next to one driver
 * only.
 *
 * @since 0.1.0
 */

/**
 * Row counts (or operation counts) of every workload.
 *
 * @since 0.1.0
 * @category models
 */
export interface Sizes {
  readonly seq: number
  readonly concurrent: number
  readonly scalars: number
  readonly nodes: number
  readonly wide: number
  readonly temporal: number
  readonly param: number
  readonly writes: number
}

/**
 * Issue 7's sizes.
 *
 * @since 0.1.0
 * @category constants
 */
export const FULL_SIZES: Sizes = {
  seq: 5_000,
  concurrent: 20_000,
  scalars: 1_000_000,
  nodes: 200_000,
  wide: 200_000,
  temporal: 200_000,
  param: 100_000,
  writes: 2_000
}

/**
 * `--quick`: a fifth to a tenth of the work, for development on a shared machine.
 *
 * @since 0.1.0
 * @category constants
 */
export const QUICK_SIZES: Sizes = {
  seq: 1_000,
  concurrent: 4_000,
  scalars: 100_000,
  nodes: 20_000,
  wide: 20_000,
  temporal: 20_000,
  param: 20_000,
  writes: 400
}

/**
 * Shape of the `wide` workload's 20-entry map.
 *
 * @since 0.1.0
 * @category constants
 */
export const Wide = {
  KEYS: 20,
  /** key k holds an INTEGER, STRING, FLOAT or BOOLEAN by k % 4 */
  KINDS: 4
} as const

/**
 * Key `k` of the wide map: `k00` ... `k19`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const wideKey = (k: number): string => `k${String(k).padStart(2, "0")}`

const wideExpression = (): string => {
  const entries: Array<string> = []
  for (let k = 0; k < Wide.KEYS; k++) {
    const kind = k % Wide.KINDS
    const expr = kind === 0
      ? `i + ${k}`
      : kind === 1
      ? `'s${k}-' + toString(i)`
      : kind === 2
      ? `i * ${k}.25`
      : `i % ${k} = 0`
    entries.push(`${wideKey(k)}: ${expr}`)
  }
  return `{${entries.join(", ")}}`
}

/**
 * The query texts (the replay server finds its answer by the exact text).
 *
 * @since 0.1.0
 * @category constants
 */
export const Query = {
  returnOne: "RETURN 1 AS n",
  scalars: (n: number) =>
    `UNWIND range(1, ${n}) AS i RETURN i AS id, 'name-' + toString(i) AS name, i / 3.0 AS score, i % 2 = 0 AS even`,
  nodes: (n: number) => `MATCH (p:BenchPerson) RETURN p LIMIT ${n}`,
  wide: (n: number) => `UNWIND range(1, ${n}) AS i RETURN ${wideExpression()} AS m`,
  temporal: (n: number) =>
    `UNWIND range(1, ${n}) AS i RETURN date('2000-01-01') + duration({days: i % 10000}) AS d, ` +
    `localdatetime('2020-01-01T00:00:00') + duration({seconds: i * 7}) AS ldt, ` +
    `datetime({epochSeconds: 1600000000 + i * 13, nanosecond: (i % 1000) * 1000}) AS dt, ` +
    `duration({months: i % 12, days: i % 28, seconds: i % 3600, nanoseconds: (i % 1000) * 1000}) AS dur`,
  param: "UNWIND $rows AS row RETURN count(row) AS n",
  write: "CREATE (:BenchWrite {id: $id})",
  /** real server only: the nodes the `nodes` workload reads */
  setupNodes: "UNWIND range($from, $to) AS i CREATE (:BenchPerson {id: i, name: 'Person ' + toString(i), " +
    "born: 1900 + i % 100, score: i / 7.0})",
  countNodes: "MATCH (p:BenchPerson) RETURN count(p) AS n",
  dropNodes: "MATCH (p:BenchPerson) CALL (p) { DETACH DELETE p } IN TRANSACTIONS OF 10000 ROWS",
  dropWrites: "MATCH (w:BenchWrite) CALL (w) { DELETE w } IN TRANSACTIONS OF 10000 ROWS"
} as const

/**
 * The `$rows` parameter of the `param` workload: `n` maps `{id, name, score}`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const paramRows = (n: number): Array<{ id: number; name: string; score: number }> =>
  Array.from({ length: n }, (_, i) => ({ id: i, name: `user-${i}`, score: i * 0.25 + 0.1 }))
