/**
 * Gives every integration test run real Neo4j servers (design/REAL-NEO4J.md), in this order:
 * 1. NEO4J_URI (+ NEO4J_USERNAME, NEO4J_PASSWORD): that one server;
 * 2. a container runtime: `neo4j:5.26` via @testcontainers/neo4j (other lines: NEO4J_IMAGE_<LINE>);
 * 3. the embedded launcher (scripts/neo4j) for each line of NEO4J_LINES (default "5.26,2026"),
 *    one after the other (NEO4J_PARALLEL_START=1 starts them together).
 * Tests read them with `inject("neo4jServers")`. No server means a failed run, never a skipped one.
 */
import { randomBytes } from "node:crypto"
import type { TestProject } from "vitest/node"
import { NEO4J_LINES, startNeo4j, type Neo4jLine } from "../../scripts/neo4j/launcher.ts"
import { identifyServer } from "./rawBolt.ts"

/** One server as the tests see it (structured-clone safe: no functions). */
export interface ProvidedNeo4jServer {
  /** Unique and stable, e.g. `embedded-5.26`; used in test names. */
  readonly name: string
  /** `5.26`, `2026`, or major.minor of a server we did not pick. */
  readonly line: string
  readonly source: "env" | "container" | "embedded"
  readonly uri: string
  readonly host: string
  readonly port: number
  readonly username: string
  readonly password: string
  readonly version: string
  readonly edition: string
  /** Only for servers whose certificate we made (the embedded ones). */
  readonly tlsCertificateFile?: string
}

declare module "vitest" {
  export interface ProvidedContext {
    neo4jServers: ReadonlyArray<ProvidedNeo4jServer>
  }
}

interface Started {
  readonly server: ProvidedNeo4jServer
  readonly stop: () => Promise<void>
}

const DEFAULT_BOLT_PORT = 7687
const DEFAULT_USERNAME = "neo4j"
/** getContainerRuntimeClient fails within milliseconds without an engine; a hung socket must not stall us. */
const CONTAINER_PROBE_TIMEOUT_MS = 5_000
const CONTAINER_IMAGES: Partial<Record<Neo4jLine, string>> = { "5.26": "neo4j:5.26" }
const PASSWORD_BYTES = 12
/**
 * Embedded lines start one after the other unless NEO4J_PARALLEL_START=1 (for machines with more
 * cores). Measured on our 2-core machines, both lines, warm classpath, other work running:
 * in sequence 16.3 / 17.1 / 20.9 s in total (each line 8-13 s); in parallel 16.7 / 21.8 / 22.9 s
 * (each line 16-23 s). Two cold JVMs fight over 2 cores for JIT and class loading: no gain.
 */
const START_EMBEDDED_IN_PARALLEL = process.env["NEO4J_PARALLEL_START"] === "1"

const log = (text: string) => console.log(`[neo4j] ${text}`)

const lineOfVersion = (version: string): string => {
  const [major, minor] = version.split(".")
  if (major !== undefined && Number(major) >= 2025) return major
  return `${major}.${minor}`
}

const requestedLines = (): ReadonlyArray<Neo4jLine> => {
  const raw = process.env["NEO4J_LINES"]
  if (raw === undefined || raw.trim() === "") return NEO4J_LINES
  return raw.split(",").map((entry) => entry.trim()).map((entry) => {
    const line = NEO4J_LINES.find((known) => known === entry)
    if (line === undefined) throw new Error(`NEO4J_LINES: unknown line "${entry}" (known: ${NEO4J_LINES.join(", ")})`)
    return line
  })
}

const fromEnvironment = async (uri: string): Promise<Started> => {
  const url = new URL(uri)
  const address = {
    uri,
    host: url.hostname,
    port: url.port === "" ? DEFAULT_BOLT_PORT : Number(url.port),
    username: process.env["NEO4J_USERNAME"] ?? DEFAULT_USERNAME,
    password: process.env["NEO4J_PASSWORD"] ?? ""
  }
  const identity = await identifyServer(address).catch((error: unknown) => {
    throw new Error(`NEO4J_URI=${uri} is set but the server cannot be used: ${String(error)}`, { cause: error })
  })
  const server = { name: "env", line: lineOfVersion(identity.version), source: "env" as const, ...address, ...identity }
  return { server, stop: async () => {} }
}

