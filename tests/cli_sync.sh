#!/usr/bin/env bash
# Black-box tests of `epintel sync` against the local EP API test server (tests/srv_epapi.c):
# a sync, a no-op rerun, the incremental default, usage errors, an unreachable upstream; the
# datasets beyond votes (questions, procedures, documents, adopted texts, speeches) and the
# tools reading them; the DOCEO roll-call XML; a disagreement reported with exit 3; a malformed
# page stopping with the endpoint named and nothing stored lost.
# usage: tests/cli_sync.sh path/to/epintel   (env EP_BUILD = the build dir with srv_epapi)
set -u
bin=$1
srv=${EP_BUILD:-$(dirname "$bin")}/srv_epapi
. "$(dirname "$0")/cli_lib.sh"

if ! "$bin" sync --help >/dev/null 2>&1; then
  echo "SKIP: $bin has no sync command yet" >&2
  exit 0
fi
[ -x "$srv" ] || { echo "FAIL: $srv not built" >&2; exit 1; }
cli_serve "$tmp/srv.log" "$srv" --port-file "$tmp/port"
url="http://127.0.0.1:$port/"
db=$tmp/s.db
sync=("$bin" --db "$db" sync --api-url "$url" --doceo-url "$url" --rate-limit 1000000)
faults() { curl -s -o /dev/null -X POST -d "$1" "${url}__faults"; }

expect_rc 0 "sync" "${sync[@]}" --only bodies,votes --since 2024-04-01 --until 2024-04-30 \
  --audit "$tmp/audit.jsonl"
contains "$tmp/err" "sync: done" "summary"
contains "$tmp/err" "0 retries" "no retries without faults"
[ "$(sqlite3 "$db" "SELECT count(*) FROM vote WHERE sitting_date = '2024-04-23' AND pos_unit_id IS NOT NULL")" -gt 0 ] \
  && ok || bad "roll-call votes of 2024-04-23 with positions"
[ "$(sqlite3 "$db" "SELECT count(*) FROM committee")" -gt 20 ] && ok || bad "committees"
grep -q '"endpoint":"meetings"' "$tmp/audit.jsonl" && grep -q '"attempt":1' "$tmp/audit.jsonl" \
  && ok || bad "audit lines"
before=$(sqlite3 "$db" "SELECT sum(n) FROM vote_positions")

expect_rc 0 "rerun" "${sync[@]}" --only bodies,votes --since 2024-04-01 --until 2024-04-30
contains "$tmp/err" "(0 changed the store" "rerun is a no-op"
[ "$(sqlite3 "$db" "SELECT sum(n) FROM vote_positions")" = "$before" ] && ok || bad "rerun changed positions"
[ "$(sqlite3 "$db" "SELECT value FROM meta WHERE key = 'epapi.sync.votes.last'")" = \
  "$(sqlite3 "$db" "SELECT max(sitting_date) FROM vote")" ] \
  && ok || bad "checkpoint of the last synced sitting"

expect_rc 2 "--only unknown" "${sync[@]}" --only frobs
contains "$tmp/err" "unknown dataset" "--only message"
contains "$tmp/err" "adopted-texts" "--only lists the dataset names"
expect_rc 2 "--since not a date" "${sync[@]}" --since 2024-13-01
expect_rc 2 "--parallel 0" "${sync[@]}" --parallel 0

# an unreachable upstream: an error that says so (port 9 on loopback: nothing listens)
expect_rc 4 "unreachable upstream" "$bin" --db "$tmp/u.db" sync --api-url http://127.0.0.1:9/ \
  --only bodies
contains "$tmp/err" "upstream unavailable" "unavailable message"

# the datasets beyond votes; counts as in tests/test_epapi.c (constructed by srv_epapi from the
# 266 votes with per-MEP positions: 85 procedures and questions, 418 procedure events, 86
# documents, 82 adopted texts, 83 speeches)
db2=$tmp/d.db
sync2=("$bin" --db "$db2" sync --api-url "$url" --doceo-url "$url" --rate-limit 1000000)
expect_rc 0 "sync of the document datasets" "${sync2[@]}" \
  --only questions,procedures,documents,adopted-texts,speeches
contains "$tmp/err" "85 questions, 85 procedures, 418 procedure events, 86 documents, 82 adopted texts, 83 speeches" \
  "summary of the document datasets"
contains "$tmp/err" "sync: procedure events 85/85" "progress"
[ "$(sqlite3 "$db2" "SELECT count(*) FROM question; SELECT count(*) FROM procedure_event;
  SELECT count(*) FROM document; SELECT count(*) FROM speech" | tr '\n' ' ')" = "85 418 168 83 " ] \
  && ok || bad "stored counts of the document datasets"
