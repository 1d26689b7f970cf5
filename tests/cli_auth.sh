#!/usr/bin/env bash
# epintel auth key add|list|revoke against a real HTTP server that uses the config: a new key
# works after SIGHUP, its own daily quota applies, a revoked key is refused after SIGHUP; the
# file keeps only digests, mode 0600; bad input leaves the file as it was.
# usage: tests/cli_auth.sh path/to/epintel
set -uo pipefail
bin=$(realpath "${1:?usage: cli_auth.sh path/to/epintel}")
. "$(dirname "$0")/cli_lib.sh"

cfg=$tmp/auth.json
cat > "$cfg" <<'JSON'
{"resource":"http://127.0.0.1/mcp","roles":{"viewer":{"scope":"epintel:viewer","tools":["get_meps"]},"analyst":{"tools":["*"]}}}
JSON
k1=$("$bin" auth key add --config "$cfg" --role viewer --name ci 2>"$tmp/err")
check "add prints a key once: $k1 $(cat "$tmp/err")" grep -qE '^epk_[0-9a-f]{64}$' <<<"$k1"
check "... says it is shown only once" grep -q 'only time it is shown' "$tmp/err"
check "the file keeps no key, only its digest" test "$(grep -c "$k1" "$cfg")" = 0
check "... the digest" grep -q "$(printf %s "$k1" | sha256sum | cut -c1-64)" "$cfg"
check "the file is 0600" test "$(stat -c %a "$cfg")" = 600
cp "$cfg" "$tmp/before"
"$bin" auth key add --config "$cfg" --role nope 2>"$tmp/err"; rc=$?
check "an unknown role: exit 1 naming the roles ($(cat "$tmp/err"))" test "$rc" = 1
check "... viewer analyst" grep -q 'roles are: viewer analyst' "$tmp/err"
"$bin" auth key add --config "$cfg" --role viewer --name ci 2>"$tmp/err"; rc=$?
check "a duplicate name is refused ($(cat "$tmp/err"))" test "$rc" = 1
"$bin" auth key revoke --config "$cfg" nobody 2>"$tmp/err"; rc=$?
check "revoking an unknown id is refused ($(cat "$tmp/err"))" test "$rc" = 1
check "... and the file is as it was" cmp -s "$cfg" "$tmp/before"
echo '{"roles": ' > "$tmp/broken.json"
"$bin" auth key add --config "$tmp/broken.json" --role viewer 2>"$tmp/err"; rc=$?
check "a malformed config is refused with its line ($(cat "$tmp/err"))" test "$rc" = 1
check "... and left as it was" test "$(cat "$tmp/broken.json")" = '{"roles": '
ln -s "$cfg" "$tmp/link.json"
"$bin" auth key add --config "$tmp/link.json" --role viewer 2>"$tmp/err"; rc=$?
check "a config behind a symbolic link is not rewritten ($(cat "$tmp/err"))" test "$rc" = 1
check "... its target unchanged" cmp -s "$cfg" "$tmp/before"
"$bin" auth 2>/dev/null; check "no verb: usage error" test "$?" = 2

"$bin" --quiet --db "$tmp/db" info >/dev/null
cli_serve "$tmp/server.log" "$bin" --quiet --db "$tmp/db" serve --http 127.0.0.1:0 \
  --port-file "$tmp/port" --auth-config "$cfg"
url="http://127.0.0.1:$port/mcp"
init() { # KEY -> HTTP status of an initialize
  curl -s -m 30 -o /dev/null -w '%{http_code}' -X POST "$url" -H "Authorization: Bearer $1" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
}
session() {
  curl -s -m 30 -D - -o /dev/null -X POST "$url" -H "Authorization: Bearer $1" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' |
    tr -d '\r' | awk -F': ' 'tolower($1)=="mcp-session-id" {print $2}'
}
call() { # KEY SID -> HTTP status of a get_meps call
  curl -s -m 30 -o /dev/null -w '%{http_code}' -X POST "$url" -H "Authorization: Bearer $1" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H "Mcp-Session-Id: $2" -H 'MCP-Protocol-Version: 2025-11-25' \
    -d '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_meps","arguments":{"limit":1}}}'
}
check "the added key is accepted" test "$(init "$k1")" = 200
k2=$("$bin" auth key add --config "$cfg" --role analyst --quota 2 2>/dev/null)
check "a key added while the server runs is not known before SIGHUP" test "$(init "$k2")" = 401
kill -HUP "$srv_pid"; sleep 1
check "... and is after SIGHUP" test "$(init "$k2")" = 200
s2=$(session "$k2")
check "its own daily quota: call 1 passes" test "$(call "$k2" "$s2")" = 200
check "... call 2 passes" test "$(call "$k2" "$s2")" = 200
check "... call 3 is over its quota of 2 (429)" test "$(call "$k2" "$s2")" = 429
"$bin" auth key revoke --config "$cfg" ci 2>/dev/null
kill -HUP "$srv_pid"; sleep 1
check "a revoked key is refused after SIGHUP" test "$(init "$k1")" = 401
"$bin" auth key list --config "$cfg" > "$tmp/list"
check "list shows ci revoked and the other's quota: $(tr '\n' '|' < "$tmp/list")" \
  grep -qE '^ci +viewer +\(role.s\) +[0-9T:Z-]+ +yes$' "$tmp/list"
check "... and the quota" grep -qE '^key-[0-9a-f]{8} +analyst +2 ' "$tmp/list"
check "list never prints a key" test "$(grep -c epk_ "$tmp/list")" = 0
# --state: publishing a revocation to a Redis that is not there fails, saying so (exit 1); the
# file keeps the revocation; --state with another verb is a usage error
"$bin" auth key revoke --config "$cfg" ci --state redis://127.0.0.1:1/0 2>"$tmp/err"; rc=$?
check "revoke --state with Redis unreachable: exit 1 ($rc)" test "$rc" = 1
check "... saying the key is NOT revoked in the shared state" grep -q 'NOT revoked in the shared state' "$tmp/err"
"$bin" auth key list --config "$cfg" --state redis://127.0.0.1:1/0 2>/dev/null; rc=$?
check "list --state is a usage error ($rc)" test "$rc" = 2

cli_done cli_auth
