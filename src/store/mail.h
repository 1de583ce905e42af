/*
 * mail: e-mail over SMTP with libcurl to the configured relay.
 *
 * A message is multipart/alternative (plain text and HTML), wrapped in
 * multipart/mixed when it carries an attachment (the .ics of a booking).
 * Every message has a stable Message-ID taken from its outbox row, so a
 * copy sent again after a crash is recognisable as the same message.
 */
#ifndef MARQUEE_MAIL_H
#define MARQUEE_MAIL_H

#include <stddef.h>

struct buf;

struct mail {
	const char	*to;		/* address */
	const char	*to_name;	/* may be NULL */
	const char	*subject;
	const char	*text;
	const char	*html;		/* may be NULL */
	const char	*message_id;	/* unique part, without <> */
	const char	*attach_name;	/* may be NULL */
	const char	*attach_type;
	const char	*attach_data;
	size_t		 attach_len;
};

/* The whole message as sent (headers and body), into out. */
void	 mail_format(const struct mail *, struct buf *out);
/* Sends it: 0, -2 when the relay cannot be reached (try again later
 * without blaming the message), or -1 with the complaint in err. */
int	 mail_send(const struct mail *, char *err, size_t errlen);
void	 mail_close(void);

#endif
