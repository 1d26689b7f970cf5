#!/usr/bin/env bash
# Stream ingest of a full-scale HowTheyVote member_votes table (synthetic, in the export's exact
# layout, gzip; explicit DID_NOT_VOTE rows included and stored) against two anchors measured in
# the same runs: the decompression floor `zcat FILE > /dev/null`, and the sqlite3 shell's
# `.import` of the decompressed CSV into a plain table (no validation, no packing).
#
# usage: bench/ingest_htv.sh [path/to/epintel] [meps] [votes] [runs]
#        (default 750 MEPs x 22,667 votes = 17.0 M rows, 3 runs; goal: epintel <= 1.5x zcat,
#        RSS <= 500 MB whatever the size)
#
# The export is written once by tests/srv_htv (--write, built beside epintel); the tables other
# than member_votes are ingested once, untimed, into a template store that each run copies. The
# timed command is `epintel sync --source howtheyvote --from DIR --tables member_votes`: the
# gzip file is inflated on a thread while the main thread parses (full validation: ids, enum,
# group codes, UTF-8), packs each vote's positions and stores them in one transaction. Each run
# checks that the store holds every row. Reported: medians, their ratio to zcat, the median of
# the per-run ratios, the peak RSS, and the CPU time of zcat and epintel (GNU time). epintel
# runs three threads (gzip, CSV parse and validation, store), so on two idle cores its wall
# time is bounded by the busiest thread and half the total; on a loaded machine, by its CPU.
#
# EP_BENCH_NICE=N runs the timed commands at that nice level (as root, e.g. -10 on a VM shared
# with other work, so that the figures approach those of idle cores).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build/release/epintel}
meps=${2:-750}
votes=${3:-22667}
runs=${4:-3}
srv=$(dirname "$bin")/srv_htv
[ -x "$srv" ] || { echo "bench/ingest_htv.sh: $srv not built" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ingest-htv.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }
pri=(); [ -n "${EP_BENCH_NICE:-}" ] && pri=(nice -n "$EP_BENCH_NICE")
rows=$((meps * votes))
exp=$tmp/export
"$srv" --write "$exp" --meps "$meps" --votes "$votes" 2>/dev/null
mv=$exp/member_votes.csv.gz
"$bin" --quiet --db "$tmp/template.db" --no-default-data sync --source howtheyvote --from "$exp" \
  --tables countries,groups,members,group_memberships,committees,votes
zcat "$mv" > "$tmp/mv.csv"
: > "$tmp/z"; : > "$tmp/e"; : > "$tmp/s"; : > "$tmp/r"; : > "$tmp/m"; : > "$tmp/zc"; : > "$tmp/ec"
for r in $(seq "$runs"); do
  t0=$(now); ${pri[@]+"${pri[@]}"} /usr/bin/time -f '%U %S' -o "$tmp/zt" zcat "$mv" > /dev/null; t1=$(now)
  awk '{print $1 + $2}' "$tmp/zt" >> "$tmp/zc"
  z=$(echo "$t1 - $t0" | bc -l); echo "$z" >> "$tmp/z"
  rm -f "$tmp/db" "$tmp/db-wal" "$tmp/db-shm"; cp "$tmp/template.db" "$tmp/db"
  sync
  t0=$(now)
  ${pri[@]+"${pri[@]}"} /usr/bin/time -f '%M %U %S' -o "$tmp/rss" "$bin" --quiet --db "$tmp/db" sync --source howtheyvote \
    --from "$exp" --tables member_votes
  t1=$(now)
  awk '{print $2 + $3}' "$tmp/rss" >> "$tmp/ec"
  e=$(echo "$t1 - $t0" | bc -l); echo "$e" >> "$tmp/e"; echo "$e / $z" | bc -l >> "$tmp/r"
  awk '{print $1}' "$tmp/rss" >> "$tmp/m"
  n=$(sqlite3 "$tmp/db" "SELECT SUM(n) FROM vote_positions")
  [ "$n" = "$rows" ] || { echo "bench/ingest_htv.sh: stored $n positions, want $rows" >&2; exit 1; }
  rm -f "$tmp/imp.db"
  t0=$(now); ${pri[@]+"${pri[@]}"} sqlite3 "$tmp/imp.db" ".mode csv" ".import $tmp/mv.csv mv"; t1=$(now)
  echo "$t1 - $t0" | bc -l >> "$tmp/s"
done
z=$(median < "$tmp/z"); e=$(median < "$tmp/e"); s=$(median < "$tmp/s")
printf 'member_votes ingest, %d rows (%d MEPs x %d votes; %s MB gzip, %s MB CSV), %s runs (medians; load %s%s):\n' \
  "$rows" "$meps" "$votes" "$(( $(stat -c %s "$mv") / 1000000 ))" \
  "$(( $(stat -c %s "$tmp/mv.csv") / 1000000 ))" "$runs" "$(cut -d' ' -f1-3 /proc/loadavg)" \
  "${EP_BENCH_NICE:+; timed commands at nice $EP_BENCH_NICE}"
printf '  %-44s %8.2f s   (baseline)\n' "zcat FILE > /dev/null" "$z"
printf '  %-44s %8.2f s   %.2fx (median of per-run ratios %.2fx; goal <= 1.5x), peak RSS %d MB\n' \
  "epintel sync --from (stream ingest)" "$e" "$(echo "$e/$z" | bc -l)" "$(median < "$tmp/r")" \
  "$(( $(sort -n "$tmp/m" | tail -1) / 1024 ))"
printf '  %-44s %8.2f s   %.2fx\n' "sqlite3 .import of the plain CSV" "$s" "$(echo "$s/$z" | bc -l)"
zc=$(median < "$tmp/zc"); ec=$(median < "$tmp/ec")
printf '  CPU (user + sys, all threads): zcat %.2f s, epintel %.2f s (%.2fx); on a machine busy with\n' \
  "$zc" "$ec" "$(echo "$ec/$zc" | bc -l)"
printf '  other work the wall ratio tends to the CPU ratio, on idle cores to the busiest thread'"'"'s share\n'
