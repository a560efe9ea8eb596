/**
 * Schema setup and versioned migrations, in the spirit of Effect's SQL `Migrator`:
 *
 * - {@link setupSchema}: constraints and indexes from declarations ({@link unique}, {@link nodeKey},
 *   {@link exists}, {@link rangeIndex}, {@link textIndex}, {@link vectorIndex}), each created with
 *   `IF NOT EXISTS`, so running it again changes nothing. Node key and existence constraints
 *   need Enterprise Edition: on Community they are skipped with that reason, or fail with
 *   `Neo4jMigrationError` `Unsupported` when `onUnsupported: "fail"`.
 * - {@link run}: numbered migrations (Cypher text, from code or `<id>_<name>.cypher` files, or
 *   Effects), each applied once and recorded in the graph as a `:__Neo4jMigration` node with its
 *   checksum and `appliedAt`. A uniquely constrained `:__Neo4jMigrationLock` node keeps two
 *   instances from migrating at once: the second fails with `Locked` (or waits, with `waitForLock`).
 *
 * A migration's statements run one transaction each (Neo4j does not mix schema and data changes in
 * one transaction), so a migration that fails half-way leaves its earlier statements applied and
 * is not recorded: write migrations that can run again (`IF NOT EXISTS`, `MERGE`).
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Neo4j from "./Neo4j.ts"
import type { Neo4jError } from "./Neo4jError.ts"

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * Why the migrator stopped: `Locked` (another instance is migrating), `ChecksumMismatch` (an
 * applied migration was edited), `Duplicates` (two migrations share an id), `Unsupported` (the
 * server cannot create a declared constraint), `LoadFailed` (reading migration files), `Failed`
 * (a migration's own failure, as `cause`).
 *
 * @since 0.1.0
 * @category errors
 */
export class Neo4jMigrationError extends Data.TaggedError("Neo4jMigrationError")<{
  readonly kind: "Locked" | "ChecksumMismatch" | "Duplicates" | "Unsupported" | "LoadFailed" | "Failed"
  readonly message: string
  readonly cause?: unknown
}> {}

// ---------------------------------------------------------------------------------------------
// Schema declarations
// ---------------------------------------------------------------------------------------------

/**
 * A constraint or index to have on the database.
 *
 * @since 0.1.0
 * @category models
 */
export type SchemaItem =
  | { readonly _tag: "Unique"; readonly name: string; readonly label: string; readonly properties: ReadonlyArray<string> }
  | { readonly _tag: "NodeKey"; readonly name: string; readonly label: string; readonly properties: ReadonlyArray<string> }
  | { readonly _tag: "Exists"; readonly name: string; readonly label: string; readonly property: string }
  | { readonly _tag: "RangeIndex"; readonly name: string; readonly label: string; readonly properties: ReadonlyArray<string> }
  | { readonly _tag: "TextIndex"; readonly name: string; readonly label: string; readonly property: string }
  | {
    readonly _tag: "VectorIndex"
    readonly name: string
    readonly label: string
    readonly property: string
    readonly dimensions: number
    readonly similarity: "cosine" | "euclidean"
  }

const asArray = (properties: string | ReadonlyArray<string>) => (typeof properties === "string" ? [properties] : properties)

/**
 * A uniqueness constraint on nodes of `label` (one property or a composite).
 *
 * @since 0.1.0
 * @category schema
 */
export const unique = (name: string, label: string, properties: string | ReadonlyArray<string>): SchemaItem => ({
  _tag: "Unique",
  name,
  label,
  properties: asArray(properties)
})

/**
 * A node key constraint (unique and present; Enterprise Edition).
 *
 * @since 0.1.0
 * @category schema
 */
export const nodeKey = (name: string, label: string, properties: string | ReadonlyArray<string>): SchemaItem => ({
  _tag: "NodeKey",
  name,
  label,
  properties: asArray(properties)
})

/**
 * A property existence constraint (`IS NOT NULL`; Enterprise Edition).
 *
 * @since 0.1.0
 * @category schema
 */
