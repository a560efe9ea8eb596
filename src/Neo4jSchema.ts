/**
 * Schema-checked queries, in the spirit of Effect's `SqlSchema`: `findAll`, `findOne` (an `Option`),
 * `single`, `void` and `stream` build functions from a `Request` schema (encoding the request gives
 * the query's parameters) and a `Result` schema (each record, as `{ column: value }`, is decoded
 * into the domain type). They fail with the driver's errors or a `Schema.SchemaError` whose path
 * starts with the record's index, then the column and the field: `at [3]["person"]["properties"]["born"]`.
 *
 * And Schemas for the values the driver returns: `Node`, `Relationship` and `Path` with a Schema for
 * their properties, every temporal type (plus lossless transformations to `DateTime.Utc`,
 * `DateTime.Zoned` and JS `Date`), `Point`, `Duration`, integers as `bigint` or a checked `number`,
 * `Vector` and `Uuid`.
 *
 * Import it as `effect-neo4j/Neo4jSchema`: it loads `effect/Schema`, which the rest of the driver
 * does not, so the package's main entry stays without it.
 *
 * @since 0.1.0
 */
import * as EffectDateTime from "effect/DateTime"
import * as EffectDuration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaParser from "effect/SchemaParser"
import * as SchemaTransformation from "effect/SchemaTransformation"
import * as Stream from "effect/Stream"
import * as Neo4j from "./Neo4j.ts"
import type { Statement } from "./Neo4jCypher.ts"
import { type Neo4jError, Neo4jResultError } from "./Neo4jError.ts"
import * as Graph from "./Neo4jGraph.ts"
import { isNeo4jRecord } from "./Neo4jRecord.ts"
import type * as Neo4jSession from "./Neo4jSession.ts"
import type { EagerResult } from "./Neo4jResult.ts"
import * as Spatial from "./Neo4jSpatial.ts"
import * as Temporal from "./Neo4jTemporal.ts"
import { Units } from "./internal/temporal/calendar.ts"
import * as Neo4jUuid from "./Neo4jUuid.ts"
import type * as Neo4jValue from "./Neo4jValue.ts"
import * as Neo4jVector from "./Neo4jVector.ts"

// -------------------------------------------------------------------------------------------------
// queries

/**
 * What an `execute` function may return: an eager result (`Neo4j.executeQuery`, `tx.run`) or rows
 * (records, or plain objects).
 *
 * @since 0.1.0
 * @category models
 */
export type Rows = EagerResult<any> | ReadonlyArray<unknown>

/**
 * A query given as text or a `Statement`; a function builds it from the encoded request, otherwise
 * the encoded request is its parameters.
 *
 * @since 0.1.0
 * @category models
 */
export type QueryInput<Encoded> = string | Statement | ((request: Encoded) => string | Statement)

/**
 * The query form of the helpers: the query runs with `Neo4j.executeQuery` (or `Neo4j.stream`).
 *
 * @since 0.1.0
 * @category models
 */
export interface QueryOptions<Req extends Schema.Top, Res extends Schema.Top> {
  readonly Request: Req
  readonly Result: Res
  readonly query: QueryInput<Req["Encoded"]>
  readonly config?: Neo4j.QueryConfig | undefined
}

/**
 * The query form of `stream`: the query runs with `Neo4j.stream`.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamQueryOptions<Req extends Schema.Top, Res extends Schema.Top> {
  readonly Request: Req
  readonly Result: Res
  readonly query: QueryInput<Req["Encoded"]>
  readonly config?: (Neo4jSession.SessionConfig & Neo4jSession.TransactionConfig) | undefined
}

/**
 * The execute form of the helpers: any effect that runs the query with the encoded request.
 *
 * @since 0.1.0
 * @category models
 */
export interface ExecuteOptions<Req extends Schema.Top, Res extends Schema.Top, E, R> {
  readonly Request: Req
  readonly Result: Res
  readonly execute: (request: Req["Encoded"]) => Effect.Effect<Rows, E, R>
}

