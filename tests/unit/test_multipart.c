/*
 * Unit tests for src/core/multipart.c: the boundary parameter, lists
 * of valid and invalid multipart/form-data bodies, binary files, and
 * the limits (exactly at each one, and one past it).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/multipart.h"

#define NELEM(x)	(sizeof(x) / sizeof((x)[0]))
#define CD		"Content-Disposition: form-data; "
#define END		"\r\n--b--\r\n"

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

/*
 * Parses body[0..n) with boundary b from an exact-size heap copy (so
 * that AddressSanitizer sees any read past the end).
 */
static enum mp_err
parse_n(const char *b, const char *body, size_t n,
    const struct multipart_limits *l, struct kvlist *kv, struct mp_files *f,
    const char **where)
{
	char		*copy = malloc(n ? n : 1);
	enum mp_err	 e;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, body, n);
	e = multipart_parse(&a, b, copy, n, l, kv, f, where);
	free(copy);	/* file data pointed into it: only lengths remain */
	return e;
}

static enum mp_err
parse(const char *b, const char *body, struct kvlist *kv, struct mp_files *f)
{
	return parse_n(b, body, strlen(body), NULL, kv, f, NULL);
}

/*
 * "k=v;" for each field, then "[name|filename|type|len]" for each file:
 * one string to compare a whole result against.
 */
static const char *
render(const struct kvlist *kv, const struct mp_files *f)
{
	char	*s = arena_strdup(&a, "");
	size_t	 i;

	for (i = 0; i < kv->n; i++)
		s = arena_printf(&a, "%s%s=%s;", s, kv->v[i].key, kv->v[i].val);
	for (i = 0; i < f->n; i++)
		s = arena_printf(&a, "%s[%s|%s|%s|%zu]", s, f->v[i].name,
		    f->v[i].filename, f->v[i].content_type, f->v[i].len);
	return s;
}

START_TEST(boundary_good)
{
	static const struct {
		const char	*ct, *b;
	} good[] = {
		{ "multipart/form-data; boundary=abc", "abc" },
		{ "Multipart/Form-Data;BOUNDARY=abc", "abc" },
		{ "multipart/form-data; boundary=\"a b:c?=/\"", "a b:c?=/" },
		{ "multipart/form-data ; charset=utf-8; boundary=x ;", "x" },
		{ "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxk",
		    "----WebKitFormBoundary7MA4YWxk" },
		{ "multipart/form-data; boundary=\"q\\\"\"", NULL },
		{ "multipart/form-data; boundary=1234567890123456789012345678901"
		    "234567890123456789012345678901234567890", NULL },
	};
	const char	*b;
	size_t		 i;

	for (i = 0; i + 2 < NELEM(good); i++) {
		ck_assert_msg(multipart_boundary(&a, good[i].ct, &b) == MP_OK,
		    "good[%zu]", i);
		ck_assert_str_eq(b, good[i].b);
	}
	/* Exactly 70 characters: the longest allowed. */
	ck_assert_int_eq(multipart_boundary(&a, good[i + 1].ct, &b), MP_OK);
	ck_assert_uint_eq(strlen(b), MULTIPART_BOUNDARY_MAX);
	/* A quote is no boundary character, escaped or not. */
	ck_assert_int_eq(multipart_boundary(&a, good[i].ct, &b),
	    MP_BAD_BOUNDARY);
}
END_TEST

