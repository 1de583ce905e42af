/*
 * The database layer against a real PostgreSQL (MARQUEE_TEST_DB):
 * parameterized queries, transactions, and the retry of serialization
 * failures forced by a second session.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/metrics.h"
#include "store/db.h"
#include "store/migrate.h"

static const char	*conninfo;
static PGconn		*other;		/* the interfering session */
static struct arena	 a;

static void
exec_other(const char *sql)
{
	PGresult	*res = PQexec(other, sql);

	ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql,
	    PQerrorMessage(other));
	PQclear(res);
}

static void
setup(void)
{
	char	 err[256];

	ck_assert_int_eq(config_load(NULL, err, sizeof(err)), 0);
	free(cfg.database);
	cfg.database = strdup(conninfo);
	cfg.db_retries = 5;
	metrics_init();
	arena_init(&a);
	other = PQconnectdb(conninfo);
	ck_assert_int_eq(PQstatus(other), CONNECTION_OK);
	exec_other("DROP TABLE IF EXISTS t_db; "
	    "CREATE TABLE t_db (id int PRIMARY KEY, v int NOT NULL); "
	    "INSERT INTO t_db VALUES (1, 0), (2, 0)");
}

static void
teardown(void)
{
	exec_other("DROP TABLE IF EXISTS t_db");
	PQfinish(other);
	db_close();
	arena_free(&a);
	config_free();
}

START_TEST(test_params_and_nulls)
{
	PGresult	*res;
	const char	*p[3] = { "it's; DROP TABLE t_db; --", NULL, "42" };

	res = db_exec(&a, "SELECT $1::text, $2::text IS NULL, $3::int + 1",
	    3, p);
	ck_assert_ptr_nonnull(res);
	ck_assert_str_eq(db_val(res, 0, 0), "it's; DROP TABLE t_db; --");
	ck_assert(db_bool(res, 0, 1));
	ck_assert_int_eq(db_int(res, 0, 2), 43);
	res = db_q(&a, "SELECT count(*) FROM t_db", 0);
	ck_assert_int_eq(db_int(res, 0, 0), 2);
	/* A failing query returns NULL and says why. */
	ck_assert_ptr_null(db_q(&a, "SELECT 1/0", 0));
	ck_assert_str_eq(db_sqlstate(), "22012");
	ck_assert_ptr_nonnull(db_q(&a, "SELECT 1", 0));
	ck_assert_str_eq(db_sqlstate(), "");
}
END_TEST

struct bump {
	int	 calls;
	int	 interfere;	/* attempts that the other session spoils */
};

/*
 * Reads row 1, lets the other session update it, then updates it too:
 * under SERIALIZABLE the second update fails with 40001 until the
 * other session stops interfering.
 */
static int
bump_fn(struct arena *ar, void *ctx)
{
	struct bump	*b = ctx;

	b->calls++;
	if (db_q(ar, "SELECT v FROM t_db WHERE id = 1", 0) == NULL)
		return -1;
	if (b->calls <= b->interfere)
		exec_other("UPDATE t_db SET v = v + 100 WHERE id = 1");
	if (db_q(ar, "UPDATE t_db SET v = v + 1 WHERE id = 1", 0) == NULL)
		return -1;
	return 0;
}

START_TEST(test_retry_after_serialization_failure)
{
	struct bump	 b = { 0, 1 };
	uint64_t	 before = metrics_get(M_TX_RETRIES);
	PGresult	*res;

	ck_assert_int_eq(db_tx(&a, DB_SERIALIZABLE, bump_fn, &b), DB_OK);
	ck_assert_int_eq(b.calls, 2);
	ck_assert_int_eq(db_tx_retries(), 1);
	ck_assert_uint_eq(metrics_get(M_TX_RETRIES), before + 1);
	res = db_q(&a, "SELECT v FROM t_db WHERE id = 1", 0);
	/* The other session's +100 and exactly one +1 from us. */
	ck_assert_int_eq(db_int(res, 0, 0), 101);
}
END_TEST

START_TEST(test_retries_exhausted)
{
	struct bump	 b = { 0, 1000 };
	PGresult	*res;

	ck_assert_int_eq(db_tx(&a, DB_SERIALIZABLE, bump_fn, &b),
	    DB_EXHAUSTED);
	ck_assert_int_eq(b.calls, cfg.db_retries + 1);
	res = db_q(&a, "SELECT v FROM t_db WHERE id = 1", 0);
	ck_assert_int_eq(db_int(res, 0, 0), 100 * b.calls);
}
END_TEST

/* Write skew: each reads both rows, writes one; one must fail. */
static int
skew_fn(struct arena *ar, void *ctx)
{
	int	*calls = ctx;

	(*calls)++;
	if (db_q(ar, "SELECT sum(v) FROM t_db", 0) == NULL)
		return -1;
	if (*calls == 1) {
		exec_other("BEGIN ISOLATION LEVEL SERIALIZABLE");
		exec_other("SELECT sum(v) FROM t_db");
		exec_other("UPDATE t_db SET v = v + 1 WHERE id = 2");
		exec_other("COMMIT");
	}
	if (db_q(ar, "UPDATE t_db SET v = v + 1 WHERE id = 1", 0) == NULL)
		return -1;
	return 0;
}

