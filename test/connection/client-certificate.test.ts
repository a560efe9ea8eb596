/**
 * Client certificates for mutual TLS (TestKit's `Feature:API:SSLClientCertificate`), through
 * `Transport.open` against a loopback `node:tls` server that requires a certificate signed by a
 * throwaway CA and records the subject CN each connection presented.
 *
 * The CA, the server's certificate (127.0.0.1 / localhost) and two client certificates are made
 * with the `openssl` command line when the file starts, in a temporary directory removed at the end.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import { TestClock } from "effect/testing"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Tls from "node:tls"
import * as Transport from "../../src/connection/Transport.ts"
import * as Neo4jConfig from "../../src/Neo4jConfig.ts"
import { Neo4jConnectionError, Neo4jUsageError } from "../../src/Neo4jError.ts"

interface Pki {
  readonly ca: string
  readonly server: { readonly cert: string; readonly key: string }
  readonly clientOne: Neo4jConfig.ClientCertificate
  /** Its key is encrypted; the passphrase is given. */
  readonly clientTwo: Neo4jConfig.ClientCertificate
}

let dir = ""
let pki: Pki

/** P-256 keys: quick to make on a busy machine. */
const NEW_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
const PASSPHRASE = "client-two-passphrase"

const openssl = (...args: ReadonlyArray<string>) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" })
const read = (name: string) => readFileSync(join(dir, name), "utf8")

/** A key and a certificate for `name` signed by the CA, with the extensions in `extensions`. */
const issue = (name: string, serial: number, extensions: string) => {
  openssl("req", ...NEW_KEY, "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`)
  writeFileSync(join(dir, `${name}.ext`), extensions)
  openssl(
    "x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", String(serial),
    "-days", "1", "-extfile", `${name}.ext`, "-out", `${name}.pem`
  )
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "client-certificate-"))
  openssl(
    "req", "-x509", ...NEW_KEY, "-days", "1", "-subj", "/CN=Throwaway Test CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    "-keyout", "ca.key", "-out", "ca.pem"
  )
  issue("server", 1, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
  issue("client-one", 2, "extendedKeyUsage=clientAuth\n")
  issue("client-two", 3, "extendedKeyUsage=clientAuth\n")
  openssl("pkey", "-in", "client-two.key", "-aes256", "-passout", `pass:${PASSPHRASE}`, "-out", "client-two.enc.key")
  pki = {
    ca: read("ca.pem"),
    server: { cert: read("server.pem"), key: read("server.key") },
    clientOne: { cert: read("client-one.pem"), key: Redacted.make(read("client-one.key")) },
    clientTwo: {
      cert: read("client-two.pem"),
      key: Redacted.make(read("client-two.enc.key")),
      passphrase: Redacted.make(PASSPHRASE)
    }
  }
})

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true })
})

/** What the mutual-TLS server saw. */
interface Seen {
  port: number
  /** The subject CN of each accepted connection's client certificate, in order. */
  readonly accepted: Array<string>
  /** The error code of each rejected TLS handshake, as the server saw it. */
  readonly rejected: Array<string>
  /** TCP connections accepted, whatever became of them. */
  tcp: number
}

/**
 * A server requiring a client certificate signed by the test CA: it records the CN of each
 * accepted connection and closes it, answering nothing. Closed with the scope.
 */
const mtlsServer = (maxVersion: Tls.SecureVersion = "TLSv1.3") =>
  Effect.acquireRelease(
    Effect.callback<{ readonly server: Tls.Server; readonly seen: Seen }>((resume) => {
      const seen: Seen = { port: 0, accepted: [], rejected: [], tcp: 0 }
      const server = Tls.createServer({
        ...pki.server,
        ca: pki.ca,
        requestCert: true,
        rejectUnauthorized: true,
        maxVersion
      }, (socket) => {
        socket.on("error", () => {})
        seen.accepted.push(String(socket.getPeerCertificate().subject.CN))
        socket.end()
      })
      server.on("connection", () => void seen.tcp++)
      server.on("tlsClientError", (error: Error & { readonly code?: string }) => void seen.rejected.push(String(error.code)))
      server.listen(0, "127.0.0.1", () => {
        seen.port = (server.address() as { readonly port: number }).port
        resume(Effect.succeed({ server, seen }))
      })
    }),
    ({ server }) => Effect.sync(() => server.close())
  ).pipe(Effect.map(({ seen }) => seen))

