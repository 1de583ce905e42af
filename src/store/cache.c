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
static memcached_st	*mq;		/* for cache_delete_many */
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
 * Whether a change (delete, increment, decrement) that failed with rc is
 * worth one more try, and gets ready for it.  An invalidation must not be
 * lost while memcached answers (other workers may be reading the old
 * entries), and two failures come from before a restart of memcached:
 * the first use of a connection to the old process fails (libmemcached
 * connects anew on the next), and libmemcached sets a server that failed
 * aside for RETRY_SECONDS, answering "temporarily disabled" without trying
 * it even when memcached is back already: then a fresh client.  While
 * memcached is really away this costs a change two quick connection
 * attempts (a catalog change makes three changes before it gives up).
 */
static int
try_again(memcached_return_t rc)
{
	switch (rc) {
	case MEMCACHED_CONNECTION_FAILURE:
	case MEMCACHED_ERRNO:		/* "system error" */
	case MEMCACHED_WRITE_FAILURE:
	case MEMCACHED_READ_FAILURE:
	case MEMCACHED_UNKNOWN_READ_FAILURE:
		return 1;
	case MEMCACHED_SERVER_TEMPORARILY_DISABLED:
	case MEMCACHED_SERVER_MARKED_DEAD:
		break;
	default:
		return 0;
	}
	return servers_conf != NULL && cache_init(servers_conf) == 0;
}

/* A client of the servers (ketama: both clients put a key on one server). */
static memcached_st *
client(const char *servers, int binary)
{
	memcached_server_st	*list;
	memcached_return_t	 rc;
	memcached_st		*c;

	if ((c = memcached_create(NULL)) == NULL)
		return NULL;
	memcached_behavior_set(c, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL,
	    (uint64_t)binary);
	memcached_behavior_set(c, MEMCACHED_BEHAVIOR_DISTRIBUTION,
	    MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA);
	memcached_behavior_set(c, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, 100);
	memcached_behavior_set(c, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, 200);
	memcached_behavior_set(c, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT,
	    RETRY_SECONDS);
	memcached_behavior_set(c, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
	memcached_behavior_set(c, MEMCACHED_BEHAVIOR_NO_BLOCK, 1);
	memcached_behavior_set(c, MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, 2);
	if ((list = memcached_servers_parse(servers)) == NULL) {
		log_msg(LOG_WARN, "memcached: no servers in '%s'", servers);
		memcached_free(c);
		return NULL;
	}
	rc = memcached_server_push(c, list);
	memcached_server_list_free(list);
	if (rc != MEMCACHED_SUCCESS) {
		failed("server list", rc);
		memcached_free(c);
		return NULL;
	}
	return c;
}

int
cache_init(const char *servers)
{
	char	*conf = strdup(servers);	/* servers may be servers_conf */

	cache_close();
	servers_conf = conf;
	if (servers_conf == NULL)
		return -1;
	/* Increments that create their key need the binary protocol; the
	 * client of cache_delete_many speaks text. */
	if ((mc = client(servers_conf, 1)) == NULL ||
	    (mq = client(servers_conf, 0)) == NULL)
		return -1;
	return 0;
}

void
cache_close(void)
{
	if (mc != NULL)
		memcached_free(mc);
	if (mq != NULL)
		memcached_free(mq);
	mc = mq = NULL;
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
	if (try_again(rc))
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
	if (delta > 0 && try_again(rc))
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
	if (try_again(rc))
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

/*
 * Many deletes at once (a catalog change purges some twenty keys for
 * every movie and theatre; one round trip each made that half a second
 * on a large catalog).  They go through a text-protocol client with
 * "noreply" (the server answers none of them: in the binary protocol a
 * quiet delete of a missing key still answers "not found", which
 * libmemcached would take for the answer to a later request), and a
 * "stats" request to every server afterwards, answered only once the
 * deletes before it on the same connection are done, makes them complete
 * when this returns.  (memcached_version() asks a server once and then
 * remembers; memcached_verbosity() answered before the deletes were
 * done.)  delete_quietly() is one such pass.
 */
static memcached_return_t
delete_quietly(const char *const *keys, size_t n)
{
	memcached_return_t	 rc = MEMCACHED_SUCCESS;
	memcached_stat_st	*st;
	size_t			 i;

	memcached_behavior_set(mq, MEMCACHED_BEHAVIOR_NOREPLY, 1);
	for (i = 0; i < n && (rc == MEMCACHED_SUCCESS ||
	    rc == MEMCACHED_BUFFERED); i++)
		rc = memcached_delete(mq, keys[i], strlen(keys[i]), 0);
	memcached_behavior_set(mq, MEMCACHED_BEHAVIOR_NOREPLY, 0);
	if (rc != MEMCACHED_SUCCESS && rc != MEMCACHED_BUFFERED)
		return rc;
	if ((st = memcached_stat(mq, NULL, &rc)) != NULL)
		memcached_stat_free(mq, st);
	return rc;
}

int
cache_delete_many(const char *const *keys, size_t n)
{
	memcached_return_t	 rc;

	if (mc == NULL || mq == NULL)
		return -1;
	if (n == 0)
		return 0;
	/* The first through cache_delete: it brings a set-aside server back,
	 * and a memcached that is away costs no more than that. */
	if (cache_delete(keys[0]) != 0)
		return -1;
	if (n == 1)
		return 0;
	/* Deletes can be repeated: once more when the connection failed. */
	if ((rc = delete_quietly(keys + 1, n - 1)) != MEMCACHED_SUCCESS &&
	    (!try_again(rc) ||
	    (rc = delete_quietly(keys + 1, n - 1)) != MEMCACHED_SUCCESS)) {
		failed("delete (many)", rc);
		return -1;
	}
	return 0;
}