START_TEST(boundary_bad)
{
	static const struct {
		const char	*ct;
		enum mp_err	 e;
	} bad[] = {
		{ NULL, MP_NO_BOUNDARY },
		{ "", MP_NO_BOUNDARY },
		{ "multipart/form-data", MP_NO_BOUNDARY },
		{ "multipart/form-data; charset=utf-8", MP_NO_BOUNDARY },
		{ "multipart/mixed; boundary=abc", MP_NO_BOUNDARY },
		{ "text/plain; boundary=abc", MP_NO_BOUNDARY },
		{ "multipart/form-data; boundary=", MP_BAD_BOUNDARY },
		{ "multipart/form-data; boundary=\"\"", MP_BAD_BOUNDARY },
		{ "multipart/form-data; boundary=\"ab \"", MP_BAD_BOUNDARY },
		{ "multipart/form-data; boundary=\"abc", MP_BAD_BOUNDARY },
		{ "multipart/form-data; boundary=a; boundary=a",
		    MP_BAD_BOUNDARY },
		{ "multipart/form-data; boundary=a b", MP_BAD_BOUNDARY },
		{ "multipart/form-data; boundary = abc", MP_BAD_BOUNDARY },
		{ "multipart/form-data; boundary=a{b", MP_BAD_BOUNDARY },
		{ "multipart/form-data; boundary=a*b", MP_BAD_BOUNDARY },
		{ "multipart/form-data; boundary=\"a\tb\"", MP_BAD_BOUNDARY },
		{ "multipart/form-data; boundary=\"a\xc3\xa9\"", MP_BAD_BOUNDARY },
		{ "multipart/form-data; boundary=1234567890123456789012345678901"
		    "2345678901234567890123456789012345678901", MP_BAD_BOUNDARY },
		{ "multipart/form-data boundary=abc", MP_BAD_BOUNDARY },
		{ "multipart/form-data; =abc", MP_BAD_BOUNDARY },
	};
	struct kvlist	 kv;
	struct mp_files	 f;
	const char	*b;
	size_t		 i;

	for (i = 0; i < NELEM(bad); i++)
		ck_assert_msg(multipart_boundary(&a, bad[i].ct, &b) == bad[i].e,
		    "bad[%zu]", i);
	/* A body parse refuses a boundary the header parse would. */
	ck_assert_int_eq(parse("", "--\r\n", &kv, &f), MP_BAD_BOUNDARY);
	ck_assert_int_eq(parse("a ", "--a \r\n", &kv, &f), MP_BAD_BOUNDARY);
}
END_TEST

