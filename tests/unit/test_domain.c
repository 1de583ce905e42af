/*
 * The pure parts of the domains: layouts and slugs, seat prices,
 * best available, promotion discounts, and the e-mail format.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "payments/payments.h"
#include "seating/seating.h"
#include "store/mail.h"

static json_t *
rows(const char *a, const char *b, const char *c)
{
	json_t	*j = json_array();

	if (a) json_array_append_new(j, json_string(a));
	if (b) json_array_append_new(j, json_string(b));
	if (c) json_array_append_new(j, json_string(c));
	return j;
}

START_TEST(test_layouts)
{
	json_t	*j;
	int	 cap = -1;
	char	 big[102];
	size_t	 i;

	j = rows("ss.ss", "ppppp", "wc.cw");
	ck_assert_ptr_null(layout_problem(j, &cap));
	ck_assert_int_eq(cap, 13);
	json_decref(j);
	j = rows("ssx", NULL, NULL);
	ck_assert_ptr_nonnull(layout_problem(j, &cap));
	json_decref(j);
	j = rows("...", "..", NULL);
	ck_assert_str_eq(layout_problem(j, &cap), "must have at least one seat");
	json_decref(j);
	j = json_array();
	ck_assert_ptr_nonnull(layout_problem(j, &cap));
	for (i = 0; i < 53; i++)
		json_array_append_new(j, json_string("s"));
	ck_assert_str_eq(layout_problem(j, &cap), "may have at most 52 rows");
	json_decref(j);
	memset(big, 's', 101);
	big[101] = '\0';
	j = rows(big, NULL, NULL);
	ck_assert_ptr_nonnull(layout_problem(j, &cap));
	big[100] = '\0';
	json_array_set_new(j, 0, json_string(big));
	ck_assert_ptr_null(layout_problem(j, &cap));
	ck_assert_int_eq(cap, 100);
	json_array_set_new(j, 0, json_integer(3));
	ck_assert_ptr_nonnull(layout_problem(j, &cap));
	json_decref(j);
}
END_TEST

START_TEST(test_slugs)
{
	struct arena	 a;

	arena_init(&a);
	ck_assert_str_eq(slugify(&a, "The Long Night!"), "the-long-night");
	ck_assert_str_eq(slugify(&a, "  --Hello,   World--  "), "hello-world");
	ck_assert_str_eq(slugify(&a, "Amélie 2"), "am-lie-2");
	ck_assert_str_eq(slugify(&a, "!!!"), "untitled");
	arena_free(&a);
}
END_TEST

/* Seat prices are seat_price() in SQL (sql/012_pick_function.sql), tested
 * through the seat map and holds in tests/http/seating.test.mjs. */
START_TEST(test_prices)
{
	ck_assert_int_eq(promotion_discount("percent", 10, 2002), 200);
	ck_assert_int_eq(promotion_discount("percent", 15, 1001), 150);
	ck_assert_int_eq(promotion_discount("percent", 100, 1234), 1234);
	ck_assert_int_eq(promotion_discount("amount", 500, 1200), 500);
	ck_assert_int_eq(promotion_discount("amount", 5000, 1200), 1200);
}
END_TEST

/* A seat map from row strings: s free, x taken, w wheelchair, . gap. */
static json_t *
map(const char *const *lines)
{
	json_t	*seats = json_array();
	char	 label[16];
	int	 y, x, n;

	for (y = 0; lines[y] != NULL; y++)
		for (n = 0, x = 0; lines[y][x] != '\0'; x++) {
			if (lines[y][x] == '.')
				continue;
			snprintf(label, sizeof(label), "%c%d", 'A' + y, ++n);
			json_array_append_new(seats, json_pack("{s:s,s:s,s:s,"
			    "s:i,s:i}", "id", label, "type",
			    lines[y][x] == 'w' ? "wheelchair" : "standard",
			    "status", lines[y][x] == 'x' ? "sold" : "available",
			    "x", x, "y", y));
		}
	return seats;
}

static char *
best(const char *const *lines, int n)
{
	json_t	*m = map(lines), *b = best_seats(m, n);
	char	*s = json_dumps(b, JSON_COMPACT);

	json_decref(m);
	json_decref(b);
	return s;
}

