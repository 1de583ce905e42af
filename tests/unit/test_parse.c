/*
 * Unit tests for src/core/parse.c: UTF-8, percent-decoding, query and
 * form parsing, cookies, and their limits.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/parse.h"

#define NELEM(x)	(sizeof(x) / sizeof((x)[0]))

static struct arena	 a;

static void
setup(void)
{
	arena_init(&a);
}

static void
teardown(void)
{
	arena_free(&a);
}

/* Parses s as a form with limits l (NULL: defaults). */
static enum parse_err
form(const char *s, const struct parse_limits *l, struct kvlist *out,
    const char **where)
{
	return parse_urlencoded(&a, s, strlen(s), l, out, where);
}

START_TEST(utf8_good)
{
	static const char *const good[] = {
		"", "plain ascii", "caf\xc3\xa9", "\xe2\x82\xac",
		"\xf0\x9f\x8e\xac", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80",
		"\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf",
		"\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf",
	};
	size_t	 i;

	for (i = 0; i < NELEM(good); i++)
		ck_assert_msg(utf8_valid(good[i], strlen(good[i])),
		    "good[%zu]", i);
}
END_TEST

START_TEST(utf8_bad)
{
	static const char *const bad[] = {
		"\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xc2", "\xc2\x41",
		"\xe0\x80\xaf", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
		"\xe2\x82", "\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf",
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80",
		"\xfe", "\xff", "ok\xf0\x9f\x8e", "\xf0\x9f\x8e\x41",
	};
	size_t	 i;

	for (i = 0; i < NELEM(bad); i++)
		ck_assert_msg(!utf8_valid(bad[i], strlen(bad[i])),
		    "bad[%zu]", i);
	ck_assert(!utf8_valid("a\0b", 3));
	/* The length counts, not the NUL. */
	ck_assert(utf8_valid("\xc3\xa9", 2));
	ck_assert(!utf8_valid("\xc3\xa9", 1));
	ck_assert_uint_eq(utf8_count("caf\xc3\xa9 \xf0\x9f\x8e\xac", 10), 6);
}
END_TEST

START_TEST(pct_table)
{
	static const struct {
		const char	*in;
		int		 plus;
		enum parse_err	 e;
		const char	*out;
	} t[] = {
		{ "", 1, PARSE_OK, "" },
		{ "abc", 1, PARSE_OK, "abc" },
		{ "%41+B", 1, PARSE_OK, "A B" },
		{ "%41+B", 0, PARSE_OK, "A+B" },
		{ "%2b%2B", 1, PARSE_OK, "++" },
		{ "caf%C3%A9", 1, PARSE_OK, "caf\xc3\xa9" },
		{ "%e2%82%ac", 1, PARSE_OK, "\xe2\x82\xac" },
		{ "%F4%8F%BF%BF", 1, PARSE_OK, "\xf4\x8f\xbf\xbf" },
		{ "100%25", 1, PARSE_OK, "100%" },
		{ "%", 1, PARSE_BAD_ENCODING, NULL },
		{ "%4", 1, PARSE_BAD_ENCODING, NULL },
		{ "a%4", 1, PARSE_BAD_ENCODING, NULL },
		{ "%G1", 1, PARSE_BAD_ENCODING, NULL },
		{ "%1G", 1, PARSE_BAD_ENCODING, NULL },
		{ "%%41", 1, PARSE_BAD_ENCODING, NULL },
		{ "%00", 1, PARSE_BAD_UTF8, NULL },
		{ "a%00b", 1, PARSE_BAD_UTF8, NULL },
		{ "%C0%AF", 1, PARSE_BAD_UTF8, NULL },
		{ "%ED%A0%80", 1, PARSE_BAD_UTF8, NULL },
		{ "%F4%90%80%80", 1, PARSE_BAD_UTF8, NULL },
		{ "%C3", 1, PARSE_BAD_UTF8, NULL },
		{ "\xff", 1, PARSE_BAD_UTF8, NULL },
	};
	char	*out;
	size_t	 i, len;

	for (i = 0; i < NELEM(t); i++) {
		out = NULL;
		ck_assert_msg(pct_decode(&a, t[i].in, strlen(t[i].in),
		    t[i].plus, &out, &len) == t[i].e, "t[%zu] %s", i, t[i].in);
		if (t[i].out == NULL)
			continue;
		ck_assert_str_eq(out, t[i].out);
		ck_assert_uint_eq(len, strlen(t[i].out));
	}
}
END_TEST