/** Undefined when no container runtime answers; the reason is logged. */
const containerRuntime = async (): Promise<typeof import("@testcontainers/neo4j") | undefined> => {
  const { getContainerRuntimeClient } = await import("testcontainers")
  const probe = getContainerRuntimeClient().then(() => undefined, (error: unknown) => String(error))
  const timeout = new Promise<string>((resolve) => {
    setTimeout(() => resolve(`no answer within ${CONTAINER_PROBE_TIMEOUT_MS} ms`), CONTAINER_PROBE_TIMEOUT_MS).unref()
  })
  const problem = await Promise.race([probe, timeout])
  if (problem !== undefined) {
    log(`no container runtime (${problem}); using the embedded launcher`)
    return undefined
  }
  return import("@testcontainers/neo4j")
}

const fromContainer = async (
  module: typeof import("@testcontainers/neo4j"),
  line: Neo4jLine,
  image: string
): Promise<Started> => {
  const password = randomBytes(PASSWORD_BYTES).toString("base64url")
  const container = await new module.Neo4jContainer(image).withPassword(password).start()
  const uri = container.getBoltUri()
  const url = new URL(uri)
  const address = { uri, host: url.hostname, port: Number(url.port), username: container.getUsername(), password }
  const identity = await identifyServer(address)
  const server = { name: `container-${line}`, line, source: "container" as const, ...address, ...identity }
  return { server, stop: async () => void (await container.stop()) }
}

const fromLauncher = async (line: Neo4jLine): Promise<Started> => {
  const startedAt = Date.now()
  const running = await startNeo4j({ line })
  log(`embedded-${line}: started in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`)
  const { uri, host, port, username, password, version, edition, tlsCertificateFile } = running
  const server = {
    name: `embedded-${line}`,
    line,
    source: "embedded" as const,
    uri, host, port, username, password, version, edition, tlsCertificateFile
  }
  return { server, stop: running.stop }
}

const containerImage = (line: Neo4jLine): string | undefined =>
  process.env[`NEO4J_IMAGE_${line.replace(".", "_")}`] ?? CONTAINER_IMAGES[line]

const startAll = async (started: Array<Started>): Promise<void> => {
  const uri = process.env["NEO4J_URI"]
  if (uri !== undefined && uri !== "") {
    started.push(await fromEnvironment(uri))
    return
  }
  const lines = requestedLines()
  const containers = lines.some((line) => containerImage(line) !== undefined) ? await containerRuntime() : undefined
  const embedded: Array<Neo4jLine> = []
  for (const line of lines) {
    const image = containerImage(line)
    if (containers !== undefined && image !== undefined) started.push(await fromContainer(containers, line, image))
    else embedded.push(line)
  }
  if (START_EMBEDDED_IN_PARALLEL) {
    const results = await Promise.allSettled(embedded.map(fromLauncher))
    for (const result of results) if (result.status === "fulfilled") started.push(result.value)
    const failure = results.find((result) => result.status === "rejected")
    if (failure !== undefined) throw failure.reason
  } else {
    for (const line of embedded) started.push(await fromLauncher(line))
  }
}

const stopAll = async (started: ReadonlyArray<Started>): Promise<void> => {
  await Promise.allSettled(started.map((each) => each.stop()))
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const startedAt = Date.now()
  const started: Array<Started> = []
  try {
    await startAll(started)
  } catch (error) {
    await stopAll(started)
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(`Could not provide Neo4j servers for the integration tests: ${reason}`, { cause: error })
  }
  if (started.length === 0) throw new Error("No Neo4j server for the integration tests: NEO4J_LINES selected none")
  for (const { server } of started) {
    log(`${server.name}: Neo4j ${server.version} ${server.edition} at ${server.uri}`)
  }
  log(`ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`)
  project.provide("neo4jServers", started.map((each) => each.server))
  return () => stopAll(started)
}