const rowsOf = (rows: Rows): ReadonlyArray<unknown> => (Array.isArray(rows) ? rows : (rows as EagerResult).records)

const objectOf = (row: unknown): unknown => (isNeo4jRecord(row) ? row.toObject() : row)

/** Decodes one row; a failure's path starts with the row's index. */
const rowDecoder = <Res extends Schema.Top>(Result: Res) => {
  const decode = SchemaParser.decodeUnknownEffect(Result)
  return (row: unknown, index: number): Effect.Effect<Res["Type"], Schema.SchemaError, Res["DecodingServices"]> =>
    Effect.mapErrorEager(decode(objectOf(row)), (issue) => new Schema.SchemaError(new SchemaIssue.Pointer([index], issue)))
}

const parametersOf = (encoded: unknown): Readonly<Record<string, unknown>> | undefined =>
  typeof encoded === "object" && encoded !== null ? (encoded as Readonly<Record<string, unknown>>) : undefined

const queryOf = <Encoded>(query: QueryInput<Encoded>, encoded: Encoded) =>
  typeof query === "function"
    ? { statement: query(encoded), parameters: undefined }
    : { statement: query, parameters: parametersOf(encoded) }

const executorOf = <Req extends Schema.Top, E, R>(
  options: { readonly execute: (request: Req["Encoded"]) => Effect.Effect<Rows, E, R> } | QueryOptions<Req, any>
): (request: Req["Encoded"]) => Effect.Effect<Rows, E, R> => {
  if ("execute" in options) return options.execute
  const { config, query } = options
  return ((encoded: Req["Encoded"]) => {
    const q = queryOf(query, encoded)
    return Neo4j.executeQuery(q.statement, q.parameters, config)
  }) as unknown as (request: Req["Encoded"]) => Effect.Effect<Rows, E, R>
}

/** Encodes the request, runs the query, and hands its rows on. */
const run = <Req extends Schema.Top, E, R>(
  Request: Req,
  execute: (request: Req["Encoded"]) => Effect.Effect<Rows, E, R>
) => {
  const encode = Schema.encodeEffect(Request)
  return (request: Req["Type"]) =>
    Effect.map(Effect.flatMap(encode(request), execute), rowsOf)
}

/**
 * Every record, decoded: `(request) => Effect<Array<Result>>`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function findAll<Req extends Schema.Top, Res extends Schema.Top, E, R>(
  options: ExecuteOptions<Req, Res, E, R>
): (request: Req["Type"]) => Effect.Effect<Array<Res["Type"]>, E | Schema.SchemaError, R | Req["EncodingServices"] | Res["DecodingServices"]>
export function findAll<Req extends Schema.Top, Res extends Schema.Top>(
  options: QueryOptions<Req, Res>
): (request: Req["Type"]) => Effect.Effect<Array<Res["Type"]>, Neo4jError | Schema.SchemaError, Neo4j.Neo4j | Req["EncodingServices"] | Res["DecodingServices"]>
export function findAll<Req extends Schema.Top, Res extends Schema.Top, E, R>(
  options: ExecuteOptions<Req, Res, E, R> | QueryOptions<Req, Res>
) {
  const rows = run(options.Request, executorOf<Req, E, R>(options))
  const decode = rowDecoder(options.Result)
  return (request: Req["Type"]) => Effect.flatMap(rows(request), (all) => Effect.forEach(all, decode))
}

/**
 * The first record, decoded, or `Option.none()` for an empty result.
 *
 * @since 0.1.0
 * @category constructors
 */
