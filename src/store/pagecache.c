/*
 * Whole pages for nginx: their keys, and their purge (pagecache.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "store/cache.h"
#include "store/pagecache.h"

/* Days since 1970-01-01 of "YYYY-MM-DD" (exactly that), or -1. */
static long
date_days(const char *s)
{
	struct tm	 tm, back;
	time_t		 t;
	int		 i;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return -1;
	if (s[10] != '\0')
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	tm.tm_hour = 12;
	if ((t = timegm(&tm)) == (time_t)-1 || gmtime_r(&t, &back) == NULL ||
	    back.tm_mday != atoi(s + 8) || back.tm_mon != atoi(s + 5) - 1)
		return -1;		/* 2026-02-30 and the like */
	return (long)(t / 86400);
}

char *
page_cache_key(struct arena *a, const char *path, const char *query,
    int by_date)
{
	long	 d, today = (long)(time(NULL) / 86400);

	if (query == NULL || *query == '\0')
		return arena_printf(a, "page:%s", path);
	if (!by_date || strncmp(query, "date=", 5) != 0 ||
	    (d = date_days(query + 5)) < 0 || d < today - PAGE_DAYS_BEFORE ||
	    d > today + PAGE_DAYS_AFTER)
		return NULL;
	return arena_printf(a, "page:%s?%s", path, query);
}

void
page_cache_purge(struct arena *a, const char *const *paths, size_t n)
{
	/* A day more on each side: today may change while this runs. */
	enum { NDAYS = PAGE_DAYS_BEFORE + PAGE_DAYS_AFTER + 3 };
	long		 today = (long)(time(NULL) / 86400);
	char		 days[NDAYS][16];
	size_t		 nd = 0, i, j, k = 0;
	const char	**keys;
	struct tm	 tm;
	time_t		 t;

	/* memcached away or not configured: found out with one key. */
	if (n == 0 || cache_delete(arena_printf(a, "page:%s", paths[0])) != 0)
		return;
	for (i = 0; i < NDAYS; i++) {
		t = (time_t)(today - PAGE_DAYS_BEFORE - 1 + (long)i) * 86400;
		if (gmtime_r(&t, &tm) != NULL && strftime(days[nd],
		    sizeof(days[nd]), "%Y-%m-%d", &tm) != 0)
			nd++;
	}
	keys = arena_alloc(a, n * (nd + 1) * sizeof(*keys));
	for (i = 0; i < n; i++) {
		if (i > 0)	/* the first path's page is gone already */
			keys[k++] = arena_printf(a, "page:%s", paths[i]);
		for (j = 0; j < nd; j++)
			keys[k++] = arena_printf(a, "page:%s?date=%s",
			    paths[i], days[j]);
	}
	cache_delete_many(keys, k);
}