START_TEST(form_example)
{
	struct kvlist	 l;
	const char	*where = "unset";

	ck_assert_int_eq(form("a=1&b=&c&&d=%41+B", NULL, &l, &where),
	    PARSE_OK);
	ck_assert_ptr_null(where);
	ck_assert_uint_eq(l.n, 4);
	ck_assert_str_eq(l.v[0].key, "a");
	ck_assert_str_eq(l.v[0].val, "1");
	ck_assert_str_eq(l.v[1].key, "b");
	ck_assert_str_eq(l.v[1].val, "");
	ck_assert_str_eq(l.v[2].key, "c");
	ck_assert_str_eq(l.v[2].val, "");
	ck_assert_uint_eq(l.v[2].vlen, 0);
	ck_assert_str_eq(l.v[3].key, "d");
	ck_assert_str_eq(l.v[3].val, "A B");
	ck_assert_uint_eq(l.v[3].vlen, 3);
	ck_assert_str_eq(kv_get(&l, "d"), "A B");
	ck_assert_ptr_null(kv_get(&l, "e"));
}
END_TEST

START_TEST(form_shapes)
{
	struct kvlist	 l;

	ck_assert_int_eq(form("", NULL, &l, NULL), PARSE_OK);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(form("&&&", NULL, &l, NULL), PARSE_OK);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(form("x=1=2&y==", NULL, &l, NULL), PARSE_OK);
	ck_assert_str_eq(kv_get(&l, "x"), "1=2");
	ck_assert_str_eq(kv_get(&l, "y"), "=");
	ck_assert_int_eq(form("=v&%20k%20=%20", NULL, &l, NULL), PARSE_OK);
	ck_assert_str_eq(kv_get(&l, ""), "v");
	ck_assert_str_eq(kv_get(&l, " k "), " ");
	ck_assert_int_eq(form("s=C7&s=C8&t=1&s=D1", NULL, &l, NULL),
	    PARSE_OK);
	ck_assert_uint_eq(kv_count(&l, "s"), 3);
	ck_assert_uint_eq(kv_count(&l, "t"), 1);
	ck_assert_uint_eq(kv_count(&l, "u"), 0);
	ck_assert_str_eq(kv_get(&l, "s"), "C7");
	ck_assert_int_eq(form("k%3D=v%26w", NULL, &l, NULL), PARSE_OK);
	ck_assert_str_eq(kv_get(&l, "k="), "v&w");
	ck_assert_ptr_null(kv_get(NULL, "a"));
	ck_assert_uint_eq(kv_count(NULL, "a"), 0);
}
END_TEST

