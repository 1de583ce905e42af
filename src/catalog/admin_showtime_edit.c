/*
 * Changing and cancelling a showtime from the admin showtimes page.
 * Both go through showtimes_update(), which tells the customers who
 * booked (and refunds them on a cancellation); the confirmation says
 * how many.  A refusal shows the day again with the showtime's change
 * form open beside the reason.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog/catalog.h"
#include "catalog/pages.h"
#include "catalog/showtimes.h"
#include "core/request.h"
#include "core/util.h"
#include "store/db.h"

static const char *const edit_keys[] = {
	"date", "time", "auditorium", "price", NULL
};

const struct field admin_showtime_edit_form[] = {
	{ "date", FT_DATE, 1, 0, 0, NULL, NULL },
	{ "time", FT_STRING, 1, 1, 8, NULL, NULL },
	{ "auditorium", FT_STRING, 1, 1, 60, NULL, NULL },
	{ "price", FT_STRING, 1, 1, 20, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* The showtime of the {id} capture, or NULL after a 404 reply. */
static json_t *
showtime_or_reply(struct request *r, int64_t *id, json_t **t)
{
	json_t	*s = NULL;

	*t = NULL;
	if (parse_int64(req_capture(r, "id"), id) != 0 || *id <= 0 ||
	    (s = catalog_showtime_json(r->a, *id)) == NULL) {
		resp_error(r, 404, "not_found", "there is no such showtime",
		    NULL);
		return NULL;
	}
	if ((*t = admin_showtimes_theatre_or_reply(r, json_integer_value(
	    json_object_get(s, "theatre_id")))) == NULL) {
		json_decref(s);
		return NULL;
	}
	return s;
}

/* The local date of a showtime, from its starts_local, in the arena. */
static const char *
local_date(struct arena *a, json_t *s)
{
	return arena_strndup(a, json_string_value(json_object_get(s,
	    "starts_local")), 10);
}

/*
 * Why showtimes_update() refused a change, as the change form's field
 * errors; NULL when the showtime is not there (404).
 */
static json_t *
refusal(struct arena *a, struct showtime_write *w, json_t *invalid)
{
	json_t		*errors = json_object(), *msg;
	const char	*key, *other;

	if (w->conflict != NULL)
		json_object_set_new(errors, "auditorium", json_string(
		    "cannot change: seats of this showtime are sold or held"));
	else if (w->clash >= 0)
		json_object_set_new(errors, "time", json_string(arena_printf(a,
		    "clashes with %s (the movie's length plus 15 minutes of "
		    "cleaning)", (other = page_clash_with(a, w->details)) ?
		    other : "another showtime in that auditorium")));
	else if (w->errors != NULL || json_object_size(invalid) > 0)
		json_object_foreach(w->errors ? w->errors : invalid, key, msg)
			json_object_set(errors, strrchr(key, '.') ?
			    strrchr(key, '.') + 1 : key, msg);
	if (json_object_size(errors) > 0)
		return errors;
	json_decref(errors);
	return NULL;
}

/*
 * Runs showtimes_update() for one item; 303 back to the day with the
 * count of customers told, or the day again with the refusal beside
 * the showtime.  Steals s, t and item.
 */
static void
update_one(struct request *r, json_t *s, json_t *t, json_t *item,
    const char *date)
{
	struct showtime_write	 w;
	struct vresult		 vr = { NULL, NULL };
	struct day_view		 v;
	int			 cancel = json_object_get(item, "status") != NULL;
	json_t			*obj = json_pack("{s:[o]}", "showtimes", item);
	int			 rc = DB_ABORT;

	memset(&w, 0, sizeof(w));
	memset(&v, 0, sizeof(v));
	w.clash = w.missing = -1;
	w.actor = r->user_id;
	w.theatre = json_integer_value(json_object_get(t, "id"));
	if (validate_json(r->a, showtimes_update_fields, obj, &vr) == 0) {
		w.in = vr.values;
		rc = showtimes_update(r->a, &w);
	}
	json_decref(obj);
	if (rc == DB_OK) {
		catalog_changed(r->a);
		resp_redirect(r, 303, arena_printf(r->a, "/admin/showtimes?"
		    "theatre=%lld&date=%s&saved=%s&notified=%d", (long long)
		    w.theatre, date, cancel ? "cancelled" : "updated",
		    w.notified));
	} else if (rc == DB_ABORT &&
	    (v.row_errors = refusal(r->a, &w, vr.errors)) != NULL) {
		v.theatre = json_incref(t);
		v.date = local_date(r->a, s);
		v.row = json_integer_value(json_object_get(s, "id"));
		v.row_form = page_form_values(r, edit_keys);
		v.problem = cancel ? "The showtime could not be cancelled." :
		    "The change was not saved; see the showtime below.";
		admin_showtimes_render(r, 409, &v);
	} else if (rc == DB_ABORT)
		resp_error(r, 404, "not_found", "there is no such showtime", NULL);
	else
		db_fail_reply(r, rc);
	json_decref(w.details);
	json_decref(w.errors);
	json_decref(s);
	json_decref(t);
}