START_TEST(bodies_good)
{
	static const struct {
		const char	*b, *body, *want;
	} good[] = {
		/* the shape browsers send */
		{ "b", "--b\r\n" CD "name=\"title\"\r\n\r\nThe Long Night" END,
		    "title=The Long Night;" },
		{ "b", "--b\r\n" CD "name=\"a\"\r\n\r\n1\r\n--b\r\n"
		    CD "name=\"b\"\r\n\r\n2\r\n--b\r\n" CD "name=\"a\"\r\n\r\n3"
		    END, "a=1;b=2;a=3;" },
		/* preamble and epilogue are ignored */
		{ "b", "This is a preamble.\r\n--b\r\n" CD "name=\"x\"\r\n\r\n"
		    "y\r\n--b--\r\nand an epilogue\r\n--b\r\nnot a part",
		    "x=y;" },
		{ "b", "\r\n--b\r\n" CD "name=x\r\n\r\ny\r\n--b--", "x=y;" },
		/* "--b" not at the start of a line: all preamble */
		{ "b", "preamble --b\r\n" CD "name=x\r\n\r\ny" END, "" },
		/* no epilogue, not even CRLF; blanks after the close */
		{ "b", "--b\r\n" CD "name=x\r\n\r\ny\r\n--b--", "x=y;" },
		{ "b", "--b\r\n" CD "name=x\r\n\r\ny\r\n--b-- \t\r\n", "x=y;" },
		/* transport padding after a delimiter */
		{ "b", "--b \t \r\n" CD "name=x\r\n\r\ny\r\n--b--", "x=y;" },
		/* no parts at all */
		{ "b", "--b--\r\n", "" },
		/* an empty value; a value with line breaks and a dash line */
		{ "b", "--b\r\n" CD "name=\"e\"\r\n\r\n" END, "e=;" },
		{ "b", "--b\r\n" CD "name=\"t\"\r\n\r\nl1\r\nl2\r\n--\r\n-b"
		    "\r\n--c" END, "t=l1\r\nl2\r\n--\r\n-b\r\n--c;" },
		/* quoted names with escaped quotes and backslashes */
		{ "b", "--b\r\n" CD "name=\"a\\\"b\"\r\n\r\nv" END, "a\"b=v;" },
		{ "b", "--b\r\n" CD "name=\"x\\\\y\"\r\n\r\nv" END, "x\\y=v;" },
		{ "b", "--b\r\n" CD "name=\"semi;colon\"\r\n\r\nv" END,
		    "semi;colon=v;" },
		{ "b", "--b\r\n" CD "name=\"caf\xc3\xa9\"\r\n\r\nth\xc3\xa9" END,
		    "caf\xc3\xa9=th\xc3\xa9;" },
		/* any case; other headers and parameters are ignored */
		{ "b", "--b\r\ncontent-disposition: FORM-DATA; NAME=x; "
		    "size=3\r\nX-Other: whatever\r\nContent-Type: text/plain; "
		    "charset=UTF-8\r\n\r\nabc" END, "x=abc;" },
		{ "b", "--b\r\n" CD "name=x\r\nContent-Transfer-Encoding: "
		    "8BIT\r\n\r\nv" END, "x=v;" },
		/* files: the base name of a path, the declared type */
		{ "b", "--b\r\n" CD "name=\"poster\"; filename=\"C:\\x\\poster"
		    ".png\"\r\nContent-Type: image/png\r\n\r\nPNG" END,
		    "[poster|poster.png|image/png|3]" },
		{ "b", "--b\r\n" CD "name=\"poster\"; filename=\"C:\\\\x\\\\"
		    "p.png\"\r\n\r\nPNG" END,
		    "[poster|p.png|application/octet-stream|3]" },
		{ "b", "--b\r\n" CD "name=f; filename=\"../../etc/passwd\"\r\n"
		    "Content-Type: Image/WEBP ; q=1\r\n\r\n" END,
		    "[f|passwd|image/webp|0]" },
		{ "b", "--b\r\n" CD "filename=\"a.jpg\"; name=f\r\n\r\nxy\r\n"
		    "--b\r\n" CD "name=csrf\r\n\r\ntok" END,
		    "csrf=tok;[f|a.jpg|application/octet-stream|2]" },
		/* "no file chosen"; filename* alone still makes a file */
		{ "b", "--b\r\n" CD "name=\"poster\"; filename=\"\"\r\n"
		    "Content-Type: application/octet-stream\r\n\r\n" END,
		    "[poster||application/octet-stream|0]" },
		{ "b", "--b\r\n" CD "name=f; filename*=UTF-8''a%20b\r\n\r\nz"
		    END, "[f||application/octet-stream|1]" },
		/* a boundary with spaces and a long one */
		{ "a b", "--a b\r\n" CD "name=x\r\n\r\ny\r\n--a b--", "x=y;" },
		{ "----WebKitFormBoundaryAbC", "------WebKitFormBoundaryAbC\r\n"
		    CD "name=x\r\n\r\n--WebKitFormBoundaryAbC\r\n"
		    "------WebKitFormBoundaryAbC--\r\n",
		    "x=--WebKitFormBoundaryAbC;" },
	};
	struct kvlist	 kv;
	struct mp_files	 f;
	const char	*where = "unset";
	size_t		 i;

	for (i = 0; i < NELEM(good); i++) {
		ck_assert_msg(multipart_parse(&a, good[i].b, good[i].body,
		    strlen(good[i].body), NULL, &kv, &f, &where) == MP_OK,
		    "good[%zu]: %s", i, multipart_strerror(multipart_parse(&a,
		    good[i].b, good[i].body, strlen(good[i].body), NULL, &kv,
		    &f, NULL)));
		ck_assert_ptr_null(where);
		ck_assert_msg(strcmp(render(&kv, &f), good[i].want) == 0,
		    "good[%zu]: got %s", i, render(&kv, &f));
	}
}
END_TEST

