/**
 * A bookmark manager on a routing driver is asked once for ROUTE and once more for the transaction
 * (issue 14, deviation 10: TestKit `test_should_enrich_bookmarks_with_bookmark_supplier_result`):
 * ROUTE carries the first answer, BEGIN the second.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { BookmarkManager } from "../../src/Neo4jBookmarks.ts"
import { Pattern, Stub, StubServer } from "../stub/index.ts"
import * as Cluster from "./cluster.ts"

describe("bookmark manager on a routing driver", () => {
  it.effect("ROUTE takes the manager's first answer, BEGIN a fresh one", () =>
    Effect.gen(function*() {
      const router = yield* StubServer.make(undefined, { name: "router" })
      const server = yield* StubServer.make(undefined, { name: "server" })
      router.script(Stub.connection(
        Stub.handshakeAndHello(),
        Stub.route(
          { routers: [router.address], readers: [server.address], writers: [server.address], ttl: 300 },
          { bookmarks: ["supplied:1"], extra: { db: "neo4j" } }
        )
      ))
      server.script(Stub.connection(
        Stub.handshakeAndHello(),
        Stub.transaction({ begin: Pattern.partial({ bookmarks: ["supplied:2"] }), queries: [{ query: "RETURN 1" }], bookmark: "bm:1" })
      ))
      let calls = 0
      const updates: Array<ReadonlyArray<string>> = []
      const manager: BookmarkManager = {
        getBookmarks: Effect.sync(() => [`supplied:${++calls}`]),
        updateBookmarks: (previous, next) => Effect.sync(() => void updates.push([...previous, "->", ...next]))
      }
      const cluster = yield* Cluster.make(router.routingUri())
      yield* cluster.session({ database: "neo4j", bookmarkManager: manager }).executeWrite((tx) => tx.run("RETURN 1"))
      assert.strictEqual(calls, 2)
      assert.deepStrictEqual(updates, [["supplied:2", "->", "bm:1"]])
    }))
})
