#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "buf.h"

#define ARENA_BLOCK	(32 * 1024)
#define ARENA_ALIGN	16
#define ARENA_KEEP	(16 * ARENA_BLOCK)	/* kept between resets */

struct arena_block {
	struct arena_block	*next;
	size_t			 size;
	size_t			 used;
	/* data follows, aligned */
	max_align_t		 data[];
};

struct arena_cleanup {
	struct arena_cleanup	*next;
	void			(*fn)(void *);
	void			*p;
};

void
arena_init(struct arena *a)
{
	a->blocks = NULL;
	a->spare = NULL;
	a->cleanups = NULL;
	a->total = 0;
}

static void
run_cleanups(struct arena *a)
{
	struct arena_cleanup	*c = a->cleanups;

	/* Cleanup records live in the arena's blocks: run before freeing. */
	for (; c != NULL; c = c->next)
		c->fn(c->p);
	a->cleanups = NULL;
}

void
arena_reset(struct arena *a)
{
	struct arena_block	*b, *next;
	size_t			 kept = 0;

	run_cleanups(a);
	for (b = a->spare; b != NULL; b = b->next)
		kept += b->size;
	for (b = a->blocks; b != NULL; b = next) {
		next = b->next;
		if (b->size == ARENA_BLOCK && kept < ARENA_KEEP) {
			b->used = 0;
			b->next = a->spare;
			a->spare = b;
			kept += b->size;
		} else
			free(b);
	}
	a->blocks = NULL;
	a->total = 0;
}

static void
free_chain(struct arena_block *b)
{
	struct arena_block	*next;

	for (; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
}

void
arena_free(struct arena *a)
{
	run_cleanups(a);
	free_chain(a->blocks);
	free_chain(a->spare);
	arena_init(a);
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_block	*b = a->blocks;
	size_t			 size;
	void			*p;

	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (n == 0)
		n = ARENA_ALIGN;
	if (b == NULL || b->size - b->used < n) {
		size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		if (size == ARENA_BLOCK && a->spare != NULL) {
			b = a->spare;
			a->spare = b->next;
		} else {
			b = xmalloc(sizeof(*b) + size);
			b->size = size;
		}
		b->used = 0;
		if (a->blocks != NULL && n > ARENA_BLOCK) {
			/* An oversized block goes behind the current one. */
			b->next = a->blocks->next;
			a->blocks->next = b;
		} else {
			b->next = a->blocks;
			a->blocks = b;
		}
	}
	p = (char *)b->data + b->used;
	b->used += n;
	a->total += n;
	return p;
}

void *
arena_calloc(struct arena *a, size_t n, size_t sz)
{
	void	*p;

	if (sz != 0 && n > SIZE_MAX / sz)
		abort();
	p = arena_alloc(a, n * sz);
	memset(p, 0, n * sz);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char	*p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return arena_strdup(a, "");
	p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void *
arena_defer(struct arena *a, void (*fn)(void *), void *p)
{
	struct arena_cleanup	*c = arena_alloc(a, sizeof(*c));

	c->fn = fn;
	c->p = p;
	c->next = a->cleanups;
	a->cleanups = c;
	return p;
}

/*
 * jansson's allocator.  Each allocation carries a 16-byte header telling
 * where it came from, so that a value made outside an arena (at start-up)
 * and released inside one, or the other way round within a request, goes
 * back to the right place.
 */
#define JSON_FROM_HEAP	0x6865617021u
#define JSON_FROM_ARENA	0x6172656e61u

static struct arena	*json_arena;
static int		 json_hooked;	/* arena_json_setup() was called */

static void *
json_alloc(size_t n)
{
	size_t	*h;

	if (n > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	if (json_arena != NULL) {
		h = arena_alloc(json_arena, n + ARENA_ALIGN);
		h[0] = JSON_FROM_ARENA;
	} else {
		if ((h = malloc(n + ARENA_ALIGN)) == NULL)
			return NULL;
		h[0] = JSON_FROM_HEAP;
	}
	return (char *)h + ARENA_ALIGN;
}

void
arena_json_free(void *p)
{
	size_t	*h;

	if (p == NULL)
		return;
	if (!json_hooked) {
		free(p);
		return;
	}
	h = (size_t *)(void *)((char *)p - ARENA_ALIGN);
	if (h[0] == JSON_FROM_HEAP)
		free(h);
	else if (h[0] != JSON_FROM_ARENA)
		abort();	/* not jansson's: a free() mix-up */
}

void
arena_json_setup(void)
{
	json_set_alloc_funcs(json_alloc, arena_json_free);
	json_hooked = 1;
}

void
arena_json_begin(struct arena *a)
{
	json_arena = a;
}

void
arena_json_end(void)
{
	json_arena = NULL;
}
