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
 * the JS heap that keeps the whole read alive), with the end offset of each body alongside.
 */

const INITIAL_BYTES = 64 * 1024
const INITIAL_RECORDS = 1024

/**
 * A FIFO queue of RECORD bodies: {@link RawRecords.push} at the back; {@link RawRecords.start} /
 * {@link RawRecords.end} locate the front body in {@link RawRecords.bytes}, {@link RawRecords.skip}
 * drops it.
 */
export class RawRecords {
  /** The storage; valid until the next `push`. */
  bytes: Uint8Array = new Uint8Array(0)
  #ends: Int32Array = new Int32Array(0)
  #count = 0
  #next = 0
  /** Where the front body starts in {@link RawRecords.bytes}. */
  start = 0

  /** Bodies not yet skipped. */
  get size(): number {
    return this.#count - this.#next
  }

  /** Where the front body ends (exclusive); only when `size > 0`. */
  get end(): number {
    return this.#ends[this.#next]!
  }

  /** Drops the front body. */
  skip(): void {
    this.start = this.#ends[this.#next++]!
  }

  /** Drops every body. */
  clear(): void {
    this.#count = 0
    this.#next = 0
    this.start = 0
  }

  /** Appends a copy of `body`. */
  push(body: Uint8Array): void {
    if (this.#next === this.#count) this.clear()
    let from = this.#tail()
    if (from + body.length > this.bytes.length || this.#count === this.#ends.length) {
      this.#makeRoom(body.length)
      from = this.#tail()
    }
    this.bytes.set(body, from)
    this.#ends[this.#count++] = from + body.length
  }

  /** Where the next body goes: the end of the last one. */
  #tail(): number {
    return this.#count === 0 ? 0 : this.#ends[this.#count - 1]!
  }

  /** Moves the unread bodies to the front, into larger arrays when they and `extra` do not fit. */
  #makeRoom(extra: number): void {
    const used = this.#tail() - this.start
    const records = this.#count - this.#next
    const neededBytes = used + extra
    const bytes = neededBytes > this.bytes.length
      ? new Uint8Array(Math.max(INITIAL_BYTES, this.bytes.length * 2, neededBytes))
      : this.bytes
    const ends = records + 1 > this.#ends.length
      ? new Int32Array(Math.max(INITIAL_RECORDS, this.#ends.length * 2))
      : this.#ends
    bytes.set(this.bytes.subarray(this.start, this.start + used), 0)
    for (let i = 0; i < records; i++) ends[i] = this.#ends[this.#next + i]! - this.start
    this.bytes = bytes
    this.#ends = ends
    this.#count = records
    this.#next = 0
    this.start = 0
  }
}
