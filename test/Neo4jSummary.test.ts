/**
 * The summary built from SUCCESS metadata: GQL status objects (typed severity and classification,
 * diagnostic-record defaults), notifications derived from them on Bolt 5.6+, GQL status objects
 * derived from the notifications and the outcome below Bolt 5.6, and plan fields (TestKit
 * `summary` group, issue 14).
 */
import { assert, describe, it } from "@effect/vitest"
import { fromMetadata } from "../src/bolt/Summary.ts"
import type { GqlStatusObject } from "../src/Neo4jSummary.ts"

const summaryOf = (finalMetadata: Record<string, unknown>) =>
  fromMetadata({
    query: "RETURN 1 AS n",
    parameters: {},
    server: { address: "localhost:7687", agent: "Neo4j/5.26.0", protocolVersion: "5.6" },
    runMetadata: {},
    finalMetadata
  })

/** A success status: not a notification (TestKit's assert_is_non_notification_status). */
const success: GqlStatusObject = {
  gqlStatus: "00000",
  statusDescription: "note: successful completion",
  severity: "UNKNOWN",
  rawSeverity: undefined,
  classification: "UNKNOWN",
  rawClassification: undefined,
  position: undefined,
  isNotification: false,
  diagnosticRecord: { OPERATION: "", OPERATION_CODE: "0", CURRENT_SCHEMA: "/" }
}

describe("GQL status objects", () => {
  it("types severity and classification, keeps the raw values, fills the diagnostic record defaults", () => {
    const summary = summaryOf({
      statuses: [
        { gql_status: "00000", status_description: "note: successful completion" },
        {
          gql_status: "01N00",
          status_description: "warn: feature deprecated",
          neo4j_code: "Neo.ClientNotification.Statement.FeatureDeprecationWarning",
          title: "Deprecated",
          description: "Don't",
          diagnostic_record: { _severity: "WARNING", _classification: "FOOBAR", OPERATION: null, _extra: 1 }
        }
      ]
    })
    const [first, warning] = summary.gqlStatusObjects
    assert.deepStrictEqual(first, success)
    assert.strictEqual(warning!.severity, "WARNING")
    assert.strictEqual(warning!.classification, "UNKNOWN")
    assert.strictEqual(warning!.rawClassification, "FOOBAR")
    assert.isTrue(warning!.isNotification)
    // Present keys are kept as sent, even null; only absent ones get defaults.
    assert.deepStrictEqual(warning!.diagnosticRecord, {
      OPERATION: null,
      OPERATION_CODE: "0",
      CURRENT_SCHEMA: "/",
      _severity: "WARNING",
      _classification: "FOOBAR",
      _extra: 1
    })
    // On Bolt 5.6+ the notifications are the statuses with a Neo4j code.
    assert.deepStrictEqual(summary.notifications, [{
      code: "Neo.ClientNotification.Statement.FeatureDeprecationWarning",
      title: "Deprecated",
      description: "Don't",
      severity: "WARNING",
      severityLevel: "WARNING",
      category: "FOOBAR",
      classification: "UNKNOWN",
      position: undefined
    }])
  })

  it("types the severity and category of Bolt 4.4-5.5 notifications", () => {
    const [n] = summaryOf({ notifications: [{ code: "c", title: "t", description: "d", severity: "ANYTHING", category: "HINT" }] })
      .notifications
    assert.strictEqual(n!.severityLevel, "UNKNOWN")
    assert.strictEqual(n!.classification, "HINT")
  })

  it("reads pageCacheHitRatio of profiled operators", () => {
    const profile = { operatorType: "Create@neo4j", identifiers: [], args: {}, children: [], pageCacheHitRatio: 0.25 }
    assert.strictEqual(summaryOf({ profile }).profile!.pageCacheHitRatio, 0.25)
  })
})

