#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "buf.h"
#include "metrics.h"

static const char *const metric_names[M__MAX] = {
	[M_TX_RETRIES] = "marquee_tx_retries_total",
	[M_TX_EXHAUSTED] = "marquee_tx_exhausted_total",
	[M_DB_ERRORS] = "marquee_db_errors_total",
	[M_DB_RECONNECTS] = "marquee_db_reconnects_total",
	[M_CACHE_HITS] = "marquee_cache_hits_total",
	[M_CACHE_MISSES] = "marquee_cache_misses_total",
	[M_CACHE_ERRORS] = "marquee_cache_errors_total",
	[M_CACHE_TOO_LARGE] = "marquee_cache_too_large_total",
	[M_WORKER_RESTARTS] = "marquee_worker_restarts_total",
	[M_RATE_LIMITED] = "marquee_rate_limited_total",
	[M_HOLDS] = "marquee_holds_total",
	[M_BOOKINGS] = "marquee_bookings_total",
	[M_PAYMENTS_OK] = "marquee_payments_approved_total",
	[M_PAYMENTS_DECLINED] = "marquee_payments_declined_total",
	[M_PAYMENTS_FAILED] = "marquee_payments_failed_total",
	[M_REFUNDS] = "marquee_refunds_total",
	[M_LIVE_PUBLISHED] = "marquee_live_published_total",
	[M_LIVE_FAILED] = "marquee_live_publish_failed_total",
	[M_OUTBOX_DELIVERED] = "marquee_outbox_delivered_total",
	[M_OUTBOX_FAILED] = "marquee_outbox_failed_total",
	[M_JOBS_RUNS] = "marquee_jobs_runs_total",
};

/* Status codes counted individually; anything else is "other". */
static const int status_codes[] = {
	200, 201, 202, 204, 301, 302, 303, 304, 400, 401, 402, 403, 404,
	405, 409, 410, 413, 415, 422, 429, 500, 502, 503, 0
};
#define NSTATUS	(sizeof(status_codes) / sizeof(status_codes[0]))

/* Latency histogram bucket bounds, microseconds. */
static const int64_t bucket_usec[] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000
};
#define NBUCKETS (sizeof(bucket_usec) / sizeof(bucket_usec[0]))

struct route_stats {
	uint64_t	 status[NSTATUS];
	uint64_t	 bucket[NBUCKETS + 1];	/* last: +Inf */
	uint64_t	 sum_usec;
	uint64_t	 count;
};

struct shared {
	uint64_t		 counters[M__MAX];
	struct route_stats	 routes[METRICS_MAX_ROUTES];
};

static struct shared	*shm;

int
metrics_init(void)
{
	void	*p;

	if (shm != NULL)
		return 0;
	p = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	shm = p;
	return 0;
}

void
metrics_add(enum metric m, uint64_t n)
{
	if (shm != NULL && m < M__MAX)
		__atomic_fetch_add(&shm->counters[m], n, __ATOMIC_RELAXED);
}

void
metrics_inc(enum metric m)
{
	metrics_add(m, 1);
}

uint64_t
metrics_get(enum metric m)
{
	if (shm == NULL || m >= M__MAX)
		return 0;
	return __atomic_load_n(&shm->counters[m], __ATOMIC_RELAXED);
}

static size_t
status_index(int status)
{
	size_t	 i;

	for (i = 0; i < NSTATUS - 1; i++)
		if (status_codes[i] == status)
			return i;
	return NSTATUS - 1;
}

void
metrics_request(unsigned route, int status, int64_t usec)
{
	struct route_stats	*rs;
	size_t			 b;

	if (shm == NULL)
		return;
	if (route >= METRICS_MAX_ROUTES)
		route = 0;
	rs = &shm->routes[route];
	__atomic_fetch_add(&rs->status[status_index(status)], 1,
	    __ATOMIC_RELAXED);
	for (b = 0; b < NBUCKETS && usec > bucket_usec[b]; b++)
		continue;
	__atomic_fetch_add(&rs->bucket[b], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&rs->sum_usec, (uint64_t)(usec < 0 ? 0 : usec),
	    __ATOMIC_RELAXED);
	__atomic_fetch_add(&rs->count, 1, __ATOMIC_RELAXED);
}

uint64_t
metrics_requests(unsigned route, int status)
{
	if (shm == NULL || route >= METRICS_MAX_ROUTES)
		return 0;
	return __atomic_load_n(&shm->routes[route].status[status_index(status)],
	    __ATOMIC_RELAXED);
}

static void
render_route(struct buf *b, const char *name, const struct route_stats *rs)
{
	uint64_t	 cum = 0, v;
	size_t		 i;

	for (i = 0; i < NSTATUS; i++) {
		v = __atomic_load_n(&rs->status[i], __ATOMIC_RELAXED);
		if (v == 0)
			continue;
		if (status_codes[i] == 0)
			buf_printf(b, "marquee_requests_total{route=\"%s\","
			    "status=\"other\"} %llu\n", name,
			    (unsigned long long)v);
		else
			buf_printf(b, "marquee_requests_total{route=\"%s\","
			    "status=\"%d\"} %llu\n", name, status_codes[i],
			    (unsigned long long)v);
	}
	for (i = 0; i <= NBUCKETS; i++) {
		cum += __atomic_load_n(&rs->bucket[i], __ATOMIC_RELAXED);
		if (i < NBUCKETS)
			buf_printf(b, "marquee_request_duration_seconds_bucket"
			    "{route=\"%s\",le=\"%g\"} %llu\n", name,
			    (double)bucket_usec[i] / 1e6,
			    (unsigned long long)cum);
		else
			buf_printf(b, "marquee_request_duration_seconds_bucket"
			    "{route=\"%s\",le=\"+Inf\"} %llu\n", name,
			    (unsigned long long)cum);
	}
	buf_printf(b, "marquee_request_duration_seconds_sum{route=\"%s\"} "
	    "%.6f\n", name, (double)__atomic_load_n(&rs->sum_usec,
	    __ATOMIC_RELAXED) / 1e6);
	buf_printf(b, "marquee_request_duration_seconds_count{route=\"%s\"} "
	    "%llu\n", name, (unsigned long long)__atomic_load_n(&rs->count,
	    __ATOMIC_RELAXED));
}

void
metrics_render(struct buf *b, const char *(*route_name)(unsigned),
    unsigned nroutes)
{
	size_t	 i;

	if (shm == NULL)
		return;
	for (i = 0; i < M__MAX; i++)
		buf_printf(b, "# TYPE %s counter\n%s %llu\n", metric_names[i],
		    metric_names[i], (unsigned long long)metrics_get(i));
	buf_adds(b, "# TYPE marquee_requests_total counter\n");
	buf_adds(b, "# TYPE marquee_request_duration_seconds histogram\n");
	for (i = 0; i < nroutes && i < METRICS_MAX_ROUTES; i++)
		if (__atomic_load_n(&shm->routes[i].count, __ATOMIC_RELAXED))
			render_route(b, route_name((unsigned)i),
			    &shm->routes[i]);
}
