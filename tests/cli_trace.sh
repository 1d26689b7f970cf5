#!/usr/bin/env bash
# Tracing end to end (W3C traceparent in and out, spans at a local OTLP receiver, trace ids in
# the audit, drops counted when the receiver is down or slow): tests/cli_trace.py says what it
# checks. Starts its own servers on free loopback ports and stops them by pid.
# usage: tests/cli_trace.sh path/to/epintel   (env EP_BUILD = the build dir with srv_otlp and
#        srv_epapi; EP_TRACE_WRAP = a command prefix for the server, e.g. valgrind)
set -u
bin=${1:?usage: cli_trace.sh path/to/epintel}
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/cli_trace.py" "$bin" "${EP_BUILD:-$(dirname "$bin")}"
