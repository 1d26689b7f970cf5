#!/usr/bin/env bash
# tools/ep_epapi_params.inc (the pass-through tools' argument schemas) is exactly what
# scripts/gen-epapi-params makes from the EP Open Data API spec (tests/data/ep-open-data-api/).
# usage: tests/cli_epapi_params.sh [epintel] (the binary is not needed)
set -euo pipefail
src=${EP_SOURCE:-$(cd "$(dirname "$0")/.." && pwd)}
spec="$src/tests/data/ep-open-data-api/ep-openapi-spec.json.gz"
[ -f "$spec" ] || { echo "cli_epapi_params: no spec at $spec" >&2; exit 1; }
python3 "$src/scripts/gen-epapi-params" --check "$spec"
