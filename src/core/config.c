#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"

struct config	 cfg;

enum ckind { CK_STR, CK_INT, CK_SIZE, CK_OCTAL };

struct ckey {
	const char	*name;
	enum ckind	 kind;
	size_t		 off;
	const char	*def;
};

#define S(n, d)	{ #n, CK_STR, offsetof(struct config, n), d }
#define I(n, d)	{ #n, CK_INT, offsetof(struct config, n), d }
#define Z(n, d)	{ #n, CK_SIZE, offsetof(struct config, n), d }
#define O(n, d)	{ #n, CK_OCTAL, offsetof(struct config, n), d }

static const struct ckey keys[] = {
	S(listen, "127.0.0.1:9000"),
	O(listen_mode, "0660"),
	I(workers, "0"),
	S(auth_listen, ""),
	I(auth_workers, "1"),
	S(database, "dbname=marquee connect_timeout=2"),
	S(memcached, "127.0.0.1:11211"),
	S(templates, "templates"),
	S(static_dir, "static"),
	S(sql_dir, "sql"),
	S(base_url, "http://localhost:8080"),
	S(live_publish, ""),
	S(smtp_url, "smtp://127.0.0.1:2525"),
	S(mail_from, "Marquee <tickets@marquee.test>"),
	S(secret, ""),
	S(log_level, "info"),
	Z(body_limit, "1048576"),
	Z(upload_limit, "57671680"),	/* 55 MiB: trailer, poster and fields */
	Z(max_fields, "256"),
	Z(max_field_len, "65536"),
	I(hold_minutes, "8"),
	I(hold_seconds, "0"),
	I(db_retries, "10"),
	I(cache_ttl, "300"),
	I(page_ttl, "5"),
	I(jobs_poll_ms, "2000"),
	I(rl_window, "60"),
	I(rl_login_ip, "30"),
	I(rl_login_account, "50"),
	I(rl_login_pair, "5"),
	I(rl_login_window, "300"),
	I(rl_register_ip, "10"),
	I(rl_pick_user, "60"),
	I(rl_pay_user, "30"),
	I(session_idle_hours, "48"),
	I(session_max_days, "30"),
	S(passwords_file, "/usr/share/john/password.lst"),
	S(upload_dir, "static/uploads"),
	I(outbox_max_tries, "8"),
	I(outbox_backoff_ms, "2000"),
	I(outbox_lease_seconds, "60"),
	I(test_faults, "0"),
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static int
set_key(const struct ckey *k, const char *val, char *err, size_t errlen)
{
	char		*p = (char *)&cfg + k->off, *end;
	long long	 n;

	if (k->kind == CK_STR) {
		free(*(char **)p);
		*(char **)p = xstrdup(val);
		return 0;
	}
	errno = 0;
	n = strtoll(val, &end, k->kind == CK_OCTAL ? 8 : 10);
	if (errno != 0 || end == val || *end != '\0' || n < 0 ||
	    n > 0x7fffffff) {
		snprintf(err, errlen, "%s: not a valid number: '%s'",
		    k->name, val);
		return -1;
	}
	if (k->kind == CK_SIZE)
		*(size_t *)p = (size_t)n;
	else
		*(int *)p = (int)n;
	return 0;
}

static const struct ckey *
find_key(const char *name)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
read_file(const char *path, char *err, size_t errlen)
{
	FILE		*f;
	char		 line[4096], *k, *v, *eq;
	int		 lineno = 0, rc = 0;
	const struct ckey *key;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		k = trim(line);
		if (*k == '#' || *k == '\0')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected key = value",
			    path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		v = trim(eq + 1);
		k = trim(k);
		if ((key = find_key(k)) == NULL) {
			snprintf(err, errlen, "%s:%d: unknown key '%s'",
			    path, lineno, k);
			rc = -1;
			break;
		}
		rc = set_key(key, v, err, errlen);
	}
	fclose(f);
	return rc;
}

int
config_load(const char *path, char *err, size_t errlen)
{
	char		 env[128];
	const char	*v;
	size_t		 i, j;

	config_free();
	for (i = 0; i < NKEYS; i++)
		if (set_key(&keys[i], keys[i].def, err, errlen) == -1)
			return -1;
	if (path != NULL && read_file(path, err, errlen) == -1)
		return -1;
	for (i = 0; i < NKEYS; i++) {
		snprintf(env, sizeof(env), "MARQUEE_%s", keys[i].name);
		for (j = 8; env[j] != '\0'; j++)
			env[j] = (char)toupper((unsigned char)env[j]);
		if ((v = getenv(env)) != NULL &&
		    set_key(&keys[i], v, err, errlen) == -1)
			return -1;
	}
	return 0;
}

void
config_free(void)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].kind == CK_STR) {
			free(*(char **)((char *)&cfg + keys[i].off));
			*(char **)((char *)&cfg + keys[i].off) = NULL;
		}
}

int
config_workers(void)
{
	long	 n;

	if (cfg.workers > 0)
		return cfg.workers;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 2;
}
