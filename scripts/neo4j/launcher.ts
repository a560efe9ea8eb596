/**
 * Launches an embedded Neo4j Community server (Maven Central jars + `NeoServer.java`) for tests,
 * benchmarks and the demo. See design/REAL-NEO4J.md for why this exists and where it sits among the
 * other ways of getting a server.
 *
 * Library: `startNeo4j({ line: "2026" })`. CLI:
 *   node scripts/neo4j/launcher.ts [--line 5.26|2026] [--port N] [--password PW]
 *   node scripts/neo4j/launcher.ts --resolve-only [--line 5.26|2026]
 *
 * @since 0.1.0
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { existsSync, realpathSync } from "node:fs"
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { delimiter, dirname, join, resolve } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

/**
 * A Neo4j release line the launcher can run.
 *
 * @since 0.1.0
 * @category models
 */
export type Neo4jLine = "5.26" | "2026"

/**
 * Every line, in the order `--resolve-only` and the global setup use by default.
 *
 * @since 0.1.0
 * @category constants
 */
export const NEO4J_LINES: ReadonlyArray<Neo4jLine> = ["5.26", "2026"]

/**
 * Options of {@link startNeo4j}; every field has a default.
 *
 * @since 0.1.0
 * @category models
 */
export interface StartNeo4jOptions {
  readonly line?: Neo4jLine
  readonly port?: number
  readonly password?: string
  readonly startTimeoutMs?: number
  /**
   * `server.bolt.tls_level`: `OPTIONAL` (default: plain and TLS on one port), `REQUIRED` (TLS
   * only) or `DISABLED` (plain only), for tests of a scheme that does not match the server.
   */
  readonly tlsLevel?: TlsLevel
  readonly onLog?: (line: string) => void
}

/**
 * Which connections the Bolt port accepts (`server.bolt.tls_level`).
 *
 * @since 0.1.0
 * @category models
 */
export type TlsLevel = "OPTIONAL" | "REQUIRED" | "DISABLED"

/**
 * A started server; `stop()` is idempotent.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunningNeo4j {
  readonly line: Neo4jLine
  readonly uri: string
  readonly host: string
  readonly port: number
  readonly username: string
  readonly password: string
  readonly version: string
  readonly edition: "community" | "enterprise"
  readonly tlsCertificateFile: string
  readonly javaPid: number
  readonly stop: () => Promise<void>
}

/**
 * Thrown for every launcher failure; the message names the cause and the fix.
 *
 * @since 0.1.0
 * @category errors
 */
export class Neo4jLauncherError extends Error {
  override readonly name = "Neo4jLauncherError"
}

interface LineSpec {
  readonly pom: string
  readonly minJavaMajor: number
  /** Env var naming the Java home for this line; it wins over every other candidate. */
  readonly javaHomeEnv: string
  /** Tried before JAVA_HOME and PATH: where our machines and CI install the JDK this line needs. */
  readonly knownJavaHomes: ReadonlyArray<string>
}

const LINE_SPECS: Record<Neo4jLine, LineSpec> = {
  "5.26": { pom: "pom-5.26.xml", minJavaMajor: 17, javaHomeEnv: "NEO4J_5_26_JAVA_HOME", knownJavaHomes: [] },
  // Calendar releases are compiled for Java 21 (class file major 65); Temurin 25 is supported from 2025.10.
  "2026": {
    pom: "pom-2026.xml",
    minJavaMajor: 21,
    javaHomeEnv: "NEO4J_2026_JAVA_HOME",
    knownJavaHomes: ["/usr/lib/jvm/temurin-25-jdk-amd64"]
  }
}

const SCRIPT_DIR = dirname(fileURLToPath(import.meta.url))
const REPO_ROOT = resolve(SCRIPT_DIR, "..", "..")
/** Gitignored; holds the resolved classpaths only (the jars stay in ~/.m2). */
const CACHE_DIR = join(REPO_ROOT, ".neo4j")
const SERVER_SOURCE = join(SCRIPT_DIR, "NeoServer.java")
const DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:build-classpath"
const POM_HASH_LENGTH = 16

