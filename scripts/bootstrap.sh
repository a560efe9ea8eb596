#!/bin/sh
# Makes a fresh clone runnable: installs the npm dependencies (which bring Node 22 from the npm
# registry as the `node` devDependency) when they are missing or older than the lock file.
# Sourced by scripts/test.sh, scripts/demo.sh and scripts/run.sh; prints what it does.
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$root"
stamp=node_modules/.package-lock.json
if [ ! -x node_modules/.bin/node ] || [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "bootstrap: installing dependencies (npm ci, about a minute) ..." >&2
  # The Node npm runs on (the system's); node_modules/.bin is on npm's PATH once npm ci is done.
  npm_node=$(node --version 2>/dev/null || echo "an unknown Node")
  log=$(mktemp)
  if ! npm ci >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "bootstrap: npm ci failed (output above)" >&2
    exit 1
  fi
  # On a Node older than 22 npm warns once per package that asks for Node 22 (EBADENGINE): expected,
  # since everything below runs on the Node 22 just installed. Those lines are counted, not shown;
  # every other line of npm's output is.
  grep -v 'EBADENGINE' "$log" >&2 || true
  engines=$(grep -c 'EBADENGINE Unsupported engine' "$log" || true)
  rm -f "$log"
  if [ "$engines" -gt 0 ]; then
    echo "bootstrap: npm ran on $npm_node; $engines packages ask for Node 22" \
      "(EBADENGINE warnings hidden): expected, the npm scripts use node_modules/.bin/node" >&2
  fi
fi
NODE="$root/node_modules/.bin/node"
major=$("$NODE" -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 22 ]; then
  echo "bootstrap: node_modules/.bin/node is Node $major; Node >= 22.18 is required (reinstall with npm ci)" >&2
  exit 1
fi
export PATH="$root/node_modules/.bin:$PATH"
