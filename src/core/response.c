#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "request.h"
#include "response.h"
#include "view/render.h"

static const struct {
	int		 code;
	const char	*text;
} statuses[] = {
	{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
	{ 204, "No Content" }, { 301, "Moved Permanently" },
	{ 302, "Found" }, { 303, "See Other" }, { 304, "Not Modified" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" },
	{ 402, "Payment Required" }, { 403, "Forbidden" },
	{ 404, "Not Found" }, { 405, "Method Not Allowed" },
	{ 409, "Conflict" }, { 410, "Gone" }, { 413, "Payload Too Large" },
	{ 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
	{ 422, "Unprocessable Entity" }, { 429, "Too Many Requests" },
	{ 500, "Internal Server Error" }, { 503, "Service Unavailable" },
};

const char *
http_status_text(int code)
{
	size_t	 i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].code == code)
			return statuses[i].text;
	return "Unknown";
}

void
resp_header(struct request *r, const char *name, const char *value)
{
	struct response	*p = &r->resp;
	size_t		 i;

	for (i = 0; i < p->nheaders; i++)
		if (strcasecmp(p->headers[i].name, name) == 0 &&
		    strcasecmp(name, "Set-Cookie") != 0) {
			p->headers[i].value = arena_strdup(r->a, value);
			return;
		}
	if (p->nheaders == RESP_MAX_HEADERS) {
		log_msg(LOG_ERROR, "too many response headers, dropped %s",
		    name);
		return;
	}
	p->headers[p->nheaders].name = name;
	p->headers[p->nheaders].value = arena_strdup(r->a, value);
	p->nheaders++;
}

static void
set_status(struct request *r, int status, const char *ctype)
{
	r->resp.status = status;
	r->resp.content_type = ctype;
	r->resp.set = 1;
	buf_reset(r->resp.body);
}

static int
dump_cb(const char *p, size_t n, void *data)
{
	buf_add(data, p, n);
	return 0;
}

void
resp_json(struct request *r, int status, json_t *body)
{
	set_status(r, status, "application/json; charset=utf-8");
	if (body != NULL) {
		/* 15 significant digits: 4.3 stays "4.3", not 4.2999... */
		json_dump_callback(body, dump_cb, r->resp.body,
		    JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
		json_decref(body);
	}
}

void
resp_text(struct request *r, int status, const char *ctype,
    const char *data, size_t len)
{
	set_status(r, status, ctype);
	buf_add(r->resp.body, data, len);
}

void
resp_empty(struct request *r, int status)
{
	set_status(r, status, NULL);
}

void
resp_redirect(struct request *r, int status, const char *location)
{
	set_status(r, status, NULL);
	resp_header(r, "Location", location);
}

void
resp_page(struct request *r, int status, const char *tpl, json_t *ctx)
{
	if (ctx == NULL)
		ctx = json_object();
	if (render_page_hook != NULL)
		render_page_hook(r, ctx);
	json_object_set_new(ctx, "request_id", json_string(r->request_id));
	set_status(r, status, "text/html; charset=utf-8");
	if (render_template(tpl, ctx, r->resp.body) == -1) {
		log_msg(LOG_ERROR, "missing template %s", tpl);
		set_status(r, 500, "text/plain; charset=utf-8");
		buf_adds(r->resp.body, "Internal error: missing template\n");
	}
	json_decref(ctx);
}

void
resp_error(struct request *r, int status, const char *code,
    const char *message, json_t *details)
{
	json_t	*err, *ctx;

	if (req_wants_json(r)) {
		err = json_pack("{s:s,s:s}", "code", code, "message", message);
		if (details != NULL)
			json_object_set_new(err, "details", details);
		resp_json(r, status, json_pack("{s:o}", "error", err));
		return;
	}
	ctx = json_pack("{s:i,s:s,s:s,s:s}", "status", status, "title",
	    http_status_text(status), "code", code, "message", message);
	if (details != NULL)
		json_object_set_new(ctx, "details", details);
	resp_page(r, status, "errors/error", ctx);
}

void
resp_invalid(struct request *r, json_t *fields)
{
	resp_error(r, 400, "invalid_input",
	    "some fields are missing or invalid",
	    json_pack("{s:o}", "fields", fields));
}

void
resp_unavailable(struct request *r, int retry_after)
{
	char	 s[16];

	snprintf(s, sizeof(s), "%d", retry_after);
	resp_error(r, 503, "service_unavailable",
	    "the service is busy or briefly unavailable; try again shortly",
	    NULL);
	resp_header(r, "Retry-After", s);
}

void
resp_cookie(struct request *r, const char *name, const char *value,
    long max_age, unsigned flags)
{
	const char	*v;

	if (flags & COOKIE_DELETE)
		max_age = 0;
	v = arena_printf(r->a, "%s%s=%s; Path=/; Max-Age=%ld; SameSite=Lax%s%s",
	    r->https ? "__Host-" : "", name, (flags & COOKIE_DELETE) ? "" :
	    value, max_age, (flags & COOKIE_HTTPONLY) ? "; HttpOnly" : "",
	    r->https ? "; Secure" : "");
	resp_header(r, "Set-Cookie", v);
}

void
resp_serialize(const struct request *r, struct buf *out, int head_only)
{
	const struct response	*p = &r->resp;
	size_t			 i;

	buf_printf(out, "Status: %d %s\r\n", p->status,
	    http_status_text(p->status));
	if (p->content_type != NULL)
		buf_printf(out, "Content-Type: %s\r\n", p->content_type);
	if (p->status != 204 && p->status != 304)
		buf_printf(out, "Content-Length: %zu\r\n", p->body->len);
	if (r->own_request_id)	/* else nginx adds it */
		buf_printf(out, "X-Request-Id: %s\r\n", r->request_id);
	for (i = 0; i < p->nheaders; i++)
		buf_printf(out, "%s: %s\r\n", p->headers[i].name,
		    p->headers[i].value);
	buf_adds(out, "\r\n");
	if (!head_only && p->status != 204 && p->status != 304)
		buf_add(out, p->body->data, p->body->len);
}
