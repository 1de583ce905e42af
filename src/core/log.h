/*
 * log: one JSON object per line on stderr (the stack points stderr at a
 * file).  Lines are written with a single write(2) so that lines from
 * several workers never interleave.
 */
#ifndef MARQUEE_LOG_H
#define MARQUEE_LOG_H

#include <jansson.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_LEVEL__MAX };

void	 log_init(const char *prog, const char *level);
void	 log_msg(enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Adds time, level, pid and prog to obj, writes it and drops the reference. */
void	 log_json(enum log_level, json_t *obj);

#endif
