#!/usr/bin/env bash
# Install the .deb on a clean Debian 12 root and run it there (scripts/release-check).
#   tests/release/deb_install.sh EPINTEL.deb [CACHE_DIR]
# The root is made once with debootstrap --variant=minbase from the machine's Debian mirror
# (/etc/apt/sources.list*) and cached as CACHE_DIR/rootfs-bookworm.tar (default
# build/release-check); every run unpacks a fresh copy, installs the .deb with apt (which fetches
# the Depends from the mirror: proves they are complete and resolvable; downloaded packages are
# cached in CACHE_DIR/apt-archives) and checks, inside the root:
#   - epintel --version names the package's version and every library as found
#   - epintel info fills the store from /usr/share/epintel/fixtures (the installed data):
#     its member count equals the rows of fixtures/htv/members.csv.gz (counted here by python)
#   - epintel tool get_meps --args '{"country":"LUX"}' lists the LUX rows of that file
#   - a stdio MCP session (initialize, tools/list, tools/call get_meps) and an HTTP one
#     (serve --http on a free loopback port, /healthz and initialize by curl from the host,
#     stopped by pid)
#   - the manual page, the bash completion and the systemd unit are installed; the unit passes
#     systemd-analyze verify (when the host has systemd-analyze)
#   - dpkg -r removes every file the package installed
set -euo pipefail
deb=$(realpath "${1:?usage: deb_install.sh EPINTEL.deb [CACHE_DIR]}")
here=$(cd "$(dirname "$0")/../.." && pwd)
cache=$(realpath -m "${2:-$here/build/release-check}")
# the machine's Debian mirror: the first active (uncommented) URI ending in /debian of apt's sources
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
  awk '/^(URIs:|deb )/ {for (i = 2; i <= NF; i++) if (!m && $i ~ /^https?:\/\/.*\/debian\/?$/) m = $i} END {if (m) print m}' || true)
mirror=${mirror:-http://deb.debian.org/debian}
[ "$(id -u)" = 0 ] || { echo "deb_install: needs root (chroot, mount)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "deb_install: needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }
mkdir -p "$cache/apt-archives/partial"
tarball=$cache/rootfs-bookworm.tar
if [ ! -s "$tarball" ]; then
  echo "== deb_install: debootstrap bookworm (minbase) from $mirror, once, into $tarball" >&2
  tmpr=$(mktemp -d "$cache/debootstrap.XXXXXX")
  debootstrap --variant=minbase bookworm "$tmpr" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log" >&2; rm -rf "$tmpr"; exit 1; }
  tar -C "$tmpr" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
  rm -rf "$tmpr"
fi
work=$(mktemp -d "$cache/root.XXXXXX")
srv=""
cleanup() {
  [ -n "$srv" ] && kill -TERM "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
root=$work/root
mkdir "$root"
tar -C "$root" -xf "$tarball"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/epintel.deb"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { local what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }
# Run a command in the root, in a private mount namespace with /proc and the apt cache.
inroot() {
  unshare -m -- bash -c 'set -e; r=$1; c=$2; shift 2
    mount -t proc proc "$r/proc"
    mount --bind "$c" "$r/var/cache/apt/archives"
    exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 "$@"' \
    inroot "$root" "$cache/apt-archives" "$@"
}
echo "== deb_install: apt-get install ./epintel.deb in a clean root" >&2
inroot apt-get -qq update >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; exit 1; }
if inroot env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    /tmp/epintel.deb >>"$work/apt.log" 2>&1; then ok; else bad "apt-get install the .deb: $(tail -5 "$work/apt.log")"; fi
installed() { chroot "$root" dpkg-query -W -f='${Status}' epintel 2>/dev/null | grep -q 'install ok installed'; }
check "the package is installed" installed

ver=$(dpkg-deb -f "$deb" Version)
inroot epintel --version >"$work/version" 2>&1 || true
check "--version names $ver: $(head -1 "$work/version")" grep -qx "epintel $ver" "$work/version"
check "--version: every library found ($(grep -c 'not loadable' "$work/version") not loadable)" \
  test "$(grep -c 'not loadable' "$work/version")" = 0
check "--version: a build date" grep -q '^built [0-9-]*T' "$work/version"

want_members=$(python3 -c 'import csv,gzip,sys; print(sum(1 for _ in csv.DictReader(gzip.open(sys.argv[1],"rt"))))' \
  "$here/fixtures/htv/members.csv.gz")
want_lux=$(python3 -c 'import csv,gzip,sys; print(sum(1 for r in csv.DictReader(gzip.open(sys.argv[1],"rt")) if r["country_code"]=="LUX"))' \
  "$here/fixtures/htv/members.csv.gz")
inroot epintel --quiet --db /root/epintel.db info >"$work/info" 2>"$work/info.err" || true
got=$(awk '$1=="members"{print $2}' "$work/info")
check "info fills the store from the installed data: members $got, want $want_members ($(cat "$work/info.err"))" \
  test "$got" = "$want_members"
check "... read from /usr/share/epintel/fixtures" grep -q '/usr/share/epintel/fixtures/htv/members.csv.gz' "$work/info"
inroot epintel --db /root/epintel.db tool get_meps --args '{"country":"LUX","limit":100}' \
  >"$work/meps.json" 2>"$work/meps.err" || true
got=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["meps"]; print(len(m) if all(x["country"]=="LUX" for x in m) else -1)' \
  "$work/meps.json" 2>/dev/null || echo none)
check "tool get_meps LUX: $got MEPs, want $want_lux ($(head -c 200 "$work/meps.err"))" test "$got" = "$want_lux"

# stdio MCP session
printf '%s\n' \
  '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"deb","version":"1"}}}' \
  '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
  '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' \
  '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_meps","arguments":{"country":"LUX","limit":100}}}' \
  >"$root/tmp/session.jsonl"
inroot sh -c 'epintel --quiet --db /root/epintel.db serve --stdio < /tmp/session.jsonl' \
  >"$work/stdio.out" 2>"$work/stdio.err" || true
check "stdio session: initialize answered with serverInfo epintel" \
  python3 -c 'import json,sys
r={m.get("id"):m for m in map(json.loads,open(sys.argv[1])) if "id" in m}
assert r[1]["result"]["serverInfo"]["name"]=="epintel", r[1]
assert any(t["name"]=="get_meps" for t in r[2]["result"]["tools"])
sc=r[3]["result"]["structuredContent"]
assert len(sc["meps"])==int(sys.argv[2]) and not r[3]["result"].get("isError"), r[3]' "$work/stdio.out" "$want_lux"

# HTTP session: the server in the root, curl from the host (same network namespace)
unshare -m -- bash -c 'r=$1; mount -t proc proc "$r/proc"; exec chroot "$r" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root \
  epintel --quiet --db /root/epintel.db serve --http 127.0.0.1:0 --port-file /tmp/port' inroot "$root" \
  2>"$work/http.err" &
srv=$!
for _ in $(seq 300); do [ -s "$root/tmp/port" ] && break; sleep 0.1; done
port=$(cat "$root/tmp/port" 2>/dev/null || echo 0)
check "serve --http wrote its port ($(cat "$work/http.err"))" test "$port" -gt 0
check "/healthz answers 200" test "$(curl -s -m 20 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200
code=$(curl -s -m 20 -o "$work/init.json" -w '%{http_code}' -X POST "http://127.0.0.1:$port/mcp" \
  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"deb","version":"1"}}}')
