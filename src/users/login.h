/*
 * login: the checks every log-in passes, for the page and the API alike:
 * the per-IP rate, the per-account and per-account-and-IP failure
 * limits, then the password.
 */
#ifndef MARQUEE_USERS_LOGIN_H
#define MARQUEE_USERS_LOGIN_H

#include <stdint.h>

struct request;

/*
 * Checks the limits and the credentials.  Returns 0 with *uid set, or -1
 * after answering 401 invalid_credentials, 429 or 503.  Pages pass
 * quiet = 1 to get -2 instead of a 401 answer (they re-render the form).
 */
int	 login_check(struct request *, const char *email, const char *pw,
	    int64_t *uid, int quiet);
#define login_or_reply(r, e, p, u)	login_check((r), (e), (p), (u), 0)
/* Seconds to wait before another registration from this IP, or 0. */
int	 register_limited(struct request *);

#endif
