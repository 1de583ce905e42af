/*
 * Admin pages for promotions and gift cards: the lists and the create
 * forms.  A form is turned into the object of the JSON API
 * (payments_promotion_fields, payments_gift_card_fields), checked with
 * the same table and written by the same function as the API
 * (payments_promotion_create, payments_gift_card_create), which audit.
 *
 * People type money in dollars ("50.00") and times in a chosen zone;
 * the API's objects carry cents and RFC 3339 UTC times.
 */
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "bookings/admin.h"
#include "catalog/pages.h"
#include "core/request.h"
#include "core/util.h"
#include "payments/payments.h"
#include "store/db.h"
#include "view/render.h"

#define LIST_LIMIT	50
/* A UTC time for people, as a to_char() pattern. */
#define UTC_TIME	"'FMDD Mon YYYY, FMHH12:MI AM'"

const struct field admin_list_query[] = {
	{ "before", FT_ID, 0, 0, 0, NULL, NULL },
	{ "created", FT_CODE, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* Ranges and rules are the API's (payments_promotion_fields). */
const struct field admin_promotion_form[] = {
	{ "code", FT_STRING, 1, 1, 100, NULL, NULL },
	{ "kind", FT_STRING, 1, 1, 20, NULL, NULL },
	{ "value", FT_STRING, 1, 1, 20, NULL, NULL },
	{ "starts_at", FT_LOCAL_DATETIME, 0, 0, 0, NULL, NULL },
	{ "ends_at", FT_LOCAL_DATETIME, 0, 0, 0, NULL, NULL },
	{ "timezone", FT_TIMEZONE, 0, 0, 0, NULL, NULL },
	{ "max_uses", FT_INT, 0, 0, 0, NULL, NULL },
	{ "max_uses_per_user", FT_INT, 0, 0, 0, NULL, NULL },
	{ "min_tickets", FT_INT, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field admin_gift_card_form[] = {
	{ "balance", FT_STRING, 1, 1, 20, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const char *const promo_keys[] = {
	"code", "kind", "value", "starts_at", "ends_at", "timezone",
	"max_uses", "max_uses_per_user", "min_tickets", NULL
};
static const char *const promo_ints[] = {
	"max_uses", "max_uses_per_user", "min_tickets", NULL
};
static const char *const kinds[] = { "percent", "amount", NULL };
static const char *const kind_labels[] = {
	"Percent off", "Amount off (dollars)", NULL
};
static const char *const gift_keys[] = { "balance", NULL };

/* "Starts" or "ends" of the form as RFC 3339 UTC, into obj; errors on
 * a time the zone does not have. */
static void
window_time(struct request *r, json_t *obj, const char *name, json_t *errors)
{
	const char	*tz = in_has(r, "timezone") ? in_str(r, "timezone") :
			    "UTC";
	PGresult	*res;

	if (!in_has(r, name))
		return;
	res = db_q(r->a, "SELECT rfc3339($1::timestamp AT TIME ZONE $2)", 2,
	    in_str(r, name), tz);
	if (res == NULL || PQntuples(res) != 1)
		json_object_set_new(errors, name, json_string(
		    "is not a time of that time zone"));
	else
		json_object_set_new(obj, name, json_string(db_val(res, 0, 0)));
}

/* The value: whole percent, or dollars off turned into cents. */
static void
promo_value(struct request *r, json_t *obj, json_t *errors)
{
	const char	*v = in_str(r, "value");
	json_int_t	 cents;
	char		*end;
	long long	 n;

	if (v == NULL)
		return;
	if (in_str(r, "kind") != NULL && strcmp(in_str(r, "kind"),
	    "amount") == 0) {
		const char	*msg = admin_parse_dollars(v, &cents);

		if (msg != NULL)
			json_object_set_new(errors, "value", json_string(msg));
		else
			json_object_set_new(obj, "value", json_integer(cents));
		return;
	}
	n = strtoll(v, &end, 10);
	if (*end == '%')
		end++;
	if (end == v || *end != '\0')
		json_object_set_new(errors, "value", json_string(
		    "must be a whole percentage such as 20"));
	else
		json_object_set_new(obj, "value", json_integer(n));
}

/* The API's promotion object from the form, validated; NULL with
 * errors (which holds the form's own) filled. */
static json_t *
promotion_input(struct request *r, json_t *errors)
{
	struct vresult	 vr;
	json_t		*obj = json_object();
	size_t		 i;

	json_object_set_new(obj, "code", json_string(in_str(r, "code")));
	json_object_set_new(obj, "kind", json_string(in_str(r, "kind")));
	for (i = 0; promo_ints[i] != NULL; i++)
		if (in_has(r, promo_ints[i]))
			json_object_set(obj, promo_ints[i],
			    json_object_get(r->in, promo_ints[i]));
	promo_value(r, obj, errors);
	window_time(r, obj, "starts_at", errors);
	window_time(r, obj, "ends_at", errors);
	if (json_object_size(errors) == 0 && validate_json(r->a,
	    payments_promotion_fields, obj, &vr) != 0)
		admin_form_errors(errors, vr.errors, NULL, NULL);
	json_decref(obj);
	return json_object_size(errors) > 0 ? NULL : vr.values;
}

/* A promotion's row of the list, shaped for people. */
static json_t *
promotion_row(struct arena *a, const PGresult *res, int i)
{
	int	 percent = strcmp(db_val(res, i, 2), "percent") == 0;

	return json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:s,s:s?,s:s?,s:s,s:s}",
	    "id", db_val(res, i, 0), "code", db_val(res, i, 1),
	    "value", percent ? arena_printf(a, "%s%% off", db_val(res, i, 3)) :
	    arena_printf(a, "%s off", view_money(a, db_int(res, i, 3), NULL)),
	    "starts", db_val(res, i, 4), "ends", db_val(res, i, 5),
	    "uses", db_val(res, i, 6), "max_uses", db_val(res, i, 7),
	    "per_user", db_val(res, i, 8), "min_tickets", db_val(res, i, 9),
	    "state", db_val(res, i, 10));
}

/* The time zones a promotion's window may be typed in: UTC, then the
 * theatres'. */
static json_t *
zone_options(struct request *r, const char *selected)
{
	PGresult	*res;
	json_t		*out = json_array();
	int		 i;

	res = db_q(r->a, "SELECT 'UTC' UNION SELECT timezone FROM theatres "
	    "WHERE deleted_at IS NULL ORDER BY 1 <> 'UTC', 1", 0);
	for (i = 0; res != NULL && i < PQntuples(res); i++)
		json_array_append_new(out, json_pack("{s:s,s:b}", "value",
		    db_val(res, i, 0), "selected", strcmp(db_val(res, i, 0),
		    selected ? selected : "UTC") == 0));
	return out;
}

/* Renders the promotions page; steals form and errors. */
static void
render_promotions(struct request *r, int status, json_t *form, json_t *errors)
{
	PGresult	*res;
	json_t		*items = json_array(), *ctx;
	int		 i, n;

	res = db_q(r->a, "SELECT id, code, kind, value, "
	    "to_char(starts_at AT TIME ZONE 'UTC', " UTC_TIME "), "
	    "to_char(ends_at AT TIME ZONE 'UTC', " UTC_TIME "), "
	    "uses, max_uses, max_uses_per_user, min_tickets, "
	    "CASE WHEN ends_at <= now() THEN 'ended' "
	    "WHEN starts_at > now() THEN 'not started' "
	    "WHEN uses >= max_uses THEN 'used up' ELSE 'active' END "
	    "FROM promotions WHERE ($1::bigint IS NULL OR id < $1::bigint) "
	    "ORDER BY id DESC LIMIT $2::int + 1", 2, in_has(r, "before") ?
	    db_id(r->a, in_int(r, "before")) : NULL,
	    arena_printf(r->a, "%d", LIST_LIMIT));
	if (res == NULL) {
		json_decref(items);
		json_decref(form);
		json_decref(errors);
		db_fail_reply(r, DB_ERROR);
		return;
	}
	n = PQntuples(res) > LIST_LIMIT ? LIST_LIMIT : PQntuples(res);
	for (i = 0; i < n; i++)
		json_array_append_new(items, promotion_row(r->a, res, i));
	ctx = json_pack("{s:o,s:b,s:o,s:o,s:b,s:o,s:o}", "items", items,
	    "any", n > 0, "form", form, "errors", errors, "failed",
	    json_object_size(errors) > 0, "kinds", page_options(kinds,
	    kind_labels, json_string_value(json_object_get(form, "kind"))),
	    "zones", zone_options(r, json_string_value(json_object_get(form,
	    "timezone"))));
	if (PQntuples(res) > LIST_LIMIT)
		json_object_set_new(ctx, "next", json_string(db_val(res,
		    n - 1, 0)));
	if (in_has(r, "created"))
		json_object_set_new(ctx, "created", json_string(in_str(r,
		    "created")));
	admin_page(r, status, "admin/promotions", ctx);
}

/* GET /admin/promotions?before=&created= */
void
admin_promotions_list(struct request *r)
{
	render_promotions(r, 200, json_pack("{s:s,s:s}", "kind", "percent",
	    "min_tickets", "1"), json_object());
}

/* POST /admin/promotions: 303 to the list, or the form with errors. */
void
admin_promotions_create(struct request *r)
{
	struct payments_write	 w;
	json_t			*errors = page_form_errors(r);
	int			 rc;

	memset(&w, 0, sizeof(w));
	w.actor = r->user_id;
	if ((w.in = promotion_input(r, errors)) == NULL) {
		render_promotions(r, 400, page_form_values(r, promo_keys),
		    errors);
		return;
	}
	rc = payments_promotion_create(r->a, &w);
	if (rc == DB_ABORT) {
		json_object_set_new(errors, w.field ? w.field : "code",
		    json_string(w.field ? w.problem :
		    "is already used by another promotion"));
		render_promotions(r, w.field ? 400 : 409,
		    page_form_values(r, promo_keys), errors);
		return;
	}
	json_decref(errors);
	if (rc != DB_OK) {
		db_fail_reply(r, rc);
		return;
	}
	resp_redirect(r, 303, arena_printf(r->a, "/admin/promotions?created=%s",
	    url_encode(r->a, json_string_value(json_object_get(w.result,
	    "code")))));
}

/* Renders the gift cards page; steals form, errors and created (a new
 * card whose code is shown this once, or NULL). */
static void
render_gift_cards(struct request *r, int status, json_t *form, json_t *errors,
    json_t *created)
{
	PGresult	*res;
	json_t		*items = json_array(), *ctx;
	int		 i, n;

	res = db_q(r->a, "SELECT g.id, right(g.code, 4), g.balance_cents, "
	    "g.initial_cents, g.currency, "
	    "to_char(g.created_at AT TIME ZONE 'UTC', " UTC_TIME "), "
	    "coalesce(u.email, '') FROM gift_cards g "
	    "LEFT JOIN users u ON u.id = g.created_by "
	    "WHERE ($1::bigint IS NULL OR g.id < $1::bigint) "
	    "ORDER BY g.id DESC LIMIT $2::int + 1", 2, in_has(r, "before") ?
	    db_id(r->a, in_int(r, "before")) : NULL,
	    arena_printf(r->a, "%d", LIST_LIMIT));
	if (res == NULL) {
		json_decref(items);
		json_decref(form);
		json_decref(errors);
		json_decref(created);
		db_fail_reply(r, DB_ERROR);
		return;
	}
	n = PQntuples(res) > LIST_LIMIT ? LIST_LIMIT : PQntuples(res);
	for (i = 0; i < n; i++)
		json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:s,s:s,"
		    "s:s}", "id", db_val(res, i, 0), "last4", db_val(res, i, 1),
		    "balance", view_money(r->a, db_int(res, i, 2),
		    db_val(res, i, 4)), "initial", view_money(r->a,
		    db_int(res, i, 3), db_val(res, i, 4)), "created",
		    db_val(res, i, 5), "by", db_val(res, i, 6)));
	ctx = json_pack("{s:o,s:b,s:o,s:o,s:b}", "items", items, "any", n > 0,
	    "form", form, "errors", errors, "failed",
	    json_object_size(errors) > 0);
	if (PQntuples(res) > LIST_LIMIT)
		json_object_set_new(ctx, "next", json_string(db_val(res,
		    n - 1, 0)));
	if (created != NULL)
		json_object_set_new(ctx, "created", created);
	admin_page(r, status, "admin/gift_cards", ctx);
}

/* GET /admin/gift_cards?before= */
void
admin_gift_cards_list(struct request *r)
{
	render_gift_cards(r, 200, json_object(), json_object(), NULL);
}

/* The API's gift card object from the form, validated; NULL with
 * errors filled. */
static json_t *
gift_card_input(struct request *r, json_t *errors)
{
	static const char *const from[] = { "balance_cents", NULL };
	static const char *const to[] = { "balance", NULL };
	struct vresult	 vr;
	json_int_t	 cents = 0;
	const char	*msg;
	json_t		*obj;

	if (in_has(r, "balance") &&
	    (msg = admin_parse_dollars(in_str(r, "balance"), &cents)) != NULL)
		json_object_set_new(errors, "balance", json_string(msg));
	if (json_object_size(errors) > 0)
		return NULL;
	obj = json_pack("{s:I}", "balance_cents", cents);
	if (validate_json(r->a, payments_gift_card_fields, obj, &vr) != 0)
		admin_form_errors(errors, vr.errors, from, to);
	json_decref(obj);
	return json_object_size(errors) > 0 ? NULL : vr.values;
}

/*
 * POST /admin/gift_cards: the new card's whole code is on this answer
 * and nowhere else (lists show its last 4 characters), so the answer is
 * not stored by the browser and is not a redirect.
 */
void
admin_gift_cards_create(struct request *r)
{
	struct payments_write	 w;
	json_t			*errors = page_form_errors(r), *created;
	int			 rc;

	memset(&w, 0, sizeof(w));
	w.actor = r->user_id;
	if ((w.in = gift_card_input(r, errors)) == NULL) {
		render_gift_cards(r, 400, page_form_values(r, gift_keys),
		    errors, NULL);
		return;
	}
	if ((rc = payments_gift_card_create(r->a, &w)) != DB_OK) {
		json_decref(errors);
		db_fail_reply(r, rc);
		return;
	}
	created = json_pack("{s:O,s:s}", "code", json_object_get(w.result,
	    "code"), "balance", view_money(r->a, json_integer_value(
	    json_object_get(w.result, "balance_cents")), NULL));
	resp_header(r, "Cache-Control", "no-store");
	render_gift_cards(r, 201, json_object(), errors, created);
}
