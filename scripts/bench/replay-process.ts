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
  /** `bolt+ssc://` address of the TLS listener (`tls: true`) */
  readonly tlsUri?: string | undefined
  /** `neo4j://` address of the stub cluster's first server (`cluster: n`), and its control port */
  readonly cluster?: { readonly uri: string; readonly ports: ReadonlyArray<number>; readonly control: number } | undefined
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
 * Starts the replay server for `sizes` (with a TLS listener and a stub cluster when asked) and
 * waits until it listens.
 *
 * @since 0.1.0
 * @category constructors
 */
export const spawnReplayServer = async (
  sizes: Sizes,
  options: { readonly tls?: boolean; readonly cluster?: number } = {}
): Promise<ReplayProcess> => {
  const args = [REPLAY, "--sizes", JSON.stringify(sizes)]
  if (options.tls === true) args.push("--tls")
  if (options.cluster !== undefined) args.push("--cluster", String(options.cluster))
  const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] })
  let tlsUri: string | undefined
  let cluster: ReplayProcess["cluster"]
  const port = await new Promise<number>((resolvePort, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const tls = /^REPLAY_TLS (\d+)$/.exec(line)
      if (tls !== null) tlsUri = `bolt+ssc://127.0.0.1:${tls[1]}`
      const stub = /^REPLAY_CLUSTER ([\d,]+) (\d+)$/.exec(line)
      if (stub !== null) {
        const ports = stub[1]!.split(",").map(Number)
        cluster = { uri: `neo4j://127.0.0.1:${ports[0]}`, ports, control: Number(stub[2]) }
      }
      const match = /^REPLAY_READY (\d+)$/.exec(line)
      if (match !== null) resolvePort(Number(match[1]))
    })
    child.once("exit", (code) => reject(new Error(`replay server exited with ${code} before it was ready`)))
  })
  return { uri: `bolt://127.0.0.1:${port}`, pid: child.pid!, tlsUri, cluster, stop: () => stopChild(child) }
}
