#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "view/mustache.h"
#include "view/render.h"

static struct mu_set	*set;

void	(*render_page_hook)(struct request *, json_t *);

int
render_init(const char *dir, char *err, size_t errlen)
{
	struct mu_set	*s = mu_set_new();
	int		 n;

	if ((n = mu_set_load_dir(s, dir, err, errlen)) < 0) {
		mu_set_free(s);
		return -1;
	}
	render_free();
	set = s;
	log_msg(LOG_DEBUG, "loaded %d templates from %s", n, dir);
	return 0;
}

void
render_free(void)
{
	if (set != NULL)
		mu_set_free(set);
	set = NULL;
}

int
render_has(const char *name)
{
	return set != NULL && mu_set_has(set, name);
}

int
render_template(const char *name, json_t *ctx, struct buf *out)
{
	if (set == NULL)
		return -1;
	return mu_render(set, name, ctx, out);
}

const char *
view_money(struct arena *a, json_int_t cents, const char *currency)
{
	const char	*sign = cents < 0 ? "-" : "";

	if (cents < 0)
		cents = -cents;
	if (currency == NULL || strcmp(currency, "USD") == 0)
		return arena_printf(a, "%s$%lld.%02lld", sign,
		    (long long)(cents / 100), (long long)(cents % 100));
	return arena_printf(a, "%s%lld.%02lld %s", sign,
	    (long long)(cents / 100), (long long)(cents % 100), currency);
}
