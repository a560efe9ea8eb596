/**
 * Scripts for the stub server, written as the conversation reads: everything in one namespace,
 * `import * as Stub from "./Script.ts"` and `import { C, S, Code } from "./Script.ts"`. The step
 * model and `C`/`S` live in `Steps.ts`, the one-line exchanges (`handshakeAndHello`, `autoCommit`,
 * `transaction`, `route`) in `Exchanges.ts`, the patterns in `Pattern.ts`. See README.md.
 */
export * from "./Exchanges.ts"
export { absent, any, anyInteger, anyMap, anyString, oneOf, partial, regex, unordered, where } from "./Pattern.ts"
export * from "./Steps.ts"
export type { ClientMessage, FailureSpec, RequestName, ServerMessage } from "./Wire.ts"
