#!/usr/bin/env bash
# Attack suite against a real `epintel serve --http` with API keys and roles (issue: HTTP server
# hardening). Each case is an attack that once worked; each asserts that it is refused now, and
# that the legitimate use beside it still works. Starts its own server on a free loopback port
# and stops it by pid.
# usage: tests/attack/http_attack.sh path/to/epintel
set -uo pipefail
bin=$(realpath "${1:?usage: http_attack.sh path/to/epintel}")
tmp=$(mktemp -d)
srv="" hang=""
stop() {
  [ -n "$srv" ] && kill -TERM "$srv" 2>/dev/null && wait "$srv" 2>/dev/null; srv=""
  [ -n "$hang" ] && kill -TERM "$hang" 2>/dev/null && wait "$hang" 2>/dev/null; hang=""
}
trap 'stop; rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { local what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }

digest() { printf %s "$1" | sha256sum | cut -c1-64; }
cat > "$tmp/auth.json" <<JSON
{"resource":"http://127.0.0.1/mcp","authorization_servers":["https://auth.example"],
 "issuer":"https://auth.example","jwks_file":"jwks.json","metrics_role":"analyst",
 "roles":{"viewer":{"scope":"epintel:viewer","tools":["get_meps"]},
          "analyst":{"scope":"epintel:analyst","tools":["*"]},
          "metered":{"scope":"epintel:metered","tools":["*"],"daily_quota":3},
          "nothing":{"scope":"epintel:nothing","tools":[]}},
 "api_keys":[{"id":"viewer","sha256":"$(digest viewer-key-1)","role":"viewer"},
             {"id":"analyst","sha256":"$(digest analyst-key-1)","role":"analyst"},
             {"id":"analyst2","sha256":"$(digest analyst-key-2)","role":"analyst"},
             {"id":"metered","sha256":"$(digest metered-key-1)","role":"metered"},
             {"id":"nothing","sha256":"$(digest nothing-key-1)","role":"nothing"}]}
JSON
echo '{"keys":[]}' > "$tmp/jwks.json"
mkdir -p "$tmp/out"
# an EP API upstream that accepts connections and never answers (item 5)
python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
while True:
    held.append(s.accept()[0])
' "$tmp/hang.port" &
hang=$!
for _ in $(seq 100); do [ -s "$tmp/hang.port" ] && break; sleep 0.1; done
# the store is filled from the bundled data before the server starts
"$bin" --quiet --db "$tmp/db" info >/dev/null || { echo "cannot fill the store" >&2; exit 1; }
EP_API_URL="http://127.0.0.1:$(cat "$tmp/hang.port")/" \
"$bin" --quiet --db "$tmp/db" serve --http 127.0.0.1:0 --port-file "$tmp/port" \
  --auth-config "$tmp/auth.json" --out-dir "$tmp/out" --max-sessions 12 \
  --max-sessions-per-principal 4 --header-timeout 3 --tool-timeout 4 \
  --request-timeout 3 2>"$tmp/server.log" &
srv=$!
for _ in $(seq 300); do [ -s "$tmp/port" ] && break; kill -0 "$srv" 2>/dev/null || break; sleep 0.1; done
[ -s "$tmp/port" ] || { echo "server did not start:" >&2; cat "$tmp/server.log" >&2; exit 1; }
url="http://127.0.0.1:$(cat "$tmp/port")/mcp"

# post KEY SESSION JSON -> prints "STATUS BODY"
post() {
  local key=$1 sid=$2 body=$3
  curl -s -m 60 -o "$tmp/body" -w '%{http_code}' -X POST "$url" \
    -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H "MCP-Protocol-Version: ${PV:-2025-11-25}" \
    ${sid:+-H "Mcp-Session-Id: $sid"} -d "$body" >"$tmp/code"
  echo "$(cat "$tmp/code") $(cat "$tmp/body")"
}
# session KEY [VERSION] -> prints the session id of a new initialized session
session() {
  curl -s -m 30 -D "$tmp/hdr" -o /dev/null -X POST "$url" -H "Authorization: Bearer $1" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"'"${2:-2025-11-25}"'","capabilities":{},"clientInfo":{"name":"attack","version":"1"}}}'
  local sid
  sid=$(tr -d '\r' < "$tmp/hdr" | awk -F': ' 'tolower($1)=="mcp-session-id" {print $2}')
  post "$1" "$sid" '{"jsonrpc":"2.0","method":"notifications/initialized"}' >/dev/null
  echo "$sid"
}
read_res() { echo "{\"jsonrpc\":\"2.0\",\"id\":$2,\"method\":\"resources/read\",\"params\":{\"uri\":\"$1\"}}"; }