export function findOne<Req extends Schema.Top, Res extends Schema.Top, E, R>(
  options: ExecuteOptions<Req, Res, E, R>
): (request: Req["Type"]) => Effect.Effect<Option.Option<Res["Type"]>, E | Schema.SchemaError, R | Req["EncodingServices"] | Res["DecodingServices"]>
export function findOne<Req extends Schema.Top, Res extends Schema.Top>(
  options: QueryOptions<Req, Res>
): (request: Req["Type"]) => Effect.Effect<Option.Option<Res["Type"]>, Neo4jError | Schema.SchemaError, Neo4j.Neo4j | Req["EncodingServices"] | Res["DecodingServices"]>
export function findOne<Req extends Schema.Top, Res extends Schema.Top, E, R>(
  options: ExecuteOptions<Req, Res, E, R> | QueryOptions<Req, Res>
) {
  const rows = run(options.Request, executorOf<Req, E, R>(options))
  const decode = rowDecoder(options.Result)
  return (request: Req["Type"]) =>
    Effect.flatMap(rows(request), (all) => (all.length === 0 ? Effect.succeedNone : Effect.asSome(decode(all[0], 0))))
}

/**
 * The only record, decoded; fails with `Neo4jResultError` (`NoRecords`, `TooManyRecords`) unless
 * the result has exactly one.
 *
 * @since 0.1.0
 * @category constructors
 */
export function single<Req extends Schema.Top, Res extends Schema.Top, E, R>(
  options: ExecuteOptions<Req, Res, E, R>
): (request: Req["Type"]) => Effect.Effect<Res["Type"], E | Schema.SchemaError | Neo4jResultError, R | Req["EncodingServices"] | Res["DecodingServices"]>
export function single<Req extends Schema.Top, Res extends Schema.Top>(
  options: QueryOptions<Req, Res>
): (request: Req["Type"]) => Effect.Effect<Res["Type"], Neo4jError | Schema.SchemaError | Neo4jResultError, Neo4j.Neo4j | Req["EncodingServices"] | Res["DecodingServices"]>
export function single<Req extends Schema.Top, Res extends Schema.Top, E, R>(
  options: ExecuteOptions<Req, Res, E, R> | QueryOptions<Req, Res>
) {
  const rows = run(options.Request, executorOf<Req, E, R>(options))
  const decode = rowDecoder(options.Result)
  return (request: Req["Type"]) =>
    Effect.flatMap(rows(request), (all): Effect.Effect<Res["Type"], Schema.SchemaError | Neo4jResultError, Res["DecodingServices"]> =>
      all.length === 1
        ? decode(all[0], 0)
        : Effect.fail(
          new Neo4jResultError({
            reason: all.length === 0 ? "NoRecords" : "TooManyRecords",
            message: `Expected exactly one record, but the result has ${all.length}`
          })
        ))
}

function void_<Req extends Schema.Top, E, R>(
  options: { readonly Request: Req; readonly execute: (request: Req["Encoded"]) => Effect.Effect<unknown, E, R> }
): (request: Req["Type"]) => Effect.Effect<void, E | Schema.SchemaError, R | Req["EncodingServices"]>
function void_<Req extends Schema.Top>(
  options: Omit<QueryOptions<Req, never>, "Result">
): (request: Req["Type"]) => Effect.Effect<void, Neo4jError | Schema.SchemaError, Neo4j.Neo4j | Req["EncodingServices"]>
function void_<Req extends Schema.Top, E, R>(
  options:
    | { readonly Request: Req; readonly execute: (request: Req["Encoded"]) => Effect.Effect<unknown, E, R> }
    | Omit<QueryOptions<Req, never>, "Result">
): (request: Req["Type"]) => Effect.Effect<void, E | Schema.SchemaError, R | Req["EncodingServices"]> {
  const encode = Schema.encodeEffect(options.Request)
  const execute = "execute" in options
    ? options.execute
    : (encoded: Req["Encoded"]) => {
      const q = queryOf(options.query, encoded)
      return Neo4j.executeQuery(q.statement, q.parameters, options.config) as unknown as Effect.Effect<unknown, E, R>
    }
  return (request: Req["Type"]) => Effect.asVoid(Effect.flatMap(encode(request), execute))
}

