/*
 * util: clocks, time formatting and random tokens.
 */
#ifndef MARQUEE_UTIL_H
#define MARQUEE_UTIL_H

#include <stddef.h>
#include <stdint.h>

struct arena;

int64_t	 now_usec(void);		/* monotonic */
int64_t	 wall_usec(void);		/* since the epoch */
/* "2026-12-05T19:30:00.123Z" */
void	 fmt_time_utc_ms(char *, size_t);
/* n random bytes as 2n lower-case hex characters, in the arena. */
char	*random_hex(struct arena *, size_t n);
void	 hex_encode(char *out, const unsigned char *in, size_t n);
/* Percent-encodes everything but unreserved characters, in the arena. */
char	*url_encode(struct arena *, const char *);
/* strtoll over the whole string; returns 0 on success. */
int	 parse_int64(const char *, int64_t *);

#endif
