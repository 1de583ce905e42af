/*
 * Unit tests for src/core/validate.c and validators.c: each validator
 * with lists of valid inputs (and their normalised form) and invalid
 * ones, then declared-field validation of JSON and forms.
 */
#define _DEFAULT_SOURCE		/* timegm() */

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/parse.h"
#include "core/validate.h"

#define NELEM(x)	(sizeof(x) / sizeof((x)[0]))

typedef const char *(*vfn)(struct arena *, const char *, const char **);

/* A valid input and what it normalises to (NULL: unchanged). */
struct good {
	const char	*in;
	const char	*out;
};

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

/* Runs fn over n good inputs and a NULL-terminated list of bad ones. */
static void
check_lists(const char *name, vfn fn, const struct good *good, size_t n,
    const char *const *bad)
{
	const char	*out, *msg;
	size_t		 i;

	for (i = 0; i < n; i++) {
		out = NULL;
		msg = fn(&a, good[i].in, &out);
		ck_assert_msg(msg == NULL, "%s: \"%s\" refused: %s", name,
		    good[i].in, msg);
		ck_assert_msg(strcmp(out, good[i].out ? good[i].out :
		    good[i].in) == 0, "%s: \"%s\" gave \"%s\"", name,
		    good[i].in, out);
	}
	for (i = 0; bad[i] != NULL; i++) {
		out = NULL;
		msg = fn(&a, bad[i], &out);
		ck_assert_msg(msg != NULL, "%s: \"%s\" accepted as \"%s\"",
		    name, bad[i], out);
		ck_assert_ptr_null(out);
	}
}

/* A string of n copies of c followed by tail, in the arena. */
static const char *
repeat(char c, size_t n, const char *tail)
{
	char	*s = arena_alloc(&a, n + strlen(tail) + 1);

	memset(s, c, n);
	strcpy(s + n, tail);
	return s;
}

START_TEST(email)
{
	static const struct good good[] = {
		{ "  Bob@Example.COM ", "Bob@example.com" },
		{ "a@b.co", NULL },
		{ "First.Last+tag@Sub.Example.org",
		    "First.Last+tag@sub.example.org" },
		{ "o'hara@example.ie", NULL },
		{ "x_y-z@xn--bcher-kva.ch", NULL },
		{ "1@2.example", NULL },
	};
	static const char *const bad[] = {
		"", "   ", "plain", "a@b", "@b.com", "a@", "a@@b.com",
		"a@b@c.com", "a b@c.com", ".a@b.com", "a.@b.com", "a..b@c.com",
		"a@-b.com", "a@b-.com", "a@b..com", "a@.b.com", "a@b.com.",
		"a@1.2.3.4", "a@b_c.com", "a\x01@b.com", "a@b.c\x7f",
		"caf\xc3\xa9@x.com", "a@ex ample.com", "\"q\"@b.com",
		"a(b)@c.com", "a@[127.0.0.1]", NULL
	};

	check_lists("email", v_email, good, NELEM(good), bad);
	/* 64 characters of local part, 254 in all. */
	ck_assert_ptr_null(v_email(&a, repeat('a', 64, "@b.co"),
	    &(const char *){ NULL }));
	ck_assert_ptr_nonnull(v_email(&a, repeat('a', 65, "@b.co"),
	    &(const char *){ NULL }));
	ck_assert_ptr_null(v_email(&a, arena_printf(&a, "a@%s.%s.%s.%s",
	    repeat('b', 63, ""), repeat('c', 63, ""), repeat('d', 63, ""),
	    repeat('e', 60, "")), &(const char *){ NULL }));
	ck_assert_ptr_nonnull(v_email(&a, arena_printf(&a, "a@%s.%s.%s.%s",
	    repeat('b', 63, ""), repeat('c', 63, ""), repeat('d', 63, ""),
	    repeat('e', 61, "")), &(const char *){ NULL }));
	ck_assert_ptr_nonnull(v_email(&a, arena_printf(&a, "a@%s.com",
	    repeat('b', 64, "")), &(const char *){ NULL }));
	ck_assert_str_eq(v_email(&a, "x", &(const char *){ NULL }),
	    "must be a valid e-mail address");
}
END_TEST

START_TEST(slug)
{
	static const struct good good[] = {
		{ "the-long-night", NULL }, { "a", NULL }, { "2001", NULL },
		{ "a-1-b", NULL }, { " padded ", "padded" },
	};
	static const char *const bad[] = {
		"", "-a", "a-", "a--b", "The-Night", "a_b", "a b", "caf\xc3\xa9",
		"a.b", "a/b", "-", NULL
	};

	check_lists("slug", v_slug, good, NELEM(good), bad);
	ck_assert_ptr_null(v_slug(&a, repeat('s', 80, ""),
	    &(const char *){ NULL }));
	ck_assert_ptr_nonnull(v_slug(&a, repeat('s', 81, ""),
	    &(const char *){ NULL }));
}
END_TEST

