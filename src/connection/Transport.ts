/**
 * Opens the byte transport of a connection: TCP or TLS through `@effect/platform-node` sockets, and
 * maps socket failures to `Neo4jConnectionError` with a reason a user can act on.
 */
// The module alone, not the package index: the index loads every platform module (~36 MB of RSS).
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as SocketModule from "effect/socket/Socket"
import type * as Socket from "effect/socket/Socket"
import type { NonEmptyReadonlyArray } from "effect/Array"
import * as Net from "node:net"
import * as Tls from "node:tls"
import { Neo4jConnectionError } from "../Neo4jError.ts"
import { formatAddress, type ServerAddress } from "../internal/uri.ts"

/**
 * TLS settings of a connection. `system-ca`: verify against the system's CAs (`bolt+s`);
 * `trust-all`: encrypt but accept any certificate (`bolt+ssc`); `custom-ca`: verify against the
 * given CA certificates only.
 */
export interface TlsSettings {
  readonly trust: "system-ca" | "trust-all" | "custom-ca"
  /** PEM CA certificates for `custom-ca`. */
  readonly ca?: ReadonlyArray<string | Uint8Array> | undefined
  /** Check that the certificate names the host (default true; never checked for `trust-all`). */
  readonly verifyHostname?: boolean | undefined
  /** Client certificate (PEM) and its key, for servers that require mutual TLS. */
  readonly clientCertificate?: {
    readonly cert: string | Uint8Array
    readonly key: Redacted.Redacted<string | Uint8Array>
    readonly passphrase?: Redacted.Redacted<string> | undefined
  } | undefined
  /** Server name for SNI and hostname checks when it differs from the host dialled. */
  readonly serverName?: string | undefined
}

export interface TransportOptions {
  readonly address: ServerAddress
  readonly tls?: TlsSettings | undefined
  readonly connectTimeout: Duration.Duration
}

/** The two halves of an open transport; both live in the scope that opened them. */
export interface Transport {
  readonly pull: Effect.Effect<NonEmptyReadonlyArray<Uint8Array>, Neo4jConnectionError>
  readonly write: (bytes: Uint8Array) => Effect.Effect<void, Neo4jConnectionError>
  /** False once the socket is closed or destroyed (a write would fail). */
  readonly isOpen: () => boolean
}

const TLS_ERROR_CODES: ReadonlySet<string> = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "EPROTO"
])

const errorCode = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : undefined

const innermostCause = (error: Socket.SocketError): unknown => {
  const reason: unknown = error.reason
  return typeof reason === "object" && reason !== null && "cause" in reason ? reason.cause : reason
}

/** Turns a socket failure into the connection error a user can act on. */
export const fromSocketError = (
  error: Socket.SocketError,
  address: ServerAddress,
  tls: boolean
): Neo4jConnectionError => {
  const where = formatAddress(address)
  const reason = error.reason
  if (reason._tag === "SocketOpenError" && reason.kind === "Timeout") {
    return new Neo4jConnectionError({
      reason: "Timeout",
      address: where,
      message: `Timed out connecting to ${where}; check the address and that the server is reachable.`,
      cause: error
    })
  }
  if (reason._tag === "SocketCloseError") {
    return new Neo4jConnectionError({
      reason: "Closed",
      address: where,
      message: `The server at ${where} closed the connection.`,
      cause: error
    })
  }
  const cause = innermostCause(error)
  const code = errorCode(cause)
  const detail = cause instanceof Error ? cause.message : String(cause)
  if (code === "ECONNREFUSED") {
    return new Neo4jConnectionError({
      reason: "Refused",
      address: where,
      message: `Connection refused by ${where}: is Neo4j running and listening for Bolt on that port?`,
      cause: error
    })
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return new Neo4jConnectionError({
      reason: "DnsFailure",
      address: where,
      message: `Cannot resolve the host of ${where} (${code}); check the URI.`,
      cause: error
    })
  }
  if (code !== undefined && (TLS_ERROR_CODES.has(code) || code.startsWith("ERR_TLS") || code.startsWith("ERR_SSL"))) {
    return new Neo4jConnectionError({
      reason: "Tls",
      address: where,
      message: `TLS handshake with ${where} failed: ${detail}. Use bolt+ssc:// / neo4j+ssc:// for self-signed ` +
        `certificates, trust the server's CA, or use an unencrypted scheme if the server has no TLS.`,
      cause: error
    })
  }
  if (reason._tag === "SocketOpenError") {
    return new Neo4jConnectionError({
      reason: tls ? "Tls" : "Unknown",
      address: where,
      message: `Could not connect to ${where}: ${detail}`,
      cause: error
    })
  }
  return new Neo4jConnectionError({
    reason: "Closed",
    address: where,
    message: `The connection to ${where} broke: ${detail}`,
    cause: error
  })
}

