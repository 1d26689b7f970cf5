#!/usr/bin/env bash
# Black-box tests of `epintel sync` against the local EP API test server (tests/srv_epapi.c):
# a sync, a no-op rerun, the incremental default, usage errors, an unreachable upstream.
# usage: tests/cli_sync.sh path/to/epintel   (env EP_BUILD = the build dir with srv_epapi)
set -u
bin=$1
srv=${EP_BUILD:-$(dirname "$bin")}/srv_epapi
tmp=$(mktemp -d)
srv_pid=
cleanup() {
  [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
export XDG_CACHE_HOME="$tmp/cache"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_rc() { # expected-rc description command...
  local want=$1 what=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [ "$rc" = "$want" ]; then ok; else bad "$what: exit $rc, expected $want"; sed 's/^/   /' "$tmp/err" | head -5 >&2; fi
}
contains() { # file pattern description
  if grep -q -- "$2" "$1"; then ok; else bad "$3: no '$2' in output"; head -5 "$1" >&2; fi
}

if ! "$bin" sync --help >/dev/null 2>&1; then
  echo "SKIP: $bin has no sync command yet" >&2
  exit 0
fi
[ -x "$srv" ] || { echo "FAIL: $srv not built" >&2; exit 1; }
"$srv" --port-file "$tmp/port" 2>"$tmp/srv.log" &
srv_pid=$!
for _ in $(seq 1 500); do [ -s "$tmp/port" ] && break; sleep 0.02; done
[ -s "$tmp/port" ] || { echo "FAIL: test server did not start" >&2; exit 1; }
url="http://127.0.0.1:$(cat "$tmp/port")/"
db=$tmp/s.db
sync=("$bin" --db "$db" sync --api-url "$url" --rate-limit 1000000)

expect_rc 0 "sync" "${sync[@]}" --only bodies,votes --since 2024-04-01 --until 2024-04-30 \
  --audit "$tmp/audit.jsonl"
contains "$tmp/err" "sync: done" "summary"
contains "$tmp/err" "0 retries" "no retries without faults"
[ "$(sqlite3 "$db" "SELECT count(*) FROM vote WHERE sitting_date = '2024-04-23' AND pos_unit_id IS NOT NULL")" -gt 0 ] \
  && ok || bad "roll-call votes of 2024-04-23 with positions"
[ "$(sqlite3 "$db" "SELECT count(*) FROM committee")" -gt 20 ] && ok || bad "committees"
grep -q '"endpoint":"meetings"' "$tmp/audit.jsonl" && grep -q '"attempt":1' "$tmp/audit.jsonl" \
  && ok || bad "audit lines"
before=$(sqlite3 "$db" "SELECT count(*) FROM position")

expect_rc 0 "rerun" "${sync[@]}" --only bodies,votes --since 2024-04-01 --until 2024-04-30
contains "$tmp/err" "(0 changed the store" "rerun is a no-op"
[ "$(sqlite3 "$db" "SELECT count(*) FROM position")" = "$before" ] && ok || bad "rerun changed positions"
[ "$(sqlite3 "$db" "SELECT value FROM meta WHERE key = 'epapi.sync.votes.last'")" = \
  "$(sqlite3 "$db" "SELECT max(sitting_date) FROM vote")" ] \
  && ok || bad "checkpoint of the last synced sitting"

expect_rc 2 "--only unknown" "${sync[@]}" --only frobs
contains "$tmp/err" "unknown dataset" "--only message"
expect_rc 2 "--since not a date" "${sync[@]}" --since 2024-13-01
expect_rc 2 "--parallel 0" "${sync[@]}" --parallel 0

# an unreachable upstream: an error that says so (port 9 on loopback: nothing listens)
expect_rc 4 "unreachable upstream" "$bin" --db "$tmp/u.db" sync --api-url http://127.0.0.1:9/ \
  --only bodies
contains "$tmp/err" "upstream unavailable" "unavailable message"

echo "cli_sync: $pass passed, $fail failed"
[ "$fail" = 0 ]
