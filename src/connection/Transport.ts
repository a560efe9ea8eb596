/**
 * The byte transport of a connection: a TCP or TLS socket from `node:net` / `node:tls`, read in
 * flowing mode into a small queue that the connection drains when it waits for responses, and
 * socket failures mapped to `Neo4jConnectionError` with a reason a user can act on.
 *
 * Reading eagerly is safe for memory: Bolt only sends what was asked for (`PULL {n}`), so the
 * queue holds at most the batches requested; as a guard against a misbehaving server the socket
 * is paused once more than {@link HIGH_WATER_MARK} bytes wait unread, and resumed when drained.
 * Bytes already received are taken synchronously (no fiber suspension), which is most reads of a
 * busy connection.
 */
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Net from "node:net"
import type * as Tls from "node:tls"
import { Neo4jConnectionError } from "../Neo4jError.ts"
import { formatAddress, type ServerAddress } from "../internal/uri.ts"

import type { ClientCertificate, ClientCertificateProvider, TlsSettings } from "../Neo4jConfig.ts"

export type { TlsSettings }

export interface TransportOptions {
  readonly address: ServerAddress
  readonly tls?: TlsSettings | undefined
  readonly connectTimeout: Duration.Duration
  /** The hosts to dial for `address.host`, tried in order (default: the host, resolved by the system). */
  readonly resolveHost?: ((host: string) => Effect.Effect<ReadonlyArray<string>, unknown>) | undefined
}

/** TLS settings with the client certificate of one connection: a fixed one or none, never a provider. */
interface DialTls extends TlsSettings {
  readonly clientCertificate?: ClientCertificate | undefined
}

/** The options of one dial: the client certificate provider, if any, has been asked. */
interface DialOptions extends TransportOptions {
  readonly tls?: DialTls | undefined
}

/** An open transport; it lives in the scope that opened it. */
export interface Transport {
  /**
   * The bytes received and not yet taken, or `undefined` when there are none: the synchronous
   * half of a read. Fails (returns the error) once the connection is gone and nothing is left.
   */
  readonly take: () => ReadonlyArray<Uint8Array> | Neo4jConnectionError | undefined
  /** Waits for bytes (or the end of the connection), then takes them. */
  readonly pull: Effect.Effect<ReadonlyArray<Uint8Array>, Neo4jConnectionError>
  /** Writes; completes at once unless the socket's buffer is full (then on `drain`). */
  readonly write: (bytes: Uint8Array) => Effect.Effect<void, Neo4jConnectionError>
  /**
   * {@link write} without an effect in the common case: `undefined` when the bytes were handed to
   * the socket and its buffer has room, else what to wait for (`drain`, or the failure).
   */
  readonly send: (bytes: Uint8Array) => Effect.Effect<void, Neo4jConnectionError> | undefined
  /** False once the socket is closed, destroyed or ended by the peer (a write would fail). */
  readonly isOpen: () => boolean
  /**
   * From now on, a wait in `pull` longer than `timeout` (on the Effect clock) fails with
   * `onTimeout()` and closes the socket: the server's `connection.recv_timeout_seconds` hint. The
   * watch ends with the scope.
   */
  readonly receiveTimeout: (
    timeout: Duration.Duration,
    onTimeout: () => Neo4jConnectionError
  ) => Effect.Effect<void, never, Scope.Scope>
}

/** Unread bytes above which the socket is paused (a server sending more than was asked for). */
const HIGH_WATER_MARK = 4 * 1024 * 1024

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

/**
 * The steps of opening a connection, named in the error of one that does not finish within
 * `connectionTimeout`.
 */
export type ConnectPhase =
  | "host name resolution"
  | "TCP connect"
  | "TLS handshake"
  | "Bolt handshake"
  | "authentication (HELLO/LOGON)"

/** How a socket failed: while connecting (or timing out doing so), or once open. */
export type SocketFailure =
  | { readonly _tag: "ConnectTimeout"; readonly phase: ConnectPhase; readonly timeout: Duration.Duration }
  | { readonly _tag: "Connect"; readonly cause: unknown; readonly phase: ConnectPhase }
  | { readonly _tag: "Closed" }
  | { readonly _tag: "Broken"; readonly cause: unknown }

