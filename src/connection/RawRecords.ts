/**
 * The RECORD bodies of a streamed result, kept undecoded until the consumer asks for them.
 *
 * A socket read can bring a whole batch (`PULL {n}`) at once. Decoding it all on arrival kept up
 * to two batches of record objects alive while the consumer worked through the first, and objects
 * that survive young-generation collections make V8 grow its young generation: 200,000 rows of
 * 20-entry maps peaked at 98-104 MB RSS that way, 81-83 MB decoding 8 KB at a time (bench memory
 * worker, replay server). Bytes kept here live outside the JS heap; the result decodes them a chunk
 * at a time as the consumer pulls.
 *
 * Bodies are copied into one growable byte array (a body cut from a socket read is a view object on
 * the JS heap that keeps the whole read alive), with the start and end offset of each body
 * alongside. RECORDs received back to back are copied as one range, their chunk framing included:
 * one copy and no view object per record (1M-row scalar stream, same-process A/B: 288 -> 236 ms).
 */

const INITIAL_BYTES = 64 * 1024
const INITIAL_RECORDS = 1024

// The range of a body pushed on its own (`push`).
const ONE_START = new Int32Array(1)
const ONE_END = new Int32Array(1)

/**
 * A FIFO queue of RECORD bodies: {@link RawRecords.push} / {@link RawRecords.pushRun} at the back;
 * {@link RawRecords.start} / {@link RawRecords.end} locate the front body in
 * {@link RawRecords.bytes}, {@link RawRecords.skip} drops it.
 */
export class RawRecords {
  /** The storage; valid until the next `push` or `pushRun`. */
  bytes: Uint8Array = new Uint8Array(0)
  #starts: Int32Array = new Int32Array(0)
  #ends: Int32Array = new Int32Array(0)
  #count = 0
  #next = 0
  /** Bytes of {@link bytes} in use, from 0. */
  #used = 0

  /** Bodies not yet skipped. */
  get size(): number {
    return this.#count - this.#next
  }

  /** Where the front body starts in {@link RawRecords.bytes}; only when `size > 0`. */
  get start(): number {
    return this.#starts[this.#next]!
  }

  /** Where the front body ends (exclusive); only when `size > 0`. */
  get end(): number {
    return this.#ends[this.#next]!
  }

  /** Drops the front body. */
  skip(): void {
    this.#next++
  }

  /** Drops every body. */
  clear(): void {
    this.#count = 0
    this.#next = 0
    this.#used = 0
  }

  /** Appends a copy of `body`. */
  push(body: Uint8Array): void {
    ONE_START[0] = 0
    ONE_END[0] = body.length
    this.pushRun(body, 0, body.length, ONE_START, ONE_END, 1)
  }

  /**
   * Appends the bodies `source[starts[i], ends[i])` for `i < count`, all inside `source[from, to)`,
   * with one copy of that range (the chunk framing between the bodies included).
   */
  pushRun(source: Uint8Array, from: number, to: number, starts: Int32Array, ends: Int32Array, count: number): void {
    if (this.#next === this.#count) this.clear()
    const length = to - from
    if (this.#used + length > this.bytes.length || this.#count + count > this.#ends.length) this.#makeRoom(length, count)
    const at = this.#used
    this.bytes.set(from === 0 && to === source.length ? source : source.subarray(from, to), at)
    const shift = at - from
    const bodyStarts = this.#starts
    const bodyEnds = this.#ends
    let n = this.#count
    for (let i = 0; i < count; i++, n++) {
      bodyStarts[n] = starts[i]! + shift
      bodyEnds[n] = ends[i]! + shift
    }
    this.#count = n
    this.#used = at + length
  }

  /** Moves the unread bytes to the front, into larger arrays when they and the extra do not fit. */
  #makeRoom(extraBytes: number, extraRecords: number): void {
    const front = this.#next < this.#count ? this.#starts[this.#next]! : this.#used
    const used = this.#used - front
    const records = this.#count - this.#next
    const bytes = used + extraBytes > this.bytes.length
      ? new Uint8Array(Math.max(INITIAL_BYTES, this.bytes.length * 2, used + extraBytes))
      : this.bytes
    const capacity = records + extraRecords > this.#ends.length
      ? Math.max(INITIAL_RECORDS, this.#ends.length * 2, records + extraRecords)
      : this.#ends.length
    const starts = capacity === this.#starts.length ? this.#starts : new Int32Array(capacity)
    const ends = capacity === this.#ends.length ? this.#ends : new Int32Array(capacity)
    bytes.set(this.bytes.subarray(front, this.#used), 0)
    for (let i = 0; i < records; i++) {
      starts[i] = this.#starts[this.#next + i]! - front
      ends[i] = this.#ends[this.#next + i]! - front
    }
    this.bytes = bytes
    this.#starts = starts
    this.#ends = ends
    this.#count = records
    this.#next = 0
    this.#used = used
  }
}
