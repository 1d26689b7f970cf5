#!/usr/bin/env bash
# Loopback HTTP load test of `epintel serve --http` with wrk (Debian package wrk) and
# bench/load.lua. For each of two servers (no authentication; an API key with an analyst role
# whose daily quota is huge, so the quota path runs), in the same run:
#   /healthz and ping (baselines), tools/call get_meps (cached basic tool), tools/call
#   assess_mep_influence (intelligence tool): throughput, p50/p99 latency, non-2xx replies,
#   JSON-RPC errors, socket errors, and the ratio to the baseline;
# then ~100k get_meps calls on the second server (EP_LOAD_REQUESTS; wrk stops by time only, so
# the run lasts the number of requests over the rate just measured, at most 120 s), with its VmRSS before and after.
# Every run line also shows the server's VmRSS before and after it (rss_kb=A->B).
# With the API key, get_meps also runs under a slowloris attack of 500 connections from
# 127.0.0.2 (tests/attack/slowloris.py), and its rate is compared with a run without it.
# Sessions are created with curl (one per wrk thread) before wrk starts. Loopback only; each
# server runs on a free port and is stopped by pid; every step is bounded by a timeout.
# usage: bench/load.sh [path/to/epintel] [duration_s=10] [connections=64] [threads=nproc]
#        (the issue's full run: bench/load.sh build/release/epintel 30 64)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$here/build/release/epintel}")
dur=${2:-10}
conns=${3:-64}
threads=${4:-$(nproc)}
[ "$threads" -gt "$conns" ] && threads=$conns
total=${EP_LOAD_REQUESTS:-100000}
command -v wrk >/dev/null || { echo "bench/load.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }
command -v curl >/dev/null || { echo "bench/load.sh: needs curl" >&2; exit 2; }
tmp=$(mktemp -d)
srv=""
stop_server() {
  [ -n "$srv" ] || return 0
  kill -TERM "$srv" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$srv" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$srv" 2>/dev/null || true
  wait "$srv" 2>/dev/null || true
  srv=""
}
trap 'stop_server; rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache"
timeout 300 "$bin" --quiet --db "$tmp/e.db" info >/dev/null

key=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
digest=$(printf %s "$key" | sha256sum | cut -d' ' -f1)
cat >"$tmp/auth.json" <<JSON
{"resource": "http://127.0.0.1/mcp",
 "roles": {"analyst": {"scope": "epintel:analyst", "tools": ["*"], "daily_quota": 1000000000}},
 "api_keys": [{"id": "bench", "sha256": "$digest", "role": "analyst"}]}
JSON

start_server() {
  rm -f "$tmp/port"
  "$bin" --db "$tmp/e.db" serve --http 127.0.0.1:0 --port-file "$tmp/port" \
    --max-tool-calls 1024 --max-sessions 1024 "$@" 2>>"$tmp/server.log" &
  srv=$!
  for _ in $(seq 300); do
    [ -s "$tmp/port" ] && break
    kill -0 "$srv" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
    sleep 0.1
  done
  [ -s "$tmp/port" ] || { echo "bench/load.sh: the server did not start" >&2; exit 1; }
  port=$(cat "$tmp/port")
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$srv/status"; }

# One session per wrk thread: initialize, then notifications/initialized.
sessions() {
  local auth=("$@") sids="" sid
  for _ in $(seq "$threads"); do
    sid=$(timeout 20 curl -sS -D - -o /dev/null "${auth[@]}" -H 'Content-Type: application/json' \
      -H 'Accept: application/json, text/event-stream' \
      -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"load","version":"1"}}}' \
      "http://127.0.0.1:$port/mcp" | awk 'tolower($1) == "mcp-session-id:" {print $2}' | tr -d '\r')
    [ -n "$sid" ] || { echo "bench/load.sh: initialize failed" >&2; exit 1; }
    timeout 20 curl -sS -o /dev/null "${auth[@]}" -H 'Content-Type: application/json' \
      -H 'Accept: application/json, text/event-stream' -H "Mcp-Session-Id: $sid" \
      -H 'MCP-Protocol-Version: 2025-11-25' \
      -d '{"jsonrpc":"2.0","method":"notifications/initialized"}' "http://127.0.0.1:$port/mcp"
    sids="$sids $sid"
  done
  echo "$sids"
}

call_body() { # tool, arguments
  printf '{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"%s","arguments":%s}}' "$1" "$2"
}
MEPS=$(call_body get_meps '{"country":"LUX"}')
INTEL=$(call_body assess_mep_influence '{"mep_id":202073}')
PING='{"jsonrpc":"2.0","id":ID,"method":"ping"}'

