/*
 * request: one FastCGI request as the handlers see it.
 *
 * request_parse_or_reply() fills it from the FastCGI parameters and body,
 * enforcing the limits in the configuration; everything it holds lives in
 * the request's arena.
 */
#ifndef MARQUEE_REQUEST_H
#define MARQUEE_REQUEST_H

#include <stdint.h>

#include <jansson.h>

#include "arena.h"
#include "multipart.h"
#include "parse.h"
#include "response.h"

struct route;
struct session;
struct FCGX_Stream;

enum http_method {
	HTTP_GET = 1 << 0,
	HTTP_HEAD = 1 << 1,
	HTTP_POST = 1 << 2,
	HTTP_PUT = 1 << 3,
	HTTP_DELETE = 1 << 4,
	HTTP_PATCH = 1 << 5,
	HTTP_OPTIONS = 1 << 6,
	HTTP_OTHER = 1 << 7
};

struct request {
	struct arena		*a;
	char			**envp;		/* FastCGI parameters */
	struct FCGX_Stream	*body_in;	/* body; NULL in tests */

	enum http_method	 method;
	const char		*method_name;
	const char		*uri;		/* raw, with the query */
	const char		*path;		/* percent-decoded */
	const char		*query;		/* raw query string */
	const char		*remote_addr;
	const char		*request_id;
	int			 own_request_id;	/* not from nginx */
	const char		*content_type;	/* media type, lower case */
	int			 https;
	int			 api;		/* under /v1/: JSON answers */

	struct kvlist		 query_kv;
	struct kvlist		 form_kv;
	struct kvlist		 cookies;
	json_t			*json;		/* a JSON body, parsed */
	const char		*body;
	size_t			 body_len;
	struct mp_files		 files;		/* multipart file parts */

	const struct route	*route;
	unsigned		 route_index;	/* 0: unmatched */
	struct kvlist		 params;	/* {name} captures */

	json_t			*in;		/* validated, typed input */
	json_t			*in_errors;	/* field -> message */

	struct session		*session;	/* NULL: anonymous */
	int64_t			 user_id;	/* 0: anonymous */
	void			*ctx;		/* per-domain scratch */

	struct response		 resp;
	int64_t			 start_usec;
};

/* A FastCGI parameter ("HTTP_COOKIE", "REMOTE_ADDR") or NULL. */
const char	*req_param(const struct request *, const char *);
/* A request header by its HTTP name ("Idempotency-Key") or NULL. */
const char	*req_header(const struct request *, const char *);
/* A route capture ("movie" in /v1/movies/{movie}) or NULL. */
const char	*req_capture(const struct request *, const char *);
const char	*req_cookie(const struct request *, const char *);
/* A query parameter, raw (not validated) or NULL. */
const char	*req_query(const struct request *, const char *);
/* Whether the client is on a loopback or private address. */
int		 req_is_internal(const struct request *);
/* Whether the client prefers JSON (API path or Accept header). */
int		 req_wants_json(const struct request *);

/* Validated input (r->in) by field name; NULL / 0 when absent. */
const char	*in_str(const struct request *, const char *);
int64_t		 in_int(const struct request *, const char *);
int		 in_has(const struct request *, const char *);
/* The message for a field in r->in_errors, or NULL. */
const char	*in_error(const struct request *, const char *);

/* Reads the method, path, query, cookies: 0, or -1 with an answer set. */
int		 request_parse_head_or_reply(struct request *);
/* Reads and parses the body by its type: 0, or -1 with an answer set. */
int		 request_parse_body_or_reply(struct request *);

const char	*http_method_name(enum http_method);
enum http_method http_method_from(const char *);

#endif
