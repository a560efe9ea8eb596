/**
 * Bolt chunking: a message body travels as `[u16 length][payload]...` chunks closed by `00 00`; an
 * empty chunk between messages is a keep-alive NOOP. This module frames outgoing bodies and turns
 * an incoming byte stream, split anywhere by TCP, back into message bodies.
 *
 * Spec: https://neo4j.com/docs/bolt/current/bolt/message/#chunking
 *
 * @since 0.1.0
 */
import { Neo4jProtocolError } from "../Neo4jError.ts"

/**
 * Wire constants of chunking.
 *
 * @since 0.1.0
 * @category constants
 */
export const Chunk = {
  /** "Chunk headers are 16-bit unsigned integers" */
  HEADER_BYTES: 2,
  /** "the maximum theoretical chunk size permitted is 65,535 bytes" */
  MAX_PAYLOAD: 0xffff,
  /** "Each encoded message must be terminated with a chunk of zero size, i.e. 00 00" */
  END_MARKER_BYTES: 2,
  /** bits of the high byte in the big-endian u16 header */
  HIGH_BYTE_SHIFT: 8,
  LOW_BYTE_MASK: 0xff
} as const

/**
 * Default upper bound of one incoming message (256 MiB). Chunk headers cap each chunk at 64 KiB, so
 * memory only grows with bytes that really arrive; this stops a runaway stream from growing one
 * message forever.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024

/**
 * How many bytes framing adds to a body of `bodyLength` bytes: one header per started chunk plus
 * the end marker.
 *
 * @since 0.1.0
 * @category encoding
 */
export const framingOverhead = (bodyLength: number): number =>
  Math.ceil(bodyLength / Chunk.MAX_PAYLOAD) * Chunk.HEADER_BYTES + Chunk.END_MARKER_BYTES

/**
 * Writes the chunked form of `body` into `out` at `offset`, returning the offset after it. `out`
 * must have room for `body.length + framingOverhead(body.length)` bytes.
 *
 * @since 0.1.0
 * @category encoding
 */
export const writeChunked = (out: Uint8Array, offset: number, body: Uint8Array): number => {
  let at = offset
  for (let start = 0; start < body.length; start += Chunk.MAX_PAYLOAD) {
    const size = Math.min(Chunk.MAX_PAYLOAD, body.length - start)
    out[at] = size >>> Chunk.HIGH_BYTE_SHIFT
    out[at + 1] = size & Chunk.LOW_BYTE_MASK
    out.set(body.subarray(start, start + size), at + Chunk.HEADER_BYTES)
    at += Chunk.HEADER_BYTES + size
  }
  out[at] = 0
  out[at + 1] = 0
  return at + Chunk.END_MARKER_BYTES
}

/**
 * The chunked form of one message body (`00 00` alone for an empty body, which is a NOOP).
 *
 * @since 0.1.0
 * @category encoding
 */
export const chunk = (body: Uint8Array): Uint8Array => {
  const out = new Uint8Array(body.length + framingOverhead(body.length))
  writeChunked(out, 0, body)
  return out
}

/**
 * Frames a body in place. `buffer[start, start + 2)` was reserved for the first header, the body
 * follows, and `buffer` has `framingOverhead(bodyLength) - 2` spare bytes after the body. Bodies
 * above 64 KiB are split by moving their tail chunks right (one `copyWithin` each), so a whole
 * pipeline (RUN + PULL) is framed in the buffer it was encoded into. Returns the end offset.
 *
 * @since 0.1.0
 * @category encoding
 */
export const frameInPlace = (buffer: Uint8Array, start: number, bodyLength: number): number => {
  const chunks = Math.ceil(bodyLength / Chunk.MAX_PAYLOAD)
  const bodyStart = start + Chunk.HEADER_BYTES
  const end = start + bodyLength + chunks * Chunk.HEADER_BYTES + Chunk.END_MARKER_BYTES
  // Move chunks last to first: chunk i (0-based) shifts right by i headers.
  for (let i = chunks - 1; i >= 0; i--) {
    const from = bodyStart + i * Chunk.MAX_PAYLOAD
    const size = Math.min(Chunk.MAX_PAYLOAD, bodyLength - i * Chunk.MAX_PAYLOAD)
    const header = start + i * (Chunk.MAX_PAYLOAD + Chunk.HEADER_BYTES)
    if (i > 0) buffer.copyWithin(header + Chunk.HEADER_BYTES, from, from + size)
    buffer[header] = size >>> Chunk.HIGH_BYTE_SHIFT
    buffer[header + 1] = size & Chunk.LOW_BYTE_MASK
  }
  buffer[end - 2] = 0
  buffer[end - 1] = 0
  return end
}

