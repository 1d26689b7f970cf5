#!/usr/bin/env bash
# bench/rosters.sh [BUILD=build/release] [RUNS=15]: the roster tools on the bundled data with the
# CONSTRUCTED committee roster of tests/data/rosters/ (not real data), against the same calls on
# the bundled data without rosters, in one process (bench_topics --rosters). The roster store is
# the bundled store synced (bodies, MEPs) from tests/srv_epapi.c on a free loopback port; the
# server is stopped by its pid.
set -euo pipefail
B=${1:-build/release}
RUNS=${2:-15}
T=$(mktemp -d)
SRV=
cleanup() { [ -n "$SRV" ] && kill "$SRV" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
"$B/srv_epapi" --port-file "$T/port" >"$T/srv.log" 2>&1 &
SRV=$!
for _ in $(seq 1 600); do [ -s "$T/port" ] && break; sleep 0.1; done
PORT=$(cat "$T/port")
"$B/epintel" --db "$T/plain.db" --quiet info >/dev/null
cp "$T/plain.db" "$T/rosters.db"
# exit 3: done with warnings (the roster's malformed row is skipped with one)
rc=0
"$B/epintel" --db "$T/rosters.db" --quiet sync --only bodies,meps --rate-limit 1000000 \
    --api-url "http://127.0.0.1:$PORT/" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || { echo "rosters.sh: sync failed ($rc)" >&2; exit 1; }
"$B/bench_topics" --rosters "$T/plain.db" "$T/rosters.db" "$RUNS"
