#!/usr/bin/env bash
# epintel auth check: for API keys and HS256 JWTs (minted here with python's hmac, independently
# of epintel), its decision and reason, and that the decision is the real server's: the same
# credential gets 200 from `serve --http` with the same config exactly when auth check accepts it.
# usage: tests/cli_auth_check.sh path/to/epintel
set -uo pipefail
bin=$(realpath "${1:?usage: cli_auth_check.sh path/to/epintel}")
. "$(dirname "$0")/cli_lib.sh"

now=$(date +%s)
cd "$tmp"
python3 - "$now" <<'PY'
import base64, hashlib, hmac, json, sys
now = int(sys.argv[1])
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
key = b"0123456789abcdef0123456789abcdef"
json.dump({"keys": [{"kty": "oct", "k": b64(key), "kid": "k1", "alg": "HS256"}]}, open("jwks.json", "w"))
json.dump({"resource": "http://127.0.0.1/mcp", "issuer": "https://auth.test", "jwks_file": "jwks.json",
           "leeway_s": 30, "metrics_role": "analyst",
           "roles": {"viewer": {"scope": "epintel:viewer", "tools": ["get_meps"], "daily_quota": 100},
                     "analyst": {"scope": "epintel:analyst", "tools": ["*"]}}}, open("auth.json", "w"))
def tok(claims, k=key, alg="HS256"):
    h = b64(json.dumps({"alg": alg, "kid": "k1", "typ": "JWT"}).encode())
    p = b64(json.dumps(claims).encode())
    return h + "." + p + "." + b64(hmac.new(k, (h + "." + p).encode(), hashlib.sha256).digest())
base = {"iss": "https://auth.test", "aud": "http://127.0.0.1/mcp", "sub": "alice", "scope": "epintel:viewer"}
def w(name, **kw):
    c = dict(base, **kw)
    for k, v in list(c.items()):
        if v is None: del c[k]
    open(name + ".jwt", "w").write(tok(c))
w("good", exp=now + 600)
w("analyst", exp=now + 600, scope="epintel:analyst epintel:viewer")
w("expired", exp=now - 600)
w("in_leeway", exp=now - 10)             # expired 10 s ago, within the 30 s leeway
w("future", exp=now + 7200, nbf=now + 3600)
w("wrong_iss", exp=now + 600, iss="https://evil.test")
w("wrong_aud", exp=now + 600, aud="http://other/mcp")
w("no_sub", exp=now + 600, sub=None)
w("no_exp")
open("badsig.jwt", "w").write(tok(dict(base, exp=now + 600), k=b"another key, not the configured"))
PY
k1=$("$bin" auth key add --config auth.json --role viewer --name ci 2>/dev/null)
k2=$("$bin" auth key add --config auth.json --role analyst --name own --quota 7 2>/dev/null)
k3=$("$bin" auth key add --config auth.json --role viewer --name gone 2>/dev/null)
"$bin" auth key revoke --config auth.json gone 2>/dev/null