const HOST = "127.0.0.1"
const USERNAME = "neo4j"
const PASSWORD_BYTES = 12
const DEFAULT_START_TIMEOUT_MS = 180_000
/** NeoServer halts itself 20 s into a stuck shutdown; this leaves it room before SIGKILL. */
const STOP_TIMEOUT_MS = 25_000
/** A cold resolve downloads ~200 jars; beyond this Maven is stuck, not slow. */
const MAVEN_TIMEOUT_MS = 600_000
const PROBE_TIMEOUT_MS = 20_000
const TAIL_LINES = 25
/** Certificates only need to outlive one test run. */
const CERTIFICATE_DAYS = 2
const READY_PATTERN = /^NEO4J_READY (bolt:\/\/\S+) version=(\S+) edition=(community|enterprise)$/

const JVM_HEAP = ["-Xmx1g", "-Xms256m"]
/** What Neo4j's own start script passes: without them the page cache falls back to a slower mode. */
const JVM_OPENS = [
  "--add-opens=java.base/java.nio=ALL-UNNAMED",
  "--add-opens=java.base/java.io=ALL-UNNAMED",
  "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
  "-Dio.netty.tryReflectionSetAccessible=true",
  "-Dlog4j2.disable.jmx=true"
]
/** JNA's System.load warns from Java 22 on (JEP 472). */
const NATIVE_ACCESS_SINCE = 22
/** sun.misc.Unsafe memory access warns from Java 23 on (JEP 471); jctools and Neo4j use it. */
const UNSAFE_ACCESS_SINCE = 23

const jvmFlags = (javaMajor: number): Array<string> => [
  ...JVM_HEAP,
  ...JVM_OPENS,
  ...(javaMajor >= NATIVE_ACCESS_SINCE ? ["--enable-native-access=ALL-UNNAMED"] : []),
  ...(javaMajor >= UNSAFE_ACCESS_SINCE ? ["--sun-misc-unsafe-memory-access=allow"] : [])
]

/** Setting names verified against 5.26.30 and 2026.08.1: strict validation rejects unknown keys. */
const renderConf = (port: number, certificateDir: string, tlsLevel: TlsLevel): string =>
  [
    "# Generated by scripts/neo4j/launcher.ts for one server start; deleted when it stops.",
    "server.bolt.enabled=true",
    `server.bolt.listen_address=${HOST}:${port}`,
    // The routing table advertises this; without it neo4j:// sends clients to 7687.
    `server.bolt.advertised_address=${HOST}:${port}`,
    // OPTIONAL: plain and TLS on the same port, for bolt:// and bolt+s:// / bolt+ssc:// tests.
    `server.bolt.tls_level=${tlsLevel}`,
    "dbms.ssl.policy.bolt.enabled=true",
    `dbms.ssl.policy.bolt.base_directory=${certificateDir}`,
    "dbms.ssl.policy.bolt.client_auth=NONE",
    "dbms.security.auth_enabled=true",
    "dbms.security.auth_minimum_password_length=1",
    // 0 disables the lockout: wrong-password tests must not lock out the right password.
    "dbms.security.auth_max_failed_attempts=0",
    "server.memory.pagecache.size=64m",
    "dbms.usage_report.enabled=false",
    // Tiny stores: preallocating and 256 MiB rotations only cost start-up time and disk.
    "db.tx_log.preallocate=false",
    "db.tx_log.rotation.size=1M",
    // Both default to 5 s each and made every stop take 10 s (measured); idle test servers need none.
    "internal.server.bolt.connection_shutdown_wait_time=0s",
    "internal.server.bolt.thread_pool_shutdown_wait_time=0s",
    ""
  ].join("\n")

// ---------------------------------------------------------------------------------------------
// Child processes

interface RunResult {
  readonly code: number | null
  readonly output: string
}

