/**
 * Graph values returned by queries: `Node`, `Relationship`, `UnboundRelationship` (inside paths on
 * the wire), and `Path` made of `PathSegment`s. Plain classes with readonly fields set once in the
 * constructor (decoding builds one per row, so they must be cheap), structural equality through
 * `Equal.equals`, and guards.
 *
 * On Bolt 4.4 the server sends no element ids; the decoder then fills them with the decimal numeric
 * id, which is what the server itself reports from `elementId()` for such ids.
 *
 * @since 0.1.0
 */
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import { formatProperties } from "./internal/valueFormat.ts"

/**
 * Property map of a node or relationship.
 *
 * @since 0.1.0
 * @category models
 */
export type Properties = Readonly<Record<string, unknown>>

const sameLabels = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const formatLabels = (labels: ReadonlyArray<string>): string => labels.map((label) => `:${label}`).join("")

/**
 * A node: numeric id (deprecated by Neo4j, but still sent), labels, properties and element id.
 *
 * @since 0.1.0
 * @category models
 */
export class Node<P extends Properties = Properties> implements Equal.Equal {
  readonly identity: number | bigint
  readonly labels: ReadonlyArray<string>
  readonly properties: P
  readonly elementId: string
  constructor(identity: number | bigint, labels: ReadonlyArray<string>, properties: P, elementId: string) {
    this.identity = identity
    this.labels = labels
    this.properties = properties
    this.elementId = elementId
  }
  get _tag(): "Node" {
    return "Node"
  }
  toString(): string {
    return `(${this.elementId}${formatLabels(this.labels)} ${formatProperties(this.properties)})`
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof Node && this.identity === that.identity && this.elementId === that.elementId &&
      sameLabels(this.labels, that.labels) && Equal.equals(this.properties, that.properties)
  }
  [Hash.symbol](): number {
    return Hash.string(this.elementId)
  }
}

/**
 * A relationship with its start and end nodes' ids.
 *
 * @since 0.1.0
 * @category models
 */
export class Relationship<P extends Properties = Properties> implements Equal.Equal {
  readonly identity: number | bigint
  readonly start: number | bigint
  readonly end: number | bigint
  readonly type: string
  readonly properties: P
  readonly elementId: string
  readonly startNodeElementId: string
  readonly endNodeElementId: string
  constructor(
    identity: number | bigint,
    start: number | bigint,
    end: number | bigint,
    type: string,
    properties: P,
    elementId: string,
    startNodeElementId: string,
    endNodeElementId: string
  ) {
    this.identity = identity
    this.start = start
    this.end = end
    this.type = type
    this.properties = properties
    this.elementId = elementId
    this.startNodeElementId = startNodeElementId
    this.endNodeElementId = endNodeElementId
  }
  get _tag(): "Relationship" {
    return "Relationship"
  }
  toString(): string {
    return `(${this.startNodeElementId})-[${this.elementId}:${this.type} ${formatProperties(this.properties)}]->(${this.endNodeElementId})`
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof Relationship && this.identity === that.identity && this.elementId === that.elementId &&
      this.start === that.start && this.end === that.end && this.type === that.type &&
      this.startNodeElementId === that.startNodeElementId && this.endNodeElementId === that.endNodeElementId &&
      Equal.equals(this.properties, that.properties)
  }
  [Hash.symbol](): number {
    return Hash.string(this.elementId)
  }
}

/**
 * A relationship without its end points, as paths carry them on the wire.
 *
 * @since 0.1.0
 * @category models
 */
