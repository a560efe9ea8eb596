/**
 * The launcher CLI leaves no JVM behind, whichever way its Node process ends, and refuses a busy
 * port before it starts one. Only the 5.26 line: the lifecycle code is the same for every line.
 */
import { assert, describe, it } from "@effect/vitest"
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process"
import { readFileSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

const LAUNCHER = fileURLToPath(new URL("../../scripts/neo4j/launcher.ts", import.meta.url))
/** A JVM start next to the global-setup servers on 2 busy cores: 8-25 s measured. */
const START_TIMEOUT_MS = 90_000
const TEST_TIMEOUT_MS = 120_000
/** NeoServer stops in ~0.2-1 s, then the JVM exits (~1-2 s measured); leave room on a busy machine. */
const JAVA_GONE_TIMEOUT_MS = 15_000
const POLL_MS = 100
const PORT_CHECK_TIMEOUT_MS = 10_000

/** A reaped process is gone; an orphan nobody reaps lingers as a zombie, which is gone too. */
const isAlive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z"
  } catch {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
}

const waitUntilGone = async (pid: number, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
  return !isAlive(pid)
}

interface Launched {
  readonly child: ChildProcessWithoutNullStreams
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  readonly stderr: () => string
  javaPid?: number
}

const spawnLauncher = (args: ReadonlyArray<string>): Launched => {
  const child = spawn(process.execPath, [LAUNCHER, ...args])
  let stderr = ""
  child.stderr.on("data", (data: Buffer) => (stderr += data.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal }))
  )
  return { child, exited, stderr: () => stderr }
}

/** Runs `body` with a launched CLI and kills whatever is left of it afterwards, pass or fail. */
const withLauncher = async (args: ReadonlyArray<string>, body: (launched: Launched) => Promise<void>) => {
  const launched = spawnLauncher(args)
  try {
    await body(launched)
  } finally {
    launched.child.kill("SIGKILL")
    if (launched.javaPid !== undefined && isAlive(launched.javaPid)) process.kill(launched.javaPid, "SIGKILL")
  }
}

/** Resolves the Java pid from the CLI's third line, or rejects with the CLI's stderr. */
const waitForReady = (launched: Launched): Promise<{ readonly javaPid: number }> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in ${START_TIMEOUT_MS} ms:\n${launched.stderr()}`)), START_TIMEOUT_MS)
    let sawReady = false
    createInterface({ input: launched.child.stdout }).on("line", (line) => {
      if (line.startsWith("NEO4J_READY bolt://127.0.0.1:")) sawReady = true
      const pid = /^NEO4J_JAVA_PID=(\d+)/.exec(line)
      if (pid !== null && sawReady) {
        clearTimeout(timer)
        launched.javaPid = Number(pid[1])
        resolve({ javaPid: Number(pid[1]) })
      }
    })
    void launched.exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`launcher exited (${signal ?? code}) before ready:\n${launched.stderr()}`))
    })
  })

// In sequence: concurrent starts measured no faster on 2 cores (32 s vs 36 s for both, noisy) and
// make each start slower, closer to its timeout.
describe("launcher CLI (line 5.26)", () => {
  it("stops Java when its Node process gets SIGTERM", { timeout: TEST_TIMEOUT_MS }, () =>
    withLauncher(["--line", "5.26"], async (launched) => {
      const { javaPid } = await waitForReady(launched)
      assert.isTrue(isAlive(javaPid))
      launched.child.kill("SIGTERM")
      assert.isTrue(await waitUntilGone(javaPid, JAVA_GONE_TIMEOUT_MS), `java ${javaPid} outlived SIGTERM`)
      const { code } = await launched.exited
      assert.strictEqual(code, 0, launched.stderr())
    }))

  it("stops Java when its Node process is SIGKILLed (stdin end-of-file)", { timeout: TEST_TIMEOUT_MS }, () =>
    withLauncher(["--line", "5.26"], async (launched) => {
      const { javaPid } = await waitForReady(launched)
      launched.child.kill("SIGKILL")
      await launched.exited
      assert.isTrue(await waitUntilGone(javaPid, JAVA_GONE_TIMEOUT_MS), `java ${javaPid} outlived its SIGKILLed parent`)
    }))
})

describe("launcher CLI port check", () => {
  it("fails fast with a clear message when the port is taken", async () => {
    const blocker: Server = createServer()
    await new Promise<void>((resolve) => blocker.listen({ port: 0, host: "127.0.0.1" }, resolve))
    const address = blocker.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    try {
      const startedAt = Date.now()
      await withLauncher(["--line", "5.26", "--port", String(port)], async (launched) => {
        const { code } = await launched.exited
        assert.strictEqual(code, 1)
        assert.isBelow(Date.now() - startedAt, PORT_CHECK_TIMEOUT_MS)
        assert.include(launched.stderr(), `Port ${port} on 127.0.0.1 is already in use`)
      })
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
  })
})
