#!/usr/bin/env bash
# Black-box tests of the epintel binary: help, exit codes, ingest, bad input, synth.
# usage: tests/cli_basic.sh path/to/epintel
set -u
bin=$1
data=${EP_REAL_DATA:?}
. "$(dirname "$0")/cli_lib.sh"
# the store through epintel: position is its virtual table over the packed vote_positions rows
count() { "$bin" --quiet --db "$db" --no-default-data sql "$1"; }

for c in ingest info synth serve tool tools report sync; do
  expect_rc 0 "$c --help" "$bin" "$c" --help
  contains "$tmp/out" "usage: epintel" "$c --help"
done
expect_rc 0 "--help" "$bin" --help
expect_rc 2 "unknown command" "$bin" frobnicate
contains "$tmp/err" 'unknown command "frobnicate"' "unknown command message"
expect_rc 2 "no command" "$bin"
expect_rc 2 "ingest without paths" "$bin" ingest

db=$tmp/a.db
h=$data/howtheyvote
expect_rc 0 "ingest tables" "$bin" --db "$db" ingest "$h/members.csv" "$h/group_memberships.csv" "$h/groups.csv" "$h/countries.csv" "$h/votes_subset.csv"
expect_rc 0 "ingest xml folder" "$bin" --db "$db" ingest "$data/ep-rcv-xml"
[ "$(count 'SELECT COUNT(*) FROM vote WHERE pos_unit_id IS NOT NULL')" = 266 ] && ok || bad "266 votes with positions"
expect_rc 0 "re-ingest" "$bin" --db "$db" ingest "$data/ep-rcv-xml/PV-9-2024-01-15-RCV_EN.xml"
contains "$tmp/err" "already ingested" "re-ingest is a no-op"

units=$(count 'SELECT COUNT(*) FROM unit')
printf 'not xml at all\n' > "$tmp/junk.xml"
expect_rc 1 "junk file" "$bin" --db "$db" ingest "$tmp/junk.xml"
contains "$tmp/err" "junk.xml" "error names the file"
head -c 50000 "$data/ep-rcv-xml/PV-9-2024-02-26-RCV_EN.xml" > "$tmp/PV-cut.xml"
expect_rc 1 "truncated xml" "$bin" --db "$db" ingest "$tmp/PV-cut.xml"
contains "$tmp/err" "PV-cut.xml:" "truncated: file and line"
printf 'member_id,group_code,term,start_date\n1,EPP,9,2020-01-01\n' > "$tmp/gm.csv"
expect_rc 1 "missing column" "$bin" --db "$db" ingest "$tmp/gm.csv"
contains "$tmp/err" "end_date" "missing column named"
printf '\xff\xfe<x/>' > "$tmp/bin.xml"
expect_rc 1 "binary junk" "$bin" --db "$db" ingest "$tmp/bin.xml"
[ "$(count 'SELECT COUNT(*) FROM unit')" = "$units" ] && ok || bad "bad files wrote nothing"

# An unknown group label is kept and reported (exit 3); --strict rejects the file (exit 1).
sed 's/Identifier="ID"/Identifier="XYZ"/' "$data/ep-rcv-xml/PV-9-2024-02-26-RCV_EN.xml" > "$tmp/PV-xyz.xml"
db=$tmp/b.db
expect_rc 0 "tables" "$bin" --db "$db" ingest "$h/members.csv" "$h/group_memberships.csv"
expect_rc 1 "strict unknown group" "$bin" --db "$db" ingest --strict "$tmp/PV-xyz.xml"
contains "$tmp/err" "XYZ" "strict names the group"
[ "$(count "SELECT COUNT(*) FROM position WHERE group_code = 'XYZ'")" = 0 ] && ok || bad "strict wrote nothing"
expect_rc 3 "unknown group kept" "$bin" --db "$db" ingest "$tmp/PV-xyz.xml"
contains "$tmp/err" "XYZ" "warning names the group"
[ "$(count "SELECT COUNT(*) FROM position WHERE group_code = 'XYZ'")" -gt 0 ] && ok || bad "unknown group kept"

expect_rc 0 "info" "$bin" --db "$db" info --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["votes_with_positions"]==7, d' "$tmp/out" && ok || bad "info --json"
# sql: reads only, one statement, the position table as rows
expect_rc 0 "sql --header" "$bin" --db "$db" sql --header "SELECT vote_id, member_id, pos FROM position ORDER BY vote_id, member_id LIMIT 2"
[ "$(head -1 "$tmp/out")" = "vote_id|member_id|pos" ] && [ "$(wc -l <"$tmp/out")" = 3 ] && ok || bad "sql --header output"
[ "$(count "SELECT SUM(n) FROM vote_positions")" = "$(count "SELECT COUNT(*) FROM position")" ] && ok || bad "position rows = packed counts"
expect_rc 2 "sql refuses a write" "$bin" --db "$db" sql "DELETE FROM vote"
contains "$tmp/err" "only statements that read" "sql names the refusal"
[ "$(count "SELECT COUNT(*) FROM vote")" -gt 0 ] && ok || bad "sql wrote nothing"
expect_rc 2 "sql refuses two statements" "$bin" --db "$db" sql "SELECT 1; SELECT 2"
expect_rc 1 "sql syntax error" "$bin" --db "$db" sql "SELEC 1"
contains "$tmp/err" "syntax error" "sql shows the SQLite error"
expect_rc 2 "sql without a query" "$bin" --db "$db" sql
# serve: bad flags are refused before anything starts, naming the flag and the fix
expect_rc 2 "serve --http port out of range" timeout 10 "$bin" --db "$db" serve --http 127.0.0.1:99999
contains "$tmp/err" "PORT from 0 to 65535" "serve --http gives the port range"
expect_rc 2 "serve --max-replay-bytes not a number" timeout 10 "$bin" --db "$db" serve --http 127.0.0.1:0 --max-replay-bytes lots
contains "$tmp/err" "--max-replay-bytes needs a number" "serve names the bad flag"
expect_rc 1 "serve --http non-loopback without auth" timeout 10 "$bin" --db "$db" serve --http 0.0.0.0:0
contains "$tmp/err" "pass --auth-config" "serve asks for --auth-config off loopback"

expect_rc 2 "synth needs --db" "$bin" synth --meps 10 --votes 10
expect_rc 2 "synth bad number" "$bin" --db "$tmp/s.db" synth --meps ten
expect_rc 2 "synth into a real store" "$bin" --db "$db" synth --defaults --meps 10 --votes 10
expect_rc 0 "synth" "$bin" --db "$tmp/s.db" synth --defaults --meps 50 --votes 200 --seed 7
db=$tmp/s.db
[ "$(count 'SELECT COUNT(*) FROM member')" = 50 ] && ok || bad "synth members"
[ "$(count "SELECT value FROM meta WHERE key='synthetic'")" = 1 ] && ok || bad "synth labelled"

cli_done cli_basic
