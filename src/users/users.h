/*
 * users: accounts, credentials, sessions, CSRF and roles.
 *
 * Passwords are Argon2id (libsodium crypto_pwhash_str); session tokens
 * are 32 random bytes of which only a BLAKE2b hash is stored.  The same
 * session serves the web (a cookie, with a CSRF token) and the API (a
 * bearer token).
 */
#ifndef MARQUEE_USERS_H
#define MARQUEE_USERS_H

#include <stdint.h>

#include <jansson.h>

#include "core/validate.h"

struct arena;
struct request;

#define SESSION_COOKIE	"mq_session"
#define ANON_COOKIE	"mq_anon"

struct session {
	int64_t		 id;
	int64_t		 user_id;
	const char	*email;
	const char	*name;
	const char	*role;
	const char	*csrf;
	const char	*created_at;
	int		 via_cookie;
};

enum users_rc {
	USERS_OK = 0,
	USERS_EMAIL_TAKEN,
	USERS_BAD_CREDENTIALS,
	USERS_NOT_FOUND,
	USERS_DB			/* the database failed: see db_fail_reply */
};

/* passwords.c */
int		 passwords_load(const char *path);
void		 passwords_free(void);
/* NULL if the password is acceptable, else a message for the form. */
const char	*password_problem(const char *pw);
int		 password_hash(const char *pw, char *out, size_t outlen);
/* 1 when pw matches hash; always costs one Argon2id verification. */
int		 password_verify(const char *hash, const char *pw);
int		 password_needs_rehash(const char *hash);

/* sessions.c */
struct new_session {
	const char	*token;
	const char	*expires_at;
	int64_t		 id;
};
int		 session_create(struct arena *, int64_t user_id, int cookie,
		    const struct request *, struct new_session *);
/* Identifies the caller; -1 if it answered (database away on a page
 * that needs the session). */
int		 session_load_or_reply(struct request *);
int		 session_revoke(struct arena *, int64_t session_id);
int		 session_revoke_others(struct arena *, int64_t user_id,
		    int64_t keep);
/* Sets the session cookie for a new web session. */
void		 session_set_cookie(struct request *, const struct new_session *);
void		 session_clear_cookie(struct request *);
/* The CSRF token for forms (sets the anonymous cookie when needed). */
const char	*csrf_token(struct request *);
/* Whether a state-changing request carries a valid token (or needs none). */
int		 csrf_ok(struct request *);
/* The hex BLAKE2b-256 of a token, in the arena. */
char		*token_hash(struct arena *, const char *token);

/* accounts.c */
int		 users_register(struct arena *, const char *email,
		    const char *password, const char *name, int64_t *id);
int		 users_authenticate(struct arena *, const char *email,
		    const char *password, int64_t *id);
int		 users_change_password(struct arena *, int64_t id,
		    const char *current, const char *next);
int		 users_set_name(struct arena *, int64_t id, const char *name);
int		 users_set_role(struct arena *, const char *email,
		    const char *role);
/* The API's User object, or NULL (USERS_NOT_FOUND / USERS_DB in *rc). */
json_t		*users_get_json(struct arena *, int64_t id, int *rc);

/* The handlers. */
void	 users_api_create_account(struct request *);
void	 users_api_authenticate(struct request *);
void	 users_api_logout(struct request *);
void	 users_api_me(struct request *);
void	 users_page_register(struct request *);
void	 users_page_register_post(struct request *);
void	 users_page_login(struct request *);
void	 users_page_login_post(struct request *);
void	 users_page_logout_post(struct request *);
void	 users_page_account(struct request *);
void	 users_page_account_name(struct request *);
void	 users_page_account_password(struct request *);
void	 users_page_account_sessions(struct request *);

extern const struct field users_create_fields[];
extern const struct field users_register_fields[];
extern const struct field users_login_fields[];
extern const struct field users_name_fields[];
extern const struct field users_password_fields[];

/* The common page context: the signed-in user and the CSRF token. */
void	 users_page_context(struct request *, json_t *ctx);

#endif
