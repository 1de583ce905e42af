/*
 * arena: everything a request allocates, freed by one call when it ends.
 *
 * Memory comes from a chain of blocks; non-memory resources (PGresult,
 * json_t, ...) are registered with arena_defer() and released, newest
 * first, by arena_reset().  The arena keeps its first block between
 * requests so that a worker's steady state allocates nothing.
 */
#ifndef MARQUEE_ARENA_H
#define MARQUEE_ARENA_H

#include <stddef.h>

struct arena_block;
struct arena_cleanup;

struct arena {
	struct arena_block	*blocks;
	struct arena_cleanup	*cleanups;
	size_t			 total;	/* bytes handed out since reset */
};

void	 arena_init(struct arena *);
/* Releases deferred resources and all blocks but the first. */
void	 arena_reset(struct arena *);
/* Releases everything. */
void	 arena_free(struct arena *);

void	*arena_alloc(struct arena *, size_t);		/* 16-aligned */
void	*arena_calloc(struct arena *, size_t, size_t);
char	*arena_strdup(struct arena *, const char *);
char	*arena_strndup(struct arena *, const char *, size_t);
char	*arena_printf(struct arena *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* Runs fn(p) at the next reset; returns p for chaining. */
void	*arena_defer(struct arena *, void (*fn)(void *), void *p);

#endif
