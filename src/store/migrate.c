#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/buf.h"
#include "core/log.h"
#include "store/db.h"
#include "store/migrate.h"

/* Serializes concurrent migrators (two stacks starting at once). */
#define MIGRATE_LOCK	"SELECT pg_advisory_lock(72616)"
#define MIGRATE_UNLOCK	"SELECT pg_advisory_unlock(72616)"

static int
is_migration(const char *name)
{
	size_t	 n = strlen(name);

	return n > 5 && isdigit((unsigned char)name[0]) &&
	    strcmp(name + n - 4, ".sql") == 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads a whole file into a NUL-terminated malloc'd string. */
static char *
slurp(const char *path, char *err, size_t errlen)
{
	FILE		*f = fopen(path, "r");
	struct buf	 b = BUF_INIT;
	char		 chunk[8192];
	size_t		 n;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return buf_release(&b);
}

static int
run(PGconn *c, const char *sql, const char *what, char *err, size_t errlen)
{
	PGresult	*res = PQexec(c, sql);
	ExecStatusType	 st = PQresultStatus(res);

	PQclear(res);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return 0;
	snprintf(err, errlen, "%s: %s", what, PQerrorMessage(c));
	return -1;
}

static int
applied(PGconn *c, int version)
{
	char		 v[16];
	const char	*p[1] = { v };
	PGresult	*res;
	int		 n;

	snprintf(v, sizeof(v), "%d", version);
	res = PQexecParams(c, "SELECT 1 FROM schema_migrations "
	    "WHERE version = $1", 1, NULL, p, NULL, NULL, 0);
	n = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) : -1;
	PQclear(res);
	return n;
}

/* Applies one file unless recorded: 1 applied, 0 skipped, -1 error. */
static int
apply_one(PGconn *c, const char *dir, const char *name, char *err,
    size_t errlen)
{
	char		 path[4096], v[16];
	const char	*p[2] = { v, name };
	char		*sql;
	PGresult	*res;
	int		 version = atoi(name), ok;

	if ((ok = applied(c, version)) != 0)
		return ok > 0 ? 0 : -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((sql = slurp(path, err, errlen)) == NULL)
		return -1;
	snprintf(v, sizeof(v), "%d", version);
	ok = run(c, "BEGIN", name, err, errlen) == 0 &&
	    run(c, sql, name, err, errlen) == 0;
	free(sql);
	if (ok) {
		res = PQexecParams(c, "INSERT INTO schema_migrations "
		    "(version, name) VALUES ($1, $2)", 2, NULL, p, NULL,
		    NULL, 0);
		ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
		ok = ok && run(c, "COMMIT", name, err, errlen) == 0;
	}
	if (!ok) {
		run(c, "ROLLBACK", name, err + strlen(err),
		    errlen - strlen(err));
		return -1;
	}
	log_msg(LOG_INFO, "applied migration %s", name);
	return 1;
}

static int
list_dir(const char *dir, char ***names, size_t *n, char *err, size_t errlen)
{
	DIR		*d = opendir(dir);
	struct dirent	*de;

	*names = NULL;
	*n = 0;
	if (d == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_migration(de->d_name))
			continue;
		*names = xrealloc(*names, (*n + 1) * sizeof(**names));
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(*names, *n, sizeof(**names), by_name);
	return 0;
}

int
migrate_apply(const char *dir, char *err, size_t errlen)
{
	PGconn	*c = db_conn();
	char	**names;
	size_t	 n, i;
	int	 count = 0, rc = 0;

	if (errlen > 0)
		err[0] = '\0';
	if (c == NULL) {
		snprintf(err, errlen, "cannot connect: %s", db_errmsg());
		return -1;
	}
	if (list_dir(dir, &names, &n, err, errlen) == -1)
		return -1;
	if (run(c, MIGRATE_LOCK, "lock", err, errlen) == -1 ||
	    run(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version integer PRIMARY KEY, name text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())",
	    "schema_migrations", err, errlen) == -1)
		rc = -1;
	for (i = 0; rc == 0 && i < n; i++) {
		rc = apply_one(c, dir, names[i], err, errlen);
		if (rc > 0)
			count++;
		rc = rc < 0 ? -1 : 0;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	run(c, MIGRATE_UNLOCK, "unlock", err + strlen(err),
	    errlen - strlen(err));
	return rc == 0 ? count : -1;
}

int
migrate_version(void)
{
	PGconn		*c = db_conn();
	PGresult	*res;
	int		 v = -1;

	if (c == NULL)
		return -1;
	res = PQexec(c, "SELECT coalesce(max(version), 0) "
	    "FROM schema_migrations");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		v = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

int
migrate_run_file(const char *path, char *err, size_t errlen)
{
	PGconn	*c = db_conn();
	char	*sql;
	int	 ok;

	if (errlen > 0)
		err[0] = '\0';
	if (c == NULL) {
		snprintf(err, errlen, "cannot connect: %s", db_errmsg());
		return -1;
	}
	if ((sql = slurp(path, err, errlen)) == NULL)
		return -1;
	ok = run(c, "BEGIN", path, err, errlen) == 0 &&
	    run(c, sql, path, err, errlen) == 0 &&
	    run(c, "COMMIT", path, err, errlen) == 0;
	free(sql);
	if (!ok)
		run(c, "ROLLBACK", path, err + strlen(err),
		    errlen - strlen(err));
	return ok ? 0 : -1;
}
