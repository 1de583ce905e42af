/*
 * Unit tests for src/view/mustache*.c: every case of the mustache spec
 * files (interpolation, sections, inverted, comments, partials, delimiters
 * and ~inheritance), then parse errors, escaping, truthiness, runaway
 * templates, directory loading and the set operations.
 *
 * The spec directory is $MUSTACHE_SPEC_DIR, else the MUSTACHE_SPEC_DIR
 * macro, else tests/unit/mustache-spec (relative to the working directory).
 */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "view/mustache.h"
#include "view/render.h"

#ifndef MUSTACHE_SPEC_DIR
#define MUSTACHE_SPEC_DIR	"tests/unit/mustache-spec"
#endif

#define NELEM(x)	(sizeof(x) / sizeof((x)[0]))

static const char *const spec_files[] = {
	"comments", "delimiters", "interpolation", "inverted", "partials",
	"sections", "~inheritance",
};

static const char *
spec_dir(void)
{
	const char	*d = getenv("MUSTACHE_SPEC_DIR");

	return d != NULL && *d != '\0' ? d : MUSTACHE_SPEC_DIR;
}

/*
 * Runs one spec case; returns 1 if it passed.  If verbose, a failure is
 * printed with the file, the test name, the expected and the actual text.
 */
static int
run_case(const char *file, json_t *tc, int verbose)
{
	struct mu_set	*set = mu_set_new();
	struct buf	 out = BUF_INIT;
	json_t		*tmpl = json_object_get(tc, "template");
	json_t		*exp = json_object_get(tc, "expected");
	json_t		*parts = json_object_get(tc, "partials"), *v;
	const char	*name = json_string_value(json_object_get(tc, "name"));
	const char	*key;
	char		 err[256] = "";
	int		 ok;

	ok = mu_set_add(set, "<test>", json_string_value(tmpl),
	    json_string_length(tmpl), err, sizeof(err)) == 0;
	json_object_foreach(parts, key, v)
		if (ok && mu_set_add(set, key, json_string_value(v),
		    json_string_length(v), err, sizeof(err)) == -1)
			ok = 0;
	if (ok)
		ok = mu_render(set, "<test>", json_object_get(tc, "data"),
		    &out) == 0 && out.len == json_string_length(exp) &&
		    memcmp(out.data != NULL ? out.data : "",
		    json_string_value(exp), out.len) == 0;
	if (!ok && verbose)
		fprintf(stderr, "FAIL %s: %s\n  expected: [%s]\n  got:      "
		    "[%s]%s%s\n", file, name, json_string_value(exp),
		    out.data != NULL ? out.data : "", *err ? "\n  error: " :
		    "", err);
	buf_free(&out);
	mu_set_free(set);
	return ok;
}

/*
 * Runs every case of spec file file (without .json); adds to *passed and
 * *total.  Returns -1 if the file cannot be read, else 0.
 */
static int
run_spec_file(const char *file, int verbose, int *passed, int *total)
{
	json_error_t	 jerr;
	json_t		*doc, *tests;
	char		 path[1024];
	size_t		 i;

	snprintf(path, sizeof(path), "%s/%s.json", spec_dir(), file);
	if ((doc = json_load_file(path, 0, &jerr)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, jerr.text);
		return -1;
	}
	tests = json_object_get(doc, "tests");
	for (i = 0; i < json_array_size(tests); i++) {
		(*total)++;
		*passed += run_case(file, json_array_get(tests, i), verbose);
	}
	json_decref(doc);
	return 0;
}

START_TEST(spec)
{
	int	 passed = 0, total = 0;

	ck_assert_msg(run_spec_file(spec_files[_i], 1, &passed, &total) == 0,
	    "cannot read spec file %s", spec_files[_i]);
	ck_assert_int_gt(total, 0);
	ck_assert_msg(passed == total, "%s: %d of %d cases passed",
	    spec_files[_i], passed, total);
}
END_TEST

/* Adds src under name, asserting success. */
static void
add(struct mu_set *s, const char *name, const char *src)
{
	char	 err[256] = "";

	ck_assert_msg(mu_set_add(s, name, src, strlen(src), err,
	    sizeof(err)) == 0, "%s: %s", name, err);
}

