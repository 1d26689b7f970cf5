# tests/cli_lib.sh: what the black-box scripts tests/cli_*.sh share. Source it after `set`:
#   . "$(dirname "$0")/cli_lib.sh"
# It makes $tmp (a new folder, removed on exit), points XDG_CACHE_HOME and HOME there, stops on
# exit the server cli_serve started, and gives the check counters and helpers below. Not a test
# of its own (CMakeLists.txt leaves it out of the tests/cli_*.sh tests).

tmp=$(mktemp -d)
srv_pid=
cli_stop_srv() { # stop the server cli_serve started, if any (SIGTERM, then wait for it)
  [ -n "$srv_pid" ] && kill -TERM "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
  srv_pid=
}
cli_cleanup() {
  cli_stop_srv
  rm -rf "$tmp"
}
trap cli_cleanup EXIT
export XDG_CACHE_HOME="$tmp/cache" HOME="$tmp"

# ---- checks: each counts a pass or names the failure on stderr; cli_done sums them up --------
pass=0 fail=0
cli_diag=${cli_diag:-head} # which end of a command's output a failure shows (head or tail)
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { # description command...: passes when the command succeeds
  local what=$1; shift
  if "$@"; then ok; else bad "$what"; fi
}
expect_rc() { # expected-rc description command...: stdout in $tmp/out, stderr in $tmp/err
  local want=$1 what=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [ "$rc" = "$want" ]; then ok; else bad "$what: exit $rc, expected $want"; sed 's/^/   /' "$tmp/err" | "$cli_diag" -5 >&2; fi
}
contains() { # file pattern description
  if grep -q -- "$2" "$1"; then ok; else bad "$3: no '$2' in output"; "$cli_diag" -5 "$1" >&2; fi
}
lacks() { # file pattern description
  if grep -q -- "$2" "$1"; then bad "$3: '$2' in output"; "$cli_diag" -5 "$1" >&2; else ok; fi
}
same() { # a b description
  if [ "$1" = "$2" ]; then ok; else bad "$3: '$1' != '$2'"; fi
}
cli_done() { # name: the summary line; the status is the script's (0 = every check passed)
  echo "$1: $pass passed, $fail failed"
  [ "$fail" = 0 ]
}

# ---- the store and servers -------------------------------------------------------------------
cli_store() { # db: a store filled with the bundled data (the first run of epintel fills it)
  "$bin" --quiet --db "$1" info >/dev/null || bad "store $1"
}
cli_serve() { # log command...: start a server that writes its port to $tmp/port, stderr
  # appended to log; the one started before is stopped first. Sets $srv_pid and $port; exits 1
  # when no port is written within 30 s.
  local log=$1; shift
  cli_stop_srv
  rm -f "$tmp/port"
  "$@" 2>>"$log" &
  srv_pid=$!
  for _ in $(seq 1 600); do [ -s "$tmp/port" ] && break; sleep 0.05; done
  [ -s "$tmp/port" ] || { echo "FAIL: the server $1 did not start" >&2; exit 1; }
  port=$(cat "$tmp/port")
}
