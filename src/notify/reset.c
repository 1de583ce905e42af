/*
 * Password reset: a one-time link by e-mail.  The token is 32 random
 * bytes of which only a hash is kept; it is valid 30 minutes, once, and
 * using it ends every session of the account.  The request page answers
 * the same whether or not the address has an account.
 */
#include <string.h>

#include <sodium.h>

#include "core/request.h"
#include "core/util.h"
#include "notify/notify.h"
#include "store/db.h"
#include "store/ratelimit.h"
#include "users/login.h"
#include "users/users.h"

const struct field notify_forgot_fields[] = {
	{ "email", FT_EMAIL, 1, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field notify_reset_fields[] = {
	{ "token", FT_STRING, 1, 1, 100, NULL, NULL },
	{ "password", FT_PASSWORD, 1, 1, 4096, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static void
forgot_form(struct request *r, int status, int sent, const char *error)
{
	json_t	*ctx = json_pack("{s:s,s:b}", "csrf", csrf_token(r), "sent", sent);

	if (error != NULL)
		json_object_set_new(ctx, "error", json_string(error));
	resp_page(r, status, "pages/forgot", ctx);
}

void
notify_page_forgot(struct request *r)
{
	forgot_form(r, 200, 0, NULL);
}

static const char *
new_token(struct arena *a)
{
	unsigned char	 raw[32];
	size_t		 n = sodium_base64_ENCODED_LEN(sizeof(raw),
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char		*out = arena_alloc(a, n);

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, n, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

struct forgot {
	const char	*email;
	const char	*token;
};

static int
forgot_tx(struct arena *a, void *ctx)
{
	struct forgot	*f = ctx;
	PGresult	*res;

	res = db_q(a, "SELECT id FROM users WHERE lower(email) = lower($1)", 1,
	    f->email);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return 0;	/* said the same way below */
	return db_q(a, "INSERT INTO password_resets (token_hash, user_id, "
	    "expires_at) VALUES ($1, $2, now() + interval '30 minutes')", 2,
	    token_hash(a, f->token), db_val(res, 0, 0)) &&
	    db_q(a, "INSERT INTO outbox (kind, payload) VALUES ('password_reset', "
	    "jsonb_build_object('user_id', $1::bigint, 'token', $2::text))", 2,
	    db_val(res, 0, 0), f->token) ? 0 : -1;
}

void
notify_page_forgot_post(struct request *r)
{
	struct forgot	 f;
	int		 wait, rc;

	if (r->in_errors != NULL) {
		forgot_form(r, 400, 0, "Enter the e-mail address of your account.");
		return;
	}
	if ((wait = register_limited(r)) > 0) {
		ratelimit_reply(r, wait);
		return;
	}
	f.email = in_str(r, "email");
	f.token = new_token(r->a);
	rc = db_tx(r->a, DB_READ_COMMITTED, forgot_tx, &f);
	if (rc != DB_OK) {
		db_fail_reply(r, rc);
		return;
	}
	forgot_form(r, 200, 1, NULL);
}

static void
reset_form(struct request *r, int status, const char *token,
    const char *error, int expired)
{
	json_t	*ctx = json_pack("{s:s,s:s,s:b}", "csrf", csrf_token(r),
		    "token", token ? token : "", "expired", expired);

	if (error != NULL)
		json_object_set_new(ctx, "error", json_string(error));
	resp_page(r, status, "pages/reset", ctx);
}

/* The account of a live token, 0 when none, -1 on a database failure. */
static int64_t
token_user(struct arena *a, const char *token)
{
	PGresult	*res;

	if (token == NULL || strlen(token) > 100)
		return 0;
	res = db_q(a, "SELECT user_id FROM password_resets WHERE token_hash = $1 "
	    "AND used_at IS NULL AND expires_at > now()", 1,
	    token_hash(a, token));
	if (res == NULL)
		return -1;
	return PQntuples(res) == 1 ? db_int(res, 0, 0) : 0;
}

void
notify_page_reset(struct request *r)
{
	const char	*token = req_query(r, "token");
	int64_t		 uid = token_user(r->a, token);

	if (uid < 0)
		db_fail_reply(r, DB_ERROR);
	else
		reset_form(r, uid ? 200 : 410, token, NULL, uid == 0);
}

struct reset {
	const char	*token;
	const char	*hash;
	int		 used;
};

static int
reset_tx(struct arena *a, void *ctx)
{
	struct reset	*z = ctx;
	PGresult	*res;

	res = db_q(a, "UPDATE password_resets SET used_at = now() WHERE "
	    "token_hash = $1 AND used_at IS NULL AND expires_at > now() "
	    "RETURNING user_id", 1, token_hash(a, z->token));
	if (res == NULL)
		return -1;
	if ((z->used = PQntuples(res)) == 0)
		return DB_ABORT;
	return db_q(a, "UPDATE users SET password_hash = $2, updated_at = now() "
	    "WHERE id = $1", 2, db_val(res, 0, 0), z->hash) &&
	    db_q(a, "UPDATE sessions SET revoked_at = now() WHERE user_id = $1 "
	    "AND revoked_at IS NULL", 1, db_val(res, 0, 0)) ? 0 : -1;
}

void
notify_page_reset_post(struct request *r)
{
	const char	*problem;
	char		 hash[crypto_pwhash_STRBYTES];
	struct reset	 z;
	int		 rc;

	z.token = in_str(r, "token");
	if (r->in_errors != NULL || z.token == NULL) {
		reset_form(r, 400, z.token, "Enter a new password.", 0);
		return;
	}
	if ((problem = password_problem(in_str(r, "password"))) != NULL) {
		reset_form(r, 400, z.token, arena_printf(r->a, "The password %s.",
		    problem), 0);
		return;
	}
	if (password_hash(in_str(r, "password"), hash, sizeof(hash)) != 0) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	z.hash = hash;
	rc = db_tx(r->a, DB_READ_COMMITTED, reset_tx, &z);
	sodium_memzero(hash, sizeof(hash));
	if (rc == DB_ABORT)
		reset_form(r, 410, NULL, NULL, 1);
	else if (rc != DB_OK)
		db_fail_reply(r, rc);
	else
		resp_redirect(r, 303, "/login?reset=1");
}