export {
  /**
   * Runs a query for its effect (a write): the request is encoded, the result is dropped. The query
   * form fails with `Neo4jError` and needs the `Neo4j` service.
   *
   * @since 0.1.0
   * @category constructors
   */
  void_ as void
}

/**
 * The records of a streamed result, decoded one by one as they arrive (a failure names the
 * record's index in the stream). The query form streams with `Neo4j.stream`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function stream<Req extends Schema.Top, Res extends Schema.Top, E, R>(options: {
  readonly Request: Req
  readonly Result: Res
  readonly execute: (request: Req["Encoded"]) => Stream.Stream<unknown, E, R>
}): (request: Req["Type"]) => Stream.Stream<Res["Type"], E | Schema.SchemaError, R | Req["EncodingServices"] | Res["DecodingServices"]>
export function stream<Req extends Schema.Top, Res extends Schema.Top>(
  options: StreamQueryOptions<Req, Res>
): (request: Req["Type"]) => Stream.Stream<Res["Type"], Neo4jError | Schema.SchemaError, Neo4j.Neo4j | Req["EncodingServices"] | Res["DecodingServices"]>
export function stream<Req extends Schema.Top, Res extends Schema.Top, E, R>(
  options: {
    readonly Request: Req
    readonly Result: Res
    readonly execute: (request: Req["Encoded"]) => Stream.Stream<unknown, E, R>
  } | StreamQueryOptions<Req, Res>
) {
  const encode = Schema.encodeEffect(options.Request)
  const decode = rowDecoder(options.Result)
  const execute = "execute" in options
    ? options.execute
    : (encoded: Req["Encoded"]) => {
      const q = queryOf(options.query, encoded)
      return Neo4j.stream(q.statement, q.parameters, options.config)
    }
  return (request: Req["Type"]) =>
    Stream.unwrap(Effect.map(encode(request), (encoded) => {
      let index = 0
      return Stream.mapEffect(execute(encoded) as Stream.Stream<unknown, unknown, unknown>, (row) => decode(row, index++))
    }))
}

// -------------------------------------------------------------------------------------------------
// value schemas

const invalid = (expected: string, input: unknown, options: SchemaAST.ParseOptions) =>
  new SchemaIssue.InvalidValue({ expected }, input, options)

/**
 * A property map of unknown values: the default for nodes and relationships whose properties are
 * not checked.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Properties: Schema.$Record<Schema.String, Schema.Unknown> = Schema.Record(Schema.String, Schema.Unknown)

/**
 * Constraint on a properties schema: it decodes to and encodes from a property map.
 *
 * @since 0.1.0
 * @category models
 */
export type PropertiesSchema = Schema.Top & {
  readonly Type: Graph.Properties
  readonly Encoded: Graph.Properties
}

/**
 * The schema of a `Node` whose properties are checked by `properties`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Node<P extends PropertiesSchema>
  extends Schema.declareConstructor<Graph.Node<P["Type"]>, Graph.Node<P["Encoded"]>, readonly [P]>
{}

const atProperties = (issue: SchemaIssue.Issue) => new SchemaIssue.Pointer(["properties"], issue)

/**
 * A `Node` whose properties decode with `properties`: `Neo4jSchema.Node(Schema.Struct({ name: Schema.String }))`.
 * Identity, labels and element id are kept; the properties are the decoded ones.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Node = <P extends PropertiesSchema>(properties: P): Node<P> =>
  Schema.declareConstructor<Graph.Node<P["Type"]>, Graph.Node<P["Encoded"]>>()(
    [properties],
    ([codec]) => (input, ast, options) =>
      Graph.isNode(input)
        ? Effect.mapBothEager(SchemaParser.decodeUnknownEffect(codec)(input.properties, options), {
          onFailure: atProperties,
          onSuccess: (props) => new Graph.Node(input.identity, input.labels, props, input.elementId)
        })
        : Effect.fail(new SchemaIssue.InvalidType(ast, input, options)),
    { expected: "a Node" }
  )

/**
 * The schema of a `Relationship` whose properties are checked by `properties`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Relationship<P extends PropertiesSchema> extends
  Schema.declareConstructor<Graph.Relationship<P["Type"]>, Graph.Relationship<P["Encoded"]>, readonly [P]>
{}

const withProperties = <P extends Graph.Properties>(r: Graph.Relationship, properties: P): Graph.Relationship<P> =>
  new Graph.Relationship(r.identity, r.start, r.end, r.type, properties, r.elementId, r.startNodeElementId, r.endNodeElementId)

/**
 * A `Relationship` whose properties decode with `properties`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Relationship = <P extends PropertiesSchema>(properties: P): Relationship<P> =>
  Schema.declareConstructor<Graph.Relationship<P["Type"]>, Graph.Relationship<P["Encoded"]>>()(
    [properties],
    ([codec]) => (input, ast, options) =>
      Graph.isRelationship(input)
        ? Effect.mapBothEager(SchemaParser.decodeUnknownEffect(codec)(input.properties, options), {
          onFailure: atProperties,
          onSuccess: (props) => withProperties(input, props)
        })
        : Effect.fail(new SchemaIssue.InvalidType(ast, input, options)),
    { expected: "a Relationship" }
  )

/**
 * A path segment with typed nodes and relationship.
 *
 * @since 0.1.0
 * @category models
 */
