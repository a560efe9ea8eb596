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

/**
 * A GQL status object: the GQL-standard form of outcomes and notifications. Bolt 5.6+ servers send
 * them; below 5.6 the driver derives them from the outcome and the notifications (see
 * {@link ResultSummary.gqlStatusObjects}).
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
  /**
   * As the server sent them (Bolt 5.6+). Below 5.6, derived as the official drivers do: the outcome
   * (`00000` success, `02000` no data when the result had no records, `00001` omitted result when
   * the query has no result columns, `02N42` when no records were asked for) and one status per
   * notification (`01N42` for a warning, `03N42` otherwise, with the notification's description,
   * severity, category and position), ordered no data, warnings, success, then the others.
   */
  readonly gqlStatusObjects: ReadonlyArray<GqlStatusObject>
  readonly server: ServerInfo
  /** Milliseconds until the first record was available (`t_first`). */
  readonly resultAvailableAfter: number | undefined
  /** Milliseconds until the last record was consumed (`t_last`). */
  readonly resultConsumedAfter: number | undefined
  readonly database: string | undefined
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
