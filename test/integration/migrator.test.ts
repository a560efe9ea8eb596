/**
 * Neo4jMigrator against every provided server: idempotent schema setup (Enterprise-only
 * constraints skipped on Community with the reason), versioned migrations recorded once with
 * checksums, edits detected, and two migrators racing for the lock.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Schedule } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { inject } from "vitest"
import * as Neo4j from "../../src/Neo4j.ts"
import * as Neo4jMigrator from "../../src/Neo4jMigrator.ts"

const servers = inject("neo4jServers")

const names = (query: string) =>
  Effect.map(Neo4j.executeQuery<{ name: string }>(query), (r) => r.records.map((x) => x.get("name")))

const forget = Neo4j.executeQuery("MATCH (n) WHERE n:__Neo4jMigration OR n:__Neo4jMigrationLock OR n:MigPerson DETACH DELETE n")

describe.each(servers.map((server) => [server.name, server] as const))("Neo4jMigrator against %s", (_name, server) => {
  const driver = Neo4j.layer({ uri: server.uri, username: server.username, password: server.password })

  it.live("sets up constraints and indexes once; skips Enterprise-only ones on Community with the reason", () =>
    Effect.gen(function*() {
      const items = [
        Neo4jMigrator.unique("mig_person_email", "MigPerson", "email"),
        Neo4jMigrator.rangeIndex("mig_person_born", "MigPerson", ["born"]),
        Neo4jMigrator.textIndex("mig_person_bio", "MigPerson", "bio"),
        Neo4jMigrator.vectorIndex("mig_person_embedding", "MigPerson", "embedding", { dimensions: 3, similarity: "cosine" }),
        Neo4jMigrator.nodeKey("mig_person_key", "MigPerson", ["first", "last"]),
        Neo4jMigrator.exists("mig_person_name", "MigPerson", "name")
      ]
      const first = yield* Neo4jMigrator.setupSchema(items)
      const enterprise = server.edition === "enterprise"
      assert.deepStrictEqual(first.created, enterprise ? items.map((i) => i.name) : items.slice(0, 4).map((i) => i.name))
      if (!enterprise) {
        assert.deepStrictEqual(first.skipped.map((s) => s.name), ["mig_person_key", "mig_person_name"])
        assert.include(first.skipped[0]!.reason, "Enterprise Edition")
        // The skip is not a guess: Community refuses the statement.
        const refused = yield* Effect.flip(Neo4j.executeQuery(Neo4jMigrator.toCypher(items[4]!)))
        assert.include(refused.message.toLowerCase(), "enterprise")
        const failed = yield* Effect.flip(Neo4jMigrator.setupSchema(items, { onUnsupported: "fail" }))
        assert.strictEqual(failed._tag === "Neo4jMigrationError" && failed.kind, "Unsupported")
      }
      const again = yield* Neo4jMigrator.setupSchema(items)
      assert.deepStrictEqual(again.created, [])
      assert.deepStrictEqual(again.existing, first.created)
      const constraints = yield* names("SHOW CONSTRAINTS YIELD name")
      const indexes = yield* names("SHOW INDEXES YIELD name")
      assert.include(constraints, "mig_person_email")
      for (const index of ["mig_person_born", "mig_person_bio", "mig_person_embedding"]) assert.include(indexes, index)
      // The unique constraint holds.
      yield* Neo4j.executeQuery("CREATE (:MigPerson {email: 'a@example.org'})")
      const duplicate = yield* Effect.flip(Neo4j.executeQuery("CREATE (:MigPerson {email: 'a@example.org'})"))
      assert.strictEqual("code" in duplicate && duplicate.code, "Neo.ClientError.Schema.ConstraintValidationFailed")
      yield* forget
      for (const item of first.created) {
        const kind = item === "mig_person_email" || item.startsWith("mig_person_key") || item === "mig_person_name"
          ? "CONSTRAINT"
          : "INDEX"
        yield* Neo4j.executeQuery(`DROP ${kind} ${item} IF EXISTS`)
      }
    }).pipe(Effect.provide(driver)))

  it.live("applies migrations from code and files once, records checksums, detects edits", () =>
    Effect.gen(function*() {
      yield* forget
      const directory = mkdtempSync(join(tmpdir(), "neo4j-migrations-"))
      writeFileSync(
        join(directory, "2_people.cypher"),
        "// two statements, one transaction each\nCREATE (:MigPerson {name: 'Ada'});\nCREATE (:MigPerson {name: 'Grace'});\n"
      )
      writeFileSync(join(directory, "notes.txt"), "not a migration")
      const fromFiles = yield* Neo4jMigrator.fromDirectory(directory)
      const migrations = [
        { id: 1, name: "constraint", up: "CREATE CONSTRAINT mig_person_name_unique IF NOT EXISTS FOR (p:MigPerson) REQUIRE p.name IS UNIQUE" },
        ...fromFiles,
        {
          id: 3,
          name: "code",
          checksum: "v1",
          up: Neo4j.executeQuery("MATCH (p:MigPerson) SET p.migrated = true")
        }
      ]
      const appliedNow = yield* Neo4jMigrator.run({ loader: Neo4jMigrator.fromMigrations(migrations) })
      assert.deepStrictEqual(appliedNow.map((m) => `${m.id}_${m.name}`), ["1_constraint", "2_people", "3_code"])
      assert.match(appliedNow[0]!.checksum, /^[0-9a-f]{64}$/)
      assert.strictEqual(appliedNow[2]!.checksum, "v1")
      assert.isFalse(Number.isNaN(Date.parse(appliedNow[0]!.appliedAt)), appliedNow[0]!.appliedAt)
      const people = yield* Neo4j.executeQuery<{ n: number }>("MATCH (p:MigPerson {migrated: true}) RETURN count(p) AS n")
      assert.strictEqual(people.records[0]?.get("n"), 2)

      // Again: nothing to do, nothing duplicated.
      assert.deepStrictEqual(yield* Neo4jMigrator.run({ loader: Neo4jMigrator.fromMigrations(migrations) }), [])
      const recorded = yield* Neo4jMigrator.applied()
      assert.deepStrictEqual(recorded.map((m) => [m.id, m.checksum]), appliedNow.map((m) => [m.id, m.checksum]))

      // An applied migration edited afterwards is refused before anything runs.
      const edited = [{ ...migrations[0]!, up: "CREATE INDEX other IF NOT EXISTS FOR (p:MigPerson) ON (p.x)" }, ...migrations.slice(1)]
      const mismatch = yield* Effect.flip(Neo4jMigrator.run({ loader: Neo4jMigrator.fromMigrations(edited) }))
      assert.strictEqual(mismatch._tag === "Neo4jMigrationError" && mismatch.kind, "ChecksumMismatch")
      const duplicates = yield* Effect.flip(
        Neo4jMigrator.run({ loader: Neo4jMigrator.fromMigrations([migrations[0]!, { ...migrations[0]!, name: "again" }]) })
      )
      assert.strictEqual(duplicates._tag === "Neo4jMigrationError" && duplicates.kind, "Duplicates")
      // A failing migration is reported with its cause, not recorded, and the lock is released.
      const failing = yield* Effect.flip(Neo4jMigrator.run({
        loader: Neo4jMigrator.fromMigrations([...migrations, { id: 4, name: "broken", up: "THIS IS NOT CYPHER" }])
      }))
      assert.strictEqual(failing._tag === "Neo4jMigrationError" && failing.kind, "Failed")
      assert.deepStrictEqual((yield* Neo4jMigrator.applied()).map((m) => m.id), [1, 2, 3])
      const locks = yield* Neo4j.executeQuery<{ n: number }>("MATCH (l:__Neo4jMigrationLock) RETURN count(l) AS n")
      assert.strictEqual(locks.records[0]?.get("n"), 0)
      yield* forget
      yield* Neo4j.executeQuery("DROP CONSTRAINT mig_person_name_unique IF EXISTS")
    }).pipe(Effect.provide(driver)))

  it.live("two migrators racing: one migrates, the other is Locked (or waits, then finds nothing to do)", () =>
    Effect.gen(function*() {
      yield* forget
      // The first migration holds the lock for a while, so the two runs overlap.
      const migrations: ReadonlyArray<Neo4jMigrator.Migration> = [
        { id: 1, name: "slow", checksum: "v1", up: Effect.sleep(Duration.millis(1500)) },
        { id: 2, name: "people", up: "CREATE (:MigPerson {name: 'Ada'})" }
      ]
      const loader = Neo4jMigrator.fromMigrations(migrations)
      const [a, b] = yield* Effect.all([Effect.exit(Neo4jMigrator.run({ loader })), Effect.exit(Neo4jMigrator.run({ loader }))], {
        concurrency: 2
      })
      const winners = [a, b].filter(Exit.isSuccess)
      const losers = [a, b].filter(Exit.isFailure)
      assert.strictEqual(winners.length, 1, "exactly one migrator ran")
      assert.deepStrictEqual(winners[0]!.value.map((m) => m.id), [1, 2])
      assert.strictEqual(losers.length, 1)
      const lost = losers[0]!.cause.reasons[0]
      assert.strictEqual(lost?._tag === "Fail" && lost.error._tag === "Neo4jMigrationError" && lost.error.kind, "Locked")
      const ada = yield* Neo4j.executeQuery<{ n: number }>("MATCH (p:MigPerson) RETURN count(p) AS n")
      assert.strictEqual(ada.records[0]?.get("n"), 1)

      // With waitForLock the second waits for the first and then has nothing left to apply.
      yield* forget
      const waiting = { loader, waitForLock: Schedule.spaced(Duration.millis(200)) }
      const [c, d] = yield* Effect.all([Neo4jMigrator.run(waiting), Neo4jMigrator.run(waiting)], { concurrency: 2 })
      assert.deepStrictEqual([c.length, d.length].sort(), [0, 2])
      assert.deepStrictEqual((yield* Neo4jMigrator.applied()).map((m) => m.id), [1, 2])
      const people = yield* Neo4j.executeQuery<{ n: number }>("MATCH (p:MigPerson) RETURN count(p) AS n")
      assert.strictEqual(people.records[0]?.get("n"), 1)
      yield* forget
    }).pipe(Effect.provide(driver)))
})
