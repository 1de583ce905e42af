#include <stdint.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "parse.h"

/* How much of a field name goes into an error's *where. */
#define WHERE_MAX	64

static const char *const parse_errors[PARSE_ERR__MAX] = {
	[PARSE_OK] = "no error",
	[PARSE_TOO_MANY_FIELDS] = "too many fields",
	[PARSE_FIELD_TOO_LONG] = "field name or value too long",
	[PARSE_BAD_ENCODING] = "malformed percent-encoding",
	[PARSE_BAD_UTF8] = "text is not valid UTF-8",
};

const char *
parse_strerror(enum parse_err e)
{
	if ((unsigned)e >= PARSE_ERR__MAX)
		return "unknown parse error";
	return parse_errors[e];
}

/*
 * Takes the lead byte c of a multi-byte sequence; returns how many
 * continuation bytes follow it and the allowed range of the first one
 * (which is what rules out overlongs, surrogates and > U+10FFFF), or 0
 * when c cannot start a sequence.
 */
static size_t
utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		return 1;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			*lo = 0xa0;
		else if (c == 0xed)
			*hi = 0x9f;
		return 2;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			*lo = 0x90;
		else if (c == 0xf4)
			*hi = 0x8f;
		return 3;
	}
	return 0;
}

int
utf8_valid(const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned char		 lo, hi;
	size_t			 i = 0, k, more;

	while (i < n) {
		if (p[i] == 0)
			return 0;
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((more = utf8_lead(p[i], &lo, &hi)) == 0 || n - i <= more)
			return 0;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return 0;
		for (k = 2; k <= more; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		i += more + 1;
	}
	return 1;
}

size_t
utf8_count(const char *s, size_t n)
{
	size_t	 i, count = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			count++;
	return count;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum parse_err
pct_decode(struct arena *a, const char *s, size_t n, int plus_is_space,
    char **out, size_t *outlen)
{
	char	*d = arena_alloc(a, n + 1);
	size_t	 i, j = 0;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '+' && plus_is_space) {
			d[j++] = ' ';
			continue;
		}
		if (s[i] != '%') {
			d[j++] = s[i];
			continue;
		}
		if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
		    (lo = hexval(s[i + 2])) < 0)
			return PARSE_BAD_ENCODING;
		d[j++] = (char)(hi << 4 | lo);
		i += 2;
	}
	d[j] = '\0';
	if (!utf8_valid(d, j))
		return PARSE_BAD_UTF8;
	*out = d;
	if (outlen != NULL)
		*outlen = j;
	return PARSE_OK;
}

/*
 * Makes a field name safe to put in an error message or a log line:
 * at most WHERE_MAX bytes of printable ASCII, anything else shown as '?'.
 */
