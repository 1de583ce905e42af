/*
 * mustache: the template set (a sorted array of parsed templates) and
 * loading a directory tree of *.mustache files into it.  Parsing lives in
 * mustache_parse.c, rendering in mustache_render.c.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mustache_int.h"

#define EXT		".mustache"
#define DIR_DEPTH_MAX	16	/* deepest subdirectory mu_set_load_dir enters */

struct mu_set *
mu_set_new(void)
{
	struct mu_set	*s = xcalloc(1, sizeof(*s));

	mu_set_limits(s, 0, 0, 0);
	return s;
}

void
mu_set_free(struct mu_set *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		mu_tmpl_free(s->v[i]);
	free(s->v);
	free(s);
}

void
mu_set_limits(struct mu_set *s, unsigned depth, unsigned long steps,
    size_t output)
{
	s->depth = depth ? depth : MU_DEFAULT_DEPTH;
	s->steps = steps ? steps : MU_DEFAULT_STEPS;
	s->output = output ? output : MU_DEFAULT_OUTPUT;
}

/*
 * Binary search for name.  Returns its index and sets *found, or the index
 * where it would go.
 */
static size_t
slot(const struct mu_set *s, const char *name, int *found)
{
	size_t	 lo = 0, hi = s->n, mid;
	int	 c;

	*found = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(name, s->v[mid]->name)) == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

const struct mu_tmpl *
mu_set_find(const struct mu_set *s, const char *name)
{
	size_t	 i;
	int	 found;

	i = slot(s, name, &found);
	return found ? s->v[i] : NULL;
}

int
mu_set_has(const struct mu_set *s, const char *name)
{
	return mu_set_find(s, name) != NULL;
}

int
mu_set_add(struct mu_set *s, const char *name, const char *src, size_t len,
    char *err, size_t errlen)
{
	struct mu_tmpl	*t;
	size_t		 i;
	int		 found;

	if ((t = mu_parse(name, src, len, err, errlen)) == NULL)
		return -1;
	i = slot(s, name, &found);
	if (found) {
		mu_tmpl_free(s->v[i]);
		s->v[i] = t;
		return 0;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof(*s->v));
	s->v[i] = t;
	s->n++;
	return 0;
}

/* Reads the file at path into b; returns 0, or -1 with errno set. */
static int
read_file(const char *path, struct buf *b)
{
	char	 chunk[8192];
	FILE	*f;
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_add(b, chunk, n);
		if (b->len > MU_SRC_MAX) {
			fclose(f);
			errno = EFBIG;
			return -1;
		}
	}
	if (ferror(f)) {
		fclose(f);
		errno = EIO;
		return -1;
	}
	fclose(f);
	return 0;
}

/* Loads the template file path under name; returns 0 or -1 with err. */
static int
load_file(struct mu_set *s, const char *path, const char *name, char *err,
    size_t errlen)
{
	struct buf	 b = BUF_INIT;
	char		 msg[256];
	int		 rc = 0;

	msg[0] = '\0';
	if (read_file(path, &b) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	} else if (mu_set_add(s, name, b.data != NULL ? b.data : "", b.len,
	    msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s: %s", path, msg);
		rc = -1;
	}
	buf_free(&b);
	return rc;
}

/* Returns 1 if entry name e is a template file name, else 0. */
static int
is_template(const char *e)
{
	size_t	 n = strlen(e), x = strlen(EXT);

	return n > x && strcmp(e + n - x, EXT) == 0;
}

static int	 load_tree(struct mu_set *, const char *, const char *, int,
		    char *, size_t);

/*
 * Loads directory entry e of dir (whose templates are named with prefix):
 * a subdirectory, a template file or something to skip.  Returns the
 * number of templates loaded or -1 with err set.
 */
static int
load_entry(struct mu_set *s, const char *dir, const char *prefix,
    const char *e, int depth, char *err, size_t errlen)
{
	struct stat	 st;
	char		 path[4096], name[4096];
	int		 n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, e);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, errlen, "%s/%s: path too long", dir, e);
		return -1;
	}
	if (stat(path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(name, sizeof(name), "%s%s", prefix, e);
	if (S_ISDIR(st.st_mode)) {
		if (depth >= DIR_DEPTH_MAX) {
			snprintf(err, errlen, "%s: too deep", path);
			return -1;
		}
		strncat(name, "/", sizeof(name) - strlen(name) - 1);
		return load_tree(s, path, name, depth + 1, err, errlen);
	}
	if (!S_ISREG(st.st_mode) || !is_template(e))
		return 0;
	name[strlen(name) - strlen(EXT)] = '\0';
	return load_file(s, path, name, err, errlen) == -1 ? -1 : 1;
}

/*
 * Loads the templates of directory dir (whose names start with prefix,
 * "" at the top) and of its subdirectories.  Returns the number loaded or
 * -1 with err set.
 */
static int
load_tree(struct mu_set *s, const char *dir, const char *prefix, int depth,
    char *err, size_t errlen)
{
	struct dirent	*de;
	DIR		*d;
	int		 n, total = 0;

	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		n = load_entry(s, dir, prefix, de->d_name, depth, err, errlen);
		if (n == -1) {
			total = -1;
			break;
		}
		total += n;
	}
	closedir(d);
	return total;
}

int
mu_set_load_dir(struct mu_set *s, const char *dir, char *err, size_t errlen)
{
	char	 dummy[1];

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	return load_tree(s, dir, "", 0, err, errlen);
}
