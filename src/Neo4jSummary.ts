/**
 * What the server says about a finished query: its type, update counters, plan and profile,
 * notifications and GQL status objects, timings, database and the server that ran it.
 *
 * @since 0.1.0
 */

/**
 * Update counters (`stats` in the final SUCCESS), zero when the server sent none.
 *
 * @since 0.1.0
 * @category models
 */
export interface QueryCounters {
  readonly nodesCreated: number
  readonly nodesDeleted: number
  readonly relationshipsCreated: number
  readonly relationshipsDeleted: number
  readonly propertiesSet: number
  readonly labelsAdded: number
  readonly labelsRemoved: number
  readonly indexesAdded: number
  readonly indexesRemoved: number
  readonly constraintsAdded: number
  readonly constraintsRemoved: number
  readonly systemUpdates: number
  /** Whether the query changed data or schema. */
  readonly containsUpdates: boolean
  /** Whether the query changed the system database. */
  readonly containsSystemUpdates: boolean
}

/**
 * A position in the query text.
 *
 * @since 0.1.0
 * @category models
 */
export interface InputPosition {
  readonly offset: number
  readonly line: number
  readonly column: number
}

/**
 * A notification (deprecations, performance hints, ...).
 *
 * @since 0.1.0
 * @category models
 */
export interface Notification {
  readonly code: string
  readonly title: string
  readonly description: string
  readonly severity: string
  readonly category: string | undefined
  readonly position: InputPosition | undefined
}

/**
 * A GQL status object (Bolt 5.6+): the GQL-standard form of outcomes and notifications.
 *
 * @since 0.1.0
 * @category models
 */
export interface GqlStatusObject {
  readonly gqlStatus: string
  readonly statusDescription: string
  readonly severity: string | undefined
  readonly classification: string | undefined
  readonly position: InputPosition | undefined
  readonly isNotification: boolean
  readonly diagnosticRecord: Readonly<Record<string, unknown>>
}

/**
 * An operator of an execution plan (EXPLAIN) or profile (PROFILE, with rows and db hits).
 *
 * @since 0.1.0
 * @category models
 */
export interface PlanOperator {
  readonly operatorType: string
  readonly identifiers: ReadonlyArray<string>
  readonly arguments: Readonly<Record<string, unknown>>
  readonly children: ReadonlyArray<PlanOperator>
  readonly dbHits?: number | undefined
  readonly rows?: number | undefined
  readonly pageCacheHits?: number | undefined
  readonly pageCacheMisses?: number | undefined
  readonly time?: number | undefined
}

/**
 * The server that ran the query.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerInfo {
  /** `host:port` the driver connected to. */
  readonly address: string
  /** e.g. `Neo4j/5.26.0`. */
  readonly agent: string
  /** Negotiated Bolt version, e.g. `5.8`. */
  readonly protocolVersion: string
}

/**
 * Everything known about a finished query.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResultSummary {
  readonly query: { readonly text: string; readonly parameters: Readonly<Record<string, unknown>> }
  /** `r` read only, `rw` read and write, `w` write only, `s` schema write. */
  readonly queryType: "r" | "rw" | "w" | "s" | undefined
  readonly counters: QueryCounters
  readonly plan: PlanOperator | undefined
  readonly profile: PlanOperator | undefined
  readonly notifications: ReadonlyArray<Notification>
  readonly gqlStatusObjects: ReadonlyArray<GqlStatusObject>
  readonly server: ServerInfo
  /** Milliseconds until the first record was available (`t_first`). */
  readonly resultAvailableAfter: number | undefined
  /** Milliseconds until the last record was consumed (`t_last`). */
  readonly resultConsumedAfter: number | undefined
  readonly database: string | undefined
}

const num = (value: unknown): number =>
  typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : 0

const optionalNumber = (value: unknown): number | undefined =>
  typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : undefined

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined)

const record = (value: unknown): Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}