V=$(session viewer-key-1)
A=$(session analyst-key-1)
A2=$(session analyst-key-2)
N=$(session nothing-key-1)
[ -n "$V" ] && [ -n "$A" ] && [ -n "$A2" ] && [ -n "$N" ] || { echo "no sessions" >&2; exit 1; }

# 1. roles on every path: resources/read of data a role may not call
for uri in ep://groups/EPP ep://votes/163199 ep://sittings/2024-01-16 ep://meps/840; do
  r=$(post viewer-key-1 "$V" "$(read_res "$uri" 2)")
  check "viewer read $uri: want 403, got ${r:0:200}" [ "${r%% *}" = 403 ]
  r=$(post nothing-key-1 "$N" "$(read_res "$uri" 2)")
  check "role without tools read $uri: want 403, got ${r:0:200}" [ "${r%% *}" = 403 ]
done
r=$(post viewer-key-1 "$V" "$(read_res ep://groups/EPP 2)")
check "the 403 names the tool and the method: ${r:0:300}" grep -q 'analyze_voting_patterns (which resources/read needs)' <<<"$r"
r=$(post analyst-key-1 "$A" "$(read_res ep://groups/EPP 2)")
check "analyst reads ep://groups/EPP: ${r:0:200}" [ "${r%% *}" = 200 ]
check "analyst's read has contents" grep -q '"contents"' <<<"$r"
# prompts and completion go through the same check
r=$(post nothing-key-1 "$N" '{"jsonrpc":"2.0","id":3,"method":"prompts/get","params":{"name":"coalition_analysis","arguments":{}}}')
check "prompts/get without the role: want 403, got ${r:0:200}" [ "${r%% *}" = 403 ]
r=$(post nothing-key-1 "$N" '{"jsonrpc":"2.0","id":4,"method":"completion/complete","params":{"ref":{"type":"ref/resource","uri":"ep://votes/{id}"},"argument":{"name":"id","value":"1631"}}}')
check "completion without the role: want 403, got ${r:0:200}" [ "${r%% *}" = 403 ]
r=$(post viewer-key-1 "$V" '{"jsonrpc":"2.0","id":5,"method":"completion/complete","params":{"ref":{"type":"ref/resource","uri":"ep://meps/{id}"},"argument":{"name":"id","value":"84"}}}')
check "viewer completes MEP ids (get_meps): ${r:0:200}" [ "${r%% *}" = 200 ]
r=$(post nothing-key-1 "$N" '{"jsonrpc":"2.0","id":6,"method":"resources/list","params":{}}')
check "resources/list without get_meps: want 403, got ${r:0:200}" [ "${r%% *}" = 403 ]
# a batch (2025-03-26) hiding a resources/read behind an allowed call is refused whole
V0=$(session viewer-key-1 2025-03-26)
r=$(PV=2025-03-26 post viewer-key-1 "$V0" "[{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"get_meps\",\"arguments\":{}}},$(read_res ep://votes/163199 8)]")
check "batch with a forbidden read: want 403, got ${r:0:200}" [ "${r%% *}" = 403 ]
check "... answered as a batch, an error for each request: ${r:0:300}" \
  python3 -c 'import json,sys; b=json.loads(sys.argv[1].split(" ",1)[1]); sys.exit(0 if [e["id"] for e in b] == [7, 8] and all(e["error"]["code"] == -32600 for e in b) else 1)' "$r"

# 1b. quotas count every data request, and a 429 stops resources too
M=$(session metered-key-1)
for i in 1 2 3; do
  r=$(post metered-key-1 "$M" "$(read_res ep://meps/840 1$i)")
  check "metered read $i within quota: ${r:0:120}" [ "${r%% *}" = 200 ]
done
r=$(post metered-key-1 "$M" "$(read_res ep://meps/840 14)")
check "4th read over a quota of 3: want 429, got ${r:0:200}" [ "${r%% *}" = 429 ]
r=$(post metered-key-1 "$M" '{"jsonrpc":"2.0","id":15,"method":"prompts/get","params":{"name":"mep_briefing","arguments":{"mep_id":"840"}}}')
check "prompts/get after the quota: want 429, got ${r:0:200}" [ "${r%% *}" = 429 ]
M0=$(session metered-key-1 2025-03-26)
r=$(PV=2025-03-26 post metered-key-1 "$M0" '[{"jsonrpc":"2.0","id":16,"method":"tools/call","params":{"name":"get_meps","arguments":{}}},{"jsonrpc":"2.0","id":17,"method":"ping"},{"jsonrpc":"2.0","id":18,"method":"resources/read","params":{"uri":"ep://meps/840"}}]')
check "a batch over the quota: 429 with an array, one error per request: ${r:0:300}" \
  python3 -c 'import json,sys; c,b=sys.argv[1].split(" ",1); b=json.loads(b); sys.exit(0 if c == "429" and [e["id"] for e in b] == [16, 17, 18] and all(e["error"]["data"]["quota"] == "daily_quota" for e in b) else 1)' "$r"