/* Renders name against the JSON text ctx; returns the output (free it). */
static char *
render(struct mu_set *s, const char *name, const char *ctx)
{
	struct buf	 out = BUF_INIT;
	json_t		*j = ctx != NULL ? json_loads(ctx, JSON_DECODE_ANY,
			    NULL) : NULL;

	ck_assert_msg(ctx == NULL || j != NULL, "bad JSON %s", ctx);
	ck_assert_int_eq(mu_render(s, name, j, &out), 0);
	json_decref(j);
	return buf_release(&out);
}

/* Asserts that template src renders as want against ctx. */
static void
expect(const char *src, const char *ctx, const char *want)
{
	struct mu_set	*s = mu_set_new();
	char		*got;

	add(s, "t", src);
	got = render(s, "t", ctx);
	ck_assert_msg(strcmp(got, want) == 0, "%s: want [%s] got [%s]", src,
	    want, got);
	free(got);
	mu_set_free(s);
}

/* Asserts that src fails to parse with an error containing want. */
static void
expect_error(const char *src, const char *want)
{
	struct mu_set	*s = mu_set_new();
	char		 err[256] = "";

	ck_assert_msg(mu_set_add(s, "t", src, strlen(src), err,
	    sizeof(err)) == -1, "%s: parsed", src);
	ck_assert_msg(strstr(err, want) != NULL, "%s: want error [%s] got "
	    "[%s]", src, want, err);
	ck_assert(!mu_set_has(s, "t"));
	mu_set_free(s);
}

START_TEST(parse_errors)
{
	expect_error("{{#items}}x", "line 1: unclosed section 'items'");
	expect_error("a\nb\n{{#items}}\n{{name}}\n",
	    "line 3: unclosed section 'items'");
	expect_error("{{#a}}{{^b}}{{/a}}{{/b}}", "does not match 'b'");
	expect_error("\n{{#a}}\n{{/b}}", "line 3: close tag 'b'");
	expect_error("{{/a}}", "unexpected close tag 'a'");
	expect_error("hello {{name", "line 1: unclosed tag");
	expect_error("x\n{{{name}}", "line 2: unclosed tag");
	expect_error("{{! never closed", "unclosed tag");
	expect_error("{{=<% %>=}} <%name", "unclosed tag");
	expect_error("{{=<%=}}", "bad set-delimiter tag");
	expect_error("{{=a b c=}}", "bad set-delimiter tag");
	expect_error("{{= =}}", "bad set-delimiter tag");
	expect_error("{{}}", "empty tag");
	expect_error("{{#}}{{/}}", "empty tag");
	expect_error("{{a b}}", "bad tag name");
	expect_error("{{a..b}}", "bad name 'a..b'");
	expect_error("{{<layout}}{{$title}}x{{/layout}}", "does not match");
	expect_error("{{$title}}x", "unclosed block 'title'");
	expect_error("{{<layout}}", "unclosed parent 'layout'");
}
END_TEST

START_TEST(failed_add_keeps_old)
{
	struct mu_set	*s = mu_set_new();
	char		*got, err[64];

	add(s, "t", "old");
	ck_assert_int_eq(mu_set_add(s, "t", "{{#x}}", 6, err, sizeof(err)),
	    -1);
	got = render(s, "t", NULL);
	ck_assert_str_eq(got, "old");
	free(got);
	/* A NULL error buffer is allowed. */
	ck_assert_int_eq(mu_set_add(s, "u", "{{#x}}", 6, NULL, 0), -1);
	mu_set_free(s);
}
END_TEST

START_TEST(escaping)
{
	expect("{{x}}", "{\"x\": \"a&b<c>d\\\"e'f\"}",
	    "a&amp;b&lt;c&gt;d&quot;e&#39;f");
	expect("{{{x}}}|{{&x}}", "{\"x\": \"&<>\\\"'\"}", "&<>\"'|&<>\"'");
	expect("{{#l}}{{.}}{{/l}}", "{\"l\": [\"<\", \"'\"]}", "&lt;&#39;");
}
END_TEST

