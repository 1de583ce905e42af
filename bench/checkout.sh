#!/usr/bin/env bash
# Checkout benchmark (see bench/checkout.md): full checkouts per second (pick
# seats + pay by card) across many showtimes with N concurrent clients, each a
# customer of its own; p50/p99 of the whole checkout and of each step; the
# FastCGI hello route (/healthz) with the same clients in the same run; and a
# check in SQL that no seat was sold twice.
#
# usage: bench/checkout.sh [INSTANCE] [--clients N] [--seconds N] [--warmup N]
#                          [--showtimes N] [--max-checkouts N] [--json FILE]
#
# INSTANCE is bench (default: "./stack up bench", http://127.0.0.1:28080, the
# per-user rate limits out of the load generator's way) or dev (the default
# limits: 30 payments and 60 picks a minute per customer, so the load
# generator spreads each client over several customers).  The instance must
# be up; this script never builds or starts anything.  Traffic goes to
# 127.0.0.1 only; every loop is bounded in time and count.
set -euo pipefail

# shellcheck source=bench/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
shift "$INST_SHIFT" # common.sh took the instance; the other arguments go to node
require_psql_instance

# Other load on the machine skews every figure: say so.
others=$(pgrep -fa 'wrk |bench/[a-z_]+\.(mjs|sh)' | grep -v -e "$$" -e checkout || true)
if [[ -n $others ]]; then
	echo "checkout.sh: warning: other benchmarks are running; the figures will be low:" >&2
	echo "$others" | sed 's/^/  /' >&2
fi

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# A reference point from wrk (C, 2 threads) for the hello route, so the Node
# load generator's own cost can be read off: not part of the ratio.
if command -v wrk >/dev/null; then
	printf 'wrk reference: GET /healthz, wrk -t2 -c32 -d5s: '
	wrk -t2 -c32 -d5s --latency "$URL/healthz" 2>&1 |
		awk '/Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {printf "%s req/s, p50 %s, p99 %s\n", r, p50, p99}'
fi

exec node "$ROOT/bench/checkout.mjs" --url "$URL" --var "$VAR" --instance "$INST" "$@"