START_TEST(test_best_available)
{
	static const char *const empty[] = { "sssssss", "sssssss", "sssssss",
	    "sssssss", NULL };
	static const char *const strand[] = { "xxxxxxx", "xxxxxxx",
	    "sxssssx", "xxxxxxx", NULL };
	static const char *const aisle[] = { "xxxxxxxx", "xxxxxxxx",
	    "ss.sss.s", "xxxxxxxx", NULL };
	static const char *const full[] = { "xxxx", "xsxs", NULL };
	static const char *const wheel[] = { "xxx", "www", NULL };
	char	*s;

	/* Centre of the row, about two thirds back (row C of A-D). */
	s = best(empty, 3);
	ck_assert_str_eq(s, "[\"C3\",\"C4\",\"C5\"]");
	arena_json_free(s);
	/* Row C: C1 free, C2 sold, C3-C6 free, C7 sold.  C4-C5 is nearest
	 * the centre but would strand C3 and C6; C3-C4 strands nothing. */
	s = best(strand, 2);
	ck_assert_str_eq(s, "[\"C3\",\"C4\"]");
	arena_json_free(s);
	/* A group never straddles an aisle. */
	s = best(aisle, 3);
	ck_assert_str_eq(s, "[\"C3\",\"C4\",\"C5\"]");
	arena_json_free(s);
	s = best(aisle, 4);
	ck_assert_str_eq(s, "[]");
	arena_json_free(s);
	/* No two adjacent free seats: nothing rather than a split group. */
	s = best(full, 2);
	ck_assert_str_eq(s, "[]");
	arena_json_free(s);
	/* Wheelchair spaces are not offered as best available. */
	s = best(wheel, 1);
	ck_assert_str_eq(s, "[]");
	arena_json_free(s);
	/* Limits. */
	s = best(empty, 0);
	ck_assert_str_eq(s, "[]");
	arena_json_free(s);
	s = best(empty, 11);
	ck_assert_str_eq(s, "[]");
	arena_json_free(s);
}
END_TEST

START_TEST(test_mail_format)
{
	struct mail	 m;
	struct buf	 b = BUF_INIT;
	char		 err[64];

	ck_assert_int_eq(config_load(NULL, err, sizeof(err)), 0);
	memset(&m, 0, sizeof(m));
	m.to = "ann@example.com";
	m.to_name = "Zoë Ann";
	m.subject = "Your tickets: Amélie";
	m.text = "Hello\n";
	m.html = "<p>Hello</p>";
	m.message_id = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
	m.attach_name = "booking.ics";
	m.attach_type = "text/calendar; charset=utf-8";
	m.attach_data = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
	m.attach_len = strlen(m.attach_data);
	mail_format(&m, &b);
	ck_assert_ptr_nonnull(strstr(b.data, "To: =?UTF-8?B?Wm/DqyBBbm4=?= "
	    "<ann@example.com>\r\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "Subject: =?UTF-8?B?"));
	ck_assert_ptr_nonnull(strstr(b.data, "Message-ID: <1b4e28ba-2fa1-11d2-"
	    "883f-0016d3cca427@marquee>\r\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "Content-Type: multipart/mixed"));
	ck_assert_ptr_nonnull(strstr(b.data, "Content-Type: multipart/alternative"));
	ck_assert_ptr_nonnull(strstr(b.data, "filename=\"booking.ics\""));
	/* "Hello\n" in base64 */
	ck_assert_ptr_nonnull(strstr(b.data, "SGVsbG8K\r\n"));
	/* Every line ends with CRLF and none is longer than 998 octets;
	 * the whole is the size of its parts, nothing more. */
	ck_assert_ptr_null(strstr(b.data, "\n\n"));
	ck_assert_uint_lt(b.len, 2500);
	{
		const char	*p = b.data, *nl;

		while ((nl = strstr(p, "\r\n")) != NULL) {
			ck_assert_uint_le((size_t)(nl - p), 998);
			p = nl + 2;
		}
		ck_assert_str_eq(p, "");
	}
	buf_free(&b);
	config_free();
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("domain");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_layouts);
	tcase_add_test(tc, test_slugs);
	tcase_add_test(tc, test_prices);
	tcase_add_test(tc, test_best_available);
	tcase_add_test(tc, test_mail_format);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
