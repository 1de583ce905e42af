/*
 * notify: telling people what happened to their bookings, by e-mail and
 * in the site, from the transactional outbox.
 *
 * Every event is an outbox row written in the same transaction as the
 * change.  The jobs process claims due rows with a lease (FOR UPDATE SKIP
 * LOCKED, so several jobs processes never take the same row), delivers
 * them, and marks them delivered; a failure is retried with exponential
 * back-off and parked after outbox_max_tries.  A crash loses nothing: a
 * claimed row whose lease runs out is claimed again (at least once), and
 * its stable message id lets the copy be recognised.
 */
#ifndef MARQUEE_NOTIFY_H
#define MARQUEE_NOTIFY_H

#include <stdint.h>

#include <jansson.h>

#include "core/validate.h"

struct arena;
struct request;

/* The jobs process: delivers what is due; the number delivered. */
int	 notify_outbox_job(struct arena *);
/* Queues a message for the jobs process (inside the caller's transaction
 * when there is one).  0 or -1. */
int	 notify_queue(struct arena *, const char *kind, json_t *payload);

/* Queues an admin's free-text notice for every confirmed booking of a
 * showtime: how many, or -1; *found = 0 when there is no such showtime. */
int	 notify_change_notice(struct arena *, int64_t showtime,
	    const char *message, int64_t actor, int *found);
/* Unread notices of a user (for the header), or 0. */
int	 notify_unread(struct arena *, int64_t user);

void	 notify_api_send_details(struct request *);
void	 notify_api_send_change_details(struct request *);
void	 notify_page_list(struct request *);
void	 notify_page_read(struct request *);
void	 notify_admin_parked(struct request *);
void	 notify_admin_retry(struct request *);
void	 notify_admin_change_notice(struct request *);
void	 notify_page_forgot(struct request *);
void	 notify_page_forgot_post(struct request *);
void	 notify_page_reset(struct request *);
void	 notify_page_reset_post(struct request *);

extern const struct field notify_send_details_fields[];
extern const struct field notify_change_details_fields[];
extern const struct field notify_forgot_fields[];
extern const struct field notify_reset_fields[];
extern const struct field notify_change_form_fields[];

#endif
