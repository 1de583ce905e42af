/*
 * multipart: strict multipart/form-data bodies (RFC 7578, RFC 2046).
 *
 * multipart_boundary() takes the boundary from a Content-Type header;
 * multipart_parse() splits a body into its text fields, which go into a
 * struct kvlist exactly like a urlencoded form's (so validate_form()
 * and the CSRF check read them unchanged), and its files.  No I/O, no
 * global state; everything is allocated from the arena, and the data
 * of a file points into the body, which must outlive the result.
 *
 * Strict means one reading only: the boundary is 1 to 70 characters of
 * RFC 2046's set; delimiters begin a line and are followed by "--" (the
 * close) or optional blanks and CRLF; a line that starts with the
 * boundary but is not a delimiter is an error, never content; every
 * part has headers ending with an empty line (CRLF CRLF), exactly one
 * "Content-Disposition: form-data" with a name, at most one
 * Content-Type, no folded header lines, and no transfer encoding other
 * than 7bit, 8bit or binary.  The preamble and the epilogue are
 * ignored.  Failures map to 400 with multipart_strerror() as the
 * message and *where (when set) naming the part.
 */
#ifndef MARQUEE_MULTIPART_H
#define MARQUEE_MULTIPART_H

#include <stddef.h>

#include "parse.h"

struct arena;

/* RFC 2046: a boundary has 1 to 70 characters. */
#define MULTIPART_BOUNDARY_MAX	70

/* Defaults of struct multipart_limits. */
#define MULTIPART_MAX_PARTS	256
#define MULTIPART_MAX_HEADER	4096
#define MULTIPART_MAX_NAME	256
#define MULTIPART_MAX_VALUE	(64 * 1024)

/*
 * Limits on one parse; a member left at 0 takes its default.
 * max_parts counts text and file parts together; max_header is the
 * bytes of one part's header lines, CRLF included, before the empty
 * line; max_name bounds a part's name (after unquoting); max_value
 * bounds a text field's value (files are bounded only by the body).
 */
struct multipart_limits {
	size_t	 max_parts;
	size_t	 max_header;
	size_t	 max_name;
	size_t	 max_value;
};

/* A file part: a part whose Content-Disposition has a filename. */
struct mp_file {
	const char	*name;		/* the form field */
	const char	*filename;	/* base name as sent, may be "" */
	const char	*content_type;	/* declared media type, lower case,
					   without parameters; RFC 7578's
					   application/octet-stream if none */
	const unsigned char *data;	/* into the body; binary */
	size_t		 len;
};

struct mp_files {
	struct mp_file	*v;
	size_t		 n;
};

enum mp_err {
	MP_OK = 0,
	MP_NO_BOUNDARY,
	MP_BAD_BOUNDARY,
	MP_NO_DELIMITER,
	MP_BAD_DELIMITER,
	MP_NO_CLOSE,
	MP_HEADERS_UNTERMINATED,
	MP_HEADERS_TOO_LONG,
	MP_BAD_HEADER,
	MP_NO_DISPOSITION,
	MP_BAD_DISPOSITION,
	MP_NO_NAME,
	MP_NAME_TOO_LONG,
	MP_BAD_CONTENT_TYPE,
	MP_BAD_ENCODING,
	MP_TOO_MANY_PARTS,
	MP_VALUE_TOO_LONG,
	MP_BAD_UTF8,
	MP_ERR__MAX
};

/* A sentence for a person ("too many parts"). */
const char	*multipart_strerror(enum mp_err);

/*
 * Reads the boundary parameter of a Content-Type header value
 * ("multipart/form-data; boundary=\"x y\""), quoted or not, into an
 * arena string.  Returns MP_OK, MP_NO_BOUNDARY (none, or a header that
 * is not multipart/form-data) or MP_BAD_BOUNDARY (malformed parameters,
 * two boundaries, or characters or a length RFC 2046 does not allow).
 */
enum mp_err	 multipart_boundary(struct arena *, const char *content_type,
		    const char **boundary);

/*
 * Parses body[0..n) with boundary (from multipart_boundary()).  Text
 * fields go to *fields in order, NUL-terminated and valid UTF-8 without
 * NUL bytes like parse_urlencoded()'s; file parts go to *files in order.
 * On error both are empty and *where, if where is non-NULL, is set to
 * a printable-ASCII rendering of the part's name, or NULL.
 */
enum mp_err	 multipart_parse(struct arena *, const char *boundary,
		    const char *body, size_t n, const struct multipart_limits *,
		    struct kvlist *fields, struct mp_files *files,
		    const char **where);

/* The first file part called name, or NULL. */
const struct mp_file *mp_file_get(const struct mp_files *, const char *name);

#endif