/** Socket error codes of a connect that met the network's conditions, with the reason each becomes. */
const NETWORK_CONDITIONS: ReadonlyMap<string, "Closed" | "Timeout" | "ServiceUnavailable"> = new Map([
  ["ECONNRESET", "Closed"],
  ["ECONNABORTED", "Closed"],
  ["EPIPE", "Closed"],
  ["ETIMEDOUT", "Timeout"],
  ["EHOSTUNREACH", "ServiceUnavailable"],
  ["ENETUNREACH", "ServiceUnavailable"],
  ["EHOSTDOWN", "ServiceUnavailable"],
  ["ENETDOWN", "ServiceUnavailable"]
])

/** Turns a socket failure into the connection error a user can act on. */
export const connectionError = (
  failure: SocketFailure,
  address: ServerAddress,
  tls: boolean
): Neo4jConnectionError => {
  const where = formatAddress(address)
  if (failure._tag === "ConnectTimeout") return connectTimeoutError(failure.phase, failure.timeout, address)
  if (failure._tag === "Closed") {
    return new Neo4jConnectionError({
      reason: "Closed",
      address: where,
      message: `The server at ${where} closed the connection.`
    })
  }
  const cause = failure.cause
  const code = errorCode(cause)
  const detail = cause instanceof Error ? cause.message : String(cause)
  if (code === "ECONNREFUSED") {
    return new Neo4jConnectionError({
      reason: "Refused",
      address: where,
      message: `Connection refused by ${where}: is Neo4j running and listening for Bolt on that port?`,
      cause
    })
  }
  if (failure._tag === "Connect" && failure.phase === "host name resolution") {
    return new Neo4jConnectionError({
      reason: "DnsFailure",
      address: where,
      message: `The domainNameResolver gave no host to dial for ${where}: ${detail}`,
      cause
    })
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return new Neo4jConnectionError({
      reason: "DnsFailure",
      address: where,
      message: `Cannot resolve the host of ${where} (${code}); check the URI.`,
      cause
    })
  }
  // The server's alert about the client's certificate (mutual TLS): none sent, or one it refuses.
  if (code !== undefined && /ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN)/.test(code)) {
    return new Neo4jConnectionError({
      reason: "Tls",
      address: where,
      message: `The server at ${where} refused the TLS connection over the client certificate (${code}): it requires ` +
        `mutual TLS; give tls.clientCertificate a certificate its CA accepts.`,
      cause
    })
  }
  if (code !== undefined && (TLS_ERROR_CODES.has(code) || code.startsWith("ERR_TLS") || code.startsWith("ERR_SSL"))) {
    return new Neo4jConnectionError({
      reason: "Tls",
      address: where,
      message: `TLS handshake with ${where} failed: ${detail}. Use bolt+ssc:// / neo4j+ssc:// for self-signed ` +
        `certificates, trust the server's CA, or use an unencrypted scheme if the server has no TLS.`,
      cause
    })
  }
  if (failure._tag === "Connect" && failure.phase === "TLS handshake" && code === "ECONNRESET") {
    // Measured against Neo4j 5.26 with `server.bolt.tls_level=DISABLED`: it reads the ClientHello
    // as a Bolt preamble, finds no magic, and closes the socket within ~0.3 s.
    return new Neo4jConnectionError({
      reason: "Tls",
      address: where,
      message: `The server at ${where} closed the connection during the TLS handshake: it probably does not ` +
        `accept encrypted connections. Use bolt:// or neo4j:// (no +s / +ssc), or enable TLS for Bolt on the server.`,
      cause
    })
  }
  if (failure._tag === "Connect") {
    return new Neo4jConnectionError({
      // The network's own conditions while connecting: the server is unavailable for now, as the
      // official drivers report any failed connect (retryable: a transaction function tries again
      // and routing rediscovers). TestKit's stub servers reset connections they accepted as they exit.
      reason: (code === undefined ? undefined : NETWORK_CONDITIONS.get(code)) ?? (tls ? "Tls" : "Unknown"),
      address: where,
      message: `Could not connect to ${where}: ${detail}`,
      cause
    })
  }
  return new Neo4jConnectionError({
    reason: "Closed",
    address: where,
    message: `The connection to ${where} broke: ${detail}`,
    cause
  })
}

