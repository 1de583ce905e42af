/*
 * config: one file of `key = value` lines, each key overridable by the
 * environment variable MARQUEE_<KEY> (upper case).  Every key has a
 * default, documented in etc/marquee.conf.in.
 */
#ifndef MARQUEE_CONFIG_H
#define MARQUEE_CONFIG_H

#include <stddef.h>

struct config {
	char	*listen;		/* unix:/path or host:port */
	int	 listen_mode;		/* unix socket permissions */
	int	 workers;		/* 0: one per CPU */
	char	*auth_listen;		/* the log-in pool's socket, or "" */
	int	 auth_workers;		/* workers of the log-in pool */
	char	*database;		/* libpq conninfo */
	char	*memcached;		/* host:port[,host:port...] */
	char	*templates;		/* templates/ directory */
	char	*static_dir;
	char	*sql_dir;
	char	*base_url;
	char	*live_publish;		/* unix:/sock:/path/prefix/ or http URL */
	char	*smtp_url;
	char	*mail_from;
	char	*secret;		/* hex, 32 bytes or more */
	char	*log_level;		/* debug, info, warn, error */
	size_t	 body_limit;		/* bytes */
	size_t	 upload_limit;		/* multipart bodies of RF_UPLOAD routes */
	size_t	 max_fields;
	size_t	 max_field_len;
	int	 hold_minutes;
	int	 hold_seconds;		/* overrides hold_minutes when > 0 (tests) */
	int	 db_retries;		/* serialization-failure retries */
	int	 cache_ttl;		/* listing cache TTL, seconds */
	int	 page_ttl;		/* whole anonymous pages in memcached */
	int	 jobs_poll_ms;		/* jobs process slow poll */
	/* Rate limits: requests per window, per key. */
	int	 rl_window;		/* seconds */
	int	 rl_login_ip;
	int	 rl_login_account;	/* failures per account, any IP */
	int	 rl_login_pair;		/* failures per account and IP */
	int	 rl_login_window;	/* seconds, for failures */
	int	 rl_register_ip;
	int	 rl_pick_user;
	int	 rl_pay_user;
	int	 session_idle_hours;
	int	 session_max_days;
	char	*passwords_file;	/* common passwords list */
	char	*upload_dir;
	int	 outbox_max_tries;	/* deliveries before a row is parked */
	int	 outbox_backoff_ms;	/* first retry delay, doubled each time */
	int	 outbox_lease_seconds;	/* a claimed row is retried after this */
	int	 test_faults;		/* tests only: honour fault triggers */
};

extern struct config	 cfg;

/* Sets defaults, reads path (NULL: defaults only) and the environment.
 * Returns 0, or -1 with a message in err. */
int	 config_load(const char *path, char *err, size_t errlen);
void	 config_free(void);
/* The effective worker count (resolves 0 to the CPU count). */
int	 config_workers(void);

#endif
