/**
 * Errors thrown by the codec. They are plain classes, not `Error`s: the decoder may meet thousands
 * of malformed frames in a fuzz run and a connection turns them into a typed failure right away, so
 * capturing a stack trace would be pure cost. They are data: the Bolt layer maps them onto the
 * driver's error family (`bolt/ValueCodec.ts`: `toProtocolError`, `toUsageError`), so PackStream
 * imports nothing above it.
 *
 * @since 0.1.0
 */

/**
 * The bytes are not valid PackStream (or not a valid value structure for the negotiated options).
 *
 * @since 0.1.0
 * @category errors
 */
export class PackStreamDecodeError {
  readonly _tag = "PackStreamDecodeError"
  readonly message: string
  /** Byte offset (in the buffer given to `reset`) where decoding failed. */
  readonly offset: number
  constructor(message: string, offset: number) {
    this.message = message
    this.offset = offset
  }
  toString(): string {
    return `PackStreamDecodeError: ${this.message} (at byte ${this.offset})`
  }
}

/**
 * A value has no PackStream encoding (or cannot be sent on this connection); `path` names it, like
 * `$rows[3].born`.
 *
 * @since 0.1.0
 * @category errors
 */
export class PackStreamEncodeError {
  readonly _tag = "PackStreamEncodeError"
  readonly message: string
  readonly path: string
  constructor(message: string, path: string) {
    this.message = message
    this.path = path
  }
  toString(): string {
    return `PackStreamEncodeError: ${this.message} (at ${this.path})`
  }
}

/**
 * An encode failure on its way up to `writeValue`; each container it passes adds its path segment.
 *
 * @since 0.1.0
 * @category errors
 */
export class EncodeFailure {
  readonly message: string
  readonly segments: Array<string> = []
  constructor(message: string) {
    this.message = message
  }
}

/**
 * Whether a thrown value is a `PackStreamDecodeError`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isPackStreamDecodeError = (u: unknown): u is PackStreamDecodeError => u instanceof PackStreamDecodeError

/**
 * Whether a thrown value is a `PackStreamEncodeError`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isPackStreamEncodeError = (u: unknown): u is PackStreamEncodeError => u instanceof PackStreamEncodeError