# run auth check: exit code in $rc, output in $tmp/out
ac() { "$bin" auth check --config auth.json "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
has() { grep -q -- "$1" "$tmp/out"; }

ac --key "$k1"
check "a viewer key: accepted, exit 0 ($rc)" test "$rc" = 0
check "... names the key and its role" has 'accepted at .* as key:ci (apikey)'
check "... the config entry" has 'api_keys\[0\] id "ci", role viewer'
check "... the role's quota" has 'daily quota: 100 tools/call per UTC day (role viewer)'
check "... /metrics refused (metrics_role analyst)" has '/metrics: refused'
ac --key "$k1" --tool get_meps
check "--tool get_meps for a viewer: allowed, exit 0 ($rc)" test "$rc" = 0
ac --key "$k1" --tool analyze_voting_patterns
check "--tool analyze_voting_patterns for a viewer: refused, exit 1 ($rc)" test "$rc" = 1
check "... says no role lists it" has 'tool analyze_voting_patterns: REFUSED'
ac --key "$k2"
check "a key with its own quota: the key's 7 ($(cat "$tmp/out" | grep quota))" has "daily quota: 7 tools/call per UTC day (the key's own)"
check "... an analyst reaches /metrics" has '/metrics: allowed'
ac --key "$k3"
check "a revoked key: refused, exit 1 ($rc)" test "$rc" = 1
check "... because it is revoked" has 'REFUSED at .*: revoked API key'
check "... its entry says revoked yes" has 'id "gone", role viewer, .* revoked yes'
ac --key epk_0000
check "an unknown key: refused ($rc)" test "$rc" = 1
check "... unknown API key, no entry matches" bash -c "grep -q 'unknown API key' '$tmp/out' && grep -q 'none of the 3 api_keys' '$tmp/out'"
printf '%s\n' "$k1" | "$bin" auth check --config auth.json --key - >"$tmp/out" 2>&1; rc=$?
check "--key - reads the key from standard input ($rc)" bash -c "[ $rc = 0 ] && grep -q 'as key:ci' '$tmp/out'"

ac --jwt "$(cat good.jwt)"
check "a valid JWT: accepted ($rc)" test "$rc" = 0
check "... as jwt:ISS|SUB" has 'as jwt:https://auth.test|alice (jwt)'
check "... role viewer from its scope" has 'roles: viewer (the roles whose scope'
check "... shows exp and the leeway" bash -c "grep -qE '^  exp .*\((59[0-9]|600) s after now\)' '$tmp/out' && grep -q 'leeway     30 s' '$tmp/out'"
ac --jwt "$(cat analyst.jwt)"
check "a JWT with two scopes: both roles ($(grep roles: "$tmp/out"))" has 'roles: viewer,analyst\|roles: analyst,viewer'
ac --jwt "$(cat expired.jwt)"
check "an expired JWT: refused, token expired ($rc)" bash -c "[ $rc = 1 ] && grep -q 'REFUSED at .*: token expired' '$tmp/out'"
check "... exp 600 s before now" grep -qE '^  exp .*\((59[0-9]|60[0-9]) s before now\)' "$tmp/out"
ac --jwt "$(cat in_leeway.jwt)"
check "a JWT expired 10 s ago, inside the 30 s leeway: accepted ($rc)" test "$rc" = 0
ac --jwt "$(cat expired.jwt)" --at $((now - 1200))
check "--at 20 minutes ago: the expired JWT was valid then ($rc)" test "$rc" = 0
ac --jwt "$(cat future.jwt)"
check "a JWT with nbf in an hour: not yet valid ($rc)" bash -c "[ $rc = 1 ] && grep -q 'token not yet valid' '$tmp/out'"
check "... nbf 3600 s after now" grep -qE '^  nbf .*\((359[0-9]|3600) s after now\)' "$tmp/out"
ac --jwt "$(cat wrong_iss.jwt)"
check "wrong issuer: refused, both issuers shown" bash -c "[ $rc = 1 ] && grep -q 'wrong issuer' '$tmp/out' && grep -q 'evil.test' '$tmp/out' && grep -q 'issuer     https://auth.test' '$tmp/out'"
ac --jwt "$(cat wrong_aud.jwt)"
check "wrong audience: refused" bash -c "[ $rc = 1 ] && grep -q 'wrong audience' '$tmp/out'"
ac --jwt "$(cat no_sub.jwt)"
check "no subject: refused" bash -c "[ $rc = 1 ] && grep -q 'no subject' '$tmp/out'"
ac --jwt "$(cat no_exp.jwt)"
check "no exp: refused" bash -c "[ $rc = 1 ] && grep -q 'has no exp' '$tmp/out'"
ac --jwt "$(cat badsig.jwt)"
check "another key's signature: refused, bad signature" bash -c "[ $rc = 1 ] && grep -q 'bad signature' '$tmp/out'"
ac --jwt "not.a.token"
check "garbage: refused, malformed, and says it cannot be decoded" bash -c "[ $rc = 1 ] && grep -q 'malformed token' '$tmp/out' && grep -q 'cannot be decoded' '$tmp/out'"

"$bin" auth check --config auth.json >/dev/null 2>&1; check "neither --key nor --jwt: usage (2)" test "$?" = 2
"$bin" auth check --config auth.json --key a --jwt b >/dev/null 2>&1; check "both: usage (2)" test "$?" = 2
"$bin" auth check --config auth.json --key a --at yesterday >/dev/null 2>&1; check "a bad --at: usage (2)" test "$?" = 2
"$bin" auth check --config nope.json --key a >/dev/null 2>&1; check "a missing config: error (1)" test "$?" = 1

# The server agrees with every decision above.
cli_serve "$tmp/server.log" "$bin" --quiet --db "$tmp/db" --no-default-data serve \
  --http 127.0.0.1:0 --port-file "$tmp/port" --auth-config auth.json
url="http://127.0.0.1:$port/mcp"
status() {
  curl -s -m 30 -o /dev/null -w '%{http_code}' -X POST "$url" -H "Authorization: Bearer $1" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
}
agree=0 total=0
creds=("$k1" "$k2" "$k3" epk_0000)
for f in good analyst expired in_leeway future wrong_iss wrong_aud no_sub no_exp badsig; do
  creds+=("$(cat "$f.jwt")")
done
for cred in "${creds[@]}"; do
  "$bin" auth check --config auth.json --key - <<<"$cred" >/dev/null 2>&1; c=$?
  s=$(status "$cred")
  total=$((total + 1))
  if { [ "$c" = 0 ] && [ "$s" = 200 ]; } || { [ "$c" = 1 ] && [ "$s" = 401 ]; }; then
    agree=$((agree + 1))
  else
    echo "disagreement: auth check exit $c, server HTTP $s for ${cred:0:24}..." >&2
  fi
done
check "the server's answer (200/401) matches auth check for $agree of $total credentials" test "$agree" = "$total" -a "$total" = 14

cli_done cli_auth_check
