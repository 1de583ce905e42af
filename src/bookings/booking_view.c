/*
 * A booking shaped for people: the API's Booking object (booking_json())
 * with the words and numbers the booking pages and the ticket show.  The
 * one rule read here, whether the customer may still cancel, is the
 * condition bookings_refund() applies (CANCEL_HOURS, or a showtime
 * changed since the booking); the refund itself decides again.
 */
#include <string.h>

#include "bookings/bookings.h"
#include "bookings/pages.h"
#include "core/arena.h"
#include "store/db.h"
#include "view/render.h"

#define LIST_MAX	"200"

/* Columns after booking_json(b.id), in the order shape() reads them. */
#define VIEW_SELECT \
    "SELECT booking_json(b.id), " \
    "to_char(s.starts_at AT TIME ZONE t.timezone, " \
    "  'FMDay, FMMonth FMDD, YYYY'), " \
    "to_char(s.starts_at AT TIME ZONE t.timezone, 'FMHH12:MI AM'), " \
    "t.slug, t.address, t.city, m.slug, " \
    "b.status = 'confirmed' AND " \
    "  customer_may_cancel(s.starts_at, s.rescheduled_at, b.created_at, " \
    "  $2::int), " \
    "s.starts_at > now(), " \
    "(SELECT r.amount_cents FROM refunds r WHERE r.booking_id = b.id) " \
    "FROM bookings b JOIN showtimes s ON s.id = b.showtime_id " \
    "JOIN movies m ON m.id = s.movie_id " \
    "JOIN auditoriums au ON au.id = s.auditorium_id " \
    "JOIN theatres t ON t.id = au.theatre_id "

enum view_col {
	VC_JSON,
	VC_DATE,
	VC_TIME,
	VC_THEATRE_SLUG,
	VC_ADDRESS,
	VC_CITY,
	VC_MOVIE_SLUG,
	VC_CAN_CANCEL,
	VC_UPCOMING,
	VC_REFUNDED,
	VC__MAX
};

static const struct {
	const char	*key;
	const char	*words;
} seat_words[] = {
	{ "standard", "Standard" },
	{ "premium", "Premium" },
	{ "wheelchair", "Wheelchair space" },
	{ "companion", "Companion seat" },
};

static const struct {
	const char	*key;
	const char	*words;
} brand_words[] = {
	{ "visa", "Visa" },
	{ "mastercard", "Mastercard" },
	{ "amex", "American Express" },
	{ "discover", "Discover" },
};

static const struct {
	const char	*status;
	const char	*words;
} status_words[] = {
	{ "confirmed", "Confirmed" },
	{ "refunded", "Refunded" },
	{ "cancelled", "Cancelled" },
};

static const char *
str(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static json_int_t
num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}


const char *
booking_seat_words(const char *type)
{
	size_t	 i;

	for (i = 0; i < sizeof(seat_words) / sizeof(seat_words[0]); i++)
		if (strcmp(seat_words[i].key, type) == 0)
			return seat_words[i].words;
	return type;
}

static const char *
brand(const char *b)
{
	size_t	 i;

	for (i = 0; i < sizeof(brand_words) / sizeof(brand_words[0]); i++)
		if (strcmp(brand_words[i].key, b) == 0)
			return brand_words[i].words;
	return "Card";
}

/* "Visa ending in 4242", or "Card" when the digits are unknown. */
static const char *
card_words(struct arena *a, json_t *pay)
{
	if (*str(pay, "last4") == '\0')
		return "Card";
	return arena_printf(a, "%s ending in %s", brand(str(pay, "brand")),
	    str(pay, "last4"));
}

/* "Visa ending in 4242", "Gift card", "Account credit"; and where a
 * refund goes: "your card (Visa ending in 4242)". */
static void
add_payment_words(struct arena *a, json_t *b)
{
	json_t		*pay = json_object_get(b, "payment");
	const char	*type = str(pay, "type");

	if (strcmp(type, "card") == 0) {
		json_object_set_new(pay, "words", json_string(card_words(a,
		    pay)));
		json_object_set_new(b, "refund_to", json_string(arena_printf(a,
		    "your card (%s)", card_words(a, pay))));
	} else if (strcmp(type, "gift_card") == 0) {
		json_object_set_new(pay, "words", json_string("Gift card"));
		json_object_set_new(b, "refund_to",
		    json_string("your gift card"));
	} else {
		json_object_set_new(pay, "words", json_string("Account credit"));
		json_object_set_new(b, "refund_to",
		    json_string("your account credit"));
	}
}