/**
 * The error of a connection set-up that did not finish within `connectionTimeout`. Retryable: a
 * busy or restarting server can answer the next attempt.
 */
export const connectTimeoutError = (
  phase: ConnectPhase,
  timeout: Duration.Duration,
  address: ServerAddress
): Neo4jConnectionError => {
  const where = formatAddress(address)
  const hint = phase === "TCP connect"
    ? "check the address and that the server is reachable"
    : phase === "TLS handshake"
    ? "the server may not speak TLS (use bolt:// or neo4j:// then), or it is overloaded"
    : phase === "Bolt handshake"
    ? "the port accepts TCP but does not answer as a Neo4j Bolt server (check the port), or the server is overloaded"
    : "the server accepted the connection but does not answer (overloaded or stalled)"
  return new Neo4jConnectionError({
    reason: "Timeout",
    address: where,
    message: `Timed out after ${Duration.format(timeout)} connecting to ${where} (${phase}): ${hint}. ` +
      `The bound is the connectionTimeout option.`
  })
}

/**
 * `node:tls`, loaded on the first TLS connection: it costs ~4 MB of RSS (measured with Node 22),
 * which a program that only dials plain `bolt://` should not pay.
 */
let tlsModule: Promise<typeof Tls> | undefined
const loadTls = (): Effect.Effect<typeof Tls, SocketFailure> =>
  Effect.tryPromise({
    try: () => (tlsModule ??= import("node:tls")),
    catch: (cause): SocketFailure => ({ _tag: "Connect", cause, phase: "TLS handshake" })
  })

const tlsOptions = (tlsApi: typeof Tls, options: DialOptions, tls: DialTls): Tls.ConnectionOptions => {
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
    result.checkServerIdentity = (_host, cert) => tlsApi.checkServerIdentity(servername, cert)
  }
  const certificate = tls.clientCertificate
  if (certificate !== undefined) {
    const key = Redacted.value(certificate.key)
    result.cert = typeof certificate.cert === "string" ? certificate.cert : Buffer.from(certificate.cert)
    result.key = typeof key === "string" ? key : Buffer.from(key)
    if (certificate.passphrase !== undefined) result.passphrase = Redacted.value(certificate.passphrase)
  }
  return result
}

/**
 * The client certificate of a new connection from the provider, asked once, before dialling, and
 * within `connectTimeout`: a failure is a TLS set-up error of this connection attempt.
 */
const provideCertificate = (
  provider: ClientCertificateProvider,
  options: TransportOptions
): Effect.Effect<ClientCertificate, Neo4jConnectionError> => {
  const where = formatAddress(options.address)
  return Effect.timeoutOrElse(
    Effect.mapError(provider.getCertificate, (cause) =>
      new Neo4jConnectionError({
        reason: "Tls",
        address: where,
        message: `The client certificate provider failed, so no connection to ${where} was attempted: ${cause.message}`,
        cause
      })),
    {
      duration: options.connectTimeout,
      orElse: () =>
        Effect.fail(
          new Neo4jConnectionError({
            reason: "Timeout",
            address: where,
            message: `Timed out after ${Duration.format(options.connectTimeout)} waiting for the client certificate ` +
              `provider before connecting to ${where}. The bound is the connectionTimeout option.`
          })
        )
    }
  )
}

/**
 * Dials TCP (or TLS, waiting for the handshake); the socket is destroyed when the scope closes.
 */
const dial = (options: DialOptions): Effect.Effect<Net.Socket, SocketFailure, Scope.Scope> =>
  Effect.flatMap(options.tls === undefined ? Effect.succeed(undefined) : loadTls(), (tlsApi) => {
    const resolveHost = options.resolveHost
    if (resolveHost === undefined) return dialWith(options, tlsApi, options.address.host)
    // A domain-name resolver: each host it gives is dialled in turn, the last failure reported; TLS
    // verifies against the original host name. The whole of it stays within connectTimeout.
    const tryFrom = (hosts: ReadonlyArray<string>, i: number, last: SocketFailure | undefined): Effect.Effect<Net.Socket, SocketFailure, Scope.Scope> =>
      i >= hosts.length
        ? Effect.fail(last ?? { _tag: "Connect", cause: new Error(`no address for ${options.address.host}`), phase: "host name resolution" })
        : Effect.catch(dialWith(options, tlsApi, hosts[i]!), (failure) => tryFrom(hosts, i + 1, failure))
    const attempt = Effect.flatMap(
      Effect.mapError(resolveHost(options.address.host), (cause): SocketFailure => ({ _tag: "Connect", cause, phase: "host name resolution" })),
      (hosts) => tryFrom(hosts, 0, undefined)
    )
    return Effect.timeoutOrElse(attempt, {
      duration: options.connectTimeout,
      orElse: () => Effect.fail<SocketFailure>({ _tag: "ConnectTimeout", phase: "TCP connect", timeout: options.connectTimeout })
    })
  })

