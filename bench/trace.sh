#!/usr/bin/env bash
# The cost of tracing: HTTP request throughput of `epintel serve --http` with spans exported to a
# running OTLP receiver (tests/srv_otlp --discard: it reads each batch and answers 200 without
# parsing it, since a collector's own work is not epintel's and here it would share the CPUs) against the same server
# without --otlp, in the same run. Both servers run on free loopback ports with the same store
# and an API key (so every request has an auth span as well as its request span); wrk
# (bench/load.lua) alternates between them, ROUNDS times per workload, so that the machine's
# load drifts over both alike. Workloads: ping (the transport alone, the cheapest request: 2
# spans) and tools/call get_meps computed each time (3 spans; both servers run with
# EPINTEL_NO_RESULT_CACHE=1, so that the call does its store query as a first call does). Prints each run, the median rate of each
# mode and the ratio on/off (goal: within a few percent), the server's CPU time per request
# (utime + stime from /proc, steadier than the rate on a shared machine) in each mode, and the
# exporter's counters.
# Every process is stopped by pid; every step is bounded by a timeout.
# usage: bench/trace.sh [path/to/epintel] [duration_s=5] [rounds=3] [connections=16]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$here/build/release/epintel}")
dur=${2:-5}
rounds=${3:-3}
conns=${4:-16}
threads=2
build=$(dirname "$bin")
command -v wrk >/dev/null || { echo "bench/trace.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }
[ -x "$build/srv_otlp" ] || { echo "bench/trace.sh: $build/srv_otlp not built" >&2; exit 2; }
tmp=$(mktemp -d)
pids=()
stop_all() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do timeout 20 tail --pid="$p" -f /dev/null 2>/dev/null || kill -KILL "$p" 2>/dev/null || true; done
  pids=()
}
trap 'stop_all; rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache"
unset OTEL_EXPORTER_OTLP_ENDPOINT
timeout 300 "$bin" --quiet --db "$tmp/e.db" info >/dev/null

key=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
digest=$(printf %s "$key" | sha256sum | cut -d' ' -f1)
cat >"$tmp/auth.json" <<JSON
{"resource": "http://127.0.0.1/mcp",
 "roles": {"analyst": {"scope": "epintel:analyst", "tools": ["*"]}},
 "api_keys": [{"id": "bench", "sha256": "$digest", "role": "analyst"}]}
JSON
chmod 600 "$tmp/auth.json"

