/**
 * Plays one connection script on one accepted socket: the handshake, then each step in order
 * (expect a client message, send replies, delay, close, go silent...), recording every message the
 * client sends. Plain async code on real timers: it is not driven by the Effect clock of the test,
 * so `TestClock` only moves the driver's time, never the server's.
 */
import type { Socket } from "node:net"
import { setTimeout as sleep } from "node:timers/promises"
import { Dechunker } from "../../src/bolt/Chunking.ts"
import * as Handshake from "../../src/bolt/Handshake.ts"
import * as Version from "../../src/bolt/Version.ts"
import type { BoltVersion } from "../../src/bolt/Version.ts"
import { Neo4jProtocolError } from "../../src/Neo4jError.ts"
import type { PackStreamReader } from "../../src/packstream/Reader.ts"
import { formatValue, match } from "./Pattern.ts"
import type { ConnectionScript, ExpectStep, HandshakeStep, Step } from "./Script.ts"
import { Code, DEFAULT_VERSION, describeClientMessage, describeServerMessage, describeStep, failureSpec, handshake } from "./Script.ts"
import type { ClientMessage, ServerMessage } from "./Wire.ts"
import { concatBytes } from "../bolt/hex.ts"
import * as Wire from "./Wire.ts"

/**
 * A message the server received, with where it came from.
 */
export interface ReceivedMessage extends ClientMessage {
  /** index of the connection on its server, in order of acceptance (0-based) */
  readonly connection: number
  /** index of the message on its connection (0-based) */
  readonly index: number
}

/**
 * Where a connection stands.
 */
export type PlayerState =
  | "handshake" // waiting for or answering the preamble
  | "playing" // steps left to play
  | "complete" // every required step played; trailing GOODBYE and optional steps still accepted
  | "silent" // a `S.silent()` step ended the script; the socket stays open
  | "closed" // a `S.close()`/`S.abort()` step ended the script
  | "diverged" // the client did something the script does not allow
  | "aborted" // the server shut down first

/**
 * What a player needs from its server.
 */
export interface PlayerHost {
  readonly label: string
  readonly allowTrailingGoodbye: boolean
  readonly answerDivergence: boolean
  readonly optionalWindowMillis: number
  /** a connection diverged: record the report */
  problem(report: string): void
  /** something changed (a message arrived, a state moved): wake waiters */
  notify(): void
  /** a script of an any-order group was chosen: false when another connection took its last slot */
  claim(script: ConnectionScript): boolean
}

const ABORTED: unique symbol = Symbol("aborted")
const CLOSED: unique symbol = Symbol("closed")
type Next = ClientMessage | typeof ABORTED | typeof CLOSED

const INDENT = "    "

const isEnd = (step: Step | undefined): boolean => step === undefined

/**
 * One connection being played.
 */
export class ConnectionPlayer {
  readonly index: number
  state: PlayerState = "handshake"
  /** the script it is bound to (an any-order connection binds late) */
  script: ConnectionScript | undefined
  version: BoltVersion | undefined = undefined
  /** the client's handshake proposals */
  proposals: ReadonlyArray<Handshake.VersionRange> = []
  /** whether the version was agreed through manifest v1 */
  manifest = false
  readonly received: Array<ReceivedMessage> = []
  readonly transcript: Array<string> = []
  /** the step it waits at (for "did not play to the end" reports) */
  waitingAt: string | undefined = undefined
  clientClosed = false

  readonly #host: PlayerHost
  readonly #socket: Socket
  readonly #candidates: Array<ConnectionScript>
  /** the candidates belong to an any-order group: one is claimed when the connection binds */
  readonly #late: boolean
  #handshakeBytes: Uint8Array = new Uint8Array(0)
  #phase: "handshake" | "messages" = "handshake"
  readonly #dechunker = new Dechunker()
  #reader: PackStreamReader | undefined = undefined
  #codecVersion: BoltVersion = DEFAULT_VERSION
  #utcPatch = false
  readonly #inbox: Array<ClientMessage> = []
  #wake: (() => void) | undefined = undefined
  #last: ClientMessage | undefined = undefined
  readonly #abort = new AbortController()

