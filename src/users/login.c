#include <ctype.h>
#include <string.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/request.h"
#include "store/db.h"
#include "store/ratelimit.h"
#include "users/login.h"
#include "users/users.h"

/* The account part of a limiter key: the address, lower-cased. */
static const char *
account_key(struct request *r, const char *email)
{
	char	*k = arena_strndup(r->a, email, strlen(email) > 254 ? 254 :
		    strlen(email));
	char	*p;

	for (p = k; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return k;
}

int
register_limited(struct request *r)
{
	return ratelimit_hit(r->a, arena_printf(r->a, "register-ip:%s",
	    r->remote_addr ? r->remote_addr : "-"), cfg.rl_register_ip,
	    cfg.rl_window, RL_FAIL_OPEN);
}

int
login_check(struct request *r, const char *email, const char *pw,
    int64_t *uid, int quiet)
{
	const char	*ip = r->remote_addr ? r->remote_addr : "-";
	const char	*acct = account_key(r, email);
	const char	*pair = arena_printf(r->a, "login-fail:%s|%s", acct, ip);
	const char	*one = arena_printf(r->a, "login-fail:%s", acct);
	int		 wait;

	/* Every attempt counts against the address. */
	wait = ratelimit_hit(r->a, arena_printf(r->a, "login-ip:%s", ip),
	    cfg.rl_login_ip, cfg.rl_window, RL_FALLBACK_DB);
	/* Failures slow down this account from this address, and (more
	 * loosely) from everywhere, so an attacker elsewhere cannot lock
	 * the owner out for long. */
	if (wait == 0)
		wait = ratelimit_peek(r->a, pair, cfg.rl_login_pair,
		    cfg.rl_login_window, RL_FALLBACK_DB);
	if (wait == 0)
		wait = ratelimit_peek(r->a, one, cfg.rl_login_account,
		    cfg.rl_login_window, RL_FALLBACK_DB);
	if (wait > 0)
		return ratelimit_reply(r, wait);
	switch (users_authenticate(r->a, email, pw, uid)) {
	case USERS_OK:
		ratelimit_clear(r->a, pair, cfg.rl_login_window);
		return 0;
	case USERS_BAD_CREDENTIALS:
		ratelimit_hit(r->a, pair, 1 << 30, cfg.rl_login_window,
		    RL_FALLBACK_DB);
		ratelimit_hit(r->a, one, 1 << 30, cfg.rl_login_window,
		    RL_FALLBACK_DB);
		if (quiet)
			return -2;
		resp_error(r, 401, "invalid_credentials",
		    "that e-mail address and password do not match an account",
		    NULL);
		resp_header(r, "WWW-Authenticate",
		    "Basic realm=\"marquee\", charset=\"UTF-8\"");
		return -1;
	default:
		db_fail_reply(r, DB_UNAVAILABLE);
		return -1;
	}
}
