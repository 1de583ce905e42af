/*
 * The customer pages of checkout and bookings.
 *
 * GET and POST /checkout/{hold_id} pay for a hold through the same
 * payments_pay() and idempotency keys as POST /v1/payments/{type};
 * /bookings, /bookings/{id} (with its cancel form), its ticket with a QR
 * code and its .ics file read what bookings_*() and booking_json() give
 * the API.  Handlers hold no markup and no business rules: they shape
 * values for people and hand them to templates/pages/{checkout,bookings,
 * booking,ticket}.mustache.  Another user's hold or booking is a 404.
 */
#ifndef MARQUEE_BOOKINGS_PAGES_H
#define MARQUEE_BOOKINGS_PAGES_H

#include <stdint.h>

#include <jansson.h>

#include "core/validate.h"

struct arena;
struct request;

/* checkout.c */
void	 checkout_page(struct request *);
void	 checkout_page_pay(struct request *);

extern const struct field checkout_query[];
extern const struct field checkout_form[];

/* pages.c */
void	 bookings_page_list(struct request *);
void	 bookings_page_get(struct request *);
void	 bookings_page_cancel(struct request *);
void	 bookings_page_ticket(struct request *);
void	 bookings_page_calendar(struct request *);

extern const struct field bookings_page_query[];

/*
 * booking_view.c: a booking for people.  booking_json() plus the
 * theatre's address, the local date and time, seats, money and payment
 * as text, and whether the customer may still cancel.  A new reference;
 * NULL when the database failed or there is no such booking.
 */
json_t	*booking_view(struct arena *, int64_t booking);
/* The bookings of user, each a booking_view(), soonest first; NULL on a
 * database failure. */
json_t	*booking_view_list(struct arena *, int64_t user);
/* "Standard", "Premium", "Wheelchair space", "Companion seat". */
const char *booking_seat_words(const char *type);

/*
 * qr.c: text as a QR code (ECC level M, 8-bit mode) drawn as an SVG
 * image: one <path> of dark modules inside a 4-module quiet zone, sized
 * by its viewBox.  The markup holds numbers only, never the text.  In
 * the arena; NULL when the text is too long for a QR code.
 */
char	*qr_svg(struct arena *, const char *text);

/*
 * ics.c: an RFC 5545 calendar (one VEVENT, UID booking-<code>@marquee)
 * for a booking, with CRLF line ends and lines folded at 75 octets.  In
 * the arena; NULL when the booking does not exist or the database
 * failed.  The caller checks who may see it.
 */
char	*booking_ics(struct arena *, int64_t booking);

#endif
