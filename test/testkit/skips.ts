/**
 * The one place that says what the TestKit backend declares and what it leaves out, with reasons.
 * `features` is what GetFeatures answers; `notDeclared` is every other feature TestKit knows
 * (nutkit/protocol/feature.py) and why; `skippedTests` are tests the backend answers SkipTest for.
 */

/** Features the driver has, through its public API. */
export const features: ReadonlyArray<string> = [
  "Feature:API:BookmarkManager",
  "Feature:API:ConnectionAcquisitionTimeout",
  "Feature:API:Driver.ExecuteQuery",
  "Feature:API:Driver.ExecuteQuery:WithAuth",
  "Feature:API:Driver:GetServerInfo",
  "Feature:API:Driver.VerifyAuthentication",
  "Feature:API:Driver.VerifyConnectivity",
  "Feature:API:Driver.IsEncrypted",
  "Feature:API:Driver.SupportsSessionAuth",
  "Feature:API:Driver:NotificationsConfig",
  "Feature:API:Liveness.Check",
  "Feature:API:Result.List",
  "Feature:API:Result.Peek",
  "Feature:API:Result.Single",
  "Feature:API:RetryableExceptions",
  "Feature:API:Session:AuthConfig",
  "Feature:API:Session:NotificationsConfig",
  // Below Bolt 5.6 the GQL statuses are derived from the notifications and the outcome.
  "Feature:API:Summary:GqlStatusObjects",
  "Feature:API:Type.Spatial",
  "Feature:API:Type.Temporal",
  "Feature:Auth:Bearer",
  "Feature:Auth:Custom",
  "Feature:Auth:Kerberos",
  "Feature:Auth:Managed",
  "Feature:Bolt:4.4",
  "Feature:Bolt:5.0",
  "Feature:Bolt:5.1",
  "Feature:Bolt:5.2",
  "Feature:Bolt:5.3",
  "Feature:Bolt:5.4",
  "Feature:Bolt:5.6",
  "Feature:Bolt:5.7",
  "Feature:Bolt:Patch:UTC",
  "Feature:Impersonation",
  // isEncrypted is a plain field of the driver service, answered after close too.
  "Detail:ClosedDriverIsEncrypted",
  "Optimization:ImplicitDefaultArguments",
  "Optimization:MinimalResets",
  "Optimization:ConnectionReuse",
  // HELLO+LOGON in one write; LOGOFF+LOGON queued and sent with the work's first request.
  "Optimization:AuthPipelining",
  "Optimization:PullPipelining",
  "Optimization:ExecuteQueryPipelining",
  "AuthorizationExpiredTreatment",
  // Honoured: a wait for an answer longer than the hint closes the connection (test/stub/driver.test.ts).
  "ConfHint:connection.recv_timeout_seconds",
  "Backend:RTFetch",
  "Backend:RTForceUpdate"
]

/** Features TestKit knows that the backend does not declare, and why. */
export const notDeclared: Readonly<Record<string, string>> = {
  "Feature:Bolt:3.0": "by design: the driver speaks Bolt 4.4 and 5.0+ only",
  "Feature:Bolt:4.1": "by design: Bolt 4.4 and 5.0+ only",
  "Feature:Bolt:4.2": "by design: Bolt 4.4 and 5.0+ only",
  "Feature:Bolt:4.3": "by design: Bolt 4.4 and 5.0+ only",
  "Feature:Bolt:5.5": "no server ever negotiates Bolt 5.5 (PROTOCOL-NOTES); the driver does not offer it",
  "Feature:API:Result.SingleOptional":
    "TestKit's single-optional is the Python driver's (the first of several records plus a warning); `ResultCursor.singleOptional` fails on more than one",
  "Feature:API:SSLClientCertificate":
    "TLS stub suites not run, so not wired in the backend (the driver has it: `tls.clientCertificate`, fixed or a rotating provider, test/connection/client-certificate.test.ts)",
  "Feature:API:SSLConfig": "not wired in the backend yet (TLS stub suites not run)",
  "Feature:API:SSLSchemes": "not wired in the backend yet (TLS stub suites not run)",
  "Feature:TLS:1.1": "TLS stub suites not run",
  "Feature:TLS:1.2": "TLS stub suites not run",
  "Feature:TLS:1.3": "TLS stub suites not run",
  "Optimization:EagerTransactionBegin": "by design: BEGIN is pipelined with the first query",
  "Optimization:MinimalBookmarksSet": "not verified",
  "Optimization:MinimalVerifyAuthentication": "not verified",
  "Optimization:ResultListFetchAll": "`ResultCursor.list` pulls in batches of the fetch size",
  "Detail:DefaultSecurityConfigValueEquality": "no such comparison in the API",
  "Detail:NumberIsNumber": "the backend keeps INTEGER and FLOAT apart (integers as bigint)",
  "Backend:MockTime": "the backend does not drive Effect's TestClock from TestKit's FakeTime requests"
}

