#!/usr/bin/env bash
# The report tools and basic tools (analysis/ep_patterns, ep_*_report, ep_mep_profile and the
# listings of engine/ep_query) against a baseline binary in the same run: each case is a fresh
# `epintel tool` process (what a stdio session pays: store open, positions snapshot, window,
# figures, JSON), run alternately with both binaries; the median of N runs of each and the
# ratio new/baseline are printed (below 1 = faster). The two outputs of each case are compared
# too ("same" column): a case whose result differs is flagged.
# usage: bench/reports.sh BASELINE_EPINTEL [NEW_EPINTEL] [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
base=$(realpath "$1")
new=$(realpath "${2:-$here/build/release/epintel}")
runs=${3:-7}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache" EPINTEL_NO_RESULT_CACHE=1
# one store per binary, each filled by it from the bundled dataset (not timed): a newer binary
# may migrate a store to a schema the baseline does not know
"$base" --quiet --db "$tmp/a.db" info >/dev/null
"$new" --quiet --db "$tmp/b.db" info >/dev/null
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
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
  : > "$tmp/a"; : > "$tmp/b"
  for ((i = 0; i < runs; i++)); do
    for which in a b; do
      bin=$base; [ $which = b ] && bin=$new
      t0=$(now); "$bin" --quiet --db "$tmp/$which.db" tool "$tool" --args "$args" >/dev/null 2>&1 || true; t1=$(now)
      echo $(( (t1 - t0) / 1000 )) >> "$tmp/$which"
    done
  done
  a=$(median < "$tmp/a"); b=$(median < "$tmp/b")
  same=yes
  cmp -s <("$base" --quiet --db "$tmp/a.db" tool "$tool" --args "$args" 2>&1) \
    <("$new" --quiet --db "$tmp/b.db" tool "$tool" --args "$args" 2>&1) || same=NO
  printf '%-24s %-48s %10.1f %10.1f %7.2f %5s\n' "$tool" "${args:0:48}" "$(echo "$a / 1000" | bc -l)" \
    "$(echo "$b / 1000" | bc -l)" "$(echo "$b / $a" | bc -l)" "$same"
done
