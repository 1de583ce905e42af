/*
 * The route table: every page and endpoint, its methods, who may call it
 * and the inputs it declares.  The front function (core/worker.c) runs
 * each request through routing, session, authorization and validation
 * before the handler named here.
 */
#include <stdio.h>

#include <string.h>

#include "admin/admin.h"
#include "app/app.h"
#include "catalog/catalog.h"
#include "core/config.h"
#include "core/request.h"
#include "core/router.h"
#include "core/util.h"
#include "ops/ops.h"
#include "store/cache.h"
#include "store/db.h"
#include "users/users.h"
#include "view/render.h"

#define GET	HTTP_GET
#define POST	HTTP_POST
#define PUT	HTTP_PUT
#define DELETE	HTTP_DELETE

const struct route app_routes[] = {
	/* operations */
	{ GET, "/healthz", ops_healthz, AUTH_PUBLIC, 0, NULL, NULL },
	{ GET, "/readyz", ops_readyz, AUTH_PUBLIC, 0, NULL, NULL },
	{ GET, "/metrics", ops_metrics, AUTH_INTERNAL, 0, NULL, NULL },
	{ GET, "/v1/status", ops_status, AUTH_PUBLIC, 0, NULL, NULL },

	/* users: API */
	{ POST, "/v1/users/create_account", users_api_create_account,
	    AUTH_PUBLIC, 0, NULL, users_create_fields },
	{ GET, "/v1/users/authenticate", users_api_authenticate, AUTH_PUBLIC,
	    0, NULL, NULL },
	{ POST, "/v1/users/logout", users_api_logout, AUTH_USER, 0, NULL, NULL },
	{ GET, "/v1/users/me", users_api_me, AUTH_USER, 0, NULL, NULL },

	/* users: pages */
	{ GET, "/register", users_page_register, AUTH_PUBLIC, 0, NULL, NULL },
	{ POST, "/register", users_page_register_post, AUTH_PUBLIC,
	    RF_FORM_ERRORS, NULL, users_register_fields },
	{ GET, "/login", users_page_login, AUTH_PUBLIC, 0, NULL, NULL },
	{ POST, "/login", users_page_login_post, AUTH_PUBLIC, RF_FORM_ERRORS,
	    NULL, users_login_fields },
	{ POST, "/logout", users_page_logout_post, AUTH_PUBLIC, 0, NULL, NULL },
	{ GET, "/account", users_page_account, AUTH_USER, 0, NULL, NULL },
	{ POST, "/account/name", users_page_account_name, AUTH_USER,
	    RF_FORM_ERRORS, NULL, users_name_fields },
	{ POST, "/account/password", users_page_account_password, AUTH_USER,
	    RF_FORM_ERRORS, NULL, users_password_fields },
	{ POST, "/account/sessions", users_page_account_sessions, AUTH_USER,
	    0, NULL, NULL },

	/* admin panel */
	{ GET, "/admin", admin_dashboard, AUTH_ADMIN, 0, NULL, NULL },
	{ GET, "/admin/audit", admin_audit, AUTH_ADMIN, 0, NULL, NULL },

	/* catalog pages */
	{ GET, "/", catalog_home, AUTH_PUBLIC, RF_CACHEABLE, NULL, NULL },
};

const size_t app_nroutes = sizeof(app_routes) / sizeof(app_routes[0]);

int
app_worker_init(char *err, size_t errlen)
{
	if (router_init(app_routes, app_nroutes) == -1) {
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
	render_free();
	router_free();
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

static int
role_or_reply(struct request *r)
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
app_authorize_or_reply(struct request *r)
{
	if (role_or_reply(r) == -1)
		return -1;
	if (!(r->route->flags & RF_NO_CSRF) && !csrf_ok(r)) {
		resp_error(r, 403, "csrf_failed", "this form has expired or "
		    "did not come from this site; reload the page and try again",
		    NULL);
		return -1;
	}
	return 0;
}