export interface TypedPathSegment<N extends Graph.Properties, R extends Graph.Properties> extends Graph.PathSegment {
  readonly start: Graph.Node<N>
  readonly relationship: Graph.Relationship<R>
  readonly end: Graph.Node<N>
}

/**
 * A `Path` whose nodes have properties `N` and relationships `R`.
 *
 * @since 0.1.0
 * @category models
 */
export interface TypedPath<N extends Graph.Properties, R extends Graph.Properties> extends Graph.Path {
  readonly start: Graph.Node<N>
  readonly end: Graph.Node<N>
  readonly segments: ReadonlyArray<TypedPathSegment<N, R>>
  readonly nodes: ReadonlyArray<Graph.Node<N>>
  readonly relationships: ReadonlyArray<Graph.Relationship<R>>
}

/**
 * The schema of a `Path` whose node and relationship properties are checked.
 *
 * @since 0.1.0
 * @category models
 */
export interface Path<N extends PropertiesSchema, R extends PropertiesSchema> extends
  Schema.declareConstructor<
    TypedPath<N["Type"], R["Type"]>,
    TypedPath<N["Encoded"], R["Encoded"]>,
    readonly [N, R]
  >
{}

/**
 * A `Path` whose nodes decode with `nodeProperties` and relationships with
 * `relationshipProperties` (a failure's path names the node or relationship by its position).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Path = <N extends PropertiesSchema, R extends PropertiesSchema>(
  nodeProperties: N,
  relationshipProperties: R
): Path<N, R> =>
  Schema.declareConstructor<TypedPath<N["Type"], R["Type"]>, TypedPath<N["Encoded"], R["Encoded"]>>()(
    [nodeProperties, relationshipProperties],
    ([nodeCodec, relationshipCodec]) => {
      const decodeNode = SchemaParser.decodeUnknownEffect(nodeCodec)
      const decodeRelationship = SchemaParser.decodeUnknownEffect(relationshipCodec)
      return (input, ast, options) => {
        if (!Graph.isPath(input)) return Effect.fail(new SchemaIssue.InvalidType(ast, input, options))
        const nodes = Effect.forEach(input.nodes, (node, i) =>
          Effect.mapBothEager(decodeNode(node.properties, options), {
            onFailure: (issue) => new SchemaIssue.Pointer(["nodes", i, "properties"], issue),
            onSuccess: (props) => new Graph.Node(node.identity, node.labels, props, node.elementId)
          }))
        const relationships = Effect.forEach(input.relationships, (rel, i) =>
          Effect.mapBothEager(decodeRelationship(rel.properties, options), {
            onFailure: (issue) => new SchemaIssue.Pointer(["relationships", i, "properties"], issue),
            onSuccess: (props) => withProperties(rel, props)
          }))
        return Effect.zipWith(nodes, relationships, (ns, rs) => {
          const segments = rs.map((rel, i) => new Graph.PathSegment(ns[i]!, rel, ns[i + 1]!))
          return new Graph.Path(ns[0]!, ns[ns.length - 1]!, segments) as TypedPath<any, any>
        })
      }
    },
    { expected: "a Path" }
  )

/**
 * A Cypher `DATE`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Date: Schema.declare<Temporal.Date> = Schema.declare(Temporal.isDate, { expected: "a Date" })

/**
 * A Cypher `LOCAL TIME`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LocalTime: Schema.declare<Temporal.LocalTime> = Schema.declare(Temporal.isLocalTime, {
  expected: "a LocalTime"
})

/**
 * A Cypher `ZONED TIME`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Time: Schema.declare<Temporal.Time> = Schema.declare(Temporal.isTime, { expected: "a Time" })

/**
 * A Cypher `LOCAL DATETIME`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LocalDateTime: Schema.declare<Temporal.LocalDateTime> = Schema.declare(Temporal.isLocalDateTime, {
  expected: "a LocalDateTime"
})

/**
 * A Cypher `ZONED DATETIME`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DateTime: Schema.declare<Temporal.DateTime> = Schema.declare(Temporal.isDateTime, {
  expected: "a DateTime"
})

/**
 * A Cypher `DURATION`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Duration: Schema.declare<Temporal.Duration> = Schema.declare(Temporal.isDuration, {
  expected: "a Duration"
})

/** The instant of a DateTime in JS milliseconds, or the reason it has none without loss. */
const epochMillisOf = (dateTime: Temporal.DateTime, options: SchemaAST.ParseOptions) => {
  try {
    return Effect.succeed(dateTime.toJsDate().getTime())
  } catch (error) {
    // Sub-millisecond part or outside the JS range: both would lose information.
    return Effect.fail(invalid(`a DateTime at a whole millisecond within the JS Date range (${String(error)})`, dateTime, options))
  }
}

