/*
 * mustache_render: walks a parsed template against a jansson context.
 *
 * Indentation: the renderer keeps the current indentation string and a
 * "beginning of line" flag.  A MU_LINE node sets the flag; the next byte
 * of output is preceded by the indentation.  A standalone partial, parent
 * or block appends its own indentation for the time of its expansion and
 * starts on a fresh line.  An inline partial or parent is not indented
 * (as if its source were pasted in place) and an inline block keeps the
 * surrounding indentation; in both the first line of the expansion joins
 * the current line, so their first MU_LINE is skipped.
 *
 * Inheritance: each parent expansion pushes a frame holding its block
 * arguments.  A block looks its name up from the outermost frame inward,
 * so the template furthest from the parent's source wins; without a match
 * the block renders its own content.  Frames stay in force inside partials.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mustache_int.h"

struct rstate {
	const struct mu_set	 *set;
	struct buf		 *out;
	size_t			  start;	/* out->len on entry */
	json_t			**ctx;		/* context stack, top last */
	size_t			  nctx, ctxcap;
	const struct mu_node	**frames;	/* parent arguments, outer first */
	size_t			  nframes, framecap;
	struct buf		  ind;		/* indentation strings */
	size_t			  indoff;	/* current one: ind[indoff, len) */
	int			  bol;		/* indentation is due */
	int			  skipline;	/* ignore the next MU_LINE */
	unsigned		  depth;
	unsigned long		  steps;
	int			  failed;	/* a limit was exceeded */
};

static void	 render_list(struct rstate *, const struct mu_list *);

/* Writes the due indentation, if any. */
static void
flush_indent(struct rstate *st)
{
	if (st->bol && st->ind.len > st->indoff)
		buf_add(st->out, st->ind.data + st->indoff,
		    st->ind.len - st->indoff);
	st->bol = 0;
}

/* Appends n bytes of s to the output, HTML-escaped if html. */
static void
emit(struct rstate *st, const char *s, size_t n, int html)
{
	if (n == 0)
		return;
	flush_indent(st);
	st->skipline = 0;
	if (html)
		buf_add_html(st->out, s, n);
	else
		buf_add(st->out, s, n);
	if (st->out->len - st->start > st->set->output)
		st->failed = 1;
}

/* Writes d into b (n bytes) in the shortest form that reads back as d. */
static void
format_real(double d, char *b, size_t n)
{
	int	 prec;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(b, n, "%.*g", prec, d);
		if (strtod(b, NULL) == d)
			return;
	}
}

/* Interpolates v, escaped if html. */
static void
emit_value(struct rstate *st, const json_t *v, int html)
{
	char	 b[64];

	if (v == NULL)
		return;
	switch (json_typeof(v)) {
	case JSON_STRING:
		emit(st, json_string_value(v), json_string_length(v), html);
		break;
	case JSON_INTEGER:
		snprintf(b, sizeof(b), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		emit(st, b, strlen(b), 0);
		break;
	case JSON_REAL:
		format_real(json_real_value(v), b, sizeof(b));
		emit(st, b, strlen(b), 0);
		break;
	case JSON_TRUE:
		emit(st, "true", 4, 0);
		break;
	case JSON_FALSE:
		emit(st, "false", 5, 0);
		break;
	default:
		break;
	}
}

/* Returns 1 if v makes a section render (see mustache.h), else 0. */
static int
truthy(const json_t *v)
{
	if (v == NULL)
		return 0;
	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_FALSE:
		return 0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	default:
		return 1;
	}
}

/*
 * Resolves the dotted name of n: the first part against the context stack
 * from the top down, the others each against the previous result only.
 * Returns the value (borrowed) or NULL.
 */
static json_t *
lookup(const struct rstate *st, const struct mu_node *n)
{
	json_t	*v = NULL;
	size_t	 i;

	if (n->nparts == 0)
		return st->nctx > 0 ? st->ctx[st->nctx - 1] : NULL;
	for (i = st->nctx; i-- > 0;)
		if (json_is_object(st->ctx[i]) &&
		    (v = json_object_get(st->ctx[i], n->parts[0])) != NULL)
			break;
	for (i = 1; v != NULL && i < n->nparts; i++)
		v = json_is_object(v) ? json_object_get(v, n->parts[i]) : NULL;
	return v;
}

static void
push_ctx(struct rstate *st, json_t *v)
{
	if (st->nctx == st->ctxcap) {
		st->ctxcap = st->ctxcap ? st->ctxcap * 2 : 16;
		st->ctx = xrealloc(st->ctx, st->ctxcap * sizeof(*st->ctx));
	}
	st->ctx[st->nctx++] = v;
}

