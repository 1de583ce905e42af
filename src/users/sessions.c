/*
 * Sessions and CSRF.  A session is found by the hash of its token, from
 * the Authorization header (API) or the session cookie (web).  Idle and
 * absolute expiry are checked in the query; last_seen_at is refreshed at
 * most once a minute so that reads stay reads.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/request.h"
#include "core/router.h"
#include "core/util.h"
#include "store/db.h"
#include "users/users.h"

#define TOKEN_BYTES	32

char *
token_hash(struct arena *a, const char *token)
{
	unsigned char	 h[32];
	char		*out = arena_alloc(a, 65);

	crypto_generichash(h, sizeof(h), (const unsigned char *)token,
	    strlen(token), NULL, 0);
	hex_encode(out, h, sizeof(h));
	return out;
}

static char *
new_token(struct arena *a)
{
	unsigned char	 raw[TOKEN_BYTES];
	size_t		 n = sodium_base64_ENCODED_LEN(TOKEN_BYTES,
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char		*out = arena_alloc(a, n);

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, n, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	return out;
}

int
session_create(struct arena *a, int64_t user_id, int cookie,
    const struct request *r, struct new_session *out)
{
	char		 uid[24], idle[24], max[24];
	const char	*ua = r ? req_header(r, "User-Agent") : NULL;
	const char	*ip = r && r->remote_addr ? r->remote_addr : "";
	PGresult	*res;

	out->token = new_token(a);
	snprintf(uid, sizeof(uid), "%lld", (long long)user_id);
	snprintf(idle, sizeof(idle), "%d hours", cfg.session_idle_hours);
	snprintf(max, sizeof(max), "%d days", cfg.session_max_days);
	res = db_q(a, "INSERT INTO sessions (token_hash, user_id, kind, csrf, "
	    "user_agent, ip, idle_expires_at, expires_at) "
	    "VALUES ($1, $2, $3, $4, left($5, 300), $6, "
	    "  least(now() + $7::interval, now() + $8::interval), "
	    "  now() + $8::interval) "
	    "RETURNING id, rfc3339(least(idle_expires_at, expires_at))", 8,
	    token_hash(a, out->token), uid, cookie ? "cookie" : "bearer",
	    random_hex(a, 16), ua ? ua : "", ip, idle, max);
	if (res == NULL)
		return -1;
	out->id = db_int(res, 0, 0);
	out->expires_at = db_val(res, 0, 1);
	return 0;
}

static const char *
cookie_name(const struct request *r)
{
	return r->https ? "__Host-" SESSION_COOKIE : SESSION_COOKIE;
}

void
session_set_cookie(struct request *r, const struct new_session *s)
{
	resp_cookie(r, SESSION_COOKIE, s->token,
	    (long)cfg.session_max_days * 86400, COOKIE_HTTPONLY);
}

void
session_clear_cookie(struct request *r)
{
	resp_cookie(r, SESSION_COOKIE, "", 0, COOKIE_HTTPONLY | COOKIE_DELETE);
}

/* The presented token and whether it came in a cookie. */
static const char *
presented_token(const struct request *r, int *via_cookie)
{
	const char	*auth = req_param(r, "HTTP_AUTHORIZATION");

	*via_cookie = 0;
	if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0)
		return auth + 7;
	*via_cookie = 1;
	return req_cookie(r, cookie_name(r));
}

static const char session_sql[] =
    "SELECT s.id, s.user_id, u.email, u.name, u.role, s.csrf, "
    "  s.last_seen_at < now() - interval '1 minute', rfc3339(u.created_at) "
    "FROM sessions s JOIN users u ON u.id = s.user_id "
    "WHERE s.token_hash = $1 AND s.revoked_at IS NULL "
    "  AND s.expires_at > now() AND s.idle_expires_at > now()";

