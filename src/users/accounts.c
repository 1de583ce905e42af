/*
 * Accounts: registration, credentials, names and roles.  Password
 * hashing happens outside any transaction: it is the slow part.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/log.h"
#include "store/db.h"
#include "users/users.h"

/* Verifying against this when the e-mail is unknown makes both
 * failures cost the same. */
static char	 dummy_hash[crypto_pwhash_STRBYTES];

static const char *
id_str(struct arena *a, int64_t id)
{
	return arena_printf(a, "%lld", (long long)id);
}

int
users_register(struct arena *a, const char *email, const char *password,
    const char *name, int64_t *id)
{
	char		 hash[crypto_pwhash_STRBYTES];
	PGresult	*res;

	if (password_hash(password, hash, sizeof(hash)) != 0)
		return USERS_DB;
	res = db_q(a, "INSERT INTO users (email, name, password_hash) "
	    "VALUES ($1, $2, $3) ON CONFLICT ((lower(email))) DO NOTHING "
	    "RETURNING id", 3, email, name, hash);
	sodium_memzero(hash, sizeof(hash));
	if (res == NULL)
		return USERS_DB;
	if (PQntuples(res) == 0)
		return USERS_EMAIL_TAKEN;
	*id = db_int(res, 0, 0);
	return USERS_OK;
}

static void
upgrade_hash(struct arena *a, int64_t id, const char *password)
{
	char	 hash[crypto_pwhash_STRBYTES];

	if (password_hash(password, hash, sizeof(hash)) != 0)
		return;
	db_q(a, "UPDATE users SET password_hash = $2 WHERE id = $1", 2,
	    id_str(a, id), hash);
	sodium_memzero(hash, sizeof(hash));
}

int
users_authenticate(struct arena *a, const char *email, const char *password,
    int64_t *id)
{
	PGresult	*res;
	const char	*hash;

	res = db_q(a, "SELECT id, password_hash FROM users "
	    "WHERE lower(email) = lower($1)", 1, email);
	if (res == NULL)
		return USERS_DB;
	if (PQntuples(res) != 1) {
		if (dummy_hash[0] == '\0')
			password_hash("not a real password at all", dummy_hash,
			    sizeof(dummy_hash));
		password_verify(dummy_hash, password);
		return USERS_BAD_CREDENTIALS;
	}
	hash = db_val(res, 0, 1);
	if (!password_verify(hash, password))
		return USERS_BAD_CREDENTIALS;
	*id = db_int(res, 0, 0);
	if (password_needs_rehash(hash))
		upgrade_hash(a, *id, password);
	return USERS_OK;
}

int
users_change_password(struct arena *a, int64_t id, const char *current,
    const char *next)
{
	char		 hash[crypto_pwhash_STRBYTES];
	PGresult	*res;

	res = db_q(a, "SELECT password_hash FROM users WHERE id = $1", 1,
	    id_str(a, id));
	if (res == NULL)
		return USERS_DB;
	if (PQntuples(res) != 1)
		return USERS_NOT_FOUND;
	if (!password_verify(db_val(res, 0, 0), current))
		return USERS_BAD_CREDENTIALS;
	if (password_hash(next, hash, sizeof(hash)) != 0)
		return USERS_DB;
	res = db_q(a, "UPDATE users SET password_hash = $2, updated_at = now() "
	    "WHERE id = $1", 2, id_str(a, id), hash);
	sodium_memzero(hash, sizeof(hash));
	return res ? USERS_OK : USERS_DB;
}

int
users_set_name(struct arena *a, int64_t id, const char *name)
{
	return db_q(a, "UPDATE users SET name = $2, updated_at = now() "
	    "WHERE id = $1", 2, id_str(a, id), name) ? USERS_OK : USERS_DB;
}

int
users_set_role(struct arena *a, const char *email, const char *role)
{
	PGresult	*res;

	res = db_q(a, "UPDATE users SET role = $2, updated_at = now() "
	    "WHERE lower(email) = lower($1) RETURNING id", 2, email, role);
	if (res == NULL)
		return USERS_DB;
	return PQntuples(res) == 1 ? USERS_OK : USERS_NOT_FOUND;
}

json_t *
users_get_json(struct arena *a, int64_t id, int *rc)
{
	PGresult	*res;

	res = db_q(a, "SELECT id, email, name, role, rfc3339(created_at) "
	    "FROM users WHERE id = $1", 1, id_str(a, id));
	if (res == NULL) {
		*rc = USERS_DB;
		return NULL;
	}
	if (PQntuples(res) != 1) {
		*rc = USERS_NOT_FOUND;
		return NULL;
	}
	*rc = USERS_OK;
	return json_pack("{s:I,s:s,s:s,s:s,s:s}", "id",
	    (json_int_t)db_int(res, 0, 0), "email", db_val(res, 0, 1),
	    "name", db_val(res, 0, 2), "role", db_val(res, 0, 3),
	    "created_at", db_val(res, 0, 4));
}
