/*
 * The Users section of the JSON API: create_account, authenticate
 * (HTTP Basic in, bearer token out), logout and me.
 */
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "core/config.h"
#include "core/request.h"
#include "core/validate.h"
#include "store/db.h"
#include "store/ratelimit.h"
#include "users/login.h"
#include "users/users.h"

const struct field users_create_fields[] = {
	{ "email", FT_EMAIL, 1, 0, 0, NULL, NULL },
	{ "password", FT_PASSWORD, 1, 1, 4096, NULL, NULL },
	{ "name", FT_STRING, 1, 1, 200, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static void
reply_with_session(struct request *r, int status, int64_t uid)
{
	struct new_session	 ns;
	json_t			*user;
	int			 rc;

	if (session_create(r->a, uid, 0, r, &ns) == -1 ||
	    (user = users_get_json(r->a, uid, &rc)) == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	resp_json(r, status, json_pack("{s:o,s:s,s:s}", "user", user,
	    "token", ns.token, "expires_at", ns.expires_at));
}

/* POST /v1/users/create_account: 201, 400, 409 email_taken, 429. */
void
users_api_create_account(struct request *r)
{
	const char	*problem;
	int64_t		 uid;
	int		 wait;

	if ((wait = register_limited(r)) > 0) {
		ratelimit_reply(r, wait);
		return;
	}
	if ((problem = password_problem(in_str(r, "password"))) != NULL) {
		resp_invalid(r, json_pack("{s:s}", "password", problem));
		return;
	}
	switch (users_register(r->a, in_str(r, "email"),
	    in_str(r, "password"), in_str(r, "name"), &uid)) {
	case USERS_OK:
		reply_with_session(r, 201, uid);
		return;
	case USERS_EMAIL_TAKEN:
		resp_error(r, 409, "email_taken",
		    "an account with this e-mail address already exists", NULL);
		return;
	default:
		db_fail_reply(r, DB_ERROR);
	}
}

/* Decodes "Basic base64(email:password)" into the arena. */
static int
basic_credentials(struct request *r, const char **email, const char **pw)
{
	const char	*h = req_param(r, "HTTP_AUTHORIZATION");
	unsigned char	*bin;
	size_t		 len, binlen;
	char		*colon, *s;

	if (h == NULL || strncasecmp(h, "Basic ", 6) != 0)
		return -1;
	h += 6;
	len = strlen(h);
	if (len == 0 || len > 4096)
		return -1;
	bin = arena_alloc(r->a, len + 1);
	if (sodium_base642bin(bin, len, h, len, NULL, &binlen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	bin[binlen] = '\0';
	s = (char *)bin;
	if (strlen(s) != binlen || (colon = strchr(s, ':')) == NULL)
		return -1;
	*colon = '\0';
	*email = s;
	*pw = colon + 1;
	return 0;
}

/* GET /v1/users/authenticate: 200 with a token, 401, 429. */
void
users_api_authenticate(struct request *r)
{
	const char	*email, *pw;
	int64_t		 uid;

	if (basic_credentials(r, &email, &pw) == -1) {
		resp_error(r, 401, "invalid_credentials",
		    "send your e-mail and password with HTTP Basic "
		    "authentication", NULL);
		resp_header(r, "WWW-Authenticate",
		    "Basic realm=\"marquee\", charset=\"UTF-8\"");
		return;
	}
	if (login_or_reply(r, email, pw, &uid) == -1)
		return;
	reply_with_session(r, 200, uid);
}

/* POST /v1/users/logout: 204, and the token stops working. */
void
users_api_logout(struct request *r)
{
	if (session_revoke(r->a, r->session->id) == -1) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	if (r->session->via_cookie)
		session_clear_cookie(r);
	resp_empty(r, 204);
}

/* GET /v1/users/me */
void
users_api_me(struct request *r)
{
	json_t	*user;
	int	 rc;

	if ((user = users_get_json(r->a, r->user_id, &rc)) == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "user", user));
}
