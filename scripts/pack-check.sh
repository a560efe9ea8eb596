#!/bin/sh
# Builds the package, packs it, installs the tarball into an empty consumer project and checks that
# `import ... from "effect-neo4j"` type-checks and runs there (what a user of the npm package gets).
set -eu
. "$(dirname -- "$0")/bootstrap.sh"
rm -rf dist
npm run -s build
tarball="$root/$(npm pack --silent | tail -1)"
consumer=$(mktemp -d)
trap 'rm -rf "$consumer" "$tarball"' EXIT
cd "$consumer"
cat > package.json <<'JSON'
{ "name": "consumer", "private": true, "type": "module" }
JSON
effect_version=$(node -p 'require(process.argv[1] + "/node_modules/effect/package.json").version' "$root")
ts_version=$(node -p 'require(process.argv[1] + "/node_modules/typescript/package.json").version' "$root")
npm install --no-audit --no-fund --prefer-offline --silent "$tarball" "effect@$effect_version" "typescript@$ts_version" "@types/node@22" >/dev/null
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "target": "ES2023", "module": "NodeNext", "moduleResolution": "NodeNext",
  "strict": true, "exactOptionalPropertyTypes": true, "noEmit": true, "types": ["node"] } }
JSON
cat > consumer.mts <<'TS'
import * as Neo4j from "effect-neo4j"
const names: ReadonlyArray<string> = Object.keys(Neo4j).sort()
console.log(`consumer: effect-neo4j ${Neo4j.version} exports ${names.join(", ")}`)
TS
node_modules/.bin/tsc -p tsconfig.json
node consumer.mts
# A library built with declarations on top of the package: its inferred types name the driver's
# types (errors, records, sessions, schemas), which TypeScript can only write as imports of public
# subpaths. With `"."` as the only export this failed with TS2742; the pool stats, routing table
# and session types were the last ones declared in internal folders (issue 13), and
# test/architecture/declarations.test.ts keeps every public declaration free of internal imports.
mkdir -p lib
cat > lib/tsconfig.json <<'JSON'
{ "compilerOptions": { "target": "ES2023", "module": "NodeNext", "moduleResolution": "NodeNext",
  "strict": true, "exactOptionalPropertyTypes": true, "declaration": true, "outDir": "dist",
  "types": ["node"] }, "include": ["index.ts"] }
JSON
cat > lib/index.ts <<'TS'
import { Effect, Schema, Stream } from "effect"
import { Neo4j, Neo4jCypher, Neo4jResult, Neo4jSession } from "effect-neo4j"
import * as Neo4jSchema from "effect-neo4j/Neo4jSchema"
export const countPeople = () => Neo4j.executeQuery(Neo4jCypher.cypher`MATCH (p:Person) RETURN count(p) AS n`)
export const names = Neo4j.stream<{ name: string }>("MATCH (p:Person) RETURN p.name AS name").pipe(Stream.map((r) => r.get("name")))
export const inSession = Effect.scoped(Effect.flatMap(Neo4j.session({ database: "neo4j" }), (s) => s.run("RETURN 1")))
export const first = Neo4jResult.single(Neo4j.stream("RETURN 1 AS n"))
export const query = (text: string) => Neo4jSession.query(text)
export const layer = Neo4j.layer({ uri: "bolt://localhost:7687" })
export const Person = Schema.Struct({ name: Schema.String, node: Neo4jSchema.Node(Schema.Struct({ name: Schema.String })) })
export const findPeople = Neo4jSchema.findAll({ Request: Schema.Void, Result: Person, query: "MATCH (node:Person) RETURN node.name AS name, node" })
export const stats = Neo4j.poolStats
export const table = Neo4j.routingTable("neo4j")
export const session = Neo4j.session({ defaultAccessMode: "READ" })
export const transaction = Neo4jSession.transaction
TS
node_modules/.bin/tsc -p lib/tsconfig.json
grep -q 'effect-neo4j/Neo4jSchema' lib/dist/index.d.ts
echo "pack-check: a library built with declarations on the package compiles"
if node -e 'import("effect-neo4j/internal/x").then(() => process.exit(1), () => process.exit(0))'; then
  echo "pack-check: internal modules are hidden"
else
  echo "pack-check: effect-neo4j/internal/* must not be importable" >&2; exit 1
fi
echo "pack-check: ok ($(basename "$tarball"))"