const optionsFor = (
  port: number,
  clientCertificate: Neo4jConfig.TlsSettings["clientCertificate"],
  resolveHost?: Transport.TransportOptions["resolveHost"]
): Transport.TransportOptions => ({
  address: { host: "127.0.0.1", port },
  tls: { trust: "custom-ca", ca: [pki.ca], clientCertificate },
  connectTimeout: Duration.seconds(20),
  resolveHost
})

/**
 * Opens a connection and reads until the server closes it: by then the server has recorded the
 * connection (it closes right after). Fails with the error of `open` or of the read.
 */
const connectOnce = (options: Transport.TransportOptions) =>
  Effect.scoped(Effect.gen(function*() {
    const transport = yield* Transport.open(options)
    const ended = yield* Effect.flip(transport.pull)
    assert.strictEqual(ended.reason, "Closed", `the server closed the connection: ${ended.message}`)
  }))

const codeOf = (error: Neo4jConnectionError): unknown => (error.cause as { readonly code?: unknown } | undefined)?.code

describe("client certificates (mutual TLS)", () => {
  it.live("a static client certificate is presented on each connection", () =>
    Effect.scoped(Effect.gen(function*() {
      const seen = yield* mtlsServer()
      yield* connectOnce(optionsFor(seen.port, pki.clientOne))
      yield* connectOnce(optionsFor(seen.port, pki.clientOne))
      assert.deepStrictEqual(seen.accepted, ["client-one", "client-one"])
      assert.deepStrictEqual(seen.rejected, [])
    })))

  it.live("a static client certificate with an encrypted key is unlocked with its passphrase", () =>
    Effect.scoped(Effect.gen(function*() {
      const seen = yield* mtlsServer()
      yield* connectOnce(optionsFor(seen.port, pki.clientTwo))
      assert.deepStrictEqual(seen.accepted, ["client-two"])
    })))

  it.live("without a client certificate, TLS 1.3: the server's alert fails the first read as a Tls error", () =>
    Effect.scoped(Effect.gen(function*() {
      const seen = yield* mtlsServer("TLSv1.3")
      // In TLS 1.3 the client's handshake is complete before the server has seen its (missing)
      // certificate, so `open` succeeds and the server's alert arrives on the socket after.
      const transport = yield* Transport.open(optionsFor(seen.port, undefined))
      const error = yield* Effect.flip(transport.pull)
      assert.instanceOf(error, Neo4jConnectionError)
      assert.strictEqual(error.reason, "Tls")
      assert.strictEqual(codeOf(error), "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED")
      assert.include(error.message, "requires mutual TLS; give tls.clientCertificate")
      assert.isFalse(error.isRetryable)
      assert.deepStrictEqual(seen.accepted, [])
      assert.deepStrictEqual(seen.rejected, ["ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE"])
    })))

  it.live("without a client certificate, TLS 1.2: the handshake fails and open fails with a Tls error", () =>
    Effect.scoped(Effect.gen(function*() {
      const seen = yield* mtlsServer("TLSv1.2")
      const error = yield* Effect.flip(Transport.open(optionsFor(seen.port, undefined)))
      assert.instanceOf(error, Neo4jConnectionError)
      assert.strictEqual(error.reason, "Tls")
      assert.strictEqual(error.address, `127.0.0.1:${seen.port}`)
      assert.match(String(codeOf(error)), /^ERR_SSL_/)
      assert.deepStrictEqual(seen.accepted, [])
      assert.deepStrictEqual(seen.rejected, ["ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE"])
    })))

  it.live("a rotating provider: connections opened after update present the new certificate", () =>
    Effect.scoped(Effect.gen(function*() {
      const seen = yield* mtlsServer()
      const provider = Neo4jConfig.rotatingClientCertificate(pki.clientOne)
      yield* connectOnce(optionsFor(seen.port, provider))
      yield* connectOnce(optionsFor(seen.port, provider))
      assert.deepStrictEqual(seen.accepted, ["client-one", "client-one"])
      yield* provider.update(pki.clientTwo)
      yield* connectOnce(optionsFor(seen.port, provider))
      yield* connectOnce(optionsFor(seen.port, provider))
      assert.deepStrictEqual(seen.accepted, ["client-one", "client-one", "client-two", "client-two"])
      assert.deepStrictEqual(seen.rejected, [])
    })))

  it.live("an open connection keeps its certificate when the provider rotates; the next one takes the new", () =>
    Effect.scoped(Effect.gen(function*() {
      const seen = yield* mtlsServer()
      const provider = Neo4jConfig.rotatingClientCertificate(pki.clientOne)
      // Opened (TLS handshake done) before the update, read from after it.
      const first = yield* Transport.open(optionsFor(seen.port, provider))
      yield* provider.update(pki.clientTwo)
      const second = yield* Transport.open(optionsFor(seen.port, provider))
      assert.strictEqual((yield* Effect.flip(first.pull)).reason, "Closed")
      assert.strictEqual((yield* Effect.flip(second.pull)).reason, "Closed")
      assert.sameMembers(seen.accepted, ["client-one", "client-two"])
    })))

  it.live("a provider is asked once per connection, not once per host the connection tries", () =>
    Effect.scoped(Effect.gen(function*() {
      const seen = yield* mtlsServer()
      let asked = 0
      const provider = Neo4jConfig.clientCertificateProvider(Effect.sync(() => {
        asked++
        return pki.clientOne
      }))
      // Nothing listens on [::1]:port, so the first host fails and the second one connects.
      const hosts = () => Effect.succeed(["::1", "127.0.0.1"])
      yield* connectOnce(optionsFor(seen.port, provider, hosts))
      assert.strictEqual(asked, 1)
      yield* connectOnce(optionsFor(seen.port, provider))
      assert.strictEqual(asked, 2)
      assert.deepStrictEqual(seen.accepted, ["client-one", "client-one"])
    })))

  it.live("a failing provider fails the attempt with a Tls error, and nothing is dialled", () =>
    Effect.scoped(Effect.gen(function*() {
      const seen = yield* mtlsServer()
      const failure = new Neo4jUsageError({ message: "the secret store is unreachable" })
      const provider = Neo4jConfig.clientCertificateProvider(Effect.fail(failure))
      let resolved = 0
      const resolveHost = (host: string) =>
        Effect.sync(() => {
          resolved++
          return [host]
        })
      const error = yield* Effect.flip(Transport.open(optionsFor(seen.port, provider, resolveHost)))
      assert.instanceOf(error, Neo4jConnectionError)
      assert.strictEqual(error.reason, "Tls")
      assert.strictEqual(error.address, `127.0.0.1:${seen.port}`)
      assert.strictEqual(
        error.message,
        `The client certificate provider failed, so no connection to 127.0.0.1:${seen.port} was attempted: ` +
          `the secret store is unreachable`
      )
      assert.strictEqual(error.cause, failure)
      assert.isFalse(error.isRetryable)
      assert.strictEqual(resolved, 0, "the host was never resolved")
      // A later connection is the first and only one the server saw.
      yield* connectOnce(optionsFor(seen.port, pki.clientOne))
      assert.strictEqual(seen.tcp, 1)
      assert.deepStrictEqual(seen.accepted, ["client-one"])
    })))

  it.effect("a provider that does not answer fails the attempt after connectTimeout", () =>
    Effect.gen(function*() {
      const provider = Neo4jConfig.clientCertificateProvider(Effect.never)
      const options: Transport.TransportOptions = {
        address: { host: "127.0.0.1", port: 1 },
        tls: { trust: "trust-all", clientCertificate: provider },
        connectTimeout: Duration.seconds(5)
      }
      const fiber = yield* Effect.forkChild(Effect.flip(Effect.scoped(Transport.open(options))))
      yield* TestClock.adjust(Duration.millis(4_999))
      assert.isUndefined(fiber.pollUnsafe(), "still waiting before the bound")
      yield* TestClock.adjust(Duration.millis(1))
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason, "Timeout")
      assert.strictEqual(
        error.message,
        "Timed out after 5s waiting for the client certificate provider before connecting to 127.0.0.1:1. " +
          "The bound is the connectionTimeout option."
      )
    }))
})
