/*
 * mustache_parse: turns template source into the node tree of
 * mustache_int.h, applying every whitespace rule of the spec on the way.
 *
 * The source is read as gaps of text separated by tags.  For each tag the
 * parser works out whether it is clear of other content on its left (only
 * blanks back to the start of its line) and on its right (only blanks up to
 * the end of its line).  Then:
 *
 *  - a standalone tag (section, inverted, close, comment, set-delimiter,
 *    partial, parent or block alone on its line) removes the whole line;
 *    a standalone partial keeps the blanks it removed as its indentation;
 *  - a parent pair whose opening tag is clear on the left and whose
 *    closing tag is clear on the right is standalone too, even on one line:
 *    the blanks before it become indentation, the line end is removed;
 *  - a block whose opening tag is standalone has "intrinsic indentation",
 *    the blanks that start the line after it: they are stripped from each
 *    line of its content and become the block's indentation;
 *  - otherwise a block pair clear on the left and on the right takes the
 *    blanks before it as its indentation and keeps the line end;
 *  - inside a parent, where only blocks matter, a block's opening tag is
 *    standalone if clear on the right and its closing tag if clear on the
 *    left.
 *
 * Every source line start that survives gets a MU_LINE node, which is where
 * the renderer adds indentation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mustache_int.h"

struct open {
	struct mu_node	*node;
	struct mu_list	*list;		/* the list that holds node */
	size_t		 lineidx;	/* where node's line begins in list */
	size_t		 dedent;	/* dedent length before it opened */
	size_t		 lead;		/* blanks before the tag: offset */
	size_t		 leadlen;	/*   and length */
	int		 left;		/* opening tag clear on the left */
	int		 alone;		/* opening tag was standalone */
	int		 line;
};

struct tag {
	size_t		 start, end;	/* the whole tag, delimiters too */
	size_t		 ls;		/* start of the tag's line */
	size_t		 after;		/* past the line end, if right */
	int		 sigil;		/* '#', '/', ... or 0 for a variable */
	const char	*name;		/* trimmed content */
	size_t		 namelen;
	int		 left, right;	/* clear on either side */
	int		 line;
};

struct parser {
	const char	*src;
	size_t		 len;
	size_t		 pos;		/* start of the next gap of text */
	size_t		 ls;		/* start of the line holding pos */
	size_t		 lastend;	/* end of the previous tag */
	char		 otag[MU_DELIM_MAX], ctag[MU_DELIM_MAX];
	size_t		 olen, clen;
	struct buf	 dedent;	/* blanks stripped from line starts */
	size_t		 lineidx;	/* index of the last MU_LINE in cur */
	struct open	 stack[MU_NEST_MAX];
	int		 depth;
	struct mu_list	*cur;		/* the list being filled */
	size_t		 counted;	/* newlines counted up to here */
	int		 line;
	char		*err;
	size_t		 errlen;
};

static int	 is_blank(int c) { return c == ' ' || c == '\t'; }

