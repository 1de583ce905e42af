#!/usr/bin/env bash
# Notification latency benchmark (see bench/notifications.md): the time from a
# confirmed payment (its 201 response) to the confirmation e-mail's arrival in
# the SMTP sink (the file's mtime), p50/p95/p99, while bookings run at a
# target rate (default 100 a second) in one run; also the real booking rate,
# the outbox backlog during the run and the same latency as the database saw
# it (outbox created -> delivered).
#
# usage: bench/notifications.sh [INSTANCE] [--rate N] [--seconds N]
#                               [--inflight N] [--customers N] [--drain N]
#                               [--max-bookings N] [--json FILE]
#
# INSTANCE is bench (default: "./stack up bench", http://127.0.0.1:28080, the
# per-user rate limits out of the load generator's way) or dev (the default
# per-user limits: 30 payments a minute each, so give it --customers of at
# least rate x seconds / 25).  The instance must be up; this script never
# builds or starts anything.  Traffic goes to 127.0.0.1 only; every loop is
# bounded in time and count (at most 120 s of load, 4,000 bookings, a --drain
# wait of at most 300 s for the e-mails).
set -euo pipefail

# shellcheck source=bench/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
shift "$INST_SHIFT" # common.sh took the instance; the other arguments go to node
require_psql_instance
[[ -d $VAR/mail ]] || { echo "notifications.sh: no SMTP sink directory $VAR/mail" >&2; exit 1; }
for p in jobs smtp-sink; do
	pid=$(cat -- "$VAR/run/$p.pid" 2>/dev/null || true)
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null ||
		{ echo "notifications.sh: $p is not running ($VAR/run/$p.pid); ./stack up $INST" >&2; exit 1; }
done

# Other load on the machine skews every figure: say so.
others=$(pgrep -fa 'wrk |bench/[a-z_]+\.(mjs|sh)' | grep -v -e "^$$ " -e notifications || true)
if [[ -n $others ]]; then
	echo "notifications.sh: warning: other benchmarks are running; the figures will be low:" >&2
	echo "$others" | sed 's/^/  /' >&2
fi

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
printf 'command: bench/notifications.sh %s %s\n' "$INST" "$*"
printf 'machine: %s, %s CPUs, load average %s\n' "$(uname -srm)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
exec node "$ROOT/bench/notifications.mjs" --url "$URL" --var "$VAR" --instance "$INST" "$@"