wait_port() { # file pid
  for _ in $(seq 300); do
    [ -s "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench/trace.sh: a server did not start" >&2
  cat "$tmp"/*.log >&2
  exit 1
}

"$build/srv_otlp" --out /dev/null --discard --port-file "$tmp/otlp.port" 2>"$tmp/otlp.log" &
pids+=($!)
wait_port "$tmp/otlp.port" $!
otlp="http://127.0.0.1:$(cat "$tmp/otlp.port")"

start() { # name, extra options...
  local name=$1
  shift
  EPINTEL_NO_RESULT_CACHE=1 "$bin" --quiet --db "$tmp/e.db" serve --http 127.0.0.1:0 --port-file "$tmp/$name.port" \
    --auth-config "$tmp/auth.json" --max-tool-calls 1024 --max-sessions 1024 "$@" \
    2>"$tmp/$name.log" &
  pids+=($!)
  wait_port "$tmp/$name.port" $!
}
declare -A port sids spid
start off
spid[off]=${pids[-1]}
start on --otlp "$otlp"
spid[on]=${pids[-1]}
port[off]=$(cat "$tmp/off.port")
port[on]=$(cat "$tmp/on.port")
A=(-H "Authorization: Bearer $key" -H 'Content-Type: application/json'
   -H 'Accept: application/json, text/event-stream')
for m in off on; do
  s=""
  for _ in $(seq "$threads"); do
    sid=$(timeout 20 curl -sS -D - -o /dev/null "${A[@]}" \
      -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"trace-bench","version":"1"}}}' \
      "http://127.0.0.1:${port[$m]}/mcp" | awk 'tolower($1) == "mcp-session-id:" {print $2}' | tr -d '\r')
    [ -n "$sid" ] || { echo "bench/trace.sh: initialize failed" >&2; exit 1; }
    timeout 20 curl -sS -o /dev/null "${A[@]}" -H "Mcp-Session-Id: $sid" \
      -H 'MCP-Protocol-Version: 2025-11-25' \
      -d '{"jsonrpc":"2.0","method":"notifications/initialized"}' "http://127.0.0.1:${port[$m]}/mcp"
    # one call before the runs (the store's pages and the tool's schemas)
    timeout 60 curl -sS -o /dev/null "${A[@]}" -H "Mcp-Session-Id: $sid" \
      -H 'MCP-Protocol-Version: 2025-11-25' \
      -d '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_meps","arguments":{"country":"LUX"}}}' \
      "http://127.0.0.1:${port[$m]}/mcp"
    s="$s $sid"
  done
  sids[$m]=$s
done

PING='{"jsonrpc":"2.0","id":ID,"method":"ping"}'
MEPS='{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"get_meps","arguments":{"country":"LUX"}}}'
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime of the server
hz=$(getconf CLK_TCK)
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo "tracing cost: $conns connections, $threads wrk threads, ${dur} s per run, $rounds rounds, $(nproc) CPUs, loopback"
echo "binary: $bin; receiver: tests/srv_otlp --discard on $otlp (reads each batch, answers 200)"
for w in ping get_meps; do
  body=$PING
  [ "$w" = get_meps ] && body=$MEPS
  : >"$tmp/off.rps"
  : >"$tmp/on.rps"
  : >"$tmp/off.cpu"
  : >"$tmp/on.cpu"
  for r in $(seq "$rounds"); do
    for m in off on; do
      c0=$(cpu_ticks "${spid[$m]}")
      out=$(EP_METHOD=POST EP_BODY=$body EP_AUTH="Bearer $key" EP_SIDS=${sids[$m]} \
        timeout $((dur + 60)) wrk -t"$threads" -c"$conns" -d"$dur"s --timeout 10s \
        -s "$here/bench/load.lua" "http://127.0.0.1:${port[$m]}/mcp" | grep '^RESULT' || true)
      [ -n "$out" ] || { echo "bench/trace.sh: wrk failed" >&2; exit 1; }
      c1=$(cpu_ticks "${spid[$m]}")
      rps=$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$out")
      n=$(sed -n 's/RESULT requests=\([0-9]*\).*/\1/p' <<<"$out")
      cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" -v n="$n" 'BEGIN {printf "%.1f", (b - a) / hz * 1e6 / (n > 0 ? n : 1)}')
      echo "$rps" >>"$tmp/$m.rps"
      echo "$cpu" >>"$tmp/$m.cpu"
      printf '  %-9s round %d tracing %-3s %s server_cpu_us_per_req=%s\n' "$w" "$r" "$m" \
        "${out#RESULT }" "$cpu"
    done
  done
  off=$(median <"$tmp/off.rps")
  on=$(median <"$tmp/on.rps")
  printf '  %-9s median %.0f req/s off, %.0f req/s on: ratio on/off %.3f\n' "$w" "$off" "$on" \
    "$(awk -v a="$on" -v b="$off" 'BEGIN {print a / b}')"
  coff=$(median <"$tmp/off.cpu")
  con=$(median <"$tmp/on.cpu")
  printf '  %-9s median server CPU per request %.1f us off, %.1f us on: +%.1f us, ratio %.3f\n' \
    "$w" "$coff" "$con" "$(awk -v a="$con" -v b="$coff" 'BEGIN {print a - b}')" \
    "$(awk -v a="$con" -v b="$coff" 'BEGIN {print a / b}')"
done
sleep 1.5 # the last batch
curl -sS -H "Authorization: Bearer $key" "http://127.0.0.1:${port[on]}/metrics" | grep '^epintel_trace_' | sed 's/^/  /'