START_TEST(date)
{
	static const struct good good[] = {
		{ "2024-02-29", NULL }, { "2000-02-29", NULL },
		{ "2026-12-31", NULL }, { "0001-01-01", NULL },
		{ "9999-12-31", NULL }, { "2026-04-30", NULL },
		{ " 2026-12-05 ", "2026-12-05" },
	};
	static const char *const bad[] = {
		"", "2023-02-29", "1900-02-29", "2100-02-29", "2026-13-01",
		"2026-00-10", "2026-04-31", "2026-01-00", "2026-01-32",
		"2026-1-01", "26-01-01", "2026-01-01T00:00", "2026/01/01",
		"0000-01-01", "2026-01-0a", "+2026-01-01", "20260101",
		"2026-01-01x", NULL
	};

	check_lists("date", v_date, good, NELEM(good), bad);
}
END_TEST

START_TEST(timestamp)
{
	static const struct good good[] = {
		{ "2026-12-05T14:30:00-05:00", "2026-12-05T19:30:00Z" },
		{ "2026-12-05T19:30:00Z", NULL },
		{ "2026-12-05t19:30:00z", "2026-12-05T19:30:00Z" },
		{ "2026-12-05 19:30:00+00:00", "2026-12-05T19:30:00Z" },
		{ "2026-12-05T19:30:00-00:00", "2026-12-05T19:30:00Z" },
		{ "2026-12-31T22:00:00-05:00", "2027-01-01T03:00:00Z" },
		{ "2026-01-01T03:00:00+05:30", "2025-12-31T21:30:00Z" },
		{ "2026-12-05T20:00:00+05:30", "2026-12-05T14:30:00Z" },
		{ "2024-02-29T23:59:59-01:00", "2024-03-01T00:59:59Z" },
		{ "2026-03-01T00:10:00+01:00", "2026-02-28T23:10:00Z" },
		{ "2024-03-01T00:10:00+01:00", "2024-02-29T23:10:00Z" },
		{ "2026-12-05T19:30:00.123456Z", "2026-12-05T19:30:00Z" },
		{ "2026-12-05T19:30:59.999-00:30", "2026-12-05T20:00:59Z" },
		{ "1970-01-01T00:00:00Z", NULL },
		{ "1969-12-31T23:59:59Z", NULL },
		{ "0001-01-01T00:00:00Z", NULL },
		{ "9999-12-31T23:59:59Z", NULL },
		{ "2026-06-30T23:30:00-23:59", "2026-07-01T23:29:00Z" },
		{ "  2026-12-05T19:30:00Z\n", "2026-12-05T19:30:00Z" },
	};
	static const char *const bad[] = {
		"", "2026-12-05", "2026-12-05T19:30Z", "2026-12-05T19:30:00",
		"2026-13-05T19:30:00Z", "2026-02-30T10:00:00Z",
		"2026-12-05T24:00:00Z", "2026-12-05T19:60:00Z",
		"2026-12-05T19:30:60Z", "2026-12-05T19:30:00+5:00",
		"2026-12-05T19:30:00+05", "2026-12-05T19:30:00+0500",
		"2026-12-05T19:30:00+24:00", "2026-12-05T19:30:00+05:60",
		"2026-12-05T19:30:00.Z", "2026-12-05T19:30:00Zjunk",
		"2026-12-05T19:30:00+05:00junk", "2026-12-05X19:30:00Z",
		"0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00",
		"2026-12-05T9:30:00Z", "2026-12-05T19:30:00 Z", NULL
	};
	const char	*out;

	check_lists("timestamp", v_timestamp, good, NELEM(good), bad);
	ck_assert_str_eq(v_timestamp(&a, "2026-12-05T14:30:00", &out),
	    "must include a time zone offset, such as Z or -05:00");
	ck_assert_str_eq(v_timestamp(&a, "2026-12-05T14:30:00.5", &out),
	    "must include a time zone offset, such as Z or -05:00");
}
END_TEST

/*
 * Compares v_timestamp() with the C library's own calendar arithmetic
 * over many pseudo-random instants and offsets.
 */
START_TEST(timestamp_vs_libc)
{
	static const int mdays[12] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned	 seed = 12345;
	struct tm	 tm;
	time_t		 t;
	const char	*in, *out, *msg;
	char		 want[80];
	int		 i, y, mo, d, off;

	for (i = 0; i < 20000; i++) {
		seed = seed * 1103515245 + 12345;
		y = i < 100 ? (i % 2 ? 1 : 9999) : (int)(seed >> 8) % 9999 + 1;
		seed = seed * 1103515245 + 12345;
		mo = (int)(seed >> 8) % 12 + 1;
		seed = seed * 1103515245 + 12345;
		d = (int)(seed >> 8) % (mdays[mo - 1] + (mo == 2)) + 1;
		if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) ||
		    y % 400 == 0))
			d = 28;
		seed = seed * 1103515245 + 12345;
		off = (int)(seed >> 8) % (2 * 1439 + 1) - 1439;
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = (int)(seed >> 4) % 24;
		tm.tm_min = (int)(seed >> 12) % 60;
		tm.tm_sec = (int)(seed >> 20) % 60;
		in = arena_printf(&a, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
		    y, mo, d, tm.tm_hour, tm.tm_min, tm.tm_sec,
		    off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
		t = timegm(&tm) - (time_t)off * 60;
		gmtime_r(&t, &tm);
		out = NULL;
		msg = v_timestamp(&a, in, &out);
		if (tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999) {
			ck_assert_msg(msg != NULL, "%s accepted", in);
			continue;
		}
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
		ck_assert_msg(msg == NULL && strcmp(out, want) == 0,
		    "%s gave %s, not %s", in, msg ? msg : out, want);
	}
}
END_TEST

