#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "app/app.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "request.h"
#include "router.h"
#include "util.h"
#include "validate.h"
#include "worker.h"

/* Larger response buffers are shrunk back after the request. */
#define BODY_KEEP	(256 * 1024)

static volatile sig_atomic_t	 stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

/* Validates the route's declared inputs into r->in; -1 if it answered. */
static int
validate_or_reply(struct request *r)
{
	const struct route	*rt = r->route;
	struct vresult		 vq = { NULL, NULL }, vb = { NULL, NULL };
	json_t			*errors = json_object();
	int			 bad = 0;

	r->in = json_object();
	arena_defer(r->a, (void (*)(void *))json_decref, r->in);
	if (rt->query != NULL) {
		bad |= validate_form(r->a, rt->query, &r->query_kv, &vq) != 0;
		json_object_update(r->in, vq.values);
		json_object_update(errors, vq.errors);
	}
	if (rt->body != NULL) {
		if (r->json != NULL)
			bad |= validate_json(r->a, rt->body, r->json, &vb) != 0;
		else
			bad |= validate_form(r->a, rt->body, &r->form_kv,
			    &vb) != 0;
		json_object_update(r->in, vb.values);
		json_object_update(errors, vb.errors);
	}
	if (!bad) {
		json_decref(errors);
		return 0;
	}
	if ((rt->flags & RF_FORM_ERRORS) && !r->api) {
		r->in_errors = errors;
		arena_defer(r->a, (void (*)(void *))json_decref, errors);
		return 0;
	}
	resp_invalid(r, errors);
	return -1;
}

static int
route_or_reply(struct request *r)
{
	unsigned	 allowed;

	switch (router_match(r->a, r->path, r->method, &r->route,
	    &r->route_index, &r->params, &allowed)) {
	case ROUTE_FOUND:
		return 0;
	case ROUTE_BAD_METHOD:
		resp_error(r, 405, "method_not_allowed", arena_printf(r->a,
		    "%s is not allowed here; use %s", r->method_name ?
		    r->method_name : "this method",
		    router_allow(r->a, allowed)), NULL);
		resp_header(r, "Allow", router_allow(r->a, allowed));
		return -1;
	default:
		resp_error(r, 404, "not_found",
		    "there is nothing at this address", NULL);
		return -1;
	}
}

void
worker_dispatch(struct request *r)
{
	/*
	 * Who is asking, and whether they may, before the body is read: an
	 * upload route reads up to upload_limit, which only its admins may
	 * make a worker read.  The CSRF token may be in the body.
	 */
	if (request_parse_head_or_reply(r) == -1 ||
	    route_or_reply(r) == -1 ||
	    app_session_or_reply(r) == -1 ||
	    app_role_or_reply(r) == -1 ||
	    request_parse_body_or_reply(r) == -1 ||
	    app_csrf_or_reply(r) == -1 ||
	    validate_or_reply(r) == -1)
		return;
	r->route->fn(r);
	if (!r->resp.set) {
		log_msg(LOG_ERROR, "route %s set no response",
		    router_name(r->route_index));
		resp_error(r, 500, "internal_error", "something went wrong",
		    NULL);
	}
	app_after_response(r);
}

void
worker_log_request(const struct request *r)
{
	int64_t	 usec = now_usec() - r->start_usec;
	json_t	*line;

	metrics_request(r->route_index, r->resp.status, usec);
	line = json_pack("{s:s,s:s,s:s,s:s,s:i,s:I}",
	    "id", r->request_id ? r->request_id : "",
	    "method", r->method_name ? r->method_name : "",
	    "path", r->path ? r->path : "",
	    "route", router_name(r->route_index),
	    "status", r->resp.status, "us", (json_int_t)usec);
	if (line == NULL)
		return;
	if (r->user_id > 0)
		json_object_set_new(line, "user", json_integer(r->user_id));
	log_json(LOG_INFO, line);
}

/* Serves one accepted FastCGI request. */
static void
serve(FCGX_Request *fr, struct arena *a, struct buf *body, struct buf *out)
{
	struct request	 r;

	memset(&r, 0, sizeof(r));
	r.a = a;
	r.envp = fr->envp;
	r.body_in = fr->in;
	r.resp.body = body;
	r.resp.status = 500;
	r.start_usec = now_usec();
	arena_json_begin(a);
	buf_reset(body);
	worker_dispatch(&r);
	buf_reset(out);
	resp_serialize(&r, out, r.method == HTTP_HEAD);
	FCGX_PutStr(out->data, (int)out->len, fr->out);
	worker_log_request(&r);
	arena_reset(a);
	arena_json_end();
	if (body->cap > BODY_KEEP)
		buf_free(body);
	if (out->cap > BODY_KEEP)
		buf_free(out);
}

static void
install_signals(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;	/* no SA_RESTART: accept() returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int
worker_main(int listen_fd)
{
	FCGX_Request	 fr;
	struct arena	 a;
	struct buf	 body = BUF_INIT, out = BUF_INIT;
	char		 err[512];

	install_signals();
	if (app_worker_init(err, sizeof(err)) == -1) {
		log_msg(LOG_ERROR, "worker start failed: %s", err);
		return 1;
	}
	arena_init(&a);
	FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
	while (!stopping) {
		if (FCGX_Accept_r(&fr) < 0) {
			if (stopping)
				break;
			if (errno == EINTR)
				continue;
			log_msg(LOG_ERROR, "accept failed: %s", strerror(errno));
			break;
		}
		serve(&fr, &a, &body, &out);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 0);
	arena_free(&a);
	buf_free(&body);
	buf_free(&out);
	app_worker_exit();
	return 0;
}
