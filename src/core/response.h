/*
 * response: what a handler answers.  Handlers set a status, headers and a
 * body through these helpers; the worker writes it out once at the end.
 * An `_or_reply` function elsewhere has called one of these on failure.
 */
#ifndef MARQUEE_RESPONSE_H
#define MARQUEE_RESPONSE_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"

struct request;

#define RESP_MAX_HEADERS	24

struct header {
	const char	*name;
	const char	*value;
};

struct response {
	int		 status;
	const char	*content_type;
	struct header	 headers[RESP_MAX_HEADERS];
	size_t		 nheaders;
	struct buf	*body;		/* owned by the worker, reused */
	int		 set;		/* a handler answered */
	int		 not_whole;	/* not to be kept as a whole page */
};

enum cookie_flags {
	COOKIE_HTTPONLY = 1 << 0,
	COOKIE_DELETE = 1 << 1
};

const char	*http_status_text(int);

void	 resp_header(struct request *, const char *name, const char *value);
/* Steals the reference to body. */
void	 resp_json(struct request *, int status, json_t *body);
void	 resp_text(struct request *, int status, const char *ctype,
	    const char *data, size_t len);
void	 resp_empty(struct request *, int status);
void	 resp_redirect(struct request *, int status, const char *location);
/* Renders a page template with the common context; steals ctx. */
void	 resp_page(struct request *, int status, const char *tpl, json_t *ctx);
/*
 * The error answer: {"error": {code, message, details}} for the API,
 * an HTML error page otherwise.  Steals details (may be NULL).
 */
void	 resp_error(struct request *, int status, const char *code,
	    const char *message, json_t *details);
/* 400 invalid_input listing each bad field; steals fields. */
void	 resp_invalid(struct request *, json_t *fields);
/* 503 service_unavailable with Retry-After. */
void	 resp_unavailable(struct request *, int retry_after);
void	 resp_cookie(struct request *, const char *name, const char *value,
	    long max_age, unsigned flags);
/* Formats the head and body into out (for FastCGI or tests). */
void	 resp_serialize(const struct request *, struct buf *out, int head_only);

#endif