const dialWith = (
  options: DialOptions,
  tlsApi: typeof Tls | undefined,
  host: string
): Effect.Effect<Net.Socket, SocketFailure, Scope.Scope> =>
  Effect.suspend(() => {
    let phase: ConnectPhase = "TCP connect"
    const connecting = Effect.callback<Net.Socket, SocketFailure>((resume) => {
      const { address, tls } = options
      const socket = tls === undefined || tlsApi === undefined
        ? Net.createConnection({ host, port: address.port, noDelay: true })
        : tlsApi.connect({ ...tlsOptions(tlsApi, options, tls), host })
      const ready = tls === undefined ? "connect" : "secureConnect"
      // A TLS socket emits "connect" once TCP is up; from then on a wait is the TLS handshake's.
      if (tls !== undefined) socket.once("connect", () => void (phase = "TLS handshake"))
      const onError = (cause: unknown) => {
        socket.off(ready, onReady)
        socket.destroy()
        resume(Effect.fail({ _tag: "Connect", cause, phase }))
      }
      const onReady = () => {
        socket.off("error", onError)
        if (tls !== undefined) socket.setNoDelay(true)
        resume(Effect.succeed(socket))
      }
      socket.once(ready, onReady)
      socket.once("error", onError)
      return Effect.sync(() => socket.destroy())
    })
    return Effect.acquireRelease(
      Effect.timeoutOrElse(connecting, {
        duration: options.connectTimeout,
        orElse: () => Effect.fail<SocketFailure>({ _tag: "ConnectTimeout", phase, timeout: options.connectTimeout })
      }),
      // After whatever was written last (GOODBYE) has been handed to the kernel.
      (socket) => Effect.sync(() => (socket.writable ? socket.destroySoon() : socket.destroy()))
    )
  })

type Waiter = (effect: Effect.Effect<ReadonlyArray<Uint8Array>, Neo4jConnectionError>) => void

/**
 * Opens the socket (and completes the TLS handshake) in the current scope. A client certificate
 * provider is asked first, once; a fixed certificate costs nothing more.
 */
export const open = (options: TransportOptions): Effect.Effect<Transport, Neo4jConnectionError, Scope.Scope> => {
  const tls = options.tls
  const certificate = tls?.clientCertificate
  // No TLS, no client certificate, or a fixed one: dialled as given.
  if (tls === undefined || certificate === undefined || !("_tag" in certificate)) return openResolved(options as DialOptions)
  return Effect.flatMap(
    provideCertificate(certificate, options),
    (clientCertificate) => openResolved({ ...options, tls: { ...tls, clientCertificate } })
  )
}

const openResolved = (options: DialOptions): Effect.Effect<Transport, Neo4jConnectionError, Scope.Scope> =>
  Effect.map(
    Effect.mapError(dial(options), (failure) => connectionError(failure, options.address, options.tls !== undefined)),
    (socket) => attach(socket, options.address, options.tls !== undefined)
  )

