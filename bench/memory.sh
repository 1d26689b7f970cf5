#!/usr/bin/env bash
# Server memory under an analytics workload (issue: HTTP hardening, item 8): 25 sessions, each
# making 2 intelligence calls on its own window, all sessions at once (one connection thread and
# one worker thread per call, so glibc would give each thread its own malloc arena), 50 calls in
# all; the server's peak VmHWM and final VmRSS. Two runs in the same invocation:
#   arenas=glibc    the server with MALLOC_ARENA_MAX = 8 x cores (glibc's own default, what the
#                   server had before it set its own)
#   arenas=server   the server as shipped (ep_mem_server: M_ARENA_MAX 2 unless the operator
#                   set MALLOC_ARENA_MAX)
# Loopback only; the server runs on a free port and is stopped by pid; bounded by timeouts.
# usage: bench/memory.sh [path/to/epintel]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$here/build/release/epintel}")
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

sittings=(2024-01-15 2024-01-16 2024-01-17 2024-02-08 2024-02-26 2024-02-27 2024-04-23)
tools=(analyze_coalition_dynamics map_political_network assess_mep_influence
       detect_voting_anomalies generate_political_risk_assessment)

run() { # label env...
  local label=$1; shift
  rm -f "$tmp/port"
  env "$@" "$bin" --quiet --db "$tmp/e.db" serve --http 127.0.0.1:0 --port-file "$tmp/port" \
    --max-tool-calls 64 --out-dir "$tmp/out" 2>"$tmp/server.log" &
  srv=$!
  for _ in $(seq 300); do [ -s "$tmp/port" ] && break; sleep 0.1; done
  local url="http://127.0.0.1:$(cat "$tmp/port")/mcp" st=/proc/$srv/status
  local rss0
  rss0=$(awk '/VmRSS/ {print $2}' "$st")
  local t0=$SECONDS
  for s in $(seq 0 24); do
    (
      sid=$(curl -s -m 30 -D - -o /dev/null -X POST "$url" -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' \
        -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"mem","version":"1"}}}' |
        tr -d '\r' | awk -F': ' 'tolower($1)=="mcp-session-id" {print $2}')
      for k in 0 1; do
        i=$(( (s * 2 + k) ))
        tool=${tools[$((i % 5))]}
        # a window of its own per call: from one sitting to a later one (no result cache hit)
        a=${sittings[$((i % 7))]} b=${sittings[$(( (i / 7 + i % 7) % 7 ))]}
        [[ $a > $b ]] && { t=$a; a=$b; b=$t; }
        curl -s -m 600 -o /dev/null -X POST "$url" -H 'Content-Type: application/json' \
          -H 'Accept: application/json, text/event-stream' -H "Mcp-Session-Id: $sid" \
          -H 'MCP-Protocol-Version: 2025-11-25' \
          -d "{\"jsonrpc\":\"2.0\",\"id\":$((k + 2)),\"method\":\"tools/call\",\"params\":{\"name\":\"$tool\",\"arguments\":{\"from\":\"$a\",\"to\":\"$b\"}}}"
      done
    ) &
  done
  wait $(jobs -p | grep -v "^$srv$") 2>/dev/null || true
  local hwm rss1
  hwm=$(awk '/VmHWM/ {print $2}' "$st")
  rss1=$(awk '/VmRSS/ {print $2}' "$st")
  printf '%-16s rss_start=%6.1f MB  peak=%6.1f MB  rss_end=%6.1f MB  (%d s)\n' "$label" \
    "$(echo "$rss0/1024" | bc -l)" "$(echo "$hwm/1024" | bc -l)" "$(echo "$rss1/1024" | bc -l)" \
    $((SECONDS - t0))
  stop_server
}
run "arenas=glibc" MALLOC_ARENA_MAX=$((8 * $(nproc)))
run "arenas=server"