const MILLIS_PER_SECOND = Units.MILLIS_PER_SECOND
const NANOS_PER_MILLI = Units.NANOS_PER_MILLI

const dateTimeOfMillis = (millis: number, zone: Temporal.Zone): Temporal.DateTime => {
  const second = Math.floor(millis / MILLIS_PER_SECOND)
  return Temporal.DateTime.fromEpochSecond(second, (millis - second * MILLIS_PER_SECOND) * NANOS_PER_MILLI, zone)
}

/**
 * Schema of {@link DateTimeUtcFromDateTime}.
 *
 * @since 0.1.0
 * @category models
 */
export interface DateTimeUtcFromDateTime extends Schema.decodeTo<Schema.DateTimeUtc, Schema.declare<Temporal.DateTime>> {}

/**
 * A Cypher `ZONED DATETIME` as Effect's `DateTime.Utc`: the same instant (its offset or zone is not
 * kept; use `DateTimeZonedFromDateTime` for that). Fails rather than truncate a sub-millisecond part.
 * Encodes to a DateTime at UTC (offset 0).
 *
 * @since 0.1.0
 * @category schemas
 */
export const DateTimeUtcFromDateTime: DateTimeUtcFromDateTime = DateTime.pipe(
  Schema.decodeTo(
    Schema.DateTimeUtc,
    SchemaTransformation.transformEffect({
      decode: (dateTime, options) => Effect.map(epochMillisOf(dateTime, options), EffectDateTime.makeUnsafe),
      encode: (utc) => Effect.succeed(dateTimeOfMillis(EffectDateTime.toEpochMillis(utc), 0))
    })
  )
)

/**
 * Schema of {@link DateTimeZonedFromDateTime}.
 *
 * @since 0.1.0
 * @category models
 */
