#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/request.h"
#include "core/util.h"
#include "store/db.h"

#define DB_MAX_PARAMS	64
/* Do not try to reconnect more often than this while the server is away. */
#define RECONNECT_USEC	250000

static PGconn	*conn;

static int	 in_failed_tx(void);
static void	 stmts_forget(void);
static char	 last_state[6];
static char	 last_msg[256];
static int	 last_retries;
static int64_t	 next_attempt;
static unsigned	 generation;
static int	 in_tx;		/* inside db_tx(): no silent retries */

/* Server notices ("relation already exists, skipping") are debug logs. */
static void
on_notice(void *arg, const char *msg)
{
	(void)arg;
	log_msg(LOG_DEBUG, "postgres: %s", msg);
}

static void
set_error(const char *state, const char *msg)
{
	snprintf(last_state, sizeof(last_state), "%s", state ? state : "");
	snprintf(last_msg, sizeof(last_msg), "%s", msg ? msg : "");
}

PGconn *
db_conn(void)
{
	if (conn != NULL && PQstatus(conn) == CONNECTION_OK)
		return conn;
	if (now_usec() < next_attempt)
		return NULL;
	if (conn != NULL) {
		PQfinish(conn);
		conn = NULL;
		metrics_inc(M_DB_RECONNECTS);
	}
	conn = PQconnectdb(cfg.database);
	if (PQstatus(conn) != CONNECTION_OK) {
		set_error("08006", PQerrorMessage(conn));
		log_msg(LOG_WARN, "database unavailable: %s", last_msg);
		PQfinish(conn);
		conn = NULL;
		next_attempt = now_usec() + RECONNECT_USEC;
		return NULL;
	}
	PQsetErrorVerbosity(conn, PQERRORS_TERSE);
	PQsetNoticeProcessor(conn, on_notice, NULL);
	generation++;
	return conn;
}

unsigned
db_generation(void)
{
	return generation;
}

void
db_close(void)
{
	stmts_forget();
	if (conn != NULL)
		PQfinish(conn);
	conn = NULL;
	next_attempt = 0;	/* the next db_conn() tries at once */
}

static void
clear_result(void *p)
{
	PQclear(p);
}

/*
 * Prepared statements: every query text is prepared once per connection
 * (the first time it runs) and executed by name after that, so the server
 * parses and plans it once.  Texts are matched by content; a connection
 * holds at most STMT_MAX of them, and later ones run unprepared.
 */
#define STMT_MAX	1024

struct stmt {
	uint64_t	 hash;
	char		*sql;
};

static struct stmt	 stmts[STMT_MAX];
static int		 nstmts;
static unsigned		 stmt_generation;

static uint64_t
fnv1a(const char *s)
{
	uint64_t	 h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void
stmts_forget(void)
{
	int	 i;

	for (i = 0; i < nstmts; i++)
		free(stmts[i].sql);
	nstmts = 0;
}

/*
 * Runs sql prepared: looks its name up ("s12"), preparing it on first use.
 * A text that cannot be prepared (an error in it, a full table, a failed
 * transaction) is answered by that failure or run unprepared.
 */
static PGresult *
run(const char *sql, int n, const char *const *params)
{
	uint64_t	 h = fnv1a(sql);
	char		 name[16];
	PGresult	*res;
	int		 i;

	if (stmt_generation != generation) {
		stmts_forget();
		stmt_generation = generation;
	}
	for (i = 0; i < nstmts; i++)
		if (stmts[i].hash == h && strcmp(stmts[i].sql, sql) == 0)
			break;
	if (i == nstmts) {
		if (nstmts == STMT_MAX || in_failed_tx())
			return PQexecParams(conn, sql, n, NULL, params, NULL,
			    NULL, 0);
		snprintf(name, sizeof(name), "s%d", nstmts);
		res = PQprepare(conn, name, sql, n, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			return res;	/* the statement's own error */
		PQclear(res);
		stmts[nstmts].hash = h;
		stmts[nstmts].sql = xstrdup(sql);
		nstmts++;
	}
	snprintf(name, sizeof(name), "s%d", i);
	return PQexecPrepared(conn, name, n, params, NULL, NULL, 0);
}

PGresult *
db_exec(struct arena *a, const char *sql, int n, const char *const *params)
{
	PGresult	*res;
	ExecStatusType	 st;

	if (db_conn() == NULL) {
		set_error("08006", "the database is unavailable");
		return NULL;
	}
	res = run(sql, n, params);
	st = PQresultStatus(res);
	/* A connection the server dropped (a restart) is found out by the
	 * first query after it: outside a transaction, reconnect and run the
	 * statement again rather than fail this request. */
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && !in_tx &&
	    PQstatus(conn) == CONNECTION_BAD && db_conn() != NULL) {
		PQclear(res);
		res = run(sql, n, params);
		st = PQresultStatus(res);
	}
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		arena_defer(a, clear_result, res);
		last_state[0] = '\0';
		return res;
	}
	set_error(res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL,
	    PQerrorMessage(conn));
	if (last_state[0] == '\0')
		set_error("08006", PQerrorMessage(conn));
	if (strcmp(last_state, "40001") != 0 &&
	    strcmp(last_state, "40P01") != 0) {
		metrics_inc(M_DB_ERRORS);
		log_msg(LOG_WARN, "query failed (%s): %s", last_state,
		    last_msg);
	}
	PQclear(res);
	return NULL;
}

