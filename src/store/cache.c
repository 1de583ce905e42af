#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmemcached/memcached.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/util.h"
#include "store/cache.h"

/* A server that fails is skipped for this long before it is retried. */
#define RETRY_SECONDS	2
/*
 * The largest value stored: memcached's default item size (1 MiB) less
 * room for the key and the item header.  A larger one is not stored (the
 * caller answers from PostgreSQL each time); it is not a failure of the
 * server, so memcached stays in use for everything else.
 */
#define VALUE_MAX	(1024 * 1024 - 4096)

static memcached_st	*mc;
static char		*servers_conf;	/* what cache_init was given */
static int		 last_ok = 1;
/*
 * After a failure, reads and fills (cache_get, cache_set, and reading a
 * generation: cache_incr by 0) are not tried again for a second: a request
 * then costs no connection attempt while memcached is away.  Changes
 * (delete, increments) are always tried, so that no invalidation is lost
 * to a failure of a moment ago.
 */
static int64_t		 skip_until;	/* CLOCK_MONOTONIC, in µs */

/* Logs and counts a failure the first time in a row it happens. */
static void
failed(const char *op, memcached_return_t rc)
{
	metrics_inc(M_CACHE_ERRORS);
	if (last_ok)
		log_msg(LOG_WARN, "memcached %s failed: %s", op,
		    mc ? memcached_strerror(mc, rc) : "not configured");
	last_ok = 0;
	skip_until = now_usec() + 1000000;
}

static int
skipping(void)
{
	return !last_ok && now_usec() < skip_until;
}

/*
 * libmemcached sets a server aside for RETRY_SECONDS after it failed and
 * answers "temporarily disabled" without trying it, even when memcached is
 * back already.  For reads that is the point; an invalidation must not be
 * lost to it (other workers may be reading the old entries again), so a
 * change that meets it is tried once more through a fresh client.
 */
static int
set_aside(memcached_return_t rc)
{
	char	*conf;

	if ((rc != MEMCACHED_SERVER_TEMPORARILY_DISABLED &&
	    rc != MEMCACHED_SERVER_MARKED_DEAD) || servers_conf == NULL)
		return 0;
	conf = servers_conf;
	servers_conf = NULL;		/* cache_init frees it otherwise */
	if (cache_init(conf) != 0) {
		free(conf);
		return 0;
	}
	free(conf);
	return 1;
}

int
cache_init(const char *servers)
{
	memcached_server_st	*list;
	memcached_return_t	 rc;

	cache_close();
	if ((servers_conf = strdup(servers)) == NULL)
		return -1;
	mc = memcached_create(NULL);
	if (mc == NULL)
		return -1;
	/* Increments that create their key need the binary protocol. */
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_DISTRIBUTION,
	    MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, 100);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, 200);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT,
	    RETRY_SECONDS);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_NO_BLOCK, 1);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, 2);
	list = memcached_servers_parse(servers);
	if (list == NULL) {
		log_msg(LOG_WARN, "memcached: no servers in '%s'", servers);
		return -1;
	}
	rc = memcached_server_push(mc, list);
	memcached_server_list_free(list);
	if (rc != MEMCACHED_SUCCESS) {
		failed("server list", rc);
		return -1;
	}
	return 0;
}

void
cache_close(void)
{
	if (mc != NULL)
		memcached_free(mc);
	mc = NULL;
	free(servers_conf);
	servers_conf = NULL;
}

char *
cache_get(struct arena *a, const char *key, size_t *len)
{
	memcached_return_t	 rc;
	uint32_t		 flags;
	size_t			 n;
	char			*v, *out;

	if (mc == NULL)
		return NULL;
	if (skipping()) {
		metrics_inc(M_CACHE_MISSES);
		return NULL;
	}
	v = memcached_get(mc, key, strlen(key), &n, &flags, &rc);
	if (v == NULL) {
		if (rc == MEMCACHED_NOTFOUND) {
			last_ok = 1;
			metrics_inc(M_CACHE_MISSES);
		} else {
			failed("get", rc);
			metrics_inc(M_CACHE_MISSES);
		}
		return NULL;
	}
	last_ok = 1;
	metrics_inc(M_CACHE_HITS);
	out = arena_strndup(a, v, n);
	free(v);
	if (len != NULL)
		*len = n;
	return out;
}