export const exists = (name: string, label: string, property: string): SchemaItem => ({
  _tag: "Exists",
  name,
  label,
  property
})

/**
 * A range index (the default index kind).
 *
 * @since 0.1.0
 * @category schema
 */
export const rangeIndex = (name: string, label: string, properties: string | ReadonlyArray<string>): SchemaItem => ({
  _tag: "RangeIndex",
  name,
  label,
  properties: asArray(properties)
})

/**
 * A text index (for `CONTAINS`, `ENDS WITH` on strings).
 *
 * @since 0.1.0
 * @category schema
 */
export const textIndex = (name: string, label: string, property: string): SchemaItem => ({
  _tag: "TextIndex",
  name,
  label,
  property
})

/**
 * A vector index (Neo4j 5.13+) over float lists of `dimensions` entries.
 *
 * @since 0.1.0
 * @category schema
 */
export const vectorIndex = (
  name: string,
  label: string,
  property: string,
  options: { readonly dimensions: number; readonly similarity: "cosine" | "euclidean" }
): SchemaItem => ({ _tag: "VectorIndex", name, label, property, ...options })

/** Backtick-quoted identifier (a backtick inside is doubled, as Cypher escapes it). */
const id = (name: string): string => `\`${name.replaceAll("`", "``")}\``

const props = (properties: ReadonlyArray<string>) => `(${properties.map((p) => `n.${id(p)}`).join(", ")})`

/**
 * The Cypher that creates a schema item if it does not exist.
 *
 * @since 0.1.0
 * @category schema
 */
export const toCypher = (item: SchemaItem): string => {
  const head = (kind: "CONSTRAINT" | "INDEX" | "TEXT INDEX" | "VECTOR INDEX") =>
    `CREATE ${kind} ${id(item.name)} IF NOT EXISTS FOR (n:${id(item.label)})`
  switch (item._tag) {
    case "Unique":
      return `${head("CONSTRAINT")} REQUIRE ${props(item.properties)} IS UNIQUE`
    case "NodeKey":
      return `${head("CONSTRAINT")} REQUIRE ${props(item.properties)} IS NODE KEY`
    case "Exists":
      return `${head("CONSTRAINT")} REQUIRE n.${id(item.property)} IS NOT NULL`
    case "RangeIndex":
      return `${head("INDEX")} ON ${props(item.properties)}`
    case "TextIndex":
      return `${head("TEXT INDEX")} ON (n.${id(item.property)})`
    case "VectorIndex": {
      if (!Number.isInteger(item.dimensions) || item.dimensions < 1) {
        throw new RangeError(`vectorIndex ${item.name}: dimensions must be a positive integer`)
      }
      return `${head("VECTOR INDEX")} ON (n.${id(item.property)}) OPTIONS { indexConfig: { ` +
        `\`vector.dimensions\`: ${item.dimensions}, \`vector.similarity_function\`: '${item.similarity}' } }`
    }
  }
}

const ENTERPRISE_ONLY: ReadonlySet<SchemaItem["_tag"]> = new Set(["NodeKey", "Exists"])

/**
 * What {@link setupSchema} did with each declaration.
 *
 * @since 0.1.0
 * @category models
 */
export interface SchemaReport {
  /** Created by this run. */
  readonly created: ReadonlyArray<string>
  /** There already (a constraint or index of that name or an equivalent one). */
  readonly existing: ReadonlyArray<string>
  readonly skipped: ReadonlyArray<{ readonly name: string; readonly reason: string }>
}

/**
 * The server's edition (`community` or `enterprise`), from `dbms.components()`.
 *
 * @since 0.1.0
 * @category schema
 */
export const edition: Effect.Effect<string, Neo4jError, Neo4j.Neo4j> = Effect.map(
  Neo4j.executeQuery<{ edition: string }>("CALL dbms.components() YIELD edition RETURN edition", {}, { routing: "READ" }),
  (result) => result.records[0]?.get("edition") ?? "unknown"
)

