/*
 * Password policy and hashing.  The common-password list (Debian's
 * john-data ships about 3,500) is read once per process into a sorted
 * array; a password that matches an entry, ignoring case, is refused.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/parse.h"
#include "users/users.h"

#define PW_MIN	10
#define PW_MAX	1024

static char	**common;
static size_t	  ncommon;

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

int
passwords_load(const char *path)
{
	FILE	*f;
	char	 line[512];
	size_t	 n;

	passwords_free();
	if (path == NULL || *path == '\0' || (f = fopen(path, "r")) == NULL) {
		log_msg(LOG_WARN, "no common-password list at %s",
		    path ? path : "(none)");
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' && line[1] == '!')
			continue;	/* the list's comment lines */
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		if (n == 0)
			continue;
		lower(line);
		common = xrealloc(common, (ncommon + 1) * sizeof(*common));
		common[ncommon++] = xstrdup(line);
	}
	fclose(f);
	qsort(common, ncommon, sizeof(*common), cmp);
	return 0;
}

void
passwords_free(void)
{
	size_t	 i;

	for (i = 0; i < ncommon; i++)
		free(common[i]);
	free(common);
	common = NULL;
	ncommon = 0;
}

static int
is_common(const char *pw)
{
	char	*low, *key;
	int	 found;

	if (ncommon == 0)
		return 0;
	low = xstrdup(pw);
	lower(low);
	key = low;
	found = bsearch(&key, common, ncommon, sizeof(*common), cmp) != NULL;
	free(low);
	return found;
}

const char *
password_problem(const char *pw)
{
	size_t	 n = strlen(pw), cps;

	if (!utf8_valid(pw, n))
		return "must be valid text";
	cps = utf8_count(pw, n);
	if (cps < PW_MIN)
		return "must be at least 10 characters";
	if (cps > PW_MAX)
		return "must be at most 1024 characters";
	if (is_common(pw))
		return "is too common; choose one that is harder to guess";
	return NULL;
}

int
password_hash(const char *pw, char *out, size_t outlen)
{
	if (outlen < crypto_pwhash_STRBYTES)
		return -1;
	return crypto_pwhash_str(out, pw, strlen(pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

int
password_verify(const char *hash, const char *pw)
{
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

int
password_needs_rehash(const char *hash)
{
	return crypto_pwhash_str_needs_rehash(hash,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}
