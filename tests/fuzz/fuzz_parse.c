/*
 * Fuzz harness for the request input parsers and validation.
 *
 * The whole input goes to the query/form parser, the cookie parser,
 * percent-decoding, the UTF-8 check and the Luhn check; then it is split at the first
 * NUL or newline into a JSON body and a form body, which are validated
 * against one declaration that uses every field type.  Beyond "no
 * crash, no leak", the harness checks what callers rely on: whatever a
 * parser returns is valid UTF-8 without NUL bytes, and utf8_valid()
 * agrees with jansson's own UTF-8 check.
 *
 * Build with libFuzzer (clang -fsanitize=fuzzer,address,undefined) or
 * with tests/fuzz/driver.c to replay tests/fuzz/corpus/parse/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/parse.h"
#include "core/validate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const ratings[] = { "G", "PG", "PG-13", "R", NULL };

static const struct field card[] = {
	{ "number", FT_STRING, 1, 12, 19, NULL, NULL },
	{ "exp_month", FT_INT, 1, 1, 12, NULL, NULL },
	{ "ok", FT_BOOL, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field seat_item[] = {
	{ "seat", FT_SEAT, 1, 0, 0, NULL, NULL },
};

static const struct field showtime[] = {
	{ "id", FT_ID, 1, 0, 0, NULL, NULL },
	{ "starts_at", FT_TIMESTAMP, 0, 0, 0, NULL, NULL },
	{ "tags", FT_ARRAY, 0, 0, 3, NULL, seat_item },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field showtime_item[] = {
	{ "showtime", FT_OBJECT, 1, 0, 0, NULL, showtime },
};

static const struct field fields[] = {
	{ "s", FT_STRING, 0, 0, 0, NULL, NULL },
	{ "t", FT_TEXT, 0, 0, 0, NULL, NULL },
	{ "i", FT_INT, 0, -5, 600, NULL, NULL },
	{ "b", FT_BOOL, 0, 0, 0, NULL, NULL },
	{ "email", FT_EMAIL, 0, 0, 0, NULL, NULL },
	{ "pw", FT_PASSWORD, 0, 0, 0, NULL, NULL },
	{ "slug", FT_SLUG, 0, 0, 0, NULL, NULL },
	{ "d", FT_DATE, 0, 0, 0, NULL, NULL },
	{ "ts", FT_TIMESTAMP, 0, 0, 0, NULL, NULL },
	{ "ldt", FT_LOCAL_DATETIME, 0, 0, 0, NULL, NULL },
	{ "tz", FT_TIMEZONE, 0, 0, 0, NULL, NULL },
	{ "seat", FT_SEAT, 0, 0, 0, NULL, NULL },
	{ "rating", FT_ENUM, 0, 0, 0, ratings, NULL },
	{ "url", FT_URL, 0, 0, 0, NULL, NULL },
	{ "card", FT_OBJECT, 0, 0, 0, NULL, card },
	{ "seats", FT_ARRAY, 0, 1, 10, NULL, seat_item },
	{ "showtimes", FT_ARRAY, 0, 0, 0, NULL, showtime_item },
	{ "id", FT_ID, 0, 0, 0, NULL, NULL },
	{ "cents", FT_MONEY, 0, 0, 0, NULL, NULL },
	{ "code", FT_CODE, 0, 0, 0, NULL, NULL },
	{ "req", FT_STRING, 1, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static void
json_release(void *p)
{
	json_decref(p);
}

/* Aborts unless every key and value of l is NUL-free valid UTF-8. */
static void
check_list(const struct kvlist *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (!utf8_valid(l->v[i].key, strlen(l->v[i].key)) ||
		    strlen(l->v[i].val) != l->v[i].vlen ||
		    !utf8_valid(l->v[i].val, l->v[i].vlen))
			abort();
}

/* utf8_valid() must agree with jansson, which also rejects NUL here. */
static void
check_utf8(const char *s, size_t n)
{
	json_t	*j = json_stringn(s, n);
	int	 ref = j != NULL && memchr(s, '\0', n) == NULL;

	json_decref(j);
	if (utf8_valid(s, n) != ref)
		abort();
}

static void
fuzz_parsers(struct arena *a, const char *s, size_t n)
{
	static const struct parse_limits small = { 4, 8, 16 };
	struct kvlist	 l;
	const char	*where;
	char		*out;
	size_t		 outlen;

	check_utf8(s, n);
	(void)luhn_valid(arena_strndup(a, s, n));
	if (pct_decode(a, s, n, n & 1, &out, &outlen) == PARSE_OK &&
	    (strlen(out) != outlen || !utf8_valid(out, outlen)))
		abort();
	if (parse_urlencoded(a, s, n, NULL, &l, &where) == PARSE_OK)
		check_list(&l);
	if (parse_urlencoded(a, s, n, &small, &l, &where) == PARSE_OK)
		check_list(&l);
	if (parse_cookies(a, arena_strndup(a, s, n), NULL, &l, &where) ==
	    PARSE_OK)
		check_list(&l);
	if (parse_cookies(a, arena_strndup(a, s, n), &small, &l, &where) ==
	    PARSE_OK)
		check_list(&l);
}

/* The results must be objects that serialise. */
static void
check_result(const struct vresult *r, int rc)
{
	char	*text;

	if (!json_is_object(r->values) || !json_is_object(r->errors) ||
	    (rc == 0) != (json_object_size(r->errors) == 0))
		abort();
	if ((text = json_dumps(r->values, 0)) == NULL)
		abort();
	arena_json_free(text);
	if ((text = json_dumps(r->errors, 0)) == NULL)
		abort();
	arena_json_free(text);
}

static void
fuzz_validate(struct arena *a, const char *s, size_t n)
{
	const char	*split = s;
	struct kvlist	 l;
	struct vresult	 r;
	json_t		*j;
	size_t		 jlen;

	while (split < s + n && *split != '\0' && *split != '\n')
		split++;
	jlen = (size_t)(split - s);
	j = json_loadb(s, jlen, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (j != NULL) {
		arena_defer(a, json_release, j);
		check_result(&r, validate_json(a, fields, j, &r));
	}
	if (split == s + n)
		return;
	split++;
	if (parse_urlencoded(a, split, n - jlen - 1, NULL, &l, NULL) ==
	    PARSE_OK)
		check_result(&r, validate_form(a, fields, &l, &r));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena	 a;
	static int		 ready;

	if (!ready) {
		arena_init(&a);
		ready = 1;
	}
	fuzz_parsers(&a, (const char *)data, size);
	fuzz_validate(&a, (const char *)data, size);
	arena_reset(&a);
	return 0;
}