check "HTTP initialize: 200 ($code)" test "$code" = 200
check "... serverInfo epintel" grep -q '"name":"epintel"' "$work/init.json"
kill -TERM "$srv"; wait "$srv" 2>/dev/null; rc=$?; srv=""
check "the server stops on SIGTERM with status 0 ($rc)" test "$rc" = 0

check "man page installed" test -s "$root/usr/share/man/man1/epintel.1.gz"
check "man page names every command" bash -c "zcat '$root/usr/share/man/man1/epintel.1.gz' | grep -c '^\.SS ' | grep -qx \"\$(grep -c '^  [a-z]* ' <<<\"\$(chroot '$root' epintel --help | sed -n '/^commands:/,/^\$/p')\")\""
check "bash completion installed and loads" bash -c "source '$root/usr/share/bash-completion/completions/epintel' && complete -p epintel >/dev/null"
check "zsh completion installed" test -s "$root/usr/share/zsh/vendor-completions/_epintel"
check "systemd unit installed" test -s "$root/usr/lib/systemd/system/epintel.service"
check "man page renders without warnings" bash -c "man --warnings -l '$root/usr/share/man/man1/epintel.1.gz' 2>&1 >/dev/null | (! grep -q .)"
if command -v systemd-analyze >/dev/null; then
  # The minbase root has no systemd: the host's targets stand in for the unit's dependencies.
  cp -n /usr/lib/systemd/system/*.target "$root/usr/lib/systemd/system/" 2>/dev/null || true
  out=$(systemd-analyze verify --man=no --root="$root" /usr/lib/systemd/system/epintel.service 2>&1) && rc=0 || rc=$?
  check "systemd-analyze verify of the unit ($rc): $out" test "$rc" = 0 -a -z "$out"
  exposure=$(systemd-analyze security --offline=yes --root="$root" epintel.service 2>/dev/null |
             sed -n 's/.*Overall exposure level for epintel.service: \([0-9.]*\).*/\1/p')
  echo "deb_install: systemd-analyze security exposure of epintel.service: ${exposure:-unknown} (0 = most hardened, 10 = none)" >&2
  check "the unit's exposure is at most 2.0 (${exposure:-unknown})" \
    awk -v e="${exposure:-99}" 'BEGIN{exit !(e <= 2.0)}'
fi
inroot dpkg -L epintel | sort >"$work/files"
inroot dpkg -r epintel >>"$work/apt.log" 2>&1 || bad "dpkg -r epintel"
left=0
while read -r f; do [ -f "$root$f" ] && left=$((left + 1)); done <"$work/files"
check "dpkg -r removes the package's files ($left left)" test "$left" = 0

echo "deb_install: $pass passed, $fail failed"
[ "$fail" = 0 ]
