/**
 * What the integration suites run against: every provided server, reached both directly
 * (`bolt://`) and through the routing driver (`neo4j://`; a single instance routes to itself).
 */
import { inject } from "vitest"
import type { ProvidedNeo4jServer } from "./globalSetup.ts"

export interface Target {
  readonly name: string
  readonly server: ProvidedNeo4jServer
  /** The URI the suite connects with. */
  readonly uri: string
}

const withScheme = (uri: string, scheme: "bolt" | "neo4j"): string => uri.replace(/^[a-z0-9+]+:\/\//i, `${scheme}://`)

/** Each server over bolt:// and neo4j://, as `describe.each` rows. */
export const targets = (): ReadonlyArray<readonly [string, Target]> =>
  inject("neo4jServers").flatMap((server) =>
    (["bolt", "neo4j"] as const).map((scheme) => {
      const target = { name: `${server.name} over ${scheme}://`, server, uri: withScheme(server.uri, scheme) }
      return [target.name, target] as const
    })
  )