START_TEST(bodies_bad)
{
	static const struct {
		const char	*body;
		enum mp_err	 e;
		const char	*where;
	} bad[] = {
		/* boundary mismatch, missing delimiters */
		{ "", MP_NO_DELIMITER, NULL },
		{ "--c\r\n" CD "name=x\r\n\r\ny\r\n--c--\r\n", MP_NO_DELIMITER,
		    NULL },
		{ "preamble --b\r\n" CD "name=x\r\n\r\ny", MP_NO_DELIMITER,
		    NULL },
		{ "--b\r\n" CD "name=x\r\n\r\ny", MP_NO_CLOSE, NULL },
		{ "--b\r\n" CD "name=x\r\n\r\ny\r\n--b", MP_NO_CLOSE, NULL },
		{ "--b\r\n" CD "name=x\r\n\r\ny\r\n--b-", MP_NO_CLOSE, NULL },
		{ "--b\r\n" CD "name=x\r\n\r\ny\r\n--b\r\n", MP_NO_CLOSE, NULL },
		{ "--b\r\n" CD "name=x\r\n\r\ny\r\n--b\r", MP_NO_CLOSE, NULL },
		{ "--b", MP_NO_CLOSE, NULL },
		{ "--b\r\n", MP_NO_CLOSE, NULL },
		/* lines that start with the boundary but are not delimiters */
		{ "--bx\r\n" CD "name=x\r\n\r\ny" END, MP_BAD_DELIMITER, NULL },
		{ "--b\r\n" CD "name=x\r\n\r\ny\r\n--b2\r\n" END,
		    MP_BAD_DELIMITER, NULL },
		{ "--b\r\n" CD "name=x\r\n\r\ny\r\n--b--x", MP_BAD_DELIMITER,
		    NULL },
		{ "--b\n" CD "name=x\n\ny\n--b--\n", MP_BAD_DELIMITER, NULL },
		{ "--b\r\n--b\r\n" CD "name=x\r\n\r\ny" END, MP_BAD_DELIMITER,
		    NULL },
		/* headers */
		{ "--b\r\n" CD "name=x\r\ny" END, MP_HEADERS_UNTERMINATED,
		    NULL },
		{ "--b\r\n" CD "name=x" END, MP_HEADERS_UNTERMINATED, NULL },
		{ "--b\r\n" CD "name=x\n\ny" END, MP_HEADERS_UNTERMINATED,
		    NULL },
		{ "--b\r\n\r\ny" END, MP_NO_DISPOSITION, NULL },
		{ "--b\r\nContent-Type: text/plain\r\n\r\ny" END,
		    MP_NO_DISPOSITION, NULL },
		{ "--b\r\n" CD "\r\n name=x\r\n\r\ny" END, MP_BAD_HEADER, NULL },
		{ "--b\r\n" CD "name=x\r\nX-A\r\n\r\ny" END, MP_BAD_HEADER,
		    NULL },
		{ "--b\r\n" CD "name=x\r\nX A: 1\r\n\r\ny" END, MP_BAD_HEADER,
		    NULL },
		{ "--b\r\n" CD "name=x\r\nX-A: 1\r2\r\n\r\ny" END, MP_BAD_HEADER,
		    NULL },
		{ "--b\r\n" CD "name=x\r\nX-A: 1\n2\r\n\r\ny" END, MP_BAD_HEADER,
		    NULL },
		{ "--b\r\n" CD "name=x\r\nX-A: \x01\r\n\r\ny" END, MP_BAD_HEADER,
		    NULL },
		{ "--b\r\n: x\r\n\r\ny" END, MP_BAD_HEADER, NULL },
		/* Content-Disposition */
		{ "--b\r\nContent-Disposition: attachment; name=x\r\n\r\ny" END,
		    MP_BAD_DISPOSITION, NULL },
		{ "--b\r\nContent-Disposition: form-data\r\n\r\ny" END,
		    MP_NO_NAME, NULL },
		{ "--b\r\n" CD "name=\"\"\r\n\r\ny" END, MP_NO_NAME, NULL },
		{ "--b\r\n" CD "filename=a\r\n\r\ny" END, MP_NO_NAME, NULL },
		{ "--b\r\n" CD "name=x; name=y\r\n\r\ny" END,
		    MP_BAD_DISPOSITION, NULL },
		{ "--b\r\n" CD "name=x; filename=a; filename=b\r\n\r\ny" END,
		    MP_BAD_DISPOSITION, NULL },
		{ "--b\r\n" CD "name=\"x\r\n\r\ny" END, MP_BAD_DISPOSITION,
		    NULL },
		{ "--b\r\n" CD "name=\"x\\\"\r\n\r\ny" END, MP_BAD_DISPOSITION,
		    NULL },
		{ "--b\r\n" CD "name=x y\r\n\r\ny" END, MP_BAD_DISPOSITION,
		    NULL },
		{ "--b\r\n" CD "name\r\n\r\ny" END, MP_BAD_DISPOSITION, NULL },
		{ "--b\r\n" CD "name=a\r\n" CD "name=b\r\n\r\ny" END,
		    MP_BAD_DISPOSITION, NULL },
		{ "--b\r\n" CD "name=\"\xff\"\r\n\r\ny" END, MP_BAD_UTF8,
		    "?" },
		{ "--b\r\n" CD "name=f; filename=\"\xc3(\"\r\n\r\ny" END,
		    MP_BAD_UTF8, "f" },
		/* Content-Type and Content-Transfer-Encoding */
		{ "--b\r\n" CD "name=x\r\nContent-Type: image\r\n\r\ny" END,
		    MP_BAD_CONTENT_TYPE, "x" },
		{ "--b\r\n" CD "name=x\r\nContent-Type: a/b; c\r\n\r\ny" END,
		    MP_BAD_CONTENT_TYPE, "x" },
		{ "--b\r\n" CD "name=x\r\nContent-Type: a/b\r\nContent-Type: "
		    "a/b\r\n\r\ny" END, MP_BAD_CONTENT_TYPE, NULL },
		{ "--b\r\n" CD "name=x\r\nContent-Transfer-Encoding: base64\r\n"
		    "\r\neQ==" END, MP_BAD_ENCODING, "x" },
		{ "--b\r\n" CD "name=x\r\nContent-Transfer-Encoding: "
		    "quoted-printable\r\n\r\ny" END, MP_BAD_ENCODING, "x" },
		/* text values must be UTF-8 without NUL */
		{ "--b\r\n" CD "name=x\r\n\r\n\xc0\xaf" END, MP_BAD_UTF8, "x" },
		{ "--b\r\n" CD "name=ok\r\n\r\nfine\r\n--b\r\n" CD "name=bad\r\n"
		    "\r\n\xed\xa0\x80" END, MP_BAD_UTF8, "bad" },
	};
	struct kvlist	 kv;
	struct mp_files	 f;
	const char	*where;
	enum mp_err	 e;
	size_t		 i;

	for (i = 0; i < NELEM(bad); i++) {
		where = "unset";
		e = parse_n("b", bad[i].body, strlen(bad[i].body), NULL, &kv,
		    &f, &where);
		ck_assert_msg(e == bad[i].e, "bad[%zu]: got %s", i,
		    multipart_strerror(e));
		ck_assert_uint_eq(kv.n, 0);
		ck_assert_uint_eq(f.n, 0);
		if (bad[i].where == NULL)
			ck_assert_msg(where == NULL, "bad[%zu]: where %s", i,
			    where);
		else
			ck_assert_str_eq(where, bad[i].where);
	}
	/* A NUL byte inside a text value. */
	e = parse_n("b", "--b\r\n" CD "name=x\r\n\r\na\0b" END,
	    sizeof("--b\r\n" CD "name=x\r\n\r\na\0b" END) - 1, NULL, &kv, &f,
	    NULL);
	ck_assert_int_eq(e, MP_BAD_UTF8);
}
END_TEST

