/**
 * What the replay server answers to each benchmark query: the rows a Neo4j 5.26 server returns
 * for it, as driver value types ready for the PackStream encoder.
 *
 * @since 0.1.0
 */
import { Node } from "../../src/Neo4jGraph.ts"
import * as Temporal from "../../src/Neo4jTemporal.ts"
import { Float } from "../../src/Neo4jValue.ts"
import { Query, type Sizes, Wide, wideKey } from "./queries.ts"

/**
 * What the server answers to one query: field names, rows (made on demand), summary details.
 *
 * @since 0.1.0
 * @category models
 */
export interface Fixture {
  readonly fields: ReadonlyArray<string>
  readonly rows: number
  readonly row: (i: number) => ReadonlyArray<unknown>
  /** the `type` of the final summary: read, write */
  readonly type: "r" | "w"
  readonly stats?: Readonly<Record<string, number | boolean>> | undefined
}

/** A made-up store id for element ids, shaped like Neo4j 5's `4:<database uuid>:<id>`. */
const STORE_ID = "5e9585d7-5572-415b-b9e0-ae25e0958df3"

const Time = {
  SECONDS_PER_DAY: 86_400,
  NANOS_PER_SECOND: 1_000_000_000,
  /** date('2000-01-01') as days since 1970-01-01 */
  EPOCH_DAY_2000: 10_957,
  /** localdatetime('2020-01-01T00:00:00') as seconds since 1970-01-01 */
  EPOCH_SECOND_2020: 1_577_836_800
} as const

const localDateTime = (epochSecond: number, nanos: number): [number, number] => {
  const day = Math.floor(epochSecond / Time.SECONDS_PER_DAY)
  return [day, (epochSecond - day * Time.SECONDS_PER_DAY) * Time.NANOS_PER_SECOND + nanos]
}

const wideRow = (i: number): Record<string, unknown> => {
  const m: Record<string, unknown> = {}
  for (let k = 0; k < Wide.KEYS; k++) {
    const kind = k % Wide.KINDS
    m[wideKey(k)] = kind === 0 ? i + k : kind === 1 ? `s${k}-${i}` : kind === 2 ? new Float(i * (k + 0.25)) : i % k === 0
  }
  return m
}

/**
 * Every query the replay server answers, at the given sizes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fixtures = (sizes: Sizes): Map<string, Fixture> =>
  new Map<string, Fixture>([
    [Query.returnOne, { fields: ["n"], rows: 1, row: () => [1], type: "r" }],
    [Query.scalars(sizes.scalars), {
      fields: ["id", "name", "score", "even"],
      rows: sizes.scalars,
      row: (k) => {
        const i = k + 1
        return [i, `name-${i}`, new Float(i / 3), i % 2 === 0]
      },
      type: "r"
    }],
    [Query.nodes(sizes.nodes), {
      fields: ["p"],
      rows: sizes.nodes,
      row: (k) => {
        const i = k + 1
        return [
          new Node(k, ["BenchPerson"], { id: i, name: `Person ${i}`, born: 1900 + (i % 100), score: new Float(i / 7) }, `4:${STORE_ID}:${k}`)
        ]
      },
      type: "r"
    }],
    [Query.wide(sizes.wide), { fields: ["m"], rows: sizes.wide, row: (k) => [wideRow(k + 1)], type: "r" }],
    [Query.temporal(sizes.temporal), {
      fields: ["d", "ldt", "dt", "dur"],
      rows: sizes.temporal,
      row: (k) => {
        const i = k + 1
        const micros = (i % 1000) * 1000
        return [
          new Temporal.Date(Time.EPOCH_DAY_2000 + (i % 10_000)),
          new Temporal.LocalDateTime(...localDateTime(Time.EPOCH_SECOND_2020 + i * 7, 0)),
          new Temporal.DateTime(...localDateTime(1_600_000_000 + i * 13, micros), 0),
          new Temporal.Duration(i % 12, i % 28, i % 3600, micros)
        ]
      },
      type: "r"
    }],
    [Query.param, { fields: ["n"], rows: 1, row: () => [sizes.param], type: "r" }],
    [Query.write, {
      fields: [],
      rows: 0,
      row: () => [],
      type: "w",
      stats: { "contains-updates": true, "labels-added": 1, "nodes-created": 1, "properties-set": 1 }
    }]
  ])
