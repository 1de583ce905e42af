#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <fcgiapp.h>

#include "config.h"
#include "request.h"
#include "router.h"
#include "util.h"

static const struct {
	enum http_method	 m;
	const char		*name;
} methods[] = {
	{ HTTP_GET, "GET" }, { HTTP_HEAD, "HEAD" }, { HTTP_POST, "POST" },
	{ HTTP_PUT, "PUT" }, { HTTP_DELETE, "DELETE" },
	{ HTTP_PATCH, "PATCH" }, { HTTP_OPTIONS, "OPTIONS" },
};

const char *
http_method_name(enum http_method m)
{
	size_t	 i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].m == m)
			return methods[i].name;
	return "OTHER";
}

enum http_method
http_method_from(const char *s)
{
	size_t	 i;

	for (i = 0; s != NULL && i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i].name, s) == 0)
			return methods[i].m;
	return HTTP_OTHER;
}

const char *
req_param(const struct request *r, const char *name)
{
	size_t	 n = strlen(name);
	char	**e;

	for (e = r->envp; e != NULL && *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

const char *
req_header(const struct request *r, const char *name)
{
	char	 key[128];
	size_t	 i;

	if (strlen(name) + 6 >= sizeof(key))
		return NULL;
	memcpy(key, "HTTP_", 5);
	for (i = 0; name[i] != '\0'; i++)
		key[5 + i] = name[i] == '-' ? '_' :
		    (char)toupper((unsigned char)name[i]);
	key[5 + i] = '\0';
	return req_param(r, key);
}

const char *
req_capture(const struct request *r, const char *name)
{
	return kv_get(&r->params, name);
}

const char *
req_cookie(const struct request *r, const char *name)
{
	return kv_get(&r->cookies, name);
}

const char *
req_query(const struct request *r, const char *name)
{
	return kv_get(&r->query_kv, name);
}

const char *
in_str(const struct request *r, const char *name)
{
	return json_string_value(json_object_get(r->in, name));
}

int64_t
in_int(const struct request *r, const char *name)
{
	return json_integer_value(json_object_get(r->in, name));
}

int
in_has(const struct request *r, const char *name)
{
	return json_object_get(r->in, name) != NULL;
}

const char *
in_error(const struct request *r, const char *name)
{
	return json_string_value(json_object_get(r->in_errors, name));
}

int
req_is_internal(const struct request *r)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	uint32_t	 h;
	const char	*ip = r->remote_addr;

	if (ip == NULL || *ip == '\0')
		return 0;
	if (strncmp(ip, "unix:", 5) == 0)
		return 1;
	if (inet_pton(AF_INET, ip, &a4) == 1) {
		h = ntohl(a4.s_addr);
		return (h >> 24) == 127 || (h >> 24) == 10 ||
		    (h >> 20) == 0xac1 || (h >> 16) == 0xc0a8;
	}
	if (inet_pton(AF_INET6, ip, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (a6.s6_addr[0] & 0xfe) == 0xfc;
	return 0;
}

int
req_wants_json(const struct request *r)
{
	const char	*acc;

	if (r->api)
		return 1;
	acc = req_header(r, "Accept");
	return acc != NULL && strstr(acc, "application/json") != NULL &&
	    strstr(acc, "text/html") == NULL;
}

static struct parse_limits
limits(void)
{
	struct parse_limits	 l;

	l.max_fields = cfg.max_fields;
	l.max_key = 256;
	l.max_value = cfg.max_field_len;
	return l;
}

/* Answers 400 for a parser error, naming the part of the request. */
static int
parse_fail(struct request *r, const char *part, enum parse_err e,
    const char *where)
{
	const char	*msg;

	if (where != NULL)
		msg = arena_printf(r->a, "%s: %s (field '%s')", part,
		    parse_strerror(e), where);
	else
		msg = arena_printf(r->a, "%s: %s", part, parse_strerror(e));
	resp_error(r, 400, "bad_request", msg, NULL);
	return -1;
}

/* Splits REQUEST_URI into a decoded path and a raw query string. */
static int
split_uri_or_reply(struct request *r)
{
	const char	*q;
	char		*path;
	size_t		 plen, pathlen;
	enum parse_err	 e;

	q = strchr(r->uri, '?');
	plen = q ? (size_t)(q - r->uri) : strlen(r->uri);
	r->query = q ? q + 1 : "";
	if (plen == 0 || r->uri[0] != '/') {
		resp_error(r, 400, "bad_request", "the path must start with /",
		    NULL);
		return -1;
	}
	if (plen > 2048) {
		resp_error(r, 414, "uri_too_long", "the address is too long",
		    NULL);
		return -1;
	}
	e = pct_decode(r->a, r->uri, plen, 0, &path, &pathlen);
	if (e != PARSE_OK)
		return parse_fail(r, "path", e, NULL);
	if (strlen(path) != pathlen)
		return parse_fail(r, "path", PARSE_BAD_UTF8, NULL);
	r->path = path;
	return 0;
}

int
request_parse_head_or_reply(struct request *r)
{
	struct parse_limits	 l = limits();
	const char		*s, *where = NULL;
	enum parse_err		 e;

	r->method_name = req_param(r, "REQUEST_METHOD");
	r->method = http_method_from(r->method_name);
	r->remote_addr = req_param(r, "REMOTE_ADDR");
	r->request_id = req_param(r, "REQUEST_ID");
	if (r->request_id == NULL || *r->request_id == '\0')
	{
		r->request_id = random_hex(r->a, 16);
		r->own_request_id = 1;
	}
	s = req_param(r, "HTTPS");
	r->https = s != NULL && (strcasecmp(s, "on") == 0);
	r->uri = req_param(r, "REQUEST_URI");
	if (r->uri == NULL)
		r->uri = "/";
	r->api = strncmp(r->uri, "/v1/", 4) == 0 || strcmp(r->uri, "/v1") == 0;
	if (split_uri_or_reply(r) == -1)
		return -1;
	e = parse_urlencoded(r->a, r->query, strlen(r->query), &l,
	    &r->query_kv, &where);
	if (e != PARSE_OK)
		return parse_fail(r, "query string", e, where);
	if ((s = req_param(r, "HTTP_COOKIE")) != NULL) {
		e = parse_cookies(r->a, s, &l, &r->cookies, &where);
		if (e != PARSE_OK)
			return parse_fail(r, "cookies", e, where);
	}
	return 0;
}

/* The media type of CONTENT_TYPE, lower-cased, without parameters. */
static const char *
media_type(struct request *r)
{
	const char	*ct = req_param(r, "CONTENT_TYPE");
	char		*m;
	size_t		 i, n;

	if (ct == NULL || *ct == '\0')
		return NULL;
	n = strcspn(ct, ";");
	while (n > 0 && ct[n - 1] == ' ')
		n--;
	m = arena_strndup(r->a, ct, n);
	for (i = 0; i < n; i++)
		m[i] = (char)tolower((unsigned char)m[i]);
	return m;
}

/* Whether r->content_type is multipart/form-data. */
static int
is_multipart(const struct request *r)
{
	return r->content_type != NULL &&
	    strcmp(r->content_type, "multipart/form-data") == 0;
}

/*
 * The largest body r may send: upload_limit for a multipart body on a
 * route flagged RF_UPLOAD (the route is known before the body is
 * read), body_limit for everything else.
 */
static size_t
body_limit(const struct request *r)
{
	if (r->route != NULL && (r->route->flags & RF_UPLOAD) &&
	    is_multipart(r))
		return cfg.upload_limit;
	return cfg.body_limit;
}

/* Reads CONTENT_LENGTH bytes of body; 413 past the limit. */
static int
read_body_or_reply(struct request *r)
{
	const char	*cl = req_param(r, "CONTENT_LENGTH");
	char		*end, *body;
	unsigned long long n;
	size_t		 limit = body_limit(r);
	int		 got;

	r->body = "";
	r->body_len = 0;
	if (cl == NULL || *cl == '\0')
		return 0;
	n = strtoull(cl, &end, 10);
	if (*end != '\0' || cl[0] == '-') {
		resp_error(r, 400, "bad_request", "invalid Content-Length",
		    NULL);
		return -1;
	}
	if (n > limit) {
		resp_error(r, 413, "payload_too_large", arena_printf(r->a,
		    "the request body is larger than %zu bytes", limit), NULL);
		return -1;
	}
	if (n == 0)
		return 0;
	body = arena_alloc(r->a, (size_t)n + 1);
	got = r->body_in ? FCGX_GetStr(body, (int)n, r->body_in) : 0;
	if (got < 0 || (unsigned long long)got != n) {
		resp_error(r, 400, "bad_request", "the request body was cut short",
		    NULL);
		return -1;
	}
	body[n] = '\0';
	r->body = body;
	r->body_len = (size_t)n;
	return 0;
}

static void
json_release(void *p)
{
	json_decref(p);
}

static int
parse_json_or_reply(struct request *r)
{
	json_error_t	 err;
	json_t		*j;

	j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL) {
		resp_error(r, 400, "invalid_json", arena_printf(r->a,
		    "the body is not valid JSON: %s (line %d, column %d)",
		    err.text, err.line, err.column), NULL);
		return -1;
	}
	arena_defer(r->a, json_release, j);
	if (!json_is_object(j)) {
		resp_error(r, 400, "invalid_json",
		    "the body must be a JSON object", NULL);
		return -1;
	}
	r->json = j;
	return 0;
}

/*
 * Parses a multipart/form-data body: text parts into r->form_kv (under
 * the same limits as a urlencoded form), file parts into r->files.
 * 400 naming the problem (and the part) when it is malformed.
 */
static int
parse_multipart_or_reply(struct request *r)
{
	struct multipart_limits	 ml;
	const char		*boundary, *where = NULL;
	enum mp_err		 e;

	memset(&ml, 0, sizeof(ml));
	ml.max_parts = cfg.max_fields;
	ml.max_name = limits().max_key;
	ml.max_value = cfg.max_field_len;
	e = multipart_boundary(r->a, req_param(r, "CONTENT_TYPE"), &boundary);
	if (e == MP_OK)
		e = multipart_parse(r->a, boundary, r->body, r->body_len, &ml,
		    &r->form_kv, &r->files, &where);
	if (e == MP_OK)
		return 0;
	resp_error(r, 400, "bad_request", where != NULL ? arena_printf(r->a,
	    "multipart form: %s (part '%s')", multipart_strerror(e), where) :
	    arena_printf(r->a, "multipart form: %s", multipart_strerror(e)),
	    NULL);
	return -1;
}

int
request_parse_body_or_reply(struct request *r)
{
	struct parse_limits	 l = limits();
	const char		*where = NULL;
	enum parse_err		 e;

	r->content_type = media_type(r);
	if (read_body_or_reply(r) == -1)
		return -1;
	if (r->body_len == 0) {
		if (r->content_type != NULL && r->route != NULL &&
		    r->route->body != NULL &&
		    strcmp(r->content_type, "application/json") == 0) {
			resp_error(r, 400, "invalid_json",
			    "the body is empty; send a JSON object", NULL);
			return -1;
		}
		return 0;
	}
	if (r->content_type == NULL) {
		resp_error(r, 415, "unsupported_media_type",
		    "say what the body is with a Content-Type header", NULL);
		return -1;
	}
	if (strcmp(r->content_type, "application/json") == 0)
		return parse_json_or_reply(r);
	if (strcmp(r->content_type, "application/x-www-form-urlencoded") == 0) {
		e = parse_urlencoded(r->a, r->body, r->body_len, &l,
		    &r->form_kv, &where);
		return e == PARSE_OK ? 0 : parse_fail(r, "form", e, where);
	}
	if (is_multipart(r))
		return parse_multipart_or_reply(r);
	resp_error(r, 415, "unsupported_media_type", arena_printf(r->a,
	    "a body of type %s is not accepted; send application/json "
	    "or a form", r->content_type), NULL);
	return -1;
}