START_TEST(binary_file)
{
	/* CR, LF, NUL, 0xff, a dash line and the boundary inside a line. */
	static const char data[] =
	    "\x89PNG\r\n\x1a\n\0\0\r\n--XY\r\n-XyZ\r\nx--XyZ\r\n\r\n\xff\0\r";
	static const char body[] =
	    "--XyZ\r\n" CD "name=\"csrf\"\r\n\r\ntok\r\n"
	    "--XyZ\r\n" CD "name=\"poster\"; filename=\"p.png\"\r\n"
	    "Content-Type: image/png\r\n\r\n"
	    "\x89PNG\r\n\x1a\n\0\0\r\n--XY\r\n-XyZ\r\nx--XyZ\r\n\r\n\xff\0\r"
	    "\r\n--XyZ--\r\n";
	struct kvlist		 kv;
	struct mp_files		 f;
	const struct mp_file	*p;

	ck_assert_int_eq(multipart_parse(&a, "XyZ", body, sizeof(body) - 1,
	    NULL, &kv, &f, NULL), MP_OK);
	ck_assert_uint_eq(kv.n, 1);
	ck_assert_str_eq(kv_get(&kv, "csrf"), "tok");
	ck_assert_ptr_null(mp_file_get(&f, "csrf"));
	ck_assert_ptr_null(mp_file_get(&f, "other"));
	ck_assert_ptr_nonnull(p = mp_file_get(&f, "poster"));
	ck_assert_str_eq(p->filename, "p.png");
	ck_assert_str_eq(p->content_type, "image/png");
	ck_assert_uint_eq(p->len, sizeof(data) - 1);
	ck_assert(memcmp(p->data, data, p->len) == 0);
	/* The data is the body's own bytes, not a copy. */
	ck_assert(p->data > (const unsigned char *)body &&
	    p->data + p->len < (const unsigned char *)body + sizeof(body));
}
END_TEST