/**
 * Options of a {@link Dechunker}.
 *
 * @since 0.1.0
 * @category models
 */
export interface DechunkerOptions {
  /** largest accepted message body; a longer one fails the stream (default 256 MiB) */
  readonly maxMessageBytes?: number | undefined
}

const NO_BYTE = -1

/**
 * Incremental de-chunker. Feed it socket pieces of any size with {@link Dechunker.feed}, then call
 * {@link Dechunker.next} until it returns `undefined`. NOOP chunks between messages are skipped.
 *
 * A message lying in one chunk inside one piece is returned as a view of that piece (no copy);
 * a message spread over several chunks or pieces is copied once into a fresh array of its exact
 * size. Returned bodies stay valid: nothing is reused. Fed pieces must not be mutated afterwards.
 *
 * @since 0.1.0
 * @category decoding
 */
export class Dechunker {
  private readonly maxMessageBytes: number
  private pending: Array<Uint8Array> = []
  private piece: Uint8Array = new Uint8Array(0)
  private pos = 0
  /** first byte of a header split across pieces, or NO_BYTE */
  private headerHigh = NO_BYTE
  /** payload bytes still expected in the current chunk */
  private remaining = 0
  /** payload parts of the current message, referenced without copying until it completes */
  private parts: Array<Uint8Array> = []
  private messageLength = 0
  private failure: Neo4jProtocolError | undefined = undefined

  /** Where the last {@link takeRun}'s messages start in {@link runBytes}. */
  runFrom = 0
  /** Where the last {@link takeRun}'s messages end in {@link runBytes}. */
  runTo = 0

  constructor(options: DechunkerOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  }

  /** Adds bytes received from the socket. */
  feed(input: Uint8Array): void {
    if (input.length === 0) return
    // A plain view of a Node Buffer: the message bodies cut from it are then plain Uint8Array
    // views, which cost less to make than Buffer views (one per message, `npm run bench` (c)).
    const piece = input.constructor === Uint8Array ? input : new Uint8Array(input.buffer, input.byteOffset, input.length)
    if (this.pos >= this.piece.length && this.pending.length === 0) {
      this.piece = piece
      this.pos = 0
    } else {
      this.pending.push(piece)
    }
  }

  /** Bytes fed but not yet returned as part of a message (buffered partial message included). */
  get buffered(): number {
    let n = this.messageLength + this.piece.length - this.pos
    for (const p of this.pending) n += p.length
    return n
  }

  /** Whether the stream is between messages (no partial message buffered). */
  get idle(): boolean {
    return this.messageLength === 0 && this.remaining === 0 && this.headerHigh === NO_BYTE
  }

  /**
   * The next complete message body, `undefined` when more bytes are needed, or an error (sticky:
   * once failed, the stream stays failed and the connection must be closed).
   */
  next(): Uint8Array | Neo4jProtocolError | undefined {
    if (this.failure !== undefined) return this.failure
    for (;;) {
      if (this.pos >= this.piece.length && !this.advancePiece()) return undefined
      if (this.remaining > 0) {
        this.takePayload()
        continue
      }
      const size = this.readHeader()
      if (size < 0) continue
      if (size === 0) {
        if (this.messageLength === 0) continue // NOOP keep-alive
        return this.completeMessage()
      }
      if (this.messageLength + size > this.maxMessageBytes) {
        this.failure = new Neo4jProtocolError({
          message: `Incoming Bolt message exceeds ${this.maxMessageBytes} bytes`
        })
        return this.failure
      }
      if (this.messageLength === 0) {
        // Fast path: one chunk and its end marker inside this piece -> a view, no copy.
        const p = this.piece
        const endMarker = this.pos + size
        if (endMarker + Chunk.END_MARKER_BYTES <= p.length && p[endMarker] === 0 && p[endMarker + 1] === 0) {
          const body = p.subarray(this.pos, endMarker)
          this.pos = endMarker + Chunk.END_MARKER_BYTES
          return body
        }
      }
      this.remaining = size
    }
  }

