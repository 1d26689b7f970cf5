#!/usr/bin/env bash
# XML ingest time against `xmllint --stream --noout` on the same seven roll-call files, in one
# run, reported as a ratio (goal: <= 1.5x while doing the full work: parse, check, store every
# position in SQLite with one transaction per file, FTS reindex).
#
# usage: bench/ingest.sh [path/to/epintel] [runs] [other/epintel ...]
#        bench/ingest.sh --htv [path/to/epintel] [meps] [votes] [runs]
#          the HowTheyVote member_votes table at full scale instead (bench/ingest_htv.sh)
#
# Each run times xmllint, then each epintel on a fresh store (the HowTheyVote tables are ingested
# first, untimed, so that the XML ingest does all its work: group mapping, DID_NOT_VOTE
# derivation, provenance), and checks that the store holds the 266 votes and 154,619 cast
# positions. Other binaries (e.g. a build of an older commit) are measured in the same runs.
# Reported: the median time of each, the ratio of the medians, and the median of the per-run
# ratios (each run's epintel time over the xmllint time of that same run), which is steadier
# on a busy machine; then the fastest run of each against xmllint's fastest.
# If bench_expat (bench/bench_expat.c) is built beside the first epintel, it is timed in the same
# runs: expat alone, fed as the ingest feeds it, with handlers that only count and no store. Its
# ratio to xmllint is the floor of what a single-threaded expat parse can reach here.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--htv" ]; then
  shift
  exec bash "$here/bench/ingest_htv.sh" "$@"
fi
bin=${1:-$here/build/release/epintel}
runs=${2:-5}
shift $(($# < 2 ? $# : 2))
bins=("$bin" "$@")
expat=$(dirname "$bin")/bench_expat
[ -x "$expat" ] || expat=""
data=${EP_REAL_DATA:-$(dirname "$bin")/testdata}/ep-rcv-xml   # unpacked by the build (scripts/testdata)
files=("$data"/PV-9-*.xml)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }
tables=("$here"/fixtures/htv/countries.csv.gz "$here"/fixtures/htv/groups.csv.gz
        "$here"/fixtures/htv/members.csv.gz "$here"/fixtures/htv/group_memberships.csv.gz)
count() { sqlite3 "$tmp/db" "$1"; }
: > "$tmp/x"; : > "$tmp/f"; : > "$tmp/fr"
for i in "${!bins[@]}"; do : > "$tmp/e$i"; : > "$tmp/r$i"; done
for r in $(seq "$runs"); do
  t0=$(now); xmllint --stream --noout "${files[@]}"; t1=$(now)
  x=$(echo "$t1 - $t0" | bc -l)
  echo "$x" >> "$tmp/x"
  if [ -n "$expat" ]; then
    t0=$(now); "$expat" "${files[@]}" >/dev/null; t1=$(now)
    f=$(echo "$t1 - $t0" | bc -l)
    echo "$f" >> "$tmp/f"
    echo "$f / $x" | bc -l >> "$tmp/fr"
  fi
  for i in "${!bins[@]}"; do
    rm -f "$tmp/db" "$tmp/db-wal" "$tmp/db-shm"
    "${bins[$i]}" --quiet --db "$tmp/db" --no-default-data ingest "${tables[@]}" >/dev/null
    t0=$(now); "${bins[$i]}" --quiet --db "$tmp/db" --no-default-data ingest "${files[@]}"; t1=$(now)
    v=$(count "SELECT COUNT(*) FROM vote WHERE pos_unit_id IS NOT NULL")
    p=$(count "SELECT SUM(n) FROM vote_positions")
    if [ "$v" != 266 ] || [ "$p" != 154619 ]; then
      echo "bench/ingest.sh: ${bins[$i]} stored $v votes and $p positions (want 266, 154619)" >&2
      exit 1
    fi
    e=$(echo "$t1 - $t0" | bc -l)
    echo "$e" >> "$tmp/e$i"
    echo "$e / $x" | bc -l >> "$tmp/r$i"
  done
done
x=$(median < "$tmp/x")
printf 'xml ingest, 7 files, %s runs (medians; load average %s):\n' "$runs" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %-40s %8.1f ms   (baseline)\n' "xmllint --stream --noout" "$(echo "$x*1000" | bc -l)"
if [ -n "$expat" ]; then
  f=$(median < "$tmp/f")
  printf '  %-40s %8.1f ms   %.2fx baseline (median of per-run ratios %.2fx; parse only)\n' \
    "bench_expat (expat alone, no store)" "$(echo "$f*1000" | bc -l)" "$(echo "$f/$x" | bc -l)" \
    "$(median < "$tmp/fr")"
fi
for i in "${!bins[@]}"; do
  e=$(median < "$tmp/e$i"); q=$(median < "$tmp/r$i")
  printf '  %-40s %8.1f ms   %.2fx baseline (median of per-run ratios %.2fx; goal <= 1.5x)\n' \
    "$(basename "$(dirname "${bins[$i]}")")/$(basename "${bins[$i]}")" \
    "$(echo "$e*1000" | bc -l)" "$(echo "$e/$x" | bc -l)" "$q"
done
# The fastest run of each, against xmllint's fastest: what the machine does when nothing else
# slows it (on a shared VM, spells of contention spread the medians).
xl=$(sort -g "$tmp/x" | head -1)
printf '  fastest runs: xmllint %.1f ms' "$(echo "$xl*1000" | bc -l)"
for i in "${!bins[@]}"; do
  el=$(sort -g "$tmp/e$i" | head -1)
  printf ', %s %.1f ms (%.2fx)' "$(basename "$(dirname "${bins[$i]}")")/$(basename "${bins[$i]}")" \
    "$(echo "$el*1000" | bc -l)" "$(echo "$el/$xl" | bc -l)"
done
echo
