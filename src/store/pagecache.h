/*
 * pagecache: whole pages kept in memcached for nginx, which serves them to
 * anonymous visitors without a worker (nginx/marquee.conf.in, @page_cache,
 * key "page:$uri$is_args$args").  The app keeps a page under
 * page_cache_key() after answering it (app_after_response) and a catalog
 * change purges them with page_cache_purge().
 */
#ifndef MARQUEE_PAGECACHE_H
#define MARQUEE_PAGECACHE_H

#include <stddef.h>

struct arena;

/* Dated pages kept: from this many days before today (UTC) to after. */
#define PAGE_DAYS_BEFORE	1
#define PAGE_DAYS_AFTER		15

/*
 * "page:" and the request's path, with "?date=YYYY-MM-DD" when that is
 * the whole query (by_date: the page takes a date) and the date lies
 * within the days kept.  NULL: the page is not kept.
 */
char	*page_cache_key(struct arena *, const char *path, const char *query,
	    int by_date);
/* Deletes the pages of n paths and every dated page of them that may be
 * kept, in one burst (cache_delete_many). */
void	 page_cache_purge(struct arena *, const char *const *paths, size_t n);

#endif
