#!/usr/bin/env bash
# The PNG charts of the intelligence tools (report/ep_report_chart.c: network drawing, political
# map, cohesion, agreement, MEP dimension bars) against a baseline binary in the same run: each
# case is a fresh `epintel tool ... formats ["png"]` process (store open, window, figures, JSON,
# the charts), run alternately with both binaries; the median of N runs of each and the ratio
# new/baseline are printed (below 1 = faster). The PNG files the two write are compared byte
# for byte ("same" column).
# usage: bench/charts.sh BASELINE_EPINTEL [NEW_EPINTEL] [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
base=$(realpath "$1")
new=$(realpath "${2:-$here/build/release/epintel}")
runs=${3:-5}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache" EPINTEL_NO_RESULT_CACHE=1
# one store per binary, each filled by it from the bundled dataset (not timed)
"$base" --quiet --db "$tmp/a.db" info >/dev/null
"$new" --quiet --db "$tmp/b.db" info >/dev/null
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
cases=(
  'map_political_network|{"formats":["png"]}'
  'analyze_coalition_dynamics|{"formats":["png"]}'
  'generate_political_risk_assessment|{"formats":["png"]}'
  'assess_mep_influence|{"mep_id":840,"formats":["png"]}'
)
printf '%-36s %-32s %10s %10s %7s %5s\n' tool args "base ms" "new ms" ratio same
for c in "${cases[@]}"; do
  tool=${c%%|*} args=${c#*|}
  : > "$tmp/a"; : > "$tmp/b"
  for ((i = 0; i < runs; i++)); do
    for which in a b; do
      bin=$base; [ $which = b ] && bin=$new
      rm -rf "$tmp/out.$which"; mkdir -p "$tmp/out.$which"
      t0=$(now)
      "$bin" --quiet --db "$tmp/$which.db" tool "$tool" --out-dir "$tmp/out.$which" --args "$args" \
        >/dev/null 2>&1 || true
      t1=$(now)
      echo $(( (t1 - t0) / 1000 )) >> "$tmp/$which"
    done
  done
  a=$(median < "$tmp/a"); b=$(median < "$tmp/b")
  same=yes
  sums() { (cd "$1" && find . -name '*.png' | sort | xargs -r sha256sum); }
  [ -n "$(sums "$tmp/out.a")" ] && [ "$(sums "$tmp/out.a")" = "$(sums "$tmp/out.b")" ] || same=NO
  printf '%-36s %-32s %10.1f %10.1f %7.2f %5s\n' "$tool" "${args:0:32}" "$(echo "$a / 1000" | bc -l)" \
    "$(echo "$b / 1000" | bc -l)" "$(echo "$b / $a" | bc -l)" "$same"
done
