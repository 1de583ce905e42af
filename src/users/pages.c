/*
 * The account pages: register, log in, log out, and the account page
 * (name, password, active sessions).  Forms keep what was typed (never
 * passwords) and show each error beside its field.
 */
#include <string.h>

#include "core/config.h"
#include "core/request.h"
#include "core/validate.h"
#include "store/db.h"
#include "store/ratelimit.h"
#include "users/login.h"
#include "users/users.h"
#include "notify/notify.h"

const struct field users_register_fields[] = {
	{ "email", FT_EMAIL, 1, 0, 0, NULL, NULL },
	{ "password", FT_PASSWORD, 1, 1, 4096, NULL, NULL },
	{ "name", FT_STRING, 1, 1, 200, NULL, NULL },
	{ "next", FT_STRING, 0, 0, 500, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field users_login_fields[] = {
	{ "email", FT_EMAIL, 1, 0, 0, NULL, NULL },
	{ "password", FT_PASSWORD, 1, 1, 4096, NULL, NULL },
	{ "next", FT_STRING, 0, 0, 500, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field users_name_fields[] = {
	{ "name", FT_STRING, 1, 1, 200, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field users_password_fields[] = {
	{ "current", FT_PASSWORD, 1, 1, 4096, NULL, NULL },
	{ "password", FT_PASSWORD, 1, 1, 4096, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

void
users_page_context(struct request *r, json_t *ctx)
{
	const struct session	*s = r->session;
	json_t			*me;
	int			 unread;

	/* Anonymous pages get a token only when they hold a form (see
	 * render_form), so that the rest set no cookie and stay cacheable. */
	if (s == NULL)
		return;
	if (s->via_cookie)
		json_object_set_new(ctx, "csrf", json_string(s->csrf));
	me = json_pack("{s:s,s:s,s:b}", "name", s->name, "email", s->email,
	    "is_admin", strcmp(s->role, "admin") == 0);
	/* Only a positive count shows a badge (0 is a truthy value). */
	if ((unread = notify_unread(r->a, s->user_id)) > 0)
		json_object_set_new(me, "unread", json_integer(unread));
	json_object_set_new(ctx, "me", me);
}

/* A local path to return to after logging in, never another site. */
static const char *
safe_next(const char *next)
{
	if (next == NULL || next[0] != '/' || next[1] == '/' ||
	    next[1] == '\\' || strpbrk(next, "\r\n") != NULL)
		return "/";
	return next;
}

/* The form's values and errors: what was typed, minus passwords. */
static json_t *
form_ctx(struct request *r, const char *const *keep)
{
	json_t		*form = json_object(), *errors = json_object();
	const char	*v, *key;
	json_t		*msg;
	size_t		 i;

	for (i = 0; keep[i] != NULL; i++)
		if ((v = kv_get(&r->form_kv, keep[i])) != NULL ||
		    (v = req_query(r, keep[i])) != NULL)
			json_object_set_new(form, keep[i], json_string(v));
	if (r->in_errors != NULL)
		json_object_foreach(r->in_errors, key, msg)
			json_object_set(errors, key, msg);
	return json_pack("{s:o,s:o}", "form", form, "errors", errors);
}

static void
render_form(struct request *r, int status, const char *tpl,
    const char *const *keep, const char *field, const char *msg)
{
	json_t	*ctx = form_ctx(r, keep);

	if (field != NULL)
		json_object_set_new(json_object_get(ctx, "errors"), field,
		    json_string(msg));
	if (status >= 400)
		json_object_set_new(ctx, "failed", json_true());
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	resp_page(r, status, tpl, ctx);
}

static const char *const register_keep[] = { "email", "name", "next", NULL };
static const char *const login_keep[] = { "email", "next", NULL };

void
users_page_register(struct request *r)
{
	if (r->session != NULL) {
		resp_redirect(r, 303, "/account");
		return;
	}
	render_form(r, 200, "pages/register", register_keep, NULL, NULL);
}

static void
start_web_session(struct request *r, int64_t uid, const char *next)
{
	struct new_session	 ns;

	if (session_create(r->a, uid, 1, r, &ns) == -1) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	session_set_cookie(r, &ns);
	resp_redirect(r, 303, safe_next(next));
}

void
users_page_register_post(struct request *r)
{
	const char	*problem;
	int64_t		 uid;
	int		 wait;

	if (r->in_errors != NULL) {
		render_form(r, 400, "pages/register", register_keep, NULL, NULL);
		return;
	}
	if ((wait = register_limited(r)) > 0) {
		ratelimit_reply(r, wait);
		return;
	}
	if ((problem = password_problem(in_str(r, "password"))) != NULL) {
		render_form(r, 400, "pages/register", register_keep,
		    "password", problem);
		return;
	}
	switch (users_register(r->a, in_str(r, "email"),
	    in_str(r, "password"), in_str(r, "name"), &uid)) {
	case USERS_OK:
		start_web_session(r, uid, in_str(r, "next"));
		return;
	case USERS_EMAIL_TAKEN:
		render_form(r, 409, "pages/register", register_keep, "email",
		    "already has an account; log in instead");
		return;
	default:
		db_fail_reply(r, DB_ERROR);
	}
}

void
users_page_login(struct request *r)
{
	if (r->session != NULL) {
		resp_redirect(r, 303, safe_next(req_query(r, "next")));
		return;
	}
	render_form(r, 200, "pages/login", login_keep, NULL, NULL);
}

void
users_page_login_post(struct request *r)
{
	int64_t	 uid;
	int	 rc;

	if (r->in_errors != NULL) {
		render_form(r, 400, "pages/login", login_keep, NULL, NULL);
		return;
	}
	rc = login_check(r, in_str(r, "email"), in_str(r, "password"), &uid, 1);
	if (rc == -2) {
		render_form(r, 401, "pages/login", login_keep, "password",
		    "does not match that e-mail address; try again");
		return;
	}
	if (rc == 0) {
		/* A new token at every log-in; the old cookie is dropped. */
		if (r->session != NULL)
			session_revoke(r->a, r->session->id);
		start_web_session(r, uid, in_str(r, "next"));
	}
}

void
users_page_logout_post(struct request *r)
{
	if (r->session != NULL)
		session_revoke(r->a, r->session->id);
	session_clear_cookie(r);
	resp_redirect(r, 303, "/");
}
