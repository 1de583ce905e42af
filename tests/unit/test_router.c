/* Router: patterns, captures, 404 and 405 with the allowed methods. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/request.h"
#include "core/router.h"

static void h(struct request *r) { (void)r; }

static const struct route routes[] = {
	{ HTTP_GET, "/", h, AUTH_PUBLIC, 0, NULL, NULL },
	{ HTTP_GET, "/v1/movies", h, AUTH_PUBLIC, 0, NULL, NULL },
	{ HTTP_GET, "/v1/movies/{movie}", h, AUTH_PUBLIC, 0, NULL, NULL },
	{ HTTP_POST, "/v1/movies/add_movie", h, AUTH_ADMIN, 0, NULL, NULL },
	{ HTTP_GET, "/v1/movies/{movie}/listings", h, AUTH_PUBLIC, 0, NULL, NULL },
	{ HTTP_PUT, "/v1/movies/{movie}/update_movie", h, AUTH_ADMIN, 0, NULL, NULL },
	{ HTTP_GET | HTTP_POST, "/theatres/{theatre}/shows/{id}", h, AUTH_PUBLIC, 0, NULL, NULL },
	{ HTTP_DELETE, "/v1/holds/{id}", h, AUTH_USER, 0, NULL, NULL },
};

static struct arena	 a;

static void
setup(void)
{
	arena_init(&a);
	ck_assert_int_eq(router_init(routes, sizeof(routes) / sizeof(routes[0])), 0);
}

static void
teardown(void)
{
	router_free();
	arena_free(&a);
}

static enum route_match
match(const char *path, unsigned m, unsigned *idx, struct kvlist *params,
    unsigned *allowed)
{
	const struct route	*rt = NULL;

	return router_match(&a, path, m, &rt, idx, params, allowed);
}

START_TEST(test_literal_and_capture)
{
	struct kvlist	 p;
	unsigned	 idx, allowed;

	ck_assert_int_eq(match("/", HTTP_GET, &idx, &p, &allowed), ROUTE_FOUND);
	ck_assert_uint_eq(idx, 1);
	ck_assert_int_eq(match("/v1/movies", HTTP_GET, &idx, &p, &allowed), ROUTE_FOUND);
	ck_assert_uint_eq(idx, 2);
	ck_assert_int_eq(match("/v1/movies/the-long-night", HTTP_GET, &idx, &p, &allowed), ROUTE_FOUND);
	ck_assert_uint_eq(idx, 3);
	ck_assert_str_eq(kv_get(&p, "movie"), "the-long-night");
	ck_assert_int_eq(match("/v1/movies/42/listings", HTTP_GET, &idx, &p, &allowed), ROUTE_FOUND);
	ck_assert_str_eq(kv_get(&p, "movie"), "42");
	ck_assert_int_eq(match("/theatres/odeon/shows/7", HTTP_POST, &idx, &p, &allowed), ROUTE_FOUND);
	ck_assert_str_eq(kv_get(&p, "theatre"), "odeon");
	ck_assert_str_eq(kv_get(&p, "id"), "7");
	ck_assert_uint_eq(p.n, 2);
}
END_TEST

START_TEST(test_literal_beats_later_capture_by_order)
{
	struct kvlist	 p;
	unsigned	 idx, allowed;

	/* add_movie is POST; a GET of it is the {movie} page. */
	ck_assert_int_eq(match("/v1/movies/add_movie", HTTP_POST, &idx, &p, &allowed), ROUTE_FOUND);
	ck_assert_uint_eq(idx, 4);
	ck_assert_int_eq(match("/v1/movies/add_movie", HTTP_GET, &idx, &p, &allowed), ROUTE_FOUND);
	ck_assert_uint_eq(idx, 3);
}
END_TEST

