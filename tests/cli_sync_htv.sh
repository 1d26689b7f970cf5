#!/usr/bin/env bash
# Black-box tests of `epintel sync --source howtheyvote` against the local export server
# (tests/srv_htv.c) serving the bundled HowTheyVote tables in the export's layout (NAME.csv.gz,
# SHA256SUMS): the store after a sync equals the store `epintel ingest` makes of the same files;
# 503s are retried; a transfer cut mid-way and a kill -9 mid-download are resumed with Range; a
# kill -9 mid-ingest (EPINTEL_FAULT_KILL_AFTER) followed by a rerun gives the same store; an
# unchanged export is not fetched again (304), a changed ETag fetches it again without storing
# anything twice; a truncated, corrupt or mis-summed table is refused by name with nothing of it
# stored; a persistent outage ends with exit 4; and over a synthetic whole term (a full-scale
# member_votes) the tools and `report scorecards --term 9 --all` work.
# usage: tests/cli_sync_htv.sh path/to/epintel   (env EP_BUILD = the build dir with srv_htv)
set -u
bin=$1
srv=${EP_BUILD:-$(dirname "$bin")}/srv_htv
real=${EP_REAL_DATA:-$(dirname "$bin")/testdata}/howtheyvote
cli_diag=tail # the last lines of a failing command's output
. "$(dirname "$0")/cli_lib.sh"
[ -x "$srv" ] || { echo "FAIL: $srv not built" >&2; exit 1; }

# The export: the bundled tables, gzip, in the release layout, with their SHA256SUMS.
exp=$tmp/export
mkdir -p "$exp"
for t in countries groups members group_memberships committees; do
  gzip -c "$real/$t.csv" > "$exp/$t.csv.gz"
done
cp "$real/votes.csv.gz" "$exp/votes.csv.gz"
gzip -c "$real/member_votes_subset.csv" > "$exp/member_votes.csv.gz"
topics=(oeil_subjects eurovoc_concepts geo_areas oeil_subject_votes eurovoc_concept_votes
        responsible_committee_votes geo_area_votes)
