/**
 * The scripted Bolt stub server for tests (see README.md): `StubServer` runs servers, `Stub` writes
 * scripts (`Stub.connection`, `Stub.handshakeAndHello`, `Stub.autoCommit`, `Stub.transaction`,
 * `Stub.route`, patterns), `C`/`S` are the client and server lines of a conversation.
 */
export * as Pattern from "./Pattern.ts"
export type { ReceivedMessage } from "./Player.ts"
export { RawClient } from "./RawClient.ts"
export * as Stub from "./Script.ts"
export { C, Code, S } from "./Script.ts"
export * as SleepSpy from "./SleepSpy.ts"
export * as StubServer from "./StubServer.ts"
export { StubScriptError } from "./StubServer.ts"