/**
 * Creates the declared constraints and indexes that are missing. Enterprise-only constraints on
 * Community Edition are skipped with the reason (`onUnsupported: "skip"`, the default) or fail.
 *
 * @since 0.1.0
 * @category schema
 */
export const setupSchema = (
  items: ReadonlyArray<SchemaItem>,
  options: { readonly onUnsupported?: "skip" | "fail" | undefined; readonly database?: string | undefined } = {}
): Effect.Effect<SchemaReport, Neo4jMigrationError | Neo4jError, Neo4j.Neo4j> =>
  Effect.gen(function*() {
    const serverEdition = yield* edition
    const created: Array<string> = []
    const existing: Array<string> = []
    const skipped: Array<{ name: string; reason: string }> = []
    for (const item of items) {
      if (ENTERPRISE_ONLY.has(item._tag) && serverEdition !== "enterprise") {
        const reason = `${item._tag === "NodeKey" ? "node key" : "property existence"} constraints need ` +
          `Neo4j Enterprise Edition; this server is ${serverEdition}`
        if (options.onUnsupported === "fail") {
          return yield* new Neo4jMigrationError({ kind: "Unsupported", message: `${item.name}: ${reason}` })
        }
        skipped.push({ name: item.name, reason })
        continue
      }
      const { summary } = yield* Neo4j.executeQuery(toCypher(item), {}, { database: options.database })
      const added = summary.counters.constraintsAdded + summary.counters.indexesAdded
      ;(added > 0 ? created : existing).push(item.name)
    }
    return { created, existing, skipped }
  })

// ---------------------------------------------------------------------------------------------
// Versioned migrations
// ---------------------------------------------------------------------------------------------

/**
 * One migration: Cypher statements, or an Effect run with the driver. Effects have no text to
 * hash: give them a `checksum` (a version string) to have edits detected.
 *
 * @since 0.1.0
 * @category models
 */
export interface Migration {
  readonly id: number
  readonly name: string
  readonly up: string | ReadonlyArray<string> | Effect.Effect<unknown, unknown, Neo4j.Neo4j>
  readonly checksum?: string | undefined
}

/**
 * A source of migrations.
 *
 * @since 0.1.0
 * @category models
 */
export type Loader = Effect.Effect<ReadonlyArray<Migration>, Neo4jMigrationError>

/**
 * Migrations given in code.
 *
 * @since 0.1.0
 * @category loaders
 */
export const fromMigrations = (migrations: ReadonlyArray<Migration>): Loader => Effect.succeed(migrations)

const FILE_NAME = /^(\d+)_(.+)\.cypher$/

/**
 * Splits a Cypher file into statements at semicolons that end a line (`//` comment lines dropped).
 *
 * @since 0.1.0
 * @category loaders
 */
export const splitStatements = (text: string): ReadonlyArray<string> =>
  text.split(/;[ \t]*(?:\r?\n|$)/).map((statement) =>
    statement.split(/\r?\n/).filter((line) => !line.trim().startsWith("//")).join("\n").trim()
  ).filter((statement) => statement.length > 0)

/**
 * Migrations from the `<id>_<name>.cypher` files of a directory.
 *
 * @since 0.1.0
 * @category loaders
 */
export const fromDirectory = (directory: string): Loader =>
  Effect.tryPromise({
    try: async () => {
      const [{ readdir, readFile }, { join }] = await Promise.all([import("node:fs/promises"), import("node:path")])
      const files = (await readdir(directory)).filter((file) => FILE_NAME.test(file))
      return Promise.all(files.map(async (file): Promise<Migration> => {
        const [, idText, name] = FILE_NAME.exec(file)!
        return { id: Number(idText), name: name!, up: splitStatements(await readFile(join(directory, file), "utf8")) }
      }))
    },
    catch: (cause) =>
      new Neo4jMigrationError({ kind: "LoadFailed", message: `Could not read migrations from ${directory}`, cause })
  })