for t in "${topics[@]}"; do cp "$real/$t.csv.gz" "$exp/$t.csv.gz"; done
(cd "$exp" && sha256sum ./*.csv.gz | sed 's| \./| |' > SHA256SUMS)
order=(countries groups members group_memberships committees votes member_votes "${topics[@]}")
files=(); for t in "${order[@]}"; do files+=("$exp/$t.csv.gz"); done

# What a store holds, without where it came from (unit ids, paths, times).
dump() {
  sqlite3 "$1" "SELECT vote_id, n, hex(data) FROM vote_positions ORDER BY 1;
    SELECT id, timestamp, sitting_date, title, description, reference, procedure_reference,
           procedure_title, procedure_type, procedure_stage, result, is_main, count_for,
           count_against, count_abstention, count_did_not_vote FROM vote ORDER BY id;
    SELECT id, first_name, last_name, country_code, date_of_birth, email FROM member ORDER BY id;
    SELECT member_id, group_code, term, start_date, end_date FROM membership ORDER BY 1, 4, 2;
    SELECT code, label FROM grp ORDER BY 1; SELECT code, label FROM country ORDER BY 1;
    SELECT code, label FROM committee ORDER BY 1;
    SELECT code, label FROM oeil_subject ORDER BY 1; SELECT id, label FROM eurovoc_concept ORDER BY 1;
    SELECT code, label, iso_alpha_2 FROM geo_area ORDER BY 1;
    SELECT kind, code, vote_id FROM vote_topic ORDER BY 1, 2, 3;" | sha256sum | cut -c1-16
}
q() { sqlite3 "$1" "$2"; }

expect_rc 0 "reference ingest" "$bin" --quiet --db "$tmp/ref.db" --no-default-data ingest "${files[@]}"
ref=$(dump "$tmp/ref.db")
same "$(q "$tmp/ref.db" 'SELECT SUM(n) FROM vote_positions')" 187516 "reference positions"
same "$(q "$tmp/ref.db" 'SELECT COUNT(*) FROM vote_topic')" $((40346 + 63028 + 15132 + 5095)) "reference topic links"

start_srv() { # dir
  cli_serve "$tmp/srv.log" "$srv" --dir "$1" --port-file "$tmp/port"
  url="http://127.0.0.1:$port/"
}
fault() { curl -s -X POST "${url}__faults?$1" >/dev/null; }
clear_faults() { curl -s -X DELETE "${url}__faults" >/dev/null; }
stat_of() { curl -s "${url}__stats" | awk -v k="$1" '$1 == k {print $2}'; }
start_srv "$exp"

# usage
expect_rc 2 "unknown table" "$bin" --db "$tmp/u.db" sync --source howtheyvote --tables votes,nope
contains "$tmp/err" "unknown table 'nope'" "unknown table named"
expect_rc 2 "unknown source" "$bin" --db "$tmp/u.db" sync --source elsewhere

# 1. a sync through two 503s equals the reference ingest
fault "fail503=2"
expect_rc 0 "sync through 503s" "$bin" --db "$tmp/a.db" sync --source howtheyvote --url "$url"
contains "$tmp/err" "2 retries" "503s retried"
contains "$tmp/err" "member_votes      downloaded" "member_votes downloaded"
contains "$tmp/err" "SHA-256 checked" "checksums checked"
contains "$tmp/err" "stored 187516 rows" "member_votes rows stored"
same "$(dump "$tmp/a.db")" "$ref" "sync == ingest"
same "$(q "$tmp/a.db" "SELECT COUNT(*) FROM unit WHERE kind = 'htv-member-votes'")" 1 "one unit per table"
contains "$tmp/err" "geo_area_votes    downloaded.*stored 5095 rows" "topic table synced"
same "$(q "$tmp/a.db" "SELECT COUNT(DISTINCT vote_id) FROM vote_topic WHERE kind = 'subject' AND vote_id IN (SELECT vote_id FROM vote_positions)")" 252 "OEIL subjects of the 266 votes with positions"
[ ! -e "$tmp/a.db.htv/member_votes.csv.gz.part" ] && ok || bad "no .part left after a sync"

# 2. a rerun: nothing fetched (304), nothing stored
b0=$(stat_of bytes)
expect_rc 0 "rerun" "$bin" --db "$tmp/a.db" sync --source howtheyvote --url "$url"
contains "$tmp/err" "member_votes      not modified" "unchanged export not refetched"
contains "$tmp/err" "15 not modified" "fifteen 304s (14 tables, SHA256SUMS)"
same "$(stat_of bytes)" "$b0" "no body bytes sent on a rerun"
same "$(dump "$tmp/a.db")" "$ref" "rerun store unchanged"

# 3. a changed ETag: fetched again, stored once
fault "etag=2"
f0=$(stat_of full)
expect_rc 0 "changed etag" "$bin" --db "$tmp/a.db" sync --source howtheyvote --url "$url"
same "$(( $(stat_of full) - f0 ))" 15 "changed ETag: every file fetched again (14 tables, SHA256SUMS)"
contains "$tmp/err" "member_votes      downloaded.*already in the store" "same content not stored twice"
same "$(q "$tmp/a.db" "SELECT COUNT(*) FROM unit")" 14 "still fourteen units"
same "$(dump "$tmp/a.db")" "$ref" "changed etag store unchanged"
clear_faults

# 4. a transfer cut mid-way is resumed with Range
# A sync into DB that must succeed, print PATTERN, count one more STAT on the server and give
# the reference store.
sync_once() { # db stat pattern what
  local r0; r0=$(stat_of "$2")
  expect_rc 0 "$4" "$bin" --db "$1" sync --source howtheyvote --url "$url"
  contains "$tmp/err" "$3" "$4: output"
  same "$(( $(stat_of "$2") - r0 ))" 1 "$4: one more $2"
  same "$(dump "$1")" "$ref" "$4: store == ingest"
}
fault "cut=300000&cuts=1&only=member_votes.csv.gz"
sync_once "$tmp/b.db" ranged "member_votes      resumed.*from byte 300000" "cut transfer resumed with Range"
clear_faults

# A sync into DB killed with -9 while member_votes downloads slowly (past 150,000 bytes).
kill_mid_download() {
  fault "slow=150000&only=member_votes.csv.gz"
  "$bin" --quiet --db "$1" sync --source howtheyvote --url "$url" >/dev/null 2>&1 &
  local pid=$! sz
  # up to 30 s: the tables before member_votes are downloaded and stored first (slow under ASan)
  for _ in $(seq 1 1500); do
    sz=$(stat -c %s "$1.htv/member_votes.csv.gz.part" 2>/dev/null || echo 0)
    [ "$sz" -gt 150000 ] && break; sleep 0.02
  done
  kill -9 "$pid"; wait "$pid" 2>/dev/null
}

# 5. kill -9 mid-download (a slow transfer), then a rerun resumes it
kill_mid_download "$tmp/c.db"
part=$(stat -c %s "$tmp/c.db.htv/member_votes.csv.gz.part" 2>/dev/null || echo 0)
[ "$part" -gt 0 ] && ok || bad "a partial download is left after kill -9 ($part bytes)"
same "$(q "$tmp/c.db" "SELECT COUNT(*) FROM unit WHERE kind = 'htv-member-votes'")" 0 "killed: member_votes not stored"
clear_faults
expect_rc 0 "rerun after kill mid-download" "$bin" --db "$tmp/c.db" sync --source howtheyvote --url "$url"
contains "$tmp/err" "member_votes      resumed" "download resumed after kill"
same "$(dump "$tmp/c.db")" "$ref" "kill mid-download + rerun == ingest"

# 5b. kill -9 mid-download, then the file changes (a new ETag): the rerun starts it over
kill_mid_download "$tmp/c2.db"
clear_faults
fault "etag=3"
sync_once "$tmp/c2.db" ifrange_miss "member_votes      downloaded" "changed file after a kill: downloaded whole (stale If-Range)"

# 6. kill -9 mid-ingest (after 100,000 records of member_votes), then a rerun
EPINTEL_FAULT_KILL_AFTER=100000 "$bin" --quiet --db "$tmp/d.db" sync --source howtheyvote --url "$url" >/dev/null 2>&1 &
wait $! 2>/dev/null
same "$?" 137 "killed mid-ingest"
same "$(q "$tmp/d.db" "SELECT COUNT(*) FROM vote_positions")" 0 "killed: nothing of member_votes stored"
same "$(q "$tmp/d.db" "SELECT COUNT(*) FROM unit WHERE kind = 'htv-votes'")" 1 "tables before it kept"
expect_rc 0 "rerun after kill mid-ingest" "$bin" --db "$tmp/d.db" sync --source howtheyvote --url "$url"
contains "$tmp/err" "votes             not modified.*already in the store" "stored tables not redone"
same "$(dump "$tmp/d.db")" "$ref" "kill mid-ingest + rerun == ingest"

# 7. a truncated table, a corrupt row, a checksum mismatch: refused by name, nothing stored
bad_exp() { # name: a copy of the export with member_votes replaced by stdin
  rm -rf "$tmp/$1"; cp -r "$exp" "$tmp/$1"; cat > "$tmp/$1/member_votes.csv.gz"
  (cd "$tmp/$1" && sha256sum ./*.csv.gz | sed 's| \./| |' > SHA256SUMS)
}
head -c 400000 "$exp/member_votes.csv.gz" | bad_exp trunc
start_srv "$tmp/trunc"
expect_rc 1 "truncated table" "$bin" --db "$tmp/e.db" sync --source howtheyvote --url "$url"
contains "$tmp/err" "table member_votes refused, nothing of it stored: .*truncated gzip data" "truncated refused by name"
same "$(q "$tmp/e.db" "SELECT COUNT(*) FROM vote_positions")" 0 "truncated: nothing stored"
same "$(q "$tmp/e.db" "SELECT COUNT(*) FROM vote")" 21576 "truncated: the tables before it kept"
zcat "$exp/member_votes.csv.gz" | sed '150000s/,FOR,/,MAYBE,/' | gzip -c | bad_exp corrupt
start_srv "$tmp/corrupt"
expect_rc 1 "corrupt row" "$bin" --db "$tmp/e.db" sync --source howtheyvote --url "$url"
contains "$tmp/err" "member_votes.csv.gz:150000: column \"position\": bad value \"MAYBE\"" "corrupt row named"
same "$(q "$tmp/e.db" "SELECT COUNT(*) FROM vote_positions")" 0 "corrupt: nothing stored"
cp -r "$exp" "$tmp/missum"; zcat "$exp/countries.csv.gz" | gzip -9 -c > "$tmp/missum/countries.csv.gz"
start_srv "$tmp/missum"
expect_rc 1 "checksum mismatch" "$bin" --db "$tmp/f.db" sync --source howtheyvote --url "$url"
contains "$tmp/err" "table countries: .* has SHA-256 .* but the export's SHA256SUMS lists" "checksum mismatch named"
same "$(q "$tmp/f.db" "SELECT COUNT(*) FROM country")" 0 "mismatch: nothing stored"

# 8. a persistent outage: exit 4, the store as it was
start_srv "$exp"
fault "fail503=1000"
expect_rc 4 "outage" "$bin" --db "$tmp/a.db" sync --source howtheyvote --url "$url"
contains "$tmp/err" "upstream unavailable" "outage reported"
same "$(dump "$tmp/a.db")" "$ref" "outage: store unchanged"
clear_faults

# 9. a whole synthetic term at scale: every tool and the scorecards over it
syn=$tmp/syn
"$srv" --write "$syn" --meps 705 --votes 2500 2>/dev/null
start_srv "$syn"
expect_rc 0 "synthetic term sync" "$bin" --db "$tmp/s.db" sync --source howtheyvote --url "$url"
contains "$tmp/err" "oeil_subjects     not published by the export, skipped" "an export without topic tables synced"
same "$(q "$tmp/s.db" "SELECT SUM(n) FROM vote_positions")" $((705 * 2500)) "every row stored, DID_NOT_VOTE included"
expect_rc 4 "a topic table asked for but not published" "$bin" --db "$tmp/s.db" sync --source howtheyvote --url "$url" --tables geo_areas
contains "$tmp/err" "table geo_areas: .*not found" "the missing table named"
same "$(q "$tmp/s.db" "SELECT COUNT(*) FROM vote WHERE pos_unit_id IS NOT NULL")" 2500 "every vote has positions"
dnv=$(zcat "$syn/member_votes.csv.gz" | grep -c ',DID_NOT_VOTE,')
same "$(q "$tmp/s.db" "SELECT SUM(count_did_not_vote) FROM vote")" "$dnv" "DID_NOT_VOTE rows as in the file"
expect_rc 0 "tool analyze_voting_patterns over the synced term" "$bin" --db "$tmp/s.db" tool analyze_voting_patterns --args '{"group": "EPP", "term": 9}'
for t in map_political_network analyze_coalition_dynamics detect_voting_anomalies generate_political_risk_assessment; do
  expect_rc 0 "tool $t over the synced term" "$bin" --db "$tmp/s.db" tool "$t" --args '{"term": 9}'
done
expect_rc 0 "assess_mep_influence" "$bin" --db "$tmp/s.db" tool assess_mep_influence --args '{"mep_id": 9000001, "term": 9}'
expect_rc 0 "scorecards --term 9 --all" "$bin" --db "$tmp/s.db" report scorecards --term 9 --all --out "$tmp/cards"
same "$(find "$tmp/cards" -name '*.pdf' | wc -l)" 705 "a scorecard per MEP"

# 10. a synthetic term 10, with its new groups PFE and ESN
syn10=$tmp/syn10
"$srv" --write "$syn10" --meps 300 --votes 600 --term 10 2>/dev/null
start_srv "$syn10"
expect_rc 0 "synthetic term 10 sync" "$bin" --db "$tmp/t10.db" sync --source howtheyvote --url "$url"
same "$(q "$tmp/t10.db" "SELECT COUNT(DISTINCT group_code) FROM membership WHERE group_code IN ('PFE', 'ESN') AND term = 10")" 2 "PFE and ESN memberships"
expect_rc 0 "coalitions over term 10" "$bin" --db "$tmp/t10.db" tool analyze_coalition_dynamics --args '{"term": 10}'
contains "$tmp/out" '"PFE"' "PFE in the term-10 coalitions"
contains "$tmp/out" '"ESN"' "ESN in the term-10 coalitions"
expect_rc 0 "group PFE patterns, term 10" "$bin" --db "$tmp/t10.db" tool analyze_voting_patterns --args '{"group": "PFE", "term": 10}'
expect_rc 4 "term 9 is empty in a term-10 store" "$bin" --db "$tmp/t10.db" tool analyze_coalition_dynamics --args '{"term": 9}'
expect_rc 0 "scorecards --term 10 --all" "$bin" --db "$tmp/t10.db" report scorecards --term 10 --all --out "$tmp/cards10"
same "$(find "$tmp/cards10" -name '*.pdf' | wc -l)" 300 "a term-10 scorecard per MEP"

cli_done cli_sync_htv
