#!/usr/bin/env bash
# The foundation benchmark (see bench/README.md), in one run, wrk -t2 -c64:
#   1. nginx serving a static file with the bytes of the home page
#   2. the FastCGI hello route, GET /healthz
#   3. the home page, cached: nginx answers from the whole-page cache in
#      memcached (X-Cache: hit)
#   4. the home page, uncached: GET /?utm_source=bench.  A query string
#      bypasses the whole-page cache (nginx's $page_from_cache map and
#      app_after_response), the home page ignores parameters it does not know
#      (the script checks the bytes are the same), so every request is
#      rendered by a worker from PostgreSQL, the way a campaign link is
#   5. the home page with memcached stopped (GET /, nginx's memcached_pass
#      fails over to the app on each request), memcached started again
#      afterwards: the figure of the degraded path, not a target
# then the ratios cached/static (target >= 0.4) and uncached/hello (target
# >= 0.5) from DESIGN.md, the CPU time each part of the instance spent per
# request in each run, and the workers' resident memory after the run.
#
# usage: bench/foundation.sh [bench|dev]       (env BENCH_DURATION, default 10s)
#
# bench (default) is the instance "./stack up bench" starts (port 28080, rate
# limits raised); dev works too (no rate limit is on these routes), but the
# uncached run stops dev's memcached for its 10 seconds.  The instance must be
# up; nothing is built.  The static copy of the home page is written to
# static/bench/home.html (the directory nginx serves at /static/) and removed
# when the script ends.
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

require_instance
OUT=$(mktemp -d "${TMPDIR:-/tmp}/marquee-bench.XXXXXX")
WRK=(-t2 -c64 "-d$DURATION")

# --------------------------------------------------------- the static copy

# The directory nginx aliases at /static/ (the checkout's, or the instance's copy).
STATIC=$(awk '/location \^~ \/static\// {f = 1} f && /alias/ {sub(/;$/, "", $2); print $2; exit}' "$VAR/nginx/nginx.conf")
[[ -d $STATIC ]] || die "cannot find the static directory in $VAR/nginx/nginx.conf"
BENCH_DIR=${STATIC%/}/bench

