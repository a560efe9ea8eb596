/**
 * The Bolt protocol layer: handshake, capabilities, chunking and messages. Pure code: no sockets,
 * timers or runtime. Internal machinery of the connection layer, not part of the public API.
 *
 * @since 0.1.0
 */
export * as Capabilities from "./Capabilities.ts"
export * as Chunking from "./Chunking.ts"
export * as Handshake from "./Handshake.ts"
export { MessageWriter } from "./MessageWriter.ts"
export * as Metadata from "./Metadata.ts"
export * as Requests from "./Requests.ts"
export * as Responses from "./Responses.ts"
export * as Version from "./Version.ts"