PGresult *
db_q(struct arena *a, const char *sql, int n, ...)
{
	const char	*p[DB_MAX_PARAMS];
	va_list		 ap;
	int		 i;

	if (n > DB_MAX_PARAMS)
		abort();
	va_start(ap, n);
	for (i = 0; i < n; i++)
		p[i] = va_arg(ap, const char *);
	va_end(ap);
	return db_exec(a, sql, n, p);
}

const char *
db_sqlstate(void)
{
	return last_state;
}

const char *
db_errmsg(void)
{
	return last_msg;
}

const char *
db_val(const PGresult *res, int r, int c)
{
	if (PQgetisnull(res, r, c))
		return NULL;
	return PQgetvalue(res, r, c);
}

int64_t
db_int(const PGresult *res, int r, int c)
{
	const char	*v = db_val(res, r, c);

	return v ? strtoll(v, NULL, 10) : 0;
}

int
db_bool(const PGresult *res, int r, int c)
{
	const char	*v = db_val(res, r, c);

	return v != NULL && v[0] == 't';
}

json_t *
db_json(const PGresult *res, int r, int c)
{
	const char	*v = db_val(res, r, c);

	if (v == NULL)
		return NULL;
	return json_loads(v, JSON_DECODE_ANY, NULL);
}

const char *
db_id(struct arena *a, int64_t id)
{
	return arena_printf(a, "%lld", (long long)id);
}

int
db_ping(void)
{
	PGresult	*res;
	int		 ok;

	if (db_conn() == NULL)
		return 0;
	res = PQexec(conn, "SELECT 1");
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	PQclear(res);
	if (!ok && PQstatus(conn) != CONNECTION_OK)
		db_conn();
	return ok;
}

static int
is_conflict(void)
{
	return strcmp(last_state, "40001") == 0 ||
	    strcmp(last_state, "40P01") == 0;
}

/* Runs a control statement outside any arena. */
static int
control(const char *sql)
{
	PGresult	*res = PQexec(conn, sql);
	int		 ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		set_error(PQresultErrorField(res, PG_DIAG_SQLSTATE),
		    PQerrorMessage(conn));
	PQclear(res);
	return ok ? 0 : -1;
}

/* Runs a statement whose outcome does not matter to the caller, keeping
 * the error of the failure it cleans up after. */
static void
control_keep(const char *sql)
{
	PQclear(PQexec(conn, sql));
}

/* Sleeps 1..2^attempt ms (capped), so that retried peers spread out. */
static void
backoff(int attempt)
{
	uint32_t	 cap = 1u << (attempt < 7 ? attempt : 7);

	usleep(1000 * (1 + randombytes_uniform(cap)));
}

static const char *const begin_sql[] = {
	[DB_READ_COMMITTED] = "BEGIN ISOLATION LEVEL READ COMMITTED",
	[DB_REPEATABLE_READ] = "BEGIN ISOLATION LEVEL REPEATABLE READ",
	[DB_SERIALIZABLE] = "BEGIN ISOLATION LEVEL SERIALIZABLE",
};

/* One attempt: 0 committed, DB_ABORT, or -1 with last_state set. */
static int
attempt(struct arena *a, enum db_iso iso,
    int (*fn)(struct arena *, void *), void *ctx)
{
	int	 rc;

	if (control(begin_sql[iso]) == -1)
		return -1;
	in_tx = 1;
	rc = fn(a, ctx);
	in_tx = 0;
	if (rc == 0)
		return control("COMMIT") == 0 ? 0 : -1;
	if (PQtransactionStatus(conn) != PQTRANS_UNKNOWN)
		control("ROLLBACK");
	if (rc == DB_ABORT)
		return DB_ABORT;
	return -1;
}

