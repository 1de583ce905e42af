#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/request.h"
#include "store/cache.h"
#include "store/db.h"
#include "store/ratelimit.h"

struct window {
	long long	 index;		/* which window we are in */
	double		 elapsed;	/* fraction of it gone, 0..1 */
	double		 now;
};

static struct window
current(int window)
{
	struct timespec	 ts;
	struct window	 w;
	double		 t;

	clock_gettime(CLOCK_REALTIME, &ts);
	t = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	w.now = t;
	w.index = (long long)floor(t / window);
	w.elapsed = (t - (double)w.index * window) / window;
	return w;
}

/* Seconds until the estimate falls below limit (count includes us). */
static int
wait_seconds(long long prev, long long cur, int limit, int window,
    const struct window *w)
{
	double	 need, secs;

	if (cur >= limit) {
		/* Next window: prev becomes cur, weighted down over time. */
		need = 1.0 - (double)(limit - 1) / (double)cur;
		secs = (1.0 - w->elapsed) * window + need * window;
	} else if (prev > 0) {
		need = 1.0 - (double)(limit - 1 - cur) / (double)prev;
		secs = need * window - w->elapsed * window;
	} else
		secs = 1;
	return secs < 1 ? 1 : (int)ceil(secs);
}

static double
estimate(long long prev, long long cur, const struct window *w)
{
	return (double)prev * (1.0 - w->elapsed) + (double)cur;
}

/* Reads a counter from memcached: its value, 0 if absent, -1 if down. */
static long long
mc_count(struct arena *a, const char *key)
{
	char	*v = cache_get(a, key, NULL);

	if (v == NULL)
		return cache_up() ? 0 : -1;
	return atoll(v);
}

/* The PostgreSQL fallback: one upsert; -1 when that fails too. */
static long long
db_count(struct arena *a, const char *key, long long index, int add)
{
	char		 idx[32], inc[8];
	PGresult	*res;

	snprintf(idx, sizeof(idx), "%lld", index);
	snprintf(inc, sizeof(inc), "%d", add);
	res = db_q(a, "INSERT INTO rate_counters (key, window_start, count) "
	    "VALUES ($1, $2, $3) ON CONFLICT (key, window_start) "
	    "DO UPDATE SET count = rate_counters.count + $3 "
	    "RETURNING count", 3, key, idx, inc);
	return res ? db_int(res, 0, 0) : -1;
}

static int
check(struct arena *a, const char *key, int limit, int window,
    enum rl_fallback fb, int count_it)
{
	struct window	 w = current(window);
	const char	*kc = arena_printf(a, "rl:%s:%lld", key, w.index);
	const char	*kp = arena_printf(a, "rl:%s:%lld", key, w.index - 1);
	long long	 prev, cur;

	prev = mc_count(a, kp);
	if (prev >= 0)
		cur = count_it ? cache_incr(kc, 1, 1, 2 * window) :
		    mc_count(a, kc);
	else
		cur = -1;
	if (prev < 0 || cur < 0) {
		if (fb == RL_FAIL_OPEN)
			return 0;
		prev = db_count(a, key, w.index - 1, 0);
		cur = db_count(a, key, w.index, count_it);
		if (prev < 0 || cur < 0)
			return 0;	/* nothing left to count with */
	}
	if (!count_it)
		cur++;			/* as if this hit were counted */
	if (estimate(prev, cur, &w) <= limit)
		return 0;
	if (count_it && cache_up())
		cache_decr(kc, 1);
	metrics_inc(M_RATE_LIMITED);
	return wait_seconds(prev, cur - 1, limit, window, &w);
}

int
ratelimit_hit(struct arena *a, const char *key, int limit, int window,
    enum rl_fallback fb)
{
	return check(a, key, limit, window, fb, 1);
}

int
ratelimit_peek(struct arena *a, const char *key, int limit, int window,
    enum rl_fallback fb)
{
	return check(a, key, limit, window, fb, 0);
}

void
ratelimit_clear(struct arena *a, const char *key, int window)
{
	struct window	 w = current(window);

	cache_delete(arena_printf(a, "rl:%s:%lld", key, w.index));
	cache_delete(arena_printf(a, "rl:%s:%lld", key, w.index - 1));
	db_q(a, "DELETE FROM rate_counters WHERE key = $1", 1, key);
}

int
ratelimit_reply(struct request *r, int retry_after)
{
	char	 s[16];

	snprintf(s, sizeof(s), "%d", retry_after);
	resp_error(r, 429, "rate_limited", arena_printf(r->a,
	    "too many attempts; try again in %d second%s", retry_after,
	    retry_after == 1 ? "" : "s"), json_pack("{s:i}",
	    "retry_after", retry_after));
	resp_header(r, "Retry-After", s);
	return -1;
}
