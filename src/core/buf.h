/*
 * buf: a growable byte buffer.
 *
 * Allocation failure aborts the process (the master starts a new worker),
 * so call sites never check for it.  The contents are always NUL-terminated
 * so that b->data can be handed to C string functions.
 */
#ifndef MARQUEE_BUF_H
#define MARQUEE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

#define BUF_INIT { NULL, 0, 0 }

void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_reserve(struct buf *, size_t);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_adds(struct buf *, const char *);
void	 buf_addc(struct buf *, char);
void	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_vprintf(struct buf *, const char *, va_list);
/* Appends s with the five HTML metacharacters escaped. */
void	 buf_add_html(struct buf *, const char *, size_t);
/* Gives up ownership of the data (caller frees with free()). */
char	*buf_release(struct buf *);

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);

#endif
