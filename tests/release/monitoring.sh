#!/usr/bin/env bash
# The Prometheus alerting rules and the Grafana dashboard of docs/monitoring/, checked with
# promtool from Debian's prometheus package (extracted from the .deb that `apt-get download`
# fetches, not installed: no daemon), against a real server:
#   - promtool check rules and promtool test rules (the unit tests of every alert)
#   - every PromQL expression of the dashboard parses (as a recording rule for promtool)
#   - every epintel_* metric the rules and the dashboard use is one the server writes
#     (its name appears in the sources)
#   - a real server's /metrics, after a session and a tool call, passes promtool check metrics
#     and holds the families the rules use that exist before any upstream call
# usage: tests/release/monitoring.sh path/to/epintel [CACHE_DIR]
set -uo pipefail
bin=$(realpath "${1:?usage: monitoring.sh path/to/epintel [CACHE_DIR]}")
here=$(cd "$(dirname "$0")/../.." && pwd)
cache=$(realpath -m "${2:-$here/build/release-check}")
mon=$here/docs/monitoring
tmp=$(mktemp -d)
srv=""
trap '[ -n "$srv" ] && kill -TERM "$srv" 2>/dev/null && wait "$srv" 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { local what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }

promtool=$cache/prometheus/usr/bin/promtool
if [ ! -x "$promtool" ]; then
  mkdir -p "$cache/prometheus-deb"
  (cd "$cache/prometheus-deb" && apt-get download prometheus >/dev/null 2>&1) ||
    { echo "monitoring: apt-get download prometheus failed (Debian mirror?)" >&2; exit 1; }
  dpkg-deb -x "$cache"/prometheus-deb/prometheus_*.deb "$cache/prometheus"
fi
echo "monitoring: $("$promtool" --version 2>&1 | head -1)" >&2

out=$("$promtool" check rules "$mon/epintel-alerts.yml" 2>&1); rc=$?
check "promtool check rules: $out" test "$rc" = 0
out=$(cd "$mon" && "$promtool" test rules epintel-alerts.test.yml 2>&1); rc=$?
check "promtool test rules: $out" test "$rc" = 0

# the dashboard: valid JSON, each target's expression as a recording rule
python3 - "$mon/epintel-dashboard.json" "$tmp/dash-rules.yml" <<'PY' || bad "dashboard JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["panels"], "no panels"
with open(sys.argv[2], "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    n = 0
    for p in d["panels"]:
        for t in p["targets"]:
            n += 1
            e = t["expr"].replace("$instance", ".*")
            f.write("      - record: dashboard:expr_%d\n        expr: %s\n" % (n, json.dumps(e)))
print("dashboard: %d panels, %d expressions" % (len(d["panels"]), n), file=sys.stderr)
PY
out=$("$promtool" check rules "$tmp/dash-rules.yml" 2>&1); rc=$?
check "every dashboard expression parses: $out" test "$rc" = 0

emitted=$(grep -rhoE '"epintel_[a-z_]+' "$here"/mcp "$here"/engine "$here"/tools | tr -d '"' | sort -u)
used=$(grep -hoE 'epintel_[a-z_]+' "$mon/epintel-alerts.yml" "$mon/epintel-dashboard.json" | sort -u)
unknown=$(comm -13 <(echo "$emitted") <(echo "$used") | tr '\n' ' ')
check "every metric used is one the server writes (unknown: ${unknown:-none})" test -z "$unknown"

# a real server's exposition
EPINTEL_FIXTURES=$here/fixtures "$bin" --quiet --db "$tmp/db" serve --http 127.0.0.1:0 \
  --port-file "$tmp/port" 2>"$tmp/server.log" &
srv=$!
for _ in $(seq 300); do [ -s "$tmp/port" ] && break; sleep 0.1; done
base="http://127.0.0.1:$(cat "$tmp/port" 2>/dev/null)"
post() { curl -s -m 60 -X POST "$base/mcp" -H 'Content-Type: application/json' \
  -H 'Accept: application/json, text/event-stream' -H "MCP-Protocol-Version: 2025-06-18" "$@"; }
sid=$(post -D - -o /dev/null -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"mon","version":"1"}}}' |
  tr -d '\r' | awk -F': ' 'tolower($1)=="mcp-session-id" {print $2}')
post -H "Mcp-Session-Id: $sid" -o /dev/null -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'
post -H "Mcp-Session-Id: $sid" -o "$tmp/call.json" -d '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_meps","arguments":{"country":"LUX"}}}'
check "a tools/call answered ($(head -c 120 "$tmp/call.json"))" grep -q '"LUX"' "$tmp/call.json"
curl -s -m 30 "$base/metrics" >"$tmp/metrics"
out=$("$promtool" check metrics <"$tmp/metrics" 2>&1); rc=$?
check "promtool check metrics on a real /metrics: $out" test "$rc" = 0
for m in epintel_http_requests_total epintel_tool_call_seconds_bucket epintel_http_rejections_total epintel_sessions; do
  grep -q "^$m" "$tmp/metrics"
  check "/metrics has $m" test $? = 0
done
kill -TERM "$srv"; wait "$srv" 2>/dev/null; srv=""

echo "monitoring: $pass passed, $fail failed" >&2
[ "$fail" = 0 ]