/**
 * TestKit checks some error types by the name of an official driver (`_assert_is_client_exception`
 * and the like: `self.fail("no error mapping is defined for %s driver")` for any other name). These
 * tests cannot pass for a driver TestKit does not know; the behaviour they check before that
 * assertion is covered by the project's own tests (test/stub/testkit-findings.test.ts).
 */
const NO_ERROR_MAPPING = "TestKit has no error-type mapping for drivers other than the official ones (the test ends in self.fail)"

/**
 * The `authorization` group runs under the official JavaScript driver's name (scripts/testkit.ts:
 * for any other name its error assertions end in self.fail). Under that name TestKit also expects
 * a few things of that driver only; what the name changes in the group:
 * - `assert_re_auth_unsupported_error` wants that driver's exact message and the code "N/A"
 *   (skipped below: this driver fails with a Neo4jUsageError saying session auth needs Bolt 5.1+,
 *   test/stub/auth-manager.test.ts);
 * - `test_should_fail_with_auth_expired_on_begin_using_tx_run` is skipped by TestKit itself for it;
 * - `test_error_on_run_using_tx_run` consumes the result before expecting the error (this driver
 *   reports it at `tx.run` already, which passes either way).
 */
const JAVASCRIPT_NAME = "TestKit, under the javascript name this group runs with (scripts/testkit.ts), checks the official " +
  "JavaScript driver's exact message for session auth below Bolt 5.1 and the code \"N/A\"; this driver fails there with a " +
  "Neo4jUsageError that says session auth needs Bolt 5.1+ (test/stub/auth-manager.test.ts)"

/**
 * Tests answered with SkipTest, by reason: test-id prefixes as StartTest names them. A prefix
 * ending in `$` names exactly one test (`test_timeout$` leaves `test_timeout_with_re_auth` alone).
 */
