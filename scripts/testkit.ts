/**
 * `npm run testkit [group ...]`: runs TestKit's stub suites (tests/stub/<group>) against the
 * backend in test/testkit/, prints a table per group and writes it to testkit-results.json.
 *
 * TestKit comes from TESTKIT_DIR (default ../shared/testkit next to the repository); it needs
 * Python 3 with lark, pytz and ifaddr (Debian: python3-lark python3-tz python3-ifaddr).
 * The stub servers listen on fixed ports of 0.0.0.0, so two groups cannot share a network: with
 * `unshare` (Linux) every group runs in its own network namespace (its own loopback, its own
 * backend) and TESTKIT_JOBS groups (default 2) run at once; without it, one group at a time.
 * An argument with a dot names a narrower target inside a group (a module, class or test, as
 * `python3 -m unittest` takes it, without the `tests.stub.` prefix), e.g.
 * `npm run testkit routing.test_routing_v5x0.RoutingV5x0.test_should_read_successfully_from_reader`.
 * Exit code 1 when any test failed or errored.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const repo = path.resolve(import.meta.dirname, "..")
const testkit = path.resolve(repo, process.env.TESTKIT_DIR ?? "../shared/testkit")
const output = path.resolve(repo, process.env.TESTKIT_RESULTS ?? "testkit-results.json")
mkdirSync(path.dirname(output), { recursive: true })
const isolated = spawnSync("unshare", ["-rn", "true"]).status === 0
const jobs = isolated ? Math.max(1, Number(process.env.TESTKIT_JOBS ?? 2)) : 1
const backendPort = 9876
/**
 * The name TestKit special-cases tests by: one it does not know, so every test expects the default
 * behaviour. Except for `authorization`: every error assertion there ends in
 * `self.fail("no error mapping is defined for %s driver")` for a name TestKit does not know, so it
 * runs under the official JavaScript driver's name, whose branches check the error code and
 * retryability only (no driver-specific type names). What else that name changes in the group is
 * listed in test/testkit/skips.ts (JAVASCRIPT_NAME) and README.md (Conformance).
 */
const driverNameFor = (group: string): string => group.split(".")[0] === "authorization" ? "javascript" : "effect-neo4j"

// Inside a group's network namespace (`--inner <group>`): bring up loopback, start the backend, run.
// A veth pair gives the namespace two non-loopback addresses too: some routing tests address the
// stub servers by the machine's non-loopback IPs (TestKit's get_ip_addresses).
if (process.argv[2] === "--inner") {
  spawnSync("ip", ["link", "set", "lo", "up"])
  spawnSync("ip", ["link", "add", "tk0", "type", "veth", "peer", "name", "tk1"])
  spawnSync("ip", ["addr", "add", "10.254.0.1/24", "dev", "tk0"])
  // A second IPv4 address: routing test_should_successfully_acquire_rt_when_router_ip_changes moves
  // the router from the first address to the second (the stub servers listen on IPv4 only).
  spawnSync("ip", ["addr", "add", "10.254.0.2/24", "dev", "tk1"])
  spawnSync("ip", ["link", "set", "tk1", "up"])
  spawnSync("ip", ["link", "set", "tk0", "up"])
  const backend = await startBackend(backendPort)
  const code = await runUnittest(process.argv[3]!, process.stderr)
  backend.kill("SIGTERM")
  process.exit(code)
}

if (!existsSync(path.join(testkit, "tests", "stub"))) {
  console.error(
    `TestKit not found at ${testkit}.\n` +
      "Get it with: git clone -b 5.0 https://github.com/neo4j-drivers/testkit.git ../shared/testkit\n" +
      "(or point TESTKIT_DIR at a checkout of github.com/neo4j-drivers/testkit, branch 5.0)."
  )
  process.exit(2)
}

