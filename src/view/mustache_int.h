/*
 * mustache_int: the parsed form of templates, shared by the parser
 * (mustache_parse.c), the renderer (mustache_render.c) and the template
 * set (mustache.c).  Not for use outside src/view/mustache*.c.
 *
 * A template is a tree of nodes.  Whitespace rules (standalone lines,
 * block dedenting) are all applied by the parser, so the renderer only
 * needs to know where each source line begins (MU_LINE nodes) to indent
 * partials, parents and blocks.
 */
#ifndef MARQUEE_MUSTACHE_INT_H
#define MARQUEE_MUSTACHE_INT_H

#include <stddef.h>

#include "mustache.h"

#define MU_DELIM_MAX	16	/* longest delimiter a {{=a b=}} tag may set */
#define MU_NEST_MAX	64	/* deepest nesting of sections in one source */
#define MU_SRC_MAX	((size_t)16 << 20)	/* largest template file */

enum mu_kind {
	MU_TEXT,	/* literal bytes */
	MU_LINE,	/* a source line starts here: indentation point */
	MU_VAR,		/* {{x}}: HTML-escaped */
	MU_RAW,		/* {{{x}}} and {{&x}} */
	MU_SECTION,	/* {{#x}}..{{/x}} */
	MU_INVERTED,	/* {{^x}}..{{/x}} */
	MU_PARTIAL,	/* {{>x}} */
	MU_PARENT,	/* {{<x}}..{{/x}}: kids are the block arguments */
	MU_BLOCK	/* {{$x}}..{{/x}}: kids are the content */
};

struct mu_node;

struct mu_list {
	struct mu_node	**v;
	size_t		  n;
	size_t		  cap;
};

struct mu_node {
	enum mu_kind	  kind;
	int		  standalone;	/* PARTIAL/PARENT/BLOCK: a whole line */
	const char	 *text;		/* TEXT: bytes in the template's src */
	size_t		  len;		/* TEXT: their number */
	char		 *name;		/* tag content, NUL-terminated */
	char		 *path;		/* name with '.' turned into NUL */
	char		**parts;	/* VAR..INVERTED: dotted parts */
	size_t		  nparts;	/* 0 for the implicit iterator "." */
	char		 *indent;	/* PARTIAL/PARENT/BLOCK: added indent */
	size_t		  indentlen;
	struct mu_list	  kids;
};

struct mu_tmpl {
	char		 *name;
	char		 *src;		/* private copy; TEXT nodes point in */
	size_t		  len;
	struct mu_list	  root;
};

struct mu_set {
	struct mu_tmpl	**v;		/* sorted by name */
	size_t		  n;
	size_t		  cap;
	unsigned	  depth;
	unsigned long	  steps;
	size_t		  output;
};

/* mustache_parse.c */
struct mu_tmpl	*mu_parse(const char *name, const char *src, size_t len,
		    char *err, size_t errlen);
void		 mu_tmpl_free(struct mu_tmpl *);

/* mustache.c */
const struct mu_tmpl *mu_set_find(const struct mu_set *, const char *name);

#endif
