/*
 * Admin pages for bookings: search by code, e-mail or showtime; one
 * booking with its payment and refund; refunding it (any time), and
 * granting its customer account credit.  Refunds go through
 * bookings_refund() and credit through payments_credit_grant(), as in
 * the JSON API.
 */
#include <ctype.h>
#include <string.h>

#include "admin/admin.h"
#include "bookings/admin.h"
#include "bookings/bookings.h"
#include "catalog/pages.h"
#include "core/request.h"
#include "core/util.h"
#include "payments/payments.h"
#include "store/db.h"
#include "view/render.h"

#define LIST_LIMIT	50
#define REFUND_REASON	"refunded by an admin"

/* A time for people in the theatre's zone, as a to_char() pattern. */
#define LOCAL_TIME	"'FMDy FMDD Mon YYYY, FMHH12:MI AM'"
/* Seat labels in the order of the rows and numbers. */
#define SEATS_OF(b)	"(SELECT string_agg(bs.label, ', ' ORDER BY " \
	"length(st.row_label), st.row_label, st.number) FROM booking_seats " \
	"bs JOIN seats st ON st.id = bs.seat_id WHERE bs.booking_id = " b ")"

static const char *const done_values[] = { "refunded", "credited", NULL };

const struct field admin_bookings_query[] = {
	{ "q", FT_STRING, 0, 0, 200, NULL, NULL },
	{ "before", FT_ID, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field admin_booking_query[] = {
	{ "done", FT_ENUM, 0, 0, 0, done_values, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field admin_credit_form[] = {
	{ "amount", FT_STRING, 1, 1, 20, NULL, NULL },
	{ "reason", FT_STRING, 1, 1, 200, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const char *const credit_keys[] = { "amount", "reason", NULL };

/* What a search box holds: a code, an e-mail address or a showtime id. */
struct search {
	const char	*code;
	const char	*email;
	const char	*showtime;
};

static struct search
search_of(struct arena *a, const char *q)
{
	struct search	 s = { NULL, NULL, NULL };

	if (q == NULL || *q == '\0')
		return s;
	if (strchr(q, '@') != NULL)
		s.email = q;
	else if (strspn(q, "0123456789") == strlen(q) && strlen(q) < 19) {
		s.showtime = q;
		/* Codes may be all digits too ("23456789"). */
		if (strlen(q) == BOOKING_CODE_LEN)
			s.code = q;
	} else
		s.code = booking_code_normalize(a, q);
	return s;
}

/* One row of the list. */
static json_t *
list_row(struct arena *a, const PGresult *res, int i)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s}",
	    "id", db_val(res, i, 0), "code", db_val(res, i, 1),
	    "email", db_val(res, i, 2), "movie", db_val(res, i, 3),
	    "theatre", db_val(res, i, 4), "when", db_val(res, i, 5),
	    "seats", db_val(res, i, 6) ? db_val(res, i, 6) : "",
	    "total", view_money(a, db_int(res, i, 7), db_val(res, i, 8)),
	    "status", db_val(res, i, 9), "checked_in", db_bool(res, i, 10),
	    "showtime_id", db_val(res, i, 11));
}

/* GET /admin/bookings?q=&before=: newest first, 50 a page. */
void
admin_bookings_list(struct request *r)
{
	const char	*q = in_str(r, "q");
	struct search	 s = search_of(r->a, q);
	PGresult	*res;
	json_t		*items = json_array(), *ctx;
	int		 i, n;

	res = db_q(r->a, "SELECT b.id, b.code, u.email, m.title, t.name, "
	    "to_char(s.starts_at AT TIME ZONE t.timezone, " LOCAL_TIME "), "
	    SEATS_OF("b.id") ", b.total_cents, b.currency, b.status, "
	    "b.checked_in_at IS NOT NULL, s.id "
	    "FROM bookings b JOIN users u ON u.id = b.user_id "
	    "JOIN showtimes s ON s.id = b.showtime_id "
	    "JOIN movies m ON m.id = s.movie_id "
	    "JOIN auditoriums au ON au.id = s.auditorium_id "
	    "JOIN theatres t ON t.id = au.theatre_id "
	    "WHERE (($1::text IS NULL AND $3::bigint IS NULL) OR b.code = $1 "
	    "  OR b.showtime_id = $3::bigint) "
	    "AND ($2::text IS NULL OR lower(u.email) = lower($2)) "
	    "AND ($4::bigint IS NULL OR b.id < $4::bigint) "
	    "ORDER BY b.id DESC LIMIT $5::int + 1", 5, s.code, s.email,
	    s.showtime, in_has(r, "before") ? db_id(r->a, in_int(r, "before")) :
	    NULL, arena_printf(r->a, "%d", LIST_LIMIT));
	if (res == NULL) {
		json_decref(items);
		db_fail_reply(r, DB_ERROR);
		return;
	}
	n = PQntuples(res) > LIST_LIMIT ? LIST_LIMIT : PQntuples(res);
	for (i = 0; i < n; i++)
		json_array_append_new(items, list_row(r->a, res, i));
	ctx = json_pack("{s:o,s:b,s:s,s:b}", "items", items, "any", n > 0,
	    "q", q ? q : "", "searched", q != NULL);
	if (PQntuples(res) > LIST_LIMIT)
		json_object_set_new(ctx, "next_href", json_string(arena_printf(
		    r->a, "/admin/bookings?q=%s&before=%s", url_encode(r->a,
		    q ? q : ""), db_val(res, n - 1, 0))));
	if (r->in_errors != NULL)
		json_object_set_new(ctx, "problem", json_string(
		    "The search is too long: type a booking code, an e-mail "
		    "address or a showtime number."));
	admin_page(r, 200, "admin/bookings", ctx);
}

/* The {id} capture: a booking id, or 0. */
static int64_t
booking_id(struct request *r)
{
	int64_t	 id;

	if (parse_int64(req_capture(r, "id"), &id) == -1 || id <= 0)
		return 0;
	return id;
}

enum detail {
	D_BOOKING, D_USER, D_EMAIL, D_NAME, D_CREATED, D_CHECKED_IN, D_STARTS,
	D_PROMO, D_GIFT, D_REFUND_AMOUNT, D_REFUND_TO, D_REFUND_REASON,
	D_REFUND_REF, D_REFUNDED_AT, D_REFUNDED_BY, D_CREDIT, D_PAYMENT_REF
};

/* The booking page's facts besides booking_json(); NULL on failure. */
static PGresult *
booking_detail(struct arena *a, int64_t id)
{
	return db_q(a, "SELECT booking_json(b.id), u.id, u.email, u.name, "
	    "to_char(b.created_at AT TIME ZONE t.timezone, " LOCAL_TIME "), "
	    "to_char(b.checked_in_at AT TIME ZONE t.timezone, " LOCAL_TIME "), "
	    "to_char(s.starts_at AT TIME ZONE t.timezone, " LOCAL_TIME "), "
	    "p.code, right(g.code, 4), rf.amount_cents, rf.destination, "
	    "rf.reason, rf.reference, "
	    "to_char(rf.created_at AT TIME ZONE t.timezone, " LOCAL_TIME "), "
	    "coalesce(ru.email, 'the system'), coalesce(w.balance_cents, 0), "
	    "b.payment_ref "
	    "FROM bookings b JOIN users u ON u.id = b.user_id "
	    "JOIN showtimes s ON s.id = b.showtime_id "
	    "JOIN auditoriums au ON au.id = s.auditorium_id "
	    "JOIN theatres t ON t.id = au.theatre_id "
	    "LEFT JOIN promotions p ON p.id = b.promotion_id "
	    "LEFT JOIN gift_cards g ON g.id = b.gift_card_id "
	    "LEFT JOIN refunds rf ON rf.booking_id = b.id "
	    "LEFT JOIN users ru ON ru.id = rf.created_by "
	    "LEFT JOIN wallets w ON w.user_id = b.user_id "
	    "WHERE b.id = $1", 1, db_id(a, id));
}

/* Money fields of the Booking object, for people. */
static void
booking_money_fields(struct arena *a, json_t *b)
{
	const char	*cur = json_string_value(json_object_get(b, "currency"));
	json_t		*seat;
	size_t		 i;

	json_object_set_new(b, "subtotal", json_string(view_money(a,
	    json_integer_value(json_object_get(b, "subtotal_cents")), cur)));
	json_object_set_new(b, "discount", json_string(view_money(a,
	    json_integer_value(json_object_get(b, "discount_cents")), cur)));
	json_object_set_new(b, "total", json_string(view_money(a,
	    json_integer_value(json_object_get(b, "total_cents")), cur)));
	json_array_foreach(json_object_get(b, "seats"), i, seat)
		json_object_set_new(seat, "price", json_string(view_money(a,
		    json_integer_value(json_object_get(seat, "price_cents")),
		    cur)));
}

/* The refund of the booking, or JSON null. */
static json_t *
refund_of(struct arena *a, const PGresult *d, const char *cur)
{
	if (db_val(d, 0, D_REFUND_AMOUNT) == NULL)
		return json_null();
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "amount", view_money(a,
	    db_int(d, 0, D_REFUND_AMOUNT), cur), "destination",
	    db_val(d, 0, D_REFUND_TO), "reason", db_val(d, 0, D_REFUND_REASON),
	    "at", db_val(d, 0, D_REFUNDED_AT), "by", db_val(d, 0,
	    D_REFUNDED_BY), "pending", db_val(d, 0, D_REFUND_REF) == NULL);
}

/* The page's context: the booking, its customer, payment and refund. */
static json_t *
detail_ctx(struct arena *a, const PGresult *d)
{
	json_t		*b = db_json(d, 0, D_BOOKING);
	const char	*cur = json_string_value(json_object_get(b, "currency"));
	json_t		*pay = json_object_get(b, "payment");

	booking_money_fields(a, b);
	if (db_val(d, 0, D_PROMO) != NULL)
		json_object_set_new(pay, "promo_code",
		    json_string(db_val(d, 0, D_PROMO)));
	if (db_val(d, 0, D_GIFT) != NULL)
		json_object_set_new(pay, "gift_last4",
		    json_string(db_val(d, 0, D_GIFT)));
	if (db_val(d, 0, D_PAYMENT_REF) != NULL)
		json_object_set_new(pay, "reference",
		    json_string(db_val(d, 0, D_PAYMENT_REF)));
	return json_pack("{s:o,s:{s:s,s:s,s:s,s:s},s:s,s:s?,s:s,s:o,s:b}",
	    "booking", b, "customer", "id", db_val(d, 0, D_USER),
	    "email", db_val(d, 0, D_EMAIL), "name", db_val(d, 0, D_NAME),
	    "credit", view_money(a, db_int(d, 0, D_CREDIT), cur),
	    "created", db_val(d, 0, D_CREATED),
	    "checked_in", db_val(d, 0, D_CHECKED_IN),
	    "starts", db_val(d, 0, D_STARTS),
	    "refund", refund_of(a, d, cur),
	    "refundable", strcmp(json_string_value(json_object_get(b,
	    "status")), "confirmed") == 0);
}

/*
 * Renders booking id's page; steals form and errors (either may be
 * NULL: the credit form empty).  Answers 404 for an unknown booking.
 */
static void
render_booking(struct request *r, int status, int64_t id, json_t *form,
    json_t *errors, const char *problem)
{
	PGresult	*d = booking_detail(r->a, id);
	json_t		*ctx;

	if (d == NULL || PQntuples(d) != 1) {
		json_decref(form);
		json_decref(errors);
		if (d == NULL)
			db_fail_reply(r, DB_ERROR);
		else
			resp_error(r, 404, "not_found",
			    "there is no such booking", NULL);
		return;
	}
	ctx = detail_ctx(r->a, d);
	json_object_set_new(ctx, "form", form ? form : json_object());
	json_object_set_new(ctx, "errors", errors ? errors : json_object());
	json_object_set_new(ctx, "failed", json_boolean(errors != NULL &&
	    json_object_size(errors) > 0));
	if (problem != NULL)
		json_object_set_new(ctx, "problem", json_string(problem));
	if (in_has(r, "done"))
		json_object_set_new(ctx, "done", json_pack("{s:b}",
		    in_str(r, "done"), 1));
	admin_page(r, status, "admin/booking", ctx);
}

/* GET /admin/bookings/{id}?done= */
void
admin_booking_show(struct request *r)
{
	render_booking(r, 200, booking_id(r), NULL, NULL, NULL);
}

/* POST /admin/bookings/{id}/refund: to the payment's origin, any time. */
void
admin_booking_refund(struct request *r)
{
	int64_t	 id = booking_id(r);

	switch (bookings_refund(r->a, id, r->user_id, 0, REFUND_REASON)) {
	case REFUND_OK:		/* audited by bookings_refund() */
		resp_redirect(r, 303, arena_printf(r->a,
		    "/admin/bookings/%lld?done=refunded", (long long)id));
		return;
	case REFUND_ALREADY:
		render_booking(r, 409, id, NULL, NULL, "This booking is not "
		    "confirmed any more: it was already refunded or cancelled.");
		return;
	case REFUND_NOT_FOUND:
		resp_error(r, 404, "not_found", "there is no such booking", NULL);
		return;
	default:
		db_fail_reply(r, DB_ERROR);
	}
}

/* The customer of booking id: a user id, 0 when there is no such
 * booking, -1 when the database failed. */
static int64_t
customer_of(struct arena *a, int64_t id)
{
	PGresult	*res = db_q(a, "SELECT user_id FROM bookings "
			    "WHERE id = $1", 1, db_id(a, id));

	if (res == NULL)
		return -1;
	return PQntuples(res) == 1 ? db_int(res, 0, 0) : 0;
}

/* The input of payments_credit_grant() from the form; NULL with errors
 * (which holds the form's own) filled. */
static json_t *
credit_input(struct request *r, json_t *errors)
{
	static const char *const from[] = { "amount_cents", NULL };
	static const char *const to[] = { "amount", NULL };
	struct vresult	 vr;
	json_int_t	 cents = 0;
	const char	*msg;
	json_t		*obj;

	if (in_has(r, "amount") &&
	    (msg = admin_parse_dollars(in_str(r, "amount"), &cents)) != NULL)
		json_object_set_new(errors, "amount", json_string(msg));
	if (json_object_size(errors) > 0)
		return NULL;
	obj = json_pack("{s:I,s:s}", "amount_cents", cents, "reason",
	    in_str(r, "reason"));
	if (validate_json(r->a, payments_credit_fields, obj, &vr) != 0)
		admin_form_errors(errors, vr.errors, from, to);
	json_decref(obj);
	return json_object_size(errors) > 0 ? NULL : vr.values;
}

/* POST /admin/bookings/{id}/credit: account credit for its customer. */
void
admin_booking_credit(struct request *r)
{
	struct payments_write	 w;
	int64_t			 id = booking_id(r);
	json_t			*errors = page_form_errors(r);
	int			 rc;

	memset(&w, 0, sizeof(w));
	w.actor = r->user_id;
	if ((w.user = customer_of(r->a, id)) <= 0) {
		json_decref(errors);
		if (w.user < 0)
			db_fail_reply(r, DB_ERROR);
		else
			resp_error(r, 404, "not_found",
			    "there is no such booking", NULL);
		return;
	}
	if ((w.in = credit_input(r, errors)) == NULL) {
		render_booking(r, 400, id, page_form_values(r, credit_keys),
		    errors, NULL);
		return;
	}
	json_decref(errors);
	if ((rc = payments_credit_grant(r->a, &w)) == DB_ABORT) {
		resp_error(r, 404, "not_found", "there is no such customer",
		    NULL);
		return;
	}
	if (rc != DB_OK) {
		db_fail_reply(r, rc);
		return;
	}
	resp_redirect(r, 303, arena_printf(r->a,
	    "/admin/bookings/%lld?done=credited", (long long)id));
}

/* The form's name of an API field: to[i] for from[i], else itself. */
static const char *
form_name(const char *key, const char *const *from, const char *const *to)
{
	size_t	 i;

	for (i = 0; from != NULL && from[i] != NULL; i++)
		if (strcmp(key, from[i]) == 0)
			return to[i];
	return key;
}

const char *
admin_parse_dollars(const char *s, json_int_t *cents)
{
	static const char msg[] = "must be an amount such as 50.00";
	long long	 whole = 0, frac = 0;
	int		 digits = 0, fdigits = 0;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '$')
		s++;
	for (; (isdigit((unsigned char)*s) || (*s == ',' && digits > 0)) &&
	    digits < 12; s++)
		if (*s != ',')
			whole = whole * 10 + (*s - '0'), digits++;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s) && fdigits < 2; s++)
			frac = frac * 10 + (*s - '0'), fdigits++;
	if (fdigits == 1)
		frac *= 10;
	while (isspace((unsigned char)*s))
		s++;
	if (*s != '\0' || digits == 0)
		return msg;
	*cents = (json_int_t)(whole * 100 + frac);
	return NULL;
}

void
admin_form_errors(json_t *errors, json_t *api, const char *const *from,
    const char *const *to)
{
	const char	*key;
	json_t		*v;

	json_object_foreach(api, key, v)
		json_object_set(errors, form_name(key, from, to), v);
}
