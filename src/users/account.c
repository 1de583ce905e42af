/*
 * The account page: the user's name, password and active sessions.
 */
#include <string.h>

#include "core/request.h"
#include "store/db.h"
#include "users/users.h"

static json_t *
sessions_json(struct request *r)
{
	PGresult	*res;
	json_t		*list = json_array();
	int		 i;

	res = db_q(r->a, "SELECT id, rfc3339(created_at), rfc3339(last_seen_at), "
	    "user_agent, ip, kind FROM sessions WHERE user_id = $1 "
	    "AND revoked_at IS NULL AND expires_at > now() "
	    "AND idle_expires_at > now() ORDER BY last_seen_at DESC LIMIT 50",
	    1, arena_printf(r->a, "%lld", (long long)r->user_id));
	for (i = 0; res != NULL && i < PQntuples(res); i++)
		json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}",
		    "created_at", db_val(res, i, 1),
		    "last_seen_at", db_val(res, i, 2),
		    "user_agent", db_val(res, i, 3), "ip", db_val(res, i, 4),
		    "kind", db_val(res, i, 5),
		    "current", db_int(res, i, 0) == r->session->id));
	return list;
}

static void
render_account(struct request *r, int status, const char *field,
    const char *msg)
{
	json_t	*ctx, *errors = json_object();
	const char *saved = req_query(r, "saved");

	if (r->in_errors != NULL)
		json_object_update(errors, r->in_errors);
	if (field != NULL)
		json_object_set_new(errors, field, json_string(msg));
	ctx = json_pack("{s:s,s:s,s:s,s:o,s:o}", "name", r->session->name,
	    "email", r->session->email, "role", r->session->role,
	    "sessions", sessions_json(r), "errors", errors);
	if (saved != NULL && (strcmp(saved, "name") == 0 ||
	    strcmp(saved, "password") == 0 || strcmp(saved, "sessions") == 0))
		json_object_set_new(ctx, "saved", json_pack("{s:b}", saved, 1));
	resp_page(r, status, "pages/account", ctx);
}

void
users_page_account(struct request *r)
{
	render_account(r, 200, NULL, NULL);
}

void
users_page_account_name(struct request *r)
{
	if (r->in_errors != NULL) {
		render_account(r, 400, NULL, NULL);
		return;
	}
	if (users_set_name(r->a, r->user_id, in_str(r, "name")) != USERS_OK) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	resp_redirect(r, 303, "/account?saved=name");
}

/* Changing the password ends every other session. */
void
users_page_account_password(struct request *r)
{
	const char	*problem;

	if (r->in_errors != NULL) {
		render_account(r, 400, NULL, NULL);
		return;
	}
	if ((problem = password_problem(in_str(r, "password"))) != NULL) {
		render_account(r, 400, "password", problem);
		return;
	}
	switch (users_change_password(r->a, r->user_id, in_str(r, "current"),
	    in_str(r, "password"))) {
	case USERS_OK:
		break;
	case USERS_BAD_CREDENTIALS:
		render_account(r, 400, "current", "is not your current password");
		return;
	default:
		db_fail_reply(r, DB_ERROR);
		return;
	}
	if (session_revoke_others(r->a, r->user_id, r->session->id) == -1) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	resp_redirect(r, 303, "/account?saved=password");
}

void
users_page_account_sessions(struct request *r)
{
	if (session_revoke_others(r->a, r->user_id, r->session->id) == -1) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	resp_redirect(r, 303, "/account?saved=sessions");
}