static int	 fail(struct parser *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Writes "line N: " and the message into the error buffer; returns -1. */
static int
fail(struct parser *p, int line, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (p->err == NULL || p->errlen == 0)
		return -1;
	n = snprintf(p->err, p->errlen, "line %d: ", line);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Returns a length for "%.*s" that keeps quoted names in errors short. */
static int
shortlen(size_t n)
{
	return n > 60 ? 60 : (int)n;
}

/* Returns the 1-based line number of offset off (off never decreases). */
static int
line_of(struct parser *p, size_t off)
{
	for (; p->counted < off && p->counted < p->len; p->counted++)
		if (p->src[p->counted] == '\n')
			p->line++;
	return p->line;
}

/* Returns the offset of needle (n bytes) in src[from, len), or len. */
static size_t
find(const struct parser *p, size_t from, const char *needle, size_t n)
{
	const char	*s;

	while (from + n <= p->len) {
		s = memchr(p->src + from, needle[0], p->len - from - n + 1);
		if (s == NULL)
			break;
		from = (size_t)(s - p->src);
		if (memcmp(s, needle, n) == 0)
			return from;
		from++;
	}
	return p->len;
}

static int
is_linestart(const struct parser *p, size_t off)
{
	return off == 0 || p->src[off - 1] == '\n';
}

/* Returns how many bytes at off match the dedent prefix, up to limit. */
static size_t
dedent_skip(const struct parser *p, size_t off, size_t limit)
{
	size_t	 i = 0;

	while (i < p->dedent.len && off + i < limit &&
	    p->src[off + i] == p->dedent.data[i])
		i++;
	return i;
}

/* Appends a new node of kind k to list l and returns it. */
static struct mu_node *
add_node(struct mu_list *l, enum mu_kind k)
{
	struct mu_node	*n = xcalloc(1, sizeof(*n));

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	n->kind = k;
	l->v[l->n++] = n;
	return n;
}

static void
node_free(struct mu_node *n)
{
	size_t	 i;

	for (i = 0; i < n->kids.n; i++)
		node_free(n->kids.v[i]);
	free(n->kids.v);
	free(n->name);
	free(n->path);
	free(n->parts);
	free(n->indent);
	free(n);
}

/* Adds a MU_LINE node for a line starting at off; returns off past the
 * dedent prefix. */
static size_t
add_line(struct parser *p, size_t off, size_t limit)
{
	p->lineidx = p->cur->n;
	add_node(p->cur, MU_LINE);
	return off + dedent_skip(p, off, limit);
}

/*
 * Emits the text src[from, to) into the current list, split at line
 * starts, each marked by a MU_LINE node.  If mark_end, a line starting
 * exactly at to is marked as well.
 */
static void
emit_gap(struct parser *p, size_t from, size_t to, int mark_end)
{
	struct mu_node	*n;
	const char	*nl;
	size_t		 q = from, e;

	while (q < to) {
		if (is_linestart(p, q) && (q = add_line(p, q, to)) >= to)
			return;
		nl = memchr(p->src + q, '\n', to - q);
		e = nl != NULL ? (size_t)(nl - p->src) + 1 : to;
		n = add_node(p->cur, MU_TEXT);
		n->text = p->src + q;
		n->len = e - q;
		q = e;
	}
	if (mark_end && is_linestart(p, to))
		add_line(p, to, to);
}

/* Fills in t->ls, t->left, t->right and t->after. */
static void
clearance(struct parser *p, struct tag *t)
{
	size_t	 i, q;

	t->ls = p->ls;
	for (i = t->start; i > p->pos; i--)
		if (p->src[i - 1] == '\n') {
			t->ls = i;
			break;
		}
	t->left = p->lastend <= t->ls;
	for (i = t->ls; t->left && i < t->start; i++)
		t->left = is_blank(p->src[i]);
	for (q = t->end; q < p->len && is_blank(p->src[q]); q++)
		;
	t->right = 1;
	if (q == p->len)
		t->after = q;
	else if (p->src[q] == '\n')
		t->after = q + 1;
	else if (p->src[q] == '\r' && q + 1 < p->len && p->src[q + 1] == '\n')
		t->after = q + 2;
	else
		t->right = 0;
}

/* Parses the inside of a {{=a b=}} tag; returns 0 or -1. */
static int
set_delims(struct parser *p, const struct tag *t)
{
	const char	*s = t->name, *e = t->name + t->namelen, *a, *b;
	size_t		 alen, blen;

	for (a = s; a < e && !is_blank(*a); a++)
		;
	alen = (size_t)(a - s);
	for (b = a; b < e && is_blank(*b); b++)
		;
	blen = (size_t)(e - b);
	if (alen == 0 || blen == 0 || alen > MU_DELIM_MAX ||
	    blen > MU_DELIM_MAX || memchr(s, '=', alen) != NULL ||
	    memchr(b, '=', blen) != NULL || memchr(b, ' ', blen) != NULL ||
	    memchr(b, '\t', blen) != NULL)
		return fail(p, t->line, "bad set-delimiter tag");
	memcpy(p->otag, s, alen);
	p->olen = alen;
	memcpy(p->ctag, b, blen);
	p->clen = blen;
	return 0;
}

/* Trims blanks and line ends off both ends of t's content. */
static void
trim_name(struct tag *t)
{
	static const char	 ws[] = " \t\r\n";

	while (t->namelen > 0 && strchr(ws, t->name[0]) != NULL) {
		t->name++;
		t->namelen--;
	}
	while (t->namelen > 0 && strchr(ws, t->name[t->namelen - 1]) != NULL)
		t->namelen--;
}

/*
 * Reads the tag whose opening delimiter is at s into t.  Returns 0, or -1
 * for an unclosed tag, a bad name or a bad set-delimiter tag.
 */
static int
lex_tag(struct parser *p, size_t s, struct tag *t)
{
	static const char	 sigils[] = "#^/!=><$&{";
	char			 needle[MU_DELIM_MAX + 1];
	size_t			 q = s + p->olen, e, i;
	size_t			 n = p->clen;

	memset(t, 0, sizeof(*t));
	t->start = s;
	t->line = line_of(p, s);
	while (q < p->len && strchr(" \t\r\n", p->src[q]) != NULL)
		q++;
	if (q < p->len && p->src[q] != '\0' &&
	    strchr(sigils, p->src[q]) != NULL)
		t->sigil = p->src[q++];
	memcpy(needle + 1, p->ctag, p->clen);
	if (t->sigil == '=' || t->sigil == '{') {
		needle[0] = t->sigil == '=' ? '=' : '}';
		n++;
	}
	e = find(p, q, t->sigil == '=' || t->sigil == '{' ? needle :
	    needle + 1, n);
	if (e == p->len)
		return fail(p, t->line, "unclosed tag");
	t->end = e + n;
	t->name = p->src + q;
	t->namelen = e - q;
	trim_name(t);
	if (t->sigil == '!' || t->sigil == '=')
		return 0;
	if (t->namelen == 0)
		return fail(p, t->line, "empty tag");
	for (i = 0; i < t->namelen; i++)
		if (strchr(" \t\r\n", t->name[i]) != NULL || t->name[i] == '\0')
			return fail(p, t->line, "bad tag name '%.*s'",
			    shortlen(t->namelen), t->name);
	return 0;
}

/* Splits n->name on dots into n->parts; returns 0 or -1 for empty parts. */
static int
split_path(struct parser *p, struct mu_node *n, const struct tag *t)
{
	size_t	 i, k = 1;

	if (strcmp(n->name, ".") == 0)
		return 0;
	n->path = xstrdup(n->name);
	for (i = 0; n->path[i] != '\0'; i++)
		k += n->path[i] == '.';
	n->parts = xcalloc(k, sizeof(*n->parts));
	n->parts[n->nparts++] = n->path;
	for (i = 0; n->path[i] != '\0'; i++)
		if (n->path[i] == '.') {
			n->path[i] = '\0';
			n->parts[n->nparts++] = n->path + i + 1;
		}
	for (i = 0; i < n->nparts; i++)
		if (n->parts[i][0] == '\0')
			return fail(p, t->line, "bad name '%.*s'",
			    shortlen(t->namelen), t->name);
	return 0;
}

/* Returns 1 if the innermost open section (or the one below) is a parent. */
static int
in_parent(const struct parser *p, int below)
{
	int	 i = p->depth - 1 - below;

	return i >= 0 && p->stack[i].node->kind == MU_PARENT;
}

/* Decides whether tag t removes its line, per the rules at the top. */
static int
standalone(const struct parser *p, const struct tag *t)
{
	switch (t->sigil) {
	case 0:
	case '&':
	case '{':
		return 0;
	case '$':
		if (in_parent(p, 0))
			return t->right;
		break;
	case '/':
		if (p->depth > 0 && p->stack[p->depth - 1].node->kind ==
		    MU_BLOCK && in_parent(p, 1))
			return t->left;
		break;
	}
	return t->left && t->right;
}

/*
 * Removes the nodes of the line before an open node that turned out to
 * be standalone (a MU_LINE and the blanks) from its list.
 */
static void
drop_line(struct open *o)
{
	struct mu_list	*l = o->list;
	size_t		 i;

	if (!o->left || o->lineidx >= l->n - 1)
		return;
	for (i = o->lineidx; i < l->n - 1; i++)
		node_free(l->v[i]);
	l->v[o->lineidx] = l->v[l->n - 1];
	l->n = o->lineidx + 1;
}

/* Sets n's indentation to src[off, off + len). */
static void
set_indent(struct parser *p, struct mu_node *n, size_t off, size_t len)
{
	free(n->indent);
	n->indent = xstrndup(p->src + off, len);
	n->indentlen = len;
}

/*
 * For block o, whose opening tag t is standalone: the blanks that start
 * the next line are its intrinsic indentation, stripped from each line of
 * its content and, unless it is an argument inside a parent, used as its
 * indentation (if there are none, the blanks before the tag are used).
 */
static void
intrinsic(struct parser *p, const struct open *o, const struct tag *t,
    int parent)
{
	struct mu_node	*n = o->node;
	size_t		 q, k;

	q = t->after + dedent_skip(p, t->after, p->len);
	for (k = 0; q + k < p->len && is_blank(p->src[q + k]); k++)
		;
	buf_add(&p->dedent, p->src + q, k);
	if (parent)
		return;
	n->standalone = 1;
	if (k > 0)
		set_indent(p, n, q, k);
	else
		set_indent(p, n, o->lead, o->leadlen);
}

/* Handles {{#x}}, {{^x}}, {{<x}} and {{$x}}; returns 0 or -1. */
static int
open_tag(struct parser *p, const struct tag *t, int alone)
{
	struct open	*o;
	struct mu_node	*n;
	int		 parent = in_parent(p, 0);

	if (p->depth == MU_NEST_MAX)
		return fail(p, t->line, "sections nested too deeply");
	o = &p->stack[p->depth++];
	memset(o, 0, sizeof(*o));
	o->list = p->cur;
	o->lineidx = alone ? p->cur->n : p->lineidx;
	o->dedent = p->dedent.len;
	o->left = t->left;
	o->alone = alone;
	o->line = t->line;
	if (t->left) {
		o->lead = t->ls + dedent_skip(p, t->ls, t->start);
		o->leadlen = t->start - o->lead;
	}
	n = o->node = add_node(p->cur, t->sigil == '#' ? MU_SECTION :
	    t->sigil == '^' ? MU_INVERTED : t->sigil == '<' ? MU_PARENT :
	    MU_BLOCK);
	n->name = xstrndup(t->name, t->namelen);
	p->cur = &n->kids;
	if (n->kind == MU_SECTION || n->kind == MU_INVERTED)
		return split_path(p, n, t);
	if (n->kind == MU_BLOCK && alone)
		intrinsic(p, o, t, parent);
	return 0;
}

/* Handles {{/x}}; returns 0 or -1. */
static int
close_tag(struct parser *p, const struct tag *t)
{
	struct open	*o;
	struct mu_node	*n;
	size_t		 i, k;

	if (p->depth == 0)
		return fail(p, t->line, "unexpected close tag '%.*s'",
		    shortlen(t->namelen), t->name);
	o = &p->stack[p->depth - 1];
	n = o->node;
	if (strlen(n->name) != t->namelen ||
	    memcmp(n->name, t->name, t->namelen) != 0)
		return fail(p, t->line, "close tag '%.*s' does not match "
		    "'%.*s' opened on line %d", shortlen(t->namelen), t->name,
		    shortlen(strlen(n->name)), n->name, o->line);
	p->depth--;
	p->cur = o->list;
	p->dedent.len = o->dedent;
	if (n->kind == MU_PARENT) {
		/* Only blocks matter inside a parent. */
		for (i = k = 0; i < n->kids.n; i++)
			if (n->kids.v[i]->kind == MU_BLOCK)
				n->kids.v[k++] = n->kids.v[i];
			else
				node_free(n->kids.v[i]);
		n->kids.n = k;
	}
	if ((n->kind == MU_PARENT || (n->kind == MU_BLOCK && !o->alone &&
	    !in_parent(p, 0))) && o->left && t->right) {
		n->standalone = 1;
		set_indent(p, n, o->lead, o->leadlen);
		drop_line(o);
		if (n->kind == MU_PARENT)
			return 1;	/* the line end goes too */
	}
	return 0;
}

/* Adds a variable or partial node for t. */
static int
leaf_tag(struct parser *p, const struct tag *t, int alone)
{
	struct mu_node	*n;
	size_t		 lead;

	n = add_node(p->cur, t->sigil == '>' ? MU_PARTIAL :
	    t->sigil == 0 ? MU_VAR : MU_RAW);
	n->name = xstrndup(t->name, t->namelen);
	if (n->kind != MU_PARTIAL)
		return split_path(p, n, t);
	if (alone) {
		n->standalone = 1;
		lead = t->ls + dedent_skip(p, t->ls, t->start);
		set_indent(p, n, lead, t->start - lead);
	}
	return 0;
}

/* Dispatches one tag; returns 1 to swallow the line end, 0, or -1. */
static int
do_tag(struct parser *p, const struct tag *t, int alone)
{
	switch (t->sigil) {
	case '!':
		return 0;
	case '=':
		return set_delims(p, t);
	case '#':
	case '^':
	case '<':
	case '$':
		return open_tag(p, t, alone);
	case '/':
		return close_tag(p, t);
	default:
		return leaf_tag(p, t, alone);
	}
}

/* Processes the tag at s: text before it, the tag, where to go next. */
static int
step(struct parser *p, size_t s)
{
	struct tag	 t;
	const char	*nl;
	int		 alone, r;

	if (lex_tag(p, s, &t) == -1)
		return -1;
	clearance(p, &t);
	alone = standalone(p, &t);
	if (alone)
		emit_gap(p, p->pos, t.left ? t.ls : t.start, !t.left);
	else
		emit_gap(p, p->pos, t.start, 1);
	if ((r = do_tag(p, &t, alone)) == -1)
		return -1;
	p->lastend = t.end;
	if ((alone || r == 1) && t.right) {
		p->pos = p->ls = t.after;
		return 0;
	}
	p->pos = t.end;
	p->ls = t.ls;
	for (nl = p->src + t.end; nl > p->src + t.start; nl--)
		if (nl[-1] == '\n') {
			p->ls = (size_t)(nl - p->src);
			break;
		}
	return 0;
}

/* Parses the whole source into p->cur; returns 0 or -1. */
static int
parse(struct parser *p)
{
	const struct open	*o;
	size_t			 s;

	for (;;) {
		s = find(p, p->pos, p->otag, p->olen);
		if (s == p->len)
			break;
		if (step(p, s) == -1)
			return -1;
	}
	if (p->depth > 0) {
		o = &p->stack[p->depth - 1];
		return fail(p, o->line, "unclosed %s '%.*s'",
		    o->node->kind == MU_PARENT ? "parent" :
		    o->node->kind == MU_BLOCK ? "block" : "section",
		    shortlen(strlen(o->node->name)), o->node->name);
	}
	emit_gap(p, p->pos, p->len, 0);
	return 0;
}

void
mu_tmpl_free(struct mu_tmpl *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->root.n; i++)
		node_free(t->root.v[i]);
	free(t->root.v);
	free(t->name);
	free(t->src);
	free(t);
}

struct mu_tmpl *
mu_parse(const char *name, const char *src, size_t len, char *err,
    size_t errlen)
{
	struct mu_tmpl	*t = xcalloc(1, sizeof(*t));
	struct parser	 p;

	t->name = xstrdup(name);
	t->src = xstrndup(src, len);
	t->len = len;
	memset(&p, 0, sizeof(p));
	p.src = t->src;
	p.len = len;
	p.line = 1;
	memcpy(p.otag, "{{", 2);
	memcpy(p.ctag, "}}", 2);
	p.olen = p.clen = 2;
	p.cur = &t->root;
	p.err = err;
	p.errlen = errlen;
	buf_init(&p.dedent);
	if (parse(&p) == -1) {
		buf_free(&p.dedent);
		mu_tmpl_free(t);
		return NULL;
	}
	buf_free(&p.dedent);
	return t;
}