/**
 * The checksum of a migration: SHA-256 of its statements (or its given `checksum`).
 *
 * @since 0.1.0
 * @category models
 */
export const checksumOf = (migration: Migration): string => {
  if (migration.checksum !== undefined) return migration.checksum
  if (Effect.isEffect(migration.up)) return "effect"
  const statements = typeof migration.up === "string" ? [migration.up] : migration.up
  return createHash("sha256").update(statements.join("\n;\n")).digest("hex")
}

/**
 * A migration recorded in the graph.
 *
 * @since 0.1.0
 * @category models
 */
export interface AppliedMigration {
  readonly id: number
  readonly name: string
  readonly checksum: string
  /** ISO-8601, set by the server. */
  readonly appliedAt: string
}

/**
 * Options of {@link run}.
 *
 * @since 0.1.0
 * @category models
 */
export interface MigratorOptions {
  readonly loader: Loader
  /** Constraints and indexes set up before the migrations run. */
  readonly schema?: ReadonlyArray<SchemaItem> | undefined
  /** When locked by another instance: retry on this schedule instead of failing with `Locked`. */
  readonly waitForLock?: Schedule.Schedule<unknown, unknown> | undefined
  /** Fail when an applied migration's checksum differs from the loaded one (default true). */
  readonly validateChecksums?: boolean | undefined
  readonly database?: string | undefined
  /** Label of the migration records (default `__Neo4jMigration`); the lock's is this + `Lock`. */
  readonly label?: string | undefined
}

/**
 * Where the records live: the database and the records' label.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordsOptions {
  readonly database?: string | undefined
  readonly label?: string | undefined
}

const DEFAULT_LABEL = "__Neo4jMigration"
const LOCK_NAME = "migrations"

const labels = (options: RecordsOptions) => {
  const migration = options.label ?? DEFAULT_LABEL
  return { migration: id(migration), lock: id(`${migration}Lock`), name: migration }
}

/** The migrator's own constraints: one node per migration id, one lock node. */
const bookkeeping = (options: RecordsOptions): ReadonlyArray<SchemaItem> => {
  const { name } = labels(options)
  return [unique(`${name}_id`, name, "id"), unique(`${name}Lock_name`, `${name}Lock`, "name")]
}

const CONSTRAINT_VIOLATION = "Neo.ClientError.Schema.ConstraintValidationFailed"

/**
 * The migrations recorded in the graph, by id.
 *
 * @since 0.1.0
 * @category migrations
 */
export const applied = (
  options: RecordsOptions = {}
): Effect.Effect<ReadonlyArray<AppliedMigration>, Neo4jError, Neo4j.Neo4j> =>
  Effect.map(
    Neo4j.executeQuery<{ id: number; name: string; checksum: string; appliedAt: string }>(
      `MATCH (m:${labels(options).migration}) RETURN m.id AS id, m.name AS name, m.checksum AS checksum, ` +
        `toString(m.appliedAt) AS appliedAt ORDER BY m.id`,
      {},
      { routing: "READ", database: options.database }
    ),
    (result) => result.records.map((r) => r.toObject())
  )

/**
 * Removes a lock left behind by a migrator that died while holding it.
 *
 * @since 0.1.0
 * @category migrations
 */
export const forceUnlock = (options: RecordsOptions = {}): Effect.Effect<void, Neo4jError, Neo4j.Neo4j> =>
  Effect.asVoid(
    Neo4j.executeQuery(`MATCH (l:${labels(options).lock} {name: $name}) DELETE l`, { name: LOCK_NAME }, {
      database: options.database
    })
  )

