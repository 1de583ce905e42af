/*
 * ratelimit: sliding-window counters shared by every worker.
 *
 * The count in the current window plus the previous window's count
 * weighted by how much of it still overlaps the sliding window.  Counters
 * live in memcached; when it is away a limit either fails open (most
 * routes) or falls back to PostgreSQL (log-in, where an attacker would
 * love the cache to be down).
 */
#ifndef MARQUEE_RATELIMIT_H
#define MARQUEE_RATELIMIT_H

struct arena;
struct request;

enum rl_fallback {
	RL_FAIL_OPEN,		/* memcached down: allow */
	RL_FALLBACK_DB		/* memcached down: count in PostgreSQL */
};

/*
 * Counts one hit of key ("login-ip:203.0.113.9") against limit per
 * window seconds.  Returns 0 when allowed, else the seconds until a hit
 * would be allowed again (the hit is then not counted).
 */
int	 ratelimit_hit(struct arena *, const char *key, int limit, int window,
	    enum rl_fallback);
/* The same without counting: whether key is over its limit now. */
int	 ratelimit_peek(struct arena *, const char *key, int limit, int window,
	    enum rl_fallback);
/* Forgets key's current window (a successful log-in). */
void	 ratelimit_clear(struct arena *, const char *key, int window);
/* Answers 429 rate_limited with Retry-After; always returns -1. */
int	 ratelimit_reply(struct request *, int retry_after);

#endif