export interface DateTimeZonedFromDateTime
  extends Schema.decodeTo<Schema.DateTimeZoned, Schema.declare<Temporal.DateTime>>
{}

/**
 * A Cypher `ZONED DATETIME` as Effect's `DateTime.Zoned`, keeping its zone id or offset. Fails on a
 * sub-millisecond part, a zone the host's `Intl` does not know, or (encoding) an offset that is not
 * a whole number of seconds.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DateTimeZonedFromDateTime: DateTimeZonedFromDateTime = DateTime.pipe(
  Schema.decodeTo(
    Schema.DateTimeZoned,
    SchemaTransformation.transformEffect({
      decode: (dateTime, options) =>
        Effect.flatMap(epochMillisOf(dateTime, options), (millis) => {
          const zone: Option.Option<EffectDateTime.TimeZone> = dateTime.zoneId === undefined
            ? Option.some(EffectDateTime.zoneMakeOffset(dateTime.offsetSeconds * MILLIS_PER_SECOND))
            : EffectDateTime.zoneMakeNamed(dateTime.zoneId)
          return Option.match(zone, {
            onNone: () => Effect.fail(invalid("a DateTime whose zone id this host knows", dateTime, options)),
            onSome: (timeZone) => Effect.succeed(EffectDateTime.makeZonedUnsafe(millis, { timeZone }))
          })
        }),
      encode: (zoned, options) => {
        const millis = EffectDateTime.toEpochMillis(zoned)
        const zone = zoned.zone
        if (zone._tag === "Named") return Effect.succeed(dateTimeOfMillis(millis, zone.id))
        if (zone.offset % MILLIS_PER_SECOND !== 0) {
          return Effect.fail(invalid("a DateTime.Zoned whose offset is whole seconds", zoned, options))
        }
        return Effect.succeed(dateTimeOfMillis(millis, zone.offset / MILLIS_PER_SECOND))
      }
    })
  )
)

/**
 * Schema of {@link JsDateFromDateTime}.
 *
 * @since 0.1.0
 * @category models
 */
export interface JsDateFromDateTime extends Schema.decodeTo<Schema.Date, Schema.declare<Temporal.DateTime>> {}

/**
 * A Cypher `ZONED DATETIME` as a JS `Date` (the instant; fails rather than truncate a
 * sub-millisecond part). Encodes to a DateTime at UTC.
 *
 * @since 0.1.0
 * @category schemas
 */
export const JsDateFromDateTime: JsDateFromDateTime = DateTime.pipe(
  Schema.decodeTo(
    Schema.Date,
    SchemaTransformation.transformEffect({
      decode: (dateTime, options) => Effect.map(epochMillisOf(dateTime, options), (ms) => new globalThis.Date(ms)),
      encode: (date) => Effect.succeed(dateTimeOfMillis(date.getTime(), 0))
    })
  )
)

/**
 * Schema of {@link EffectDurationFromDuration}.
 *
 * @since 0.1.0
 * @category models
 */
export interface EffectDurationFromDuration
  extends Schema.decodeTo<Schema.Duration, Schema.declare<Temporal.Duration>>
{}

const NANOS_PER_SECOND = BigInt(Units.NANOS_PER_SECOND)

/**
 * A Cypher `DURATION` of seconds only as Effect's `Duration` (nanosecond-exact). Fails on months or
 * days, which have no fixed length, and (encoding) on an infinite Duration.
 *
 * @since 0.1.0
 * @category schemas
 */