/*
 * After failed attempt i of a transaction: 0 to run it again (the retry
 * counted, after a jittered back-off), else what the transaction returns:
 * a lost connection or any failure but a conflict ends it.
 */
static int
retry_or_stop(int i)
{
	if (PQstatus(conn) != CONNECTION_OK)
		return db_conn() == NULL ? DB_UNAVAILABLE : DB_ERROR;
	if (!is_conflict())
		return DB_ERROR;
	metrics_inc(M_TX_RETRIES);
	last_retries++;
	backoff(i + 1);
	return 0;
}

/* Conflicts outlasted the retries (i attempts were made). */
static int
gave_up(int i)
{
	metrics_inc(M_TX_EXHAUSTED);
	log_msg(LOG_WARN, "transaction gave up after %d retries", i - 1);
	return DB_EXHAUSTED;
}

int
db_tx(struct arena *a, enum db_iso iso, int (*fn)(struct arena *, void *),
    void *ctx)
{
	return db_tx_with(a, iso, NULL, fn, ctx);
}

int
db_tx_with(struct arena *a, enum db_iso iso,
    int (*before)(struct arena *, void *),
    int (*fn)(struct arena *, void *), void *ctx)
{
	int	 i, rc;

	last_retries = 0;
	for (i = 0; i <= cfg.db_retries; i++) {
		if (db_conn() == NULL)
			return DB_UNAVAILABLE;
		if (before != NULL && before(a, ctx) == -1)
			return db_conn() == NULL ? DB_UNAVAILABLE : DB_ERROR;
		rc = attempt(a, iso, fn, ctx);
		if (rc == 0 || rc == DB_ABORT)
			return rc;
		if ((rc = retry_or_stop(i)) != 0)
			return rc;
	}
	return gave_up(i);
}

/*
 * Reads the results of one pipelined query: the last non-NULL result (a
 * new PGresult, or NULL when the connection broke).
 */
static PGresult *
pipeline_result(void)
{
	PGresult	*res, *last = NULL;

	while ((res = PQgetResult(conn)) != NULL) {
		PQclear(last);
		last = res;
	}
	return last;
}

/* Reads up to and including the next sync point: 0, or -1 if broken. */
static int
pipeline_sync(void)
{
	PGresult	*res;
	int		 st, nulls = 0;

	for (;;) {
		/* A NULL ends one query's results; two in a row would mean
		 * the sync point is not coming. */
		if ((res = PQgetResult(conn)) == NULL) {
			if (PQstatus(conn) != CONNECTION_OK || ++nulls > 1)
				return -1;
			continue;
		}
		nulls = 0;
		st = PQresultStatus(res);
		PQclear(res);
		if (st == PGRES_PIPELINE_SYNC)
			return 0;
	}
}

/*
 * Leaves pipeline mode: 0, or -1 after dropping a connection that could
 * not leave it (results left uncollected after a failed send), which would
 * otherwise refuse every later synchronous query.  Dropping it also ends
 * its session's advisory locks.
 */
static int
pipeline_leave(void)
{
	if (PQexitPipelineMode(conn) == 1)
		return 0;
	set_error("08006", PQerrorMessage(conn));
	log_msg(LOG_WARN, "could not leave pipeline mode: %s; reconnecting",
	    last_msg);
	db_close();
	return -1;
}

/* Keeps the first failure of a pipelined transaction in last_state. */
static void
pipeline_failure(PGresult *res, int *failed)
{
	ExecStatusType	 st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (*failed || st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return;
	*failed = 1;
	if (st == PGRES_PIPELINE_ABORTED)
		return;		/* an earlier one said why */
	set_error(res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : "08006",
	    res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) :
	    PQerrorMessage(conn));
}

/*
 * One attempt of db_tx_one(): 0 committed (*out set), DB_ABORT (a
 * refusal), or -1 with last_state set.  *after_ok tells whether after ran.
 */
