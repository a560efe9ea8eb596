/**
 * The result summary decoded from the server's metadata: the RUN SUCCESS (\`t_first\`, \`db\`) and
 * the final PULL/DISCARD SUCCESS (\`type\`, \`stats\`, \`plan\`/\`profile\`, \`notifications\` before
 * Bolt 5.6, \`statuses\` from 5.6, \`t_last\`, \`db\`), into the public \`Neo4jSummary\` models.
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
