/*
 * The cache layer against a real memcached that the test starts, stops
 * and starts again on a port of its own: an invalidation sent right after
 * memcached came back reaches it (libmemcached alone would set the server
 * aside for seconds and drop it), and no key is built on a generation that
 * could not be read.  The keys of whole pages for nginx, and their purge.
 */
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/metrics.h"
#include "store/cache.h"
#include "store/pagecache.h"

static int		 port;
static pid_t		 mc_pid;
static char		 servers[64];
static struct arena	 a;

/* A TCP port nothing listens on now. */
static int
free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd, p;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	p = ntohs(sin.sin_port);
	close(fd);
	return p;
}

static int
port_open(void)
{
	struct sockaddr_in	 sin;
	int			 fd, ok;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

static void
pause_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Starts memcached on the port and waits until it accepts. */
static void
mc_start(void)
{
	char	 p[16];
	int	 i;

	snprintf(p, sizeof(p), "%d", port);
	mc_pid = fork();
	ck_assert_int_ge(mc_pid, 0);
	if (mc_pid == 0) {
		/* Gone with the test process, whatever happens to it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (geteuid() == 0)
			execlp("memcached", "memcached", "-l", "127.0.0.1",
			    "-p", p, "-U", "0", "-m", "8", "-u", "nobody",
			    (char *)NULL);
		else
			execlp("memcached", "memcached", "-l", "127.0.0.1",
			    "-p", p, "-U", "0", "-m", "8", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500 && !port_open(); i++)
		pause_ms(10);
	ck_assert_msg(port_open(), "memcached (package memcached) did not "
	    "start on port %d", port);
}

/* Kills memcached at once, as a crash would. */
static void
mc_kill(void)
{
	int	 status;

	if (mc_pid <= 0)
		return;
	kill(mc_pid, SIGKILL);
	waitpid(mc_pid, &status, 0);
	mc_pid = 0;
}

static void
setup(void)
{
	metrics_init();
	arena_init(&a);
	port = free_port();
	snprintf(servers, sizeof(servers), "127.0.0.1:%d", port);
	mc_start();
	ck_assert_int_eq(cache_init(servers), 0);
}

static void
teardown(void)
{
	cache_close();
	mc_kill();
	arena_free(&a);
}

START_TEST(test_invalidation_right_after_restart)
{
	int	 i;

	ck_assert_int_eq(cache_incr("gen:t", 1, 1, 0), 1);	/* created */
	ck_assert_int_eq(cache_incr("gen:t", 1, 1, 0), 2);
	ck_assert_int_eq(cache_set("k", "v", 1, 60), 0);

	mc_kill();
	/* Enough failures for libmemcached to set the server aside. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(cache_incr("gen:t", 1, 1, 0), -1);
	ck_assert_int_eq(cache_delete("k"), -1);
	ck_assert_int_eq(cache_up(), 0);

	mc_start();
	/* The first change after memcached is back reaches it. */
	ck_assert_int_eq(cache_incr("gen:t", 1, 100, 0), 100);
	ck_assert_int_eq(cache_incr("gen:t", 1, 100, 0), 101);
	ck_assert_int_eq(cache_delete("k"), 0);
	ck_assert_int_eq(cache_up(), 1);
}
END_TEST

START_TEST(test_no_key_without_a_generation)
{
	char	*k1, *k2;
	int	 i;

	ck_assert_ptr_nonnull(k1 = cache_gen_key(&a, "ns", "x"));
	ck_assert_int_eq(strncmp(k1, "ns:g", 4), 0);
	cache_bump("ns");

	mc_kill();
	ck_assert_ptr_null(cache_gen_key(&a, "ns", "x"));
	ck_assert_ptr_null(cache_gen_key(&a, "ns", "x"));

	mc_start();
	/* Reads resume within a second or so; a fresh memcached has a fresh
	 * generation, not the one before. */
	for (i = 0, k2 = NULL; i < 300 && k2 == NULL; i++) {
		k2 = cache_gen_key(&a, "ns", "x");
		if (k2 == NULL)
			pause_ms(10);
	}
	ck_assert_ptr_nonnull(k2);
	ck_assert_str_ne(k2, k1);
}
END_TEST

/* "YYYY-MM-DD" d days from today (UTC). */
static const char *
day(int d)
{
	static char	 buf[4][16];
	static int	 n;
	time_t		 t = time(NULL) + (time_t)d * 86400;
	struct tm	 tm;

	n = (n + 1) % 4;
	gmtime_r(&t, &tm);
	strftime(buf[n], sizeof(buf[n]), "%Y-%m-%d", &tm);
	return buf[n];
}

START_TEST(test_page_keys)
{
	char	 q[64];

	ck_assert_str_eq(page_cache_key(&a, "/movies/x", NULL, 0),
	    "page:/movies/x");
	ck_assert_str_eq(page_cache_key(&a, "/movies/x", "", 1),
	    "page:/movies/x");
	snprintf(q, sizeof(q), "date=%s", day(3));
	ck_assert_str_eq(page_cache_key(&a, "/movies/x", q, 1),
	    arena_printf(&a, "page:/movies/x?date=%s", day(3)));
	/* Only where the page takes a date, and only a date. */
	ck_assert_ptr_null(page_cache_key(&a, "/", q, 0));
	ck_assert_ptr_null(page_cache_key(&a, "/movies/x",
	    arena_printf(&a, "%s&city=Pune", q), 1));
	ck_assert_ptr_null(page_cache_key(&a, "/movies/x",
	    arena_printf(&a, "city=Pune&%s", q), 1));
	ck_assert_ptr_null(page_cache_key(&a, "/movies/x", "x=1", 1));
	/* The edges of the kept range, and just outside. */
	snprintf(q, sizeof(q), "date=%s", day(-PAGE_DAYS_BEFORE));
	ck_assert_ptr_nonnull(page_cache_key(&a, "/m", q, 1));
	snprintf(q, sizeof(q), "date=%s", day(PAGE_DAYS_AFTER));
	ck_assert_ptr_nonnull(page_cache_key(&a, "/m", q, 1));
	snprintf(q, sizeof(q), "date=%s", day(-PAGE_DAYS_BEFORE - 2));
	ck_assert_ptr_null(page_cache_key(&a, "/m", q, 1));
	snprintf(q, sizeof(q), "date=%s", day(PAGE_DAYS_AFTER + 2));
	ck_assert_ptr_null(page_cache_key(&a, "/m", q, 1));
	/* Not dates: the app shows today for them, under no date's key. */
	ck_assert_ptr_null(page_cache_key(&a, "/m", "date=2026-02-30", 1));
	ck_assert_ptr_null(page_cache_key(&a, "/m", "date=2026-2-3", 1));
	ck_assert_ptr_null(page_cache_key(&a, "/m", "date=2026-02-030", 1));
	ck_assert_ptr_null(page_cache_key(&a, "/m", "date=%32026-02-03", 1));
	ck_assert_ptr_null(page_cache_key(&a, "/m", "date=", 1));
}
END_TEST

START_TEST(test_page_purge)
{
	const char	*keys[] = { "page:/m", NULL, NULL, NULL };
	size_t		 i;

	keys[1] = arena_printf(&a, "page:/m?date=%s", day(-PAGE_DAYS_BEFORE));
	keys[2] = arena_printf(&a, "page:/m?date=%s", day(0));
	keys[3] = arena_printf(&a, "page:/m?date=%s", day(PAGE_DAYS_AFTER));
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(cache_set(keys[i], "x", 1, 60), 0);
	ck_assert_int_eq(cache_set("page:/other", "y", 1, 60), 0);
	page_cache_purge(&a, (const char *[]){ "/n", "/m" }, 2);
	for (i = 0; i < 4; i++)
		ck_assert_msg(cache_get(&a, keys[i], NULL) == NULL,
		    "%s survived the purge", keys[i]);
	ck_assert_str_eq(cache_get(&a, "page:/other", NULL), "y");
}
END_TEST

/* Done when it returns, the second time too, on a big catalog. */
START_TEST(test_page_purge_is_complete)
{
	const char	**paths;
	const char	*k;
	size_t		 i, n = 1500;
	int		 round;

	paths = arena_alloc(&a, n * sizeof(*paths));
	for (i = 0; i < n; i++)
		paths[i] = arena_printf(&a, "/movies/m%zu", i);
	for (round = 0; round < 3; round++) {
		k = arena_printf(&a, "page:%s?date=%s", paths[n - 1],
		    day(round));
		ck_assert_int_eq(cache_set(k, "x", 1, 60), 0);
		ck_assert_int_eq(cache_set("page:/movies/m0", "x", 1, 60), 0);
		page_cache_purge(&a, paths, n);
		/* Read at once through the other connection. */
		ck_assert_msg(cache_get(&a, k, NULL) == NULL,
		    "round %d: %s still there after the purge", round, k);
		ck_assert_ptr_null(cache_get(&a, "page:/movies/m0", NULL));
	}
}
END_TEST

START_TEST(test_page_purge_after_restart)
{
	const char	*k;

	/* The purge client has a connection, then memcached restarts. */
	page_cache_purge(&a, (const char *[]){ "/m" }, 1);
	mc_kill();
	mc_start();
	k = arena_printf(&a, "page:/m?date=%s", day(1));
	/* Filled again by a worker that got there first. */
	while (cache_set(k, "x", 1, 60) != 0)
		pause_ms(10);
	ck_assert_str_eq(cache_get(&a, k, NULL), "x");
	page_cache_purge(&a, (const char *[]){ "/m" }, 1);
	ck_assert_ptr_null(cache_get(&a, k, NULL));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("cache");
	TCase	*tc = tcase_create("memcached");
	SRunner	*sr;
	int	 failed;

	signal(SIGPIPE, SIG_IGN);
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_invalidation_right_after_restart);
	tcase_add_test(tc, test_no_key_without_a_generation);
	tcase_add_test(tc, test_page_keys);
	tcase_add_test(tc, test_page_purge);
	tcase_add_test(tc, test_page_purge_is_complete);
	tcase_add_test(tc, test_page_purge_after_restart);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
