/*
 * metrics: counters shared by the master and every worker.
 *
 * The master maps one anonymous shared region before forking, so any
 * worker can answer /metrics for all of them.  Updates are relaxed
 * atomic adds; nothing here blocks or allocates.
 */
#ifndef MARQUEE_METRICS_H
#define MARQUEE_METRICS_H

#include <stdint.h>

struct buf;

#define METRICS_MAX_ROUTES	192

/* Process-wide counters; names are in metrics.c. */
enum metric {
	M_TX_RETRIES,		/* serialization failures/deadlocks retried */
	M_TX_EXHAUSTED,		/* transactions given up after retries */
	M_DB_ERRORS,		/* queries that failed for other reasons */
	M_DB_RECONNECTS,
	M_CACHE_HITS,
	M_CACHE_MISSES,
	M_CACHE_ERRORS,
	M_CACHE_TOO_LARGE,	/* values not stored: over the item size */
	M_WORKER_RESTARTS,
	M_RATE_LIMITED,
	M_HOLDS,
	M_BOOKINGS,
	M_PAYMENTS_OK,
	M_PAYMENTS_DECLINED,
	M_PAYMENTS_FAILED,
	M_REFUNDS,
	M_LIVE_PUBLISHED,
	M_LIVE_FAILED,
	M_OUTBOX_DELIVERED,
	M_OUTBOX_FAILED,
	M_JOBS_RUNS,
	M__MAX
};

/* Maps the shared region; call once before forking. */
int	 metrics_init(void);
void	 metrics_inc(enum metric);
void	 metrics_add(enum metric, uint64_t);
uint64_t metrics_get(enum metric);
/* Records one request: route index (0 = unmatched), status, latency. */
void	 metrics_request(unsigned route, int status, int64_t usec);
uint64_t metrics_requests(unsigned route, int status);
/* Appends the Prometheus text exposition; route_name(i) names routes. */
void	 metrics_render(struct buf *, const char *(*route_name)(unsigned),
	    unsigned nroutes);

#endif