START_TEST(form_errors)
{
	struct kvlist	 l;
	const char	*where;

	ck_assert_int_eq(form("a=1&b=%4", NULL, &l, &where),
	    PARSE_BAD_ENCODING);
	ck_assert_str_eq(where, "b");
	ck_assert_uint_eq(l.n, 0);
	ck_assert_ptr_null(l.v);
	ck_assert_int_eq(form("a=1&b%G1=2", NULL, &l, &where),
	    PARSE_BAD_ENCODING);
	ck_assert_str_eq(where, "b%G1");
	ck_assert_int_eq(form("na%6De=%C0%AF", NULL, &l, &where),
	    PARSE_BAD_UTF8);
	ck_assert_str_eq(where, "name");
	ck_assert_int_eq(form("q=%ED%A0%80", NULL, &l, &where),
	    PARSE_BAD_UTF8);
	ck_assert_int_eq(form("q=%F4%90%80%80", NULL, &l, &where),
	    PARSE_BAD_UTF8);
	ck_assert_int_eq(form("q=%F4%8F%BF%BF", NULL, &l, &where), PARSE_OK);
	ck_assert_int_eq(form("q=a%00b", NULL, &l, &where), PARSE_BAD_UTF8);
	ck_assert_int_eq(form("%00=1", NULL, &l, &where), PARSE_BAD_UTF8);
	/* Raw bytes: a NUL, and a name shown safely. */
	ck_assert_int_eq(parse_urlencoded(&a, "a=\0", 3, NULL, &l, &where),
	    PARSE_BAD_UTF8);
	ck_assert_int_eq(form("\x01\xff%=1", NULL, &l, &where),
	    PARSE_BAD_ENCODING);
	ck_assert_str_eq(where, "??%");
	/* where is optional. */
	ck_assert_int_eq(form("%", NULL, &l, NULL), PARSE_BAD_ENCODING);
}
END_TEST

START_TEST(form_only_n_bytes)
{
	struct kvlist	 l;

	ck_assert_int_eq(parse_urlencoded(&a, "a=1&b=2", 3, NULL, &l, NULL),
	    PARSE_OK);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(kv_get(&l, "a"), "1");
	ck_assert_int_eq(parse_urlencoded(&a, "a=%41", 4, NULL, &l, NULL),
	    PARSE_BAD_ENCODING);
}
END_TEST

START_TEST(cookies_core)
{
	struct kvlist	 l;
	const char	*where = "unset";

	ck_assert_int_eq(parse_cookies(&a,
	    "sid=abc123; theme=\"dark\";  lang = en ;x=", NULL, &l, &where),
	    PARSE_OK);
	ck_assert_ptr_null(where);
	ck_assert_uint_eq(l.n, 4);
	ck_assert_str_eq(kv_get(&l, "sid"), "abc123");
	ck_assert_str_eq(kv_get(&l, "theme"), "dark");
	ck_assert_str_eq(kv_get(&l, "lang"), "en");
	ck_assert_str_eq(kv_get(&l, "x"), "");
	/* No percent-decoding; '=' in the value kept; one quote pair. */
	ck_assert_int_eq(parse_cookies(&a, "a=%41; b=x=y; c=\"\"; d=\"q",
	    NULL, &l, NULL), PARSE_OK);
	ck_assert_str_eq(kv_get(&l, "a"), "%41");
	ck_assert_str_eq(kv_get(&l, "b"), "x=y");
	ck_assert_str_eq(kv_get(&l, "c"), "");
	ck_assert_str_eq(kv_get(&l, "d"), "\"q");
	ck_assert_int_eq(parse_cookies(&a, "", NULL, &l, NULL), PARSE_OK);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(parse_cookies(&a, NULL, NULL, &l, NULL), PARSE_OK);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(parse_cookies(&a, "n=caf\xc3\xa9", NULL, &l, NULL),
	    PARSE_OK);
	ck_assert_str_eq(kv_get(&l, "n"), "caf\xc3\xa9");
}
END_TEST

START_TEST(cookies_garbage)
{
	struct kvlist	 l;
	const char	*where;

	ck_assert_int_eq(parse_cookies(&a,
	    ";;garbage; =nameless; bad name=1; a\"b=2; ok=1; ctl=a\tb; ;",
	    NULL, &l, &where), PARSE_OK);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(kv_get(&l, "ok"), "1");
	ck_assert_int_eq(parse_cookies(&a, "ok=1; bad=\xc0\xaf", NULL, &l,
	    &where), PARSE_BAD_UTF8);
	ck_assert_str_eq(where, "bad");
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(parse_cookies(&a, "bad=\xed\xa0\x80", NULL, &l,
	    NULL), PARSE_BAD_UTF8);
}
END_TEST

