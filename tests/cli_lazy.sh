#!/usr/bin/env bash
# Libraries loaded on first use (engine/ep_lazy.h): the epintel binary does not link libcrypto,
# libcurl, libmicrohttpd, igraph, GSL, cairo or libharu; a stdio session of basic tools never
# loads them; the first tool that clusters loads igraph (and GSL), a PDF report loads libharu and
# cairo, and an ingest (SHA-256 of the file) loads libcrypto.
# usage: tests/cli_lazy.sh path/to/epintel
set -euo pipefail
bin=$1
. "$(dirname "$0")/cli_lib.sh"
lazy='libcrypto|libcurl|libmicrohttpd|libigraph|libgsl|libcairo|libhpdf'

needed=$(readelf -d "$bin" | awk '/NEEDED/ {print $NF}')
echo "$needed" | grep -q 'libsqlite3' && ok || bad "readelf sees no NEEDED entries: $needed"
echo "$needed" | grep -E -q "$lazy" && bad "epintel links a lazily loaded library: $(echo "$needed" | grep -E "$lazy" | tr '\n' ' ')" || ok

"$bin" --quiet --db "$tmp/l.db" info >/dev/null
init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
call() { printf '{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"%s","arguments":%s}}\n' "$1" "$2" "$3"; }
# LD_DEBUG=files names every object the dynamic loader opens, dlopen included, on stderr.
loaded() { LD_DEBUG=files "$bin" --db "$tmp/l.db" serve 2>&1 >"$tmp/out.jsonl" | awk '/file=/ {sub(/.*file=/, ""); print $1}' | sort -u; }

got=$({ echo "$init"; echo '{"jsonrpc":"2.0","method":"notifications/initialized"}'
        echo '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
        call 3 get_meps '{"country":"LUX"}'; call 4 get_mep_details '{"id":840}'
        call 5 search_documents '{"query":"fluorinated gases"}'; } | loaded)
[ "$(grep -c '"id":' "$tmp/out.jsonl")" = 5 ] && ok || bad "basic session: expected 5 responses"
grep -q 'GOERENS' "$tmp/out.jsonl" && ok || bad "get_mep_details 840 did not answer with Goerens"
echo "$got" | grep -E -q "$lazy" && bad "basic tools loaded: $(echo "$got" | grep -E "$lazy" | tr '\n' ' ')" || ok

got=$({ echo "$init"; call 2 map_political_network '{}'; } | loaded)
grep -q '"nodes\\":707' "$tmp/out.jsonl" && ok || bad "map_political_network did not build the 707-node network"
echo "$got" | grep -q libigraph && ok || bad "map_political_network did not load igraph: $got"

"$bin" --quiet --db "$tmp/l.db" report scorecards --mep 840 --out "$tmp/sc" >/dev/null 2>&1 && ok || bad "scorecard report failed"
ls "$tmp"/sc/*.pdf >/dev/null 2>&1 && ok || bad "no scorecard PDF written"

# ingest hashes the file (SHA-256) through the lazily loaded libcrypto, and the digest is right
xml=$(ls "${EP_REAL_DATA:?}"/ep-rcv-xml/*.xml | head -1)
got=$(LD_DEBUG=files "$bin" --quiet --db "$tmp/i.db" ingest "$xml" 2>&1 >/dev/null | awk '/file=/ {sub(/.*file=/, ""); print $1}' | sort -u)
echo "$got" | grep -q libcrypto && ok || bad "ingest did not load libcrypto: $got"
want=$(sha256sum "$xml" | cut -c1-64)
[ "$(sqlite3 "$tmp/i.db" "SELECT sha256 FROM unit")" = "$want" ] && ok || bad "the store has not the SHA-256 $want of $(basename "$xml")"

cli_done cli_lazy