# 1c. artefacts belong to the principal who made them
r=$(post analyst-key-1 "$A" '{"jsonrpc":"2.0","id":20,"method":"tools/call","params":{"name":"map_political_network","arguments":{"formats":["graphml"]}}}')
name=$(grep -o 'ep://artefacts/[A-Za-z0-9._-]*\.graphml' <<<"$r" | head -1)
check "analyst rendered a GraphML: ${r:0:200}" [ -n "$name" ]
r=$(post analyst-key-1 "$A" "$(read_res "$name" 21)")
check "the owner reads its artefact: ${r:0:200}" grep -q 'graphml' <<<"$r"
r=$(post analyst-key-2 "$A2" "$(read_res "$name" 22)")
check "another principal cannot read it: ${r:0:200}" grep -q '"code":-32002' <<<"$r"
r=$(post viewer-key-1 "$V" "$(read_res "$name" 23)")
check "a viewer cannot read it: ${r:0:200}" grep -q '"code":-32002' <<<"$r"

# 2. a FIFO planted in the out-dir (and in the principal's folder) does not hang the server
adir=$(dirname "$(find "$tmp/out" -name '*.graphml' | head -1)")
mkfifo "$adir/trap-1.pdf" "$tmp/out/trap-2.pdf"
t0=$(date +%s)
r=$(post analyst-key-1 "$A" "$(read_res ep://artefacts/trap-1.pdf 30)")
check "a FIFO is refused as not a regular file: ${r:0:200}" grep -q 'not a regular file\|not found' <<<"$r"
check "... at once (took $(( $(date +%s) - t0 )) s)" [ $(( $(date +%s) - t0 )) -lt 10 ]
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "${url%/mcp}/healthz")
check "healthz answers after the FIFO: $code" [ "$code" = 200 ]

# 3. one principal cannot take every session: its own oldest idle session makes room
first=$(session nothing-key-1)
for i in $(seq 12); do last=$(session nothing-key-1); done
check "a principal over its 4 sessions still gets a new one" [ -n "$last" ]
r=$(post nothing-key-1 "$first" '{"jsonrpc":"2.0","id":40,"method":"ping"}')
check "... by closing its own oldest idle one (404): ${r:0:120}" [ "${r%% *}" = 404 ]
r=$(post analyst-key-1 "$A" '{"jsonrpc":"2.0","id":41,"method":"ping"}')
check "another principal's session is kept: ${r:0:120}" [ "${r%% *}" = 200 ]
op=$(session analyst-key-2)
check "another principal can still open a session" [ -n "$op" ]
# with all four busy (a GET stream open on each), the fifth is refused with 429
busy=()
for i in 1 2 3 4; do
  s=$(session nothing-key-1)
  curl -s -N -m 30 "$url" -H 'Authorization: Bearer nothing-key-1' -H "Mcp-Session-Id: $s" \
    -H 'Accept: text/event-stream' -H 'MCP-Protocol-Version: 2025-11-25' >/dev/null 2>&1 &
  busy+=($!)
done
sleep 1
code=$(curl -s -m 30 -o "$tmp/body" -w '%{http_code}' -X POST "$url" -H 'Authorization: Bearer nothing-key-1' \
  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"attack","version":"1"}}}')
check "all four busy: the fifth is refused with 429, got $code $(head -c 200 "$tmp/body")" [ "$code" = 429 ]
check "... naming the per-principal limit" grep -q 'limit 4 per principal' "$tmp/body"
kill "${busy[@]}" 2>/dev/null; wait "${busy[@]}" 2>/dev/null
curl -s -m 10 -H 'Authorization: Bearer analyst-key-1' "${url%/mcp}/metrics" > "$tmp/metrics"; grep -q "^epintel_sessions_evicted_total [1-9]" "$tmp/metrics" && ok || bad "no evictions counted in /metrics: $(grep evicted "$tmp/metrics")"