const skippedByReason: ReadonlyArray<readonly [reason: string, prefixes: ReadonlyArray<string>]> = [
  [
    "by design: connectionTimeout bounds the whole connection set-up (TCP, TLS, Bolt handshake, HELLO), so that " +
      "a port that accepts TCP and never answers fails within it (test/fault/connect.test.ts); the test wants a " +
      "1 s connectionTimeout not to cover a 1.5 s Bolt handshake. connectionAcquisitionTimeout covers it as well.",
    ["stub.driver_parameters.test_connection_acquisition_timeout_ms.TestConnectionAcquisitionTimeoutMs.test_should_encompass_the_version_handshake_in_time$"]
  ],
  [
    "by design: a summary's notifications are always a list (empty when the server sent none); on Bolt 4.4 TestKit expects null when the metadata has no notifications key and [] when it is empty",
    ["stub.summary.test_summary.TestSummaryNotifications4x4.test_no_notifications"]
  ],
  [
    "not yet: reading a consumed result, or one whose transaction ended, answers end-of-records instead of failing (and TestKit has no error mapping for this driver either)",
    [
      "stub.iteration.test_result_scope.TestResultScope.test_result_is_invalid_after_consume",
      "stub.iteration.test_result_scope.TestResultScope.test_result_is_invalid_after_tx_ends"
    ]
  ],
  [JAVASCRIPT_NAME, [
    "stub.authorization.test_user_switching.TestUserSwitchingV5x0.test_read_with_switch",
    "stub.authorization.verify_authentication.test_verify_authentication.TestVerifyAuthenticationV5x0.test_is_not_supported"
  ]],
  // The timeout cases of the receive-timeout hint (the in-time ones run): the error's type is
  // checked by driver name; the behaviour is covered by test/stub/driver.test.ts.
  [NO_ERROR_MAPPING, ["TestDirectConnectionRecvTimeout", "TestRoutingConnectionRecvTimeout"].map((c) =>
    `stub.configuration_hints.test_connection_recv_timeout_seconds.${c}.test_timeout`
  )],
  [NO_ERROR_MAPPING, [
    "stub.iteration.test_result_single.TestResultSingle.test_result_single_with_0_records",
    "stub.iteration.test_result_single.TestResultSingle.test_result_single_with_2_records",
    "stub.iteration.test_result_single.TestResultSingle.test_result_single_with_disconnect",
    "stub.iteration.test_result_list.TestResultList.test_result_list_with_disconnect",
    "stub.iteration.test_result_peek.TestResultPeek.test_result_peek_with_disconnect",
    "stub.tx_lifetime.test_tx_lifetime.TestTxLifetime.test_unmanaged_tx_raises_tx_closed_exec",
  ]],
  [NO_ERROR_MAPPING, [
    "test_should_prevent_commit_after_tx_termination",
    "test_should_prevent_discard_after_tx_termination_on_run",
    "test_should_prevent_pull_after_tx_termination_on_pull",
    "test_should_prevent_pull_after_tx_termination_on_run",
    "test_should_prevent_rollback_message_after_tx_termination",
    "test_should_prevent_run_after_tx_termination_on_pull",
    "test_should_prevent_run_after_tx_termination_on_run"
  ].map((name) => `stub.tx_run.test_tx_run.TestTxRun.${name}`)]
]

/** Test-id prefixes (as StartTest names them) answered with SkipTest, and why. */
export const skippedTests: ReadonlyArray<readonly [prefix: string, reason: string]> = skippedByReason.flatMap((
  [reason, prefixes]
) => prefixes.map((prefix) => [prefix, reason] as const))

/**
 * Subtests answered with SkipTest (the backend answers RunSubTests for their test, then TestKit
 * asks about each subtest with its arguments), and why.
 */
export const skippedSubtests: ReadonlyArray<
  readonly [testName: string, matches: (args: Readonly<Record<string, unknown>>) => boolean, reason: string]
> = [
  [
    "stub.optimizations.test_optimizations.TestOptimizations.test_uses_implicit_default_arguments_multi_query",
    (args) => args.version === "v4x3",
    "by design: the driver speaks Bolt 4.4 and 5.0+ only, and this test runs its Bolt 4.3 subtests without asking"
  ]
]

/** Whether some subtests of a test may be skipped (the backend then answers RunSubTests). */
export const hasSkippedSubtests = (testName: string): boolean => skippedSubtests.some(([name]) => name === testName)

/** The reason to skip a subtest, if any. */
export const subtestSkipReason = (testName: string, args: Readonly<Record<string, unknown>>): string | undefined =>
  skippedSubtests.find(([name, matches]) => name === testName && matches(args))?.[2]

/** The reason to skip a test, if any. */
export const skipReason = (testName: string): string | undefined =>
  skippedTests.find(([prefix]) =>
    prefix.endsWith("$") ? testName === prefix.slice(0, -1) : testName.startsWith(prefix)
  )?.[1]
