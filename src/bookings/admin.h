/*
 * bookings/admin: the admin side of checkout.  Bookings (search, one
 * booking, refund, account credit for its customer), check-in at the
 * door, promotions and gift cards, and the sales reports.
 *
 * The pages read declared, validated fields and call the domain
 * functions the JSON API calls too (bookings_refund, bookings_check_in,
 * payments_promotion_create, payments_gift_card_create,
 * payments_credit_grant); they hold no business rules and no markup.
 */
#ifndef MARQUEE_BOOKINGS_ADMIN_H
#define MARQUEE_BOOKINGS_ADMIN_H

#include <stdint.h>

#include <jansson.h>

#include "core/validate.h"

struct arena;
struct buf;
struct request;

#define BOOKING_CODE_LEN	8	/* bookings.code */

/* checkin.c: the domain function. */
enum checkin_rc {
	CHECKIN_ADMITTED,	/* admitted now */
	CHECKIN_ALREADY,	/* admitted before: result has "admitted_at" */
	CHECKIN_REFUSED,	/* result has "reason" and "message" */
	CHECKIN_DB,		/* the database failed */
	CHECKIN__MAX
};

/*
 * Admits the holder of a booking code at the door, once: the code of a
 * confirmed booking whose showtime starts within the hour or is running
 * (starts_at - 1 hour <= now() < ends_at).  code may be the whole QR
 * text ("MARQUEE|<code>|..."), in any case, with blanks or hyphens.
 * One conditional UPDATE decides, so two scanners reading the same
 * ticket at once admit it only once; the admission is audited as
 * staff's.  *result (a new reference, except with CHECKIN_DB) has
 * "status", "reason" and "message" (a sentence for the door), the
 * "code" read, and when it names a booking its "seats" ("C7, C8"),
 * "movie", "time" ("7:30 PM"), "when" ("Saturday 6 Dec, 7:30 PM"),
 * "auditorium" and "theatre", in the theatre's time zone.  Returns an
 * enum checkin_rc.
 */
int	 bookings_check_in(struct arena *, const char *code, int64_t staff,
	    json_t **result);

/*
 * The booking code in what a scanner or a person typed: the second field
 * of the QR text ("MARQUEE|<code>|..."), or the text itself; upper case,
 * without blanks and hyphens.  In the arena.
 */
const char *booking_code_normalize(struct arena *, const char *);

/* checkin.c: the door page. */
void	 admin_checkin_form(struct request *);
void	 admin_checkin_scan(struct request *);

extern const struct field admin_checkin_fields[];

/* admin.c: bookings. */
void	 admin_bookings_list(struct request *);
void	 admin_booking_show(struct request *);
void	 admin_booking_refund(struct request *);
void	 admin_booking_credit(struct request *);

extern const struct field admin_bookings_query[];
extern const struct field admin_booking_query[];
extern const struct field admin_credit_form[];

/* admin_money.c: promotions and gift cards. */
void	 admin_promotions_list(struct request *);
void	 admin_promotions_create(struct request *);
void	 admin_gift_cards_list(struct request *);
void	 admin_gift_cards_create(struct request *);

extern const struct field admin_list_query[];
extern const struct field admin_promotion_form[];
extern const struct field admin_gift_card_form[];

/* admin.c: form helpers shared by the pages. */

/*
 * Reads an amount of dollars ("50", "50.00", "$1,250.5") into *cents.
 * Returns NULL, or a message for a person.
 */
const char *admin_parse_dollars(const char *, json_int_t *cents);

/*
 * Copies the errors of validating an API object (field -> message) into
 * a form's errors, naming from[i] as to[i] (both NULL-ended; NULL: keep
 * every name).
 */
void	 admin_form_errors(json_t *errors, json_t *api,
	    const char *const *from, const char *const *to);

/* reports.c */
void	 admin_reports(struct request *);

extern const struct field admin_reports_query[];

/*
 * Appends one CSV cell (RFC 4180 quoting; a cell that a spreadsheet
 * would run as a formula gets a leading apostrophe) to out, with a comma
 * before it unless first.
 */
void	 csv_cell(struct buf *out, const char *value, int first);

#endif
