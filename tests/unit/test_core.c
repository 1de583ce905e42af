/*
 * Core: arena, buffer, configuration, metrics, and the front function
 * driven with FastCGI parameters as nginx would send them.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/metrics.h"
#include "core/request.h"
#include "core/router.h"
#include "core/worker.h"
#include "view/render.h"

static int	 cleanup_order[4];
static int	 ncleanup;

static void
note_cleanup(void *p)
{
	cleanup_order[ncleanup++] = *(int *)p;
}

START_TEST(test_arena_alloc_and_reset)
{
	struct arena	 a;
	static int	 one = 1, two = 2;
	char		*p, *big;
	int		 i;

	arena_init(&a);
	for (i = 0; i < 10000; i++) {
		p = arena_alloc(&a, 24);
		ck_assert_uint_eq((uintptr_t)p % 16, 0);
		memset(p, 0xab, 24);
	}
	big = arena_alloc(&a, 1 << 20);
	memset(big, 1, 1 << 20);
	ck_assert_str_eq(arena_printf(&a, "%s-%d", "seat", 7), "seat-7");
	ck_assert_str_eq(arena_strndup(&a, "abcdef", 3), "abc");
	ncleanup = 0;
	arena_defer(&a, note_cleanup, &one);
	arena_defer(&a, note_cleanup, &two);
	arena_reset(&a);
	/* Newest first, each once. */
	ck_assert_int_eq(ncleanup, 2);
	ck_assert_int_eq(cleanup_order[0], 2);
	ck_assert_int_eq(cleanup_order[1], 1);
	ck_assert_uint_eq(a.total, 0);
	p = arena_calloc(&a, 10, 10);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(p[i], 0);
	arena_free(&a);
	ck_assert_int_eq(ncleanup, 2);
}
END_TEST

/*
 * jansson inside a request: its memory comes from the arena and goes back
 * at the reset; values made before (heap) and strings from json_dumps
 * are released where they came from.
 */
