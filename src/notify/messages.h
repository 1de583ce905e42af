/*
 * messages: what each outbox kind tells whom, by e-mail and in the site.
 */
#ifndef MARQUEE_NOTIFY_MESSAGES_H
#define MARQUEE_NOTIFY_MESSAGES_H

#include <stddef.h>

#include <jansson.h>

struct arena;

struct outbox_msg {
	const char	*id;
	const char	*message_id;
	const char	*kind;
	json_t		*payload;
};

/* Delivers one message: 0, -2 when the relay is away, or -1 with the
 * reason in err. */
int	 message_deliver(struct arena *, const struct outbox_msg *, char *err,
	    size_t errlen);

#endif