/** Runs a tool to completion; ENOENT becomes `missing`, so callers can say what to install. */
const runTool = (
  command: string,
  args: ReadonlyArray<string>,
  timeoutMs: number
): Promise<RunResult | "missing"> =>
  new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (data: Buffer) => (output += data.toString()))
    child.stderr.on("data", (data: Buffer) => (output += data.toString()))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Neo4jLauncherError(`${command} ${args.join(" ")} did not finish within ${timeoutMs} ms`))
    }, timeoutMs)
    child.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      if (error.code === "ENOENT") resolvePromise("missing")
      else reject(error)
    })
    child.on("close", (code) => {
      clearTimeout(timer)
      resolvePromise({ code, output })
    })
  })

const tail = (text: string, lines: number = TAIL_LINES): string =>
  text.trimEnd().split("\n").slice(-lines).map((line) => `    ${line}`).join("\n")

// ---------------------------------------------------------------------------------------------
// Java

interface Java {
  readonly bin: string
  readonly major: number
}

const javaMajorOf = async (bin: string): Promise<{ major: number; jdk: boolean } | undefined> => {
  const result = await runTool(bin, ["--list-modules"], PROBE_TIMEOUT_MS)
  if (result === "missing" || result.code !== 0) return undefined
  const match = /^java\.base@(\d+)/m.exec(result.output)
  if (match === null) return undefined
  // Running a .java file needs the compiler module: a JRE cannot.
  return { major: Number(match[1]), jdk: /^jdk\.compiler@/m.test(result.output) }
}

const findJava = async (line: Neo4jLine): Promise<Java> => {
  const spec = LINE_SPECS[line]
  const override = process.env[spec.javaHomeEnv]
  const javaHome = process.env["JAVA_HOME"]
  const candidates: Array<{ bin: string; origin: string }> = override
    ? [{ bin: join(override, "bin", "java"), origin: `${spec.javaHomeEnv}=${override}` }]
    : [
      ...spec.knownJavaHomes.filter((home) => existsSync(home)).map((home) => ({
        bin: join(home, "bin", "java"),
        origin: home
      })),
      ...(javaHome ? [{ bin: join(javaHome, "bin", "java"), origin: `JAVA_HOME=${javaHome}` }] : []),
      { bin: "java", origin: "java on PATH" }
    ]
  const rejected: Array<string> = []
  for (const candidate of candidates) {
    const found = await javaMajorOf(candidate.bin)
    if (found === undefined) rejected.push(`${candidate.origin}: not found or not runnable`)
    else if (found.major < spec.minJavaMajor) rejected.push(`${candidate.origin}: Java ${found.major} is too old`)
    else if (!found.jdk) rejected.push(`${candidate.origin}: a JRE, running NeoServer.java needs a JDK`)
    else return { bin: candidate.bin, major: found.major }
  }
  throw new Neo4jLauncherError(
    `No usable Java for Neo4j ${line} (needs a JDK ${spec.minJavaMajor}+):\n` +
      rejected.map((reason) => `  - ${reason}`).join("\n") +
      `\nFix: install a JDK ${spec.minJavaMajor}+ and set ${spec.javaHomeEnv} (or JAVA_HOME) to it.`
  )
}

// ---------------------------------------------------------------------------------------------
// Classpath

/** Maven's local repository is not safe for concurrent writers: resolve one pom at a time. */
let resolving: Promise<unknown> = Promise.resolve()

const readCachedClasspath = async (file: string): Promise<ReadonlyArray<string> | undefined> => {
  if (!existsSync(file)) return undefined
  const entries = (await readFile(file, "utf8")).trim().split(delimiter).filter((entry) => entry !== "")
  return entries.length > 0 && entries.every((entry) => existsSync(entry)) ? entries : undefined
}

/**
 * The classpath of a line: from `.neo4j/` when the pom is unchanged and every jar still exists,
 * otherwise from Maven (which downloads into ~/.m2 on the first run).
 *
 * @since 0.1.0
 * @category classpath
 */
