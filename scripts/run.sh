#!/bin/sh
# `sh scripts/run.sh COMMAND ARGS...`: runs a tool of the project (tsc, oxlint, typedoc, or a
# `node scripts/....ts` entry point) after the bootstrap, so that it works on a fresh clone (no
# `tsc: not found`) and on any system Node (the command runs on node_modules/.bin/node, Node 22).
# The npm scripts of package.json go through it.
set -eu
. "$(dirname -- "$0")/bootstrap.sh"
exec "$@"
