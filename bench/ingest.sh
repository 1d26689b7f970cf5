#!/usr/bin/env bash
# XML ingest time against `xmllint --stream --noout` on the same seven roll-call files, in one
# run, reported as a ratio (goal: <= 1.5x while doing the full work: parse, check, store in
# SQLite with one transaction per file, FTS reindex).
# usage: bench/ingest.sh [path/to/epintel] [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build/release/epintel}
runs=${2:-5}
data=${EP_REAL_DATA:-$here/../shared/data/real}/ep-rcv-xml
files=("$data"/PV-9-*.xml)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }
: > "$tmp/x"; : > "$tmp/e"; : > "$tmp/p"
for r in $(seq "$runs"); do
  t0=$(now); xmllint --stream --noout "${files[@]}"; t1=$(now)
  echo "$t1 - $t0" | bc -l >> "$tmp/x"
  rm -f "$tmp/db"*
  # Tables first (not timed): the XML ingest then derives groups and does the full work.
  "$bin" --quiet --db "$tmp/db" --no-default-data ingest "$here"/fixtures/htv/countries.csv.gz \
    "$here"/fixtures/htv/groups.csv.gz "$here"/fixtures/htv/members.csv.gz \
    "$here"/fixtures/htv/group_memberships.csv.gz >/dev/null
  t0=$(now); "$bin" --quiet --db "$tmp/db" --no-default-data ingest "${files[@]}"; t1=$(now)
  echo "$t1 - $t0" | bc -l >> "$tmp/e"
done
x=$(median < "$tmp/x"); e=$(median < "$tmp/e")
printf 'xml ingest, 7 files (%s runs, median):\n' "$runs"
printf '  xmllint --stream --noout  %8.1f ms   (baseline)\n' "$(echo "$x*1000" | bc -l)"
printf '  epintel ingest            %8.1f ms   %.2fx baseline (goal <= 1.5x)\n' \
  "$(echo "$e*1000" | bc -l)" "$(echo "$e/$x" | bc -l)"