const char *
parse_where_name(struct arena *a, const char *s, size_t n)
{
	size_t	 i, len = n > WHERE_MAX ? WHERE_MAX : n;
	char	*p = arena_alloc(a, len + 4);

	for (i = 0; i < len; i++)
		p[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (len < n) {
		memcpy(p + len, "...", 3);
		len += 3;
	}
	p[len] = '\0';
	return p;
}

static void
limits_fill(struct parse_limits *l, const struct parse_limits *given)
{
	l->max_fields = PARSE_MAX_FIELDS;
	l->max_key = PARSE_MAX_KEY;
	l->max_value = PARSE_MAX_VALUE;
	if (given == NULL)
		return;
	if (given->max_fields != 0)
		l->max_fields = given->max_fields;
	if (given->max_key != 0)
		l->max_key = given->max_key;
	if (given->max_value != 0)
		l->max_value = given->max_value;
}

/* Counts the non-empty '&'-separated pieces of s[0..n). */
static size_t
count_pieces(const char *s, size_t n)
{
	size_t	 i, count = 0;

	for (i = 0; i < n; i++)
		if (s[i] != '&' && (i + 1 == n || s[i + 1] == '&'))
			count++;
	return count;
}

/*
 * Decodes one "key=value" piece p[0..n) into kv.  Returns PARSE_OK, or
 * the error with *where naming the field.
 */
static enum parse_err
decode_pair(struct arena *a, const char *p, size_t n,
    const struct parse_limits *l, struct kv *kv, const char **where)
{
	const char	*eq = memchr(p, '=', n);
	size_t		 klen = eq != NULL ? (size_t)(eq - p) : n;
	size_t		 keylen, vlen = 0;
	enum parse_err	 e;
	char		*key, *val = NULL;

	e = pct_decode(a, p, klen, 1, &key, &keylen);
	if (e == PARSE_OK && keylen > l->max_key)
		e = PARSE_FIELD_TOO_LONG;
	if (e != PARSE_OK) {
		*where = parse_where_name(a, p, klen);
		return e;
	}
	if (eq != NULL)
		e = pct_decode(a, eq + 1, n - klen - 1, 1, &val, &vlen);
	if (e == PARSE_OK && vlen > l->max_value)
		e = PARSE_FIELD_TOO_LONG;
	if (e != PARSE_OK) {
		*where = parse_where_name(a, key, keylen);
		return e;
	}
	kv->key = key;
	kv->val = val != NULL ? val : "";
	kv->vlen = vlen;
	return PARSE_OK;
}

enum parse_err
parse_urlencoded(struct arena *a, const char *s, size_t n,
    const struct parse_limits *given, struct kvlist *out, const char **where)
{
	struct parse_limits	 l;
	struct kv		*v;
	const char		*amp, *wh = NULL;
	size_t			 count, len, i = 0, k = 0;
	enum parse_err		 e = PARSE_OK;

	out->v = NULL;
	out->n = 0;
	limits_fill(&l, given);
	if ((count = count_pieces(s, n)) > l.max_fields) {
		e = PARSE_TOO_MANY_FIELDS;
		goto out;
	}
	v = arena_calloc(a, count ? count : 1, sizeof(*v));
	while (i < n) {
		amp = memchr(s + i, '&', n - i);
		len = amp != NULL ? (size_t)(amp - (s + i)) : n - i;
		if (len > 0 && (e = decode_pair(a, s + i, len, &l, &v[k++],
		    &wh)) != PARSE_OK)
			goto out;
		i += len + 1;
	}
	out->v = v;
	out->n = k;
out:
	if (where != NULL)
		*where = wh;
	return e;
}

static int
is_cookie_space(char c)
{
	return c == ' ' || c == '\t';
}

/* An HTTP token character (RFC 9110 tchar). */
static int
is_tchar(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return 1;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Narrows [*p, *p + *n) to drop spaces and tabs at either end. */
static void
trim_span(const char **p, size_t *n)
{
	while (*n > 0 && is_cookie_space(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && is_cookie_space((*p)[*n - 1]))
		(*n)--;
}

/*
 * Splits one cookie piece p[0..n) into name and value spans.  Returns 1
 * for a well-formed piece, 0 for one to skip.
 */
static int
cookie_split(const char *p, size_t n, const char **name, size_t *nlen,
    const char **val, size_t *vlen)
{
	const char	*eq = memchr(p, '=', n);
	size_t		 i;

	if (eq == NULL)
		return 0;
	*name = p;
	*nlen = (size_t)(eq - p);
	*val = eq + 1;
	*vlen = n - *nlen - 1;
	trim_span(name, nlen);
	trim_span(val, vlen);
	if (*vlen >= 2 && (*val)[0] == '"' && (*val)[*vlen - 1] == '"') {
		(*val)++;
		*vlen -= 2;
	}
	if (*nlen == 0)
		return 0;
	for (i = 0; i < *nlen; i++)
		if (!is_tchar((unsigned char)(*name)[i]))
			return 0;
	for (i = 0; i < *vlen; i++)
		if ((unsigned char)(*val)[i] < 0x20 || (*val)[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * Checks and stores one cookie piece p[0..n) as list entry *k, skipping
 * malformed ones.  Returns PARSE_OK or the error with *where set.
 */
static enum parse_err
cookie_piece(struct arena *a, const char *p, size_t n,
    const struct parse_limits *l, struct kv *v, size_t *k, const char **where)
{
	const char	*name, *val;
	size_t		 nlen, vlen;

	enum parse_err	 e = PARSE_OK;

	if (!cookie_split(p, n, &name, &nlen, &val, &vlen))
		return PARSE_OK;
	if (*k == l->max_fields)
		e = PARSE_TOO_MANY_FIELDS;
	else if (nlen > l->max_key || vlen > l->max_value)
		e = PARSE_FIELD_TOO_LONG;
	else if (!utf8_valid(val, vlen))
		e = PARSE_BAD_UTF8;
	if (e != PARSE_OK) {
		*where = parse_where_name(a, name, nlen);
		return e;
	}
	v[*k].key = arena_strndup(a, name, nlen);
	v[*k].val = arena_strndup(a, val, vlen);
	v[*k].vlen = vlen;
	(*k)++;
	return PARSE_OK;
}

enum parse_err
parse_cookies(struct arena *a, const char *header,
    const struct parse_limits *given, struct kvlist *out, const char **where)
{
	struct parse_limits	 l;
	struct kv		*v;
	const char		*p, *semi, *wh = NULL;
	size_t			 pieces = 1, k = 0, len;
	enum parse_err		 e = PARSE_OK;

	out->v = NULL;
	out->n = 0;
	if (header == NULL)
		goto out;
	limits_fill(&l, given);
	for (p = header; *p != '\0'; p++)
		pieces += *p == ';';
	if (pieces > l.max_fields)
		pieces = l.max_fields;
	v = arena_calloc(a, pieces, sizeof(*v));
	for (p = header; ; p = semi + 1) {
		semi = strchr(p, ';');
		len = semi != NULL ? (size_t)(semi - p) : strlen(p);
		if ((e = cookie_piece(a, p, len, &l, v, &k, &wh)) != PARSE_OK)
			goto out;
		if (semi == NULL)
			break;
	}
	out->v = v;
	out->n = k;
out:
	if (where != NULL)
		*where = wh;
	return e;
}

int
parse_integer(const char *s, size_t n, long long *v)
{
	unsigned long long	 u = 0, lim = (unsigned long long)LLONG_MAX;
	unsigned		 d;
	size_t			 i = 0;
	int			 neg = 0, over = 0;

	if (n > 0 && s[0] == '-') {
		neg = 1;
		lim++;
		i++;
	}
	if (i == n)
		return 0;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		d = (unsigned)(s[i] - '0');
		if (over || u > (lim - d) / 10)
			over = 1;
		else
			u = u * 10 + d;
	}
	if (over)
		return -1;
	*v = !neg ? (long long)u : u == lim ? LLONG_MIN : -(long long)u;
	return 1;
}

int
parse_bool(const char *s, size_t n)
{
	static const char *const yes[] = { "1", "on", "true" };
	static const char *const no[] = { "0", "off", "false" };
	size_t	 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strlen(yes[i]) == n && strncasecmp(yes[i], s, n) == 0)
			return 1;
		if (strlen(no[i]) == n && strncasecmp(no[i], s, n) == 0)
			return 0;
	}
	return -1;
}

const char *
kv_get(const struct kvlist *l, const char *key)
{
	size_t	 i;

	if (l == NULL)
		return NULL;
	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].val;
	return NULL;
}

size_t
kv_count(const struct kvlist *l, const char *key)
{
	size_t	 i, count = 0;

	if (l == NULL)
		return 0;
	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			count++;
	return count;
}