// The expectations below are TestKit's (tests/stub/summary/test_summary.py,
// _TestSummaryGqlStatusObjectsBase and TestSummaryGqlStatusObjects4x4), written out by hand.
describe("GQL status objects below Bolt 5.6 (derived from the notifications and the outcome)", () => {
  const omittedResult = { ...success, gqlStatus: "00001", statusDescription: "note: successful completion - omitted result" }
  const noData = { ...success, gqlStatus: "02000", statusDescription: "note: no data" }
  const noDataUnknown = { ...success, gqlStatus: "02N42", statusDescription: "note: no data - unknown subcondition" }

  /** TestKit's make_test_notification: the i-th cartesian product notification. */
  const rawNotification = (i: number, severity: string) => ({
    severity,
    category: "HINT",
    description: `If a part of a query contains multiple disconnected patterns, ... [${i}]`,
    code: `Neo.ClientNotification.Statement.CartesianProductWarning${i}`,
    position: { column: 9, offset: 8, line: 1 + i },
    title: `This query builds a cartesian product ... [${i}]`
  })
  const warning = (i: number) => rawNotification(i, "WARNING")
  const information = (i: number) => rawNotification(i, "INFORMATION")

  /** What TestKit's assert_is_test_notification_as_gql_status_object expects of it. */
  const asStatus = (i: number, severity: string, severityLevel: GqlStatusObject["severity"]): GqlStatusObject => ({
    gqlStatus: severity === "WARNING" ? "01N42" : "03N42",
    statusDescription: `If a part of a query contains multiple disconnected patterns, ... [${i}]`,
    severity: severityLevel,
    rawSeverity: severity,
    classification: "HINT",
    rawClassification: "HINT",
    position: { offset: 8, line: 1 + i, column: 9 },
    isNotification: true,
    diagnosticRecord: {
      ...success.diagnosticRecord,
      _severity: severity,
      _classification: "HINT",
      _position: { column: 9, offset: 8, line: 1 + i }
    }
  })
  const warningStatus = (i: number) => asStatus(i, "WARNING", "WARNING")
  const informationStatus = (i: number) => asStatus(i, "INFORMATION", "INFORMATION")

  const statusesOf = (options: {
    readonly fields?: ReadonlyArray<string>
    readonly hadRecords: boolean | undefined
    readonly notifications?: ReadonlyArray<unknown>
  }) =>
    fromMetadata({
      query: "RETURN 1 AS n",
      parameters: {},
      server: { address: "localhost:7687", agent: "Neo4j/4.4.0", protocolVersion: "4.4" },
      runMetadata: { t_first: 2001, fields: options.fields ?? ["n"] },
      finalMetadata: {
        type: "r",
        t_last: 2002,
        ...(options.notifications === undefined ? {} : { notifications: options.notifications })
      },
      hadRecords: options.hadRecords
    }).gqlStatusObjects

  const cases: ReadonlyArray<
    readonly [name: string, input: Parameters<typeof statusesOf>[0], expected: ReadonlyArray<GqlStatusObject>]
  > = [
    ["records, no notifications: success", { hadRecords: true }, [success]],
    ["records, empty notifications: success", { hadRecords: true, notifications: [] }, [success]],
    ["no records: no data", { hadRecords: false }, [noData]],
    ["nothing pulled: no data, unknown subcondition", { hadRecords: undefined }, [noDataUnknown]],
    ["no result columns: omitted result", { fields: [], hadRecords: false }, [omittedResult]],
    ["a warning comes before success", { hadRecords: true, notifications: [warning(1)] }, [
      warningStatus(1),
      success
    ]],
    ["no data comes before a warning", { hadRecords: false, notifications: [warning(1)] }, [
      noData,
      warningStatus(1)
    ]],
    ["information comes after success", { hadRecords: true, notifications: [information(1)] }, [
      success,
      informationStatus(1)
    ]],
    ["information comes after no data", { hadRecords: false, notifications: [information(1)] }, [
      noData,
      informationStatus(1)
    ]],
    ["information comes after an omitted result", { fields: [], hadRecords: false, notifications: [information(1)] }, [
      omittedResult,
      informationStatus(1)
    ]],
    ["an unknown severity is information", { hadRecords: true, notifications: [rawNotification(1, "FOOBAR")] }, [
      success,
      asStatus(1, "FOOBAR", "UNKNOWN")
    ]],
    ["warnings, success, then information, each kind in the server's order", {
      hadRecords: true,
      notifications: [warning(1), information(2), warning(3), information(4)]
    }, [warningStatus(1), warningStatus(3), success, informationStatus(2), informationStatus(4)]]
  ]

  for (const [name, input, expected] of cases) {
    it(name, () => assert.deepStrictEqual(statusesOf(input), expected))
  }

  /** The one notification's status when `key` is left out of it (TestKit's _test_notification_with_missing_data). */
  const withoutKey = (key: keyof ReturnType<typeof rawNotification>, severity: string) => {
    const { [key]: _, ...notification } = rawNotification(1, severity)
    const statuses = statusesOf({ hadRecords: true, notifications: [notification] })
    assert.strictEqual(statuses.length, 2)
    return statuses.find((status) => status.isNotification)
  }
  /** `status` without `entry` in its diagnostic record. */
  const withoutEntry = (status: GqlStatusObject, entry: string): GqlStatusObject => ({
    ...status,
    diagnosticRecord: Object.fromEntries(Object.entries(status.diagnosticRecord).filter(([k]) => k !== entry))
  })

  const missingKeyCases: ReadonlyArray<
    readonly [name: string, key: keyof ReturnType<typeof rawNotification>, severity: string, expected: GqlStatusObject]
  > = [
    ["no severity: information, with neither raw severity nor _severity", "severity", "INFORMATION", {
      ...withoutEntry(informationStatus(1), "_severity"),
      severity: "UNKNOWN",
      rawSeverity: undefined
    }],
    ["no category: UNKNOWN classification, no _classification", "category", "WARNING", {
      ...withoutEntry(warningStatus(1), "_classification"),
      classification: "UNKNOWN",
      rawClassification: undefined
    }],
    ["no position: no position, no _position", "position", "WARNING", {
      ...withoutEntry(warningStatus(1), "_position"),
      position: undefined
    }],
    ["no description, a warning: the generic warning", "description", "WARNING", {
      ...warningStatus(1),
      statusDescription: "warn: unknown warning"
    }],
    ["no description, information: the generic notification", "description", "INFORMATION", {
      ...informationStatus(1),
      statusDescription: "info: unknown notification"
    }],
    ["no description, an unknown severity: the generic notification", "description", "BANANA", {
      ...asStatus(1, "BANANA", "UNKNOWN"),
      statusDescription: "info: unknown notification"
    }]
  ]

  for (const [name, key, severity, expected] of missingKeyCases) {
    it(`a notification with ${name}`, () => assert.deepStrictEqual(withoutKey(key, severity), expected))
  }

  it("Bolt 5.6+ statuses are kept as sent: no outcome added, no reordering", () => {
    const statuses = [
      { gql_status: "03N01", status_description: "info: informational", neo4j_code: "N" },
      { gql_status: "02000", status_description: "note: no data" }
    ]
    const summary = fromMetadata({
      query: "RETURN 1 AS n",
      parameters: {},
      server: { address: "localhost:7687", agent: "Neo4j/5.26.0", protocolVersion: "5.6" },
      runMetadata: { fields: ["n"] },
      finalMetadata: { statuses },
      hadRecords: true
    })
    assert.deepStrictEqual(summary.gqlStatusObjects.map((s) => s.gqlStatus), ["03N01", "02000"])
  })
})