int
session_load_or_reply(struct request *r)
{
	struct session	*s;
	const char	*tok;
	char		 idle[24];
	PGresult	*res;
	int		 via_cookie;

	tok = presented_token(r, &via_cookie);
	if (tok == NULL || *tok == '\0' || strlen(tok) > 128)
		return 0;
	res = db_q(r->a, session_sql, 1, token_hash(r->a, tok));
	if (res == NULL) {
		if (r->route->auth == AUTH_PUBLIC)
			return 0;	/* serve the public page anonymously */
		db_fail_reply(r, DB_UNAVAILABLE);
		return -1;
	}
	if (PQntuples(res) != 1)
		return 0;
	s = arena_calloc(r->a, 1, sizeof(*s));
	s->id = db_int(res, 0, 0);
	s->user_id = db_int(res, 0, 1);
	s->email = db_val(res, 0, 2);
	s->name = db_val(res, 0, 3);
	s->role = db_val(res, 0, 4);
	s->csrf = db_val(res, 0, 5);
	s->created_at = db_val(res, 0, 7);
	s->via_cookie = via_cookie;
	r->session = s;
	r->user_id = s->user_id;
	if (db_bool(res, 0, 6)) {
		snprintf(idle, sizeof(idle), "%d hours", cfg.session_idle_hours);
		db_q(r->a, "UPDATE sessions SET last_seen_at = now(), "
		    "idle_expires_at = least(expires_at, now() + $2::interval) "
		    "WHERE id = $1", 2, arena_printf(r->a, "%lld",
		    (long long)s->id), idle);
	}
	return 0;
}

int
session_revoke(struct arena *a, int64_t id)
{
	return db_q(a, "UPDATE sessions SET revoked_at = now() "
	    "WHERE id = $1 AND revoked_at IS NULL", 1,
	    arena_printf(a, "%lld", (long long)id)) ? 0 : -1;
}

int
session_revoke_others(struct arena *a, int64_t user_id, int64_t keep)
{
	return db_q(a, "UPDATE sessions SET revoked_at = now() "
	    "WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL", 2,
	    arena_printf(a, "%lld", (long long)user_id),
	    arena_printf(a, "%lld", (long long)keep)) ? 0 : -1;
}

/* HMAC of the anonymous cookie under the site secret, hex. */
static char *
anon_csrf(struct arena *a, const char *anon)
{
	unsigned char	 key[crypto_auth_KEYBYTES], mac[crypto_auth_BYTES];
	char		*out = arena_alloc(a, 2 * sizeof(mac) + 1);

	crypto_generichash(key, sizeof(key), (const unsigned char *)cfg.secret,
	    strlen(cfg.secret), NULL, 0);
	crypto_auth(mac, (const unsigned char *)anon, strlen(anon), key);
	hex_encode(out, mac, sizeof(mac));
	return out;
}

/* Later reads in this request see a cookie set on its response. */
static void
remember_cookie(struct request *r, const char *name, const char *val)
{
	struct kv	*v = arena_calloc(r->a, r->cookies.n + 1, sizeof(*v));

	if (r->cookies.n > 0)
		memcpy(v, r->cookies.v, r->cookies.n * sizeof(*v));
	v[r->cookies.n].key = name;
	v[r->cookies.n].val = val;
	v[r->cookies.n].vlen = strlen(val);
	r->cookies.v = v;
	r->cookies.n++;
}

const char *
csrf_token(struct request *r)
{
	const char	*anon;

	if (r->session != NULL && r->session->via_cookie)
		return r->session->csrf;
	if ((anon = req_cookie(r, ANON_COOKIE)) == NULL || strlen(anon) != 32) {
		anon = random_hex(r->a, 16);
		resp_cookie(r, ANON_COOKIE, anon, 7 * 86400, COOKIE_HTTPONLY);
		remember_cookie(r, ANON_COOKIE, anon);
	}
	return anon_csrf(r->a, anon);
}

/* The token this request must carry, or NULL if none can be valid. */
static const char *
expected(struct request *r)
{
	const char	*anon;

	if (r->session != NULL && r->session->via_cookie)
		return r->session->csrf;
	if ((anon = req_cookie(r, ANON_COOKIE)) == NULL || strlen(anon) != 32)
		return NULL;
	return anon_csrf(r->a, anon);
}

int
csrf_ok(struct request *r)
{
	const char	*want, *got;

	if (r->method & (HTTP_GET | HTTP_HEAD | HTTP_OPTIONS))
		return 1;
	/* The API without a cookie session carries no ambient credential. */
	if (r->api && (r->session == NULL || !r->session->via_cookie))
		return 1;
	if ((got = req_header(r, "X-CSRF-Token")) == NULL)
		got = kv_get(&r->form_kv, "csrf");
	if (got == NULL || (want = expected(r)) == NULL)
		return 0;
	return strlen(got) == strlen(want) &&
	    sodium_memcmp(got, want, strlen(want)) == 0;
}
