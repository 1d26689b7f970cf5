#!/usr/bin/env bash
# Black-box tests of `epintel report`: outputs are valid PDFs/PNGs/GraphML, reruns skip
# up-to-date files and give identical bytes, and unsafe ids and paths are refused.
# usage: tests/cli_report.sh path/to/epintel
set -u
bin=$1
. "$(dirname "$0")/cli_lib.sh"
db=$tmp/r.db
cli_store "$db"
mep=197558   # Asger Christensen, RENEW, votes in the bundled sittings

"$bin" --quiet --db "$db" report scorecards --mep $mep --out "$tmp/sc" 2>"$tmp/err" && ok || { bad "scorecard"; cat "$tmp/err"; }
f=$tmp/sc/scorecard-$mep.pdf
pdfinfo "$f" >"$tmp/info" 2>/dev/null && ok || bad "pdfinfo accepts the scorecard"
grep -q '^Pages: *2' "$tmp/info" && ok || bad "scorecard has 2 pages"
pdftotext "$f" - 2>/dev/null | grep -q 'CHRISTENSEN' && ok || bad "scorecard names the MEP"
pdftotext "$f" - 2>/dev/null | grep -q 'Source: European Parliament' && ok || bad "attribution on the page"
sum1=$(sha256sum "$f" | cut -d' ' -f1)
"$bin" --db "$db" report scorecards --mep $mep --out "$tmp/sc" 2>"$tmp/err" && ok || bad "rerun"
grep -q '1 up to date' "$tmp/err" && ok || { bad "rerun skips the up-to-date file"; cat "$tmp/err"; }
rm -f "$f"
"$bin" --quiet --db "$db" report scorecards --mep $mep --out "$tmp/sc" 2>/dev/null
[ "$(sha256sum "$f" | cut -d' ' -f1)" = "$sum1" ] && ok || bad "byte-identical rerun"
ls "$tmp/sc" | grep -q '\.tmp' && bad "no temporary files left" || ok

"$bin" --quiet --db "$db" report scorecards --mep ../../etc/passwd --out "$tmp/sc" 2>"$tmp/err"
[ $? -ne 0 ] && ok || bad "a path as MEP id is refused"
"$bin" --quiet --db "$db" report scorecards --mep 999999999 --out "$tmp/sc2" 2>"$tmp/err"
[ $? -ne 0 ] && ok || bad "an unknown MEP is an error"

"$bin" --quiet --db "$db" report network --out "$tmp/net" 2>/dev/null && ok || bad "network"
xmllint --noout "$tmp/net/network.graphml" 2>/dev/null && ok || bad "GraphML is well-formed"
[ "$(grep -c '<node ' "$tmp/net/network.graphml")" = 707 ] && ok || bad "707 nodes in the GraphML"
head -c 8 "$tmp/net/network.png" | od -An -tx1 | grep -q '89 50 4e 47' && ok || bad "network.png is a PNG"
"$bin" --quiet --db "$db" report briefing --out "$tmp/briefing.pdf" 2>/dev/null && pdfinfo "$tmp/briefing.pdf" >/dev/null 2>&1 && ok || bad "briefing PDF"
"$bin" --quiet --db "$db" report coalition --out "$tmp/coalition.pdf" 2>/dev/null && pdfinfo "$tmp/coalition.pdf" >/dev/null 2>&1 && ok || bad "coalition PDF"

# window options, as the tools' window arguments (hand-checked on the bundled data: 2024-01-16
# has 32 votes with positions and 2024-01-17 62; 627 MEPs cast a vote on 2024-01-16; the only
# sitting from 2024-03-01 on is 2024-04-23 with 43 votes)
"$bin" --quiet --db "$db" report coalition --sitting 2024-01-16 --sitting 2024-01-17 --out "$tmp/cw.pdf" 2>/dev/null && ok || bad "coalition with --sitting"
pdftotext "$tmp/cw.pdf" - 2>/dev/null | grep -q 'Window 2024-01-16 to 2024-01-17 · 94 roll-call votes · 2 sittings' && ok || bad "coalition report covers the two sittings"
"$bin" --quiet --db "$db" report briefing --from 2024-03-01 --out "$tmp/bw.pdf" 2>/dev/null && ok || bad "briefing with --from"
pdftotext "$tmp/bw.pdf" - 2>/dev/null | grep -q 'Window 2024-04-23 to 2024-04-23 · 43 roll-call votes · 1 sittings' && ok || bad "briefing covers the window"
cmp -s "$tmp/bw.pdf" "$tmp/briefing.pdf" && bad "a window changes the briefing" || ok
"$bin" --quiet --db "$db" report network --sitting 2024-01-16 --out "$tmp/netw" 2>/dev/null && ok || bad "network with --sitting"
[ "$(grep -c '<node ' "$tmp/netw/network.graphml")" = 627 ] && ok || bad "627 nodes in the one-sitting GraphML"
"$bin" --quiet --db "$db" report briefing --term 10 --out "$tmp/t10.pdf" 2>"$tmp/err"
[ $? -ne 0 ] && grep -q 'no roll-call votes' "$tmp/err" && [ ! -e "$tmp/t10.pdf" ] && ok || bad "an empty window is an error that says so"
"$bin" --quiet --db "$db" report briefing --from 2024-13-01 --out "$tmp/x.pdf" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q 'needs a date YYYY-MM-DD' "$tmp/err" && ok || bad "a bad date is a usage error naming the format"
"$bin" --quiet --db "$db" report network --term 8 --out "$tmp/x" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q 'term must be 9 or 10' "$tmp/err" && ok || bad "a bad term is a usage error"
# scorecards: another window makes the old files stale (rewritten, not skipped)
"$bin" --db "$db" report scorecards --mep $mep --from 2024-03-01 --out "$tmp/sc" 2>"$tmp/err" && grep -q '1 written' "$tmp/err" && ok || { bad "scorecards with a new window are rewritten"; cat "$tmp/err"; }
pdftotext "$f" - 2>/dev/null | grep -q 'Window 2024-04-23 to 2024-04-23' && ok || bad "the scorecard covers the window"
"$bin" --db "$db" report scorecards --mep $mep --from 2024-03-01 --out "$tmp/sc" 2>"$tmp/err" && grep -q '1 up to date' "$tmp/err" && ok || bad "same window: up to date"

cli_done cli_report