const allGroups = readdirSync(path.join(testkit, "tests", "stub"), { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(path.join(testkit, "tests", "stub", e.name, "__init__.py")))
  .map((e) => e.name)
  .sort()
const requested = process.argv.slice(2)
for (const g of requested) {
  if (!allGroups.includes(g.split(".")[0]!)) {
    console.error(`unknown group ${g}; groups: ${allGroups.join(" ")}`)
    process.exit(2)
  }
}
// Slowest first, so parallel jobs finish close together.
const SLOW = ["routing", "driver_parameters", "authorization", "connectivity_check", "tx_run"]
const rank = (g: string) => SLOW.indexOf(g.split(".")[0]!) === -1 ? 99 : SLOW.indexOf(g.split(".")[0]!)
const groups = (requested.length > 0 ? requested : allGroups).sort((a, b) => rank(a) - rank(b))

function startBackend(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repo, "test/testkit/backend.ts")], {
      env: { ...process.env, TEST_BACKEND_PORT: String(port) },
      stdio: ["ignore", "pipe", "inherit"]
    })
    child.stdout!.setEncoding("utf8")
    child.stdout!.once("data", () => resolve(child))
    child.once("exit", (code) => reject(new Error(`backend exited with ${code}`)))
  })
}

/** Runs one group's unittest, its verbose log to `log`; resolves with its exit code. */
function runUnittest(group: string, log: NodeJS.WritableStream): Promise<number> {
  return new Promise((resolve) => {
    const args = group.includes(".")
      ? ["-m", "unittest", "-v", `tests.stub.${group}`]
      : ["-m", "unittest", "discover", "-v", "-s", `tests/stub/${group}`, "-t", "."]
    // TestKit writes each script with its variables filled in to the temporary directory under the
    // script's own name and deletes it after the test: two groups running at once that use the
    // same script (authorization's basic and bearer managers) would delete each other's ("Stub
    // server crashed on start-up"). Each run gets its own directory.
    const tmp = mkdtempSync(path.join(os.tmpdir(), "testkit-"))
    const child = spawn("python3", args, {
      cwd: testkit,
      env: {
        ...process.env,
        PYTHONPATH: [process.env.PYTHONPATH, "/usr/lib/python3/dist-packages"].filter(Boolean).join(":"),
        TEST_DRIVER_NAME: driverNameFor(group),
        TEST_BACKEND_HOST: "127.0.0.1",
        TEST_BACKEND_PORT: String(backendPort),
        TEST_STUB_HOST: "127.0.0.1",
        TMPDIR: tmp
      },
      // stdout too: TestKit prints a stub server's own log there when its script failed.
      stdio: ["ignore", "pipe", "pipe"]
    })
    child.stdout!.pipe(log, { end: false })
    child.stderr!.pipe(log, { end: false })
    child.on("close", (code) => {
      rmSync(tmp, { recursive: true, force: true })
      resolve(code ?? 1)
    })
  })
}

interface GroupResult {
  group: string
  ran: number
  passed: number
  failed: number
  errors: number
  skipped: number
  seconds: number
  failures: Array<string>
  errored: Array<string>
  /** Whole tests skipped, by the reason TestKit or the backend gave. */
  skipReasons: Record<string, number>
}