int
cache_set(const char *key, const char *val, size_t len, int ttl)
{
	memcached_return_t	 rc;

	if (mc == NULL || skipping())
		return -1;
	if (len > VALUE_MAX) {
		metrics_inc(M_CACHE_TOO_LARGE);
		return -1;
	}
	rc = memcached_set(mc, key, strlen(key), val, len, (time_t)ttl, 0);
	if (rc == MEMCACHED_E2BIG) {	/* a server with a smaller limit */
		last_ok = 1;		/* it answered */
		metrics_inc(M_CACHE_TOO_LARGE);
		return -1;
	}
	if (rc != MEMCACHED_SUCCESS && rc != MEMCACHED_BUFFERED) {
		failed("set", rc);
		return -1;
	}
	last_ok = 1;
	return 0;
}

int
cache_delete(const char *key)
{
	memcached_return_t	 rc;

	if (mc == NULL)
		return -1;
	rc = memcached_delete(mc, key, strlen(key), 0);
	if (set_aside(rc))
		rc = memcached_delete(mc, key, strlen(key), 0);
	if (rc != MEMCACHED_SUCCESS && rc != MEMCACHED_NOTFOUND &&
	    rc != MEMCACHED_BUFFERED) {
		failed("delete", rc);
		return -1;
	}
	last_ok = 1;
	return 0;
}

int64_t
cache_incr(const char *key, uint64_t delta, uint64_t initial, int ttl)
{
	memcached_return_t	 rc;
	uint64_t		 v;

	if (mc == NULL || (delta == 0 && skipping()))
		return -1;
	rc = memcached_increment_with_initial(mc, key, strlen(key), delta,
	    initial, (time_t)ttl, &v);
	if (delta > 0 && set_aside(rc))
		rc = memcached_increment_with_initial(mc, key, strlen(key),
		    delta, initial, (time_t)ttl, &v);
	if (rc != MEMCACHED_SUCCESS) {
		failed("incr", rc);
		return -1;
	}
	last_ok = 1;
	return (int64_t)v;
}

int64_t
cache_decr(const char *key, uint64_t delta)
{
	memcached_return_t	 rc;
	uint64_t		 v;

	if (mc == NULL)
		return -1;
	rc = memcached_decrement(mc, key, strlen(key), (uint32_t)delta, &v);
	if (set_aside(rc))
		rc = memcached_decrement(mc, key, strlen(key),
		    (uint32_t)delta, &v);
	if (rc != MEMCACHED_SUCCESS && rc != MEMCACHED_NOTFOUND) {
		failed("decr", rc);
		return -1;
	}
	last_ok = 1;
	return rc == MEMCACHED_SUCCESS ? (int64_t)v : 0;
}

int
cache_up(void)
{
	return mc != NULL && last_ok;
}

int
cache_ping(void)
{
	memcached_return_t	 rc;
	memcached_stat_st	*st;

	if (mc == NULL)
		return 0;
	st = memcached_stat(mc, NULL, &rc);
	if (st != NULL)
		memcached_stat_free(mc, st);
	last_ok = rc == MEMCACHED_SUCCESS;
	return last_ok;
}

uint64_t
cache_generation(const char *ns)
{
	char		 key[128];
	int64_t		 g;

	snprintf(key, sizeof(key), "gen:%s", ns);
	g = cache_incr(key, 0, (uint64_t)time(NULL), 0);
	return g < 0 ? 0 : (uint64_t)g;
}

void
cache_bump(const char *ns)
{
	char	 key[128];

	snprintf(key, sizeof(key), "gen:%s", ns);
	if (cache_incr(key, 1, (uint64_t)time(NULL), 0) < 0)
		log_msg(LOG_WARN, "could not bump cache generation %s", ns);
}

char *
cache_gen_key(struct arena *a, const char *ns, const char *suffix)
{
	uint64_t	 g = cache_generation(ns);

	/* Nothing is read or kept under a generation that is not known. */
	if (g == 0)
		return NULL;
	return arena_printf(a, "%s:g%llu:%s", ns, (unsigned long long)g,
	    suffix);
}
