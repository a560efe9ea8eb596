/**
 * The PackStream codec: bytes <-> values. Pure code: no sockets, timers or runtime.
 *
 * @since 0.1.0
 */
export * from "./Errors.ts"
export * from "./Markers.ts"
export * from "./Options.ts"
export { hexDump, prettyPrint } from "./PrettyPrint.ts"
export { PackStreamReader } from "./Reader.ts"
export { PackStreamWriter } from "./Writer.ts"