const counters = (stats: Readonly<Record<string, unknown>>): QueryCounters => {
  const c = {
    nodesCreated: num(stats["nodes-created"]),
    nodesDeleted: num(stats["nodes-deleted"]),
    relationshipsCreated: num(stats["relationships-created"]),
    relationshipsDeleted: num(stats["relationships-deleted"]),
    propertiesSet: num(stats["properties-set"]),
    labelsAdded: num(stats["labels-added"]),
    labelsRemoved: num(stats["labels-removed"]),
    indexesAdded: num(stats["indexes-added"]),
    indexesRemoved: num(stats["indexes-removed"]),
    constraintsAdded: num(stats["constraints-added"]),
    constraintsRemoved: num(stats["constraints-removed"]),
    systemUpdates: num(stats["system-updates"])
  }
  const updates = c.nodesCreated + c.nodesDeleted + c.relationshipsCreated + c.relationshipsDeleted +
    c.propertiesSet + c.labelsAdded + c.labelsRemoved + c.indexesAdded + c.indexesRemoved +
    c.constraintsAdded + c.constraintsRemoved
  return {
    ...c,
    containsUpdates: typeof stats["contains-updates"] === "boolean" ? stats["contains-updates"] : updates > 0,
    containsSystemUpdates: typeof stats["contains-system-updates"] === "boolean"
      ? stats["contains-system-updates"]
      : c.systemUpdates > 0
  }
}

const position = (value: unknown): InputPosition | undefined => {
  const p = record(value)
  return p.offset === undefined ? undefined : { offset: num(p.offset), line: num(p.line), column: num(p.column) }
}

const plan = (value: unknown): PlanOperator | undefined => {
  if (value === undefined || value === null) return undefined
  const p = record(value)
  const children = Array.isArray(p.children) ? p.children.map(plan).filter((c) => c !== undefined) : []
  return {
    operatorType: str(p.operatorType) ?? "",
    identifiers: Array.isArray(p.identifiers) ? p.identifiers.filter((i) => typeof i === "string") : [],
    arguments: record(p.args),
    children,
    dbHits: optionalNumber(p.dbHits),
    rows: optionalNumber(p.rows),
    pageCacheHits: optionalNumber(p.pageCacheHits),
    pageCacheMisses: optionalNumber(p.pageCacheMisses),
    time: optionalNumber(p.time)
  }
}

/**
 * Builds the summary from the RUN SUCCESS and the final PULL/DISCARD SUCCESS metadata.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromMetadata = (options: {
  readonly query: string
  readonly parameters: Readonly<Record<string, unknown>>
  readonly server: ServerInfo
  readonly runMetadata: Readonly<Record<string, unknown>>
  readonly finalMetadata: Readonly<Record<string, unknown>>
}): ResultSummary => {
  const meta = options.finalMetadata
  const type = str(meta.type)
  const notifications = Array.isArray(meta.notifications)
    ? meta.notifications.map((n): Notification => {
      const r = record(n)
      return {
        code: str(r.code) ?? "",
        title: str(r.title) ?? "",
        description: str(r.description) ?? "",
        severity: str(r.severity) ?? "",
        category: str(r.category),
        position: position(r.position)
      }
    })
    : []
  const gqlStatusObjects = Array.isArray(meta.statuses)
    ? meta.statuses.map((s): GqlStatusObject => {
      const r = record(s)
      const diagnostic = record(r.diagnostic_record)
      return {
        gqlStatus: str(r.gql_status) ?? "",
        statusDescription: str(r.status_description) ?? "",
        severity: str(diagnostic._severity),
        classification: str(diagnostic._classification),
        position: position(diagnostic._position),
        isNotification: r.neo4j_code !== undefined,
        diagnosticRecord: diagnostic
      }
    })
    : []
  return {
    query: { text: options.query, parameters: options.parameters },
    queryType: type === "r" || type === "rw" || type === "w" || type === "s" ? type : undefined,
    counters: counters(record(meta.stats)),
    // A PROFILE also describes the plan, so `plan` is set for both EXPLAIN and PROFILE.
    plan: plan(meta.plan ?? meta.profile),
    profile: plan(meta.profile),
    notifications,
    gqlStatusObjects,
    server: options.server,
    resultAvailableAfter: optionalNumber(options.runMetadata.t_first),
    resultConsumedAfter: optionalNumber(meta.t_last),
    database: str(meta.db) ?? str(options.runMetadata.db)
  }
}

/**
 * Notification filters (Bolt 5.2+): which notifications the server reports in summaries.
 * `minimumSeverity: "OFF"` disables all notifications.
 *
 * @since 0.1.0
 * @category models
 */
export interface NotificationFilter {
  readonly minimumSeverity?: "OFF" | "WARNING" | "INFORMATION" | undefined
  /** e.g. `["HINT", "DEPRECATION"]`; sent as categories before Bolt 5.6, classifications after */
  readonly disabledClassifications?: ReadonlyArray<string> | undefined
}