START_TEST(local_datetime)
{
	static const struct good good[] = {
		{ "2026-12-05T14:30", "2026-12-05 14:30:00" },
		{ "2026-12-05T14:30:15", "2026-12-05 14:30:15" },
		{ "2026-12-05 09:05", "2026-12-05 09:05:00" },
		{ "2026-12-05T14:30:15.250", "2026-12-05 14:30:15" },
		{ "2024-02-29T00:00", "2024-02-29 00:00:00" },
		{ "2026-12-31T23:59:59", "2026-12-31 23:59:59" },
	};
	static const char *const bad[] = {
		"", "2026-12-05", "2026-12-05T14:30Z", "2026-12-05T14:30-05:00",
		"2026-12-05T14:30:00+01:00", "2026-12-05T25:00",
		"2026-12-05T14:60", "2026-12-05T14:3", "2026-12-05T14:30:",
		"2026-12-05T14:30:61", "2023-02-29T10:00", "2026-12-05T14:30.5",
		"14:30", NULL
	};
	const char	*out;

	check_lists("local_datetime", v_local_datetime, good, NELEM(good),
	    bad);
	ck_assert_str_eq(v_local_datetime(&a, "2026-12-05T14:30Z", &out),
	    "must be a local time, without a time zone offset");
}
END_TEST

START_TEST(time_zone)
{
	static const struct good good[] = {
		{ "America/New_York", NULL }, { "Asia/Kolkata", NULL },
		{ "UTC", NULL }, { "Europe/London", NULL },
		{ "America/Argentina/Buenos_Aires", NULL },
		{ "Etc/GMT+5", NULL }, { " Asia/Tokyo ", "Asia/Tokyo" },
	};
	static const char *const bad[] = {
		"", "../etc/passwd", "/etc/passwd", "America/../../etc/passwd",
		"America/..", "..", "America", "Mars/Olympus_Mons",
		"america/new_york", "posix/UTC", "right/UTC", "localtime",
		"posixrules", "zone.tab", "iso3166.tab", "leapseconds",
		"America//New_York", "America/New_York/", "Asia/Kolkata\\",
		"America/New York", "UTC\x01", "Am\xc3\xa9rica/Lima", NULL
	};

	check_lists("timezone", v_timezone, good, NELEM(good), bad);
	ck_assert_ptr_nonnull(v_timezone(&a, repeat('A', 65, ""),
	    &(const char *){ NULL }));
}
END_TEST

START_TEST(seat)
{
	static const struct good good[] = {
		{ "C7", NULL }, { "c7", "C7" }, { "AA12", NULL },
		{ "aA12", "AA12" }, { "A1", NULL }, { "Z100", NULL },
		{ "AZ99", NULL }, { " B3 ", "B3" },
	};
	static const char *const bad[] = {
		"", "7", "C", "C0", "C07", "C101", "C1000", "AAA1", "C-1",
		"C7A", "C 7", "1C", "\xc3\x84" "1", "C+7", "C99999999999999", NULL
	};

	check_lists("seat", v_seat, good, NELEM(good), bad);
}
END_TEST

START_TEST(url)
{
	static const struct good good[] = {
		{ "https://example.com", NULL },
		{ "http://example.com/path?q=1&r=%20#frag", NULL },
		{ "HTTPS://Example.COM/Poster.JPG",
		    "https://example.com/Poster.JPG" },
		{ "https://cdn.example.com:8443/x", NULL },
		{ "http://[::1]:8080/", NULL },
		{ "https://localhost", NULL },
		{ "https://example.com?x", NULL },
		{ " https://example.com/a ", "https://example.com/a" },
	};
	static const char *const bad[] = {
		"", "example.com", "ftp://example.com", "javascript:alert(1)",
		"https://", "https:///path", "https://exa mple.com",
		"https://example.com/a b", "https://user:pw@example.com/",
		"https://example.com:0/", "https://example.com:99999/",
		"https://example.com:/", "https://example.com:80a/",
		"http://-bad.com", "http://.bad.com", "https://caf\xc3\xa9.fr",
		"https://example.com/\x01", "//example.com",
		"https://example.com/<script>", "https://[::1/", "https://[]/",
		"https:example.com", "http:/example.com", NULL
	};

	check_lists("url", v_url, good, NELEM(good), bad);
	ck_assert_ptr_null(v_url(&a, arena_printf(&a, "https://e.com/%s",
	    repeat('p', 2000 - 14, "")), &(const char *){ NULL }));
	ck_assert_ptr_nonnull(v_url(&a, arena_printf(&a, "https://e.com/%s",
	    repeat('p', 2000 - 13, "")), &(const char *){ NULL }));
}
END_TEST

