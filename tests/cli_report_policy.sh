#!/usr/bin/env bash
# Black-box tests of the policy-area briefing PDF: `epintel report policy-area` and
# analyze_policy_area's formats ["pdf"] give the same bytes (one document path), the PDF is valid,
# and its text carries the figures that independent SQL on the bundled store gives (epintel sql:
# read-only SQL over the stored votes and the per-MEP positions, none of the analytics' code).
# Subject 8.70 "Budget of the Union" (with 8.70.xx below it): 33 votes with positions, from
# 2024-02-27 to 2024-04-23, 2 sittings, all 33 decided (FOR != AGAINST); the bundled store holds
# 266 votes with positions, whose subjects span the 8 top-level codes 1..8.
# usage: tests/cli_report_policy.sh path/to/epintel
set -u
bin=$1
. "$(dirname "$0")/cli_lib.sh"
db=$tmp/r.db
cli_store "$db"
sql() { "$bin" --quiet --db "$db" sql "$1"; }
AREA="SELECT vote_id FROM vote_topic WHERE kind = 'subject' AND (code = '8.70' OR code LIKE '8.70.%')"
VOTES="FROM vote v JOIN vote_positions p ON p.vote_id = v.id WHERE v.id IN ($AREA)"

"$bin" --quiet --db "$db" report policy-area --subject 8.70 --out "$tmp/p" 2>"$tmp/err" && ok || { bad "report policy-area 8.70"; cat "$tmp/err"; }
f=$tmp/p/policy-subject-8.70.pdf
pdfinfo "$f" >"$tmp/info" 2>/dev/null && ok || bad "pdfinfo accepts the PDF"
# 8 group rows, 28 pairs, 10 defectors, 27 delegations, the majorities and 33 votes: 5 pages
grep -q '^Pages: *5$' "$tmp/info" && ok || bad "the 8.70 briefing has 5 pages"
if command -v qpdf >/dev/null; then qpdf --check "$f" >/dev/null 2>&1 && ok || bad "qpdf --check"; fi
pdftotext -layout "$f" "$tmp/t" 2>/dev/null || bad "pdftotext"

# title, filter, window: label, counts and dates from SQL
label=$(sql "SELECT label FROM oeil_subject WHERE code = '8.70'")
grep -q "Policy area: $label" "$tmp/t" && ok || bad "title is the subject's label ($label)"
IFS='|' read -r n first last sittings decided <<<"$(sql "SELECT COUNT(*), MIN(sitting_date), MAX(sitting_date), COUNT(DISTINCT sitting_date), SUM(count_for <> count_against) $VOTES")"
all=$(sql "SELECT COUNT(*) FROM vote_positions")
[ "$n" = 33 ] && [ "$all" = 266 ] && ok || bad "SQL: 33 area votes of 266 (got $n, $all)"
grep -q "Filter: OEIL subject 8.70 (with the codes below it) · $n roll-call votes of the $all in the window" "$tmp/t" && ok || bad "filter line"
grep -q "Window $first to $last · $sittings sittings" "$tmp/t" && ok || bad "window line ($first..$last, $sittings)"
grep -q "$decided of the area's $n votes were decided" "$tmp/t" && ok || bad "decided votes ($decided)"
grep -q "$n of the area's $n votes listed" "$tmp/t" && ok || bad "every vote listed"

# each group's positions and Agreement Index mean in the area, from the per-MEP positions
sql "WITH c AS (SELECT vote_id, group_code g, SUM(pos = 1) y, SUM(pos = 2) n, SUM(pos = 3) a FROM member_vote WHERE vote_id IN ($AREA) GROUP BY 1, 2), d AS (SELECT g, y, n, a, y + n + a t, MAX(y, n, a) m FROM c WHERE y + n + a > 0) SELECT g, COUNT(*), SUM(y > n AND y > a), SUM(n > y AND n > a), SUM(a > y AND a > n), SUM(t > 0 AND ((y = n AND y >= a) OR (y = a AND y >= n) OR (n = a AND n >= y))), printf('%.3f', AVG((m - (t - m) / 2.0) / t)) FROM d GROUP BY g" >"$tmp/groups"
[ "$(wc -l <"$tmp/groups")" = 8 ] && ok || bad "SQL: 8 groups"
while IFS='|' read -r g cast fo ag ab ti ai; do
    grep -Eq "^$g +$cast +$fo +$ag +$ab +$ti +$ai " "$tmp/t" && ok || bad "group row $g $cast $fo $ag $ab $ti $ai"