START_TEST(values)
{
	expect("{{a}} {{b}} {{c}} {{d}} {{e}}",
	    "{\"a\": 1.0, \"b\": 0.1, \"c\": -42, \"d\": 1e300, \"e\": 2.5e-8}",
	    "1 0.1 -42 1e+300 2.5e-08");
	expect("{{t}} {{f}} {{n}}|{{o}}|{{l}}|",
	    "{\"t\": true, \"f\": false, \"n\": null, \"o\": {\"k\": 1}, "
	    "\"l\": [1]}", "true false |||");
	expect("{{x}}", "\"top\"", "");
	expect("[{{.}}]", "9223372036854775807", "[9223372036854775807]");
	expect("{{a.b.c}}", NULL, "");
}
END_TEST

START_TEST(truthiness)
{
	const char	*t = "{{#v}}yes{{/v}}{{^v}}no{{/v}}";

	expect(t, "{\"v\": \"\"}", "no");
	expect(t, "{\"v\": \"x\"}", "yes");
	expect(t, "{\"v\": 0}", "yes");
	expect(t, "{\"v\": 0.0}", "yes");
	expect(t, "{\"v\": {}}", "yes");
	expect(t, "{\"v\": []}", "no");
	expect(t, "{\"v\": [0]}", "yes");
	expect(t, "{\"v\": null}", "no");
	expect(t, "{\"v\": false}", "no");
	expect(t, "{}", "no");
	expect(t, NULL, "no");
	/* {{#error}} on an optional message. */
	expect("{{#error}}<p>{{error}}</p>{{/error}}", "{\"error\": \"\"}", "");
}
END_TEST

START_TEST(layouts)
{
	struct mu_set	*s = mu_set_new();
	char		*got;

	add(s, "layouts/base",
	    "<html>\n"
	    "<head><title>{{$title}}Marquee{{/title}}</title></head>\n"
	    "<body>\n"
	    "  {{>partials/nav}}\n"
	    "  <main>\n"
	    "    {{$body}}\n"
	    "    {{/body}}\n"
	    "  </main>\n"
	    "  {{$foot}}{{/foot}}\n"
	    "</body>\n"
	    "</html>\n");
	add(s, "partials/nav",
	    "<nav>\n  {{$nav}}<a href=\"/\">Home</a>{{/nav}}\n</nav>\n");
	add(s, "pages/home",
	    "{{<layouts/base}}\n"
	    "  {{$title}}Now showing{{/title}}\n"
	    "  {{$nav}}<b>{{user}}</b>{{/nav}}\n"
	    "  {{$body}}\n"
	    "    {{#films}}\n"
	    "    <p>{{name}}</p>\n"
	    "    {{/films}}\n"
	    "  {{/body}}\n"
	    "  {{$foot}}<hr>\n<small>{{n}}</small>{{/foot}}\n"
	    "{{/layouts/base}}\n");
	got = render(s, "pages/home", "{\"user\": \"<ann>\", \"films\": "
	    "[{\"name\": \"Up\"}, {\"name\": \"Heat\"}], \"n\": 2}");
	ck_assert_str_eq(got,
	    "<html>\n"
	    "<head><title>Now showing</title></head>\n"
	    "<body>\n"
	    "  <nav>\n"
	    "    <b>&lt;ann&gt;</b>\n"
	    "  </nav>\n"
	    "  <main>\n"
	    "    <p>Up</p>\n"
	    "    <p>Heat</p>\n"
	    "  </main>\n"
	    "  <hr>\n"
	    "  <small>2</small>\n"
	    "</body>\n"
	    "</html>\n");
	free(got);
	mu_set_free(s);
}
END_TEST

/* Asserts that rendering t of set s fails and leaves out untouched. */
static void
expect_runaway(struct mu_set *s, const char *name)
{
	struct buf	 out = BUF_INIT;

	buf_adds(&out, "keep");
	ck_assert_int_eq(mu_render(s, name, NULL, &out), -1);
	ck_assert_str_eq(out.data, "keep");
	buf_free(&out);
}

