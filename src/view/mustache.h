/*
 * mustache: a logic-less template engine following the mustache spec
 * (interpolation, sections, inverted sections, comments, partials, set
 * delimiters and the optional inheritance module: parents and blocks).
 *
 * Templates are parsed once, when added to a set, into a tree; rendering
 * walks that tree against a jansson context and never looks at the source
 * again.  A set holds no global state, so several may coexist.
 *
 * Values, as this engine sees them:
 *   - strings render as they are (HTML-escaped in {{x}}, raw in {{{x}}}
 *     and {{&x}}); integers as %lld; reals in the shortest form that reads
 *     back to the same double (1.21, 1 for 1.0); true and false as "true"
 *     and "false"; null, missing names, objects and arrays as nothing.
 *   - falsey for sections: false, null, a missing name, an empty array
 *     and the empty string.  Everything else (0, 0.0, {}) is truthy.
 *   - a section over an array renders once per element with the element
 *     on top of the context stack; over any other truthy value, once with
 *     that value on top.
 *
 * Lookups of partials and parents that are not in the set render nothing,
 * as the spec asks.
 *
 * Inheritance: {{<layout}}..{{/layout}} renders template layout with the
 * {{$name}}..{{/name}} blocks given inside the pair replacing layout's
 * blocks of the same name.  The outermost template wins, and replacements
 * also reach blocks in partials that layout includes.
 *
 * Whitespace: a standalone tag goes away with its whole line; a standalone
 * partial or parent is indented by the blanks before it.  A block whose
 * tags sit on lines of their own ("  {{$body}}" then "  {{/body}}") fills
 * whole lines at that indentation; a block on one line ("{{$t}}{{/t}}")
 * keeps the line end after it, so content that ends with a line end leaves
 * an empty line there.
 */
#ifndef MARQUEE_MUSTACHE_H
#define MARQUEE_MUSTACHE_H

#include <stddef.h>

#include <jansson.h>

#include "../core/buf.h"

/* Defaults of the limits that keep a hostile template from running away. */
#define MU_DEFAULT_DEPTH	128		/* nested sections/partials/blocks */
#define MU_DEFAULT_STEPS	(1UL << 24)	/* tree nodes visited per render */
#define MU_DEFAULT_OUTPUT	((size_t)64 << 20) /* bytes added per render */

struct mu_set;			/* a set of named, parsed templates */

struct mu_set	*mu_set_new(void);
void		 mu_set_free(struct mu_set *);

/*
 * Parses src (len bytes, need not be NUL-terminated) and stores it under
 * name, replacing an older template of that name.  Returns 0, or -1 with a
 * message such as "line 3: unclosed section 'items'" in err (if err is not
 * NULL); on error the set is left unchanged.
 */
int		 mu_set_add(struct mu_set *, const char *name, const char *src,
		    size_t len, char *err, size_t errlen);

/*
 * Loads every *.mustache file under dir, recursively; each is named by its
 * path relative to dir without the extension ("layouts/base").  Hidden
 * files and directories are skipped.  Returns the number loaded, or -1 with
 * err naming the file and the problem.
 */
int		 mu_set_load_dir(struct mu_set *, const char *dir, char *err,
		    size_t errlen);

/* Returns 1 if the set has a template called name, else 0. */
int		 mu_set_has(const struct mu_set *, const char *name);

/*
 * Changes the render limits of the set: maximum nesting depth (sections,
 * partials, parents and blocks together), maximum tree nodes visited and
 * maximum bytes of output per mu_render() call.  0 keeps the default.
 */
void		 mu_set_limits(struct mu_set *, unsigned depth,
		    unsigned long steps, size_t output);

/*
 * Renders template name against ctx (any jansson value, usually an object;
 * NULL is an empty context) and appends the result to out.  Returns 0, or
 * -1 if name is not in the set or the render exceeded one of the limits; on
 * -1 out is left as it was.
 */
int		 mu_render(const struct mu_set *, const char *name, json_t *ctx,
		    struct buf *out);

#endif
