/*
 * db: the process's PostgreSQL connection, parameterized queries and
 * transactions that retry serialization failures.
 *
 * Each process holds one connection, opened on first use and reopened
 * after a loss.  Results are registered with the caller's arena, so a
 * handler never calls PQclear.
 */
#ifndef MARQUEE_DB_H
#define MARQUEE_DB_H

#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

struct arena;
struct request;

enum db_iso {
	DB_READ_COMMITTED,
	DB_REPEATABLE_READ,
	DB_SERIALIZABLE
};

/* What db_tx() returns. */
enum db_rc {
	DB_OK = 0,
	DB_ABORT = 1,		/* the function chose to roll back */
	DB_ERROR = -1,		/* a query failed (not a conflict) */
	DB_UNAVAILABLE = -2,	/* no connection to the database */
	DB_EXHAUSTED = -3	/* conflicts outlasted the retries */
};

/* Opens (or checks) the connection; NULL when the server is away. */
PGconn		*db_conn(void);
void		 db_close(void);
/* Counts successful connects: a change means session state (LISTEN,
 * prepared statements) was lost. */
unsigned	 db_generation(void);
/* Whether a trivial query succeeds now. */
int		 db_ping(void);

/*
 * Runs sql with n text parameters (NULL entries are SQL NULL).  Returns
 * the result (freed with the arena), or NULL on failure, when
 * db_sqlstate() tells why.
 */
PGresult	*db_exec(struct arena *, const char *sql, int n,
		    const char *const *params);
/* The same with the parameters as arguments: db_q(a, sql, n, p1, ...). */
PGresult	*db_q(struct arena *, const char *sql, int n, ...);
/* SQLSTATE of the last failed query ("40001"), "" if none. */
const char	*db_sqlstate(void);
const char	*db_errmsg(void);
/* Value of row r, column c; NULL when SQL NULL. */
const char	*db_val(const PGresult *, int r, int c);
int64_t		 db_int(const PGresult *, int r, int c);
int		 db_bool(const PGresult *, int r, int c);
/* A json/jsonb column parsed: a new reference, or NULL when SQL NULL. */
json_t		*db_json(const PGresult *, int r, int c);
/* An int64 as text in the arena, for parameters. */
const char	*db_id(struct arena *, int64_t);

/*
 * Runs fn(ctx) inside a transaction at the given level.  fn returns 0 to
 * commit, DB_ABORT to roll back, or -1 after a failed query; a failure
 * with SQLSTATE 40001 or 40P01 (or a failed COMMIT with them) reruns fn
 * up to cfg.db_retries times with jittered back-off.  Returns enum db_rc.
 */
int		 db_tx(struct arena *, enum db_iso,
		    int (*fn)(struct arena *, void *), void *ctx);
/*
 * The same, running before(ctx) outside any transaction ahead of each
 * attempt: reads that must see the latest committed state but must not
 * take SERIALIZABLE predicate locks (see seating/holds.c).  before
 * returns 0, or -1 after a failed query.
 */
int		 db_tx_with(struct arena *, enum db_iso,
		    int (*before)(struct arena *, void *),
		    int (*fn)(struct arena *, void *), void *ctx);
/*
 * One statement as a whole transaction at the given level, in one round
 * trip (libpq's pipeline mode): BEGIN, sql with its n parameters, COMMIT,
 * then after (no parameters; NULL: none) outside the transaction whatever
 * became of it.  sql refuses by raising SQLSTATE DB_REFUSAL ("MQ001") with
 * a message: that rolls back and returns DB_ABORT, the message in
 * *refusal (arena).  Conflicts are retried as in db_tx_with(), before(ctx)
 * running ahead of each retry (not of the first attempt) and returning 0,
 * DB_ABORT to stop there (*refusal untouched) or -1 after a failed query.
 * On DB_OK *out is sql's result (arena-owned).  Returns enum db_rc.
 */
#define DB_REFUSAL	"MQ001"
int		 db_tx_one(struct arena *, enum db_iso, const char *sql, int n,
		    const char *const *params, const char *after,
		    int (*before)(struct arena *, void *), void *ctx,
		    PGresult **out, const char **refusal);
/* How many retries the last db_tx() needed. */
int		 db_tx_retries(void);

/* Answers a failed db_tx()/db_exec(): 503 with Retry-After or 500. */
void		 db_fail_reply(struct request *, int rc);

#endif