START_TEST(test_write_skew_is_retried)
{
	int		 calls = 0;
	PGresult	*res;

	ck_assert_int_eq(db_tx(&a, DB_SERIALIZABLE, skew_fn, &calls), DB_OK);
	ck_assert_int_eq(calls, 2);
	res = db_q(&a, "SELECT v FROM t_db ORDER BY id", 0);
	ck_assert_int_eq(db_int(res, 0, 0), 1);
	ck_assert_int_eq(db_int(res, 1, 0), 1);
}
END_TEST

static int
abort_fn(struct arena *ar, void *ctx)
{
	(void)ctx;
	if (db_q(ar, "UPDATE t_db SET v = 7 WHERE id = 2", 0) == NULL)
		return -1;
	return DB_ABORT;
}

static int
error_fn(struct arena *ar, void *ctx)
{
	(void)ctx;
	db_q(ar, "UPDATE t_db SET v = 7 WHERE id = 2", 0);
	return db_q(ar, "SELECT * FROM no_such_table", 0) ? 0 : -1;
}

START_TEST(test_abort_and_error_roll_back)
{
	PGresult	*res;

	ck_assert_int_eq(db_tx(&a, DB_SERIALIZABLE, abort_fn, NULL), DB_ABORT);
	ck_assert_int_eq(db_tx(&a, DB_READ_COMMITTED, error_fn, NULL),
	    DB_ERROR);
	ck_assert_str_eq(db_sqlstate(), "42P01");
	res = db_q(&a, "SELECT v FROM t_db WHERE id = 2", 0);
	ck_assert_int_eq(db_int(res, 0, 0), 0);
}
END_TEST

/* Whether the other session can take advisory lock 4242 (and gives it back). */
static int
lock_free(void)
{
	PGresult	*res = PQexec(other, "SELECT pg_try_advisory_lock(4242)");
	int		 free_ = PQresultStatus(res) == PGRES_TUPLES_OK &&
			    PQgetvalue(res, 0, 0)[0] == 't';

	PQclear(res);
	if (free_)
		exec_other("SELECT pg_advisory_unlock(4242)");
	return free_;
}

static int
count_calls(struct arena *ar, void *ctx)
{
	(void)ar;
	(*(int *)ctx)++;
	return 0;
}

/* One statement as a transaction, and the statement after it, in one trip. */
START_TEST(test_tx_one_commits_and_runs_after)
{
	const char	*p[1] = { "5" }, *why = NULL;
	PGresult	*res = NULL;
	int		 calls = 0;

	ck_assert_ptr_nonnull(db_q(&a, "SELECT pg_advisory_lock(4242)", 0));
	ck_assert(!lock_free());
	ck_assert_int_eq(db_tx_one(&a, DB_SERIALIZABLE, "UPDATE t_db SET v = "
	    "v + $1::int WHERE id = 1 RETURNING v", 1, p,
	    "SELECT pg_advisory_unlock_all()", count_calls, &calls, &res,
	    &why), DB_OK);
	ck_assert_ptr_nonnull(res);
	ck_assert_int_eq(db_int(res, 0, 0), 5);
	ck_assert_int_eq(calls, 0);		/* before() is for retries */
	ck_assert_ptr_null(why);
	ck_assert(lock_free());			/* after ran */
	res = db_q(&a, "SELECT v FROM t_db WHERE id = 1", 0);
	ck_assert_int_eq(db_int(res, 0, 0), 5);	/* committed */
}
END_TEST

/* A refusal (SQLSTATE MQ001) rolls back, says why, and after still runs. */
START_TEST(test_tx_one_refusal_rolls_back)
{
	const char	*why = NULL;
	PGresult	*res = NULL;

	exec_other("CREATE OR REPLACE FUNCTION t_db_refuse() RETURNS int "
	    "LANGUAGE plpgsql AS $$ BEGIN UPDATE t_db SET v = 9 WHERE id = 2; "
	    "RAISE SQLSTATE 'MQ001' USING MESSAGE = '{\"taken\": [\"A1\"]}'; "
	    "END $$");
	ck_assert_ptr_nonnull(db_q(&a, "SELECT pg_advisory_lock(4242)", 0));
	ck_assert_int_eq(db_tx_one(&a, DB_SERIALIZABLE, "SELECT t_db_refuse()",
	    0, NULL, "SELECT pg_advisory_unlock_all()", NULL, NULL, &res,
	    &why), DB_ABORT);
	ck_assert_ptr_nonnull(why);
	ck_assert_str_eq(why, "{\"taken\": [\"A1\"]}");
	ck_assert(lock_free());
	/* Rolled back, and the connection is usable (not in a failed block). */
	res = db_q(&a, "SELECT v FROM t_db WHERE id = 2", 0);
	ck_assert_ptr_nonnull(res);
	ck_assert_int_eq(db_int(res, 0, 0), 0);
	/* Any other error is DB_ERROR, and rolls back too. */
	ck_assert_int_eq(db_tx_one(&a, DB_SERIALIZABLE, "SELECT 1/0", 0, NULL,
	    NULL, NULL, NULL, &res, &why), DB_ERROR);
	ck_assert_str_eq(db_sqlstate(), "22012");
	ck_assert_ptr_nonnull(db_q(&a, "SELECT 1", 0));
	exec_other("DROP FUNCTION t_db_refuse()");
}
END_TEST

