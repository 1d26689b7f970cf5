#!/usr/bin/env bash
# The policy-area briefing (issue 18): wall time of `epintel report policy-area` for one subject
# and for --all-top-level, and analyze_policy_area with formats ["json", "pdf"] against the same
# call without the PDF. Each case is a fresh process (what a CLI run or a stdio session pays:
# store open, positions snapshot, the two windows, the figures, JSON, and for the PDF the fonts,
# libharu and the file), run alternately, N times; the median (p50) of each and the ratios are
# printed: pdf/json is what the briefing adds to the tool call, all/one what the eight top-level
# subjects cost against one (the window without a filter is loaded once per process).
# usage: bench/policy_report.sh [EPINTEL] [runs=9] [SUBJECT=8.70]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$here/build/release/epintel}")
runs=${2:-9}
subject=${3:-8.70}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache" EPINTEL_NO_RESULT_CACHE=1
"$bin" --quiet --db "$tmp/r.db" info >/dev/null # the store from the bundled dataset (not timed)
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
names=(json pdf one all)
cmd() {
  case $1 in
    json) "$bin" --quiet --db "$tmp/r.db" tool analyze_policy_area --args "{\"subject\":\"$subject\"}" ;;
    pdf) "$bin" --quiet --db "$tmp/r.db" tool analyze_policy_area --out-dir "$tmp/art$2" \
           --args "{\"subject\":\"$subject\",\"formats\":[\"json\",\"pdf\"]}" ;;
    one) "$bin" --quiet --db "$tmp/r.db" report policy-area --subject "$subject" --out "$tmp/one$2" ;;
    all) "$bin" --quiet --db "$tmp/r.db" report policy-area --all-top-level --out "$tmp/all$2" ;;
  esac
}
for n in "${names[@]}"; do : > "$tmp/t.$n"; cmd "$n" w >/dev/null 2>&1; done # warm the page cache
for ((i = 0; i < runs; i++)); do
  for n in "${names[@]}"; do
    t0=$(now); cmd "$n" "$i" >/dev/null 2>&1; t1=$(now) # a new output folder each run: the file is written
    echo $(( (t1 - t0) / 1000 )) >> "$tmp/t.$n"
  done
done
declare -A p50
for n in "${names[@]}"; do p50[$n]=$(median < "$tmp/t.$n"); done
ms() { echo "${p50[$1]} / 1000" | bc -l; }
printf '%-58s %10s\n' case "p50 ms"
printf '%-58s %10.1f\n' "analyze_policy_area subject $subject (json)" "$(ms json)"
printf '%-58s %10.1f\n' "analyze_policy_area subject $subject formats json+pdf" "$(ms pdf)"
printf '%-58s %10.1f\n' "report policy-area --subject $subject" "$(ms one)"
printf '%-58s %10.1f\n' "report policy-area --all-top-level ($(ls "$tmp/allw" | wc -l) PDFs)" "$(ms all)"
printf 'ratio pdf/json %.2f   ratio all-top-level/one %.2f   (%d runs each)\n' \
  "$(echo "${p50[pdf]} / ${p50[json]}" | bc -l)" "$(echo "${p50[all]} / ${p50[one]}" | bc -l)" "$runs"