START_TEST(test_not_found)
{
	struct kvlist	 p;
	unsigned	 idx, allowed;

	ck_assert_int_eq(match("/nope", HTTP_GET, &idx, &p, &allowed), ROUTE_NOT_FOUND);
	ck_assert_int_eq(match("/v1/movies/x/y", HTTP_GET, &idx, &p, &allowed), ROUTE_NOT_FOUND);
	ck_assert_int_eq(match("/v1//movies", HTTP_GET, &idx, &p, &allowed), ROUTE_NOT_FOUND);
	ck_assert_int_eq(match("/v1/movies//listings", HTTP_GET, &idx, &p, &allowed), ROUTE_NOT_FOUND);
	ck_assert_int_eq(match("/v1/movies/x/listings/extra", HTTP_GET, &idx, &p, &allowed), ROUTE_NOT_FOUND);
	ck_assert_int_eq(match("", HTTP_GET, &idx, &p, &allowed), ROUTE_NOT_FOUND);
}
END_TEST

START_TEST(test_trailing_slash)
{
	struct kvlist	 p;
	unsigned	 idx, allowed;

	ck_assert_int_eq(match("/v1/movies/", HTTP_GET, &idx, &p, &allowed), ROUTE_FOUND);
	ck_assert_uint_eq(idx, 2);
	ck_assert_int_eq(match("/v1/movies//", HTTP_GET, &idx, &p, &allowed), ROUTE_NOT_FOUND);
}
END_TEST

START_TEST(test_method_not_allowed)
{
	struct kvlist	 p;
	unsigned	 idx, allowed;

	ck_assert_int_eq(match("/v1/holds/5", HTTP_GET, &idx, &p, &allowed), ROUTE_BAD_METHOD);
	ck_assert_uint_eq(allowed, HTTP_DELETE);
	ck_assert_str_eq(router_allow(&a, allowed), "DELETE");
	ck_assert_int_eq(match("/v1/movies/x/update_movie", HTTP_POST, &idx, &p, &allowed), ROUTE_BAD_METHOD);
	ck_assert_str_eq(router_allow(&a, allowed), "PUT");
	ck_assert_int_eq(match("/v1/movies", HTTP_DELETE, &idx, &p, &allowed), ROUTE_BAD_METHOD);
	ck_assert_str_eq(router_allow(&a, allowed), "GET, HEAD");
}
END_TEST

START_TEST(test_head_is_get)
{
	struct kvlist	 p;
	unsigned	 idx, allowed;

	ck_assert_int_eq(match("/v1/movies", HTTP_HEAD, &idx, &p, &allowed), ROUTE_FOUND);
	ck_assert_uint_eq(idx, 2);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(router_name(0), "unmatched");
	ck_assert_str_eq(router_name(3), "GET /v1/movies/{movie}");
	ck_assert_str_eq(router_name(7), "GET|POST /theatres/{theatre}/shows/{id}");
	ck_assert_str_eq(router_name(99), "unmatched");
	ck_assert_uint_eq(router_count(), 9);
}
END_TEST

START_TEST(test_bad_patterns)
{
	static const struct route bad1[] = {
		{ HTTP_GET, "no-slash", h, AUTH_PUBLIC, 0, NULL, NULL } };
	static const struct route bad2[] = {
		{ HTTP_GET, "/a/{}", h, AUTH_PUBLIC, 0, NULL, NULL } };
	static const struct route bad3[] = {
		{ HTTP_GET, "/a/{x", h, AUTH_PUBLIC, 0, NULL, NULL } };

	ck_assert_int_eq(router_init(bad1, 1), -1);
	ck_assert_int_eq(router_init(bad2, 1), -1);
	ck_assert_int_eq(router_init(bad3, 1), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("router");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_literal_and_capture);
	tcase_add_test(tc, test_literal_beats_later_capture_by_order);
	tcase_add_test(tc, test_not_found);
	tcase_add_test(tc, test_trailing_slash);
	tcase_add_test(tc, test_method_not_allowed);
	tcase_add_test(tc, test_head_is_get);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_bad_patterns);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
