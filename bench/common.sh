# Shared by the bench/*.sh scripts (sourced, not run).
#
# Sets ROOT, INST, PORT, URL, VAR, CONF from the first argument (bench, the
# default, or dev; not shifted off: a script that passes its other arguments
# on runs 'shift "$INST_SHIFT"') and provides wrk_run, which runs wrk and
# parses its report (W_RPS, W_P50, W_P99, ..., and W_CPU, the CPU time per
# request of each part), and start_memcached/stop_memcached.

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
INST=bench
INST_SHIFT=0 # how many arguments the instance took (0 or 1)
if [[ ${1:-} == bench || ${1:-} == dev ]]; then
	INST=$1
	# shellcheck disable=SC2034 # read by the scripts that pass arguments on
	INST_SHIFT=1
fi
case $INST in
bench) PORT=28080 ;;
dev) PORT=${MARQUEE_PORT:-8080} ;;
esac
VAR=$(readlink -f -- "$ROOT/var/$INST")
CONF=$VAR/marquee.conf
URL=http://127.0.0.1:$PORT
DURATION=${BENCH_DURATION:-10s}

die() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

# require_up: the instance answers /healthz.
require_up() {
	curl -fsS -o /dev/null --max-time 2 "$URL/healthz" ||
		die "no answer from $URL/healthz; start the instance with: ./stack up $INST"
}

require_instance() {
	command -v wrk >/dev/null || die "wrk is not installed (Debian package wrk)"
	require_up
	[[ -s $VAR/run/marquee.pid ]] || die "no $VAR/run/marquee.pid"
}

# require_psql_instance: the instance answers /healthz and its PostgreSQL
# socket is there (the Node load generators run psql on it).
require_psql_instance() {
	require_up
	[[ -S $VAR/run/.s.PGSQL.5432 ]] || die "no PostgreSQL socket in $VAR/run"
}

conf_value() {
	sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$CONF" | tail -n1
}

master_pid() { cat -- "$VAR/run/marquee.pid"; }
worker_pids() { pgrep -P "$(master_pid)" | sort -n; }

# ms VALUE: a wrk latency (850.00us, 1.23ms, 2.01s, 1.5m) in milliseconds.
ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		printf "%.2f", n }'
}

# wrk_run NAME WRK-ARGS...: runs wrk with --latency, keeps its report in
# $OUT/NAME.txt, and sets the globals W_RPS, W_P50, W_P99 (ms), W_REQS,
# W_BAD (non-2xx/3xx) and W_ERR (socket errors), and W_CMD (the command).
wrk_run() {
	local name=$1 out
	shift
	W_CMD="wrk --latency $*"
	out=$OUT/$name.txt
	cpu_mark
	wrk --latency "$@" >"$out" 2>&1 || die "wrk failed: $(cat "$out")"
	W_RPS=$(awk '/^Requests\/sec:/ {print $2}' "$out")
	W_P50=$(ms "$(awk '$1 == "50%" {print $2}' "$out")")
	W_P99=$(ms "$(awk '$1 == "99%" {print $2}' "$out")")
	W_REQS=$(awk '/requests in/ {print $1}' "$out")
	W_BAD=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
	W_BAD=${W_BAD:-0}
	W_ERR=$(awk '/Socket errors:/ {for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i + 0; print s + 0}' "$out")
	W_ERR=${W_ERR:-0}
	[[ -n $W_RPS ]] || die "could not read wrk's report: $(cat "$out")"
	cpu_per_request "$W_REQS"
	W_CPU=$CPU_LINE
}

# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# meets VALUE TARGET: "ok" or "BELOW TARGET".
meets() { awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t ? "ok" : "BELOW TARGET") }'; }

# worker_rss: one line per worker, "pid rss_kib", and W_RSS_MAX (KiB).
worker_rss() {
	local p r
	W_RSS_MAX=0
	W_RSS_LINES=
	for p in $(worker_pids); do
		r=$(ps -o rss= -p "$p" | tr -d ' ')
		[[ -n $r ]] || continue
		W_RSS_LINES+="pid $p: $r KiB; "
		if ((r > W_RSS_MAX)); then W_RSS_MAX=$r; fi
	done
}

# The machine, and its load average: other work on the box skews the figures.
machine() {
	printf '%s, %s CPUs, %s, %s, load average %s\n' "$(uname -srm)" "$(nproc)" \
		"$(awk '/MemTotal/ {printf "%.0f GiB RAM", $2 / 1048576}' /proc/meminfo)" \
		"$(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2)" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# ------------------------------------------------ CPU time per request
#
# cpu_mark, then a run, then cpu_per_request N: the CPU time (user + system)
# each part of the instance used during the run, divided by the N requests
# it served, in microseconds: where a request's cost goes, read from
# /proc/<pid>/stat of nginx, marquee (master and workers, not the jobs
# process), PostgreSQL (postmaster and backends) and memcached, and wrk's
# own from the shell's children times.  Sets CPU_LINE.

# part_pids PART: the pids of one part of the instance.
part_pids() {
	local p
	case $1 in
	nginx) p=$(cat -- "$VAR/run/nginx.pid" 2>/dev/null) ;;
	marquee) p=$(cat -- "$VAR/run/marquee.pid" 2>/dev/null) ;;
	postgres) p=$(head -n1 -- "$VAR/pgdata/postmaster.pid" 2>/dev/null) ;;
	memcached) p=$(cat -- "$VAR/run/memcached.pid" 2>/dev/null) ;;
	esac
	[[ -n $p ]] || return 0
	echo "$p"
	pgrep -P "$p" || true
}

