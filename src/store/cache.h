/*
 * cache: memcached through libmemcached, ketama consistent hashing over
 * the configured servers, short timeouts.  The cache is never the only
 * copy of anything: every failure is logged, counted and treated as a
 * miss, and the caller goes on to PostgreSQL.
 */
#ifndef MARQUEE_CACHE_H
#define MARQUEE_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct arena;

int	 cache_init(const char *servers);
void	 cache_close(void);
/* The value (NUL-terminated, in the arena) or NULL on a miss. */
char	*cache_get(struct arena *, const char *key, size_t *len);
int	 cache_set(const char *key, const char *val, size_t len, int ttl);
int	 cache_delete(const char *key);
/* Deletes n keys in one pipelined burst, done when it returns; 0 or -1. */
int	 cache_delete_many(const char *const *keys, size_t n);
/* Adds delta to a counter created at initial; -1 on failure. */
int64_t	 cache_incr(const char *key, uint64_t delta, uint64_t initial,
	    int ttl);
/* Subtracts delta (stopping at 0); -1 on failure. */
int64_t	 cache_decr(const char *key, uint64_t delta);
/* Whether the last operation reached a server. */
int	 cache_up(void);
/* Checks every server now: 1 if all answer. */
int	 cache_ping(void);

/*
 * Generations: every key built with cache_gen_key() carries the current
 * generation of its namespace ("catalog"), so bumping the generation
 * makes all of them unreachable at once.  Build the key before reading
 * PostgreSQL: a value read before a change committed then lands under the
 * generation the change's bump leaves behind, never under the new one.
 */
uint64_t cache_generation(const char *ns);
void	 cache_bump(const char *ns);
/* "ns:g<gen>:<suffix>" in the arena; NULL while the generation cannot be
 * read (memcached away): the caller then neither reads nor keeps. */
char	*cache_gen_key(struct arena *, const char *ns, const char *suffix);

#endif
