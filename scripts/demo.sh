#!/bin/sh
# `npm run demo`: the example program against NEO4J_URI, or a local embedded Neo4j it starts itself.
set -eu
. "$(dirname -- "$0")/bootstrap.sh"
exec node --conditions=source examples/demo.ts "$@"
