#!/usr/bin/env bash
# Prints a directory to put first on PATH so that `node` is Node >= 24: nothing when the
# machine's Node is new enough, else Node 24 installed from the npm registry into the cache.
set -euo pipefail
CACHE_ROOT="${MRC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/multiregion-controller}"
major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if (( major >= 24 )); then
  dirname "$(command -v node)"
  exit 0
fi
dir="$CACHE_ROOT/node24"
if [[ ! -x "$dir/node_modules/.bin/node" ]]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error node@24 >&2
fi
echo "$dir/node_modules/.bin"
