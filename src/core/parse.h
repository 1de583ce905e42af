/*
 * parse: the request's raw inputs turned into key/value lists.
 *
 * Query strings, form bodies and Cookie headers are parsed here, and
 * nothing else: no I/O, no global state.  Everything returned is
 * allocated from the request arena.  Keys and values that come out of
 * a successful parse are valid UTF-8 without NUL bytes, so they can be
 * handed to jansson, the HTML writer or PostgreSQL as they are.
 *
 * Failures map to 400 in the front function, with parse_strerror() as
 * the message and *where (when set) naming the offending field.
 */
#ifndef MARQUEE_PARSE_H
#define MARQUEE_PARSE_H

#include <stddef.h>

struct arena;

struct kv {
	const char	*key;
	const char	*val;	/* NUL-terminated */
	size_t		 vlen;
};

struct kvlist {
	struct kv	*v;
	size_t		 n;
};

/*
 * Limits on one parse.  A member left at 0 takes its default below; a
 * NULL limits pointer takes all the defaults.  max_key and max_value
 * are in bytes after percent-decoding.
 */
struct parse_limits {
	size_t	 max_fields;
	size_t	 max_key;
	size_t	 max_value;
};

#define PARSE_MAX_FIELDS	256
#define PARSE_MAX_KEY		128
#define PARSE_MAX_VALUE		(64 * 1024)

enum parse_err {
	PARSE_OK = 0,
	PARSE_TOO_MANY_FIELDS,
	PARSE_FIELD_TOO_LONG,
	PARSE_BAD_ENCODING,
	PARSE_BAD_UTF8,
	PARSE_ERR__MAX
};

/* A sentence for a person ("malformed percent-encoding"). */
const char	*parse_strerror(enum parse_err);
/* A field name made safe for a message or a log line: at most 64 bytes of
 * printable ASCII ("..." after), anything else shown as '?'. */
const char	*parse_where_name(struct arena *, const char *s, size_t n);

/*
 * Strict UTF-8: no overlong forms, no surrogates, nothing above
 * U+10FFFF, no NUL bytes.  Returns 1 when s[0..n) is valid, else 0.
 */
int		 utf8_valid(const char *s, size_t n);
/* Code points in s[0..n), which must be valid UTF-8. */
size_t		 utf8_count(const char *s, size_t n);

/*
 * Decodes %XX escapes (and '+' as a space when plus_is_space) in
 * s[0..n) into a NUL-terminated arena string, then checks that the
 * result is valid UTF-8 without NUL bytes.  Returns PARSE_OK,
 * PARSE_BAD_ENCODING or PARSE_BAD_UTF8; *out is set only on success.
 */
enum parse_err	 pct_decode(struct arena *, const char *s, size_t n,
		    int plus_is_space, char **out, size_t *outlen);

/*
 * Parses application/x-www-form-urlencoded data (a query string or a
 * form body, which may hold any bytes) into out, in order.
 * "a=1&b=&c&&d=%41+B" gives a="1", b="", c="", d="A B": empty pieces
 * are skipped, a piece without '=' has an empty value.  On error out is
 * empty and *where, if where is non-NULL, is set to a printable-ASCII
 * rendering of the field's name, or NULL when no one field is to blame.
 */
enum parse_err	 parse_urlencoded(struct arena *, const char *s, size_t n,
		    const struct parse_limits *, struct kvlist *out,
		    const char **where);

/*
 * Parses a Cookie header ("name=value; other=\"quoted\"") leniently:
 * spaces are trimmed, one pair of double quotes is stripped, nothing is
 * percent-decoded, and malformed pieces (no '=', a name that is not an
 * HTTP token, control bytes in the value) are skipped.  Limits still
 * apply and a value that is not valid UTF-8 fails the parse.  A NULL
 * header gives an empty list.
 */
enum parse_err	 parse_cookies(struct arena *, const char *header,
		    const struct parse_limits *, struct kvlist *out,
		    const char **where);

/*
 * Reads s[0..n) as a decimal integer: an optional '-' and digits,
 * nothing else.  Returns 1 with *v set, 0 for text that is not such a
 * number, -1 for one outside the range of long long.
 */
int		 parse_integer(const char *s, size_t n, long long *v);
/*
 * Reads a form's boolean: "1", "on", "true" give 1, "0", "off", "false"
 * give 0 (any case); anything else gives -1.
 */
int		 parse_bool(const char *s, size_t n);

/* The first value for key, or NULL. */
const char	*kv_get(const struct kvlist *, const char *key);
/* How many times key occurs. */
size_t		 kv_count(const struct kvlist *, const char *key);

#endif
