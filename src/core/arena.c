#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"

#define ARENA_BLOCK	(32 * 1024)
#define ARENA_ALIGN	16

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

	run_cleanups(a);
	if (a->blocks == NULL)
		return;
	/* Keep the oldest (last) block: it is the standard size. */
	for (b = a->blocks; b->next != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->blocks = b;
	b->used = 0;
	a->total = 0;
}

void
arena_free(struct arena *a)
{
	struct arena_block	*b, *next;

	run_cleanups(a);
	for (b = a->blocks; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
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
		b = xmalloc(sizeof(*b) + size);
		b->size = size;
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