  constructor(host: PlayerHost, socket: Socket, index: number, candidates: ReadonlyArray<ConnectionScript>, late: boolean) {
    this.#host = host
    this.#socket = socket
    this.index = index
    this.#candidates = [...candidates]
    this.#late = late
    this.script = candidates.length === 1 ? candidates[0] : undefined
    socket.setNoDelay(true)
    socket.on("data", (data: Uint8Array) => this.#onData(data))
    socket.on("end", () => this.#onClientClosed())
    socket.on("close", () => this.#onClientClosed())
    socket.on("error", () => this.#onClientClosed())
  }

  /** Whether the script has nothing required left (or ended by its own close/silence). */
  get complete(): boolean {
    return this.state === "complete" || this.state === "silent" || this.state === "closed"
  }

  /** Plays the script; never rejects. */
  async play(): Promise<void> {
    try {
      await this.#play()
    } catch (error) {
      if (this.state !== "aborted") this.#diverge(`the stub server failed: ${error instanceof Error ? error.stack : String(error)}`)
    } finally {
      this.#host.notify()
    }
  }

  /** Stops playing and drops the socket (server shutdown). */
  abort(): void {
    if (this.state === "handshake" || this.state === "playing") this.state = "aborted"
    this.#abort.abort()
    this.#socket.destroy()
    this.#signal()
  }

  /** The conversation so far, one line per event, indented for reports. */
  describe(): string {
    const name = this.script?.name === undefined ? "" : ` (script "${this.script.name}")`
    return [`connection #${this.index}${name}:`, ...this.transcript.map((line) => `${INDENT}${line}`)].join("\n")
  }

  // -------------------------------------------------------------------------------------------
  // Input

  #onData(data: Uint8Array): void {
    if (this.#phase === "handshake") {
      this.#handshakeBytes = concatBytes(this.#handshakeBytes, data)
      this.#signal()
      return
    }
    this.#feed(data)
  }

  #feed(data: Uint8Array): void {
    if (data.length === 0) return
    this.#dechunker.feed(data)
    for (;;) {
      const body = this.#dechunker.next()
      if (body === undefined) break
      if (body instanceof Neo4jProtocolError) {
        this.#diverge(`the client sent bytes that are no Bolt chunk: ${body.message}`)
        return
      }
      const decoded = Wire.decodeClientMessage(this.#reader ?? Wire.readerFor(this.#codecVersion), body)
      if (typeof decoded === "string") {
        this.#diverge(`the client sent a message that does not decode: ${decoded}`)
        return
      }
      const received: ReceivedMessage = { ...decoded, connection: this.index, index: this.received.length }
      this.received.push(received)
      this.transcript.push(`C: ${describeClientMessage(decoded)}`)
      this.#inbox.push(decoded)
    }
    this.#signal()
  }

  #onClientClosed(): void {
    if (this.clientClosed) return
    this.clientClosed = true
    if (this.state !== "aborted") this.transcript.push("C: <closed the connection>")
    this.#signal()
  }

  #signal(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
    this.#host.notify()
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve
    })
  }

  get #stopped(): boolean {
    return this.#abort.signal.aborted || this.state === "diverged"
  }

  async #next(consume: boolean, windowMillis?: number): Promise<Next | undefined> {
    const deadline = windowMillis === undefined ? undefined : Date.now() + windowMillis
    for (;;) {
      if (this.#stopped) return ABORTED
      const head = this.#inbox[0]
      if (head !== undefined) {
        if (consume) this.#inbox.shift()
        return head
      }
      if (this.clientClosed) return CLOSED
      if (deadline === undefined) {
        await this.#changed()
      } else {
        const left = deadline - Date.now()
        if (left <= 0) return undefined
        await Promise.race([this.#changed(), sleep(left, undefined, { signal: this.#abort.signal }).catch(() => undefined)])
      }
    }
  }

  async #bytes(n: number): Promise<boolean> {
    while (this.#handshakeBytes.length < n) {
      if (this.#stopped || this.clientClosed) return false
      await this.#changed()
    }
    return true
  }

  // -------------------------------------------------------------------------------------------
  // Output

  #write(bytes: Uint8Array): void {
    if (this.#socket.destroyed || !this.#socket.writable) return
    this.#socket.write(bytes)
  }

  #send(messages: ReadonlyArray<ServerMessage>): void {
    const version = this.#codecVersion
    this.#write(Wire.encodeServerMessages(messages, version, Wire.codecFor(version, this.#utcPatch)))
    for (const message of messages) {
      this.transcript.push(`S: ${describeServerMessage(message, version)}`)
      // Bolt 4.4: once the server acknowledges `patch_bolt: ["utc"]`, DateTime uses the UTC structs.
      if (message._tag === "SUCCESS" && version.major === 4) {
        const patches = message.metadata.patch_bolt
        if (Array.isArray(patches) && patches.includes("utc")) {
          this.#utcPatch = true
          this.#reader = Wire.readerFor(version, true)
        }
      }
    }
  }

  #diverge(reason: string, expected?: string, actual?: string): void {
    if (this.state === "diverged" || this.#abort.signal.aborted) return
    const wasWaitingAt = this.waitingAt
    this.state = "diverged"
    const lines = [`${this.#host.label}, connection #${this.index}${this.script?.name === undefined ? "" : ` (script "${this.script.name}")`} diverged from its script:`]
    if (expected !== undefined) lines.push(`  expected: ${expected.split("\n").join(`\n${INDENT}      `)}`)
    if (actual !== undefined) lines.push(`  actual:   ${actual}`)
    lines.push(`  ${expected === undefined ? "problem" : "mismatch"}: ${reason}`)
    if (expected === undefined && wasWaitingAt !== undefined) lines.push(`  waiting at: ${wasWaitingAt}`)
    lines.push("  conversation so far:", ...this.transcript.map((line) => `${INDENT}${line}`))
    const report = lines.join("\n")
    this.transcript.push(`!! diverged: ${reason}`)
    this.#host.problem(report)
    if (this.#host.answerDivergence && !this.clientClosed && this.#phase === "messages") {
      const summary = expected === undefined ? reason : `expected ${expected.split("\n")[0]}, got ${actual ?? "nothing"}: ${reason}`
      this.#send([{ _tag: "FAILURE", failure: failureSpec(Code.SCRIPT_DIVERGENCE, `Stub script divergence: ${summary}`) }])
    }
    this.#socket.end()
    this.#signal()
  }

  // -------------------------------------------------------------------------------------------
  // Playing

  async #play(): Promise<void> {
    const first = this.#candidates[0]!.steps[0]
    const hs = first?._tag === "Handshake" ? first : handshake()
    if (!(await this.#handshake(hs))) return
    this.state = "playing"
    const version = this.version!
    const scripts = this.#candidates.map((script) => ({
      script,
      steps: expand(script.steps[0]?._tag === "Handshake" ? script.steps.slice(1) : script.steps, version)
    }))
    // Any-order connections: play the prefix the candidates share, then bind at the first difference.
    let pos = 0
    let chosen = scripts.length === 1 ? (this.#late ? this.#bind(scripts, () => true) : scripts[0]!) : undefined
    while (chosen === undefined) {
      const described = scripts.map((s) => (isEnd(s.steps[pos]) ? "<end>" : describeStep(s.steps[pos]!, version)))
      if (described.every((d) => d === described[0])) {
        const step = scripts[0]!.steps[pos]
        if (step === undefined) {
          chosen = this.#bind(scripts, () => true)
          break
        }
        if (!(await this.#step(step, scripts[0]!.steps.slice(pos + 1)))) return
        pos++
        continue
      }
      const atPos = scripts.map((s) => s.steps[pos])
      if (atPos.every((s) => s?._tag === "Expect")) {
        const next = await this.#next(false)
        if (next === ABORTED || next === undefined) return
        chosen = this.#bind(
          scripts,
          (s) => next !== CLOSED && matchMessage(s.steps[pos] as ExpectStep, next) === undefined
        )
      } else {
        chosen = this.#bind(scripts, () => true)
      }
    }
    if (await this.#run(chosen.steps.slice(pos))) await this.#trailing()
  }

  #bind<T extends { readonly script: ConnectionScript }>(scripts: ReadonlyArray<T>, fits: (s: T) => boolean): T {
    const pick = scripts.find((s) => fits(s) && this.#host.claim(s.script)) ??
      scripts.find((s) => this.#host.claim(s.script)) ?? scripts[0]!
    this.script = pick.script
    return pick
  }

  async #handshake(step: HandshakeStep): Promise<boolean> {
    this.waitingAt = "C: <handshake preamble>"
    if (!(await this.#bytes(Wire.PREAMBLE_BYTES))) {
      if (!this.#stopped) this.#diverge("the client closed the connection before sending the handshake")
      return false
    }
    const preamble = Wire.decodePreamble(this.#handshakeBytes)
    this.proposals = preamble.proposals
    this.transcript.push(`C: <handshake ${preamble.proposals.map(formatProposal).join(", ") || "with no proposals"}>`)
    if (!preamble.magicOk) {
      this.#diverge(`the client did not start with the Bolt magic 60 60 B0 17: ${formatValue(this.#handshakeBytes.subarray(0, 4))}`)
      return false
    }
    let rest = this.#handshakeBytes.subarray(Wire.PREAMBLE_BYTES)
    const version = step.version
    this.version = version
    this.#codecVersion = version
    if (step.reply !== undefined) {
      this.#write(step.reply)
      this.transcript.push(`S: <handshake reply ${formatValue(step.reply)}>`)
    } else if (step.manifest === "always" || (step.manifest === "auto" && preamble.manifest)) {
      if (!preamble.manifest) {
        this.#diverge("the script answers with manifest v1, but the client did not offer the manifest sentinel 00 00 01 FF")
        return false
      }
      this.#write(Wire.encodeManifestReply(version))
      this.transcript.push(`S: <handshake manifest v1 offering ${Version.format(version)}>`)
      this.waitingAt = "C: <manifest v1 answer>"
      for (;;) {
        const answer = Wire.decodeManifestAnswer(rest)
        if (answer === "more") {
          const had = this.#handshakeBytes.length
          if (!(await this.#bytes(had + 1))) {
            if (!this.#stopped) this.#diverge("the client closed the connection before answering the manifest")
            return false
          }
          rest = this.#handshakeBytes.subarray(Wire.PREAMBLE_BYTES)
          continue
        }
        if (typeof answer === "string") {
          this.#diverge(`the client's manifest answer is malformed: ${answer}`)
          return false
        }
        this.transcript.push(`C: <manifest answer ${Version.format(answer.version)}, capabilities ${answer.capabilities}>`)
        if (!Version.equals(answer.version, version)) {
          this.#diverge(`the client chose Bolt ${Version.format(answer.version)} from a manifest offering only ${Version.format(version)}`)
          return false
        }
        rest = rest.subarray(answer.consumed)
        this.manifest = true
        break
      }
    } else {
      if (!preamble.proposals.some((p) => Handshake.rangeIncludes(p, version))) {
        this.#write(Wire.NO_VERSION_REPLY)
        this.#diverge(`the script agrees on Bolt ${Version.format(version)}, which the client did not propose`)
        return false
      }
      this.#write(Wire.encodeVersionReply(version))
      this.transcript.push(`S: <handshake ${Version.format(version)}>`)
    }
    this.#phase = "messages"
    this.#reader = Wire.readerFor(version)
    this.#feed(rest)
    return true
  }

  /**
   * Plays steps in order; false when the script ended early (closed, silent, diverged, aborted).
   * `after` are the steps that follow these (for optional steps nested in optional steps).
   */
  async #run(steps: ReadonlyArray<Step>, after: ReadonlyArray<Step> = []): Promise<boolean> {
    for (let i = 0; i < steps.length; i++) {
      if (!(await this.#step(steps[i]!, [...steps.slice(i + 1), ...after]))) return false
    }
    return true
  }

  /** Plays one step; `rest` are the steps after it (to know whether optional steps end the script). */
  async #step(step: Step, rest: ReadonlyArray<Step>): Promise<boolean> {
    if (this.#stopped) return false
    const version = this.#codecVersion
    switch (step._tag) {
      case "Handshake":
        this.#diverge("a handshake step must be the first step of a connection script")
        return false
      case "Dynamic":
        return this.#run(expand(step.expand(version), version), rest)
      case "Expect": {
        const expected = describeStep(step, version)
        this.waitingAt = expected
        const next = await this.#next(true)
        if (next === ABORTED || next === undefined) return false
        if (next === CLOSED) {
          this.#diverge("the client closed the connection", expected, "<closed the connection>")
          return false
        }
        const reason = matchMessage(step, next)
        if (reason !== undefined) {
          this.#diverge(reason, expected, `C: ${describeClientMessage(next)}`)
          return false
        }
        this.#last = next
        this.waitingAt = undefined
        return true
      }
      case "Send":
        this.#send(step.messages)
        return true
      case "Respond":
        this.#send(step.reply({ version, connection: this.index, received: this.#last }))
        return true
      case "Raw":
        this.#write(step.bytes)
        this.transcript.push(`S: ${step.label}`)
        return true
      case "Delay":
        this.waitingAt = describeStep(step)
        await sleep(step.millis, undefined, { signal: this.#abort.signal }).catch(() => undefined)
        this.transcript.push(`S: <waited ${step.millis} ms>`)
        return !this.#stopped
      case "Close":
        this.transcript.push(step.abort ? "S: <aborted the connection>" : "S: <closed the connection>")
        this.state = "closed"
        if (step.abort) this.#socket.resetAndDestroy()
        else this.#socket.end()
        this.#host.notify()
        return false
      case "Silent":
        this.transcript.push("S: <silent from here on>")
        this.state = "silent"
        this.#host.notify()
        return false
      case "Optional":
        return this.#optional(step.steps, step.repeat, rest)
    }
  }

  async #optional(steps: ReadonlyArray<Step>, repeat: boolean, rest: ReadonlyArray<Step>): Promise<boolean> {
    const first = steps[0] as ExpectStep
    const endsScript = rest.every((s) => s._tag === "Optional")
    // Followed by a client message, wait for it; followed by server actions, give the client a short
    // window to send the optional message first.
    const nextIsServer = !endsScript && rest.find((s) => s._tag !== "Optional")?._tag !== "Expect"
    for (;;) {
      if (endsScript) this.#setComplete(true)
      const next = await this.#next(false, nextIsServer ? this.#host.optionalWindowMillis : undefined)
      if (next === ABORTED) return false
      if (endsScript) this.#setComplete(false)
      if (next === undefined || next === CLOSED || matchMessage(first, next) !== undefined) return true
      if (!(await this.#run(steps, rest))) return false
      if (!repeat) return true
    }
  }

  #setComplete(complete: boolean): void {
    if (complete && this.state === "playing") this.state = "complete"
    else if (!complete && this.state === "complete") this.state = "playing"
    this.#host.notify()
  }

  /** After the last step: a GOODBYE (when allowed) and the client closing are fine; anything else is not. */
  async #trailing(): Promise<void> {
    this.waitingAt = undefined
    this.#setComplete(true)
    for (;;) {
      const next = await this.#next(true)
      if (next === ABORTED || next === CLOSED || next === undefined) return
      if (next.name === "GOODBYE" && this.#host.allowTrailingGoodbye) continue
      this.state = "playing"
      this.#diverge("the client sent a message after the end of the script", "<end of script>", `C: ${describeClientMessage(next)}`)
      return
    }
  }
}

/** Whether a client message fits an `Expect` step: `undefined`, or why not. */
export const matchMessage = (step: ExpectStep, message: ClientMessage): string | undefined => {
  if (step.alternatives !== undefined) {
    const reasons = step.alternatives.map((alternative) => matchMessage(alternative, message))
    return reasons.includes(undefined) ? undefined : reasons.join("; or ")
  }
  if (message.name !== step.name) return `expected a ${step.name} message, got ${message.name}`
  if (step.fields === undefined) return undefined
  const names = Wire.RequestFieldNames[step.name]
  if (message.fields.length !== step.fields.length) {
    return `${step.name} has ${message.fields.length} fields, expected ${step.fields.length}`
  }
  for (let i = 0; i < step.fields.length; i++) {
    const reason = match(step.fields[i], message.fields[i], names[i] ?? `field${i}`)
    if (reason !== undefined) return reason
  }
  return undefined
}

/** Expands version-dependent steps (also inside optional ones) once the version is known. */
const expand = (steps: ReadonlyArray<Step>, version: BoltVersion): ReadonlyArray<Step> =>
  steps.flatMap((step): ReadonlyArray<Step> => {
    if (step._tag === "Dynamic") return expand(step.expand(version), version)
    if (step._tag === "Optional") return [{ ...step, steps: expand(step.steps, version) }]
    return [step]
  })

/**
 * A handshake proposal as reports print it: `manifest-v1`, `5.8-5.6`, `4.4`.
 */
export const formatProposal = (p: Handshake.VersionRange): string =>
  Handshake.isManifestV1(p) ? "manifest-v1" : Handshake.formatRange(p)
