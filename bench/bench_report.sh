#!/usr/bin/env bash
# Report jobs on the bundled data and on a synthetic full term (goals from issue 5):
#   one scorecard PDF <= 50 ms (marginal time per scorecard on one worker, and the PDF render
#     time the command reports), all scorecards <= 20 s on 2 cores with the speed-up over 1,
#   risk briefing <= 500 ms (whole command, analysis included, and a rerun on a warm store),
#   network PNG for the synthetic full term (720 MEPs, 20000 votes) <= 2 s.
# usage: bench/bench_report.sh [path/to/epintel]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$here/build/release/epintel}")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache"
now() { date +%s.%N; }
ms() { echo "($2 - $1) * 1000" | bc -l; }
db=$tmp/real.db
"$bin" --quiet --db "$db" info >/dev/null # fill from the bundled dataset (not timed)
mep=96830

# one scorecard: cold command (analysis of the window included) and marginal per scorecard
t0=$(now); "$bin" --quiet --db "$db" report scorecards --mep $mep --jobs 1 --out "$tmp/one" 2>/dev/null; t1=$(now)
one=$(ms "$t0" "$t1")
"$bin" --quiet --db "$db" tool map_political_network --args '{"include_nodes":true}' \
  --field node_list > "$tmp/nodes.json"
ids=$(grep -o '"mep_id": [0-9]*' "$tmp/nodes.json" | grep -v ": $mep\$" | sed -n '1,50p' |
        grep -o '[0-9]*' | tr '\n' ' ')
t0=$(now); "$bin" --quiet --db "$db" report scorecards --mep $mep $ids --jobs 1 --out "$tmp/fifty" 2>/dev/null; t1=$(now)
fifty=$(ms "$t0" "$t1")
marg=$(echo "($fifty - $one) / 50" | bc -l)
render=$("$bin" --db "$db" report scorecards --mep $ids --jobs 1 --force --out "$tmp/fifty" 2>&1 |
           sed -n 's/.*PDF render + write \([0-9.]*\) ms.*/\1/p')

# all scorecards, 1 worker vs 2
t0=$(now); "$bin" --quiet --db "$db" report scorecards --all --jobs 1 --out "$tmp/all1" 2>/dev/null; t1=$(now)
all1=$(ms "$t0" "$t1")
t0=$(now); "$bin" --quiet --db "$db" report scorecards --all --jobs 2 --out "$tmp/all2" 2>/dev/null; t1=$(now)
all2=$(ms "$t0" "$t1")
n=$(ls "$tmp/all2" | grep -c '^scorecard-')
same=$(cd "$tmp/all1" && for f in scorecard-*.pdf; do cmp -s "$f" "$tmp/all2/$f" || echo x; done | wc -l)

# briefing
t0=$(now); "$bin" --quiet --db "$db" report briefing --out "$tmp/briefing.pdf" 2>/dev/null; t1=$(now)
brief=$(ms "$t0" "$t1")
brender=$("$bin" --db "$db" report briefing --out "$tmp/briefing2.pdf" 2>&1 |
            sed -n 's/.*PDF render \([0-9.]*\) s.*/\1/p')

# synthetic full term: network GraphML + PNG (the command prints its stage times)
syn=$tmp/synth.db
"$bin" --quiet --db "$syn" synth --defaults --meps 720 --votes 20000 >/dev/null
t0=$(now); stages=$("$bin" --db "$syn" report network --out "$tmp/net" 2>&1 | grep 'nodes'); t1=$(now)
net=$(ms "$t0" "$t1")
png=$(echo "$stages" | sed -n 's/.*network.png \([0-9.]*\) s.*/\1/p')

printf 'report jobs (%s, %d cores online)\n' "$bin" "$(nproc)"
printf '  one scorecard, cold command          %8.0f ms   (window analysis included)\n' "$one"
printf '  one scorecard, marginal (50 more)    %8.1f ms   goal <= 50 ms\n' "$marg"
printf '  one scorecard, PDF render + write    %8.1f ms   (mean reported by the command)\n' "$render"
printf '  all %d scorecards, 1 worker          %8.0f ms\n' "$n" "$all1"
printf '  all %d scorecards, 2 workers         %8.0f ms   goal <= 20000 ms; speed-up %.2fx\n' \
  "$n" "$all2" "$(echo "$all1 / $all2" | bc -l)"
printf '  scorecards differing 1 vs 2 workers  %8d\n' "$same"
printf '  risk briefing (whole command)        %8.0f ms   goal <= 500 ms (analysis included)\n' "$brief"
printf '  risk briefing, PDF render            %8.0f ms   (charts included)\n' \
  "$(echo "$brender * 1000" | bc -l)"
printf '  synthetic term network command       %8.0f ms   (%s)\n' "$net" "${stages#report network: }"
printf '  synthetic term network.png           %8.0f ms   goal <= 2000 ms\n' "$(echo "$png * 1000" | bc -l)"