export const EffectDurationFromDuration: EffectDurationFromDuration = Duration.pipe(
  Schema.decodeTo(
    Schema.Duration,
    SchemaTransformation.transformEffect({
      decode: (duration, options) =>
        duration.months !== 0 || duration.days !== 0
          ? Effect.fail(invalid("a Duration without months or days", duration, options))
          : Effect.succeed(
            EffectDuration.nanos(BigInt(duration.seconds) * NANOS_PER_SECOND + BigInt(duration.nanoseconds))
          ),
      encode: (duration, options) =>
        Option.match(EffectDuration.toNanos(duration), {
          onNone: () => Effect.fail(invalid("a finite Duration", duration, options)),
          onSome: (nanos) => {
            const seconds = nanos / NANOS_PER_SECOND
            const rest = nanos % NANOS_PER_SECOND
            // Neo4jTemporal.Duration keeps nanoseconds in 0..999,999,999, the sign in the seconds.
            return rest < 0n
              ? Effect.succeed(new Temporal.Duration(0, 0, Number(seconds - 1n), Number(rest + NANOS_PER_SECOND)))
              : Effect.succeed(new Temporal.Duration(0, 0, Number(seconds), Number(rest)))
          }
        })
    })
  )
)

/**
 * A point (any SRID).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Point: Schema.declare<Spatial.Point> = Schema.declare(Spatial.isPoint, { expected: "a Point" })

/**
 * A decoded Cypher INTEGER: a safe-integer `number` or a `bigint`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Integer: Schema.declare<Neo4jValue.Integer> = Schema.declare(
  (u): u is Neo4jValue.Integer => typeof u === "bigint" || Number.isSafeInteger(u),
  { expected: "an INTEGER (a safe integer or a bigint)" }
)

/**
 * Schema of {@link BigIntFromInteger}.
 *
 * @since 0.1.0
 * @category models
 */
export interface BigIntFromInteger extends Schema.decodeTo<Schema.BigInt, Schema.declare<Neo4jValue.Integer>> {}

/**
 * An INTEGER as a `bigint`, whatever the driver's integer policy gave.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BigIntFromInteger: BigIntFromInteger = Integer.pipe(
  Schema.decodeTo(
    Schema.BigInt,
    SchemaTransformation.transform({ decode: (n) => (typeof n === "bigint" ? n : BigInt(n)), encode: (n) => n })
  )
)

/**
 * Schema of {@link NumberFromInteger}.
 *
 * @since 0.1.0
 * @category models
 */
export interface NumberFromInteger extends Schema.decodeTo<Schema.Int, Schema.declare<Neo4jValue.Integer>> {}

/**
 * An INTEGER as a `number`, checked: a value beyond ±(2^53 - 1) fails instead of losing precision.
 *
 * @since 0.1.0
 * @category schemas
 */
export const NumberFromInteger: NumberFromInteger = Integer.pipe(
  Schema.decodeTo(
    Schema.Int,
    SchemaTransformation.transformEffect({
      decode: (n, options) =>
        typeof n === "number"
          ? Effect.succeed(n)
          : n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Effect.succeed(Number(n))
          : Effect.fail(invalid("an INTEGER within ±(2^53 - 1)", n, options)),
      encode: (n) => Effect.succeed(n)
    })
  )
)

/**
 * A vector (Bolt 6.0).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Vector: Schema.declare<Neo4jVector.Vector> = Schema.declare(Neo4jVector.isVector, {
  expected: "a Vector"
})

/**
 * A UUID value (Bolt 6.1).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Uuid: Schema.declare<Neo4jUuid.Uuid> = Schema.declare(Neo4jUuid.isUuid, { expected: "a Uuid" })

/**
 * Schema of {@link StringFromUuid}.
 *
 * @since 0.1.0
 * @category models
 */
export interface StringFromUuid extends Schema.decodeTo<Schema.String, Schema.declare<Neo4jUuid.Uuid>> {}

/**
 * A UUID value as its lower-case text; encodes valid UUID text back to a `Uuid`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const StringFromUuid: StringFromUuid = Uuid.pipe(
  Schema.decodeTo(
    Schema.String,
    SchemaTransformation.transformEffect({
      decode: (uuid) => Effect.succeed(uuid.toString()),
      encode: (text, options) => {
        try {
          return Effect.succeed(Neo4jUuid.Uuid.fromString(text))
        } catch {
          return Effect.fail(invalid("UUID text (8-4-4-4-12 hex digits)", text, options))
        }
      }
    })
  )
)