/* Seats with their words and prices, and all of them as one line. */
static void
add_seats(struct arena *a, json_t *b, const char *currency)
{
	json_t		*seat;
	const char	*line = "";
	size_t		 i;

	json_array_foreach(json_object_get(b, "seats"), i, seat) {
		json_object_set_new(seat, "type_words", json_string(
		    booking_seat_words(str(seat, "type"))));
		json_object_set_new(seat, "price", json_string(view_money(a,
		    num(seat, "price_cents"), currency)));
		line = arena_printf(a, "%s%s%s", line, i ? ", " : "",
		    str(seat, "id"));
	}
	json_object_set_new(b, "seats_text", json_string(line));
	json_object_set_new(b, "seat_count", json_integer((json_int_t)
	    json_array_size(json_object_get(b, "seats"))));
}

static void
add_status(json_t *b)
{
	const char	*status = str(b, "status");
	size_t		 i;

	for (i = 0; i < sizeof(status_words) / sizeof(status_words[0]); i++)
		if (strcmp(status_words[i].status, status) == 0)
			json_object_set_new(b, "status_words",
			    json_string(status_words[i].words));
	json_object_set_new(b, "is_confirmed",
	    json_boolean(strcmp(status, "confirmed") == 0));
	json_object_set_new(b, "is_refunded",
	    json_boolean(strcmp(status, "refunded") == 0));
}

/* "Auditorium 3" for a numbered one, else its own name ("Screen 3"). */
static const char *
auditorium_words(struct arena *a, const char *name)
{
	if (name[0] != '\0' && strspn(name, "0123456789") == strlen(name))
		return arena_printf(a, "Auditorium %s", name);
	return name;
}

/* Row i of a VIEW_SELECT result as a booking for people; a new
 * reference, or NULL. */
static json_t *
shape(struct arena *a, const PGresult *res, int i)
{
	json_t		*b = db_json(res, i, VC_JSON), *st;
	const char	*cur;

	if (b == NULL)
		return NULL;
	cur = str(b, "currency");
	st = json_object_get(b, "showtime");
	json_object_set_new(b, "date", json_string(db_val(res, i, VC_DATE)));
	json_object_set_new(b, "time", json_string(db_val(res, i, VC_TIME)));
	json_object_set_new(b, "auditorium", json_string(auditorium_words(a,
	    str(st, "auditorium"))));
	json_object_set_new(json_object_get(b, "theatre"), "slug",
	    json_string(db_val(res, i, VC_THEATRE_SLUG)));
	json_object_set_new(json_object_get(b, "theatre"), "address",
	    json_string(db_val(res, i, VC_ADDRESS)));
	json_object_set_new(json_object_get(b, "theatre"), "city",
	    json_string(db_val(res, i, VC_CITY)));
	json_object_set_new(json_object_get(b, "movie"), "slug",
	    json_string(db_val(res, i, VC_MOVIE_SLUG)));
	json_object_set_new(b, "can_cancel",
	    json_boolean(db_bool(res, i, VC_CAN_CANCEL)));
	json_object_set_new(b, "upcoming",
	    json_boolean(db_bool(res, i, VC_UPCOMING)));
	if (db_val(res, i, VC_REFUNDED) != NULL)
		json_object_set_new(b, "refunded_amount", json_string(
		    view_money(a, db_int(res, i, VC_REFUNDED), cur)));
	json_object_set_new(b, "subtotal", json_string(view_money(a,
	    num(b, "subtotal_cents"), cur)));
	if (num(b, "discount_cents") > 0)
		json_object_set_new(b, "discount", json_string(view_money(a,
		    num(b, "discount_cents"), cur)));
	json_object_set_new(b, "total", json_string(view_money(a,
	    num(b, "total_cents"), cur)));
	json_object_set_new(b, "url", json_string(arena_printf(a,
	    "/bookings/%lld", (long long)num(b, "id"))));
	add_seats(a, b, cur);
	add_payment_words(a, b);
	add_status(b);
	return b;
}

json_t *
booking_view(struct arena *a, int64_t booking)
{
	PGresult	*res;

	res = db_q(a, VIEW_SELECT "WHERE b.id = $1", 2, db_id(a, booking),
	    arena_printf(a, "%d", CANCEL_HOURS));
	if (res == NULL || PQntuples(res) != 1)
		return NULL;
	return shape(a, res, 0);
}

json_t *
booking_view_list(struct arena *a, int64_t user)
{
	PGresult	*res;
	json_t		*out;
	int		 i;

	/* Upcoming soonest first, then the past, latest first. */
	res = db_q(a, VIEW_SELECT "WHERE b.user_id = $1 "
	    "ORDER BY s.starts_at <= now(), "
	    "CASE WHEN s.starts_at > now() THEN s.starts_at END, "
	    "s.starts_at DESC, b.id DESC LIMIT " LIST_MAX, 2, db_id(a, user),
	    arena_printf(a, "%d", CANCEL_HOURS));
	if (res == NULL)
		return NULL;
	out = json_array();
	for (i = 0; i < PQntuples(res); i++)
		json_array_append_new(out, shape(a, res, i));
	return out;
}