# 6. a chunked body over the limit is answered with the 413 and its JSON body (not an empty
# reply): the rest of the body is read and dropped, then the refusal sent
head -c 5000000 /dev/zero | tr '\0' 'a' > "$tmp/big"
r=$(curl -s -m 30 -w ' %{http_code}' -X POST "$url" -H 'Authorization: Bearer analyst-key-1' \
  -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/big")
check "chunked body over the limit: 413 with a JSON-RPC error: ${r:0:200}" grep -q 'exceeds the limit of 4194304 bytes.* 413$' <<<"$r"

# 6b. a body that stops arriving is answered 408 with its JSON body at --request-timeout (3 s),
# though the client sends nothing more
python3 - "$(cat "$tmp/port")" > "$tmp/stall" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer analyst-key-1\r\n"
          b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"jsonrpc\":")
t0, got = time.time(), b""
s.settimeout(15)
try:
    while True:
        d = s.recv(4096)
        if not d:
            break
        got += d
except OSError:
    pass
print(round(time.time() - t0, 1), got.decode(errors="replace").replace("\r\n", " | "))
PY
read -r secs reply < "$tmp/stall"
check "a stalled body: 408 with a JSON body after ${secs} s: ${reply:0:200}" grep -q '^HTTP/1.1 408 .*"the request body took longer than 3 s"' <<<"$reply"
check "... at the request timeout (3 s + the 1 s watchdog), not the 30 s idle timeout" python3 -c "import sys; sys.exit(0 if $secs <= 5.5 else 1)"

# 11. only the RFC 9728 metadata paths answer
base=${url%/mcp}
for p in /.well-known/oauth-protected-resource /.well-known/oauth-protected-resource/mcp; do
  code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$base$p")
  check "$p: want 200, got $code" [ "$code" = 200 ]
done
for p in /.well-known/oauth-protected-resourceXYZ /.well-known/oauth-protected-resource/other; do
  code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$base$p")
  check "$p: want 404, got $code" [ "$code" = 404 ]
done

# 5. /healthz never waits on tool execution: a call stuck on a silent upstream holds the
# execution lock, and the health check still answers at once
t_stuck=$(date +%s%N)
post analyst-key-1 "$A" '{"jsonrpc":"2.0","id":50,"method":"tools/call","params":{"name":"get_speeches","arguments":{}}}' >"$tmp/stuck" &
stuck=$!
sleep 1.5
t0=$(date +%s%N)
code=$(curl -s -m 10 -o "$tmp/health" -w '%{http_code}' "${url%/mcp}/healthz")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "healthz during a stuck upstream call: $code in $ms ms" test "$code" = 200 -a "$ms" -lt 2000
check "... ready, with the data date" grep -q '"ready":true.*"data_date":"2' "$tmp/health"
# ... and an uncached store tool is not held back by it (the pass-through tools run under the
# pipeline's own lock, not the execution mutex)
t0=$(date +%s%N)
r=$(post analyst-key-2 "$A2" '{"jsonrpc":"2.0","id":51,"method":"tools/call","params":{"name":"get_plenary_sessions","arguments":{"limit":3}}}')
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "an uncached store tool during the stuck call: ${r%% *} in $ms ms" test "${r%% *}" = 200 -a "$ms" -lt 2000
check "... with its result: ${r:0:120}" grep -q '"isError":false' <<<"$r"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer analyst-key-1' "${url%/mcp}/metrics")
check "/metrics answers while the pipeline is held: $code" test "$code" = 200
# ... and the call ends at its deadline (--tool-timeout 4) with a clear error
wait "$stuck" 2>/dev/null
ms=$(( ($(date +%s%N) - t_stuck) / 1000000 ))
check "the stuck call ends at the 4 s deadline ($ms ms)" test "$ms" -ge 3500 -a "$ms" -lt 9000
check "... with an error naming it: $(head -c 300 "$tmp/stuck")" grep -q 'no answer within the call.s deadline of 4 s (the server.s --tool-timeout).*"isError":true' "$tmp/stuck"
kill "$hang" 2>/dev/null; wait "$hang" 2>/dev/null; hang=""

# 4. slowloris without credentials: 300 connections from 127.0.0.2, each sending one header
# line a second and never finishing. At most --max-connections-per-ip (128) are taken, each is
# cut off at --header-timeout (3 s here), and /healthz and an authenticated call from
# 127.0.0.1 are served all along.
python3 "$(dirname "$0")/slowloris.py" "$(cat "$tmp/port")" 300 8 > "$tmp/slow" &
slow=$!
sleep 1
worst=0 fails=0
for i in $(seq 10); do
  t0=$(date +%s%N)
  code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "${url%/mcp}/healthz")
  ms=$(( ($(date +%s%N) - t0) / 1000000 )); [ "$ms" -gt "$worst" ] && worst=$ms
  [ "$code" = 200 ] || fails=$((fails + 1))
  sleep 0.5