expect_rc 0 "get_parliamentary_questions on the synced store" "$bin" --db "$db2" tool \
  get_parliamentary_questions --args '{"mep_id":840}' --compact
contains "$tmp/out" '"total":4' "questions of MEP 840"
expect_rc 0 "search_documents finds a synced document" "$bin" --db "$db2" tool search_documents \
  --args '{"query":"ozone","kind":"document"}' --compact
contains "$tmp/out" '"ref":"A9-0050-2023"' "document hit"
expect_rc 0 "rerun of the document datasets" "${sync2[@]}" \
  --only questions,procedures,documents,adopted-texts,speeches
contains "$tmp/err" "(0 changed the store" "document datasets rerun is a no-op"

# a malformed page (JSON cut in half, every attempt): the sync stops naming the endpoint, and
# what was stored stays
before=$(sqlite3 "$db2" "SELECT count(*) FROM speech")
faults '{"route":"speeches","malformed":true}'
expect_rc 1 "malformed speeches page" "${sync2[@]}" --only speeches --page-size 20
contains "$tmp/err" "speeches" "malformed page names the endpoint"
faults '{"clear":true}'
[ "$(sqlite3 "$db2" "SELECT count(*) FROM speech")" = "$before" ] && ok || bad "speeches lost after a malformed page"

# the DOCEO roll-call XML, then a disagreement with it: reported (vote, MEP, both positions, the
# file), the XML positions kept, exit 3 (completed with warnings)
db3=$tmp/x.db
sync3=("$bin" --db "$db3" sync --api-url "$url" --doceo-url "$url" --rate-limit 1000000)
expect_rc 0 "sync with the roll-call XML" "${sync3[@]}" --only votes --since 2024-04-23 --until 2024-04-23
contains "$tmp/err" "roll-call XML: 1 files, 0 sittings without; 0 disagreements" "XML summary"
[ -s "$db3.doceo/PV-9-2024-04-23-RCV_EN.xml" ] && ok || bad "XML file kept next to the store"
[ "$(sqlite3 "$db3" "SELECT count(DISTINCT u.kind) || u.kind FROM vote v JOIN unit u ON u.id = v.pos_unit_id")" = "1rcv-xml" ] \
  && ok || bad "positions from the XML"
rm -rf "$db3" "$db3-wal" "$db3-shm"
faults '{"route":"meetings/MTG-PL-2024-04-23","flip_voter":true}'
expect_rc 3 "disagreement: exit 3" "${sync3[@]}" --only votes --since 2024-04-23 --until 2024-04-23
faults '{"clear":true}'
n=$(grep -c "^sync: disagreement: vote [0-9]*, MEP [0-9]*: FOR in .*PV-9-2024-04-23-RCV_EN.xml, AGAINST in the API" "$tmp/err")
want=$("$bin" --quiet --db "$db3" --no-default-data sql "SELECT count(*) FROM vote v WHERE sitting_date = '2024-04-23' AND pos_unit_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM position p WHERE p.vote_id = v.id AND p.pos = 1)")
[ "$n" -gt 0 ] && [ "$n" = "$want" ] && ok || bad "one disagreement per flipped vote ($n, expected $want)"
contains "$tmp/err" "sync: done" "the sync went on"
contains "$tmp/err" "$want disagreements" "summary counts disagreements"

# the other order: API positions stored first (no XML then), the XML later differs. The store
# refuses the file; that is reported as a disagreement naming it, and the sync goes on (exit 3)
db4=$tmp/y.db
sync4=("$bin" --db "$db4" sync --api-url "$url" --doceo-url "$url" --rate-limit 1000000 --only votes
  --since 2024-04-23 --until 2024-04-23)
faults '{"route":"meetings/MTG-PL-2024-04-23","flip_voter":true}'
expect_rc 0 "API positions first" "${sync4[@]}" --no-xml
faults '{"clear":true}'
expect_rc 3 "the XML after differing API positions" "${sync4[@]}"
[ "$(grep -c "^sync: disagreement: roll-call XML .*PV-9-2024-04-23-RCV_EN.xml was not ingested: .*vote [0-9]* is already stored from epapi:meetings/MTG-PL-2024-04-23/decisions.* with different content: member [0-9]* is AGAINST there and FOR here" "$tmp/err")" = 1 ] \
  && ok || bad "XML refused after API positions, reported"
contains "$tmp/err" "sync: done" "the sync went on after the refused XML"

cli_done cli_sync
