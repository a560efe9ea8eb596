/**
 * A bare Bolt client for testing the stub server itself, independent of the driver's connection
 * layer: it writes the preamble and requests encoded by `src/bolt/Requests.ts`, and reads responses
 * decoded by `src/bolt/Responses.ts`. Promise-based, real sockets.
 */
import * as Net from "node:net"
import * as ValueCodec from "../../src/bolt/ValueCodec.ts"
import * as Capabilities from "../../src/bolt/Capabilities.ts"
import { Dechunker } from "../../src/bolt/Chunking.ts"
import * as Handshake from "../../src/bolt/Handshake.ts"
import { MessageWriter } from "../../src/bolt/MessageWriter.ts"
import type * as Requests from "../../src/bolt/Requests.ts"
import * as Responses from "../../src/bolt/Responses.ts"
import * as Version from "../../src/bolt/Version.ts"
import type { BoltVersion } from "../../src/bolt/Version.ts"
import { type Neo4jConnectionError, Neo4jProtocolError } from "../../src/Neo4jError.ts"
import { concatBytes } from "../bolt/hex.ts"

/**
 * What {@link RawClient.receive} gives: a response, the socket closing, or an undecodable message.
 */
export type Received = Responses.Response | { readonly _tag: "Closed" } | Neo4jProtocolError

/**
 * A raw Bolt connection.
 */
export class RawClient {
  readonly socket: Net.Socket
  version: BoltVersion = Version.make(5, 8)
  #buffer: Uint8Array = new Uint8Array(0)
  #phase: "handshake" | "messages" = "handshake"
  readonly #dechunker = new Dechunker()
  #closed = false
  #wake: (() => void) | undefined = undefined

  private constructor(socket: Net.Socket) {
    this.socket = socket
    socket.on("data", (data: Uint8Array) => {
      if (this.#phase === "handshake") this.#buffer = concatBytes(this.#buffer, data)
      else this.#dechunker.feed(data)
      this.#signal()
    })
    const closed = () => {
      this.#closed = true
      this.#signal()
    }
    socket.on("close", closed)
    socket.on("end", closed)
    socket.on("error", closed)
  }

  /** Connects to `127.0.0.1:port`. */
  static connect(port: number, host = "127.0.0.1"): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = Net.connect({ port, host }, () => resolve(new RawClient(socket)))
      socket.once("error", reject)
    })
  }

  #signal(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve))
  }

  /** The encode context of the agreed version. */
  get context(): Requests.EncodeContext {
    const capabilities = Capabilities.forVersion(this.version)
    return { capabilities, codec: Capabilities.codecOptions(capabilities) }
  }

  /** Sends the preamble and reads the reply (answering a manifest); the agreed version or an error. */
  async handshake(
    proposals: ReadonlyArray<Handshake.VersionRange> = Handshake.DEFAULT_PROPOSALS
  ): Promise<Handshake.Agreed | Neo4jConnectionError | Neo4jProtocolError | { readonly _tag: "Closed" }> {
    this.socket.write(Handshake.encodePreamble(proposals))
    for (;;) {
      const result = Handshake.decodeReply(this.#buffer, proposals)
      if (result._tag === "NeedMore") {
        if (this.#closed) return { _tag: "Closed" }
        await this.#changed()
        continue
      }
      if (result._tag !== "Agreed") return result
      if (result.answer.length > 0) this.socket.write(result.answer)
      this.version = result.version
      this.#phase = "messages"
      this.#dechunker.feed(this.#buffer.subarray(result.consumed))
      return result
    }
  }

  /** Sends requests encoded by `src/bolt/Requests.ts` encoders, in one write. */
  send(...encoders: ReadonlyArray<(w: MessageWriter, ctx: Requests.EncodeContext) => Requests.EncodeResult>): void {
    const w = new MessageWriter()
    for (const encode of encoders) {
      const error = encode(w, this.context)
      if (error !== undefined) throw new Error(error.message)
    }
    this.socket.write(w.toUint8Array())
  }

  /** Sends raw bytes. */
  sendBytes(bytes: Uint8Array): void {
    this.socket.write(bytes)
  }

  /** The next response, or `Closed`. */
  async receive(): Promise<Received> {
    const reader = ValueCodec.reader(Capabilities.codecOptions(Capabilities.forVersion(this.version)))
    for (;;) {
      const body = this.#dechunker.next()
      if (body instanceof Neo4jProtocolError) return body
      if (body !== undefined) return Responses.decode(reader, body)
      if (this.#closed) return { _tag: "Closed" }
      await this.#changed()
    }
  }

  /** The next `n` responses. */
  async receiveMany(n: number): Promise<Array<Received>> {
    const out: Array<Received> = []
    for (let i = 0; i < n; i++) out.push(await this.receive())
    return out
  }

  /** Waits until the server closes the connection. */
  async closedByServer(): Promise<void> {
    while (!this.#closed) await this.#changed()
  }

  /** Closes the socket. */
  close(): void {
    this.socket.destroy()
  }
}