done
r=$(post analyst-key-1 "$A" '{"jsonrpc":"2.0","id":60,"method":"tools/call","params":{"name":"get_meps","arguments":{"limit":1}}}')
check "an authenticated call during the attack: ${r:0:100}" test "${r%% *}" = 200
wait "$slow"
eval "$(sed 's/ /;/g' "$tmp/slow")"  # held= refused= cut= longest= reconnects=
opened=$held closed=$cut
echo "(slowloris: $opened connections held, $refused refused at once, $closed cut off, the last after $longest s; healthz worst $worst ms)"
check "healthz served during the attack: $fails of 10 failed, worst $worst ms" test "$fails" = 0 -a "$worst" -lt 2000
check "one address holds at most 128 connections ($opened; $refused refused)" test "$opened" -le 128 -a "$refused" -ge 172
check "every slow connection is cut off ($closed of $opened)" test "$closed" = "$opened"
check "... within the header timeout (3 s + 1 s watchdog + 1 s poll; last at $longest s)" \
  python3 -c "import sys; sys.exit(0 if $longest <= 6.5 else 1)"
curl -s -m 10 -H 'Authorization: Bearer analyst-key-1' "${url%/mcp}/metrics" > "$tmp/metrics"
check "the cut-offs are counted" grep -q '^epintel_http_header_timeouts_total [1-9]' "$tmp/metrics"

# 11. /metrics: the Host/Origin check, and the role the config names (metrics_role)
m=${url%/mcp}/metrics
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$m")
check "/metrics without credentials: want 401, got $code" test "$code" = 401
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer viewer-key-1' "$m")
check "/metrics as a viewer: want 403, got $code" test "$code" = 403
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer analyst-key-1' "$m")
check "/metrics with metrics_role: want 200, got $code" test "$code" = 200
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer analyst-key-1' -H 'Host: evil.example' "$m")
check "/metrics with a foreign Host: want 403, got $code" test "$code" = 403
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'Host: evil.example' "${url%/mcp}/healthz")
check "/healthz answers probes with any Host (documented): $code" test "$code" = 200

# 9. --audit-file does not follow a planted symbolic link (no chmod, no append to its target)
echo precious > "$tmp/target"; chmod 644 "$tmp/target"; ln -s "$tmp/target" "$tmp/audit.log"
timeout 20 "$bin" --quiet --db "$tmp/db" serve --http 127.0.0.1:0 --auth-config "$tmp/auth.json" \
  --audit-file "$tmp/audit.log" 2>"$tmp/err"
rc=$?
check "a symlinked --audit-file is refused at start (rc $rc): $(cat "$tmp/err")" test "$rc" != 0 -a "$rc" != 124
check "... saying why" grep -q 'symbolic link' "$tmp/err"
check "... and its target is untouched" test "$(cat "$tmp/target")" = precious -a "$(stat -c %a "$tmp/target")" = 644

# 9b. the EP API fetch audit (EPINTEL_FETCH_AUDIT): a planted link is refused with its reason;
# a fresh log is 0600 and its URLs carry no credentials
echo precious > "$tmp/target2"; chmod 644 "$tmp/target2"; ln -s "$tmp/target2" "$tmp/fetch.log"
out=$(EP_API_URL="http://agent:s3cret@127.0.0.1:9/" EPINTEL_FETCH_AUDIT="$tmp/fetch.log" \
  timeout 60 "$bin" --quiet --db "$tmp/db" tool get_speeches --args '{"limit":1}' 2>&1)
check "EPINTEL_FETCH_AUDIT as a link is refused: $out" grep -q 'EPINTEL_FETCH_AUDIT: .*symbolic link' <<<"$out"
check "... its target untouched" test "$(cat "$tmp/target2")" = precious -a "$(stat -c %a "$tmp/target2")" = 644
out=$(EP_API_URL="http://agent:s3cret@127.0.0.1:9/?api_key=s3cret" EPINTEL_FETCH_AUDIT="$tmp/fetch2.log" \
  timeout 60 "$bin" --quiet --db "$tmp/db" tool get_speeches --args '{"limit":1}' 2>&1)
check "a fresh fetch audit is 0600" test "$(stat -c %a "$tmp/fetch2.log")" = 600
check "no credential in the audit" test "$(grep -c s3cret "$tmp/fetch2.log")" = 0 -a -s "$tmp/fetch2.log"
check "no credential in the tool's error: ${out:0:200}" test "$(grep -c s3cret <<<"$out")" = 0

echo "http_attack: $pass passed, $fail failed"
[ "$fail" = 0 ]