START_TEST(runaway)
{
	struct mu_set	*s = mu_set_new();
	char		 name[16], src[64];
	int		 i;

	add(s, "self", "x{{>self}}");
	expect_runaway(s, "self");
	add(s, "twice", "{{>twice}}{{>twice}}");
	expect_runaway(s, "twice");
	add(s, "ping", "{{>pong}}");
	add(s, "pong", "{{<ping}}{{/ping}}");
	expect_runaway(s, "ping");
	add(s, "blk", "{{<p}}{{$a}}{{$a}}{{/a}}{{$a}}{{/a}}{{/a}}{{/p}}");
	add(s, "p", "{{$a}}{{/a}}");
	expect_runaway(s, "blk");
	/* Depth 20 but 2^20 leaves: stopped by the step limit. */
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "x%d", i);
		snprintf(src, sizeof(src), "{{>x%d}}{{>x%d}}", i + 1, i + 1);
		add(s, name, src);
	}
	add(s, "x20", "leaf");
	mu_set_limits(s, 0, 5000, 0);
	expect_runaway(s, "x0");
	mu_set_limits(s, 0, 0, 10);
	add(s, "big", "{{#l}}0123456789{{/l}}");
	{
		struct buf	 out = BUF_INIT;
		json_t		*j = json_loads("{\"l\": [1, 2]}", 0, NULL);

		ck_assert_int_eq(mu_render(s, "big", j, &out), -1);
		ck_assert_uint_eq(out.len, 0);
		json_decref(j);
		buf_free(&out);
	}
	mu_set_free(s);
}
END_TEST

START_TEST(recursion_in_bounds)
{
	struct mu_set	*s = mu_set_new();
	char		*got;

	add(s, "tree", "{{name}}{{#kids}}({{>tree}}){{/kids}}");
	/* Leaves need their own empty "kids": names resolve up the stack. */
	got = render(s, "tree", "{\"name\": \"a\", \"kids\": [{\"name\": \"b\","
	    " \"kids\": [{\"name\": \"c\", \"kids\": []}]}, {\"name\": "
	    "\"d\", \"kids\": []}]}");
	ck_assert_str_eq(got, "a(b(c))(d)");
	free(got);
	mu_set_free(s);
}
END_TEST

/* Writes s to dir/rel. */
static void
write_file(const char *dir, const char *rel, const char *s)
{
	char	 path[1024];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(s, f);
	fclose(f);
}