/* What the change form asks for, as update_showtimes fields; NULL
 * after recording errors. */
static json_t *
changes(struct request *r, json_t *s, json_t *t, json_t *errors)
{
	const char	*clock = page_parse_clock(r->a, in_str(r, "time"));
	const char	*msg, *aud = in_str(r, "auditorium");
	json_int_t	 cents = 0;
	PGresult	*res;
	json_t		*item;

	if (in_has(r, "time") && clock == NULL)
		json_object_set_new(errors, "time", json_string(
		    "must be a 24-hour time such as 14:30"));
	if (in_has(r, "price") && (msg = page_parse_money(in_str(r, "price"),
	    &cents)) != NULL)
		json_object_set_new(errors, "price", json_string(msg));
	if (json_object_size(errors) > 0)
		return NULL;
	res = db_q(r->a, "SELECT rfc3339(($1::date + $2::time) AT TIME ZONE $3)",
	    3, in_str(r, "date"), clock, json_string_value(json_object_get(t,
	    "timezone")));
	if (res == NULL)
		return NULL;
	item = json_pack("{s:O}", "id", json_object_get(s, "id"));
	if (strcmp(db_val(res, 0, 0), json_string_value(json_object_get(s,
	    "starts_at"))) != 0)
		json_object_set_new(item, "starts_at", json_string(db_val(res,
		    0, 0)));
	if (strcasecmp(aud, json_string_value(json_object_get(s,
	    "auditorium"))) != 0)
		json_object_set_new(item, "auditorium", json_string(aud));
	if (cents != json_integer_value(json_object_get(s, "base_price_cents")))
		json_object_set_new(item, "base_price_cents",
		    json_integer(cents));
	return item;
}

/* POST /admin/showtimes/{id}/edit: new local start, auditorium, price. */
void
admin_showtimes_edit(struct request *r)
{
	struct day_view	 v;
	int64_t		 id;
	json_t		*s, *t, *errors, *item;

	if ((s = showtime_or_reply(r, &id, &t)) == NULL)
		return;
	errors = page_form_errors(r);
	if ((item = changes(r, s, t, errors)) == NULL &&
	    json_object_size(errors) == 0) {
		json_decref(s);
		json_decref(t);
		json_decref(errors);
		db_fail_reply(r, DB_ERROR);
	} else if (item == NULL) {
		memset(&v, 0, sizeof(v));
		v.theatre = t;
		v.date = local_date(r->a, s);
		v.row = id;
		v.row_form = page_form_values(r, edit_keys);
		v.row_errors = errors;
		v.problem = "The change was not saved; see the showtime below.";
		json_decref(s);
		admin_showtimes_render(r, 400, &v);
	} else if (json_object_size(item) == 1) {
		resp_redirect(r, 303, arena_printf(r->a, "/admin/showtimes?"
		    "theatre=%lld&date=%s&saved=unchanged", (long long)
		    json_integer_value(json_object_get(t, "id")),
		    local_date(r->a, s)));
		json_decref(item);
		json_decref(s);
		json_decref(t);
		json_decref(errors);
	} else {
		json_decref(errors);
		update_one(r, s, t, item, in_str(r, "date"));
	}
}

/* POST /admin/showtimes/{id}/cancel: refunds and tells its customers. */
void
admin_showtimes_cancel(struct request *r)
{
	int64_t	 id;
	json_t	*s, *t;

	if ((s = showtime_or_reply(r, &id, &t)) == NULL)
		return;
	update_one(r, s, t, json_pack("{s:I,s:s}", "id", (json_int_t)id,
	    "status", "cancelled"), local_date(r->a, s));
}
