/**
 * The value codec of a connection: PackStream plus the hydration of structures into the driver's
 * value types (`Hydration.ts`) and back (`Dehydration.ts`), configured by what the negotiated Bolt
 * version carries. Also where codec errors become the driver's errors.
 *
 * @since 0.1.0
 */
import { Neo4jProtocolError, Neo4jUsageError } from "../Neo4jError.ts"
import type { PackStreamDecodeError, PackStreamEncodeError } from "../packstream/Errors.ts"
import { PackStreamReader } from "../packstream/Reader.ts"
import { Dehydrator } from "./Dehydration.ts"
import { Hydrator } from "./Hydration.ts"
import type { ValueCodecOptions } from "./ValueOptions.ts"

export * from "./ValueOptions.ts"

/**
 * A PackStream reader that hydrates structures into the value types these options allow.
 *
 * @since 0.1.0
 * @category constructors
 */
export const reader = (options: ValueCodecOptions): PackStreamReader => new PackStreamReader(options, new Hydrator(options))

// One dehydrator per options object: a connection keeps its options for its lifetime, and
// `writeValue` is called a few times per message, so this saves an allocation per call.
const dehydrators = new WeakMap<ValueCodecOptions, Dehydrator>()

/**
 * The dehydrator to pass to `PackStreamWriter.writeValue` for parameters and metadata.
 *
 * @since 0.1.0
 * @category constructors
 */
export const dehydrator = (options: ValueCodecOptions): Dehydrator => {
  let found = dehydrators.get(options)
  if (found === undefined) {
    found = new Dehydrator(options)
    dehydrators.set(options, found)
  }
  return found
}

/**
 * Maps a decode error to the public `Neo4jProtocolError`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toProtocolError = (error: PackStreamDecodeError): Neo4jProtocolError =>
  new Neo4jProtocolError({ message: error.message, offset: error.offset, cause: error })

/**
 * Maps an encode error to the public `Neo4jUsageError` (with the parameter path).
 *
 * @since 0.1.0
 * @category conversions
 */
export const toUsageError = (error: PackStreamEncodeError): Neo4jUsageError =>
  new Neo4jUsageError({ message: `${error.message} (at ${error.path})`, path: error.path, cause: error })