START_TEST(media_url)
{
	static const struct good good[] = {
		{ "https://example.com/t.mp4", NULL },
		{ "/static/uploads/trailers/ab12.mp4", NULL },
		{ " /static/demo/posters/x-1_2.png ", "/static/demo/posters/x-1_2.png" },
		{ "HTTPS://Example.COM/T.webm", "https://example.com/T.webm" },
	};
	static const char *const bad[] = {
		"", "/static/", "/static/../etc/passwd", "/static//x.mp4",
		"/etc/passwd", "/static/a b.mp4", "/static/x.mp4?y=1",
		"/static/%2e%2e/x", "static/x.mp4", "javascript:alert(1)",
		"/static/x\".mp4", "//example.com/x.mp4", NULL
	};

	check_lists("media url", v_media_url, good, NELEM(good), bad);
	ck_assert_int_eq(site_static_path("/static/uploads/posters/a.png"), 1);
	ck_assert_int_eq(site_static_path("/static/..hidden"), 0);
	ck_assert_int_eq(site_static_path(arena_printf(&a, "/static/%s",
	    repeat('p', 2000 - 8, ""))), 1);
	ck_assert_int_eq(site_static_path(arena_printf(&a, "/static/%s",
	    repeat('p', 2000 - 7, ""))), 0);
}
END_TEST

START_TEST(code)
{
	static const struct good good[] = {
		{ "summer25", "SUMMER25" }, { "ABCD", NULL },
		{ " gift2026 ", "GIFT2026" },
	};
	static const char *const bad[] = {
		"", "ABC", "AB-CD", "AB CD", "ABC\xc3\x89", "ABCD!", NULL
	};

	check_lists("code", v_code, good, NELEM(good), bad);
	ck_assert_ptr_null(v_code(&a, repeat('Z', 32, ""),
	    &(const char *){ NULL }));
	ck_assert_ptr_nonnull(v_code(&a, repeat('Z', 33, ""),
	    &(const char *){ NULL }));
}
END_TEST

START_TEST(luhn)
{
	static const char *const good[] = {
		"4242424242424242", "4000000000000002", "4000000000009995",
		"4000000000000119", "79927398713", "5555555555554444",
		"378282246310005", "00", NULL
	};
	static const char *const bad[] = {
		"4242424242424241", "4242424242424243", "79927398710", "",
		"0", "4242 4242 4242 4242", "4242-4242-4242-4242", "abc",
		"424242424242424a", NULL
	};
	size_t	 i;

	for (i = 0; good[i] != NULL; i++)
		ck_assert_msg(luhn_valid(good[i]), "%s", good[i]);
	for (i = 0; bad[i] != NULL; i++)
		ck_assert_msg(!luhn_valid(bad[i]), "%s", bad[i]);
}
END_TEST

/* Declarations used by the field tests. */
static const char *const ratings[] = { "G", "PG", "PG-13", NULL };