/** unittest prints a skip reason as a Python string literal. */
const unquote = (reason: string): string =>
  /^(['"]).*\1$/.test(reason) ? reason.slice(1, -1).replace(/\\(['"\\])/g, "$1") : reason

const runGroup = (group: string): Promise<GroupResult> =>
  new Promise((resolve) => {
    const started = Date.now()
    const logFile = path.join(path.dirname(output), `testkit-${group}.log`)
    const child = spawn(
      isolated ? "unshare" : process.execPath,
      isolated ? ["-rn", process.execPath, import.meta.filename, "--inner", group] : [import.meta.filename, "--inner", group],
      { stdio: ["ignore", "ignore", "pipe"], env: process.env }
    )
    let log = ""
    child.stderr!.setEncoding("utf8")
    child.stderr!.on("data", (chunk: string) => (log += chunk))
    child.on("close", () => {
      writeFileSync(logFile, log)
      const ran = Number(/^Ran (\d+) tests?/m.exec(log)?.[1] ?? 0)
      // A test id fails at most once in the table, however many of its subtests failed.
      const names = (kind: string) =>
        Array.from(new Set(Array.from(log.matchAll(new RegExp(`^${kind}: \\S+ \\(([^)]+)\\)`, "gm")), (m) => m[1]!)))
      const failures = names("FAIL")
      const errored = names("ERROR").filter((n) => !failures.includes(n))
      // Whole tests skipped (unittest's own count adds skipped subtests, whose test still ran). A
      // test's result follows its "... " on the same line, or on the next one when TestKit printed
      // the driver's features there first (the first test of a run that asks for them).
      const headers = Array.from(log.matchAll(/^test\S* \(([^)]+)\) \.\.\. /gm))
      const skips = new Map<string, string>()
      headers.forEach((header, i) => {
        const result = log.slice(header.index + header[0].length, headers[i + 1]?.index ?? log.length)
        const skip = /^(?:features \{[^\n]*\}\n)?skipped (.*)$/m.exec(result)
        if (skip !== null && skip.index === 0) skips.set(header[1]!, unquote(skip[1]!))
      })
      const skipped = skips.size
      const skipReasons: Record<string, number> = {}
      for (const reason of skips.values()) skipReasons[reason] = (skipReasons[reason] ?? 0) + 1
      const crashed = ran === 0 && !/^OK/m.test(log)
      resolve({
        group,
        ran,
        passed: ran - failures.length - errored.length - skipped,
        failed: failures.length,
        errors: errored.length + (crashed ? 1 : 0),
        skipped,
        seconds: Math.round((Date.now() - started) / 1000),
        failures,
        errored: crashed ? [`${group}: the run did not finish (see ${path.basename(logFile)})`] : errored,
        skipReasons
      })
    })
  })

const started = Date.now()
const queue = [...groups]
const results: Array<GroupResult> = []
await Promise.all(
  Array.from({ length: Math.min(jobs, groups.length) }, async () => {
    for (let group = queue.shift(); group !== undefined; group = queue.shift()) {
      const result = await runGroup(group)
      results.push(result)
      console.error(
        `testkit: ${group}: ${result.passed} passed, ${result.failed} failed, ${result.errors} errors, ${result.skipped} skipped (${result.seconds} s)`
      )
    }
  })
)
results.sort((a, b) => a.group.localeCompare(b.group))
const total = results.reduce(
  (t, r) => ({ ran: t.ran + r.ran, passed: t.passed + r.passed, failed: t.failed + r.failed, errors: t.errors + r.errors, skipped: t.skipped + r.skipped }),
  { ran: 0, passed: 0, failed: 0, errors: 0, skipped: 0 }
)
const seconds = Math.round((Date.now() - started) / 1000)
console.log("| group | passed | failed | errors | skipped | s |\n|---|---:|---:|---:|---:|---:|")
for (const r of results) console.log(`| ${r.group} | ${r.passed} | ${r.failed} | ${r.errors} | ${r.skipped} | ${r.seconds} |`)
console.log(`| **total** | ${total.passed} | ${total.failed} | ${total.errors} | ${total.skipped} | ${seconds} |`)
const skipReasons: Record<string, number> = {}
for (const r of results) {
  for (const [reason, n] of Object.entries(r.skipReasons)) skipReasons[reason] = (skipReasons[reason] ?? 0) + n
}
const bySkipCount = Object.entries(skipReasons).sort((a, b) => b[1] - a[1])
console.log("\n| skipped | reason |\n|---:|---|")
for (const [reason, n] of bySkipCount) console.log(`| ${n} | ${reason.replaceAll("|", "\\|")} |`)
writeFileSync(
  output,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      testkit,
      driverNames: Object.fromEntries(groups.map((g) => [g, driverNameFor(g)])),
      jobs,
      seconds,
      total,
      skipReasons: Object.fromEntries(bySkipCount),
      groups: results
    },
    null,
    2
  ) + "\n"
)
console.log(`written ${path.relative(process.cwd(), output)}`)
process.exit(total.failed + total.errors > 0 ? 1 : 0)
