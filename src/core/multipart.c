#include <string.h>
#include <strings.h>

#include "arena.h"
#include "multipart.h"
#include "parse.h"

/* The first size of the field and file arrays; they double when full. */
#define LIST_FIRST	16

static const char *const mp_errors[MP_ERR__MAX] = {
	[MP_OK] = "no error",
	[MP_NO_BOUNDARY] = "the Content-Type has no boundary parameter",
	[MP_BAD_BOUNDARY] = "the Content-Type has a malformed boundary "
	    "parameter (1 to 70 letters, digits or '()+_,-./:=? characters, "
	    "no space at the end)",
	[MP_NO_DELIMITER] = "the body does not contain the boundary given "
	    "in the Content-Type",
	[MP_BAD_DELIMITER] = "a line starts with the boundary but is not a "
	    "delimiter",
	[MP_NO_CLOSE] = "the body ends without the closing delimiter "
	    "(--boundary--)",
	[MP_HEADERS_UNTERMINATED] = "a part's headers do not end with an "
	    "empty line (CRLF CRLF)",
	[MP_HEADERS_TOO_LONG] = "a part's headers are too long",
	[MP_BAD_HEADER] = "a part has a malformed header line",
	[MP_NO_DISPOSITION] = "a part has no Content-Disposition header",
	[MP_BAD_DISPOSITION] = "a part's Content-Disposition is not one "
	    "well-formed form-data header",
	[MP_NO_NAME] = "a part's Content-Disposition has no name",
	[MP_NAME_TOO_LONG] = "a part's name is too long",
	[MP_BAD_CONTENT_TYPE] = "a part's Content-Type is not one "
	    "well-formed media type",
	[MP_BAD_ENCODING] = "a part has a Content-Transfer-Encoding other "
	    "than binary, 7bit or 8bit",
	[MP_TOO_MANY_PARTS] = "too many parts",
	[MP_VALUE_TOO_LONG] = "a field's value is too long",
	[MP_BAD_UTF8] = "text is not valid UTF-8",
};

/* One "; name=value" parameter; the value unquoted, in the arena. */
struct mparam {
	const char	*name;
	size_t		 nlen;
	char		*val;
	size_t		 vlen;
};

/* A part's headers of interest, as spans of the header block. */
struct mheaders {
	const char	*disp, *ctype, *cte;
	size_t		 displen, ctypelen, ctelen;
};

/* One parse: the body, the boundary, the limits and the lists so far. */
struct mp_state {
	struct arena		*a;
	const char		*s, *b;
	size_t			 n, blen;
	struct multipart_limits	 l;
	struct kv		*kv;
	size_t			 nkv, capkv;
	struct mp_file		*f;
	size_t			 nf, capf;
	size_t			 parts;
	const char		*where;
};

const char *
multipart_strerror(enum mp_err e)
{
	if ((unsigned)e >= MP_ERR__MAX)
		return "unknown multipart error";
	return mp_errors[e];
}

/* An HTTP token character (RFC 9110 tchar). */
static int
is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A boundary character (RFC 2046 bchars). */
static int
is_bchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
		return 1;
	return c != '\0' && strchr("'()+_,-./:=? ", c) != NULL;
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static size_t
skip_ows(const char *s, size_t n, size_t i)
{
	while (i < n && is_ows(s[i]))
		i++;
	return i;
}

/* Whether s[0..n) equals the NUL-terminated word, ignoring case. */
static int
span_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/*
 * Reads the quoted-string starting at s[*pos] (a '"') into an arena
 * string.  A backslash escapes only '"' and '\\'; before anything else
 * it is kept, so that a Windows path sent unescaped stays a path.
 * Returns 0 with *pos past the closing quote, or -1.
 */
static int
read_quoted(struct arena *a, const char *s, size_t n, size_t *pos,
    char **out, size_t *outlen)
{
	char		*d = arena_alloc(a, n - *pos);
	size_t		 i, j = 0;
	unsigned char	 c;

	for (i = *pos + 1; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '"') {
			d[j] = '\0';
			*out = d;
			*outlen = j;
			*pos = i + 1;
			return 0;
		}
		if (c == '\\' && i + 1 < n && (s[i + 1] == '"' ||
		    s[i + 1] == '\\'))
			c = (unsigned char)s[++i];
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -1;
		d[j++] = (char)c;
	}
	return -1;
}

