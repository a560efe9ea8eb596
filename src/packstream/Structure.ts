/**
 * Structures as PackStream sees them (a tag byte and fields), and the hooks through which the layer
 * above turns them into values and back. PackStream knows markers and structures, never what a
 * Node or a DateTime is: the Bolt layer supplies a `Hydrator` to the reader and a `Dehydrator` to
 * the writer (`bolt/Hydration.ts`, `bolt/Dehydration.ts`); these two leave structures as data.
 *
 * @since 0.1.0
 */
import { EncodeFailure } from "./Errors.ts"
import type { Hydrator } from "./Reader.ts"
import type { Dehydrator } from "./Writer.ts"

/**
 * A structure left as data: what the reader yields without a hydrator, and what the writer accepts
 * without a dehydrator.
 *
 * @since 0.1.0
 * @category models
 */
export class Structure {
  readonly tag: number
  readonly fields: ReadonlyArray<unknown>
  constructor(tag: number, fields: ReadonlyArray<unknown>) {
    this.tag = tag
    this.fields = fields
  }
}

/**
 * The 16 bytes of a PackStream v2 UUID, left as data (without a hydrator).
 *
 * @since 0.1.0
 * @category models
 */
export class UuidBytes {
  readonly bytes: Uint8Array
  constructor(bytes: Uint8Array) {
    this.bytes = bytes
  }
}

/**
 * Leaves structures as {@link Structure} and UUIDs as {@link UuidBytes}.
 *
 * @since 0.1.0
 * @category constants
 */
export const rawHydrator: Hydrator = {
  hydrateStruct: (reader, tag, size) => {
    // oxlint-disable-next-line unicorn/no-new-array -- a preallocated length (the reader checked size against the input)
    const fields = new Array<unknown>(size)
    for (let i = 0; i < size; i++) fields[i] = reader.readValue()
    return new Structure(tag, fields)
  },
  hydrateUuid: (bytes) => new UuidBytes(bytes)
}

/**
 * Writes {@link Structure} and {@link UuidBytes}; everything else has no PackStream encoding.
 *
 * @since 0.1.0
 * @category constants
 */
export const rawDehydrator: Dehydrator = {
  dehydrate: (writer, value) => {
    if (value instanceof Structure) {
      writer.writeStructHeader(value.tag, value.fields.length)
      for (const field of value.fields) writer.encode(field)
      return
    }
    if (value instanceof UuidBytes) return writer.writeUuidBytes(value.bytes)
    const name = value.constructor?.name
    throw new EncodeFailure(`${name ? `an instance of ${name}` : "an object with a custom prototype"} is not a PackStream value`)
  }
}
