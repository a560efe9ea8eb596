#!/bin/sh
# `npm test`: type-check, lint, the API reference's build check, then every test (unit + integration
# against real Neo4j servers; NEO4J_URI selects an existing server, otherwise a container runtime or
# the embedded servers of NEO4J_LINES, default 5.26,2026).
set -eu
. "$(dirname -- "$0")/bootstrap.sh"
echo "test: typecheck" >&2
tsc -p tsconfig.json --noEmit
echo "test: lint" >&2
oxlint --deny-warnings src test scripts examples
echo "test: docs (the API reference builds without warnings: typedoc --emit none)" >&2
typedoc --emit none
echo "test: vitest (node $(node --version))" >&2
exec vitest run "$@"