done <"$tmp/groups"

# pair agreement in the area: SD and GUE_NGL agreed on 6 of their 33 common votes (18.2 %)
pair=$(sql "WITH c AS (SELECT vote_id, group_code g, SUM(pos = 1) y, SUM(pos = 2) n, SUM(pos = 3) a FROM member_vote WHERE vote_id IN ($AREA) GROUP BY 1, 2), p AS (SELECT vote_id, g, CASE WHEN y > n AND y > a THEN 1 WHEN n > y AND n > a THEN 2 WHEN a > y AND a > n THEN 3 END pos FROM c) SELECT COUNT(*), SUM(s.pos = l.pos) FROM p s JOIN p l ON l.vote_id = s.vote_id WHERE s.g = 'SD' AND l.g = 'GUE_NGL' AND s.pos IS NOT NULL AND l.pos IS NOT NULL")
[ "$pair" = "33|6" ] && ok || bad "SQL: SD-GUE_NGL 6 of 33 (got $pair)"
grep -Eq 'SD – GUE_NGL +33 +18\.2 %' "$tmp/t" && ok || bad "pair row SD – GUE_NGL"

# a split delegation: Cyprus, votes with >= 2 members casting and those with >= 2 options
cyp=$(sql "WITH c AS (SELECT mv.vote_id, COUNT(*) t, COUNT(DISTINCT mv.pos) k FROM member_vote mv JOIN member m ON m.id = mv.member_id WHERE m.country_code = 'CYP' AND mv.pos IN (1, 2, 3) AND mv.vote_id IN ($AREA) GROUP BY 1) SELECT SUM(t >= 2), SUM(t >= 2 AND k >= 2) FROM c")
IFS='|' read -r cv cs <<<"$cyp"
grep -Eq "^CYP +[0-9]+ +$cv +$cs +" "$tmp/t" && ok || bad "delegation row CYP $cv $cs"

# the first vote listed: date, result and totals from the vote table
IFS='|' read -r d0 r0 y0 n0 a0 <<<"$(sql "SELECT sitting_date, result, count_for, count_against, count_abstention $VOTES ORDER BY v.timestamp, v.id LIMIT 1")"
grep -Eq "^$d0 +Multiannual financial framework.* +$r0 +$y0 +$n0 +$a0$" "$tmp/t" && ok || bad "first vote row ($d0 $r0 $y0 $n0 $a0)"
for s in 'Groups: position and cohesion in the area' 'Group-pair agreement: area against overall' 'MEPs who defect most in the area' 'National delegations that split' 'How the majorities were built' 'The votes' 'Source: European Parliament' 'HowTheyVote.eu (ODbL)' 'Rice = |Y - N| / (Y + N)'; do
    grep -qF "$s" "$tmp/t" && ok || bad "text: $s"
done

# the tool's formats ["pdf"] goes through the same document function: identical bytes
"$bin" --quiet --db "$db" tool analyze_policy_area --args '{"subject":"8.70","formats":["json","pdf"]}' --out-dir "$tmp/art" --field artefacts >"$tmp/a.json" 2>"$tmp/err" && ok || { bad "tool with formats pdf"; cat "$tmp/err"; }
g=$(ls "$tmp/art"/policy-subject-8.70-*.pdf 2>/dev/null | head -1)
[ -n "$g" ] && cmp -s "$f" "$g" && ok || bad "tool artefact = report policy-area output"
grep -q '"mimeType": "application/pdf"' "$tmp/a.json" && ok || bad "artefact item is a PDF"
"$bin" --quiet --db "$db" tool analyze_policy_area --args '{"subject":"8.70","formats":["png"]}' --out-dir "$tmp/art" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q '"json", "pdf"' "$tmp/err" && ok || bad "png is refused naming the formats"

# rerun: same bytes, up to date
"$bin" --db "$db" report policy-area --subject 8.70 --out "$tmp/p" 2>"$tmp/err" && grep -q '1 already up to date' "$tmp/err" && ok || { bad "rerun is up to date"; cat "$tmp/err"; }