export class UnboundRelationship<P extends Properties = Properties> implements Equal.Equal {
  readonly identity: number | bigint
  readonly type: string
  readonly properties: P
  readonly elementId: string
  constructor(identity: number | bigint, type: string, properties: P, elementId: string) {
    this.identity = identity
    this.type = type
    this.properties = properties
    this.elementId = elementId
  }
  get _tag(): "UnboundRelationship" {
    return "UnboundRelationship"
  }
  /** The relationship from `start` to `end`. */
  bind(start: Node, end: Node): Relationship<P> {
    return new Relationship(
      this.identity,
      start.identity,
      end.identity,
      this.type,
      this.properties,
      this.elementId,
      start.elementId,
      end.elementId
    )
  }
  toString(): string {
    return `-[${this.elementId}:${this.type} ${formatProperties(this.properties)}]-`
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof UnboundRelationship && this.identity === that.identity &&
      this.elementId === that.elementId && this.type === that.type && Equal.equals(this.properties, that.properties)
  }
  [Hash.symbol](): number {
    return Hash.string(this.elementId)
  }
}

/**
 * One step of a path: `start -[relationship]-> end` in the direction of travel (the relationship's
 * own direction may be the opposite: compare `relationship.startNodeElementId` with `start`).
 *
 * @since 0.1.0
 * @category models
 */
export class PathSegment implements Equal.Equal {
  readonly start: Node
  readonly relationship: Relationship
  readonly end: Node
  constructor(start: Node, relationship: Relationship, end: Node) {
    this.start = start
    this.relationship = relationship
    this.end = end
  }
  get _tag(): "PathSegment" {
    return "PathSegment"
  }
  toString(): string {
    const rel = this.relationship
    const body = `[${rel.elementId}:${rel.type} ${formatProperties(rel.properties)}]`
    return rel.startNodeElementId === this.start.elementId && rel.endNodeElementId === this.end.elementId
      ? `(${this.start.elementId})-${body}->(${this.end.elementId})`
      : `(${this.start.elementId})<-${body}-(${this.end.elementId})`
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof PathSegment && Equal.equals(this.start, that.start) &&
      Equal.equals(this.relationship, that.relationship) && Equal.equals(this.end, that.end)
  }
  [Hash.symbol](): number {
    return Hash.string(this.relationship.elementId)
  }
}

/**
 * A path: a start node and the segments walked from it (no segments for a single node).
 *
 * @since 0.1.0
 * @category models
 */
export class Path implements Equal.Equal {
  readonly start: Node
  readonly end: Node
  readonly segments: ReadonlyArray<PathSegment>
  constructor(start: Node, end: Node, segments: ReadonlyArray<PathSegment>) {
    this.start = start
    this.end = end
    this.segments = segments
  }
  get _tag(): "Path" {
    return "Path"
  }
  /** Number of relationships. */
  get length(): number {
    return this.segments.length
  }
  /** The nodes in order of travel (`length + 1` of them; repeated nodes appear again). */
  get nodes(): ReadonlyArray<Node> {
    return [this.start, ...this.segments.map((segment) => segment.end)]
  }
  /** The relationships in order of travel. */
  get relationships(): ReadonlyArray<Relationship> {
    return this.segments.map((segment) => segment.relationship)
  }
  toString(): string {
    if (this.segments.length === 0) return `path(${this.start.toString()})`
    return `path(${this.segments.map((segment) => segment.toString()).join(", ")})`
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    if (!(that instanceof Path) || this.segments.length !== that.segments.length) return false
    if (!Equal.equals(this.start, that.start) || !Equal.equals(this.end, that.end)) return false
    for (let i = 0; i < this.segments.length; i++) {
      if (!Equal.equals(this.segments[i], that.segments[i])) return false
    }
    return true
  }
  [Hash.symbol](): number {
    return Hash.combine(Hash.string(this.start.elementId), Hash.number(this.segments.length))
  }
}

/**
 * Whether a value is a `Node`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isNode = (u: unknown): u is Node => u instanceof Node

/**
 * Whether a value is a `Relationship`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isRelationship = (u: unknown): u is Relationship => u instanceof Relationship

/**
 * Whether a value is an `UnboundRelationship`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isUnboundRelationship = (u: unknown): u is UnboundRelationship => u instanceof UnboundRelationship

/**
 * Whether a value is a `Path`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isPath = (u: unknown): u is Path => u instanceof Path

/**
 * Whether a value is a `PathSegment`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isPathSegment = (u: unknown): u is PathSegment => u instanceof PathSegment
