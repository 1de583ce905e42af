/*
 * Fuzz harness for the multipart/form-data parser.
 *
 * The input's first line (up to the first newline) is a Content-Type
 * header and the rest a body: the boundary is read from the header and,
 * when there is one, the body is parsed with it, with the default
 * limits and with small ones.  The whole input is also parsed as a body
 * with the fixed boundary "b", so the corpus need not get the header
 * right to reach the body parser.
 *
 * Beyond "no crash, no leak, no read past the input", the harness
 * checks what callers rely on: a successful parse gives text fields of
 * NUL-free valid UTF-8 within the limits, files whose data lies inside
 * the body, base names without '/' or '\\', lower-case media types; a
 * failed one gives empty lists.  And it checks that the parser reads
 * what it writes: the result written back out as a body with the same
 * boundary parses again, to the same fields and files.
 *
 * Build with libFuzzer (clang -fsanitize=fuzzer,address,undefined) or
 * with tests/fuzz/driver.c to replay tests/fuzz/corpus/multipart/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/multipart.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Aborts unless a parse's result keeps the promises of multipart.h. */
static void
check_result(enum mp_err e, const struct kvlist *kv,
    const struct mp_files *f, const struct multipart_limits *l,
    const char *body, size_t n)
{
	const struct mp_file	*p;
	const char		*c;
	size_t			 i;

	if (e != MP_OK) {
		if (kv->n != 0 || f->n != 0)
			abort();
		return;
	}
	if (l != NULL && kv->n + f->n > l->max_parts)
		abort();
	for (i = 0; i < kv->n; i++)
		if (!utf8_valid(kv->v[i].key, strlen(kv->v[i].key)) ||
		    *kv->v[i].key == '\0' ||
		    strlen(kv->v[i].val) != kv->v[i].vlen ||
		    !utf8_valid(kv->v[i].val, kv->v[i].vlen) ||
		    (l != NULL && (kv->v[i].vlen > l->max_value ||
		    strlen(kv->v[i].key) > l->max_name)))
			abort();
	for (i = 0; i < f->n; i++) {
		p = &f->v[i];
		if (!utf8_valid(p->name, strlen(p->name)) || *p->name == '\0' ||
		    !utf8_valid(p->filename, strlen(p->filename)) ||
		    strpbrk(p->filename, "/\\") != NULL ||
		    p->data < (const unsigned char *)body ||
		    p->len > n || p->data + p->len > (const unsigned char *)body + n)
			abort();
		for (c = p->content_type; *c != '\0'; c++)
			if (*c >= 'A' && *c <= 'Z')
				abort();
		if (strchr(p->content_type, '/') == NULL)
			abort();
	}
}

/* A quoted-string of s, escaping '"' and '\\'. */
static void
add_quoted(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

/* The fields, then the files, as a body with boundary bd. */
static void
write_body(struct buf *b, const char *bd, const struct kvlist *kv,
    const struct mp_files *f)
{
	size_t	 i;

	for (i = 0; i < kv->n; i++) {
		buf_printf(b, "--%s\r\nContent-Disposition: form-data; name=",
		    bd);
		add_quoted(b, kv->v[i].key);
		buf_adds(b, "\r\n\r\n");
		buf_add(b, kv->v[i].val, kv->v[i].vlen);
		buf_adds(b, "\r\n");
	}
	for (i = 0; i < f->n; i++) {
		buf_printf(b, "--%s\r\nContent-Disposition: form-data; name=",
		    bd);
		add_quoted(b, f->v[i].name);
		buf_adds(b, "; filename=");
		add_quoted(b, f->v[i].filename);
		buf_printf(b, "\r\nContent-Type: %s\r\n\r\n",
		    f->v[i].content_type);
		buf_add(b, f->v[i].data, f->v[i].len);
		buf_adds(b, "\r\n");
	}
	buf_printf(b, "--%s--\r\n", bd);
}

/*
 * The result written out must parse again to the same lists.  Header
 * lines may grow (names quoted and escaped, a Content-Type added), so
 * that limit is lifted; the others held for the first parse.
 */
static void
check_round_trip(struct arena *a, const char *bd, const struct kvlist *kv,
    const struct mp_files *f)
{
	static const struct multipart_limits	 l = { 0, 1 << 20, 0, 0 };
	struct buf				 b = BUF_INIT;
	struct kvlist				 kv2;
	struct mp_files				 f2;
	size_t					 i;

	write_body(&b, bd, kv, f);
	if (multipart_parse(a, bd, b.data, b.len, &l, &kv2, &f2, NULL) !=
	    MP_OK || kv2.n != kv->n || f2.n != f->n)
		abort();
	for (i = 0; i < kv->n; i++)
		if (strcmp(kv->v[i].key, kv2.v[i].key) != 0 ||
		    kv->v[i].vlen != kv2.v[i].vlen ||
		    memcmp(kv->v[i].val, kv2.v[i].val, kv->v[i].vlen) != 0)
			abort();
	for (i = 0; i < f->n; i++)
		if (strcmp(f->v[i].name, f2.v[i].name) != 0 ||
		    strcmp(f->v[i].filename, f2.v[i].filename) != 0 ||
		    strcmp(f->v[i].content_type, f2.v[i].content_type) != 0 ||
		    f->v[i].len != f2.v[i].len ||
		    (f->v[i].len > 0 && memcmp(f->v[i].data, f2.v[i].data,
		    f->v[i].len) != 0))
			abort();
	buf_free(&b);
}

/* Parses body[0..n) with bd under l (NULL: defaults) and checks it. */
static void
parse_one(struct arena *a, const char *bd, const char *body, size_t n,
    const struct multipart_limits *l)
{
	struct kvlist	 kv;
	struct mp_files	 f;
	const char	*where = NULL;
	enum mp_err	 e;

	e = multipart_parse(a, bd, body, n, l, &kv, &f, &where);
	check_result(e, &kv, &f, l, body, n);
	if (multipart_strerror(e) == NULL)
		abort();
	if (where != NULL && strlen(where) > 64 + 3)
		abort();
	if (e == MP_OK)
		check_round_trip(a, bd, &kv, &f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct multipart_limits	 small = { 3, 64, 8, 16 };
	static struct arena			 a;
	static int				 ready;
	const char				*s = (const char *)data;
	const char				*nl, *bd;
	char					*ct, *body;
	size_t					 n;

	if (!ready) {
		arena_init(&a);
		ready = 1;
	}
	/* An exact-size copy, so that a read past the end is caught. */
	body = malloc(size ? size : 1);
	if (body == NULL)
		abort();
	memcpy(body, s, size);
	parse_one(&a, "b", body, size, NULL);
	parse_one(&a, "b", body, size, &small);
	nl = memchr(s, '\n', size);
	n = nl != NULL ? (size_t)(nl - s) : size;
	ct = arena_strndup(&a, s, n);
	if (strlen(ct) == n && multipart_boundary(&a, ct, &bd) == MP_OK) {
		if (bd == NULL || strlen(bd) == 0 ||
		    strlen(bd) > MULTIPART_BOUNDARY_MAX)
			abort();
		n = nl != NULL ? n + 1 : size;
		parse_one(&a, bd, body + n, size - n, NULL);
		parse_one(&a, bd, body + n, size - n, &small);
	}
	free(body);
	arena_reset(&a);
	return 0;
}
