#!/usr/bin/env bash
# The report tools and basic tools (analysis/ep_patterns, ep_*_report, ep_mep_profile and the
# listings of engine/ep_query) against a baseline binary in the same run: each case is a fresh
# `epintel tool` process (what a stdio session pays: store open, positions snapshot, window,
# figures, JSON), run alternately with both binaries; the median of N runs of each and the
# ratio new/baseline are printed (below 1 = faster). The two outputs of each case are compared
# too ("same" column): a case whose result differs is flagged.
# usage: bench/reports.sh BASELINE_EPINTEL [NEW_EPINTEL] [runs]
set -euo pipefail
. "$(dirname "$0")/ab_lib.sh"
ab_init 7 "$@"
cases=(
  'analyze_voting_patterns|{"mep_id":840,"include_votes":true}'
  'analyze_voting_patterns|{"group":"EPP","include_votes":true}'
  'generate_report|{"kind":"mep","id":"840"}'
  'generate_report|{"kind":"group","id":"S&D"}'
  'generate_report|{"kind":"sitting","id":"2024-01-17"}'
  'get_mep_details|{"id":840}'
  'get_meps|{"name":"anna","limit":50}'
  'get_plenary_sessions|{"limit":200}'
  'get_voting_records|{"keyword":"budget","limit":50}'
  'get_voting_records|{"sitting":"2024-01-17","include":"positions","limit":20}'
  'search_documents|{"query":"climate energy","match":"any","limit":50}'
  'track_legislation|{"procedure":"2022/0099(COD)"}'
)
printf '%-24s %-48s %10s %10s %7s %5s\n' tool args "base ms" "new ms" ratio same
for c in "${cases[@]}"; do
  tool=${c%%|*} args=${c#*|}
  ab_time "$tool" "$args"
  same=yes
  cmp -s <("$base" --quiet --db "$tmp/a.db" tool "$tool" --args "$args" 2>&1) \
    <("$new" --quiet --db "$tmp/b.db" tool "$tool" --args "$args" 2>&1) || same=NO
  ab_row 24 48 "$tool" "$args" "$same"
done
