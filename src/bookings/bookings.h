/*
 * bookings: what customers bought: listing, reading, cancelling and
 * refunding to the payment's origin, and check-in at the door.
 */
#ifndef MARQUEE_BOOKINGS_H
#define MARQUEE_BOOKINGS_H

#include <stdint.h>

#include <jansson.h>

#include "core/validate.h"

struct arena;
struct request;

/* Hours before the start until which a customer may cancel. */
#define CANCEL_HOURS	2

enum refund_rc {
	REFUND_OK,
	REFUND_NOT_FOUND,
	REFUND_ALREADY,		/* not confirmed any more */
	REFUND_TOO_LATE,
	REFUND_DB
};

/* The Booking object of API.md (a new reference), or NULL. */
json_t	*booking_json(struct arena *, int64_t id);
/* A booking of user (any user when admin): its id, 0, or -1. */
int64_t	 booking_visible(struct arena *, int64_t id, int64_t user, int admin);
/*
 * Cancels a confirmed booking and refunds it to where the money came
 * from; frees the seats and tells the seat map.  by_customer applies the
 * 2-hour rule unless the showtime changed since the booking (a customer
 * may then always cancel).  actor 0 is the system.
 */
enum refund_rc bookings_refund(struct arena *, int64_t booking, int64_t actor,
	    int by_customer, const char *reason);

/* The jobs process: card refunds the processor has not confirmed yet. */
int	 bookings_refund_retry_job(struct arena *);

void	 bookings_api_list(struct request *);
extern const struct field bookings_list_query[];
void	 bookings_api_get(struct request *);
void	 bookings_api_cancel(struct request *);

#endif
