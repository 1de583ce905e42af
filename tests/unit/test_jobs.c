/*
 * The jobs scheduler against a real PostgreSQL (MARQUEE_TEST_DB): a
 * registered job runs on its interval, and at once on a NOTIFY.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/util.h"
#include "jobs/jobs.h"
#include "store/db.h"

static const char	*conninfo;
static struct arena	 a;
static int		 ticks, wakes;
static int64_t		 tick_at[64];

static int
tick_job(struct arena *ar)
{
	(void)ar;
	if (ticks < 64)
		tick_at[ticks] = now_usec();
	ticks++;
	return 0;
}

static int	 backlog;

/* Does one item of a backlog a round. */
static int
drain_job(struct arena *ar)
{
	(void)ar;
	if (backlog == 0)
		return 0;
	backlog--;
	return 1;
}

static int
wake_job(struct arena *ar)
{
	(void)ar;
	wakes++;
	return 0;
}

static const struct job periodic = { "periodic", 100, NULL, tick_job };
static const struct job notified = { "notified", 0, "test_wake", wake_job };
static const struct job drain = { "drain", 60000, NULL, drain_job };

static void
setup(void)
{
	char	 err[256];

	ck_assert_int_eq(config_load(NULL, err, sizeof(err)), 0);
	free(cfg.database);
	cfg.database = strdup(conninfo);
	arena_init(&a);
	jobs_clear();
	ticks = wakes = 0;
}

static void
teardown(void)
{
	jobs_clear();
	db_close();
	arena_free(&a);
	config_free();
}

START_TEST(test_runs_on_schedule)
{
	int64_t	 start = now_usec();
	int	 i;

	ck_assert_int_eq(jobs_register(&periodic), 0);
	while (now_usec() - start < 1050000)
		ck_assert_int_ge(jobs_tick(&a, 50), 0);
	/* Due at 0, 100, ..., 1000 ms: about 11 runs (fewer on a slow
	 * machine or under valgrind), never two closer than the interval. */
	ck_assert_int_ge(ticks, 5);
	ck_assert_int_le(ticks, 12);
	for (i = 1; i < ticks; i++)
		ck_assert_int_ge(tick_at[i] - tick_at[i - 1], 95000);
	ck_assert_uint_eq(jobs_runs("periodic"), (unsigned long)ticks);
}
END_TEST

START_TEST(test_runs_on_notify)
{
	PGconn		*c;
	PGresult	*res;
	int64_t		 t0;
	int		 i;

	ck_assert_int_eq(jobs_register(&notified), 0);
	/* Nothing to do: a tick waits the full time and runs nothing. */
	t0 = now_usec();
	ck_assert_int_eq(jobs_tick(&a, 300), 0);
	ck_assert_int_ge(now_usec() - t0, 250000);
	ck_assert_int_eq(wakes, 0);

	c = PQconnectdb(conninfo);
	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	res = PQexec(c, "NOTIFY test_wake");
	ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	t0 = now_usec();
	for (i = 0; i < 10 && wakes == 0; i++)
		jobs_tick(&a, 5000);
	ck_assert_int_eq(wakes, 1);
	/* Woken by the notification, not by the 5 s wait. */
	ck_assert_int_lt(now_usec() - t0, 1000000);
	PQfinish(c);
}
END_TEST

/* A round that did work is followed by another at once, not after the
 * interval: a backlog drains without pauses. */
START_TEST(test_backlog_runs_again_at_once)
{
	int64_t	 t0 = now_usec();
	int	 i;

	backlog = 5;
	ck_assert_int_eq(jobs_register(&drain), 0);
	for (i = 0; i < 20 && backlog > 0; i++)
		ck_assert_int_ge(jobs_tick(&a, 1000), 0);
	ck_assert_int_eq(backlog, 0);
	/* Five rounds in well under the 60 s interval. */
	ck_assert_int_lt(now_usec() - t0, 2000000);
}
END_TEST

START_TEST(test_database_away)
{
	ck_assert_int_eq(jobs_register(&periodic), 0);
	free(cfg.database);
	cfg.database = strdup("host=/nonexistent dbname=x");
	db_close();
	ck_assert_int_eq(jobs_tick(&a, 10), -1);
	ck_assert_int_eq(ticks, 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("jobs");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	if ((conninfo = getenv("MARQUEE_TEST_DB")) == NULL) {
		fprintf(stderr, "test_jobs: set MARQUEE_TEST_DB (./stack test "
		    "does)\n");
		return 77;
	}
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_runs_on_schedule);
	tcase_add_test(tc, test_runs_on_notify);
	tcase_add_test(tc, test_backlog_runs_again_at_once);
	tcase_add_test(tc, test_database_away);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