static const struct field card_fields[] = {
	{ "number", FT_STRING, 1, 12, 19, NULL, NULL },
	{ "exp_month", FT_INT, 1, 1, 12, NULL, NULL },
	{ "name", FT_STRING, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field seat_item[] = {
	{ "seat", FT_SEAT, 1, 0, 0, NULL, NULL },
};

static const struct field showtime_fields[] = {
	{ "movie_id", FT_ID, 1, 0, 0, NULL, NULL },
	{ "starts_at", FT_TIMESTAMP, 1, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field showtime_item[] = {
	{ "showtime", FT_OBJECT, 1, 0, 0, NULL, showtime_fields },
};

static const struct field movie[] = {
	{ "title", FT_STRING, 1, 0, 0, NULL, NULL },
	{ "synopsis", FT_TEXT, 0, 0, 0, NULL, NULL },
	{ "duration_minutes", FT_INT, 1, 1, 600, NULL, NULL },
	{ "content_rating", FT_ENUM, 1, 0, 0, ratings, NULL },
	{ "poster_url", FT_URL, 0, 0, 0, NULL, NULL },
	{ "featured", FT_BOOL, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field booking[] = {
	{ "showtime_id", FT_ID, 1, 0, 0, NULL, NULL },
	{ "seats", FT_ARRAY, 1, 1, 10, NULL, seat_item },
	{ "card", FT_OBJECT, 0, 0, 0, NULL, card_fields },
	{ "price_cents", FT_MONEY, 0, 0, 0, NULL, NULL },
	{ "promo_code", FT_CODE, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field showtimes[] = {
	{ "showtimes", FT_ARRAY, 1, 0, 0, NULL, showtime_item },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static void
json_release(void *p)
{
	json_decref(p);
}

/* Loads JSON text, owned by the arena. */
static json_t *
js(const char *text)
{
	json_t	*j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);

	ck_assert_msg(j != NULL, "bad test JSON: %s", text);
	return arena_defer(&a, json_release, j);
}

/* Validates JSON text against fields; returns validate_json's answer. */
static int
vj(const struct field *fields, const char *text, struct vresult *r)
{
	return validate_json(&a, fields, js(text), r);
}

/* Validates a form body against fields. */
static int
vf(const struct field *fields, const char *body, struct vresult *r)
{
	struct kvlist	 l;

	ck_assert_int_eq(parse_urlencoded(&a, body, strlen(body), NULL, &l,
	    NULL), PARSE_OK);
	return validate_form(&a, fields, &l, r);
}

/* The error recorded for path, or NULL. */
static const char *
err(const struct vresult *r, const char *path)
{
	return json_string_value(json_object_get(r->errors, path));
}

START_TEST(fields_json_good)
{
	struct vresult	 r;

	ck_assert_int_eq(vj(movie, "{\"title\": \"  The Long Night \", "
	    "\"duration_minutes\": 125, \"content_rating\": \"PG-13\", "
	    "\"synopsis\": \"Line one\\r\\n\\tLine two\\n\", "
	    "\"admin\": true, \"featured\": false, \"poster_url\": null}",
	    &r), 0);
	ck_assert_uint_eq(json_object_size(r.errors), 0);
	ck_assert_str_eq(vresult_str(&r, "title"), "The Long Night");
	ck_assert_str_eq(vresult_str(&r, "synopsis"), "Line one\n\tLine two");
	ck_assert(json_is_integer(json_object_get(r.values,
	    "duration_minutes")));
	ck_assert_int_eq(vresult_int(&r, "duration_minutes"), 125);
	ck_assert_str_eq(vresult_str(&r, "content_rating"), "PG-13");
	ck_assert(json_is_false(json_object_get(r.values, "featured")));
	ck_assert(vresult_has(&r, "featured"));
	ck_assert(!vresult_has(&r, "admin"));
	ck_assert(!vresult_has(&r, "poster_url"));
	ck_assert_uint_eq(json_object_size(r.values), 5);
}
END_TEST

START_TEST(fields_json_bad)
{
	struct vresult	 r;

	ck_assert_int_eq(vj(movie, "{\"title\": \"   \", "
	    "\"duration_minutes\": 601, \"content_rating\": \"X\", "
	    "\"poster_url\": \"ftp://x\", \"featured\": \"true\"}", &r), -1);
	ck_assert_str_eq(err(&r, "title"), "is required");
	ck_assert_str_eq(err(&r, "duration_minutes"),
	    "must be between 1 and 600");
	ck_assert_str_eq(err(&r, "content_rating"),
	    "must be one of: G, PG, PG-13");
	ck_assert_ptr_nonnull(err(&r, "poster_url"));
	ck_assert_str_eq(err(&r, "featured"), "must be true or false");
	ck_assert_uint_eq(json_object_size(r.values), 0);

	ck_assert_int_eq(vj(movie, "{\"title\": 7, \"duration_minutes\": "
	    "\"90\", \"content_rating\": [\"G\"]}", &r), -1);
	ck_assert_str_eq(err(&r, "title"), "must be a string");
	ck_assert_str_eq(err(&r, "duration_minutes"), "must be a number");
	ck_assert_str_eq(err(&r, "content_rating"), "must be a string");
	ck_assert_int_eq(vj(movie, "{\"title\": null, \"duration_minutes\": "
	    "90.0}", &r), -1);
	ck_assert_str_eq(err(&r, "title"), "is required");
	ck_assert_str_eq(err(&r, "duration_minutes"),
	    "must be a whole number");
	ck_assert_str_eq(err(&r, "content_rating"), "is required");
	ck_assert_uint_eq(json_object_size(r.errors), 3);

	ck_assert_int_eq(vj(movie, "[1, 2]", &r), -1);
	ck_assert_str_eq(err(&r, ""), "must be an object");
	ck_assert_int_eq(validate_json(&a, movie, NULL, &r), -1);
	ck_assert_str_eq(err(&r, "title"), "is required");
}
END_TEST

START_TEST(fields_nested)
{
	struct vresult	 r;
	json_t		*seats;

	ck_assert_int_eq(vj(booking, "{\"showtime_id\": 12, "
	    "\"seats\": [\"c7\", \"C8\"], \"card\": {\"number\": "
	    "\"4242424242424242\", \"exp_month\": 12, \"cvc\": \"123\"}, "
	    "\"price_cents\": 0, \"promo_code\": \"summer25\"}", &r), 0);
	seats = json_object_get(r.values, "seats");
	ck_assert_uint_eq(json_array_size(seats), 2);
	ck_assert_str_eq(json_string_value(json_array_get(seats, 0)), "C7");
	ck_assert_int_eq(json_integer_value(json_object_get(
	    json_object_get(r.values, "card"), "exp_month")), 12);
	ck_assert_ptr_null(json_object_get(json_object_get(r.values, "card"),
	    "cvc"));
	ck_assert_str_eq(vresult_str(&r, "promo_code"), "SUMMER25");

	ck_assert_int_eq(vj(booking, "{\"showtime_id\": 0, "
	    "\"seats\": [\"C7\", \"C8\", \"C0\", null], \"card\": "
	    "{\"number\": \"42\", \"exp_month\": 13}, \"price_cents\": -1}",
	    &r), -1);
	ck_assert_str_eq(err(&r, "showtime_id"), "must be a valid id");
	ck_assert_ptr_nonnull(err(&r, "seats[2]"));
	ck_assert_str_eq(err(&r, "seats[3]"), "is required");
	ck_assert_str_eq(err(&r, "card.number"),
	    "must be at least 12 characters");
	ck_assert_str_eq(err(&r, "card.exp_month"),
	    "must be between 1 and 12");
	ck_assert_str_eq(err(&r, "price_cents"), "must not be negative");
	ck_assert_ptr_null(err(&r, "seats"));
	ck_assert_ptr_null(err(&r, "card"));
	ck_assert(!vresult_has(&r, "seats"));
	ck_assert(!vresult_has(&r, "card"));

	ck_assert_int_eq(vj(booking, "{\"showtime_id\": 1, \"seats\": [], "
	    "\"card\": {}}", &r), -1);
	ck_assert_str_eq(err(&r, "seats"), "must have at least 1 item");
	ck_assert_str_eq(err(&r, "card.number"), "is required");
	ck_assert_int_eq(vj(booking, "{\"showtime_id\": 1, \"seats\": "
	    "\"C7\", \"card\": [1]}", &r), -1);
	ck_assert_str_eq(err(&r, "seats"), "must be a list");
	ck_assert_str_eq(err(&r, "card"), "must be an object");
	ck_assert_int_eq(vj(booking, "{\"showtime_id\": 1, \"seats\": "
	    "[\"A1\",\"A2\",\"A3\",\"A4\",\"A5\",\"A6\",\"A7\",\"A8\","
	    "\"A9\",\"A10\",\"A11\"]}", &r), -1);
	ck_assert_str_eq(err(&r, "seats"), "must have at most 10 items");
}
END_TEST

START_TEST(fields_array_of_objects)
{
	struct vresult	 r;
	json_t		*st;

	ck_assert_int_eq(vj(showtimes, "{\"showtimes\": [{\"movie_id\": 3, "
	    "\"starts_at\": \"2026-12-05T14:30:00-05:00\"}, {\"movie_id\": 4, "
	    "\"starts_at\": \"2026-12-05T14:30:00\"}, 5]}", &r), -1);
	ck_assert_str_eq(err(&r, "showtimes[1].starts_at"),
	    "must include a time zone offset, such as Z or -05:00");
	ck_assert_str_eq(err(&r, "showtimes[2]"), "must be an object");
	ck_assert_uint_eq(json_object_size(r.errors), 2);
	ck_assert_int_eq(vj(showtimes, "{\"showtimes\": [{\"movie_id\": 3, "
	    "\"starts_at\": \"2026-12-05T14:30:00-05:00\"}]}", &r), 0);
	st = json_array_get(json_object_get(r.values, "showtimes"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(st, "starts_at")),
	    "2026-12-05T19:30:00Z");
	ck_assert_int_eq(vj(showtimes, "{\"showtimes\": []}", &r), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(r.values,
	    "showtimes")), 0);
	/* Lists of objects cannot come from a form. */
	ck_assert_int_eq(vf(showtimes, "showtimes=1", &r), -1);
	ck_assert_str_eq(err(&r, "showtimes"), "must be a list");
}
END_TEST

START_TEST(fields_form_typing)
{
	struct vresult	 r;

	ck_assert_int_eq(vf(movie, "title=+Night+&duration_minutes=+90+&"
	    "content_rating=PG&poster_url=&synopsis=a%0D%0Ab&junk=1", &r), 0);
	ck_assert_str_eq(vresult_str(&r, "title"), "Night");
	ck_assert_int_eq(vresult_int(&r, "duration_minutes"), 90);
	ck_assert(json_is_integer(json_object_get(r.values,
	    "duration_minutes")));
	ck_assert(!vresult_has(&r, "poster_url"));
	ck_assert_str_eq(vresult_str(&r, "synopsis"), "a\nb");
	/* An unticked checkbox is false. */
	ck_assert(vresult_has(&r, "featured"));
	ck_assert(!vresult_bool(&r, "featured"));
	ck_assert(!vresult_has(&r, "junk"));

	ck_assert_int_eq(vf(movie, "title=T&duration_minutes=90&"
	    "content_rating=G&featured=on", &r), 0);
	ck_assert(vresult_bool(&r, "featured"));
	ck_assert(json_is_true(json_object_get(r.values, "featured")));
	ck_assert_int_eq(vf(movie, "title=T&duration_minutes=90&"
	    "content_rating=G&featured=0", &r), 0);
	ck_assert(json_is_false(json_object_get(r.values, "featured")));

	ck_assert_int_eq(vf(movie, "title=T&duration_minutes=9.5&"
	    "content_rating=G&featured=maybe", &r), -1);
	ck_assert_str_eq(err(&r, "duration_minutes"), "must be a number");
	ck_assert_str_eq(err(&r, "featured"), "must be true or false");
	ck_assert_int_eq(vf(movie, "title=T&duration_minutes="
	    "99999999999999999999&content_rating=G", &r), -1);
	ck_assert_str_eq(err(&r, "duration_minutes"),
	    "must be between 1 and 600");
	ck_assert_int_eq(vf(movie, "duration_minutes=&title=", &r), -1);
	ck_assert_str_eq(err(&r, "duration_minutes"), "is required");
	ck_assert_str_eq(err(&r, "title"), "is required");
	ck_assert_str_eq(err(&r, "content_rating"), "is required");
	/* The first of repeated keys counts for a single field. */
	ck_assert_int_eq(vf(movie, "title=A&title=B&duration_minutes=1&"
	    "content_rating=G", &r), 0);
	ck_assert_str_eq(vresult_str(&r, "title"), "A");
}
END_TEST

START_TEST(fields_form_nested)
{
	struct vresult	 r;
	json_t		*seats, *card;

	ck_assert_int_eq(vf(booking, "showtime_id=12&seats=c7&seats=C8&"
	    "card.number=4242424242424242&card.exp_month=7&price_cents=1500",
	    &r), 0);
	seats = json_object_get(r.values, "seats");
	ck_assert_uint_eq(json_array_size(seats), 2);
	ck_assert_str_eq(json_string_value(json_array_get(seats, 0)), "C7");
	card = json_object_get(r.values, "card");
	ck_assert_int_eq(json_integer_value(json_object_get(card,
	    "exp_month")), 7);
	ck_assert_int_eq(vresult_int(&r, "showtime_id"), 12);
	ck_assert_int_eq(vresult_int(&r, "price_cents"), 1500);

	ck_assert_int_eq(vf(booking, "showtime_id=-3&seats=C7&seats=&"
	    "seats=Q0&card.exp_month=1", &r), -1);
	ck_assert_str_eq(err(&r, "showtime_id"), "must be a valid id");
	ck_assert_str_eq(err(&r, "seats[1]"), "is required");
	ck_assert_str_eq(err(&r, "seats[2]"), "must be a seat such as C7");
	ck_assert_str_eq(err(&r, "card.number"), "is required");
	ck_assert_int_eq(vf(booking, "showtime_id=abc", &r), -1);
	ck_assert_str_eq(err(&r, "showtime_id"), "must be a number");
	ck_assert_str_eq(err(&r, "seats"), "is required");
	ck_assert(!vresult_has(&r, "card"));
	ck_assert_ptr_null(err(&r, "card"));
	ck_assert_int_eq(validate_form(&a, booking, NULL, &r), -1);
	ck_assert_str_eq(err(&r, "showtime_id"), "is required");
}
END_TEST

START_TEST(fields_strings)
{
	static const struct field f[] = {
		{ "name", FT_STRING, 0, 0, 0, NULL, NULL },
		{ "nick", FT_STRING, 0, 2, 5, NULL, NULL },
		{ "bio", FT_TEXT, 0, 0, 0, NULL, NULL },
		{ "password", FT_PASSWORD, 0, 0, 0, NULL, NULL },
		{ NULL, 0, 0, 0, 0, NULL, NULL }
	};
	struct vresult	 r;
	json_t		*o;

	ck_assert_int_eq(vj(f, "{\"name\": \"  \", \"nick\": \"\\u00e9t\\u00e9\","
	    " \"bio\": \"a\\tb\", \"password\": \"  ten chars \"}", &r), 0);
	ck_assert_str_eq(vresult_str(&r, "name"), "");
	ck_assert_str_eq(vresult_str(&r, "nick"), "\xc3\xa9t\xc3\xa9");
	ck_assert_str_eq(vresult_str(&r, "password"), "  ten chars ");
	ck_assert_int_eq(vj(f, "{\"name\": \"a\\tb\", \"nick\": \"x\", "
	    "\"bio\": \"a\\u0000b\", \"password\": \"short\"}", &r), -1);
	ck_assert_str_eq(err(&r, "name"), "must not contain control characters");
	ck_assert_str_eq(err(&r, "nick"), "must be at least 2 characters");
	ck_assert_str_eq(err(&r, "bio"), "must not contain control characters");
	ck_assert_str_eq(err(&r, "password"), "must be at least 10 characters");
	ck_assert_int_eq(vj(f, "{\"name\": \"\\u0085\", \"nick\": \"abcdef\", "
	    "\"bio\": \"x\\u009fy\", \"password\": \"\"}", &r), -1);
	ck_assert_str_eq(err(&r, "name"), "must not contain control characters");
	ck_assert_str_eq(err(&r, "bio"), "must not contain control characters");
	ck_assert_str_eq(err(&r, "nick"), "must be at most 5 characters");
	ck_assert_ptr_null(err(&r, "password"));
	ck_assert(!vresult_has(&r, "password"));

	/* Default lengths: 200 code points for a string, 5000 for text. */
	o = json_object();
	json_object_set_new(o, "name", json_string(repeat('x', 200, "")));
	json_object_set_new(o, "bio", json_string(repeat('y', 5000, "")));
	ck_assert_int_eq(validate_json(&a, f, o, &r), 0);
	json_object_set_new(o, "name", json_string(repeat('x', 201, "")));
	json_object_set_new(o, "bio", json_string(repeat('y', 5001, "")));
	ck_assert_int_eq(validate_json(&a, f, o, &r), -1);
	ck_assert_str_eq(err(&r, "name"), "must be at most 200 characters");
	ck_assert_str_eq(err(&r, "bio"), "must be at most 5000 characters");
	json_decref(o);
	ck_assert_int_eq(vf(f, "name=%C3%A9", &r), 0);
	ck_assert_str_eq(vresult_str(&r, "name"), "\xc3\xa9");
}
END_TEST

START_TEST(fields_formats)
{
	static const struct field f[] = {
		{ "email", FT_EMAIL, 1, 0, 0, NULL, NULL },
		{ "tz", FT_TIMEZONE, 0, 0, 0, NULL, NULL },
		{ "day", FT_DATE, 0, 0, 0, NULL, NULL },
		{ "at", FT_LOCAL_DATETIME, 0, 0, 0, NULL, NULL },
		{ "slug", FT_SLUG, 0, 0, 0, NULL, NULL },
		{ "n", FT_INT, 0, 0, 0, NULL, NULL },
		{ "big", FT_INT, 0, 10, 9223372036854775807LL, NULL, NULL },
		{ NULL, 0, 0, 0, 0, NULL, NULL }
	};
	struct vresult	 r;

	ck_assert_int_eq(vj(f, "{\"email\": \"  Bob@Example.COM \", "
	    "\"tz\": \"Asia/Kolkata\", \"day\": \"2024-02-29\", "
	    "\"at\": \"2026-12-05T14:30\", \"slug\": \"\", "
	    "\"n\": -9223372036854775807, \"big\": 10}", &r), 0);
	ck_assert_str_eq(vresult_str(&r, "email"), "Bob@example.com");
	ck_assert_str_eq(vresult_str(&r, "at"), "2026-12-05 14:30:00");
	ck_assert(!vresult_has(&r, "slug"));
	ck_assert_int_eq(vj(f, "{\"email\": \"bob\", \"tz\": "
	    "\"../etc/passwd\", \"day\": \"2023-02-29\", \"slug\": \"A\", "
	    "\"big\": 9}", &r), -1);
	ck_assert_str_eq(err(&r, "email"), "must be a valid e-mail address");
	ck_assert_ptr_nonnull(err(&r, "tz"));
	ck_assert_ptr_nonnull(err(&r, "day"));
	ck_assert_ptr_nonnull(err(&r, "slug"));
	ck_assert_str_eq(err(&r, "big"), "must be at least 10");
	ck_assert_int_eq(vj(f, "{\"email\": \"a\\u0000@b.co\"}", &r), -1);
	ck_assert_str_eq(err(&r, "email"),
	    "must not contain control characters");
	ck_assert_int_eq(vf(f, "email=a%40b.co&n=-12&big=", &r), 0);
	ck_assert_int_eq(vresult_int(&r, "n"), -12);
	ck_assert(!vresult_has(&r, "big"));
}
END_TEST

static Suite *
validate_suite(void)
{
	Suite	*s = suite_create("validate");
	TCase	*v = tcase_create("validators");
	TCase	*f = tcase_create("fields");

	tcase_add_checked_fixture(v, setup, teardown);
	tcase_add_checked_fixture(f, setup, teardown);
	tcase_add_test(v, email);
	tcase_add_test(v, slug);
	tcase_add_test(v, date);
	tcase_add_test(v, timestamp);
	tcase_add_test(v, timestamp_vs_libc);
	tcase_add_test(v, local_datetime);
	tcase_add_test(v, time_zone);
	tcase_add_test(v, seat);
	tcase_add_test(v, url);
	tcase_add_test(v, media_url);
	tcase_add_test(v, code);
	tcase_add_test(v, luhn);
	tcase_add_test(f, fields_json_good);
	tcase_add_test(f, fields_json_bad);
	tcase_add_test(f, fields_nested);
	tcase_add_test(f, fields_array_of_objects);
	tcase_add_test(f, fields_form_typing);
	tcase_add_test(f, fields_form_nested);
	tcase_add_test(f, fields_strings);
	tcase_add_test(f, fields_formats);
	suite_add_tcase(s, v);
	suite_add_tcase(s, f);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(validate_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
