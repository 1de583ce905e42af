/*
 * arena: everything a request allocates, freed by one call when it ends.
 *
 * Memory comes from a chain of blocks; non-memory resources (PGresult,
 * json_t, ...) are registered with arena_defer() and released, newest
 * first, by arena_reset().  The arena keeps up to ARENA_KEEP bytes of
 * standard blocks between requests so that a worker's steady state
 * allocates nothing.
 */
#ifndef MARQUEE_ARENA_H
#define MARQUEE_ARENA_H

#include <stddef.h>

struct arena_block;
struct arena_cleanup;

struct arena {
	struct arena_block	*blocks;
	struct arena_block	*spare;	/* standard blocks kept for reuse */
	struct arena_cleanup	*cleanups;
	size_t			 total;	/* bytes handed out since reset */
};

void	 arena_init(struct arena *);
/* Releases deferred resources; keeps up to ARENA_KEEP bytes of blocks. */
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

/*
 * jansson's memory.  Between arena_json_begin(a) and arena_json_end(),
 * every json_t (and every string jansson builds) comes from a: decrefs
 * free nothing and arena_reset() takes it all back at once, which is most
 * of what a page costs in malloc and free.  Outside, jansson uses malloc.
 * Values made inside must not outlive the arena's next reset; strings
 * from json_dumps() are released with arena_json_free(), never free().
 */
void	 arena_json_setup(void);		/* once, before any json_t */
void	 arena_json_begin(struct arena *);
void	 arena_json_end(void);
void	 arena_json_free(void *);

#endif
