/**
 * Every provided server speaks Bolt the way the driver will expect, checked with hand-written bytes
 * (rawBolt.ts) so a driver bug cannot hide a server-setup bug and the other way round.
 */
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { inject } from "vitest"
import type { ProvidedNeo4jServer } from "./globalSetup.ts"
import {
  authenticate,
  BOLT_4_4_ONLY,
  type BoltResponse,
  type BoltVersion,
  failureCode,
  formatVersion,
  MessageSignature,
  NEWEST_PROPOSALS,
  openSession,
  RawBoltConnection,
  runQuery,
  versionAtLeast
} from "./rawBolt.ts"

const servers = inject("neo4jServers")
const UNAUTHORIZED = "Neo.ClientError.Security.Unauthorized"
/** Neo4j's default lockout is 3 failures; one more than that proves the lockout is off. */
const WRONG_PASSWORD_ATTEMPTS = 4
/** Calendar versions from 2025.10 negotiate Bolt 6; 5.26 stops at 5.8. */
const expectedNewest = (server: ProvidedNeo4jServer): BoltVersion | "6.x" | undefined =>
  server.line === "5.26" ? { major: 5, minor: 8 } : Number(server.line) >= 2026 ? "6.x" : undefined

const connectAndAuthenticate = async (
  server: ProvidedNeo4jServer,
  proposals: typeof NEWEST_PROPOSALS,
  password: string
): Promise<{ readonly version: BoltVersion; readonly hello: BoltResponse; readonly auth: BoltResponse }> => {
  const connection = await RawBoltConnection.connect(server)
  try {
    const version = await connection.handshake(proposals)
    assert.isDefined(version, "the server agreed to none of the proposed versions")
    const { hello, auth } = await authenticate(connection, version!, { username: server.username, password })
    return { version: version!, hello, auth }
  } finally {
    connection.close()
  }
}

const assertUnauthorized = (version: BoltVersion, auth: BoltResponse): void => {
  assert.strictEqual(auth._tag, "Failure")
  if (auth._tag !== "Failure") return
  assert.strictEqual(failureCode(auth.metadata), UNAUTHORIZED)
  // Bolt 5.7 renamed the field; check the one this version must use.
  assert.property(auth.metadata, versionAtLeast(version, 5, 7) ? "neo4j_code" : "code")
  assert.match(String(auth.metadata["message"]), /unauthorized due to authentication failure/i)
}

describe("integration servers", () => {
  it("at least one server is provided", () => {
    assert.isAbove(servers.length, 0)
  })
})

describe.each(servers.map((server) => [server.name, server] as const))("%s", (_name, server) => {
  it("negotiates the newest Bolt version both sides know", async () => {
    const connection = await RawBoltConnection.connect(server)
    try {
      const version = await connection.handshake(NEWEST_PROPOSALS)
      assert.isDefined(version)
      const expected = expectedNewest(server)
      if (expected === "6.x") assert.strictEqual(version!.major, 6)
      else if (expected !== undefined) assert.deepStrictEqual(version, expected)
    } finally {
      connection.close()
    }
  })

  it("accepts the right password on the newest version", async () => {
    const { version, hello, auth } = await connectAndAuthenticate(server, NEWEST_PROPOSALS, server.password)
    assert.strictEqual(hello._tag, "Success", `HELLO on Bolt ${formatVersion(version)}`)
    if (hello._tag === "Success") assert.match(String(hello.metadata["server"]), /^Neo4j\//)
    assert.strictEqual(auth._tag, "Success", JSON.stringify(auth))
  })

  it("refuses a wrong password on the newest version with Unauthorized", async () => {
    const { version, auth } = await connectAndAuthenticate(server, NEWEST_PROPOSALS, `${server.password}-wrong`)
    assertUnauthorized(version, auth)
  })

  it("authenticates in HELLO on Bolt 4.4 (before LOGON existed)", async () => {
    const right = await connectAndAuthenticate(server, BOLT_4_4_ONLY, server.password)
    assert.deepStrictEqual(right.version, { major: 4, minor: 4 })
    assert.strictEqual(right.auth._tag, "Success", JSON.stringify(right.auth))
    const wrong = await connectAndAuthenticate(server, BOLT_4_4_ONLY, `${server.password}-wrong`)
    assertUnauthorized(wrong.version, wrong.auth)
  })

  it("reports the version it was provided with", async () => {
    const { connection, version } = await openSession(server)
    try {
      const rows = await runQuery(connection, version, "CALL dbms.components() YIELD name, versions, edition WHERE name = 'Neo4j Kernel' RETURN versions[0], edition")
      assert.deepStrictEqual(rows, [[server.version, server.edition]])
    } finally {
      connection.close()
    }
  })

  it.runIf(server.source === "embedded")("advertises its own address in the routing table", async () => {
    const { connection, version } = await openSession(server)
    try {
      const { response } = await connection.request(MessageSignature.ROUTE, [{}, [], {}])
      assert.strictEqual(response._tag, "Success", JSON.stringify(response))
      if (response._tag !== "Success") return
      const table = response.metadata["rt"] as { readonly servers: ReadonlyArray<{ readonly addresses: ReadonlyArray<string> }> }
      const addresses = new Set(table.servers.flatMap((entry) => entry.addresses))
      assert.deepStrictEqual([...addresses], [`${server.host}:${server.port}`], `Bolt ${formatVersion(version)}`)
    } finally {
      connection.close()
    }
  })

  it.runIf(server.source === "embedded")("does not lock out the right password after failures", async () => {
    for (let attempt = 0; attempt < WRONG_PASSWORD_ATTEMPTS; attempt++) {
      const { version, auth } = await connectAndAuthenticate(server, NEWEST_PROPOSALS, `${server.password}-wrong`)
      assertUnauthorized(version, auth)
    }
    const { auth } = await connectAndAuthenticate(server, NEWEST_PROPOSALS, server.password)
    assert.strictEqual(auth._tag, "Success", JSON.stringify(auth))
  })

  it.runIf(server.tlsCertificateFile !== undefined)("speaks TLS on the same port (bolt+s)", async () => {
    const ca = readFileSync(server.tlsCertificateFile!)
    const connection = await RawBoltConnection.connect({
      host: server.host,
      port: server.port,
      // The certificate names localhost and 127.0.0.1: verify it like bolt+s:// would.
      tls: { ca, servername: "localhost" }
    })
    try {
      const version = await connection.handshake(NEWEST_PROPOSALS)
      assert.isDefined(version)
      const { auth } = await authenticate(connection, version!, server)
      assert.strictEqual(auth._tag, "Success", JSON.stringify(auth))
    } finally {
      connection.close()
    }
  })
})