# a EuroVoc concept: the file is named after it
c=$(sql "SELECT t.code FROM vote_topic t JOIN vote_positions p ON p.vote_id = t.vote_id WHERE t.kind = 'concept' GROUP BY t.code ORDER BY COUNT(*) DESC, t.code LIMIT 1")
cn=$(sql "SELECT COUNT(DISTINCT t.vote_id) FROM vote_topic t JOIN vote_positions p ON p.vote_id = t.vote_id WHERE t.kind = 'concept' AND t.code = '$c'")
"$bin" --quiet --db "$db" report policy-area --concept "$c" --out "$tmp/p" 2>"$tmp/err" && ok || { bad "concept $c"; cat "$tmp/err"; }
pdftotext -layout "$tmp/p/policy-concept-$c.pdf" - 2>/dev/null | grep -q "Filter: EuroVoc concept $c · $cn roll-call votes" && ok || bad "concept $c: $cn votes"

# bad input: clear errors, exit codes, no file
"$bin" --quiet --db "$db" report policy-area --subject 9.99 --out "$tmp/x" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q 'unknown OEIL subject "9.99"' "$tmp/err" && ok || bad "unknown subject is a clear error (exit 2)"
"$bin" --quiet --db "$db" report policy-area --subject 'a;b' --out "$tmp/x" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q 'not a valid OEIL subject code' "$tmp/err" && ok || bad "malformed code is refused"
"$bin" --quiet --db "$db" report policy-area --subject 8.70 --sitting 2024-01-15 --out "$tmp/x" 2>"$tmp/err"
[ $? -eq 4 ] && grep -q 'leaves no vote with per-MEP positions in the window' "$tmp/err" && ok || bad "a subject without votes in the window is a clear error"
ls "$tmp/x"/*.pdf >/dev/null 2>&1 && bad "no file on errors" || ok
"$bin" --quiet --db "$db" report policy-area --out "$tmp/x" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q 'give one of --subject CODE' "$tmp/err" && ok || bad "no area is a usage error"
"$bin" --quiet --db "$db" report policy-area --subject 8.70 --all-top-level 2>"$tmp/err"
[ $? -eq 2 ] && ok || bad "--subject with --all-top-level is a usage error"

# --all-top-level: one PDF per top-level subject with votes in the window
tops=$(sql "SELECT COUNT(DISTINCT substr(code, 1, instr(code || '.', '.') - 1)) FROM vote_topic t JOIN vote_positions p ON p.vote_id = t.vote_id WHERE t.kind = 'subject'")
"$bin" --db "$db" report policy-area --all-top-level --out "$tmp/all" 2>"$tmp/err" && ok || { bad "--all-top-level"; cat "$tmp/err"; }
[ "$(ls "$tmp/all"/policy-subject-*.pdf | wc -l)" = "$tops" ] && [ "$tops" = 8 ] && ok || bad "$tops top-level PDFs"
grep -q "policy-area $tops/$tops" "$tmp/err" && ok || bad "progress on stderr"
n8=$(sql "SELECT COUNT(*) FROM vote_positions WHERE vote_id IN (SELECT vote_id FROM vote_topic WHERE kind = 'subject' AND (code = '8' OR code LIKE '8.%'))")
pdftotext -layout "$tmp/all/policy-subject-8.pdf" - 2>/dev/null | grep -q "OEIL subject 8 (with the codes below it) · $n8 roll-call votes" && ok || bad "subject 8: $n8 votes"
# a window where some top-level subjects have no vote: they are skipped and said so
"$bin" --db "$db" report policy-area --all-top-level --sitting 2024-02-08 --out "$tmp/w" 2>"$tmp/err" && ok || { bad "--all-top-level on one sitting"; cat "$tmp/err"; }
ws=$(sql "SELECT COUNT(DISTINCT substr(code, 1, instr(code || '.', '.') - 1)) FROM vote_topic t JOIN vote_positions p ON p.vote_id = t.vote_id JOIN vote v ON v.id = t.vote_id WHERE t.kind = 'subject' AND v.sitting_date = '2024-02-08'")
[ "$(ls "$tmp/w"/policy-subject-*.pdf | wc -l)" = "$ws" ] && ok || bad "one sitting: $ws PDFs"
grep -q "skipped" "$tmp/err" && ok || bad "skipped subjects are named"

cli_done cli_report_policy
