/*
 * render: the worker's template set, loaded once at start from the
 * templates directory, and the common context every page gets.
 */
#ifndef MARQUEE_RENDER_H
#define MARQUEE_RENDER_H

#include <stddef.h>

#include <jansson.h>

struct arena;
struct buf;
struct request;

int	 render_init(const char *dir, char *err, size_t errlen);
void	 render_free(void);
int	 render_has(const char *name);
/* Renders name with ctx into out: 0, or -1 if there is no such template. */
int	 render_template(const char *name, json_t *ctx, struct buf *out);

/* An amount for people: "$12.50", "-$3.00", "12.50 EUR" (arena-owned). */
const char *view_money(struct arena *, json_int_t cents, const char *currency);

/* Called by resp_page() to add the signed-in user, CSRF token, etc. */
extern void	(*render_page_hook)(struct request *, json_t *ctx);

#endif
