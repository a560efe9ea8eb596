/**
 * The result summary decoded from the server's metadata: the RUN SUCCESS (\`t_first\`, \`fields\`,
 * \`db\`) and the final PULL/DISCARD SUCCESS (\`type\`, \`stats\`, \`plan\`/\`profile\`,
 * \`notifications\` before Bolt 5.6, \`statuses\` from 5.6, \`t_last\`, \`db\`), into the public
 * \`Neo4jSummary\` models. Below Bolt 5.6 the GQL status objects are derived from the notifications
 * and the outcome (\`polyfilledStatuses\`), as the official drivers do.
 */
import type {
  Classification,
  GqlStatusObject,
  InputPosition,
  Notification,
  PlanOperator,
  QueryCounters,
  ResultSummary,
  ServerInfo,
  Severity
} from "../Neo4jSummary.ts"

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

const num = (value: unknown): number =>
  typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : 0

const optionalNumber = (value: unknown): number | undefined =>
  typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : undefined

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined)

const record = (value: unknown): Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}

const countersOf = (stats: Readonly<Record<string, unknown>>): QueryCounters => {
  // One object, filled in place (a spread into a second object cost a copy per query).
  const c: { -readonly [K in keyof QueryCounters]: QueryCounters[K] } = {
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
    systemUpdates: num(stats["system-updates"]),
    containsUpdates: false,
    containsSystemUpdates: false
  }
  const updates = c.nodesCreated + c.nodesDeleted + c.relationshipsCreated + c.relationshipsDeleted +
    c.propertiesSet + c.labelsAdded + c.labelsRemoved + c.indexesAdded + c.indexesRemoved +
    c.constraintsAdded + c.constraintsRemoved
  c.containsUpdates = typeof stats["contains-updates"] === "boolean" ? stats["contains-updates"] : updates > 0
  c.containsSystemUpdates = typeof stats["contains-system-updates"] === "boolean"
    ? stats["contains-system-updates"]
    : c.systemUpdates > 0
  return c
}

/** The counters of a query that changed nothing (no `stats` in its metadata): one frozen object for all. */
const NO_UPDATES: QueryCounters = Object.freeze(countersOf({}))

const counters = (stats: unknown): QueryCounters => stats === undefined ? NO_UPDATES : countersOf(record(stats))

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

/** Bolt 5.6+: the notifications are the statuses that carry a Neo4j code. */
const statusNotifications = (
  raw: ReadonlyArray<unknown>,
  statuses: ReadonlyArray<GqlStatusObject>
): Array<Notification> =>
  raw.flatMap((value, i) => {
    const r = record(value)
    const status = statuses[i]!
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
    }]
  })

/** A Bolt 4.4-5.5 notification (an entry of `notifications`). */
const notification = (r: Readonly<Record<string, unknown>>): Notification => {
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
}

/** A status that is not a notification, as a Bolt 5.6+ server would send it. */
const outcomeStatus = (gql_status: string, status_description: string): GqlStatusObject =>
  gqlStatusObject({ gql_status, status_description })

const SUCCESS = outcomeStatus("00000", "note: successful completion")
const OMITTED_RESULT = outcomeStatus("00001", "note: successful completion - omitted result")
const NO_DATA = outcomeStatus("02000", "note: no data")
const NO_DATA_UNKNOWN = outcomeStatus("02N42", "note: no data - unknown subcondition")

const isPresent = (value: unknown): boolean => value !== undefined && value !== null

/**
 * A Bolt 4.4-5.5 notification as a GQL status object: `01N42` for a warning, `03N42` for any other
 * severity; its description (or a generic one), and a diagnostic record of the defaults plus the
 * `_severity`, `_classification` and `_position` the notification carries, as sent.
 */
const notificationStatus = (r: Readonly<Record<string, unknown>>, n: Notification): GqlStatusObject => {
  const isWarning = n.severity === "WARNING"
  const diagnosticRecord: Record<string, unknown> = { ...DIAGNOSTIC_RECORD_DEFAULTS }
  if (isPresent(r.severity)) diagnosticRecord._severity = r.severity
  if (isPresent(r.category)) diagnosticRecord._classification = r.category
  if (isPresent(r.position)) diagnosticRecord._position = r.position
  return {
    gqlStatus: isWarning ? "01N42" : "03N42",
    statusDescription: str(r.description) ?? (isWarning ? "warn: unknown warning" : "info: unknown notification"),
    severity: n.severityLevel,
    rawSeverity: str(r.severity),
    classification: n.classification,
    rawClassification: n.category,
    position: n.position,
    isNotification: true,
    diagnosticRecord
  }
}

/**
 * The GQL status objects of a result below Bolt 5.6 (no `statuses`): one outcome, `00001` omitted
 * result when the query has no result columns, else `00000` success when records came and `02000`
 * no data when none did (`02N42` when that is unknown), plus one status per notification. In GQL
 * precedence order: no data, then warnings, then success, then the others; notifications of one
 * kind in the order the server sent them.
 */
const polyfilledStatuses = (
  raw: ReadonlyArray<Readonly<Record<string, unknown>>>,
  notifications: ReadonlyArray<Notification>,
  fields: unknown,
  hadRecords: boolean | undefined
): Array<GqlStatusObject> => {
  const outcome = !Array.isArray(fields) || fields.length === 0
    ? OMITTED_RESULT
    : hadRecords === true
    ? SUCCESS
    : hadRecords === false
    ? NO_DATA
    : NO_DATA_UNKNOWN
  const warnings: Array<GqlStatusObject> = []
  const others: Array<GqlStatusObject> = []
  notifications.forEach((n, i) => (n.severity === "WARNING" ? warnings : others).push(notificationStatus(raw[i]!, n)))
  return outcome === SUCCESS || outcome === OMITTED_RESULT
    ? [...warnings, outcome, ...others]
    : [outcome, ...warnings, ...others]
}

/**
 * Builds the summary from the RUN SUCCESS and the final PULL/DISCARD SUCCESS metadata.
 * `hadRecords` (whether the result returned any record; `undefined` when the driver cannot tell,
 * having pulled nothing) decides the outcome status below Bolt 5.6.
 */
export const fromMetadata = (options: {
  readonly query: string
  readonly parameters: Readonly<Record<string, unknown>>
  readonly server: ServerInfo
  readonly runMetadata: Readonly<Record<string, unknown>>
  readonly finalMetadata: Readonly<Record<string, unknown>>
  readonly hadRecords?: boolean | undefined
}): ResultSummary => {
  const meta = options.finalMetadata
  const type = str(meta.type)
  let notifications: ReadonlyArray<Notification>
  let gqlStatusObjects: ReadonlyArray<GqlStatusObject>
  if (Array.isArray(meta.statuses)) {
    gqlStatusObjects = meta.statuses.map(gqlStatusObject)
    notifications = statusNotifications(meta.statuses, gqlStatusObjects)
  } else {
    const raw = Array.isArray(meta.notifications) ? meta.notifications.map(record) : []
    notifications = raw.map(notification)
    gqlStatusObjects = polyfilledStatuses(raw, notifications, options.runMetadata.fields, options.hadRecords)
  }
  return {
    query: { text: options.query, parameters: options.parameters },
    queryType: type === "r" || type === "rw" || type === "w" || type === "s" ? type : undefined,
    counters: counters(meta.stats),
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
