#!/usr/bin/env bash
# The daily-quota check in the process against Redis (--state) on loopback, and the Redis
# sliding rate-window check against the same in-process baseline (bench/bench_state.c):
# starts redis-server on a free port, stops it by pid.
# usage: bench/state.sh [build dir] [n]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
b=${1:-$here/build/release}
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
"$b/bench_state" "redis://127.0.0.1:$port/0" "${2:-20000}"