  /**
   * Takes the complete one-chunk messages at the front of the bytes received whose bodies start
   * with the bytes `first`, `second` (a RECORD: `B1 71`), at most `starts.length` of them: the body
   * of message i is `runBytes[starts[i], ends[i])`, and the messages with their framing span
   * `runBytes[runFrom, runTo)`, so one copy of that range keeps every body. Returns how many it took:
   * 0 when the dechunker is inside a message or the next message is anything else (one split across
   * pieces, in several chunks, a NOOP, too large, another kind), which {@link next} then returns.
   * The ranges are valid until the next call of `takeRun`, `next` or `feed`.
   */
  takeRun(first: number, second: number, starts: Int32Array, ends: Int32Array): number {
    if (this.failure !== undefined || this.messageLength !== 0 || this.remaining !== 0 || this.headerHigh !== NO_BYTE) return 0
    if (this.pos >= this.piece.length && !this.advancePiece()) return 0
    const p = this.piece
    const max = Math.min(starts.length, ends.length)
    const limit = Math.min(Chunk.MAX_PAYLOAD, this.maxMessageBytes)
    let at = this.pos
    let n = 0
    while (n < max && at + Chunk.HEADER_BYTES <= p.length) {
      const size = (p[at]! << Chunk.HIGH_BYTE_SHIFT) | p[at + 1]!
      const bodyStart = at + Chunk.HEADER_BYTES
      const bodyEnd = bodyStart + size
      if (
        size < 2 || size > limit || bodyEnd + Chunk.END_MARKER_BYTES > p.length ||
        p[bodyEnd] !== 0 || p[bodyEnd + 1] !== 0 || p[bodyStart] !== first || p[bodyStart + 1] !== second
      ) break
      starts[n] = bodyStart
      ends[n] = bodyEnd
      n++
      at = bodyEnd + Chunk.END_MARKER_BYTES
    }
    this.runFrom = this.pos
    this.runTo = at
    this.pos = at
    return n
  }

  /**
   * The bytes the ranges of the last {@link takeRun} refer to (the piece it read; no reference of
   * its own, so a used-up piece is not kept alive).
   */
  get runBytes(): Uint8Array {
    return this.piece
  }

  private advancePiece(): boolean {
    const next = this.pending.shift()
    if (next === undefined) return false
    this.piece = next
    this.pos = 0
    return true
  }

  /** The next header's size, or -1 when only its first byte was available. */
  private readHeader(): number {
    const p = this.piece
    if (this.headerHigh !== NO_BYTE) {
      const size = (this.headerHigh << Chunk.HIGH_BYTE_SHIFT) | p[this.pos]!
      this.headerHigh = NO_BYTE
      this.pos += 1
      return size
    }
    if (this.pos + 1 >= p.length) {
      this.headerHigh = p[this.pos]!
      this.pos += 1
      return -1
    }
    const size = (p[this.pos]! << Chunk.HIGH_BYTE_SHIFT) | p[this.pos + 1]!
    this.pos += Chunk.HEADER_BYTES
    return size
  }

  private takePayload(): void {
    const take = Math.min(this.remaining, this.piece.length - this.pos)
    this.parts.push(this.piece.subarray(this.pos, this.pos + take))
    this.pos += take
    this.remaining -= take
    this.messageLength += take
  }

  private completeMessage(): Uint8Array {
    const parts = this.parts
    const body = parts.length === 1 ? parts[0]! : concat(parts, this.messageLength)
    this.parts = []
    this.messageLength = 0
    return body
  }
}

const concat = (parts: ReadonlyArray<Uint8Array>, length: number): Uint8Array => {
  const out = new Uint8Array(length)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
