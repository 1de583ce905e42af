/*
 * The bookings pages: my bookings, one booking with its cancel form, its
 * printable ticket and its calendar file.  They read booking_view() (the
 * API's Booking object shaped for people) and cancel through
 * bookings_refund(), as POST /v1/bookings/{id}/cancel does.  Only the
 * booking's own user sees any of them; for anyone else they are 404.
 */
#include <string.h>

#include "bookings/bookings.h"
#include "bookings/pages.h"
#include "core/request.h"
#include "core/util.h"
#include "store/db.h"
#include "users/users.h"

/* The QR code's fields are separated by this; it never appears inside. */
#define QR_SEP	'|'

const struct field bookings_page_query[] = {
	{ "new", FT_BOOL, 0, 0, 0, NULL, NULL },
	{ "refunded", FT_BOOL, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* The {id} of the path when it is the caller's booking; 0 after a 404 or
 * a 503. */
static int64_t
mine_or_reply(struct request *r)
{
	int64_t	 id;

	if (parse_int64(req_capture(r, "id"), &id) == -1 || id <= 0 ||
	    (id = booking_visible(r->a, id, r->user_id, 0)) == 0) {
		resp_error(r, 404, "not_found", "there is no such booking", NULL);
		return 0;
	}
	if (id < 0) {
		db_fail_reply(r, DB_ERROR);
		return 0;
	}
	return id;
}

/* The booking for people, or NULL after a 503. */
static json_t *
view_or_reply(struct request *r, int64_t id)
{
	json_t	*b = booking_view(r->a, id);

	if (b == NULL)
		db_fail_reply(r, DB_ERROR);
	return b;
}

/* GET /bookings: upcoming soonest first, then the past. */
void
bookings_page_list(struct request *r)
{
	json_t	*all = booking_view_list(r->a, r->user_id), *b;
	json_t	*upcoming, *past;
	size_t	 i;

	if (all == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	upcoming = json_array();
	past = json_array();
	json_array_foreach(all, i, b)
		json_array_append(json_is_true(json_object_get(b, "upcoming")) ?
		    upcoming : past, b);
	json_decref(all);
	resp_header(r, "Cache-Control", "private, no-store");
	resp_page(r, 200, "pages/bookings", json_pack("{s:b,s:o,s:b,s:o}",
	    "has_upcoming", json_array_size(upcoming) > 0, "upcoming", upcoming,
	    "has_past", json_array_size(past) > 0, "past", past));
}

/* Renders pages/booking with status and an optional sentence. */
static void
render_booking(struct request *r, int status, int64_t id, const char *notice)
{
	json_t	*b, *ctx;

	if ((b = view_or_reply(r, id)) == NULL)
		return;
	ctx = json_pack("{s:o,s:b,s:b,s:s}", "booking", b, "new",
	    json_is_true(json_object_get(r->in, "new")), "refunded_now",
	    json_is_true(json_object_get(r->in, "refunded")) &&
	    json_is_true(json_object_get(b, "is_refunded")), "csrf",
	    csrf_token(r));
	if (notice != NULL)
		json_object_set_new(ctx, "notice", json_string(notice));
	resp_header(r, "Cache-Control", "private, no-store");
	resp_page(r, status, "pages/booking", ctx);
}

/* GET /bookings/{id}?new=1&refunded=1 */
void
bookings_page_get(struct request *r)
{
	int64_t	 id;

	if ((id = mine_or_reply(r)) != 0)
		render_booking(r, 200, id, NULL);
}

/* POST /bookings/{id}/cancel with csrf. */
void
bookings_page_cancel(struct request *r)
{
	int64_t	 id;

	if ((id = mine_or_reply(r)) == 0)
		return;
	switch (bookings_refund(r->a, id, r->user_id, 1,
	    "cancelled by the customer")) {
	case REFUND_OK:
		resp_redirect(r, 303, arena_printf(r->a,
		    "/bookings/%lld?refunded=1", (long long)id));
		break;
	case REFUND_ALREADY:
		render_booking(r, 409, id, "This booking was already cancelled, "
		    "so there is nothing more to refund.");
		break;
	case REFUND_TOO_LATE:
		render_booking(r, 409, id, arena_printf(r->a, "It is too late "
		    "to cancel: bookings can be cancelled up to %d hours before "
		    "the showtime starts.", CANCEL_HOURS));
		break;
	case REFUND_NOT_FOUND:
		resp_error(r, 404, "not_found", "there is no such booking", NULL);
		break;
	default:
		db_fail_reply(r, DB_ERROR);
	}
}

/* s with the QR field separator replaced, in the arena. */
static const char *
qr_field(struct request *r, const char *s)
{
	char	*out = arena_strdup(r->a, s != NULL ? s : ""), *p;

	for (p = out; (p = strchr(p, QR_SEP)) != NULL; p++)
		*p = '/';
	return out;
}

/* MARQUEE|code|C7,C8|movie|theatre|2026-12-05T14:30:00-05:00 */
static const char *
qr_text(struct request *r, json_t *b)
{
	json_t		*seat;
	const char	*seats = "";
	size_t		 i;

	json_array_foreach(json_object_get(b, "seats"), i, seat)
		seats = arena_printf(r->a, "%s%s%s", seats, i ? "," : "",
		    json_string_value(json_object_get(seat, "id")));
	return arena_printf(r->a, "MARQUEE%c%s%c%s%c%s%c%s%c%s", QR_SEP,
	    json_string_value(json_object_get(b, "code")), QR_SEP, seats,
	    QR_SEP, qr_field(r, json_string_value(json_object_get(
	    json_object_get(b, "movie"), "title"))), QR_SEP,
	    qr_field(r, json_string_value(json_object_get(json_object_get(b,
	    "theatre"), "name"))), QR_SEP, json_string_value(json_object_get(
	    json_object_get(b, "showtime"), "starts_local")));
}

/* GET /bookings/{id}/ticket: the QR code only while it is valid. */
void
bookings_page_ticket(struct request *r)
{
	json_t		*b, *ctx;
	const char	*svg = NULL;
	int64_t		 id;

	if ((id = mine_or_reply(r)) == 0 || (b = view_or_reply(r, id)) == NULL)
		return;
	if (json_is_true(json_object_get(b, "is_confirmed")))
		svg = qr_svg(r->a, qr_text(r, b));
	ctx = json_pack("{s:o}", "booking", b);
	if (svg != NULL)
		json_object_set_new(ctx, "qr_svg", json_string(svg));
	resp_header(r, "Cache-Control", "private, no-store");
	resp_page(r, 200, "pages/ticket", ctx);
}

/* GET /bookings/{id}/calendar.ics */
void
bookings_page_calendar(struct request *r)
{
	PGresult	*res;
	char		*ics;
	int64_t		 id;

	if ((id = mine_or_reply(r)) == 0)
		return;
	res = db_q(r->a, "SELECT code FROM bookings WHERE id = $1", 1,
	    db_id(r->a, id));
	if (res == NULL || PQntuples(res) != 1 ||
	    (ics = booking_ics(r->a, id)) == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	resp_text(r, 200, "text/calendar; charset=utf-8", ics, strlen(ics));
	resp_header(r, "Content-Disposition", arena_printf(r->a,
	    "attachment; filename=\"marquee-%s.ics\"", db_val(res, 0, 0)));
	resp_header(r, "Cache-Control", "private, no-store");
}
