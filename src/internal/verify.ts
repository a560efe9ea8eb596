/**
 * `verifyConnectivity` / `getServerInfo`: prove that the driver can do work, not that the pool
 * once could. A direct driver checks out a connection to its server with a round trip (the
 * handshake of a new one, RESET on a pooled one). A routing driver fetches the table afresh (ROUTE;
 * for the home database, resolving it again) and tries its readers in order until one answers:
 * a reader that cannot be reached is forgotten and the next one tried; any other failure (wrong
 * credentials) ends the check, since another server would answer the same.
 */
import * as Effect from "effect/Effect"
import { formatAddress } from "./uri.ts"
import { Neo4jConnectionError, type Neo4jError } from "../Neo4jError.ts"
import type { ServerInfo } from "../Neo4jSummary.ts"
import type { BoltConnection } from "../connection/BoltConnection.ts"
import type { Driver } from "./driver.ts"

/** What `read` says of a connection proven as described above. */
const probed = <A>(driver: Driver, database: string | undefined, read: (connection: BoltConnection) => A): Effect.Effect<A, Neo4jError> =>
  Effect.gen(function*() {
    const table = yield* driver.router.refresh({ mode: "READ", database })
    if (table === undefined) {
      return yield* Effect.scoped(Effect.map(driver.probe(driver.config.uri.address), read))
    }
    let last: Neo4jError | undefined
    for (const reader of table.readers) {
      const exit = yield* Effect.exit(Effect.scoped(Effect.map(driver.probe(reader), read)))
      if (exit._tag === "Success") return exit.value
      const error = exit.cause.reasons.find((r) => r._tag === "Fail")?.error
      if (!(error instanceof Neo4jConnectionError)) return yield* Effect.failCause(exit.cause)
      last = error
      yield* driver.router.onConnectionFailure(reader, table.database)
    }
    return yield* (last ?? new Neo4jConnectionError({
      reason: "SessionExpired",
      address: formatAddress(table.fetchedFrom),
      message: `No reader is available for ${table.database ?? "the home database"} ` +
        `(routing table from ${formatAddress(table.fetchedFrom)} names none)`
    }))
  })

export const serverInfo = (driver: Driver, database: string | undefined): Effect.Effect<ServerInfo, Neo4jError> =>
  probed(driver, database, (connection) => connection.server)

/** Whether the server has session auth (LOGOFF/LOGON, Bolt 5.1+), on a connection proven as `serverInfo`'s. */
export const supportsSessionAuth = (driver: Driver): Effect.Effect<boolean, Neo4jError> =>
  probed(driver, undefined, (connection) => connection.capabilities.logon)
