/**
 * The summary built from SUCCESS metadata: GQL status objects (typed severity and classification,
 * diagnostic-record defaults), notifications derived from them on Bolt 5.6+, and plan fields
 * (TestKit `summary` group, issue 14).
 */
import { assert, describe, it } from "@effect/vitest"
import { fromMetadata } from "../src/bolt/Summary.ts"

const summaryOf = (finalMetadata: Record<string, unknown>) =>
  fromMetadata({
    query: "RETURN 1 AS n",
    parameters: {},
    server: { address: "localhost:7687", agent: "Neo4j/5.26.0", protocolVersion: "5.6" },
    runMetadata: {},
    finalMetadata
  })

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
    const [success, warning] = summary.gqlStatusObjects
    assert.deepStrictEqual(success, {
      gqlStatus: "00000",
      statusDescription: "note: successful completion",
      severity: "UNKNOWN",
      rawSeverity: undefined,
      classification: "UNKNOWN",
      rawClassification: undefined,
      position: undefined,
      isNotification: false,
      diagnosticRecord: { OPERATION: "", OPERATION_CODE: "0", CURRENT_SCHEMA: "/" }
    })
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
