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
if node -e 'import("effect-neo4j/internal/x").then(() => process.exit(1), () => process.exit(0))'; then
  echo "pack-check: internal modules are hidden"
else
  echo "pack-check: effect-neo4j/internal/* must not be importable" >&2; exit 1
fi
echo "pack-check: ok ($(basename "$tarball"))"