export const resolveClasspath = (line: Neo4jLine, onLog: (line: string) => void = () => {}) => {
  const run = resolving.then(async (): Promise<ReadonlyArray<string>> => {
    const pom = join(SCRIPT_DIR, LINE_SPECS[line].pom)
    const hash = createHash("sha256").update(await readFile(pom)).digest("hex").slice(0, POM_HASH_LENGTH)
    const cacheFile = join(CACHE_DIR, `classpath-${line}-${hash}.txt`)
    const cached = await readCachedClasspath(cacheFile)
    if (cached !== undefined) return cached

    onLog(`resolving the Neo4j ${line} classpath with Maven (${pom})`)
    await mkdir(CACHE_DIR, { recursive: true })
    // Written aside and renamed: a concurrent reader never sees half a file.
    const partial = `${cacheFile}.${process.pid}.partial`
    // -B alone still colours the output of Maven 3.8.
    const args = ["-B", "-q", "-Dstyle.color=never", "-f", pom, DEPENDENCY_PLUGIN, `-Dmdep.outputFile=${partial}`]
    const result = await runTool("mvn", args, MAVEN_TIMEOUT_MS)
    if (result === "missing") {
      throw new Neo4jLauncherError(
        "Maven (mvn) is not on PATH; it resolves the Neo4j jars from Maven Central. Fix: install Maven 3.8+."
      )
    }
    if (result.code !== 0) {
      throw new Neo4jLauncherError(
        `Maven could not resolve the Neo4j ${line} jars (exit ${result.code}). Is Maven Central ` +
          `reachable (proxy, ~/.m2/settings.xml mirrors, offline mode)? Last lines of mvn:\n${tail(result.output)}`
      )
    }
    await rename(partial, cacheFile)
    const entries = await readCachedClasspath(cacheFile)
    if (entries === undefined) throw new Neo4jLauncherError(`Maven wrote an unusable classpath to ${cacheFile}`)
    return entries
  })
  resolving = run.catch(() => undefined)
  return run
}

// ---------------------------------------------------------------------------------------------
// Ports and certificates

const listenOnce = (port: number): Promise<number> =>
  new Promise((resolvePromise, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen({ port, host: HOST, exclusive: true }, () => {
      const address = server.address()
      const bound = typeof address === "object" && address !== null ? address.port : port
      server.close(() => resolvePromise(bound))
    })
  })

/**
 * A port that was free a moment ago on 127.0.0.1.
 *
 * @since 0.1.0
 * @category ports
 */
export const findFreePort = (): Promise<number> => listenOnce(0)

const assertPortFree = async (port: number): Promise<void> => {
  try {
    await listenOnce(port)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new Neo4jLauncherError(
      code === "EADDRINUSE"
        ? `Port ${port} on ${HOST} is already in use. Fix: stop what listens there or pass another --port (or none: a free one is picked).`
        : `Cannot listen on ${HOST}:${port} (${code ?? String(error)}). Fix: pass another --port.`
    )
  }
}

const makeCertificate = async (dir: string): Promise<string> => {
  // No trusted/ or revoked/ directory: with client_auth=NONE neither line needs them (checked).
  await mkdir(dir, { recursive: true })
  const certificate = join(dir, "public.crt")
  const result = await runTool("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", String(CERTIFICATE_DAYS),
    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-keyout", join(dir, "private.key"), "-out", certificate
  ], PROBE_TIMEOUT_MS)
  if (result === "missing") {
    throw new Neo4jLauncherError(
      "openssl is not on PATH; it makes the self-signed certificate for Bolt TLS. Fix: install OpenSSL 1.1.1+."
    )
  }
  if (result.code !== 0) {
    throw new Neo4jLauncherError(`openssl could not make the test certificate (OpenSSL 1.1.1+ needed for -addext):\n${tail(result.output)}`)
  }
  return certificate
}

// ---------------------------------------------------------------------------------------------
// Orphan protection on the Node side (the Java side watches its stdin)

const liveChildren = new Set<ChildProcess>()
let hooksInstalled = false

const installExitHooks = (): void => {
  if (hooksInstalled) return
  hooksInstalled = true
  const killAll = () => {
    for (const child of liveChildren) child.kill("SIGTERM")
  }
  process.once("exit", killAll)
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const onSignal = () => {
      killAll()
      // Alone on this signal, our listener would swallow it: restore the default and re-raise.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal)
        process.kill(process.pid, signal)
      }
    }
    process.on(signal, onSignal)
  }
}

