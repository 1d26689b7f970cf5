#!/usr/bin/env bash
# The result cache shared through Redis (--state) against the process's own, over HTTP on
# loopback, in one run: redis-server and two replicas A and B on separate copies of the bundled
# store (started here, stopped by pid). One 2026-07-28 tools/call (get_meps, 20 MEPs) is computed
# once on A; then rounds of N calls on A (answered from A's own cache: the fast path) and N on B
# (answered from Redis: the worker path, the store's content marker read, a GET), each round one
# curl process on one kept-alive connection. Prints the p50 and p90 of each and their ratio.
# usage: bench/rcache.sh [build dir] [n per round] [rounds]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
b=${1:-$here/build/release}
n=${2:-200}
rounds=${3:-5}
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
pids+=($!)
for _ in $(seq 50); do (echo > "/dev/tcp/127.0.0.1/$rport") 2>/dev/null && break; sleep 0.1; done
"$b/epintel" --quiet --db "$tmp/a.db" info >/dev/null
cp "$tmp/a.db" "$tmp/b.db"
for r in a b; do
    "$b/epintel" --db "$tmp/$r.db" serve --http 127.0.0.1:0 --port-file "$tmp/port.$r" \
        --out-dir "$tmp/out" --state "redis://127.0.0.1:$rport/0" 2>/dev/null &
    pids+=($!)
done
for r in a b; do
    for _ in $(seq 100); do [ -s "$tmp/port.$r" ] && break; sleep 0.1; done
done
body='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_meps","arguments":{"limit":20},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}'
calls() { # port count: one time_total (s) per line
    local url="http://127.0.0.1:$1/mcp" urls=()
    for _ in $(seq "$2"); do urls+=("$url"); done
    curl -s -w '\nT=%{time_total}\n' -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2026-07-28' \
        -H 'Mcp-Method: tools/call' -H 'Mcp-Name: get_meps' -d "$body" "${urls[@]}" | sed -n 's/^T=//p'
}
pa=$(cat "$tmp/port.a") pb=$(cat "$tmp/port.b")
calls "$pa" 1 >/dev/null # computed on A, stored in Redis
calls "$pb" 1 >/dev/null # warm B's connection to Redis
for _ in $(seq "$rounds"); do
    calls "$pa" "$n" >>"$tmp/local"
    calls "$pb" "$n" >>"$tmp/redis"
done
hits=$(curl -s "http://127.0.0.1:$pb/metrics" | awk '$1=="epintel_shared_cache_hits_total"{print $2}')
python3 - "$tmp/local" "$tmp/redis" "$hits" <<'PY'
import statistics, sys
def q(f, p):
    v = sorted(float(x) * 1e3 for x in open(f))
    return v[int(p * (len(v) - 1))], len(v)
l50, n = q(sys.argv[1], 0.5); l90, _ = q(sys.argv[1], 0.9)
r50, m = q(sys.argv[2], 0.5); r90, _ = q(sys.argv[2], 0.9)
print(f"tools/call get_meps (limit 20), over HTTP on loopback, {n} calls each, interleaved rounds:")
print(f"  A, its own cache  p50 {l50:.3f} ms  p90 {l90:.3f} ms")
print(f"  B, from Redis     p50 {r50:.3f} ms  p90 {r90:.3f} ms  (B's shared-cache hits: {sys.argv[3]})")
print(f"  Redis hit / local hit at p50: {r50 / l50:.2f}x (+{r50 - l50:.3f} ms)")
PY
