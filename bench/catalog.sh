#!/usr/bin/env bash
# The catalog benchmark (see bench/catalog.md), in one run, wrk -t2 -c64:
#   1. nginx serving a static file with the bytes of the movie page
#   2. the FastCGI hello route, GET /healthz
#   3. the movie page, cached: GET /movies/<slug>, anonymous, no query string.
#      nginx serves it from its whole-page cache in memcached (X-Cache: hit);
#      the entry lives page_ttl (5 s), so a worker renders it again about every
#      5 s (the steady state visitors get); the number of those renders is read
#      from /metrics
#   4. the movie page for a date, cached: GET /movies/<slug>?date=<today>.
#      Pages of the next two weeks by date are kept whole like the page
#      without a date (page_cache_key), so nginx serves them from memcached
#   4b. the movie page, uncached: GET /movies/<slug>?date=<today>& (the same
#      page: the trailing "&" is an empty parameter to the app, but nginx's
#      $page_from_cache map and page_cache_key want exactly "date=..."), so
#      every request is rendered by a worker and reads PostgreSQL; memcached
#      stays up, so the small data caches (the filter choices) still answer
#   5. the movie page with memcached stopped: GET /movies/<slug> again, every
#      request rendered by a worker with no cache at all (nginx's memcached_pass
#      fails over to the app; the app's data caches miss); memcached is started
#      again afterwards.  BENCH_STOP_MEMCACHED=0 skips this run
#   6. GET /v1/movies/<slug>/listings (JSON): kept whole in memcached for
#      page_ttl seconds under the catalog's generation, so a worker reads
#      PostgreSQL about every 5 s and answers from memcached in between;
#      with memcached stopped (run 5's window) the same request reads
#      PostgreSQL every time, reported beside it
# then the ratios cached/static (DESIGN.md target >= 0.4) and uncached/hello
# (target >= 0.5) for runs 4 and 5, listings/hello beside them, and the CPU
# time each part of the instance spent per request in each run.
#
# usage: bench/catalog.sh [bench|dev]
#   env BENCH_DURATION  wrk's -d (default 10s)
#       BENCH_MOVIE     the movie's slug (default: the demo movie with the most
#                       showtimes in the next 7 days)
#       BENCH_STOP_MEMCACHED=0  skip run 5
#
# bench (the default) is the instance "./stack up bench" starts (port 28080, rate
# limits raised); when it does not answer, this script starts it with
# "./stack up bench" (which uses the binaries already built) and stops it again
# at the end, and only then.  dev must already be up.  The static copy of the
# movie page is written to static/bench/catalog-movie.html (in the directory
# nginx serves at /static/) and removed when the script ends.
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

STARTED=0
if ! curl -fsS -o /dev/null --max-time 2 "$URL/healthz" 2>/dev/null; then
	[[ $INST == bench ]] || die "no answer from $URL/healthz; start the instance with: ./stack up $INST"
	echo "catalog benchmark: $URL does not answer; starting it with ./stack up bench"
	"$ROOT/stack" up bench >"${TMPDIR:-/tmp}/marquee-bench-up.$$.log" 2>&1 ||
		die "./stack up bench failed: $(tail -n 20 "${TMPDIR:-/tmp}/marquee-bench-up.$$.log")"
	rm -f -- "${TMPDIR:-/tmp}/marquee-bench-up.$$.log"
	STARTED=1
	VAR=$(readlink -f -- "$ROOT/var/$INST")
	CONF=$VAR/marquee.conf
fi
require_instance
OUT=$(mktemp -d "${TMPDIR:-/tmp}/marquee-bench.XXXXXX")
WRK=(-t2 -c64 "-d$DURATION")
PSQL=(/usr/lib/postgresql/15/bin/psql -X -q -w -h "$VAR/run" -U marquee -d marquee -tAc)

# The directory nginx aliases at /static/ (the checkout's, or the instance's copy).
STATIC=$(awk '/location \^~ \/static\// {f = 1} f && /alias/ {sub(/;$/, "", $2); print $2; exit}' "$VAR/nginx/nginx.conf")
[[ -d $STATIC ]] || die "cannot find the static directory in $VAR/nginx/nginx.conf"
BENCH_DIR=${STATIC%/}/bench
STATIC_FILE=$BENCH_DIR/catalog-movie.html

