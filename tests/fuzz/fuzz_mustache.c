/*
 * Fuzz harness for src/view/mustache*.c.
 *
 * Input: the first line is template "t", the rest is template "p" (which
 * "t" can reach as a partial or parent), and the whole input is template
 * "all".  Each template that parses is rendered against a fixed context
 * with small limits.  Checks: a failed parse leaves a "line N: " message
 * and no template; a failed render leaves the output untouched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "view/mustache.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char	ctx_text[] =
    "{\"a\": \"x<&>'\\\"\", \"b\": [1, 2.5, {\"c\": \"y\", \"b\": []}],"
    " \"t\": true, \"f\": false, \"n\": null, \"e\": \"\", \"z\": 0,"
    " \"o\": {\"a\": {\"b\": \"deep\"}, \"p\": \"p\"}, \"l\": [[1], []],"
    " \"p\": \"q\"}";

/* Adds src under name; checks the error contract.  Returns 0 or -1. */
static int
add(struct mu_set *s, const char *name, const char *src, size_t len)
{
	char	 err[128];

	err[0] = '\0';
	if (mu_set_add(s, name, src, len, err, sizeof(err)) == 0)
		return 0;
	if (strncmp(err, "line ", 5) != 0 || mu_set_has(s, name))
		abort();
	return -1;
}

/* Renders name if present; checks that a failure leaves out untouched. */
static void
render(struct mu_set *s, const char *name, json_t *ctx)
{
	struct buf	 out = BUF_INIT;

	if (!mu_set_has(s, name))
		return;
	buf_adds(&out, "pre");
	if (mu_render(s, name, ctx, &out) == -1 &&
	    (out.len != 3 || memcmp(out.data, "pre", 4) != 0))
		abort();
	buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*src = (const char *)data, *nl;
	struct mu_set	*s;
	json_t		*ctx;
	size_t		 first;

	if (size > 1 << 16)
		return 0;
	ctx = json_loads(ctx_text, 0, NULL);
	if (ctx == NULL)
		abort();
	nl = size > 0 ? memchr(src, '\n', size) : NULL;
	first = nl != NULL ? (size_t)(nl - src) : size;
	s = mu_set_new();
	mu_set_limits(s, 64, 1UL << 16, (size_t)1 << 20);
	add(s, "t", src, first);
	if (nl != NULL)
		add(s, "p", nl + 1, size - first - 1);
	add(s, "all", src, size);
	render(s, "t", ctx);
	render(s, "p", ctx);
	render(s, "all", ctx);
	render(s, "all", NULL);
	mu_set_free(s);
	json_decref(ctx);
	return 0;
}
