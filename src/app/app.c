/*
 * The application: the domains' route tables joined, per-worker set-up,
 * and the session and authorization steps that the front function
 * (core/worker.c) runs between routing and validation.
 */
#include <stdio.h>
#include <stdlib.h>

#include <string.h>
#include <strings.h>

#include "admin/admin.h"
#include "app/app.h"
#include "catalog/catalog.h"
#include "core/config.h"
#include "core/request.h"
#include "core/router.h"
#include "core/util.h"
#include "ops/ops.h"
#include "store/cache.h"
#include "store/pagecache.h"
#include "store/db.h"
#include "store/live.h"
#include "users/users.h"
#include "view/render.h"

/*
 * Each domain contributes a table of its routes; they are joined here in
 * this order, which is also the order of matching (a literal path must
 * come before a capture that would also match it).
 */
static const struct {
	const struct route	*routes;
	const size_t		*count;
} tables[] = {
	{ ops_routes, &ops_routes_count },
	{ users_routes, &users_routes_count },
	{ admin_routes, &admin_routes_count },
	{ seating_routes, &seating_routes_count },
	{ bookings_routes, &bookings_routes_count },
	{ bookings_pages_routes, &bookings_pages_routes_count },
	{ bookings_admin_routes, &bookings_admin_routes_count },
	{ notify_routes, &notify_routes_count },
	{ ratings_routes, &ratings_routes_count },
	{ catalog_routes, &catalog_routes_count },
};

static struct route	*all;

/* Joins the domains' tables into one for the router. */
static size_t
join_tables(void)
{
	size_t	 i, n = 0;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		n += *tables[i].count;
	free(all);
	all = xcalloc(n, sizeof(*all));
	for (n = 0, i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		memcpy(all + n, tables[i].routes,
		    *tables[i].count * sizeof(*all));
		n += *tables[i].count;
	}
	return n;
}



int
app_worker_init(char *err, size_t errlen)
{
	if (router_init(all, join_tables()) == -1) {
		snprintf(err, errlen, "bad route pattern");
		return -1;
	}
	if (render_init(cfg.templates, err, errlen) == -1)
		return -1;
	render_page_hook = users_page_context;
	passwords_load(cfg.passwords_file);
	/* A cache that is down now may come back: not fatal. */
	cache_init(cfg.memcached);
	return 0;
}

void
app_worker_exit(void)
{
	db_close();
	cache_close();
	live_close();
	render_free();
	router_free();
	free(all);
	all = NULL;
	passwords_free();
}

int
app_session_or_reply(struct request *r)
{
	return session_load_or_reply(r);
}

/* Pages send the anonymous to the log-in page and back again. */
static int
unauthorized_or_reply(struct request *r)
{
	if (req_wants_json(r)) {
		resp_error(r, 401, "unauthorized",
		    "sign in first: send a bearer token", NULL);
		resp_header(r, "WWW-Authenticate", "Bearer");
	} else if (r->method & (HTTP_GET | HTTP_HEAD))
		resp_redirect(r, 303, arena_printf(r->a, "/login?next=%s",
		    url_encode(r->a, r->uri)));
	else
		resp_error(r, 401, "unauthorized",
		    "your session has ended; log in again", NULL);
	return -1;
}

int
app_role_or_reply(struct request *r)
{
	switch (r->route->auth) {
	case AUTH_PUBLIC:
		return 0;
	case AUTH_INTERNAL:
		if (req_is_internal(r))
			return 0;
		resp_error(r, 403, "forbidden",
		    "this address is for internal use only", NULL);
		return -1;
	case AUTH_USER:
		return r->session ? 0 : unauthorized_or_reply(r);
	case AUTH_ADMIN:
	default:
		if (r->session == NULL)
			return unauthorized_or_reply(r);
		if (strcmp(r->session->role, "admin") == 0)
			return 0;
		resp_error(r, 403, "forbidden",
		    "this is for administrators only", NULL);
		return -1;
	}
}

int
app_csrf_or_reply(struct request *r)
{
	if (!(r->route->flags & RF_NO_CSRF) && !csrf_ok(r)) {
		resp_error(r, 403, "csrf_failed", "this form has expired or "
		    "did not come from this site; reload the page and try again",
		    NULL);
		return -1;
	}
	return 0;
}

/*
 * A page any anonymous visitor would get the same way (RF_CACHEABLE, no
 * session, nothing set in a cookie; no query string, or only a near date
 * for RF_CACHE_DATE: page_cache_key) is kept whole in memcached for
 * page_ttl seconds; nginx serves it from there without a worker
 * (nginx/marquee.conf.in, @page_cache) until it expires or a catalog
 * change purges it (page_cache_purge).
 */
void
app_after_response(struct request *r)
{
	const char	*key;
	size_t		 i;

	if (r->route == NULL || !(r->route->flags & RF_CACHEABLE) ||
	    r->method != HTTP_GET || r->session != NULL ||
	    r->resp.status != 200 || r->resp.not_whole || cfg.page_ttl <= 0 ||
	    (key = page_cache_key(r->a, r->path, r->query,
	    (r->route->flags & RF_CACHE_DATE) != 0)) == NULL)
		return;
	for (i = 0; i < r->resp.nheaders; i++)
		if (strcasecmp(r->resp.headers[i].name, "Set-Cookie") == 0)
			return;
	cache_set(key, r->resp.body->data, r->resp.body->len, cfg.page_ttl);
}
