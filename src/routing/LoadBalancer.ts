/**
 * Least-connected server choice: the server with the fewest connections in demand wins; among
 * equally loaded servers the starting point rotates, so a burst of units of work that all see the
 * same counts (none has acquired its connection yet) is spread round-robin instead of landing on
 * the first server.
 *
 * @since 0.1.0
 */
import { formatAddress, type ServerAddress } from "../internal/uri.ts"
import type { PoolStats } from "../Neo4j.ts"
import type { Role } from "./RoutingTable.ts"

/**
 * How busy a server is, by its `host:port` key.
 *
 * @since 0.1.0
 * @category models
 */
export type LoadOf = (key: string) => number

/**
 * A server's load from the pool's counts: connections leased, being opened, and waited for.
 * Counting the last two matters under bursts: they are connections about to be in use.
 *
 * @since 0.1.0
 * @category constructors
 */
export const loadFromStats = (stats: ReadonlyArray<PoolStats>): LoadOf => {
  const load = new Map<string, number>()
  for (const s of stats) load.set(s.address, s.inUse + s.creating + s.waiting)
  return (key) => load.get(key) ?? 0
}

/**
 * Chooses readers and writers; keeps one rotating offset per role.
 *
 * @since 0.1.0
 * @category models
 */
export class LeastConnected {
  /** Where the next scan of each role's servers starts. */
  readonly #offsets: Record<Role, number> = { READ: 0, WRITE: 0 }

  /** The least loaded server, scanning from the role's rotating offset; `undefined` if none. */
  select(role: Role, servers: ReadonlyArray<ServerAddress>, loadOf: LoadOf): ServerAddress | undefined {
    const count = servers.length
    if (count === 0) return undefined
    const start = this.#next(role) % count
    let best: ServerAddress | undefined = undefined
    let bestLoad = Number.POSITIVE_INFINITY
    for (let i = 0; i < count; i++) {
      const server = servers[(start + i) % count]!
      const load = loadOf(formatAddress(server))
      if (load < bestLoad) {
        best = server
        bestLoad = load
      }
    }
    return best
  }

  #next(role: Role): number {
    // Offsets stay small integers; wrapping at the safe-integer limit keeps the modulo exact.
    const offset = this.#offsets[role]
    this.#offsets[role] = offset >= Number.MAX_SAFE_INTEGER ? 0 : offset + 1
    return offset
  }
}