/* Renders list with v on top of the context stack. */
static void
render_with(struct rstate *st, const struct mu_list *l, json_t *v)
{
	push_ctx(st, v);
	render_list(st, l);
	st->nctx--;
}

/* Renders a {{#x}} section: once per element, or once, or not at all. */
static void
render_section(struct rstate *st, const struct mu_node *n)
{
	json_t	*v = lookup(st, n);
	size_t	 i;

	if (!truthy(v))
		return;
	if (!json_is_array(v)) {
		render_with(st, &n->kids, v);
		return;
	}
	for (i = 0; i < json_array_size(v) && !st->failed; i++)
		render_with(st, &n->kids, json_array_get(v, i));
}

/*
 * Renders list l as the expansion of a partial, parent or block node n.
 * reset: an inline expansion drops the current indentation (partials and
 * parents) rather than keeping it (blocks).
 */
static void
expand(struct rstate *st, const struct mu_list *l, const struct mu_node *n,
    int reset)
{
	size_t	 off = st->indoff, len = st->ind.len;
	int	 skip = st->skipline;

	if (n->standalone) {
		buf_add(&st->ind, n->indent, n->indentlen);
		st->bol = 1;
		st->skipline = 0;
	} else {
		if (reset) {
			flush_indent(st);
			st->indoff = st->ind.len;
		}
		st->skipline = !st->bol;
	}
	render_list(st, l);
	st->indoff = off;
	st->ind.len = len;
	st->skipline = skip;
}

/* Returns the argument for block name from the outermost frame, or NULL. */
static const struct mu_node *
find_block(const struct rstate *st, const char *name)
{
	const struct mu_node	*p;
	size_t			 i, k;

	for (i = 0; i < st->nframes; i++) {
		p = st->frames[i];
		for (k = 0; k < p->kids.n; k++)
			if (strcmp(p->kids.v[k]->name, name) == 0)
				return p->kids.v[k];
	}
	return NULL;
}

/* Renders a {{<x}} parent: its template with the arguments in a frame. */
static void
render_parent(struct rstate *st, const struct mu_node *n)
{
	const struct mu_tmpl	*t = mu_set_find(st->set, n->name);

	if (t == NULL)
		return;
	if (st->nframes == st->framecap) {
		st->framecap = st->framecap ? st->framecap * 2 : 8;
		st->frames = xrealloc(st->frames,
		    st->framecap * sizeof(*st->frames));
	}
	st->frames[st->nframes++] = n;
	expand(st, &t->root, n, 1);
	st->nframes--;
}

static void
render_node(struct rstate *st, const struct mu_node *n)
{
	const struct mu_tmpl	*t;
	const struct mu_node	*arg;

	switch (n->kind) {
	case MU_TEXT:
		emit(st, n->text, n->len, 0);
		break;
	case MU_LINE:
		if (st->skipline)
			st->skipline = 0;
		else
			st->bol = 1;
		break;
	case MU_VAR:
	case MU_RAW:
		emit_value(st, lookup(st, n), n->kind == MU_VAR);
		break;
	case MU_SECTION:
		render_section(st, n);
		break;
	case MU_INVERTED:
		if (!truthy(lookup(st, n)))
			render_list(st, &n->kids);
		break;
	case MU_PARTIAL:
		if ((t = mu_set_find(st->set, n->name)) != NULL)
			expand(st, &t->root, n, 1);
		break;
	case MU_PARENT:
		render_parent(st, n);
		break;
	case MU_BLOCK:
		arg = find_block(st, n->name);
		expand(st, arg != NULL ? &arg->kids : &n->kids, n, 0);
		break;
	}
}

/* Renders each node of l, one level deeper; stops at any limit. */
static void
render_list(struct rstate *st, const struct mu_list *l)
{
	size_t	 i;

	if (st->depth >= st->set->depth) {
		st->failed = 1;
		return;
	}
	st->depth++;
	for (i = 0; i < l->n && !st->failed; i++) {
		if (++st->steps > st->set->steps) {
			st->failed = 1;
			break;
		}
		render_node(st, l->v[i]);
	}
	st->depth--;
}

int
mu_render(const struct mu_set *set, const char *name, json_t *ctx,
    struct buf *out)
{
	const struct mu_tmpl	*t = mu_set_find(set, name);
	struct rstate		 st;

	if (t == NULL)
		return -1;
	memset(&st, 0, sizeof(st));
	st.set = set;
	st.out = out;
	st.start = out->len;
	buf_init(&st.ind);
	if (ctx != NULL)
		push_ctx(&st, ctx);
	render_list(&st, &t->root);
	free(st.ctx);
	free(st.frames);
	buf_free(&st.ind);
	if (!st.failed)
		return 0;
	out->len = st.start;
	if (out->data != NULL)
		out->data[out->len] = '\0';
	return -1;
}