START_TEST(every_prefix)
{
	static const char body[] =
	    "pre\r\n--b\r\n" CD "name=\"a\\\"b\"\r\n\r\nv\r\n"
	    "--b \r\n" CD "name=f; filename=\"C:\\x\\p.png\"\r\n"
	    "Content-Type: image/png; q=\"1\"\r\n\r\n\0\r\n\r\n-\r\n--b--\r\n";
	struct kvlist	 kv;
	struct mp_files	 f;
	size_t		 n;

	/* Each cut is an error or a full parse, and reads nothing past it. */
	for (n = 0; n < sizeof(body) - 1; n++)
		(void)parse_n("b", body, n, NULL, &kv, &f, NULL);
	ck_assert_int_eq(parse_n("b", body, sizeof(body) - 1, NULL, &kv, &f,
	    NULL), MP_OK);
	ck_assert_uint_eq(f.n, 1);
	ck_assert_str_eq(render(&kv, &f), "a\"b=v;[f|p.png|image/png|6]");
}
END_TEST

START_TEST(strerror_all)
{
	int	 e;

	for (e = 0; e < MP_ERR__MAX; e++)
		ck_assert_ptr_nonnull(multipart_strerror(e));
	ck_assert_str_eq(multipart_strerror(MP_ERR__MAX),
	    "unknown multipart error");
}
END_TEST

/* A body of n text parts "f<i>=v", each with header bytes hdr. */
static char *
many_parts(size_t n, size_t *len)
{
	char	*s = arena_alloc(&a, 64 * n + 16), *p = s;
	size_t	 i;

	for (i = 0; i < n; i++)
		p += sprintf(p, "--b\r\n" CD "name=f%zu\r\n\r\nv\r\n", i);
	p += sprintf(p, "--b--");
	*len = (size_t)(p - s);
	return s;
}

START_TEST(limits_parts)
{
	struct multipart_limits	 l = { 5, 0, 0, 0 };
	struct kvlist		 kv;
	struct mp_files		 f;
	const char		*s;
	size_t			 n;

	s = many_parts(5, &n);
	ck_assert_int_eq(parse_n("b", s, n, &l, &kv, &f, NULL), MP_OK);
	ck_assert_uint_eq(kv.n, 5);
	s = many_parts(6, &n);
	ck_assert_int_eq(parse_n("b", s, n, &l, &kv, &f, NULL),
	    MP_TOO_MANY_PARTS);
	/* The default, and past it; files count too. */
	s = many_parts(MULTIPART_MAX_PARTS, &n);
	ck_assert_int_eq(parse_n("b", s, n, NULL, &kv, &f, NULL), MP_OK);
	ck_assert_uint_eq(kv.n, MULTIPART_MAX_PARTS);
	s = many_parts(MULTIPART_MAX_PARTS + 1, &n);
	ck_assert_int_eq(parse_n("b", s, n, NULL, &kv, &f, NULL),
	    MP_TOO_MANY_PARTS);
	s = "--b\r\n" CD "name=a; filename=a\r\n\r\n\r\n--b\r\n" CD
	    "name=b; filename=b\r\n\r\n\r\n--b--";
	l.max_parts = 1;
	ck_assert_int_eq(parse_n("b", s, strlen(s), &l, &kv, &f, NULL),
	    MP_TOO_MANY_PARTS);
	l.max_parts = 2;
	ck_assert_int_eq(parse_n("b", s, strlen(s), &l, &kv, &f, NULL), MP_OK);
}
END_TEST

