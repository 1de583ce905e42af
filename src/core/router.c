#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "request.h"
#include "router.h"

#define MAX_SEGMENTS	16

struct segment {
	const char	*text;		/* literal, or capture name */
	size_t		 len;
	int		 capture;
};

struct compiled {
	const struct route	*route;
	struct segment		 seg[MAX_SEGMENTS];
	size_t			 nseg;
	char			*name;
};

static struct compiled	*table;
static size_t		 ntable;

/* Splits a pattern into segments; -1 if it is malformed. */
static int
compile(struct compiled *c, const struct route *r)
{
	const char	*p = r->pattern, *e;
	struct buf	 name = BUF_INIT;
	unsigned	 m;

	if (p[0] != '/')
		return -1;
	c->route = r;
	c->nseg = 0;
	while (*p == '/') {
		p++;
		if (*p == '\0')
			break;
		if (c->nseg == MAX_SEGMENTS)
			return -1;
		e = strchr(p, '/');
		if (e == NULL)
			e = p + strlen(p);
		if (*p == '{') {
			if (e - p < 3 || e[-1] != '}')
				return -1;
			c->seg[c->nseg].text = p + 1;
			c->seg[c->nseg].len = (size_t)(e - p - 2);
			c->seg[c->nseg].capture = 1;
		} else {
			c->seg[c->nseg].text = p;
			c->seg[c->nseg].len = (size_t)(e - p);
			c->seg[c->nseg].capture = 0;
		}
		c->nseg++;
		p = e;
	}
	for (m = HTTP_GET; m <= HTTP_OPTIONS; m <<= 1)
		if (r->methods & m) {
			if (name.len)
				buf_addc(&name, '|');
			buf_adds(&name, http_method_name(m));
		}
	buf_printf(&name, " %s", r->pattern);
	c->name = buf_release(&name);
	return 0;
}

int
router_init(const struct route *routes, size_t n)
{
	size_t	 i;

	router_free();
	table = xcalloc(n, sizeof(*table));
	for (i = 0; i < n; i++) {
		if (compile(&table[i], &routes[i]) == -1) {
			ntable = i;
			router_free();
			return -1;
		}
		ntable = i + 1;
	}
	return 0;
}

void
router_free(void)
{
	size_t	 i;

	for (i = 0; i < ntable; i++)
		free(table[i].name);
	free(table);
	table = NULL;
	ntable = 0;
}

/* Whether path matches c; fills params when they are wanted. */
static int
match_path(struct arena *a, const struct compiled *c, const char *path,
    struct kvlist *params)
{
	const char	*p = path, *e;
	size_t		 i, len;

	if (c->nseg == 0)
		return strcmp(path, "/") == 0;
	for (i = 0; i < c->nseg; i++) {
		if (*p != '/')
			return 0;
		p++;
		e = strchr(p, '/');
		len = e ? (size_t)(e - p) : strlen(p);
		if (len == 0)
			return 0;
		if (!c->seg[i].capture) {
			if (len != c->seg[i].len ||
			    memcmp(p, c->seg[i].text, len) != 0)
				return 0;
		} else if (params != NULL) {
			params->v[params->n].key = arena_strndup(a,
			    c->seg[i].text, c->seg[i].len);
			params->v[params->n].val = arena_strndup(a, p, len);
			params->v[params->n].vlen = len;
			params->n++;
		}
		p += len;
	}
	/* A single trailing slash is not a different page. */
	return *p == '\0' || (p[0] == '/' && p[1] == '\0');
}

enum route_match
router_match(struct arena *a, const char *path, unsigned method,
    const struct route **route, unsigned *index, struct kvlist *params,
    unsigned *allowed)
{
	size_t		 i;
	unsigned	 want = method == HTTP_HEAD ? HTTP_GET : method;

	*allowed = 0;
	for (i = 0; i < ntable; i++) {
		if (!match_path(a, &table[i], path, NULL))
			continue;
		if (table[i].route->methods & (want | method)) {
			params->v = arena_calloc(a, MAX_SEGMENTS,
			    sizeof(*params->v));
			params->n = 0;
			match_path(a, &table[i], path, params);
			*route = table[i].route;
			*index = (unsigned)i + 1;
			return ROUTE_FOUND;
		}
		*allowed |= table[i].route->methods;
	}
	if (*allowed & HTTP_GET)
		*allowed |= HTTP_HEAD;
	return *allowed ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}

const char *
router_name(unsigned index)
{
	if (index == 0 || index > ntable)
		return "unmatched";
	return table[index - 1].name;
}

unsigned
router_count(void)
{
	return (unsigned)ntable + 1;
}

char *
router_allow(struct arena *a, unsigned methods)
{
	struct buf	 b = BUF_INIT;
	unsigned	 m;
	char		*s;

	for (m = HTTP_GET; m <= HTTP_OPTIONS; m <<= 1)
		if (methods & m) {
			if (b.len)
				buf_adds(&b, ", ");
			buf_adds(&b, http_method_name(m));
		}
	s = arena_strdup(a, b.data ? b.data : "");
	buf_free(&b);
	return s;
}