cleanup() {
	rm -f -- "$STATIC_FILE"
	rmdir -- "$BENCH_DIR" 2>/dev/null || true
	# memcached comes back even when the run failed half-way (MC_STOPPED:
	# stop_memcached and start_memcached in common.sh).
	if ((MC_STOPPED)); then
		start_memcached || true
	fi
	if ((STARTED)); then
		echo "stopping the bench instance this script started (./stack down bench)"
		"$ROOT/stack" down bench >/dev/null 2>&1 || echo "catalog.sh: ./stack down bench failed" >&2
	fi
}
trap cleanup EXIT

# ------------------------------------------------------------ the movie

# The demo movie with the most showtimes to come this week: the heaviest
# listing of the demo data.
SLUG=${BENCH_MOVIE:-$("${PSQL[@]}" "SELECT m.slug FROM movies m JOIN showtimes s ON s.movie_id = m.id
	WHERE m.deleted_at IS NULL AND s.status = 'scheduled' AND s.starts_at > now()
	  AND s.starts_at < now() + interval '7 days'
	GROUP BY m.slug ORDER BY count(*) DESC, m.slug LIMIT 1")}
[[ -n $SLUG ]] || die "no movie with showtimes this week on $INST (load the demo data)"
# "Today" as the page's first day link counts it: the earliest of the theatres'.
TODAY=$("${PSQL[@]}" "SELECT coalesce(min((now() AT TIME ZONE timezone)::date), current_date)
	FROM theatres WHERE deleted_at IS NULL")
MOVIE_URL=$URL/movies/$SLUG
DATED_URL="$MOVIE_URL?date=$TODAY"
UNCACHED_URL="$MOVIE_URL?date=$TODAY&"
LISTINGS_URL=$URL/v1/movies/$SLUG/listings

[[ $(cache_state) == up ]] || die "memcached is not up on $INST (/readyz)"
mkdir -p -- "$BENCH_DIR"
curl -fsS -o "$STATIC_FILE" "$MOVIE_URL"
chmod 644 "$STATIC_FILE"
SIZE=$(stat -c %s "$STATIC_FILE")
GOT=$(curl -fsS "$URL/static/bench/catalog-movie.html" | wc -c)
((GOT == SIZE)) || die "nginx serves $GOT bytes at /static/bench/catalog-movie.html, expected $SIZE"
U_SIZE=$(curl -fsS "$UNCACHED_URL" | wc -c)
L_SIZE=$(curl -fsS "$LISTINGS_URL" | wc -c)
L_SHOWTIMES=$(curl -fsS "$LISTINGS_URL" | { grep -o '"starts_local"' || true; } | wc -l)


# Requests of the movie page route that a worker answered (the app's metrics).
page_renders() {
	curl -fsS "$URL/metrics" | awk 'index($0, "marquee_requests_total{route=\"GET /movies/{movie}\",") == 1 {n += $NF} END {print n + 0}'
}

# page_run NAME URL: the X-Cache of one request (P_XCACHE), then wrk_run,
# and how many requests a worker rendered meanwhile (P_RENDERS).
page_run() {
	local before
	P_XCACHE=$(x_cache "$2")
	before=$(page_renders)
	wrk_run "$1" "${WRK[@]}" "$2"
	P_RENDERS=$(($(page_renders) - before))
}

# --------------------------------------------------------------- runs

echo "catalog benchmark: $URL ($INST), movie $SLUG, wrk ${WRK[*]}"
echo "  page $SIZE bytes (static copy and cached run), ?date=$TODAY page $U_SIZE bytes (cached as ?date=, uncached as ?date=&), listings JSON $L_SIZE bytes ($L_SHOWTIMES showtimes)"
echo "machine: $(machine)"
PAGE_TTL=$(conf_value page_ttl || true)
echo "app processes: $(worker_pids | wc -l) (pids $(worker_pids | tr '\n' ' ')); page_ttl ${PAGE_TTL:-5 (the default)} s"
if pgrep -x wrk >/dev/null; then
	echo "WARNING: another wrk is running on this machine; these figures are skewed"
fi

for _ in 1 2 3 4; do curl -fsS -o /dev/null "$MOVIE_URL" -o /dev/null "$UNCACHED_URL" -o /dev/null "$LISTINGS_URL"; done

wrk_run static "${WRK[@]}" "$URL/static/bench/catalog-movie.html"
S_RPS=$W_RPS S_P50=$W_P50 S_P99=$W_P99 S_BAD=$((W_BAD + W_ERR)) S_CMD=$W_CMD S_CPU=$W_CPU
echo "1. static file:          $S_RPS req/s  p50 $S_P50 ms  p99 $S_P99 ms"

wrk_run hello "${WRK[@]}" "$URL/healthz"
H_RPS=$W_RPS H_P50=$W_P50 H_P99=$W_P99 H_BAD=$((W_BAD + W_ERR)) H_CMD=$W_CMD H_CPU=$W_CPU
echo "2. /healthz (hello):     $H_RPS req/s  p50 $H_P50 ms  p99 $H_P99 ms"

# The entry may have expired during runs 1 and 2: the first request fills it.
curl -fsS -o /dev/null "$MOVIE_URL"
page_run cached "$MOVIE_URL"
C_XCACHE=$P_XCACHE C_RENDERS=$P_RENDERS
C_RPS=$W_RPS C_P50=$W_P50 C_P99=$W_P99 C_BAD=$((W_BAD + W_ERR)) C_CMD=$W_CMD C_REQS=$W_REQS C_CPU=$W_CPU
echo "3. movie page, cached:   $C_RPS req/s  p50 $C_P50 ms  p99 $C_P99 ms (X-Cache: ${C_XCACHE:-none}; $C_RENDERS of $C_REQS rendered by a worker)"

curl -fsS -o /dev/null "$DATED_URL"
page_run dated "$DATED_URL"
D_XCACHE=$P_XCACHE D_RENDERS=$P_RENDERS
D_RPS=$W_RPS D_P50=$W_P50 D_P99=$W_P99 D_BAD=$((W_BAD + W_ERR)) D_CMD=$W_CMD D_REQS=$W_REQS D_CPU=$W_CPU
echo "4. movie page ?date=:    $D_RPS req/s  p50 $D_P50 ms  p99 $D_P99 ms (X-Cache: ${D_XCACHE:-none}; $D_RENDERS of $D_REQS rendered by a worker)"

page_run uncached "$UNCACHED_URL"
U_XCACHE=$P_XCACHE U_RENDERS=$P_RENDERS
U_RPS=$W_RPS U_P50=$W_P50 U_P99=$W_P99 U_BAD=$((W_BAD + W_ERR)) U_CMD=$W_CMD U_REQS=$W_REQS U_CPU=$W_CPU
echo "4b. uncached (?date=&):  $U_RPS req/s  p50 $U_P50 ms  p99 $U_P99 ms (X-Cache: ${U_XCACHE:-none}; $U_RENDERS of $U_REQS rendered by a worker)"

M_LINE="skipped (BENCH_STOP_MEMCACHED=0)"
LN_LINE=$M_LINE
M_RPS= M_CPU=skipped LN_CPU=skipped
if [[ ${BENCH_STOP_MEMCACHED:-1} != 0 ]]; then
	stop_memcached
	wait_cache down "$URL/healthz" "$URL/"
	M_XCACHE=$(x_cache "$MOVIE_URL")
	wrk_run nocache "${WRK[@]}" "$MOVIE_URL"
	M_RPS=$W_RPS M_P50=$W_P50 M_P99=$W_P99 M_BAD=$((W_BAD + W_ERR)) M_CMD=$W_CMD M_CPU=$W_CPU
	wrk_run listings-nocache "${WRK[@]}" "$LISTINGS_URL"
	LN_RPS=$W_RPS LN_P50=$W_P50 LN_P99=$W_P99 LN_BAD=$((W_BAD + W_ERR)) LN_CMD=$W_CMD LN_CPU=$W_CPU
	start_memcached
	wait_cache up "$URL/healthz" "$URL/"
	M_LINE="$(printf '%10s %8s %8s %8s' "$M_RPS" "$M_P50" "$M_P99" "$M_BAD")  $M_CMD   (memcached stopped; X-Cache: ${M_XCACHE:-none})"
	LN_LINE="$(printf '%10s %8s %8s %8s' "$LN_RPS" "$LN_P50" "$LN_P99" "$LN_BAD")  $LN_CMD   (memcached stopped)"
	echo "5. movie page, no cache: $M_RPS req/s  p50 $M_P50 ms  p99 $M_P99 ms (memcached stopped, then started again)"
	echo "   listings, no cache:   $LN_RPS req/s  p50 $LN_P50 ms  p99 $LN_P99 ms"
fi

# Workers leave memcached alone for a second after it failed (run 5): ask
# until the answer comes from the cache.
for _ in $(seq 40); do
	L_XCACHE=$(x_cache "$LISTINGS_URL")
	[[ $L_XCACHE == hit ]] && break
	sleep 0.1
done
wrk_run listings "${WRK[@]}" "$LISTINGS_URL"
L_RPS=$W_RPS L_P50=$W_P50 L_P99=$W_P99 L_BAD=$((W_BAD + W_ERR)) L_CMD=$W_CMD L_CPU=$W_CPU
echo "6. listings JSON:        $L_RPS req/s  p50 $L_P50 ms  p99 $L_P99 ms (X-Cache: ${L_XCACHE:-none})"

R_CACHED=$(ratio "$C_RPS" "$S_RPS")
R_UNCACHED=$(ratio "$U_RPS" "$H_RPS")
R_DATED=$(ratio "$D_RPS" "$S_RPS")
R_LISTINGS=$(ratio "$L_RPS" "$H_RPS")
if [[ -n $M_RPS ]]; then
	R_NOCACHE=$(ratio "$M_RPS" "$H_RPS")
	R_NOCACHE_LINE="$R_NOCACHE  (target >= 0.50: $(meets "$R_NOCACHE" 0.5))"
else
	R_NOCACHE_LINE="skipped"
fi

cat <<EOF

===== catalog benchmark summary ($(date -u +%Y-%m-%dT%H:%MZ), $INST, /movies/$SLUG, page $SIZE bytes) =====
run                      req/s      p50 ms   p99 ms   errors  command
static file          $(printf '%10s %8s %8s %8s' "$S_RPS" "$S_P50" "$S_P99" "$S_BAD")  $S_CMD
/healthz (hello)     $(printf '%10s %8s %8s %8s' "$H_RPS" "$H_P50" "$H_P99" "$H_BAD")  $H_CMD
movie page cached    $(printf '%10s %8s %8s %8s' "$C_RPS" "$C_P50" "$C_P99" "$C_BAD")  $C_CMD   (X-Cache: ${C_XCACHE:-none}; $C_RENDERS worker renders)
movie page ?date=    $(printf '%10s %8s %8s %8s' "$D_RPS" "$D_P50" "$D_P99" "$D_BAD")  $D_CMD   (X-Cache: ${D_XCACHE:-none}; $D_RENDERS worker renders)
uncached ?date=&     $(printf '%10s %8s %8s %8s' "$U_RPS" "$U_P50" "$U_P99" "$U_BAD")  $U_CMD   ($U_SIZE bytes)
movie page no cache  $M_LINE
listings JSON        $(printf '%10s %8s %8s %8s' "$L_RPS" "$L_P50" "$L_P99" "$L_BAD")  $L_CMD   ($L_SIZE bytes; X-Cache: ${L_XCACHE:-none})
listings no cache    $LN_LINE
cached / static              $R_CACHED  (target >= 0.40: $(meets "$R_CACHED" 0.4))
dated (?date=) / static      $R_DATED  (target >= 0.40: $(meets "$R_DATED" 0.4))
uncached (?date=&) / hello   $R_UNCACHED  (target >= 0.50: $(meets "$R_UNCACHED" 0.5))
no cache (memcached) / hello $R_NOCACHE_LINE
listings JSON / hello        $R_LISTINGS  (cached; no target of its own)
CPU time per request, by part (the run's CPU seconds / its requests):
  static file          $S_CPU
  /healthz             $H_CPU
  movie page cached    $C_CPU
  movie page ?date=    $D_CPU
  uncached ?date=&     $U_CPU
  movie page no cache  $M_CPU
  listings JSON        $L_CPU
  listings no cache    $LN_CPU
errors = non-2xx/3xx answers plus socket errors; wrk reports kept in $OUT/
machine: $(machine)
EOF
