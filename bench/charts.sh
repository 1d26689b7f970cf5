#!/usr/bin/env bash
# The PNG charts of the intelligence tools (report/ep_report_chart.c: network drawing, political
# map, cohesion, agreement, MEP dimension bars) against a baseline binary in the same run: each
# case is a fresh `epintel tool ... formats ["png"]` process (store open, window, figures, JSON,
# the charts), run alternately with both binaries; the median of N runs of each and the ratio
# new/baseline are printed (below 1 = faster). The PNG files the two write are compared byte
# for byte ("same" column).
# usage: bench/charts.sh BASELINE_EPINTEL [NEW_EPINTEL] [runs]
set -euo pipefail
. "$(dirname "$0")/ab_lib.sh"
ab_init 5 "$@"
cases=(
  'map_political_network|{"formats":["png"]}'
  'analyze_coalition_dynamics|{"formats":["png"]}'
  'generate_political_risk_assessment|{"formats":["png"]}'
  'assess_mep_influence|{"mep_id":840,"formats":["png"]}'
)
printf '%-36s %-32s %10s %10s %7s %5s\n' tool args "base ms" "new ms" ratio same
for c in "${cases[@]}"; do
  tool=${c%%|*} args=${c#*|}
  ab_time "$tool" "$args" files
  same=yes
  sums() { (cd "$1" && find . -name '*.png' | sort | xargs -r sha256sum); }
  [ -n "$(sums "$tmp/out.a")" ] && [ "$(sums "$tmp/out.a")" = "$(sums "$tmp/out.b")" ] || same=NO
  ab_row 36 32 "$tool" "$args" "$same"
done