# part_ticks PART: CPU clock ticks used so far by its live processes.
part_ticks() {
	local p t=0 f
	for p in $(part_pids "$1"); do
		# (a process may be gone by now: a backend that ended)
		{ f=$(<"/proc/$p/stat"); } 2>/dev/null || continue
		f=${f##*) }	# after "pid (comm) ", comm may hold ")" itself
		# from the state (field 3) on: utime is field 14, stime 15
		t=$((t + $(awk '{print $12 + $13}' <<<"$f")))
	done
	echo "$t"
}

# children_ticks: CPU of the shell's finished children (wrk), in ticks, in
# CHILD_TICKS.  "times" runs in this shell (a $(...) would be a subshell
# with children of its own).
children_ticks() {
	local f
	local LC_ALL=C		# "times" and awk: 1.5, not 1,5
	f=$(mktemp)
	times >"$f"
	CHILD_TICKS=$(awk -v hz="$(getconf CLK_TCK)" 'NR == 2 {
		split($1, u, /[ms]/); split($2, s, /[ms]/)
		printf "%d", ((u[1] + s[1]) * 60 + u[2] + s[2]) * hz }' "$f")
	rm -f -- "$f"
}

# per_request TICKS N HZ: microseconds a request.
per_request() {
	awk -v d="$1" -v n="$2" -v hz="$3" 'BEGIN { printf "%.0f", (n > 0) ? d * 1e6 / hz / n : 0 }'
}

CPU_PARTS=(nginx marquee postgres memcached)
cpu_mark() {
	local p
	CPU_MARK=()
	for p in "${CPU_PARTS[@]}"; do CPU_MARK+=("$(part_ticks "$p")"); done
	children_ticks
	CPU_MARK_WRK=$CHILD_TICKS
}

cpu_per_request() {
	local n=$1 hz i d line=""
	hz=$(getconf CLK_TCK)
	for i in "${!CPU_PARTS[@]}"; do
		d=$(($(part_ticks "${CPU_PARTS[$i]}") - CPU_MARK[i]))
		line+="${CPU_PARTS[$i]} $(per_request "$d" "$n" "$hz"), "
	done
	children_ticks
	line+="wrk $(per_request "$((CHILD_TICKS - CPU_MARK_WRK))" "$n" "$hz")"
	CPU_LINE="CPU us/request: $line"
}

# ------------------------------------------------------------ memcached
#
# stop_memcached stops the instance's memcached (the one run/memcached.pid
# names) and keeps its command line in MC_CMD; start_memcached starts it again
# with exactly that command line (the stack's).  MC_STOPPED is 1 from the stop
# until the start: a script's EXIT trap starts it again when the run failed
# half-way.

MC_CMD=()
MC_STOPPED=0

start_memcached() {
	local port
	setsid "${MC_CMD[@]}" </dev/null >>"$VAR/log/memcached.log" 2>&1 &
	echo "$!" >"$VAR/run/memcached.pid"
	MC_STOPPED=0
	port=$(conf_value memcached | cut -d, -f1 | cut -d: -f2)
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.1
	done
	die "memcached did not come back on port $port"
}

stop_memcached() {
	local pid pid_file=$VAR/run/memcached.pid
	pid=$(cat "$pid_file")
	[[ $(readlink "/proc/$pid/exe") == */memcached ]] || die "$pid_file does not name a running memcached"
	mapfile -d '' -t MC_CMD <"/proc/$pid/cmdline"
	kill -TERM "$pid"
	# shellcheck disable=SC2034 # read by the callers' EXIT traps
	MC_STOPPED=1
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	die "memcached (pid $pid) did not stop"
}

# memcached_running: the process run/memcached.pid names is alive.
memcached_running() {
	kill -0 "$(cat "$VAR/run/memcached.pid" 2>/dev/null || echo 0)" 2>/dev/null
}

# x_cache URL: the X-Cache header of GET URL ("hit" when the answer came from
# memcached: nginx's whole-page cache, or the app's listing JSON), or nothing.
x_cache() { curl -fsS -o /dev/null -D - "$1" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-cache" {print $2}'; }

# cache_state: "up" or "down", the cache as /readyz reports it.
cache_state() { curl -fsS "$URL/readyz" | sed -n 's/.*"cache":"\([a-z]*\)".*/\1/p'; }

# wait_cache STATE [URL...]: waits (10 s at most) for /readyz to report the
# cache STATE, requesting the URLs (default: the home page) in between.
wait_cache() {
	local want=$1 u
	local poke=()
	shift
	(($#)) || set -- "$URL/"
	for u in "$@"; do poke+=(-o /dev/null "$u"); done
	for _ in $(seq 100); do
		[[ $(cache_state) == "$want" ]] && return 0
		# Each worker notices on its own; a few requests reach them all.
		curl -fsS "${poke[@]}" || true
		sleep 0.1
	done
	die "/readyz does not report the cache $want"
}