/* Removes the test tree made by load_dir. */
static void
clean_dir(const char *d)
{
	static const char *const files[] = { "page.mustache",
	    "partials/nav.mustache", "partials/deep/x.mustache", "notes.txt",
	    ".hidden.mustache", "bad/broken.mustache" };
	static const char *const dirs[] = { "partials/deep", "partials", "bad" };
	char		 path[1024];
	size_t		 i;

	for (i = 0; i < NELEM(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", d, files[i]);
		unlink(path);
	}
	for (i = 0; i < NELEM(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", d, dirs[i]);
		rmdir(path);
	}
	rmdir(d);
}

START_TEST(load_dir)
{
	struct mu_set	*s = mu_set_new();
	char		 d[] = "/tmp/mustache-test-XXXXXX", sub[1100], err[512];
	char		*got;

	ck_assert_ptr_nonnull(mkdtemp(d));
	snprintf(sub, sizeof(sub), "%s/partials", d);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/partials/deep", d);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	write_file(d, "page.mustache", "[{{>partials/nav}}]");
	write_file(d, "partials/nav.mustache", "nav {{>partials/deep/x}}");
	write_file(d, "partials/deep/x.mustache", "{{who}}\n");
	write_file(d, "notes.txt", "{{#not a template");
	write_file(d, ".hidden.mustache", "{{#hidden");
	ck_assert_int_eq(mu_set_load_dir(s, d, err, sizeof(err)), 3);
	ck_assert(mu_set_has(s, "page"));
	ck_assert(mu_set_has(s, "partials/nav"));
	ck_assert(mu_set_has(s, "partials/deep/x"));
	ck_assert(!mu_set_has(s, "notes"));
	got = render(s, "page", "{\"who\": \"me\"}");
	ck_assert_str_eq(got, "[nav me\n]");
	free(got);

	snprintf(sub, sizeof(sub), "%s/bad", d);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	write_file(d, "bad/broken.mustache", "ok\n{{#open}}\n");
	ck_assert_int_eq(mu_set_load_dir(s, d, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "bad/broken.mustache: line 2: unclosed "
	    "section 'open'") != NULL, "err: %s", err);
	snprintf(sub, sizeof(sub), "%s/nonexistent", d);
	ck_assert_int_eq(mu_set_load_dir(s, sub, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "nonexistent") != NULL, "err: %s", err);
	clean_dir(d);
	mu_set_free(s);
}
END_TEST

START_TEST(replace)
{
	struct mu_set	*s = mu_set_new();
	char		*got;

	add(s, "b", "b1");
	add(s, "a", "a1 {{>b}}");
	add(s, "c", "c1");
	add(s, "b", "b2");
	got = render(s, "a", NULL);
	ck_assert_str_eq(got, "a1 b2");
	free(got);
	got = render(s, "c", NULL);
	ck_assert_str_eq(got, "c1");
	free(got);
	mu_set_free(s);
}
END_TEST

START_TEST(unknown_name)
{
	struct mu_set	*s = mu_set_new();
	struct buf	 out = BUF_INIT;

	add(s, "a", "a");
	ck_assert_int_eq(mu_render(s, "nope", NULL, &out), -1);
	ck_assert_uint_eq(out.len, 0);
	ck_assert(!mu_set_has(s, "nope"));
	ck_assert(mu_set_has(s, "a"));
	mu_set_free(s);
	/* Freeing NULL is a no-op. */
	mu_set_free(NULL);
}
END_TEST

/* Amounts for people, as every page shows them. */
START_TEST(money)
{
	struct arena	 a;

	arena_init(&a);
	ck_assert_str_eq(view_money(&a, 1250, "USD"), "$12.50");
	ck_assert_str_eq(view_money(&a, 5, NULL), "$0.05");
	ck_assert_str_eq(view_money(&a, -305, "USD"), "-$3.05");
	ck_assert_str_eq(view_money(&a, 0, "USD"), "$0.00");
	ck_assert_str_eq(view_money(&a, 123456789, "EUR"), "1234567.89 EUR");
	ck_assert_str_eq(view_money(&a, -1, "EUR"), "-0.01 EUR");
	arena_free(&a);
}
END_TEST

START_TEST(whitespace_extras)
{
	/* Indented partial inside an indented partial. */
	struct mu_set	*s = mu_set_new();
	char		*got;

	add(s, "t", "<ul>\n  {{>item}}\n</ul>\n");
	add(s, "item", "{{#l}}\n<li>\n  {{>label}}\n</li>\n{{/l}}\n");
	add(s, "label", "<b>{{.}}</b>\n");
	got = render(s, "t", "{\"l\": [\"x\", \"y\"]}");
	ck_assert_str_eq(got, "<ul>\n  <li>\n    <b>x</b>\n  </li>\n"
	    "  <li>\n    <b>y</b>\n  </li>\n</ul>\n");
	free(got);
	mu_set_free(s);
	/* \r\n line ends and set delimiters spanning lines. */
	expect("a\r\n{{#s}}\r\n<%x%>\r\n{{/s}}\r\n", "{\"s\": true}",
	    "a\r\n<%x%>\r\n");
	expect("{{=<% %>=}}\n<%#s%>\n<%x%>\n<%/s%>\n", "{\"s\": {\"x\": 1}}",
	    "1\n");
	expect("{{=| |=}}|={{ }}=|{{x}}", "{\"x\": 2}", "2");
}
END_TEST

static Suite *
mustache_suite(void)
{
	Suite	*s = suite_create("mustache");
	TCase	*tc;

	tc = tcase_create("spec");
	tcase_add_loop_test(tc, spec, 0, (int)NELEM(spec_files));
	suite_add_tcase(s, tc);
	tc = tcase_create("engine");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, failed_add_keeps_old);
	tcase_add_test(tc, escaping);
	tcase_add_test(tc, values);
	tcase_add_test(tc, truthiness);
	tcase_add_test(tc, layouts);
	tcase_add_test(tc, runaway);
	tcase_add_test(tc, recursion_in_bounds);
	tcase_add_test(tc, load_dir);
	tcase_add_test(tc, replace);
	tcase_add_test(tc, unknown_name);
	tcase_add_test(tc, whitespace_extras);
	tcase_add_test(tc, money);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	size_t	 i;
	int	 failed, passed = 0, total = 0;

	for (i = 0; i < NELEM(spec_files); i++)
		run_spec_file(spec_files[i], 0, &passed, &total);
	printf("mustache spec: %d of %d cases passed\n", passed, total);
	sr = srunner_create(mustache_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 && total > 0 && passed == total ? EXIT_SUCCESS :
	    EXIT_FAILURE;
}