/** The transport over an open socket. */
const attach = (socket: Net.Socket, address: ServerAddress, tls: boolean): Transport => {
  let queue: Array<Uint8Array> = []
  let queued = 0
  let paused = false
  /** Set when the connection is gone; delivered once the queue is empty. */
  let failure: Neo4jConnectionError | undefined = undefined
  let ended = false
  let waiter: Waiter | undefined = undefined

  const take = (): ReadonlyArray<Uint8Array> | Neo4jConnectionError | undefined => {
    if (queue.length > 0) {
      const pieces = queue
      queue = []
      queued = 0
      if (paused) {
        paused = false
        socket.resume()
      }
      return pieces
    }
    return failure
  }

  /** What a read of `taken` (bytes or the end of the connection) gives its reader. */
  const delivered = (taken: ReadonlyArray<Uint8Array> | Neo4jConnectionError) =>
    taken instanceof Neo4jConnectionError ? Effect.fail(taken) : Effect.succeed(taken)

  const wake = () => {
    const resume = waiter
    if (resume === undefined) return
    const taken = take()
    if (taken === undefined) return
    waiter = undefined
    resume(delivered(taken))
  }

  const gone = (error: Neo4jConnectionError) => {
    failure ??= error
    wake()
  }

  socket.on("data", (piece: Buffer) => {
    queue.push(piece)
    queued += piece.length
    if (waiter !== undefined) return wake()
    if (queued > HIGH_WATER_MARK && !paused) {
      paused = true
      socket.pause()
    }
  })
  socket.on("end", () => {
    ended = true
    gone(connectionError({ _tag: "Closed" }, address, tls))
  })
  socket.on("error", (cause) => gone(connectionError({ _tag: "Broken", cause }, address, tls)))
  socket.on("close", () => gone(connectionError({ _tag: "Closed" }, address, tls)))

  /** When the current wait began, on the Effect clock (only kept with a receive timeout). */
  let waitingSince = 0
  let clock: Clock.Clock | undefined = undefined

  // A read: what has arrived (or the end of the connection) at once, else the next arrival.
  const wait: Effect.Effect<ReadonlyArray<Uint8Array>, Neo4jConnectionError> = Effect.callback((resume) => {
    const taken = take()
    if (taken !== undefined) return resume(delivered(taken))
    waiter = resume
    if (clock !== undefined) waitingSince = clock.currentTimeMillisUnsafe()
    return Effect.sync(() => {
      if (waiter === resume) waiter = undefined
    })
  })

  /**
   * The receive timeout as one watchdog fiber per connection rather than a timer per wait (racing
   * every wait against a sleep cost ~20 us per query, `npm run bench` workload a): it wakes once
   * per period, and fails a wait that began at least `timeout` ago.
   */
  const watchdog = (timeout: number, onTimeout: () => Neo4jConnectionError): Effect.Effect<void> => {
    const check: Effect.Effect<void> = Effect.suspend(() => {
      let next = timeout
      const resume = waiter
      if (resume !== undefined) {
        const waited = clock!.currentTimeMillisUnsafe() - waitingSince
        if (waited >= timeout) {
          waiter = undefined
          const error = onTimeout()
          failure ??= error
          socket.destroy()
          resume(Effect.fail(error))
          return Effect.void
        }
        next = timeout - waited
      }
      return Effect.andThen(Effect.sleep(next), check)
    })
    return Effect.andThen(Effect.sleep(timeout), check)
  }

  const closedError = () =>
    new Neo4jConnectionError({
      reason: "Closed",
      address: formatAddress(address),
      message: `The connection to ${formatAddress(address)} is closed.`
    })

  const drained: Effect.Effect<void, Neo4jConnectionError> = Effect.callback((resume) => {
    const onDrain = () => {
      cleanup()
      resume(Effect.void)
    }
    const onClose = () => {
      cleanup()
      resume(Effect.fail(failure ?? closedError()))
    }
    const cleanup = () => {
      socket.off("drain", onDrain)
      socket.off("close", onClose)
    }
    socket.on("drain", onDrain)
    socket.on("close", onClose)
    return Effect.sync(cleanup)
  })

  const send = (bytes: Uint8Array): Effect.Effect<void, Neo4jConnectionError> | undefined => {
    if (socket.destroyed || !socket.writable) return Effect.fail(failure ?? closedError())
    return socket.write(bytes) ? undefined : drained
  }

  return {
    take,
    pull: wait,
    write: (bytes) => send(bytes) ?? Effect.void,
    send,
    isOpen: () => !socket.destroyed && socket.writable && !ended,
    receiveTimeout: (timeout, onTimeout) =>
      Effect.clockWith((current) => {
        clock = current
        return Effect.asVoid(Effect.forkScoped(watchdog(Duration.toMillis(timeout), onTimeout)))
      })
  }
}