/*
 * Reads the next parameter of s[*pos..n): OWS ";" OWS token "="
 * (token / quoted-string).  Empty parameters (";;", a trailing ";")
 * are skipped.  Returns 1 with *p set, 0 at the end, -1 when malformed.
 */
static int
next_param(struct arena *a, const char *s, size_t n, size_t *pos,
    struct mparam *p)
{
	size_t	 i = *pos, start;

	for (;;) {
		if ((i = skip_ows(s, n, i)) == n) {
			*pos = i;
			return 0;
		}
		if (s[i] != ';')
			return -1;
		if ((i = skip_ows(s, n, i + 1)) < n && s[i] != ';')
			break;
	}
	for (start = i; i < n && is_tchar((unsigned char)s[i]); i++)
		;
	if (i == start || i == n || s[i] != '=')
		return -1;
	p->name = s + start;
	p->nlen = i - start;
	if (++i < n && s[i] == '"') {
		if (read_quoted(a, s, n, &i, &p->val, &p->vlen) == -1)
			return -1;
	} else {
		for (start = i; i < n && is_tchar((unsigned char)s[i]); i++)
			;
		if (i == start)
			return -1;
		p->val = arena_strndup(a, s + start, i - start);
		p->vlen = i - start;
	}
	*pos = i;
	return 1;
}

/*
 * Reads "type/subtype" at the start of s[0..n) (after blanks); returns
 * the offset just past it, or 0 when there is none.
 */
static size_t
media_type_end(const char *s, size_t n)
{
	size_t	 i = skip_ows(s, n, 0), start = i;

	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	if (i == start || i == n || s[i] != '/')
		return 0;
	start = ++i;
	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	return i == start ? 0 : i;
}