cleanup() {
	rm -rf -- "$BENCH_DIR"
	# memcached comes back even when the run failed half-way (stop_memcached
	# in common.sh keeps its command line in MC_CMD).
	if ((${#MC_CMD[@]})) && ! memcached_running; then
		start_memcached
	fi
}
trap cleanup EXIT

mkdir -p -- "$BENCH_DIR"
curl -fsS -o "$BENCH_DIR/home.html" "$URL/"
SIZE=$(stat -c %s "$BENCH_DIR/home.html")
chmod 644 "$BENCH_DIR/home.html"
GOT=$(curl -fsS "$URL/static/bench/home.html" | wc -c)
((GOT == SIZE)) || die "nginx serves $GOT bytes at /static/bench/home.html, expected $SIZE"

# --------------------------------------------------------------- runs

echo "foundation benchmark: $URL ($INST), home page $SIZE bytes, wrk ${WRK[*]}"
echo "machine: $(machine)"
echo "workers: $(worker_pids | wc -l) (pids $(worker_pids | tr '\n' ' '))"

[[ $(cache_state) == up ]] || die "memcached is not up on $INST (/readyz)"
for _ in 1 2 3 4; do curl -fsS -o /dev/null "$URL/"; done # fill the cache

# X-Cache of the home page; the first request refills an expired entry
# (page_ttl is a few seconds).
home_x_cache() {
	curl -fsS -o /dev/null "$URL/"
	x_cache "$URL/"
}

wrk_run static "${WRK[@]}" "$URL/static/bench/home.html"
S_RPS=$W_RPS S_P50=$W_P50 S_P99=$W_P99 S_BAD=$((W_BAD + W_ERR)) S_CMD=$W_CMD S_CPU=$W_CPU
echo "1. static file:     $S_RPS req/s  p50 $S_P50 ms  p99 $S_P99 ms"

wrk_run hello "${WRK[@]}" "$URL/healthz"
H_RPS=$W_RPS H_P50=$W_P50 H_P99=$W_P99 H_BAD=$((W_BAD + W_ERR)) H_CMD=$W_CMD H_REQS=$W_REQS H_CPU=$W_CPU
echo "2. /healthz:        $H_RPS req/s  p50 $H_P50 ms  p99 $H_P99 ms"

C_XCACHE=$(home_x_cache)
wrk_run cached "${WRK[@]}" "$URL/"
C_RPS=$W_RPS C_P50=$W_P50 C_P99=$W_P99 C_BAD=$((W_BAD + W_ERR)) C_CMD=$W_CMD C_REQS=$W_REQS C_CPU=$W_CPU
echo "3. home, cached:    $C_RPS req/s  p50 $C_P50 ms  p99 $C_P99 ms (X-Cache: ${C_XCACHE:-none})"

UNCACHED_URL="$URL/?utm_source=bench"
U_XCACHE=$(x_cache "$UNCACHED_URL")
[[ -z $U_XCACHE ]] || die "$UNCACHED_URL came from the page cache (X-Cache: $U_XCACHE)"
cmp -s <(curl -fsS "$UNCACHED_URL") "$BENCH_DIR/home.html" ||
	die "$UNCACHED_URL is not the same page as / (the uncached run would measure another page)"
wrk_run uncached "${WRK[@]}" "$UNCACHED_URL"
U_RPS=$W_RPS U_P50=$W_P50 U_P99=$W_P99 U_BAD=$((W_BAD + W_ERR)) U_CMD=$W_CMD U_REQS=$W_REQS U_CPU=$W_CPU
echo "4. home, uncached:  $U_RPS req/s  p50 $U_P50 ms  p99 $U_P99 ms (rendered by a worker each time)"

stop_memcached
wait_cache down
D_XCACHE=$(home_x_cache)
wrk_run down "${WRK[@]}" "$URL/"
D_RPS=$W_RPS D_P50=$W_P50 D_P99=$W_P99 D_BAD=$((W_BAD + W_ERR)) D_CMD=$W_CMD D_REQS=$W_REQS D_CPU=$W_CPU
start_memcached
wait_cache up
echo "5. home, memcached down: $D_RPS req/s  p50 $D_P50 ms  p99 $D_P99 ms (X-Cache: ${D_XCACHE:-none}; memcached started again)"

worker_rss
R1=$(ratio "$C_RPS" "$S_RPS")
R2=$(ratio "$U_RPS" "$H_RPS")
SERVED=$((H_REQS + C_REQS + U_REQS + D_REQS))

cat <<EOF

===== foundation benchmark summary ($(date -u +%Y-%m-%dT%H:%MZ), $INST, home page $SIZE bytes) =====
run                 req/s      p50 ms   p99 ms   errors  command
static file     $(printf '%10s %8s %8s %8s' "$S_RPS" "$S_P50" "$S_P99" "$S_BAD")  $S_CMD
/healthz        $(printf '%10s %8s %8s %8s' "$H_RPS" "$H_P50" "$H_P99" "$H_BAD")  $H_CMD
home cached     $(printf '%10s %8s %8s %8s' "$C_RPS" "$C_P50" "$C_P99" "$C_BAD")  $C_CMD   (X-Cache: ${C_XCACHE:-none})
home uncached   $(printf '%10s %8s %8s %8s' "$U_RPS" "$U_P50" "$U_P99" "$U_BAD")  $U_CMD
memcached down  $(printf '%10s %8s %8s %8s' "$D_RPS" "$D_P50" "$D_P99" "$D_BAD")  $D_CMD   (memcached stopped)
cached / static     $R1  (target >= 0.40: $(meets "$R1" 0.4))
uncached / hello    $R2  (target >= 0.50: $(meets "$R2" 0.5))
memcached down / hello  $(ratio "$D_RPS" "$H_RPS")
CPU time per request, by part (the run's CPU seconds / its requests):
  static file     $S_CPU
  /healthz        $H_CPU
  home cached     $C_CPU
  home uncached   $U_CPU
  memcached down  $D_CPU
worker RSS after $SERVED app requests: max $W_RSS_MAX KiB (target < 16384 KiB: $( ((W_RSS_MAX < 16384)) && echo ok || echo ABOVE TARGET)); ${W_RSS_LINES}
errors = non-2xx/3xx answers plus socket errors; wrk reports kept in $OUT/
machine: $(machine)
EOF