const waitForExit = (child: ChildProcess, timeoutMs: number): Promise<boolean> =>
  new Promise((resolvePromise) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolvePromise(true)
    const timer = setTimeout(() => resolvePromise(false), timeoutMs)
    child.once("exit", () => {
      clearTimeout(timer)
      resolvePromise(true)
    })
  })

const readLogTail = async (home: string): Promise<string> => {
  const file = join(home, "logs", "debug.log")
  if (!existsSync(file)) return "    (no debug.log)"
  return tail(await readFile(file, "utf8"))
}

// ---------------------------------------------------------------------------------------------
// Start

/**
 * Starts an embedded Neo4j server and resolves once it accepts the password.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const startNeo4j = async (options: StartNeo4jOptions = {}): Promise<RunningNeo4j> => {
  const line = options.line ?? "5.26"
  const onLog = options.onLog ?? (() => {})
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS
  const password = options.password ?? randomBytes(PASSWORD_BYTES).toString("base64url")
  if (options.port !== undefined) await assertPortFree(options.port)
  const port = options.port ?? (await findFreePort())
  const java = await findJava(line)
  const classpath = await resolveClasspath(line, onLog)

  const home = await mkdtemp(join(tmpdir(), `effect-neo4j-${line}-`))
  const cleanHome = () => rm(home, { recursive: true, force: true })
  let child: ChildProcessWithoutNullStreams
  let tlsCertificateFile: string
  try {
    const certificateDir = join(home, "certificates", "bolt")
    tlsCertificateFile = await makeCertificate(certificateDir)
    const conf = join(home, "neo4j.conf")
    await writeFile(conf, renderConf(port, certificateDir, options.tlsLevel ?? "OPTIONAL"))
    installExitHooks()
    child = spawn(
      java.bin,
      [...jvmFlags(java.major), "-cp", classpath.join(delimiter), SERVER_SOURCE, "--home", home, "--conf", conf,
        "--port", String(port), "--delete-home-on-exit"],
      // stdin stays an open pipe we never write to: NeoServer exits when it reaches end-of-file.
      { env: { ...process.env, NEO4J_SERVER_PASSWORD: password } }
    )
  } catch (error) {
    await cleanHome()
    throw error
  }
  liveChildren.add(child)
  child.once("exit", () => liveChildren.delete(child))

  const output: Array<string> = []
  const remember = (text: string) => {
    output.push(text)
    if (output.length > TAIL_LINES) output.shift()
    onLog(`[neo4j ${line}] ${text}`)
  }
  const startedAt = Date.now()
  const ready = await new Promise<RegExpExecArray>((resolvePromise, reject) => {
    let settled = false
    const fail = async (reason: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      const logTail = await readLogTail(home)
      child.kill("SIGKILL")
      await waitForExit(child, STOP_TIMEOUT_MS)
      await cleanHome()
      reject(new Neo4jLauncherError(
        `${reason}\n  Java output (last lines):\n${output.length > 0 ? tail(output.join("\n")) : "    (none)"}\n` +
          `  debug.log (last lines):\n${logTail}`
      ))
    }
    const timer = setTimeout(() => {
      void fail(
        `Neo4j ${line} was not ready within ${timeoutMs} ms; killed it. Fix: look at the log below; raise startTimeoutMs on a slow machine.`
      )
    }, timeoutMs)
    createInterface({ input: child.stdout }).on("line", (text) => {
      const match = READY_PATTERN.exec(text)
      if (match === null || settled) return remember(text)
      settled = true
      clearTimeout(timer)
      resolvePromise(match)
    })
    createInterface({ input: child.stderr }).on("line", remember)
    child.once("error", (error) => void fail(`Could not run ${java.bin}: ${error.message}`))
    child.once("exit", (code, signal) => {
      void fail(`Neo4j ${line} (${java.bin}, Java ${java.major}) exited with ${signal ?? `code ${code}`} before it was ready.`)
    })
  })
  onLog(`[neo4j ${line}] ready in ${Date.now() - startedAt} ms`)

  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      child.kill("SIGTERM")
      if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
        child.kill("SIGKILL")
        await waitForExit(child, STOP_TIMEOUT_MS)
      }
      await cleanHome()
    })()
    return stopping
  }
  return {
    line,
    uri: ready[1]!,
    host: HOST,
    port,
    username: USERNAME,
    password,
    version: ready[2]!,
    edition: ready[3] as "community" | "enterprise",
    tlsCertificateFile,
    javaPid: child.pid!,
    stop
  }
}

// ---------------------------------------------------------------------------------------------
// CLI

const USAGE = `usage: node scripts/neo4j/launcher.ts [--line ${NEO4J_LINES.join("|")}] [--port N] [--password PW]
       [--tls-level OPTIONAL|REQUIRED|DISABLED]
       node scripts/neo4j/launcher.ts --resolve-only [--line ${NEO4J_LINES.join("|")}]`

const parseLine = (value: string | undefined): Neo4jLine => {
  const found = NEO4J_LINES.find((line) => line === value)
  if (found === undefined) throw new Neo4jLauncherError(`--line must be one of ${NEO4J_LINES.join(", ")}\n${USAGE}`)
  return found
}

const parsePort = (value: string | undefined): number => {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Neo4jLauncherError(`--port needs 1-65535\n${USAGE}`)
  return port
}

const TLS_LEVELS: ReadonlyArray<TlsLevel> = ["OPTIONAL", "REQUIRED", "DISABLED"]

const parseTlsLevel = (value: string | undefined): TlsLevel => {
  const found = TLS_LEVELS.find((level) => level === value)
  if (found === undefined) throw new Neo4jLauncherError(`--tls-level must be one of ${TLS_LEVELS.join(", ")}\n${USAGE}`)
  return found
}

const main = async (argv: ReadonlyArray<string>): Promise<void> => {
  let line: Neo4jLine | undefined
  let port: number | undefined
  let password: string | undefined
  let tlsLevel: TlsLevel | undefined
  let resolveOnly = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === "--line") line = parseLine(argv[++i])
    else if (arg === "--port") port = parsePort(argv[++i])
    else if (arg === "--password") password = argv[++i]
    else if (arg === "--tls-level") tlsLevel = parseTlsLevel(argv[++i])
    else if (arg === "--resolve-only") resolveOnly = true
    else if (arg === "--help" || arg === "-h") return void console.log(USAGE)
    else throw new Neo4jLauncherError(`unknown argument ${arg}\n${USAGE}`)
  }
  const log = (text: string) => console.error(text)

  if (resolveOnly) {
    for (const each of line === undefined ? NEO4J_LINES : [line]) {
      const startedAt = Date.now()
      const classpath = await resolveClasspath(each, log)
      log(`Neo4j ${each}: ${classpath.length} jars resolved in ${Date.now() - startedAt} ms`)
    }
    return
  }

  let server: RunningNeo4j | undefined
  // `on`, not `once`: a second signal during the stop must not fall back to the default (instant death).
  const shutdown = () => void (server?.stop() ?? Promise.resolve()).finally(() => process.exit(0))
  process.on("SIGINT", shutdown)
  process.on("SIGTERM", shutdown)
  server = await startNeo4j({
    ...(line !== undefined ? { line } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(tlsLevel !== undefined ? { tlsLevel } : {}),
    onLog: log
  })
  console.log(`NEO4J_READY ${server.uri} version=${server.version} edition=${server.edition}`)
  console.log(`NEO4J_URI=${server.uri} NEO4J_USERNAME=${server.username} NEO4J_PASSWORD=${server.password}`)
  console.log(`NEO4J_JAVA_PID=${server.javaPid} NEO4J_TLS_CERTIFICATE=${server.tlsCertificateFile}`)
}

const isMain = (): boolean => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (isMain()) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Neo4jLauncherError ? `error: ${error.message}` : error)
    process.exit(1)
  })
}
