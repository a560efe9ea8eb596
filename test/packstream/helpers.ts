import * as ValueCodec from "../../src/bolt/ValueCodec.ts"
import { bolt44Options, bolt5Options, bolt61Options, type ValueCodecOptions } from "../../src/bolt/ValueCodec.ts"
import { PackStreamWriter, prettyPrint } from "../../src/packstream/index.ts"

export { bolt44Options, bolt5Options, bolt61Options }

/** Bytes from a hex string (`"C8 80"`, spaces optional). */
export const bytes = (hex: string): Uint8Array => {
  const clean = hex.replace(/\s+/g, "")
  const out = new Uint8Array(clean.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16)
  return out
}

/** Upper-case, space separated hex. */
export const hex = (data: Uint8Array): string =>
  Array.from(data, (b) => b.toString(16).toUpperCase().padStart(2, "0")).join(" ")

export const encode = (value: unknown, options: ValueCodecOptions = bolt5Options): Uint8Array => {
  const writer = new PackStreamWriter(16)
  writer.writeValue(value, ValueCodec.dehydrator(options))
  return writer.toUint8Array()
}

/** Decodes exactly one value and checks that it used every byte. */
export const decode = (data: Uint8Array, options: ValueCodecOptions = bolt5Options): unknown => {
  const reader = ValueCodec.reader(options)
  reader.reset(data)
  const value = reader.readValue()
  if (reader.remaining() !== 0) throw new Error(`${reader.remaining()} bytes left after the value\n${prettyPrint(data)}`)
  return value
}

/** Runs `f`, returns what it threw (fails if it did not throw). */
export const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (error) {
    return error
  }
  throw new Error("expected a throw")
}

/** A string of `n` ASCII characters. */
export const ascii = (n: number): string => "x".repeat(n)
