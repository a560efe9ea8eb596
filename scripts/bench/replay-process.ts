/**
 * The replay server (`replay-server.ts`) in a process of its own, as `run.ts` and `floor.ts` start
 * it: the parent reads `REPLAY_READY <port>` from its stdout, and stops it by closing its stdin
 * (and SIGTERM). This module imports neither driver nor the codec, so a measured process that
 * starts the server loads nothing for it.
 *
 * @since 0.1.0
 */
import { type ChildProcess, spawn } from "node:child_process"
import { dirname, join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import type { Sizes } from "./queries.ts"

const REPLAY = join(dirname(fileURLToPath(import.meta.url)), "replay-server.ts")

/**
 * A running replay-server process.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReplayProcess {
  readonly uri: string
  readonly pid: number
  readonly stop: () => Promise<void>
}

/**
 * Ends a child process: closes its stdin, sends SIGTERM, and resolves once it has exited.
 *
 * @since 0.1.0
 * @category utils
 */
export const stopChild = (child: ChildProcess): Promise<void> =>
  new Promise((done) => {
    if (child.exitCode !== null) return done()
    child.once("exit", () => done())
    child.stdin?.end()
    child.kill("SIGTERM")
  })

/**
 * Starts the replay server for `sizes` and waits until it listens.
 *
 * @since 0.1.0
 * @category constructors
 */
export const spawnReplayServer = async (sizes: Sizes): Promise<ReplayProcess> => {
  const child = spawn(process.execPath, [REPLAY, "--sizes", JSON.stringify(sizes)], {
    stdio: ["pipe", "pipe", "inherit"]
  })
  const port = await new Promise<number>((resolvePort, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const match = /^REPLAY_READY (\d+)$/.exec(line)
      if (match !== null) resolvePort(Number(match[1]))
    })
    child.once("exit", (code) => reject(new Error(`replay server exited with ${code} before it was ready`)))
  })
  return { uri: `bolt://127.0.0.1:${port}`, pid: child.pid!, stop: () => stopChild(child) }
}
