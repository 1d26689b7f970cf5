#!/usr/bin/env bash
# First use of a new store: the default store is filled from the bundled dataset
# (fixtures/MANIFEST: the HowTheyVote tables with their 123,601 vote-topic links, then the seven
# roll-call files) when a command first opens it. Times `epintel --db NEW info` (the fill and a
# trivial command) for each binary given, interleaved in the same runs, so that a change is
# measured against the binary before it on the same machine at the same time.
#
# usage: bench/first_fill.sh [path/to/epintel] [runs] [other/epintel ...]
#        (e.g. a build of the commit before, copied aside: bench/first_fill.sh build/release/epintel
#        7 /tmp/epintel-old)
#
# Reported per binary: median wall and CPU (user + sys, GNU time) and the peak RSS; each run
# checks that the store holds the bundled topic links (123,601) and the 266 votes with positions.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build/release/epintel}
runs=${2:-5}
shift $(($# < 2 ? $# : 2))
bins=("$bin" "$@")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/first-fill.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }
for r in $(seq "$runs"); do
  for i in "${!bins[@]}"; do
    rm -f "$tmp/db" "$tmp/db-wal" "$tmp/db-shm"
    t0=$(now)
    /usr/bin/time -f '%M %U %S' -o "$tmp/t" "${bins[$i]}" --quiet --db "$tmp/db" info > /dev/null
    t1=$(now)
    echo "$t1 - $t0" | bc -l >> "$tmp/w$i"
    awk '{print $2 + $3}' "$tmp/t" >> "$tmp/c$i"
    awk '{print $1}' "$tmp/t" >> "$tmp/m$i"
    links=$(sqlite3 "$tmp/db" "SELECT COUNT(*) FROM vote_topic")
    votes=$(sqlite3 "$tmp/db" "SELECT COUNT(*) FROM vote_positions")
    [ "$links" = 123601 ] && [ "$votes" = 266 ] || {
      echo "bench/first_fill.sh: ${bins[$i]} stored $links topic links and $votes votes with" \
        "positions, want 123601 and 266" >&2
      exit 1
    }
  done
done
printf 'first use of a new store (fill from the bundled data + info), %s runs (medians; load %s):\n' \
  "$runs" "$(cut -d' ' -f1-3 /proc/loadavg)"
for i in "${!bins[@]}"; do
  printf '  %-50s wall %6.2f s  CPU %6.2f s  peak RSS %d MB\n' "${bins[$i]}" \
    "$(median < "$tmp/w$i")" "$(median < "$tmp/c$i")" "$(( $(sort -n "$tmp/m$i" | tail -1) / 1024 ))"
done
