/**
 * Transaction functions and causal consistency against real servers: deadlocks retried to success
 * with honest attempt counts, bookmarks across sessions, per-session auth, token managers,
 * impersonation on Community.
 */
import { assert, describe, layer as withLayer } from "@effect/vitest"
import { Deferred, Duration, Effect, Ref, Schedule } from "effect"
import * as Neo4j from "../../src/Neo4j.ts"
import { targets } from "./targets.ts"
import * as Auth from "../../src/Neo4jAuth.ts"
import * as Neo4jSession from "../../src/Neo4jSession.ts"
import { Neo4jClientError } from "../../src/Neo4jError.ts"

/** Fast retries for tests: the default schedule waits 1 s, 2 s, ... like the official drivers. */
const quickRetry = Schedule.spaced(Duration.millis(20)).pipe(Schedule.upTo({ times: 20 }))

describe.each(targets())("transactions against %s", (_name, { server, uri }) => {
  let rotations = 0
  const layer = Neo4j.layer({ uri, username: server.username, password: server.password, retry: quickRetry })

  withLayer(layer, { excludeTestServices: true, timeout: "120 seconds" })("transaction functions", (it) => {
    it.effect("two writers locking two nodes in opposite order deadlock, are retried, and both land once", () =>
      Effect.gen(function*() {
        yield* Neo4j.executeQuery("MATCH (n:DeadlockTest) DELETE n")
        yield* Neo4j.executeQuery("CREATE (:DeadlockTest {id: 1, v: 0}), (:DeadlockTest {id: 2, v: 0})")
        const firstLocked = yield* Deferred.make<void>()
        const secondLocked = yield* Deferred.make<void>()
        const attempts = { a: 0, b: 0 }
        // Each writer locks one node, waits (first attempt only) until the other has locked the
        // other node, then locks the other one: a classic deadlock for the server to detect.
        const writer = (
          key: "a" | "b",
          first: number,
          second: number,
          mine: Deferred.Deferred<void>,
          theirs: Deferred.Deferred<void>
        ) =>
          Neo4j.executeWrite((tx) =>
            Effect.gen(function*() {
              attempts[key]++
              yield* tx.run("MATCH (n:DeadlockTest {id: $id}) SET n.v = n.v + 1", { id: first })
              if (attempts[key] === 1) {
                yield* Deferred.succeed(mine, undefined)
                yield* Deferred.await(theirs)
              }
              yield* tx.run("MATCH (n:DeadlockTest {id: $id}) SET n.v = n.v + 1", { id: second })
            })
          )
        yield* Effect.all([
          writer("a", 1, 2, firstLocked, secondLocked),
          writer("b", 2, 1, secondLocked, firstLocked)
        ], { concurrency: 2 })
        const total = attempts.a + attempts.b
        assert.isAtLeast(total, 3, `one writer must have been retried after the deadlock (attempts ${JSON.stringify(attempts)})`)
        const values = yield* Neo4j.executeQuery("MATCH (n:DeadlockTest) RETURN n.id AS id, n.v AS v ORDER BY id")
        // Each writer incremented each node exactly once, whatever the number of attempts.
        assert.deepStrictEqual(values.records.map((r) => r.toObject()), [{ id: 1, v: 2 }, { id: 2, v: 2 }])
        yield* Neo4j.executeQuery("MATCH (n:DeadlockTest) DELETE n")
      }))

    it.effect("work can be an Effect that requires the Transaction service, and a session can be a layer", () =>
      Effect.gen(function*() {
        const work = Effect.gen(function*() {
          const created = yield* Neo4jSession.query("CREATE (n:ServiceTest) RETURN count(n) AS c")
          return created.records[0]!.get("c")
        })
        assert.strictEqual(yield* Neo4j.executeWrite(work), 1)
        const counted = yield* Neo4jSession.run("MATCH (n:ServiceTest) RETURN count(n) AS c").pipe(
          Effect.provide(Neo4j.layerSession({ defaultAccessMode: "READ" }))
        )
        assert.strictEqual(counted.records[0]!.get("c"), 1)
        yield* Neo4j.executeQuery("MATCH (n:ServiceTest) DELETE n")
      }))

    it.effect("a non-retryable failure runs the work once and is returned as is", () =>
      Effect.gen(function*() {
        const runs = yield* Ref.make(0)
        const error = yield* Effect.flip(
          Neo4j.executeWrite((tx) => Effect.andThen(Ref.update(runs, (n) => n + 1), tx.run("RETURN 1 / 0")))
        )
        assert.instanceOf(error, Neo4jClientError)
        assert.isUndefined((error as Neo4jClientError).attempts)
        assert.strictEqual(yield* Ref.get(runs), 1)
      }))

    it.effect("a write in one session is seen by a read in another that uses its bookmarks", () =>
      Effect.scoped(
        Effect.gen(function*() {
          const writer = yield* Neo4j.session()
          yield* writer.executeWrite((tx) => tx.run("MERGE (n:BookmarkTest {k: 1}) SET n.seen = $t", { t: "written" }))
          const bookmarks = yield* writer.lastBookmarks
          assert.strictEqual(bookmarks.length, 1)
          const reader = yield* Neo4j.session({ bookmarks, defaultAccessMode: "READ" })
          const read = yield* reader.executeRead((tx) => tx.run("MATCH (n:BookmarkTest {k: 1}) RETURN n.seen AS seen"))
          assert.strictEqual(read.records[0]!.get("seen"), "written")
          // The bookmarks really travel: a malformed one is rejected by the server.
          const bogus = yield* Neo4j.session({ bookmarks: ["not-a-bookmark"] })
          const rejected = yield* Effect.flip(bogus.run("RETURN 1"))
          assert.match((rejected as Neo4jClientError).code, /Bookmark/)
          yield* writer.run("MATCH (n:BookmarkTest) DELETE n")
        })
      ))

    it.effect("executeQuery chains writes and reads through the driver's bookmark manager", () =>
      Effect.gen(function*() {
        const driver = yield* Neo4j.Neo4j
        const before = yield* driver.bookmarkManager.getBookmarks
        yield* Neo4j.executeQuery("CREATE (:BookmarkTest {k: 2})")
        const after = yield* driver.bookmarkManager.getBookmarks
        assert.strictEqual(after.length, 1)
        assert.notDeepEqual(after, before)
        const read = yield* Neo4j.executeQuery("MATCH (n:BookmarkTest {k: 2}) RETURN count(n) AS c", {}, { routing: "READ" })
        assert.strictEqual(read.records[0]!.get("c"), 1)
        yield* Neo4j.executeQuery("MATCH (n:BookmarkTest) DELETE n")
      }))

    it.effect("verifyAuthentication and per-session auth use LOGOFF/LOGON", () =>
      Effect.gen(function*() {
        const info = yield* Neo4j.getServerInfo
        const [major, minor] = info.protocolVersion.split(".").map(Number)
        if (major! < 5 || (major === 5 && minor! < 1)) return
        assert.isTrue(yield* Neo4j.verifyAuthentication())
        assert.isFalse(yield* Neo4j.verifyAuthentication(Auth.basic(server.username, "not-the-password")))
        yield* Neo4j.executeQuery("CREATE OR REPLACE USER alice SET PASSWORD 'alice-pw' CHANGE NOT REQUIRED", {}, {
          database: "system"
        })
        const session = yield* Neo4j.session({ auth: Auth.basic("alice", "alice-pw"), database: "system" })
        const me = yield* session.run("SHOW CURRENT USER YIELD user RETURN user")
        assert.strictEqual(me.records[0]!.get("user"), "alice")
        const back = yield* Neo4j.executeQuery("SHOW CURRENT USER YIELD user RETURN user", {}, { database: "system" })
        assert.strictEqual(back.records[0]!.get("user"), server.username)
        yield* Neo4j.executeQuery("DROP USER alice", {}, { database: "system" })
      }).pipe(Effect.scoped))

    it.effect("impersonation on Community fails with a clear typed error", () =>
      Effect.gen(function*() {
        if (server.edition !== "community") return
        const error = yield* Effect.flip(Neo4j.executeQuery("RETURN 1", {}, { impersonatedUser: "someone" }))
        assert.strictEqual(error._tag, "Neo4jClientError")
        assert.match(error.message, /imperson/i)
      }))
  })

  withLayer(
    Neo4j.layer({
      uri,
      auth: Auth.basicTokenManager(
        Effect.sync(() => {
          rotations++
          // The first token is stale (a rotated password); the manager is asked again after Unauthorized.
          return { token: Auth.basic(server.username, rotations === 1 ? "stale-password" : server.password) }
        })
      ),
      retry: quickRetry
    }),
    { excludeTestServices: true, timeout: "60 seconds" }
  )("token manager", (it) => {
    it.effect("a rejected token is fetched again and the work retried", () =>
      Effect.gen(function*() {
        const result = yield* Neo4j.executeQuery("RETURN 'rotated' AS v")
        assert.strictEqual(result.records[0]!.get("v"), "rotated")
        assert.strictEqual(rotations, 2)
      }))
  })
})
