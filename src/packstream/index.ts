/**
 * The PackStream codec: bytes <-> values. Pure code: no sockets, timers or runtime, and no driver
 * value types (structures reach them through the Bolt layer's hydrator).
 *
 * @since 0.1.0
 */
export * from "./Errors.ts"
export * from "./Markers.ts"
export * from "./Options.ts"
export { hexDump, prettyPrint } from "./PrettyPrint.ts"
export { type Hydrator, PackStreamReader } from "./Reader.ts"
export * from "./Structure.ts"
export { type Dehydrator, PackStreamWriter } from "./Writer.ts"
