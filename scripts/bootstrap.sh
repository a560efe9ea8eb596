#!/bin/sh
# Makes a fresh clone runnable: installs the npm dependencies (which bring Node 22 from the npm
# registry as the `node` devDependency) when they are missing or older than the lock file.
# Sourced by scripts/test.sh and scripts/demo.sh; prints what it does.
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$root"
stamp=node_modules/.package-lock.json
if [ ! -x node_modules/.bin/node ] || [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "bootstrap: installing dependencies (npm ci) ..." >&2
  npm ci --no-audit --no-fund >&2
fi
NODE="$root/node_modules/.bin/node"
major=$("$NODE" -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 22 ]; then
  echo "bootstrap: node_modules/.bin/node is Node $major; Node >= 22.18 is required (reinstall with npm ci)" >&2
  exit 1
fi
export PATH="$root/node_modules/.bin:$PATH"