START_TEST(integers_and_bools)
{
	static const struct {
		const char	*in;
		int		 r;
		long long	 v;
	} t[] = {
		{ "0", 1, 0 }, { "42", 1, 42 }, { "-7", 1, -7 },
		{ "007", 1, 7 },
		{ "9223372036854775807", 1, 9223372036854775807LL },
		{ "-9223372036854775808", 1, -9223372036854775807LL - 1 },
		{ "9223372036854775808", -1, 0 },
		{ "-9223372036854775809", -1, 0 },
		{ "99999999999999999999999", -1, 0 },
		{ "", 0, 0 }, { "-", 0, 0 }, { "+1", 0, 0 }, { "1.5", 0, 0 },
		{ " 1", 0, 0 }, { "1e3", 0, 0 }, { "0x10", 0, 0 },
	};
	long long	 v;
	size_t		 i;

	for (i = 0; i < NELEM(t); i++) {
		v = 0;
		ck_assert_msg(parse_integer(t[i].in, strlen(t[i].in), &v) ==
		    t[i].r, "t[%zu] %s", i, t[i].in);
		if (t[i].r == 1)
			ck_assert(v == t[i].v);
	}
	ck_assert_int_eq(parse_bool("on", 2), 1);
	ck_assert_int_eq(parse_bool("TRUE", 4), 1);
	ck_assert_int_eq(parse_bool("1", 1), 1);
	ck_assert_int_eq(parse_bool("Off", 3), 0);
	ck_assert_int_eq(parse_bool("false", 5), 0);
	ck_assert_int_eq(parse_bool("0", 1), 0);
	ck_assert_int_eq(parse_bool("yes", 3), -1);
	ck_assert_int_eq(parse_bool("", 0), -1);
	ck_assert_int_eq(parse_bool("onx", 2), 1);
}
END_TEST

START_TEST(strerror_all)
{
	int	 e;

	ck_assert_str_eq(parse_strerror(PARSE_BAD_ENCODING),
	    "malformed percent-encoding");
	for (e = 0; e < PARSE_ERR__MAX; e++)
		ck_assert_ptr_nonnull(parse_strerror((enum parse_err)e));
	ck_assert_ptr_nonnull(parse_strerror(PARSE_ERR__MAX));
	ck_assert_ptr_nonnull(parse_strerror((enum parse_err)-1));
}
END_TEST

START_TEST(limits_fields)
{
	struct parse_limits	 l = { 3, 0, 0 };
	struct kvlist		 kv;
	const char		*where = "unset";

	ck_assert_int_eq(form("a=1&b=2&c=3", &l, &kv, &where), PARSE_OK);
	ck_assert_uint_eq(kv.n, 3);
	ck_assert_int_eq(form("a=1&&b=2&c=3&", &l, &kv, &where), PARSE_OK);
	ck_assert_int_eq(form("a=1&b=2&c=3&d", &l, &kv, &where),
	    PARSE_TOO_MANY_FIELDS);
	ck_assert_ptr_null(where);
	ck_assert_uint_eq(kv.n, 0);
	ck_assert_int_eq(parse_cookies(&a, "a=1; b=2; c=3", &l, &kv, NULL),
	    PARSE_OK);
	ck_assert_int_eq(parse_cookies(&a, "a=1; b=2; junk; c=3; ;", &l,
	    &kv, NULL), PARSE_OK);
	ck_assert_uint_eq(kv.n, 3);
	ck_assert_int_eq(parse_cookies(&a, "a=1; b=2; c=3; d=4", &l, &kv,
	    &where), PARSE_TOO_MANY_FIELDS);
	ck_assert_str_eq(where, "d");
}
END_TEST

