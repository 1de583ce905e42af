/*
 * What the checkout page shows: the hold's showtime, its seats with
 * their prices (seat_price() in SQL, as the payment prices them), a promo
 * code's discount (promotion_reason() and promotion_discount(), nothing
 * reserved until paying), the account credit, and when the hold ends, in
 * the theatre's zone.  A hold that ended gets a page saying so instead.
 */
#include <string.h>

#include "bookings/checkout.h"
#include "bookings/pages.h"
#include "core/request.h"
#include "core/util.h"
#include "payments/payments.h"
#include "seating/seating.h"
#include "store/db.h"
#include "users/users.h"
#include "view/render.h"

/* The hold and its showtime; columns as enum hold_col. */
static const char hold_sql[] =
    "SELECT h.user_id = $2, h.showtime_id, h.currency, rfc3339(h.expires_at), "
    "to_char(h.expires_at AT TIME ZONE t.timezone, 'FMHH12:MI AM'), "
    "ceil(greatest(0, extract(epoch FROM h.expires_at - now())) / 60)::int, "
    "s.status = 'scheduled' AND s.starts_at > now(), "
    "h.released_at IS NULL AND h.expires_at > now() AND "
    "  (SELECT count(*) FROM showtime_seats ss WHERE "
    "  ss.showtime_id = h.showtime_id AND ss.seat_id = ANY(h.seat_ids) "
    "  AND ss.hold_id = h.id AND ss.held_until > now()) "
    "  = cardinality(h.seat_ids), "
    "(SELECT b.id FROM bookings b WHERE b.hold_id = h.id), "
    "s.base_price_cents, "
    "to_char(s.starts_at AT TIME ZONE t.timezone, 'FMDay, FMMonth FMDD, YYYY'), "
    "to_char(s.starts_at AT TIME ZONE t.timezone, 'FMHH12:MI AM'), "
    "rfc3339(s.starts_at), m.title, m.slug, t.name, t.slug, t.city, "
    "t.address, au.name, s.format, s.language "
    "FROM holds h JOIN showtimes s ON s.id = h.showtime_id "
    "JOIN movies m ON m.id = s.movie_id "
    "JOIN auditoriums au ON au.id = s.auditorium_id "
    "JOIN theatres t ON t.id = au.theatre_id WHERE h.id = $1";

enum hold_col {
	HC_MINE,
	HC_SHOWTIME,
	HC_CURRENCY,
	HC_EXPIRES,
	HC_UNTIL,
	HC_MINUTES,
	HC_OPEN,
	HC_LIVE,
	HC_BOOKING,
	HC_BASE,
	HC_DATE,
	HC_TIME,
	HC_STARTS,
	HC_TITLE,
	HC_MOVIE_SLUG,
	HC_THEATRE,
	HC_THEATRE_SLUG,
	HC_CITY,
	HC_ADDRESS,
	HC_AUDITORIUM,
	HC_FORMAT,
	HC_LANGUAGE,
	HC__MAX
};

static const struct {
	const char	*reason;
	const char	*words;
} promo_words[] = {
	{ "unknown_code", "there is no such promo code" },
	{ "not_started", "this promo code is not valid yet" },
	{ "expired", "this promo code has expired" },
	{ "used_up", "this promo code has been used up" },
	{ "user_limit_reached", "you have already used this promo code as "
	    "many times as it allows" },
	{ "too_few_tickets", "this promo code needs more tickets in one "
	    "booking" },
};

/* The form fields whose errors show beside them, as template keys. */
static const struct {
	const char	*field;
	const char	*key;
} error_keys[] = {
	{ "payment_type", "payment_type" },
	{ "card", "card" },
	{ "card.number", "card_number" },
	{ "card.exp_month", "card_exp_month" },
	{ "card.exp_year", "card_exp_year" },
	{ "card.cvc", "card_cvc" },
	{ "card.name", "card_name" },
	{ "gift_card", "gift_card_code" },
	{ "gift_card.code", "gift_card_code" },
	{ "promo_code", "promo_code" },
};

const char *
checkout_promo_words(const char *reason)
{
	size_t	 i;

	for (i = 0; i < sizeof(promo_words) / sizeof(promo_words[0]); i++)
		if (reason != NULL && strcmp(promo_words[i].reason, reason) == 0)
			return promo_words[i].words;
	return "this promo code cannot be used for these seats";
}

static const char *
money(struct request *r, const struct checkout *co, json_int_t cents)
{
	return view_money(r->a, cents, co->currency);
}

/* The seats of the hold with their types and prices; sums the subtotal. */
static json_t *
seats(struct request *r, struct checkout *co, int base)
{
	PGresult	*res;
	json_t		*out = json_array();
	int		 i;

	res = db_q(r->a, "SELECT st.label, st.kind, seat_price($2, st.kind) "
	    "FROM holds h JOIN seats st ON st.id = ANY(h.seat_ids) "
	    "WHERE h.id = $1 ORDER BY st.y, st.x", 2, db_id(r->a, co->hold),
	    arena_printf(r->a, "%d", base));
	for (i = 0; res != NULL && i < PQntuples(res); i++) {
		co->subtotal += (int)db_int(res, i, 2);
		json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s}",
		    "id", db_val(res, i, 0), "type", db_val(res, i, 1),
		    "type_words", booking_seat_words(db_val(res, i, 1)),
		    "price", money(r, co, db_int(res, i, 2))));
	}
	co->tickets = (int)json_array_size(out);
	return out;
}