# warm LABEL BODY AUTH... -> one call with curl before wrk (the cold, uncached computation),
# timed and printed, so that the wrk runs measure the steady state
warm() {
  local label=$1 body=${2//ID/1} t
  shift 2
  t=$(timeout 120 curl -sS -o /dev/null -w '%{time_total} %{http_code}' "$@" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H "Mcp-Session-Id: $(awk '{print $1}' <<<"$sids")" -H 'MCP-Protocol-Version: 2025-11-25' -d "$body" \
    "http://127.0.0.1:$port/mcp")
  printf '  %-28s %s s (HTTP %s)\n' "$label first call" "${t% *}" "${t#* }"
}

# run LABEL METHOD PATH BODY AUTH SIDS DURATION -> prints a line (with the server's VmRSS
# before and after the run), sets rps_last, req_last
run() {
  local out r0
  r0=$(rss_kb)
  out=$(EP_METHOD=$2 EP_BODY=$4 EP_AUTH=$5 EP_SIDS=$6 \
    timeout $(($7 + 60)) wrk -t"$threads" -c"$conns" -d"$7"s --timeout 10s \
    -s "$here/bench/load.lua" "http://127.0.0.1:$port$3" | grep '^RESULT' || true)
  [ -n "$out" ] || { echo "bench/load.sh: wrk failed ($1)" >&2; exit 1; }
  rps_last=$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$out")
  req_last=$(sed -n 's/RESULT requests=\([0-9]*\).*/\1/p' <<<"$out")
  printf '  %-28s %s rss_kb=%s->%s\n' "$1" "${out#RESULT }" "$r0" "$(rss_kb)"
}

ratio() {
  printf '  %-28s %.2f x healthz, %.2f x ping\n' "$1 rate" \
    "$(awk -v a="$rps_last" -v b="$base" 'BEGIN {print a / b}')" \
    "$(awk -v a="$rps_last" -v b="$pbase" 'BEGIN {print a / b}')"
}

echo "epintel HTTP load: $conns connections, $threads wrk threads, ${dur} s per run, $(nproc) CPUs, loopback"
echo "binary: $bin"
for mode in none apikey; do
  if [ "$mode" = none ]; then
    start_server
    auth=()
    authz=""
  else
    start_server --auth-config "$tmp/auth.json"
    auth=(-H "Authorization: Bearer $key")
    authz="Bearer $key"
  fi
  sids=$(sessions "${auth[@]}")
  rss0=$(rss_kb)
  echo "auth: $mode (server pid $srv, port $port, VmRSS at start ${rss0} kB)"
  run "GET /healthz (baseline)" GET /healthz "" "$authz" "" "$dur"
  base=$rps_last
  run "ping (transport baseline)" POST /mcp "$PING" "$authz" "$sids" "$dur"
  pbase=$rps_last
  warm get_meps "$MEPS" "${auth[@]}"
  run "tools/call get_meps" POST /mcp "$MEPS" "$authz" "$sids" "$dur"
  ratio get_meps
  meps_rps=$rps_last
  warm assess_mep_influence "$INTEL" "${auth[@]}"
  run "tools/call assess_mep_infl." POST /mcp "$INTEL" "$authz" "$sids" "$dur"
  ratio assess_mep_influence
  if [ "$mode" = apikey ]; then
    # under attack: 500 slowloris connections from 127.0.0.2 (tests/attack/slowloris.py,
    # reconnecting as the server cuts them off) beside the $conns normal clients, against the
    # same run without the attack, back to back
    run "get_meps, no attack" POST /mcp "$MEPS" "$authz" "$sids" "$dur"
    calm=$rps_last
    timeout $((dur + 30)) python3 "$here/tests/attack/slowloris.py" "$port" 500 $((dur + 3)) \
      --reconnect >"$tmp/slow" &
    slp=$!
    sleep 1.5
    run "get_meps, 500 slowloris" POST /mcp "$MEPS" "$authz" "$sids" "$dur"
    wait "$slp" || true
    printf '  %-28s %.2f x the run without it (goal >= 0.8); attacker: %s\n' "under attack rate" \
      "$(awk -v a="$rps_last" -v b="$calm" 'BEGIN {print a / b}')" "$(cat "$tmp/slow")"
    rss1=$(rss_kb)
    # wrk stops by time only: run long enough for ~$total requests at the rate just measured
    d=$(awk -v n="$total" -v r="$meps_rps" 'BEGIN {d = int(n / (r > 0 ? r : 1)) + 1; print (d > 120 ? 120 : d)}')
    run "get_meps for ${d} s (RSS)" POST /mcp "$MEPS" "$authz" "$sids" "$d"
    rss2=$(rss_kb)
    echo "  VmRSS: at start ${rss0} kB, after the timed runs ${rss1} kB, after $req_last more requests ${rss2} kB"
  fi
  stop_server
done
