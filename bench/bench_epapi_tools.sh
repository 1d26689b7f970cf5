#!/usr/bin/env bash
# A warm-cache pass-through tool call against a cold one, in the same run: starts the local EP
# API test server (tests/srv_epapi.c) on a free port with LATENCY_MS (default 50) per request,
# then runs bench_epapi_tools (bench/bench_epapi_tools.c) against it. Stops the server by pid.
#
# usage: bench/bench_epapi_tools.sh [BUILD_DIR] [CALLS]     env: LATENCY_MS
set -euo pipefail
B=${1:-${EP_BUILD:-build/release}}
CALLS=${2:-20}
LAT=${LATENCY_MS:-50}
for f in "$B/srv_epapi" "$B/bench_epapi_tools"; do
  [ -x "$f" ] || { echo "bench_epapi_tools: $f not built" >&2; exit 2; }
done
tmp=$(mktemp -d)
srv_pid=
cleanup() {
  [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
"$B/srv_epapi" --port-file "$tmp/port" 2>"$tmp/srv.log" &
srv_pid=$!
for _ in $(seq 1 1500); do [ -s "$tmp/port" ] && break; sleep 0.02; done
[ -s "$tmp/port" ] || { echo "bench_epapi_tools: test server did not start" >&2; cat "$tmp/srv.log" >&2; exit 1; }
url="http://127.0.0.1:$(cat "$tmp/port")/"
curl -sf -X POST -d "{\"route\":\"*\",\"latency_ms\":$LAT}" "${url}__faults" >/dev/null
echo "bench_epapi_tools: test server $url, ${LAT} ms latency per request"
"$B/bench_epapi_tools" "$url" "$tmp/store.db" "$CALLS"