const tlsOptions = (options: TransportOptions, tls: TlsSettings): Tls.ConnectionOptions => {
  const host = options.address.host
  const servername = tls.serverName ?? host
  const verify = tls.trust !== "trust-all"
  const result: Tls.ConnectionOptions = {
    host,
    port: options.address.port,
    rejectUnauthorized: verify,
    // SNI must not carry an IP literal (RFC 6066 section 3).
    ...(servername.includes(":") || /^\d+\.\d+\.\d+\.\d+$/.test(servername) ? {} : { servername })
  }
  if (tls.trust === "custom-ca" && tls.ca !== undefined) {
    result.ca = tls.ca.map((c) => (typeof c === "string" ? c : Buffer.from(c)))
  }
  if (!verify || tls.verifyHostname === false) result.checkServerIdentity = () => undefined
  else if (tls.serverName !== undefined) {
    result.checkServerIdentity = (_host, cert) => Tls.checkServerIdentity(servername, cert)
  }
  if (tls.clientCertificate !== undefined) {
    const key = Redacted.value(tls.clientCertificate.key)
    result.cert = typeof tls.clientCertificate.cert === "string"
      ? tls.clientCertificate.cert
      : Buffer.from(tls.clientCertificate.cert)
    result.key = typeof key === "string" ? key : Buffer.from(key)
    if (tls.clientCertificate.passphrase !== undefined) {
      result.passphrase = Redacted.value(tls.clientCertificate.passphrase)
    }
  }
  return result
}

const socketError = (cause: unknown, kind: "Unknown" | "Timeout" = "Unknown") =>
  new SocketModule.SocketError({ reason: new SocketModule.SocketOpenError({ kind, cause }) })

/**
 * Dials TCP (or TLS, waiting for the handshake) and hands over the Node socket. The driver keeps
 * the raw socket to know when it is gone: the platform socket's writer waits for a reconnect
 * when its socket is closed, which for a database connection would be a hang.
 */
const dial = (options: TransportOptions): Effect.Effect<Net.Socket, SocketModule.SocketError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<Net.Socket, SocketModule.SocketError>((resume) => {
      const { address, tls } = options
      const socket = tls === undefined
        ? Net.createConnection({ host: address.host, port: address.port, noDelay: true })
        : Tls.connect(tlsOptions(options, tls))
      const ready = tls === undefined ? "connect" : "secureConnect"
      const onError = (cause: unknown) => {
        socket.off(ready, onReady)
        socket.destroy()
        resume(Effect.fail(socketError(cause)))
      }
      const onReady = () => {
        socket.off("error", onError)
        if (tls !== undefined) socket.setNoDelay(true)
        resume(Effect.succeed(socket))
      }
      socket.once(ready, onReady)
      socket.once("error", onError)
      return Effect.sync(() => socket.destroy())
    }).pipe(
      Effect.timeoutOrElse({
        duration: options.connectTimeout,
        orElse: () => Effect.fail(socketError(new Error("connect timed out"), "Timeout"))
      })
    ),
    (socket) => Effect.sync(() => socket.destroy())
  )

/**
 * Whether the peer closed its side. Nothing reads an idle pooled connection (backpressure comes
 * from reading only on demand), so Node never emits `end` for it; the stream's state still records
 * the EOF it received. There is no public property for that, hence the internal one.
 */
const peerEnded = (socket: Net.Socket): boolean =>
  (socket as unknown as { readonly _readableState?: { readonly ended?: boolean } })._readableState?.ended === true

/** Opens the socket (and completes the TLS handshake) in the current scope. */
export const open = (options: TransportOptions): Effect.Effect<Transport, Neo4jConnectionError, Scope.Scope> =>
  Effect.gen(function*() {
    const { address, tls } = options
    const toConnectionError = (error: SocketModule.SocketError) => fromSocketError(error, address, tls !== undefined)
    const raw = yield* Effect.mapError(dial(options), toConnectionError)
    const socket = yield* NodeSocket.fromDuplex(Effect.succeed(raw))
    const reader = yield* Effect.mapError(socket.reader, toConnectionError)
    const writer = yield* socket.writer
    const closed = () =>
      new Neo4jConnectionError({
        reason: "Closed",
        address: formatAddress(address),
        message: `The connection to ${formatAddress(address)} is closed.`
      })
    return {
      pull: Effect.mapError(reader.pull as Effect.Effect<NonEmptyReadonlyArray<Uint8Array>, SocketModule.SocketError>, toConnectionError),
      write: (bytes) =>
        raw.destroyed || !raw.writable
          ? Effect.fail(closed())
          : Effect.mapError(writer.write(bytes), toConnectionError),
      isOpen: () => !raw.destroyed && raw.writable && !peerEnded(raw)
    }
  })
