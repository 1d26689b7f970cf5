#!/usr/bin/env bash
# Black-box tests of the country delegation PDF: `epintel report country` and
# analyze_country_delegation's formats ["pdf"] give the same bytes (one document path), the PDF
# is valid, has the expected pages and text, and bad input is refused with a clear message.
# Expectations hand-checked on the bundled data (fixtures/): Luxembourg's six MEPs in the
# window 2024-01-15..2024-04-23 are Goerens and Semedo (RENEW), Wiseler-Lima and Kemp (EPP),
# Angel (S&D) and Metz (Greens/EFA); on 2024-02-08, RC-B9-0124/2024 "After § 18 - Am 24"
# (PV-9-2024-02-08-RCV_EN.xml) they voted FOR 2, AGAINST 3, ABSTENTION 1 (Semedo), so the
# delegation's position was AGAINST and Semedo's abstention is a defection; the store knows
# 28 member countries, of which GBR has no MEP with a mandate in 2024: 27 delegations.
# usage: tests/cli_report_country.sh path/to/epintel
set -u
bin=$1
. "$(dirname "$0")/cli_lib.sh"
db=$tmp/r.db
cli_store "$db"

"$bin" --quiet --db "$db" report country --country LU --out "$tmp/c" 2>"$tmp/err" && ok || { bad "report country LU"; cat "$tmp/err"; }
f=$tmp/c/country-LUX.pdf
pdfinfo "$f" >"$tmp/info" 2>/dev/null && ok || bad "pdfinfo accepts the country PDF"
grep -q '^Pages: *2$' "$tmp/info" && ok || bad "Luxembourg's report has 2 pages"
if command -v qpdf >/dev/null; then qpdf --check "$f" >/dev/null 2>&1 && ok || bad "qpdf --check"; fi
pdftotext -layout "$f" "$tmp/t" 2>/dev/null || bad "pdftotext"
grep -q 'Country delegation: Luxembourg' "$tmp/t" && ok || bad "title names the country"
grep -q 'Window 2024-01-15 to 2024-04-23 · 266 roll-call votes · 7 sittings · 6 members' "$tmp/t" && ok || bad "window line"
for n in 'Charles GOERENS' 'Monica SEMEDO' 'Isabel WISELER-LIMA' 'Martine KEMP' 'Marc ANGEL' 'Tilly METZ'; do
    grep -q "$n" "$tmp/t" && ok || bad "member $n listed"
done
grep -A12 'Seats per group' "$tmp/t" | grep -Eq '^RENEW +2$' && ok || bad "RENEW 2 seats"
grep -A12 'Seats per group' "$tmp/t" | grep -Eq '^EPP +2$' && ok || bad "EPP 2 seats"
grep -A12 'Seats per group' "$tmp/t" | grep -Eq '^SD +1$' && ok || bad "SD 1 seat"
grep -A12 'Seats per group' "$tmp/t" | grep -Eq '^GREEN_EFA +1$' && ok || bad "GREEN_EFA 1 seat"
grep -Eq 'Monica SEMEDO +2024-02-08 .*ABSTENTION / AGAINST' "$tmp/t" && ok || bad "Semedo's defection of 2024-02-08 with its title"
grep -q 'Agreement with each group' "$tmp/t" && ok || bad "agreement section"
grep -q 'Agreement Index AI = (max - (T - max) / 2) / T' "$tmp/t" && ok || bad "AI definition"
grep -q 'Rice = |Y - N| / (Y + N)' "$tmp/t" && ok || bad "Rice definition"
grep -q 'Source: European Parliament' "$tmp/t" && ok || bad "source on the page"
grep -q 'HowTheyVote.eu (ODbL)' "$tmp/t" && ok || bad "data licence on the page"

# the tool's formats ["pdf"] goes through the same document function: identical bytes
"$bin" --quiet --db "$db" tool analyze_country_delegation --args '{"country":"Luxembourg","formats":["json","pdf"]}' --out-dir "$tmp/art" --field artefacts >"$tmp/a.json" 2>"$tmp/err" && ok || { bad "tool with formats pdf"; cat "$tmp/err"; }
g=$(ls "$tmp/art"/country-LUX-*.pdf 2>/dev/null | head -1)
[ -n "$g" ] && cmp -s "$f" "$g" && ok || bad "tool artefact = report country output"
grep -q '"mimeType": "application/pdf"' "$tmp/a.json" && ok || bad "artefact item is a PDF"
"$bin" --quiet --db "$db" tool analyze_country_delegation --args '{"country":"LU","formats":["png"]}' --out-dir "$tmp/art" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q '"json", "pdf"' "$tmp/err" && ok || bad "png is refused naming the formats"

# rerun: same bytes, up to date
"$bin" --db "$db" report country --country LUX --out "$tmp/c" 2>"$tmp/err" && grep -q '1 already up to date' "$tmp/err" && ok || { bad "rerun is up to date"; cat "$tmp/err"; }

# bad input
"$bin" --quiet --db "$db" report country --country Atlantis --out "$tmp/x" 2>"$tmp/err"
[ $? -ne 0 ] && grep -q 'unknown country "Atlantis"' "$tmp/err" && grep -q 'known: AUT' "$tmp/err" && ok || bad "unknown country is a clear error"
ls "$tmp/x"/*.pdf >/dev/null 2>&1 && bad "no file for an unknown country" || ok
"$bin" --quiet --db "$db" report country --out "$tmp/x" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q 'give --country CODE' "$tmp/err" && ok || bad "no country is a usage error"
"$bin" --quiet --db "$db" report country --country DE --all 2>"$tmp/err"
[ $? -eq 2 ] && ok || bad "--country with --all is a usage error"

# --all: one PDF per delegation of the window, progress on stderr
"$bin" --db "$db" report country --all --out "$tmp/all" 2>"$tmp/err" && ok || { bad "report country --all"; cat "$tmp/err"; }
[ "$(ls "$tmp/all"/country-*.pdf | wc -l)" = 27 ] && ok || bad "27 delegation PDFs"
grep -q 'country 27/27' "$tmp/err" && ok || bad "progress on stderr"
cmp -s "$f" "$tmp/all/country-LUX.pdf" && ok || bad "--all writes the same LUX PDF"
[ -e "$tmp/all/country-GBR.pdf" ] && bad "no PDF for a country without a mandate in the window" || ok
# a window: one sitting
"$bin" --quiet --db "$db" report country --country LU --sitting 2024-02-08 --out "$tmp/w" 2>/dev/null && ok || bad "with --sitting"
pdftotext "$tmp/w/country-LUX.pdf" - 2>/dev/null | grep -q 'Window 2024-02-08 to 2024-02-08' && ok || bad "the window is the sitting"

cli_done cli_report_country