START_TEST(limits_lengths)
{
	struct parse_limits	 l = { 0, 4, 3 };
	struct kvlist		 kv;
	const char		*where;

	ck_assert_int_eq(form("abcd=123", &l, &kv, &where), PARSE_OK);
	ck_assert_int_eq(form("abcde=1", &l, &kv, &where),
	    PARSE_FIELD_TOO_LONG);
	ck_assert_str_eq(where, "abcde");
	ck_assert_int_eq(form("abcd=1234", &l, &kv, &where),
	    PARSE_FIELD_TOO_LONG);
	ck_assert_str_eq(where, "abcd");
	/* Limits apply to decoded bytes. */
	ck_assert_int_eq(form("%61%62%63%64=%41%42%43", &l, &kv, &where),
	    PARSE_OK);
	ck_assert_int_eq(form("k=%C3%A9%C3%A9", &l, &kv, &where),
	    PARSE_FIELD_TOO_LONG);
	ck_assert_int_eq(parse_cookies(&a, "abcd=123", &l, &kv, &where),
	    PARSE_OK);
	ck_assert_int_eq(parse_cookies(&a, "abcd=\"123\"", &l, &kv, &where),
	    PARSE_OK);
	ck_assert_int_eq(parse_cookies(&a, "abcde=1", &l, &kv, &where),
	    PARSE_FIELD_TOO_LONG);
	ck_assert_str_eq(where, "abcde");
	ck_assert_int_eq(parse_cookies(&a, "a=1234", &l, &kv, &where),
	    PARSE_FIELD_TOO_LONG);
}
END_TEST

START_TEST(limits_defaults)
{
	struct kvlist	 kv;
	char		*s;
	const char	*where;
	size_t		 i;

	s = malloc(PARSE_MAX_FIELDS * 2 + 3);
	for (i = 0; i < PARSE_MAX_FIELDS; i++)
		memcpy(s + 2 * i, "a&", 2);
	s[2 * PARSE_MAX_FIELDS - 1] = '\0';
	ck_assert_int_eq(form(s, NULL, &kv, NULL), PARSE_OK);
	ck_assert_uint_eq(kv.n, PARSE_MAX_FIELDS);
	strcat(s, "&b");
	ck_assert_int_eq(form(s, NULL, &kv, NULL), PARSE_TOO_MANY_FIELDS);
	free(s);
	s = malloc(PARSE_MAX_VALUE + 4);
	memcpy(s, "v=", 2);
	memset(s + 2, 'x', PARSE_MAX_VALUE);
	s[PARSE_MAX_VALUE + 2] = '\0';
	ck_assert_int_eq(form(s, NULL, &kv, NULL), PARSE_OK);
	strcat(s, "x");
	ck_assert_int_eq(form(s, NULL, &kv, &where), PARSE_FIELD_TOO_LONG);
	ck_assert_str_eq(where, "v");
	memset(s, 'k', PARSE_MAX_KEY + 1);
	s[PARSE_MAX_KEY + 1] = '\0';
	ck_assert_int_eq(form(s, NULL, &kv, &where), PARSE_FIELD_TOO_LONG);
	ck_assert_uint_eq(strlen(where), 64 + 3);
	s[PARSE_MAX_KEY] = '\0';
	ck_assert_int_eq(form(s, NULL, &kv, &where), PARSE_OK);
	free(s);
}
END_TEST

static Suite *
parse_suite(void)
{
	Suite	*s = suite_create("parse");
	TCase	*core = tcase_create("core");
	TCase	*lim = tcase_create("limits");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_checked_fixture(lim, setup, teardown);
	tcase_add_test(core, utf8_good);
	tcase_add_test(core, utf8_bad);
	tcase_add_test(core, pct_table);
	tcase_add_test(core, form_example);
	tcase_add_test(core, form_shapes);
	tcase_add_test(core, form_errors);
	tcase_add_test(core, form_only_n_bytes);
	tcase_add_test(core, cookies_core);
	tcase_add_test(core, cookies_garbage);
	tcase_add_test(core, integers_and_bools);
	tcase_add_test(core, strerror_all);
	tcase_add_test(lim, limits_fields);
	tcase_add_test(lim, limits_lengths);
	tcase_add_test(lim, limits_defaults);
	suite_add_tcase(s, core);
	suite_add_tcase(s, lim);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(parse_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