/* "Auditorium 3" for a numbered one, else its own name ("Screen 3"). */
static const char *
auditorium_words(struct request *r, const char *name)
{
	if (name[0] != '\0' && strspn(name, "0123456789") == strlen(name))
		return arena_printf(r->a, "Auditorium %s", name);
	return name;
}

static json_t *
hold_ctx(struct request *r, struct checkout *co, const PGresult *res)
{
	int	 left = (int)db_int(res, 0, HC_MINUTES);

	return json_pack("{s:I,s:{s:I,s:s,s:s,s:s},s:{s:s,s:s},"
	    "s:{s:s,s:s,s:s,s:s},s:s,s:s,s:s,s:s,s:s,s:s}",
	    "hold_id", (json_int_t)co->hold,
	    "showtime", "id", (json_int_t)co->showtime, "starts_at",
	    db_val(res, 0, HC_STARTS), "format", db_val(res, 0, HC_FORMAT),
	    "language", db_val(res, 0, HC_LANGUAGE),
	    "movie", "title", db_val(res, 0, HC_TITLE), "slug",
	    db_val(res, 0, HC_MOVIE_SLUG),
	    "theatre", "name", db_val(res, 0, HC_THEATRE), "slug",
	    db_val(res, 0, HC_THEATRE_SLUG), "city", db_val(res, 0, HC_CITY),
	    "address", db_val(res, 0, HC_ADDRESS),
	    "auditorium", auditorium_words(r, db_val(res, 0, HC_AUDITORIUM)),
	    "date", db_val(res, 0, HC_DATE), "time", db_val(res, 0, HC_TIME),
	    "expires_at", db_val(res, 0, HC_EXPIRES),
	    "until", db_val(res, 0, HC_UNTIL),
	    "left", left <= 1 ? "less than a minute" : arena_printf(r->a,
	    "about %d minutes", left));
}

enum hold_state
checkout_load(struct request *r, int64_t hold, struct checkout *co)
{
	PGresult	*res;

	memset(co, 0, sizeof(*co));
	co->hold = hold;
	res = db_q(r->a, hold_sql, 2, db_id(r->a, hold), db_id(r->a,
	    r->user_id));
	if (res == NULL)
		return co->state = HOLD_DB;
	if (PQntuples(res) != 1 || !db_bool(res, 0, HC_MINE))
		return co->state = HOLD_MISSING;
	co->showtime = db_int(res, 0, HC_SHOWTIME);
	co->currency = db_val(res, 0, HC_CURRENCY);
	co->ctx = hold_ctx(r, co, res);
	json_object_set_new(co->ctx, "seats", seats(r, co,
	    (int)db_int(res, 0, HC_BASE)));
	if (db_val(res, 0, HC_BOOKING) != NULL) {
		co->booking = db_int(res, 0, HC_BOOKING);
		co->state = HOLD_PAID;
	} else if (!db_bool(res, 0, HC_OPEN))
		co->state = HOLD_CLOSED;
	else if (!db_bool(res, 0, HC_LIVE))
		co->state = HOLD_EXPIRED;
	else
		co->state = HOLD_LIVE;
	return co->state;
}

void
checkout_promo(struct request *r, struct checkout *co, const char *code)
{
	const char	*reason, *kind = NULL;
	int64_t		 id = 0;
	int		 value = 0;

	co->promo = NULL;
	co->discount = 0;
	if (code == NULL || *code == '\0')
		return;
	reason = promotion_reason(r->a, code, r->user_id, co->tickets, &id,
	    &kind, &value);
	if (reason == NULL) {
		co->promo = code;
		co->discount = promotion_discount(kind, value, co->subtotal);
		json_object_set_new(co->ctx, "promo", json_pack("{s:s,s:b,s:s}",
		    "code", code, "applied", 1, "discount",
		    money(r, co, co->discount)));
		return;
	}
	json_object_set_new(co->ctx, "promo", json_pack("{s:s,s:b,s:s}",
	    "code", code, "applied", 0, "problem", *reason == '\0' ?
	    "we could not check this promo code just now; try again" :
	    checkout_promo_words(reason)));
}

/* Account credit: the balance, and whether it covers the total. */
static json_t *
wallet(struct request *r, const struct checkout *co, int total)
{
	PGresult	*res;
	json_int_t	 bal = 0;

	res = db_q(r->a, "SELECT balance_cents FROM wallets WHERE user_id = $1",
	    1, db_id(r->a, r->user_id));
	if (res != NULL && PQntuples(res) == 1)
		bal = db_int(res, 0, 0);
	return json_pack("{s:s,s:b}", "balance", money(r, co, bal), "enough",
	    bal >= total);
}