/* One part whose header lines (CRLFs included) take exactly hdr bytes. */
static char *
part_with_header(size_t hdr, size_t *len)
{
	static const char	 head[] = "--b\r\n" CD "name=x\r\nX-Pad: ";
	char			*s = arena_alloc(&a, hdr + 64), *p = s;
	size_t			 pad = hdr - (sizeof(head) - 1 - 5) - 2;

	p += sprintf(p, "%s", head);
	memset(p, 'p', pad);
	p += pad;
	p += sprintf(p, "\r\n\r\nv" END);
	*len = (size_t)(p - s);
	return s;
}

START_TEST(limits_header)
{
	struct multipart_limits	 l = { 0, 100, 0, 0 };
	struct kvlist		 kv;
	struct mp_files		 f;
	const char		*s;
	size_t			 n;

	s = part_with_header(100, &n);
	ck_assert_int_eq(parse_n("b", s, n, &l, &kv, &f, NULL), MP_OK);
	ck_assert_str_eq(kv_get(&kv, "x"), "v");
	s = part_with_header(101, &n);
	ck_assert_int_eq(parse_n("b", s, n, &l, &kv, &f, NULL),
	    MP_HEADERS_TOO_LONG);
	s = part_with_header(MULTIPART_MAX_HEADER, &n);
	ck_assert_int_eq(parse_n("b", s, n, NULL, &kv, &f, NULL), MP_OK);
	s = part_with_header(MULTIPART_MAX_HEADER + 1, &n);
	ck_assert_int_eq(parse_n("b", s, n, NULL, &kv, &f, NULL),
	    MP_HEADERS_TOO_LONG);
}
END_TEST

START_TEST(limits_name_value)
{
	struct multipart_limits	 l = { 0, 0, 8, 4 };
	struct kvlist		 kv;
	struct mp_files		 f;
	const char		*where;

	ck_assert_int_eq(parse("b", "--b\r\n" CD "name=abcdefgh\r\n\r\n1234"
	    END, &kv, &f), MP_OK);
	ck_assert_int_eq(parse_n("b", "--b\r\n" CD "name=abcdefgh\r\n\r\n1234"
	    END, strlen("--b\r\n" CD "name=abcdefgh\r\n\r\n1234" END), &l, &kv,
	    &f, &where), MP_OK);
	ck_assert_int_eq(parse_n("b", "--b\r\n" CD "name=abcdefghi\r\n\r\n1"
	    END, strlen("--b\r\n" CD "name=abcdefghi\r\n\r\n1" END), &l, &kv,
	    &f, &where), MP_NAME_TOO_LONG);
	ck_assert_str_eq(where, "abcdefghi");
	ck_assert_int_eq(parse_n("b", "--b\r\n" CD "name=v\r\n\r\n12345" END,
	    strlen("--b\r\n" CD "name=v\r\n\r\n12345" END), &l, &kv, &f,
	    &where), MP_VALUE_TOO_LONG);
	ck_assert_str_eq(where, "v");
	/* Files are bounded by the body only. */
	ck_assert_int_eq(parse_n("b", "--b\r\n" CD "name=v; filename=a\r\n\r\n"
	    "123456789" END, strlen("--b\r\n" CD "name=v; filename=a\r\n\r\n"
	    "123456789" END), &l, &kv, &f, &where), MP_OK);
	ck_assert_uint_eq(f.v[0].len, 9);
}
END_TEST

static Suite *
multipart_suite(void)
{
	Suite	*s = suite_create("multipart");
	TCase	*core = tcase_create("core");
	TCase	*lim = tcase_create("limits");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_checked_fixture(lim, setup, teardown);
	tcase_add_test(core, boundary_good);
	tcase_add_test(core, boundary_bad);
	tcase_add_test(core, bodies_good);
	tcase_add_test(core, bodies_bad);
	tcase_add_test(core, binary_file);
	tcase_add_test(core, every_prefix);
	tcase_add_test(core, strerror_all);
	tcase_add_test(lim, limits_parts);
	tcase_add_test(lim, limits_header);
	tcase_add_test(lim, limits_name_value);
	suite_add_tcase(s, core);
	suite_add_tcase(s, lim);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(multipart_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
