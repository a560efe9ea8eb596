/**
 * TLS against the embedded servers (plain and TLS on one port, a self-signed certificate for
 * localhost/127.0.0.1 generated at start): trusted CA, trust-all, and a host name that does not
 * match the certificate.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { inject } from "vitest"
import * as Neo4j from "../../src/Neo4j.ts"
import { Neo4jConnectionError } from "../../src/Neo4jError.ts"
import type { ProvidedNeo4jServer } from "./globalSetup.ts"

const withCertificates = inject("neo4jServers").filter(
  (server): server is ProvidedNeo4jServer & { readonly tlsCertificateFile: string } =>
    server.tlsCertificateFile !== undefined
)

const query = (server: ProvidedNeo4jServer, options: Omit<Parameters<typeof Neo4j.layer>[0], "uri"> & { uri: string }) =>
  Neo4j.executeQuery("RETURN 'over tls' AS v").pipe(
    Effect.map((r) => r.records[0]!.get("v")),
    Effect.provide(Neo4j.layer({ username: server.username, password: server.password, ...options }))
  )

describe.each(withCertificates.map((server) => [server.name, server] as const))("TLS against %s", (_name, server) => {
  const ca = readFileSync(server.tlsCertificateFile, "utf8")

  it.live("bolt+s:// with the server's CA trusted", () =>
    Effect.gen(function*() {
      const value = yield* query(server, { uri: `bolt+s://localhost:${server.port}`, tls: { ca: [ca] } })
      assert.strictEqual(value, "over tls")
    }))

  it.live("bolt+ssc:// accepts the self-signed certificate", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* query(server, { uri: `bolt+ssc://127.0.0.1:${server.port}` }), "over tls")
      assert.strictEqual(yield* query(server, { uri: `neo4j+ssc://localhost:${server.port}` }), "over tls")
    }))

  it.live("bolt+s:// against the system CAs rejects a self-signed certificate", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(query(server, { uri: `bolt+s://localhost:${server.port}` }))
      assert.instanceOf(error, Neo4jConnectionError)
      assert.strictEqual((error as Neo4jConnectionError).reason, "Tls")
      assert.match(error.message, /bolt\+ssc/)
    }))

  it.live("a certificate that does not match the host is rejected", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        query(server, { uri: `bolt+s://127.0.0.1:${server.port}`, tls: { ca: [ca], serverName: "db.example.org" } })
      )
      assert.instanceOf(error, Neo4jConnectionError)
      assert.strictEqual((error as Neo4jConnectionError).reason, "Tls")
      assert.match(error.message, /db\.example\.org|altnames|Hostname/i)
    }))
})

describe("TLS servers", () => {
  it("every embedded server offers TLS", () => {
    for (const server of inject("neo4jServers")) {
      if (server.source === "embedded") assert.isDefined(server.tlsCertificateFile, server.name)
    }
  })
})
