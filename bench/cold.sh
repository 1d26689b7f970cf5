#!/usr/bin/env bash
# Cold calls of the five intelligence tools (issue 17 item 6: first call of each tool in a fresh
# `epintel tool` process <= 250 ms on the synthetic full term, 720 MEPs x 20,000 votes), each
# tool in a fresh process, against a baseline binary measured in the same run, interleaved.
#
# Both binaries get their own copy of one synthetic store (a store migrated by the new binary
# cannot be opened by an older one) and one untimed call of each tool first: the baseline then
# has its matrix snapshot (matrix_cache), the new binary also its derived results (table
# derived, engine/ep_derived.h). Timed: RUNS rounds, each tool alternately baseline / new, wall
# time, CPU time (user + sys: less sensitive to a busy machine) and peak RSS of the whole
# process; the medians and their ratios are printed, with the store sizes (the growth is the
# derived results).
#
# usage: bench/cold.sh [NEW_BINARY] [BASELINE_BINARY] [RUNS]
#   env DB=path/to/synth.db reuses a synthetic store (copied, never modified); otherwise one is
#   generated with the baseline binary (`synth --meps 720 --votes 20000 --defaults`, ~30 s).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
new=$(realpath "${1:-$here/build/release/epintel}")
base=$(realpath "${2:-/work/base/epintel-88677be}")
runs=${3:-7}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache"

if [ -n "${DB:-}" ]; then
  cp "$DB" "$tmp/base.db"
else
  "$base" --quiet --db "$tmp/base.db" synth --meps 720 --votes 20000 --defaults >/dev/null
fi
cp "$tmp/base.db" "$tmp/new.db"
mep=$("$base" --quiet --db "$tmp/base.db" sql "SELECT MIN(id) FROM member" | grep -o '[0-9]\+' | head -1)

# env TOOLS="a b ..." times other tools (e.g. the issue 18 ones: early_warning_system
# correlate_intelligence track_mep_attendance analyze_policy_area generate_political_landscape
# compare_political_groups analyze_country_delegation)
intel="assess_mep_influence map_political_network analyze_coalition_dynamics"
intel+=" generate_political_risk_assessment detect_voting_anomalies"
read -r -a tools <<<"${TOOLS:-$intel}"
cc=$("$base" --quiet --db "$tmp/base.db" sql "SELECT country_code FROM member GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1" | head -1)
args_of() {
  case $1 in
    assess_mep_influence) echo "{\"mep_id\":$mep}" ;;
    correlate_intelligence) echo "{\"mep_ids\":[$mep],\"groups\":[\"EPP\"]}" ;;
    analyze_country_delegation) echo "{\"country\":\"$cc\"}" ;;
    track_mep_attendance) echo '{"by":"mep"}' ;;
    analyze_policy_area) echo '{"subject":"1"}' ;; # a synthetic OEIL subject
    compare_political_groups) echo '{"groups":["EPP","S&D"]}' ;;
    *) echo '{}' ;;
  esac
}

# one timed call: "wall_us cpu_ms rss_kb" (wall from the clock in ns; CPU user + sys and peak
# RSS from time(1), 10 ms resolution); the result goes to $tmp/out.json
one() {
  local bin=$1 db=$2 t=$3 t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -f '%U %S %M' -o "$tmp/time" "$bin" --quiet --db "$db" tool "$t" \
    --args "$(args_of "$t")" >"$tmp/out.json" 2>/dev/null
  t1=$(date +%s%N)
  awk -v w=$(((t1 - t0) / 1000)) '{printf "%d %.0f %d\n", w, ($1 + $2) * 1000, $3}' "$tmp/time"
}
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo "preparing: one untimed call of each tool per binary (matrix snapshot; derived results)"
for t in "${tools[@]}"; do
  one "$base" "$tmp/base.db" "$t" >/dev/null
  cp "$tmp/out.json" "$tmp/$t.base.json"
  one "$new" "$tmp/new.db" "$t" >/dev/null
  cmp -s "$tmp/$t.base.json" "$tmp/out.json" || echo "  $t: results DIFFER from the baseline's"
done

printf '%-36s %9s %9s %6s %9s %9s %6s %8s %8s\n' tool base_ms new_ms ratio base_cpu new_cpu ratio base_MB new_MB
col() { cut -d' ' -f"$1" "$2" | median; }
for t in "${tools[@]}"; do
  : >"$tmp/b" && : >"$tmp/n"
  for ((r = 0; r < runs; r++)); do
    one "$base" "$tmp/base.db" "$t" >>"$tmp/b"
    one "$new" "$tmp/new.db" "$t" >>"$tmp/n"
    cmp -s "$tmp/$t.base.json" "$tmp/out.json" || echo "  $t: results DIFFER from the baseline's"
  done
  bw=$(col 1 "$tmp/b") nw=$(col 1 "$tmp/n") bc=$(col 2 "$tmp/b") nc=$(col 2 "$tmp/n")
  bm=$(col 3 "$tmp/b") nm=$(col 3 "$tmp/n")
  printf '%-36s %9.1f %9.1f %6.2f %9.0f %9.0f %6.2f %8.0f %8.0f\n' "$t" "$(echo "$bw / 1000" | bc -l)" \
    "$(echo "$nw / 1000" | bc -l)" "$(echo "$nw / $bw" | bc -l)" "$bc" "$nc" \
    "$(echo "$nc / ($bc + 0.001)" | bc -l)" "$(echo "$bm / 1024" | bc -l)" "$(echo "$nm / 1024" | bc -l)"
done
# sizes after a checkpoint (each binary opens and closes its store once more)
"$base" --quiet --db "$tmp/base.db" info >/dev/null
"$new" --quiet --db "$tmp/new.db" info >/dev/null
bs=$(stat -c %s "$tmp/base.db") ns=$(stat -c %s "$tmp/new.db")
db=$("$new" --quiet --db "$tmp/new.db" sql "SELECT COUNT(*) || ' rows, ' || SUM(bytes) || ' bytes' FROM derived" 2>/dev/null | tr -d '[]"\n ' || true)
echo "store: baseline $((bs / 1048576)) MiB, new $((ns / 1048576)) MiB (+$(((ns - bs) / 1024)) KiB); derived: $db"
echo "($runs interleaved runs per tool, medians; ms = wall, cpu = user + sys ms; ratio = new / baseline)"
