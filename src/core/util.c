#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

#include <sodium.h>

#include "arena.h"
#include "util.h"

int64_t
now_usec(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
wall_usec(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
fmt_time_utc_ms(char *out, size_t len)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

void
hex_encode(char *out, const unsigned char *in, size_t n)
{
	static const char	 hexd[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexd[in[i] >> 4];
		out[2 * i + 1] = hexd[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

char *
random_hex(struct arena *a, size_t n)
{
	unsigned char	 raw[64];
	char		*out;

	if (n > sizeof(raw))
		n = sizeof(raw);
	randombytes_buf(raw, n);
	out = arena_alloc(a, 2 * n + 1);
	hex_encode(out, raw, n);
	return out;
}

int
parse_int64(const char *s, int64_t *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

char *
url_encode(struct arena *a, const char *s)
{
	static const char	 hexd[] = "0123456789ABCDEF";
	size_t			 n = strlen(s), i, o = 0;
	char			*out = arena_alloc(a, 3 * n + 1);
	unsigned char		 c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
		    c == '/') {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '%';
		out[o++] = hexd[c >> 4];
		out[o++] = hexd[c & 15];
	}
	out[o] = '\0';
	return out;
}