const lock = (owner: string, options: MigratorOptions) => {
  const take = Neo4j.executeQuery(
    `CREATE (:${labels(options).lock} {name: $name, owner: $owner, lockedAt: datetime()})`,
    { name: LOCK_NAME, owner },
    { database: options.database }
  ).pipe(
    Effect.catchIf(
      (error) => "code" in error && error.code === CONSTRAINT_VIOLATION,
      () => Effect.fail(new Neo4jMigrationError({ kind: "Locked", message: "Another instance is running the migrations" }))
    )
  )
  const taken = options.waitForLock === undefined
    ? take
    : Effect.retry(take, {
      schedule: options.waitForLock,
      while: (error) => error._tag === "Neo4jMigrationError"
    })
  return Effect.acquireRelease(taken, () =>
    Effect.ignore(Neo4j.executeQuery(
      `MATCH (l:${labels(options).lock} {name: $name, owner: $owner}) DELETE l`,
      { name: LOCK_NAME, owner },
      { database: options.database }
    )))
}

const apply = (migration: Migration, database: string | undefined) => {
  const up = migration.up
  const work: Effect.Effect<unknown, unknown, Neo4j.Neo4j> = Effect.isEffect(up)
    ? up
    : Effect.forEach(typeof up === "string" ? [up] : up, (statement) => Neo4j.executeQuery(statement, {}, { database }), {
      discard: true
    })
  return Effect.mapError(work, (cause) =>
    new Neo4jMigrationError({ kind: "Failed", message: `Migration ${migration.id}_${migration.name} failed`, cause }))
}

/**
 * Sets up the schema, then applies the migrations not yet recorded, in id order, under the lock;
 * returns the ones it applied.
 *
 * @since 0.1.0
 * @category migrations
 */
export const run = (
  options: MigratorOptions
): Effect.Effect<ReadonlyArray<AppliedMigration>, Neo4jMigrationError | Neo4jError, Neo4j.Neo4j> =>
  Effect.scoped(
    Effect.gen(function*() {
      const database = options.database
      // Two instances creating the same constraint at once: one may see it appear under it.
      yield* setupSchema(bookkeeping(options), { database }).pipe(
        Effect.retry({ schedule: Schedule.recurs(2), while: (error) => "code" in error && error.code.includes("Schema") })
      )
      const migrations = [...(yield* options.loader)].sort((a, b) => a.id - b.id)
      const ids = migrations.map((m) => m.id)
      const duplicate = ids.find((value, i) => ids.indexOf(value) !== i)
      if (duplicate !== undefined) {
        return yield* new Neo4jMigrationError({ kind: "Duplicates", message: `Two migrations have the id ${duplicate}` })
      }
      const owner = (yield* Effect.sync(() => globalThis.crypto.randomUUID()))
      yield* lock(owner, options)
      if (options.schema !== undefined) yield* setupSchema(options.schema, { database })
      const done = new Map((yield* applied(options)).map((m) => [m.id, m]))
      if (options.validateChecksums !== false) {
        for (const migration of migrations) {
          const recorded = done.get(migration.id)
          if (recorded !== undefined && recorded.checksum !== checksumOf(migration)) {
            return yield* new Neo4jMigrationError({
              kind: "ChecksumMismatch",
              message: `Migration ${migration.id}_${migration.name} was changed after it was applied ` +
                `(checksum ${recorded.checksum}, now ${checksumOf(migration)})`
            })
          }
        }
      }
      const result: Array<AppliedMigration> = []
      for (const migration of migrations) {
        if (done.has(migration.id)) continue
        yield* apply(migration, database).pipe(Effect.withSpan(`Neo4jMigrator ${migration.id}_${migration.name}`))
        const recorded = yield* Neo4j.executeQuery<{ appliedAt: string }>(
          `CREATE (m:${labels(options).migration} {id: $id, name: $name, checksum: $checksum, appliedAt: datetime()}) ` +
            `RETURN toString(m.appliedAt) AS appliedAt`,
          { id: migration.id, name: migration.name, checksum: checksumOf(migration) },
          { database }
        )
        result.push({
          id: migration.id,
          name: migration.name,
          checksum: checksumOf(migration),
          appliedAt: recorded.records[0]?.get("appliedAt") ?? ""
        })
      }
      return result
    })
  )