static int
one_attempt(struct arena *a, enum db_iso iso, const char *sql, int n,
    const char *const *params, const char *after, PGresult **out,
    int *after_ok, const char **refusal)
{
	PGresult	*res, *got = NULL;
	const char	*why;
	int		 failed = 0, broken = 0;

	*after_ok = 0;
	if (PQenterPipelineMode(conn) != 1 ||
	    PQsendQueryParams(conn, begin_sql[iso], 0, NULL, NULL, NULL,
	    NULL, 0) != 1 ||
	    PQsendQueryParams(conn, sql, n, NULL, params, NULL, NULL, 0) != 1 ||
	    PQsendQueryParams(conn, "COMMIT", 0, NULL, NULL, NULL, NULL,
	    0) != 1 || PQpipelineSync(conn) != 1 ||
	    (after != NULL && (PQsendQueryParams(conn, after, 0, NULL, NULL,
	    NULL, NULL, 0) != 1 || PQpipelineSync(conn) != 1))) {
		set_error("08006", PQerrorMessage(conn));
		pipeline_leave();
		return -1;
	}
	res = pipeline_result();			/* BEGIN */
	pipeline_failure(res, &failed);
	PQclear(res);
	got = pipeline_result();			/* sql */
	pipeline_failure(got, &failed);
	res = pipeline_result();			/* COMMIT */
	pipeline_failure(res, &failed);
	PQclear(res);
	broken = pipeline_sync() == -1;
	if (!broken && after != NULL) {
		res = pipeline_result();
		*after_ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;
		PQclear(res);
		broken = pipeline_sync() == -1;
	}
	if (broken) {
		PQclear(got);
		set_error("08006", PQerrorMessage(conn));
		pipeline_leave();
		return -1;
	}
	if (pipeline_leave() == -1) {
		PQclear(got);
		return -1;
	}
	if (!failed) {
		arena_defer(a, clear_result, got);
		*out = got;
		last_state[0] = '\0';
		return 0;
	}
	/* The refusal's own words, whole (last_msg is a short copy). */
	if (strcmp(last_state, DB_REFUSAL) == 0 && refusal != NULL &&
	    (why = PQresultErrorField(got, PG_DIAG_MESSAGE_PRIMARY)) != NULL)
		*refusal = arena_strdup(a, why);
	PQclear(got);
	/* A failure before COMMIT leaves the block open and failed. */
	if (PQtransactionStatus(conn) == PQTRANS_INERROR ||
	    PQtransactionStatus(conn) == PQTRANS_INTRANS)
		control_keep("ROLLBACK");
	return strcmp(last_state, DB_REFUSAL) == 0 ? DB_ABORT : -1;
}

int
db_tx_one(struct arena *a, enum db_iso iso, const char *sql, int n,
    const char *const *params, const char *after,
    int (*before)(struct arena *, void *), void *ctx, PGresult **out,
    const char **refusal)
{
	int	 i, rc = DB_EXHAUSTED, after_ok = 0, b;

	last_retries = 0;
	*out = NULL;
	for (i = 0; i <= cfg.db_retries; i++) {
		if (db_conn() == NULL) {
			rc = DB_UNAVAILABLE;
			break;
		}
		if (i > 0 && before != NULL) {
			/* before() may take again what after gives back. */
			after_ok = 0;
			if ((b = before(a, ctx)) != 0) {
				rc = b == DB_ABORT ? DB_ABORT :
				    db_conn() == NULL ? DB_UNAVAILABLE :
				    DB_ERROR;
				break;
			}
		}
		rc = one_attempt(a, iso, sql, n, params, after, out, &after_ok,
		    refusal);
		if (rc == 0 || rc == DB_ABORT)
			break;
		if ((rc = retry_or_stop(i)) != 0) {
			/* Its statements did not go through db_exec(), which
			 * counts and logs failures. */
			if (rc == DB_ERROR) {
				metrics_inc(M_DB_ERRORS);
				log_msg(LOG_WARN, "query failed (%s): %s",
				    last_state, last_msg);
			}
			break;
		}
		rc = DB_EXHAUSTED;
	}
	if (rc == DB_EXHAUSTED)
		gave_up(i);
	if (after != NULL && !after_ok && PQstatus(conn) == CONNECTION_OK)
		control_keep(after);
	return rc;
}

int
db_tx_retries(void)
{
	return last_retries;
}

void
db_fail_reply(struct request *r, int rc)
{
	/* Class 08 (connection) and 57P (server shutting down): the database
	 * went away under the query; that is unavailability, not a bug. */
	if (rc == DB_UNAVAILABLE || rc == DB_EXHAUSTED ||
	    strncmp(last_state, "08", 2) == 0 ||
	    strncmp(last_state, "57P", 3) == 0 || db_conn() == NULL) {
		resp_unavailable(r, rc == DB_EXHAUSTED ? 1 : 5);
		return;
	}
	resp_error(r, 500, "internal_error",
	    "something went wrong on our side; it has been logged", NULL);
}

/* Inside a transaction that already failed nothing can be prepared. */
static int
in_failed_tx(void)
{
	return PQtransactionStatus(conn) == PQTRANS_INERROR;
}
