#!/usr/bin/env bash
# Full sync against the local EP API test server (tests/srv_epapi.c) with LATENCY_MS (default
# 50) per request: 8 parallel connections against 1, in the same run (goal: >= 4x faster),
# then the same sync again on the warm cache (pages from the store's http_cache, no upstream).
# The window is SINCE..UNTIL (default 2024-01-01..2024-04-30: every MEP with memberships,
# committees and groups, and the Jan-Apr 2024 sittings with their decisions and per-MEP votes).
#
# usage: bench/bench_fetch.sh [BUILD_DIR]
#   env: EPINTEL (the epintel binary, default BUILD_DIR/epintel), LATENCY_MS, SINCE, UNTIL,
#        PAR (default 8)
set -euo pipefail
B=${1:-${EP_BUILD:-build/release}}
EPINTEL=${EPINTEL:-$B/epintel}
SRV=$B/srv_epapi
LAT=${LATENCY_MS:-50}
SINCE=${SINCE:-2024-01-01}
UNTIL=${UNTIL:-2024-04-30}
PAR=${PAR:-8}
for f in "$EPINTEL" "$SRV"; do
  [ -x "$f" ] || { echo "bench_fetch: $f not built" >&2; exit 2; }
done
"$EPINTEL" sync --help >/dev/null 2>&1 || { echo "bench_fetch: $EPINTEL has no sync command" >&2; exit 2; }

tmp=$(mktemp -d)
srv_pid=
cleanup() {
  [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

"$SRV" --port-file "$tmp/port" 2>"$tmp/srv.log" &
srv_pid=$!
for _ in $(seq 1 500); do [ -s "$tmp/port" ] && break; sleep 0.02; done
[ -s "$tmp/port" ] || { echo "bench_fetch: test server did not start" >&2; cat "$tmp/srv.log" >&2; exit 1; }
url="http://127.0.0.1:$(cat "$tmp/port")/"
curl -sf -X POST -d "{\"route\":\"*\",\"latency_ms\":$LAT}" "${url}__faults" >/dev/null

run() { # $1 = connections
  local db="$tmp/p$1.db" t0 t1
  t0=$(date +%s.%N)
  "$EPINTEL" --quiet --db "$db" sync --api-url "$url" --doceo-url "$url" --parallel "$1" \
    --rate-limit 100000000 \
    --since "$SINCE" --until "$UNTIL" --audit "$tmp/audit$1.jsonl"
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}'
}
echo "bench_fetch: full sync $SINCE..$UNTIL against $url, ${LAT} ms latency per request"
tp=$(run "$PAR")
reqs_p=$(wc -l <"$tmp/audit$PAR.jsonl")
t1=$(run 1)
tw=$(run "$PAR") # again on the same store: every page from the warm disk cache, no upstream
reqs=$(wc -l <"$tmp/audit1.jsonl")
q="SELECT (SELECT count(*) FROM member), (SELECT count(*) FROM membership),
           (SELECT count(*) FROM vote), (SELECT sum(n) FROM vote_positions)"
a=$(sqlite3 "$tmp/p$PAR.db" "$q"); b=$(sqlite3 "$tmp/p1.db" "$q")
echo "  requests per sync:       $reqs"
echo "  $PAR connections:           ${tp} s"
echo "  1 connection:            ${t1} s"
echo "  speed-up:                $(echo "$t1 $tp" | awk '{printf "%.1fx", $1 / $2}') (goal >= 4x)"
echo "  warm cache, $PAR conns:    ${tw} s ($(echo "$tp $tw" | awk '{printf "%.1fx", $1 / $2}') faster than cold; upstream requests: $(($(wc -l <"$tmp/audit$PAR.jsonl") - reqs_p)))"
echo "  stores (members|memberships|votes|positions): $a vs $b"
[ "$a" = "$b" ] || { echo "bench_fetch: the two stores differ" >&2; exit 1; }
