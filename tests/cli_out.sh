#!/usr/bin/env bash
# `epintel report ... --out PATH` writes only to a regular file or a new path: a FIFO, a
# device, a folder or a symbolic link is refused with a message that says what is there, is
# left as it was, and nothing hangs.
# usage: tests/cli_out.sh path/to/epintel
set -u
bin=$1
. "$(dirname "$0")/cli_lib.sh"
db=$tmp/r.db
cli_store "$db"
# refused KIND PATTERN what report-args...: refused within 120 s (no hang), message names it
refused() {
  local what=$1 pattern=$2; shift 2
  timeout 120 "$bin" --quiet --db "$db" report "$@" >/dev/null 2>"$tmp/err"
  local rc=$?
  if [ "$rc" = 124 ]; then bad "$what: hung (killed after 120 s)"; return; fi
  [ "$rc" != 0 ] && ok || bad "$what: exit 0, expected a refusal"
  grep -q -- "$pattern" "$tmp/err" && ok || { bad "$what: no '$pattern' in the message"; head -3 "$tmp/err" >&2; }
}

mkfifo "$tmp/fifo.pdf"
refused "briefing to a FIFO" "fifo.pdf: is a FIFO (named pipe); epintel writes only to a regular file" briefing --out "$tmp/fifo.pdf"
[ -p "$tmp/fifo.pdf" ] && ok || bad "the FIFO is left as it was"
ln -s /dev/null "$tmp/null.pdf"
refused "coalition to a symlink to a device" "null.pdf: is a symbolic link" coalition --out "$tmp/null.pdf"
[ -L "$tmp/null.pdf" ] && [ "$(readlink "$tmp/null.pdf")" = /dev/null ] && ok || bad "the symlink is left as it was"
mkdir "$tmp/dir.pdf"
refused "briefing to a folder" "dir.pdf: is a folder" briefing --out "$tmp/dir.pdf"
[ -d "$tmp/dir.pdf" ] && ok || bad "the folder is left as it was"
if [ "$(id -u)" = 0 ] && mknod "$tmp/dev.pdf" c 1 3 2>/dev/null; then
  # a device node (the same as /dev/null), made here so that nothing outside the test is at risk
  refused "briefing to a device" "dev.pdf: is a device" briefing --out "$tmp/dev.pdf"
  [ -c "$tmp/dev.pdf" ] && ok || bad "the device is left as it was"
else
  echo "skipped: a device node (needs root to make one)"
fi
# the files inside an output folder: a FIFO where network.graphml goes
mkdir "$tmp/net"
mkfifo "$tmp/net/network.graphml"
refused "network with a FIFO in its folder" "network.graphml: is a FIFO" network --out "$tmp/net"
[ -p "$tmp/net/network.graphml" ] && ok || bad "the FIFO in the folder is left as it was"
# a folder option given a file
: > "$tmp/file"
refused "network to a regular file" "file: exists and is not a folder" network --out "$tmp/file"
# serve --port-file: the same rule (a FIFO was replaced by the port file)
mkfifo "$tmp/port"
timeout 60 "$bin" --quiet --db "$db" serve --http 127.0.0.1:0 --port-file "$tmp/port" </dev/null >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] && ok || bad "serve --port-file to a FIFO: exit $rc, expected 1"
grep -q -- "--port-file: $tmp/port: is a FIFO" "$tmp/err" && ok || { bad "serve --port-file names the FIFO"; head -3 "$tmp/err" >&2; }
[ -p "$tmp/port" ] && ok || bad "the FIFO given as --port-file is left as it was"
ls "$tmp" "$tmp/net" | grep -q '\.tmp\.' && bad "temporary files left" || ok
# a regular file is still replaced, and a new path created
: > "$tmp/old.pdf"
"$bin" --quiet --db "$db" report coalition --out "$tmp/old.pdf" 2>/dev/null && [ "$(head -c 5 "$tmp/old.pdf")" = "%PDF-" ] && ok || bad "an existing regular file is replaced"

cli_done cli_out
