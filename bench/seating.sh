#!/usr/bin/env bash
# Seat-picking benchmark (see bench/seating.md): /healthz baseline, holds per
# second over many showtimes (64 clients) and on one hot showtime (200
# clients), double sales, and live propagation to 1,000 subscribers, in one run.
#
# usage: bench/seating.sh [INSTANCE] [--seconds N] [--warmup N] [--subscribers N]
#                         [--live-picks N] [--phases baseline,many,hot,live] [--json FILE]
#                         [--many-clients N] [--hot-clients N] [--hot-max-seats N]
#                         [--loadgen c|node]
# (the targets are for the defaults: 10 s measured, 64 and 200 clients, 1,000
# subscribers; other client counts are for diagnosis)
#
# INSTANCE is bench (default: ./stack up bench, http://127.0.0.1:28080, the
# rate limits raised for load generators) or dev (the defaults: 60 picks a
# minute per user, which the 64-client phase exceeds within seconds, so its
# figures there mostly measure 429 answers).  The instance must be up; this
# script never builds or starts anything of the stack (it compiles its own load
# generator, bench/pickload.c, into a temporary directory).  Traffic goes to
# 127.0.0.1 only.
set -euo pipefail

# shellcheck source=bench/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
shift "$INST_SHIFT" # common.sh took the instance; the other arguments go to node
require_psql_instance

# 1,000 subscribers and 200 clients, each a socket.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (($(ulimit -n) < 4096)); then
	echo "seating.sh: open-file limit $(ulimit -n) is too low for 1,000 subscribers (need 4096)" >&2
	exit 1
fi

# The pick phases' load generator (--loadgen c, the default): built for this
# run, outside the repository, and removed at the end.
TMP=$(mktemp -d "${TMPDIR:-/tmp}/seating-bench.XXXXXX")
trap 'rm -rf -- "$TMP"' EXIT
if ! cc -O2 -Wall -Wextra -o "$TMP/pickload" "$ROOT/bench/pickload.c"; then
	echo "seating.sh: could not compile bench/pickload.c (needs a C compiler as cc)" >&2
	exit 1
fi

# A reference point from wrk (C, 2 threads) for the same route, so the Node
# load generator's own cost can be read off: not part of the ratios.
if command -v wrk >/dev/null; then
	printf 'wrk reference: GET /healthz, wrk -t2 -c64 -d5s: '
	wrk -t2 -c64 -d5s --latency "$URL/healthz" 2>&1 |
		awk '/Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF}
		     END {printf "%s req/s, p50 %s, p99 %s, non-2xx %d\n", r, p50, p99, bad}'
fi

node "$ROOT/bench/seating.mjs" --url "$URL" --var "$VAR" --instance "$INST" --pickload "$TMP/pickload" "$@"