START_TEST(test_arena_json)
{
	struct arena	 a;
	json_t		*before, *in;
	char		*text, *p;
	size_t		 used;

	arena_init(&a);
	before = json_pack("{s:s}", "made", "outside");
	ck_assert_uint_eq(a.total, 0);
	arena_json_begin(&a);
	in = json_pack("{s:[i,i,i],s:s}", "seats", 1, 2, 3, "title", "Heat");
	ck_assert_uint_gt(a.total, 0);
	json_object_set(in, "before", before);
	text = json_dumps(in, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(text, "{\"before\":{\"made\":\"outside\"},"
	    "\"seats\":[1,2,3],\"title\":\"Heat\"}");
	arena_json_free(text);
	used = a.total;
	json_decref(in);		/* nothing freed: the arena keeps it */
	ck_assert_uint_eq(a.total, used);
	ck_assert_int_eq(json_object_size(before), 1);
	json_decref(before);		/* the heap one goes back to malloc */
	arena_reset(&a);
	arena_json_end();
	ck_assert_uint_eq(a.total, 0);
	in = json_pack("[s]", "after");	/* outside again: the heap */
	ck_assert_uint_eq(a.total, 0);
	json_decref(in);
	/* The blocks stay for the next request. */
	p = arena_alloc(&a, 64);
	arena_reset(&a);
	ck_assert_ptr_eq(arena_alloc(&a, 64), p);
	arena_free(&a);
}
END_TEST

START_TEST(test_buf)
{
	struct buf	 b = BUF_INIT;
	char		*s;

	buf_printf(&b, "%d seats", 3);
	buf_addc(&b, ' ');
	buf_add_html(&b, "<a href=\"x\">Tom & Jerry's</a>", 29);
	ck_assert_str_eq(b.data, "3 seats &lt;a href=&quot;x&quot;&gt;"
	    "Tom &amp; Jerry&#39;s&lt;/a&gt;");
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");
	buf_adds(&b, "kept");
	s = buf_release(&b);
	ck_assert_str_eq(s, "kept");
	ck_assert_ptr_null(b.data);
	free(s);
}
END_TEST

START_TEST(test_config_file_and_env)
{
	char	 path[] = "/tmp/marquee-conf-XXXXXX", err[256];
	FILE	*f;
	int	 fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs("# comment\n listen = unix:/tmp/x.sock \nworkers=3\n"
	    "body_limit = 2048\nlisten_mode = 0600\n", f);
	fclose(f);
	unsetenv("MARQUEE_WORKERS");
	ck_assert_int_eq(config_load(path, err, sizeof(err)), 0);
	ck_assert_str_eq(cfg.listen, "unix:/tmp/x.sock");
	ck_assert_int_eq(cfg.workers, 3);
	ck_assert_uint_eq(cfg.body_limit, 2048);
	ck_assert_int_eq(cfg.listen_mode, 0600);
	ck_assert_int_eq(cfg.hold_minutes, 8);		/* default */
	setenv("MARQUEE_WORKERS", "5", 1);
	setenv("MARQUEE_MEMCACHED", "10.0.0.1:11211,10.0.0.2:11211", 1);
	ck_assert_int_eq(config_load(path, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.workers, 5);
	ck_assert_str_eq(cfg.memcached, "10.0.0.1:11211,10.0.0.2:11211");
	setenv("MARQUEE_WORKERS", "five", 1);
	ck_assert_int_eq(config_load(path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "workers"));
	unsetenv("MARQUEE_WORKERS");
	unsetenv("MARQUEE_MEMCACHED");
	f = fopen(path, "w");
	fputs("no_such_key = 1\n", f);
	fclose(f);
	ck_assert_int_eq(config_load(path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown key 'no_such_key'"));
	f = fopen(path, "w");
	fputs("just words\n", f);
	fclose(f);
	ck_assert_int_eq(config_load(path, err, sizeof(err)), -1);
	ck_assert_int_eq(config_load("/nonexistent/marquee.conf", err,
	    sizeof(err)), -1);
	unlink(path);
	config_free();
}
END_TEST

START_TEST(test_metrics)
{
	struct buf	 b = BUF_INIT;

	ck_assert_int_eq(metrics_init(), 0);
	metrics_inc(M_TX_RETRIES);
	metrics_add(M_TX_RETRIES, 2);
	ck_assert_uint_eq(metrics_get(M_TX_RETRIES), 3);
	metrics_request(1, 200, 1500);
	metrics_request(1, 200, 3000000);
	metrics_request(1, 404, 10);
	ck_assert_uint_eq(metrics_requests(1, 200), 2);
	ck_assert_uint_eq(metrics_requests(1, 404), 1);
	metrics_render(&b, router_name, 2);
	ck_assert_ptr_nonnull(strstr(b.data, "marquee_tx_retries_total 3\n"));
	ck_assert_ptr_nonnull(strstr(b.data,
	    "marquee_request_duration_seconds_bucket{route=\"unmatched\",le=\"0.0025\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(b.data,
	    "marquee_request_duration_seconds_count{route=\"unmatched\"} 3\n"));
	buf_free(&b);
}
END_TEST

/* A request as nginx sends it, through the whole front function. */
struct fake {
	struct arena	 a;
	struct buf	 body;
	struct buf	 out;
	struct request	 r;
	char		*env[16];
};

static void
run(struct fake *f, const char *method, const char *uri, const char *extra)
{
	int	 n = 0;

	memset(f, 0, sizeof(*f));
	arena_init(&f->a);
	f->env[n++] = arena_printf(&f->a, "REQUEST_METHOD=%s", method);
	f->env[n++] = arena_printf(&f->a, "REQUEST_URI=%s", uri);
	f->env[n++] = "REMOTE_ADDR=203.0.113.9";
	f->env[n++] = "REQUEST_ID=abc123";
	if (extra != NULL)
		f->env[n++] = (char *)extra;
	f->env[n] = NULL;
	f->r.a = &f->a;
	f->r.envp = f->env;
	f->r.resp.body = &f->body;
	worker_dispatch(&f->r);
	resp_serialize(&f->r, &f->out, 0);
}

static void
done(struct fake *f)
{
	arena_free(&f->a);
	buf_free(&f->body);
	buf_free(&f->out);
}

static void
dispatch_setup(void)
{
	char	 err[256];

	ck_assert_int_eq(config_load(NULL, err, sizeof(err)), 0);
	free(cfg.templates);
	cfg.templates = strdup(TOP_SRCDIR "/templates");
	ck_assert_int_eq(app_worker_init(err, sizeof(err)), 0);
}

static void
dispatch_teardown(void)
{
	app_worker_exit();
	config_free();
}

START_TEST(test_dispatch_ok_and_404)
{
	struct fake	 f;

	run(&f, "GET", "/healthz", NULL);
	ck_assert_int_eq(f.r.resp.status, 200);
	ck_assert_str_eq(f.body.data, "ok\n");
	ck_assert_ptr_nonnull(strstr(f.out.data, "Status: 200 OK\r\n"));
	ck_assert_ptr_nonnull(strstr(f.out.data, "Content-Length: 3\r\n"));
	done(&f);

	run(&f, "GET", "/v1/no/such/thing", NULL);
	ck_assert_int_eq(f.r.resp.status, 404);
	ck_assert_str_eq(f.body.data, "{\"error\":{\"code\":\"not_found\","
	    "\"message\":\"there is nothing at this address\"}}");
	done(&f);

	/* Pages get an HTML error page, escaped. */
	run(&f, "GET", "/no-such-page", NULL);
	ck_assert_int_eq(f.r.resp.status, 404);
	ck_assert_ptr_nonnull(strstr(f.out.data, "text/html"));
	ck_assert_ptr_nonnull(strstr(f.body.data, "<h1>Not Found</h1>"));
	done(&f);
}
END_TEST

START_TEST(test_dispatch_405)
{
	struct fake	 f;

	run(&f, "DELETE", "/healthz", NULL);
	ck_assert_int_eq(f.r.resp.status, 405);
	ck_assert_ptr_nonnull(strstr(f.out.data, "Allow: GET, HEAD\r\n"));
	done(&f);
	run(&f, "BREW", "/v1/status", NULL);
	ck_assert_int_eq(f.r.resp.status, 405);
	ck_assert_ptr_nonnull(strstr(f.body.data, "method_not_allowed"));
	done(&f);
}
END_TEST

START_TEST(test_dispatch_bad_inputs)
{
	struct fake	 f;

	run(&f, "GET", "/healthz?a=%zz", NULL);
	ck_assert_int_eq(f.r.resp.status, 400);
	ck_assert_ptr_nonnull(strstr(f.body.data, "percent"));
	done(&f);
	run(&f, "GET", "/v1/status?x=%C0%AF", NULL);
	ck_assert_int_eq(f.r.resp.status, 400);
	ck_assert_ptr_nonnull(strstr(f.body.data, "bad_request"));
	done(&f);
	run(&f, "GET", "/v1/%ff", NULL);
	ck_assert_int_eq(f.r.resp.status, 400);
	done(&f);
	run(&f, "POST", "/v1/status", "CONTENT_LENGTH=99999999999");
	ck_assert_int_eq(f.r.resp.status, 405);
	done(&f);
}
END_TEST

START_TEST(test_dispatch_body_limit)
{
	struct fake	 f;

	/* The limit is checked before anything is read. */
	cfg.body_limit = 100;
	run(&f, "GET", "/healthz", "CONTENT_LENGTH=101");
	ck_assert_int_eq(f.r.resp.status, 413);
	done(&f);
	run(&f, "GET", "/v1/status", "CONTENT_LENGTH=5000000");
	ck_assert_int_eq(f.r.resp.status, 413);
	ck_assert_ptr_nonnull(strstr(f.body.data, "payload_too_large"));
	done(&f);
	run(&f, "GET", "/healthz", "CONTENT_LENGTH=-1");
	ck_assert_int_eq(f.r.resp.status, 400);
	done(&f);
}
END_TEST

START_TEST(test_dispatch_internal_only)
{
	struct fake	 f;

	run(&f, "GET", "/metrics", NULL);	/* from 203.0.113.9 */
	ck_assert_int_eq(f.r.resp.status, 403);
	done(&f);
}
END_TEST

START_TEST(test_internal_addresses)
{
	struct request	 r;
	static const char *const yes[] = { "127.0.0.1", "127.8.9.1",
	    "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "::1",
	    "fd00::1", "unix:", NULL };
	static const char *const no[] = { "8.8.8.8", "172.32.0.1",
	    "192.169.0.1", "2001:db8::1", "", "garbage", NULL };
	int	 i;

	memset(&r, 0, sizeof(r));
	for (i = 0; yes[i]; i++) {
		r.remote_addr = yes[i];
		ck_assert_msg(req_is_internal(&r), "%s should be internal", yes[i]);
	}
	for (i = 0; no[i]; i++) {
		r.remote_addr = no[i];
		ck_assert_msg(!req_is_internal(&r), "%s should not be internal", no[i]);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("core");
	TCase	*tc = tcase_create("core"), *td = tcase_create("dispatch");
	SRunner	*sr;
	int	 failed;

	arena_json_setup();	/* as every program does first */
	tcase_add_test(tc, test_arena_alloc_and_reset);
	tcase_add_test(tc, test_arena_json);
	tcase_add_test(tc, test_buf);
	tcase_add_test(tc, test_config_file_and_env);
	tcase_add_test(tc, test_metrics);
	tcase_add_test(tc, test_internal_addresses);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(td, dispatch_setup, dispatch_teardown);
	tcase_add_test(td, test_dispatch_ok_and_404);
	tcase_add_test(td, test_dispatch_405);
	tcase_add_test(td, test_dispatch_bad_inputs);
	tcase_add_test(td, test_dispatch_body_limit);
	tcase_add_test(td, test_dispatch_internal_only);
	suite_add_tcase(s, td);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