/* Whether b[0..n) is a boundary RFC 2046 allows. */
static int
boundary_ok(const char *b, size_t n)
{
	size_t	 i;

	if (n < 1 || n > MULTIPART_BOUNDARY_MAX || b[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++)
		if (!is_bchar((unsigned char)b[i]))
			return 0;
	return 1;
}

enum mp_err
multipart_boundary(struct arena *a, const char *ct, const char **boundary)
{
	struct mparam	 p;
	const char	*found = NULL;
	size_t		 n, i, start;
	int		 rc;

	*boundary = NULL;
	if (ct == NULL)
		return MP_NO_BOUNDARY;
	n = strlen(ct);
	start = skip_ows(ct, n, 0);
	if ((i = media_type_end(ct, n)) == 0 ||
	    !span_is(ct + start, i - start, "multipart/form-data"))
		return MP_NO_BOUNDARY;
	while ((rc = next_param(a, ct, n, &i, &p)) == 1) {
		if (!span_is(p.name, p.nlen, "boundary"))
			continue;
		if (found != NULL || !boundary_ok(p.val, p.vlen))
			return MP_BAD_BOUNDARY;
		found = p.val;
	}
	if (rc == -1)
		return MP_BAD_BOUNDARY;
	if (found == NULL)
		return MP_NO_BOUNDARY;
	*boundary = found;
	return MP_OK;
}

/* The offset of the next CRLF "--" boundary at or after from, or n. */
static size_t
find_delimiter(const struct mp_state *st, size_t from)
{
	const char	*s = st->s, *cr;
	size_t		 need = 4 + st->blen, i = from;

	while (st->n >= need && i <= st->n - need) {
		cr = memchr(s + i, '\r', st->n - need - i + 1);
		if (cr == NULL)
			break;
		i = (size_t)(cr - s);
		if (s[i + 1] == '\n' && s[i + 2] == '-' && s[i + 3] == '-' &&
		    memcmp(s + i + 4, st->b, st->blen) == 0)
			return i;
		i++;
	}
	return st->n;
}

/* Whether s[i..n) starts with "--" and the boundary. */
static int
dash_boundary_at(const struct mp_state *st, size_t i)
{
	return st->n - i >= 2 + st->blen && st->s[i] == '-' &&
	    st->s[i + 1] == '-' && memcmp(st->s + i + 2, st->b, st->blen) == 0;
}

enum delim_kind { DELIM_PART, DELIM_CLOSE, DELIM_BAD, DELIM_SHORT };

/*
 * Reads what follows a "--boundary" at s[e..n): "--" and blanks before
 * CRLF or the end (the close), or blanks and CRLF (another part, which
 * starts at *next).  DELIM_SHORT: the body ends first.
 */
static enum delim_kind
delimiter_tail(const struct mp_state *st, size_t e, size_t *next)
{
	const char	*s = st->s;
	size_t		 n = st->n;

	if (n - e >= 2 && s[e] == '-' && s[e + 1] == '-') {
		e = skip_ows(s, n, e + 2);
		if (e == n || (n - e >= 2 && s[e] == '\r' && s[e + 1] == '\n'))
			return DELIM_CLOSE;
		return DELIM_BAD;
	}
	e = skip_ows(s, n, e);
	if (n - e < 2)
		return e == n || s[e] == '\r' || s[e] == '-' ? DELIM_SHORT :
		    DELIM_BAD;
	if (s[e] != '\r' || s[e + 1] != '\n')
		return DELIM_BAD;
	*next = e + 2;
	return DELIM_PART;
}

/*
 * Finds the empty line that ends the headers of part p[0..len): sets
 * *hlen to the bytes of the header lines (their CRLFs included) and
 * *body to where the part's content starts.
 */
static enum mp_err
split_headers(const struct mp_state *st, const char *p, size_t len,
    size_t *hlen, size_t *body)
{
	size_t	 window = len, i;

	if (len >= 2 && p[0] == '\r' && p[1] == '\n') {
		*hlen = 0;
		*body = 2;
		return MP_OK;
	}
	if (window > st->l.max_header + 2)
		window = st->l.max_header + 2;
	for (i = 0; i + 4 <= window; i++)
		if (memcmp(p + i, "\r\n\r\n", 4) == 0) {
			*hlen = i + 2;
			*body = i + 4;
			return MP_OK;
		}
	return len > window ? MP_HEADERS_TOO_LONG : MP_HEADERS_UNTERMINATED;
}

/* Keeps the value of a header this parser reads; one of each. */
static enum mp_err
header_keep(struct mheaders *h, const char *name, size_t nlen,
    const char *v, size_t vlen)
{
	if (span_is(name, nlen, "content-disposition")) {
		if (h->disp != NULL)
			return MP_BAD_DISPOSITION;
		h->disp = v;
		h->displen = vlen;
	} else if (span_is(name, nlen, "content-type")) {
		if (h->ctype != NULL)
			return MP_BAD_CONTENT_TYPE;
		h->ctype = v;
		h->ctypelen = vlen;
	} else if (span_is(name, nlen, "content-transfer-encoding")) {
		if (h->cte != NULL)
			return MP_BAD_ENCODING;
		h->cte = v;
		h->ctelen = vlen;
	}
	return MP_OK;
}

/*
 * Reads one header line p[0..n) (without its CRLF): a token, ':',
 * and a value of visible characters, blanks and non-ASCII bytes.
 * Folded lines (starting with a blank) are refused.
 */
static enum mp_err
header_line(struct mheaders *h, const char *p, size_t n)
{
	size_t		 i, colon, end;
	unsigned char	 c;

	for (colon = 0; colon < n && is_tchar((unsigned char)p[colon]); colon++)
		;
	if (colon == 0 || colon == n || p[colon] != ':')
		return MP_BAD_HEADER;
	for (i = colon + 1; i < n; i++) {
		c = (unsigned char)p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return MP_BAD_HEADER;
	}
	i = skip_ows(p, n, colon + 1);
	for (end = n; end > i && is_ows(p[end - 1]); end--)
		;
	return header_keep(h, p, colon, p + i, end - i);
}

/* Reads the header lines p[0..hlen), each ending in CRLF, into *h. */
static enum mp_err
read_headers(const char *p, size_t hlen, struct mheaders *h)
{
	const char	*cr;
	size_t		 i = 0, len;
	enum mp_err	 e;

	memset(h, 0, sizeof(*h));
	while (i < hlen) {
		cr = memchr(p + i, '\r', hlen - i);
		/* hlen ends in CRLF, so there is one; it must start CRLF. */
		if (cr == NULL || (size_t)(cr - p) + 1 >= hlen || cr[1] != '\n')
			return MP_BAD_HEADER;
		len = (size_t)(cr - (p + i));
		if (memchr(p + i, '\n', len) != NULL)
			return MP_BAD_HEADER;
		if ((e = header_line(h, p + i, len)) != MP_OK)
			return e;
		i += len + 2;
	}
	return MP_OK;
}

/* The part after the last '/' or '\\' of a file name. */
static const char *
base_name(const char *s)
{
	const char	*p, *base = s;

	for (p = s; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	return base;
}

/*
 * Reads a Content-Disposition value: "form-data" and its parameters.
 * Sets *name, and *filename when the part is a file (filename or
 * filename* given; the latter is not read, RFC 7578 4.2).
 */
static enum mp_err
read_disposition(struct mp_state *st, const struct mheaders *h,
    const char **name, const char **filename)
{
	struct mparam	 p;
	const char	*nm = NULL, *fname = NULL;
	size_t		 i;
	int		 rc, file = 0;

	*name = *filename = NULL;
	if (h->disp == NULL)
		return MP_NO_DISPOSITION;
	for (i = 0; i < h->displen && is_tchar((unsigned char)h->disp[i]); i++)
		;
	if (!span_is(h->disp, i, "form-data"))
		return MP_BAD_DISPOSITION;
	while ((rc = next_param(st->a, h->disp, h->displen, &i, &p)) == 1) {
		if (span_is(p.name, p.nlen, "name")) {
			if (nm != NULL)
				return MP_BAD_DISPOSITION;
			nm = p.val;
		} else if (span_is(p.name, p.nlen, "filename")) {
			if (fname != NULL)
				return MP_BAD_DISPOSITION;
			fname = p.val;
			file = 1;
		} else if (span_is(p.name, p.nlen, "filename*"))
			file = 1;
	}
	if (rc == -1)
		return MP_BAD_DISPOSITION;
	if (nm == NULL || *nm == '\0')
		return MP_NO_NAME;
	st->where = parse_where_name(st->a, nm, strlen(nm));
	if (strlen(nm) > st->l.max_name)
		return MP_NAME_TOO_LONG;
	if (!utf8_valid(nm, strlen(nm)))
		return MP_BAD_UTF8;
	if (file) {
		fname = base_name(fname != NULL ? fname : "");
		if (!utf8_valid(fname, strlen(fname)))
			return MP_BAD_UTF8;
		*filename = fname;
	}
	*name = nm;
	return MP_OK;
}

/*
 * Checks a part's Content-Type and Content-Transfer-Encoding; sets
 * *ctype to the media type, lower case (RFC 7578's default if none).
 */
static enum mp_err
read_type(struct mp_state *st, const struct mheaders *h, const char **ctype)
{
	struct mparam	 p;
	char		*m;
	size_t		 i, start, end;
	int		 rc;

	*ctype = "application/octet-stream";
	if (h->cte != NULL && !span_is(h->cte, h->ctelen, "binary") &&
	    !span_is(h->cte, h->ctelen, "8bit") &&
	    !span_is(h->cte, h->ctelen, "7bit"))
		return MP_BAD_ENCODING;
	if (h->ctype == NULL)
		return MP_OK;
	if ((end = media_type_end(h->ctype, h->ctypelen)) == 0)
		return MP_BAD_CONTENT_TYPE;
	i = end;
	while ((rc = next_param(st->a, h->ctype, h->ctypelen, &i, &p)) == 1)
		;
	if (rc == -1)
		return MP_BAD_CONTENT_TYPE;
	start = skip_ows(h->ctype, h->ctypelen, 0);
	m = arena_strndup(st->a, h->ctype + start, end - start);
	for (i = 0; m[i] != '\0'; i++)
		if (m[i] >= 'A' && m[i] <= 'Z')
			m[i] = (char)(m[i] - 'A' + 'a');
	*ctype = m;
	return MP_OK;
}

/* Makes room for one more entry of size sz in *v (n used, *cap). */
static void *
grow(struct arena *a, void *v, size_t n, size_t *cap, size_t sz)
{
	void	*nv;

	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : LIST_FIRST;
	nv = arena_calloc(a, *cap, sz);
	if (n > 0)
		memcpy(nv, v, n * sz);
	return nv;
}

/* Adds a text field; its value must fit the limit and be UTF-8. */
static enum mp_err
add_field(struct mp_state *st, const char *name, const char *v, size_t vlen)
{
	struct kv	*kv;

	if (vlen > st->l.max_value)
		return MP_VALUE_TOO_LONG;
	if (!utf8_valid(v, vlen))
		return MP_BAD_UTF8;
	st->kv = grow(st->a, st->kv, st->nkv, &st->capkv, sizeof(*st->kv));
	kv = &st->kv[st->nkv++];
	kv->key = name;
	kv->val = arena_strndup(st->a, v, vlen);
	kv->vlen = vlen;
	return MP_OK;
}

/* Reads one part p[0..len) (between delimiters) into the lists. */
static enum mp_err
read_part(struct mp_state *st, const char *p, size_t len)
{
	struct mheaders	 h;
	struct mp_file	*f;
	const char	*name, *filename, *ctype;
	size_t		 hlen, body;
	enum mp_err	 e;

	st->where = NULL;
	if ((e = split_headers(st, p, len, &hlen, &body)) != MP_OK ||
	    (e = read_headers(p, hlen, &h)) != MP_OK ||
	    (e = read_disposition(st, &h, &name, &filename)) != MP_OK ||
	    (e = read_type(st, &h, &ctype)) != MP_OK)
		return e;
	if (filename == NULL)
		return add_field(st, name, p + body, len - body);
	st->f = grow(st->a, st->f, st->nf, &st->capf, sizeof(*st->f));
	f = &st->f[st->nf++];
	f->name = name;
	f->filename = filename;
	f->content_type = ctype;
	f->data = (const unsigned char *)p + body;
	f->len = len - body;
	return MP_OK;
}

/* Where the first delimiter's "--" is: at the start or after a CRLF. */
static enum mp_err
first_delimiter(const struct mp_state *st, size_t *d)
{
	size_t	 i;

	if (dash_boundary_at(st, 0)) {
		*d = 0;
		return MP_OK;
	}
	if ((i = find_delimiter(st, 0)) == st->n)
		return MP_NO_DELIMITER;
	*d = i + 2;
	return MP_OK;
}

/* Reads the parts from the first delimiter (at d) to the close. */
static enum mp_err
read_parts(struct mp_state *st, size_t d)
{
	size_t		 start = 0, end;
	enum mp_err	 e;

	for (;;) {
		switch (delimiter_tail(st, d + 2 + st->blen, &start)) {
		case DELIM_CLOSE:
			return MP_OK;
		case DELIM_SHORT:
			return MP_NO_CLOSE;
		case DELIM_BAD:
			return MP_BAD_DELIMITER;
		case DELIM_PART:
			break;
		}
		if (dash_boundary_at(st, start))
			return MP_BAD_DELIMITER;
		if ((end = find_delimiter(st, start)) == st->n)
			return MP_NO_CLOSE;
		if (++st->parts > st->l.max_parts)
			return MP_TOO_MANY_PARTS;
		if ((e = read_part(st, st->s + start, end - start)) != MP_OK)
			return e;
		st->where = NULL;	/* errors past here are no part's */
		d = end + 2;
	}
}

static void
limits_fill(struct multipart_limits *l, const struct multipart_limits *given)
{
	l->max_parts = MULTIPART_MAX_PARTS;
	l->max_header = MULTIPART_MAX_HEADER;
	l->max_name = MULTIPART_MAX_NAME;
	l->max_value = MULTIPART_MAX_VALUE;
	if (given == NULL)
		return;
	if (given->max_parts != 0)
		l->max_parts = given->max_parts;
	if (given->max_header != 0)
		l->max_header = given->max_header;
	if (given->max_name != 0)
		l->max_name = given->max_name;
	if (given->max_value != 0)
		l->max_value = given->max_value;
}

enum mp_err
multipart_parse(struct arena *a, const char *boundary, const char *body,
    size_t n, const struct multipart_limits *given, struct kvlist *fields,
    struct mp_files *files, const char **where)
{
	struct mp_state	 st;
	size_t		 d = 0;
	enum mp_err	 e;

	memset(&st, 0, sizeof(st));
	fields->v = NULL;
	fields->n = 0;
	files->v = NULL;
	files->n = 0;
	st.a = a;
	st.s = body;
	st.n = n;
	st.b = boundary;
	st.blen = boundary != NULL ? strlen(boundary) : 0;
	limits_fill(&st.l, given);
	if (!boundary_ok(st.b, st.blen))
		e = MP_BAD_BOUNDARY;
	else if ((e = first_delimiter(&st, &d)) == MP_OK &&
	    (e = read_parts(&st, d)) == MP_OK) {
		fields->v = st.kv;
		fields->n = st.nkv;
		files->v = st.f;
		files->n = st.nf;
	}
	if (where != NULL)
		*where = e == MP_OK ? NULL : st.where;
	return e;
}

const struct mp_file *
mp_file_get(const struct mp_files *l, const char *name)
{
	size_t	 i;

	if (l == NULL)
		return NULL;
	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}
