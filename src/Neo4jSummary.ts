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
  /** As the server sent it. */
  readonly severity: string
  /** `severity` as a known level, `UNKNOWN` for any other. */
  readonly severityLevel: Severity
  /** As the server sent it (absent before Neo4j 5.7). */
  readonly category: string | undefined
  /** `category` as a known classification, `UNKNOWN` for any other or none. */
  readonly classification: Classification
  readonly position: InputPosition | undefined
}

/**
 * The severity of a notification or GQL status; `UNKNOWN` when the server sent another or none.
 *
 * @since 0.1.0
 * @category models
 */
export type Severity = "WARNING" | "INFORMATION" | "UNKNOWN"

/**
 * The classification (category) of a notification or GQL status; `UNKNOWN` when the server sent
 * another or none.
 *
 * @since 0.1.0
 * @category models
 */
export type Classification =
  | "HINT"
  | "UNRECOGNIZED"
  | "UNSUPPORTED"
  | "PERFORMANCE"
  | "DEPRECATION"
  | "SECURITY"
  | "TOPOLOGY"
  | "GENERIC"
  | "SCHEMA"
  | "UNKNOWN"

const SEVERITIES: ReadonlySet<string> = new Set(["WARNING", "INFORMATION"])
const CLASSIFICATIONS: ReadonlySet<string> = new Set([
  "HINT",
  "UNRECOGNIZED",
  "UNSUPPORTED",
  "PERFORMANCE",
  "DEPRECATION",
  "SECURITY",
  "TOPOLOGY",
  "GENERIC",
  "SCHEMA"
])

const severityOf = (raw: string | undefined): Severity =>
  raw !== undefined && SEVERITIES.has(raw) ? (raw as Severity) : "UNKNOWN"

const classificationOf = (raw: string | undefined): Classification =>
  raw !== undefined && CLASSIFICATIONS.has(raw) ? (raw as Classification) : "UNKNOWN"

/**
 * A GQL status object (Bolt 5.6+): the GQL-standard form of outcomes and notifications.
 *
 * @since 0.1.0
 * @category models
 */
export interface GqlStatusObject {
  readonly gqlStatus: string
  readonly statusDescription: string
  /** The diagnostic record's `_severity` as a known level, `UNKNOWN` for any other or none. */
  readonly severity: Severity
  /** The diagnostic record's `_severity` as the server sent it. */
  readonly rawSeverity: string | undefined
  /** The diagnostic record's `_classification` as a known one, `UNKNOWN` for any other or none. */
  readonly classification: Classification
  /** The diagnostic record's `_classification` as the server sent it. */
  readonly rawClassification: string | undefined
  readonly position: InputPosition | undefined
  /** Whether the status is also a notification (it has a Neo4j code). */
  readonly isNotification: boolean
  /**
   * As the server sent it, with `OPERATION` (`""`), `OPERATION_CODE` (`"0"`) and
   * `CURRENT_SCHEMA` (`"/"`) filled in when absent.
   */
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
  readonly pageCacheHitRatio?: number | undefined
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
    pageCacheHitRatio: optionalNumber(p.pageCacheHitRatio),
    time: optionalNumber(p.time)
  }
}

const DIAGNOSTIC_RECORD_DEFAULTS = { OPERATION: "", OPERATION_CODE: "0", CURRENT_SCHEMA: "/" } as const

const gqlStatusObject = (raw: unknown): GqlStatusObject => {
  const r = record(raw)
  const diagnostic: Readonly<Record<string, unknown>> = { ...DIAGNOSTIC_RECORD_DEFAULTS, ...record(r.diagnostic_record) }
  const rawSeverity = str(diagnostic._severity)
  const rawClassification = str(diagnostic._classification)
  return {
    gqlStatus: str(r.gql_status) ?? "",
    statusDescription: str(r.status_description) ?? "",
    severity: severityOf(rawSeverity),
    rawSeverity,
    classification: classificationOf(rawClassification),
    rawClassification,
    position: position(diagnostic._position),
    isNotification: r.neo4j_code !== undefined && r.neo4j_code !== null,
    diagnosticRecord: diagnostic
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
  const gqlStatusObjects = Array.isArray(meta.statuses) ? meta.statuses.map(gqlStatusObject) : []
  // Bolt 5.6+ sends statuses; the notifications are the statuses that carry a Neo4j code.
  const notifications = Array.isArray(meta.statuses)
    ? meta.statuses.flatMap((raw, i) => {
      const r = record(raw)
      const status = gqlStatusObjects[i]!
      if (!status.isNotification) return []
      return [{
        code: str(r.neo4j_code) ?? "",
        title: str(r.title) ?? "",
        description: str(r.description) ?? "",
        severity: status.rawSeverity ?? "",
        severityLevel: status.severity,
        category: status.rawClassification,
        classification: status.classification,
        position: status.position
      } satisfies Notification]
    })
    : Array.isArray(meta.notifications)
    ? meta.notifications.map((n): Notification => {
      const r = record(n)
      const severity = str(r.severity)
      const category = str(r.category)
      return {
        code: str(r.code) ?? "",
        title: str(r.title) ?? "",
        description: str(r.description) ?? "",
        severity: severity ?? "",
        severityLevel: severityOf(severity),
        category,
        classification: classificationOf(category),
        position: position(r.position)
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