/*
 * A conflict: the other session has updated row 1 and commits it while
 * our pipelined UPDATE waits for the row; under SERIALIZABLE ours fails
 * with 40001 and is run again (before() first), and then succeeds.
 */
START_TEST(test_tx_one_retries_conflicts)
{
	const char	*why = NULL;
	PGresult	*res = NULL;
	uint64_t	 retries = metrics_get(M_TX_RETRIES);
	int		 calls = 0;

	exec_other("BEGIN");
	exec_other("UPDATE t_db SET v = v + 100 WHERE id = 1");
	ck_assert_int_eq(PQsendQuery(other, "SELECT pg_sleep(0.3); COMMIT"), 1);
	ck_assert_int_eq(db_tx_one(&a, DB_SERIALIZABLE, "UPDATE t_db SET v = "
	    "v + 1 WHERE id = 1 RETURNING v", 0, NULL, NULL, count_calls,
	    &calls, &res, &why), DB_OK);
	while ((res = PQgetResult(other)) != NULL)
		PQclear(res);
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(db_tx_retries(), 1);
	ck_assert_uint_eq(metrics_get(M_TX_RETRIES), retries + 1);
	res = db_q(&a, "SELECT v FROM t_db WHERE id = 1", 0);
	ck_assert_int_eq(db_int(res, 0, 0), 101);
}
END_TEST

START_TEST(test_unavailable)
{
	int	 calls = 0;

	db_close();
	free(cfg.database);
	cfg.database = strdup("host=/nonexistent dbname=x connect_timeout=1");
	ck_assert_ptr_null(db_conn());
	ck_assert_int_eq(db_tx(&a, DB_SERIALIZABLE, skew_fn, &calls),
	    DB_UNAVAILABLE);
	ck_assert_int_eq(calls, 0);
	ck_assert_ptr_null(db_q(&a, "SELECT 1", 0));
	ck_assert(!db_ping());
}
END_TEST

START_TEST(test_migrations_idempotent)
{
	char	 dir[] = "/tmp/marquee-mig-XXXXXX", path[300], err[512];
	FILE	*f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	exec_other("DROP TABLE IF EXISTS schema_migrations; "
	    "DROP TABLE IF EXISTS t_mig");
	snprintf(path, sizeof(path), "%s/001_one.sql", dir);
	f = fopen(path, "w");
	fputs("CREATE TABLE t_mig (x int);\nINSERT INTO t_mig VALUES (1);\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/002_two.sql", dir);
	f = fopen(path, "w");
	fputs("INSERT INTO t_mig VALUES (2);\n", f);
	fclose(f);
	ck_assert_int_eq(migrate_apply(dir, err, sizeof(err)), 2);
	ck_assert_int_eq(migrate_version(), 2);
	ck_assert_int_eq(migrate_apply(dir, err, sizeof(err)), 0);
	ck_assert_int_eq(db_int(db_q(&a, "SELECT count(*) FROM t_mig", 0), 0, 0), 2);
	/* A broken migration is rolled back whole and stops the run. */
	snprintf(path, sizeof(path), "%s/003_bad.sql", dir);
	f = fopen(path, "w");
	fputs("INSERT INTO t_mig VALUES (3);\nSELECT no_such_column;\n", f);
	fclose(f);
	ck_assert_int_eq(migrate_apply(dir, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "003_bad.sql"));
	ck_assert_int_eq(migrate_version(), 2);
	ck_assert_int_eq(db_int(db_q(&a, "SELECT count(*) FROM t_mig", 0), 0, 0), 2);
	unlink(path);
	snprintf(path, sizeof(path), "%s/001_one.sql", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/002_two.sql", dir);
	unlink(path);
	rmdir(dir);
	exec_other("DROP TABLE schema_migrations; DROP TABLE t_mig");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("db");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	if ((conninfo = getenv("MARQUEE_TEST_DB")) == NULL) {
		fprintf(stderr, "test_db: set MARQUEE_TEST_DB to a scratch "
		    "database's conninfo (./stack test does)\n");
		return 77;	/* automake: skipped */
	}
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_params_and_nulls);
	tcase_add_test(tc, test_retry_after_serialization_failure);
	tcase_add_test(tc, test_retries_exhausted);
	tcase_add_test(tc, test_write_skew_is_retried);
	tcase_add_test(tc, test_abort_and_error_roll_back);
	tcase_add_test(tc, test_tx_one_commits_and_runs_after);
	tcase_add_test(tc, test_tx_one_refusal_rolls_back);
	tcase_add_test(tc, test_tx_one_retries_conflicts);
	tcase_add_test(tc, test_unavailable);
	tcase_add_test(tc, test_migrations_idempotent);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
