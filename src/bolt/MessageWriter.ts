/**
 * A PackStream writer that frames each message into chunks in place, so a pipeline of requests
 * (e.g. RUN + PULL) is encoded and chunked into one buffer and written to the socket at once.
 *
 * @since 0.1.0
 */
import { PackStreamWriter } from "../packstream/Writer.ts"
import * as Chunking from "./Chunking.ts"

const NOT_IN_MESSAGE = -1

/**
 * Encodes and frames outgoing messages. Call {@link MessageWriter.begin}, write the fields with
 * `packer`, then {@link MessageWriter.end}; repeat for pipelined messages; send
 * {@link MessageWriter.view}; {@link MessageWriter.reset} before the next batch. An encoder that
 * fails calls {@link MessageWriter.abort}, so the messages before it stay intact.
 *
 * @since 0.1.0
 * @category encoding
 */
export class MessageWriter {
  readonly packer: PackStreamWriter
  private messageStart = NOT_IN_MESSAGE
  /** end offset of each completed message since the last reset */
  private readonly ends: Array<number> = []

  constructor(initialCapacity?: number) {
    this.packer = initialCapacity === undefined ? new PackStreamWriter() : new PackStreamWriter(initialCapacity)
  }

  /** Starts a message: reserves its first chunk header and writes the struct header. */
  begin(tag: number, fieldCount: number): void {
    this.messageStart = this.packer.length
    this.reserve(Chunking.Chunk.HEADER_BYTES)
    this.packer.writeStructHeader(tag, fieldCount)
  }

  /** Ends the current message: writes its chunk headers and end marker in place. */
  end(): void {
    const start = this.messageStart
    const bodyLength = this.packer.length - start - Chunking.Chunk.HEADER_BYTES
    this.reserve(Chunking.framingOverhead(bodyLength) - Chunking.Chunk.HEADER_BYTES)
    Chunking.frameInPlace(this.packer.view(), start, bodyLength)
    this.messageStart = NOT_IN_MESSAGE
    this.ends.push(this.packer.length)
  }

  /** Drops the message in progress (after a failed encode); completed ones stay. */
  abort(): void {
    if (this.messageStart !== NOT_IN_MESSAGE) this.truncate(this.messageStart)
  }

  /** Drops everything after byte `length` (an earlier value of {@link MessageWriter.length}). */
  truncate(length: number): void {
    const keep = Math.max(0, Math.min(length, this.packer.length))
    if (keep === this.packer.length && this.messageStart === NOT_IN_MESSAGE) return
    // PackStreamWriter can only reset; copy the kept prefix back (failure path only).
    const prefix = this.packer.view().slice(0, keep)
    this.packer.reset()
    if (keep > 0) {
      const { data, offset } = this.packer.rawBytes(keep)
      new Uint8Array(data.buffer, data.byteOffset + offset, keep).set(prefix)
    }
    this.messageStart = NOT_IN_MESSAGE
    while (this.ends.length > 0 && this.ends[this.ends.length - 1]! > keep) this.ends.pop()
  }

  /** Messages completed since the last reset. */
  get messages(): number {
    return this.ends.length
  }

  /** Bytes written since the last reset. */
  get length(): number {
    return this.packer.length
  }

  /** The framed bytes, a view valid until the next write or reset. */
  view(): Uint8Array {
    return this.packer.view()
  }

  /** A copy of the framed bytes. */
  toUint8Array(): Uint8Array {
    return this.packer.toUint8Array()
  }

  /** Drops everything written, keeping the buffer. */
  reset(): void {
    this.packer.reset()
    this.messageStart = NOT_IN_MESSAGE
    this.ends.length = 0
  }

  // Placeholder bytes later overwritten by frameInPlace. PackStream NULL is exactly one byte
  // ("C0: NULL"), so n NULLs advance the writer by n bytes through its public API.
  private reserve(n: number): void {
    for (let i = 0; i < n; i++) this.packer.writeNull()
  }
}