/* Field errors under the template's keys ("card.cvc" -> "card_cvc");
 * anything else becomes *other. */
static json_t *
error_ctx(json_t *errors, const char **other)
{
	json_t		*out = json_object(), *msg;
	const char	*field;
	size_t		 i;

	json_object_foreach(errors, field, msg) {
		for (i = 0; i < sizeof(error_keys) / sizeof(error_keys[0]); i++)
			if (strcmp(error_keys[i].field, field) == 0)
				break;
		if (i < sizeof(error_keys) / sizeof(error_keys[0]))
			json_object_set(out, error_keys[i].key, msg);
		else
			*other = "This form has expired or was changed. Nothing "
			    "was charged; please check the details and pay again.";
	}
	return out;
}

/* What the form shows: the payment type, and when keep is set what was
 * typed, except the card number and the CVC, which are never sent back. */
static json_t *
form_ctx(struct request *r, const struct checkout *co, int keep)
{
	const char	*type = keep ? in_str(r, "payment_type") : NULL;
	const char	*kept[][2] = {
		{ "card.name", "card_name" },
		{ "card.exp_month", "card_exp_month" },
		{ "card.exp_year", "card_exp_year" },
		{ "gift_card.code", "gift_card_code" },
	};
	json_t		*form;
	size_t		 i;

	if (type == NULL)
		type = "card";
	form = json_pack("{s:b,s:b,s:b,s:s,s:s}", "pay_card",
	    strcmp(type, "card") == 0, "pay_gift_card",
	    strcmp(type, "gift_card") == 0, "pay_wallet",
	    strcmp(type, "wallet") == 0, "idempotency_key",
	    random_hex(r->a, 16), "promo_code", co->promo ? co->promo : "");
	for (i = 0; keep && i < sizeof(kept) / sizeof(kept[0]); i++)
		if (kv_get(&r->form_kv, kept[i][0]) != NULL)
			json_object_set_new(form, kept[i][1], json_string(
			    kv_get(&r->form_kv, kept[i][0])));
	return form;
}

/* The page of a hold that can no longer be paid for. */
static void
render_ended(struct request *r, struct checkout *co, int status)
{
	json_t	*ended;

	if (co->state == HOLD_PAID)
		ended = json_pack("{s:s,s:s,s:s,s:s}", "title", "These seats "
		    "are already paid for", "text", "This hold became a "
		    "booking; your tickets are waiting there.", "link",
		    arena_printf(r->a, "/bookings/%lld", (long long)co->booking),
		    "link_text", "See your booking");
	else
		ended = json_pack("{s:s,s:s,s:s,s:s}", "title",
		    co->state == HOLD_CLOSED ? "This showtime is closed" :
		    "Your hold expired — pick your seats again", "text",
		    co->state == HOLD_CLOSED ? "It has been cancelled or has "
		    "already started, so its seats can no longer be bought. "
		    "Nothing was charged." : "Seats are held for a few minutes "
		    "while you pay; these went back on sale. Nothing was "
		    "charged.", "link", arena_printf(r->a, "/showtimes/%lld",
		    (long long)co->showtime), "link_text", co->state ==
		    HOLD_CLOSED ? "Back to the showtime" : "Pick your seats "
		    "again");
	json_object_set_new(co->ctx, "ended", ended);
	resp_header(r, "Cache-Control", "no-store");
	resp_page(r, status, "pages/checkout", co->ctx);
	co->ctx = NULL;
}

void
checkout_render(struct request *r, struct checkout *co,
    const struct checkout_reply *f)
{
	const char	*other = NULL;
	int		 total = co->subtotal - co->discount;
	json_t		*errors;

	/* A form sent for a hold that ended conflicts with it (409), as the
	 * API's hold_expired does; a page asked for is gone (410). */
	if (co->state != HOLD_LIVE) {
		render_ended(r, co, f->status >= 400 ? 409 :
		    co->state == HOLD_PAID ? 200 : 410);
		return;
	}
	errors = error_ctx(f->errors, &other);
	json_object_set_new(co->ctx, "errors", errors);
	json_object_set_new(co->ctx, "form", form_ctx(r, co, f->keep));
	json_object_set_new(co->ctx, "wallet", wallet(r, co, total));
	json_object_set_new(co->ctx, "subtotal", json_string(money(r, co,
	    co->subtotal)));
	json_object_set_new(co->ctx, "total", json_string(money(r, co, total)));
	json_object_set_new(co->ctx, "csrf", json_string(csrf_token(r)));
	if (f->notice != NULL || other != NULL)
		json_object_set_new(co->ctx, "notice", json_string(
		    f->notice != NULL ? f->notice : other));
	json_object_set_new(co->ctx, "failed", json_boolean(f->status >= 400));
	resp_header(r, "Cache-Control", "no-store");
	resp_page(r, f->status, "pages/checkout", co->ctx);
	co->ctx = NULL;
}
