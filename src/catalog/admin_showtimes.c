/*
 * Admin pages for showtimes: one theatre's day in its local time, with
 * the forms to schedule (admin_schedule.c), change and cancel.  Changes
 * go through showtimes_update(), which tells the customers who booked;
 * the confirmation says how many.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin/admin.h"
#include "catalog/catalog.h"
#include "catalog/pages.h"
#include "catalog/showtimes.h"
#include "core/request.h"
#include "core/util.h"
#include "store/db.h"

static const char *const formats[] = { "2D", "3D", "IMAX", NULL };
static const char *const saved_values[] = {
	"scheduled", "updated", "cancelled", "unchanged", NULL
};
static const char *const edit_keys[] = {
	"date", "time", "auditorium", "price", NULL
};

const struct field admin_showtimes_query[] = {
	{ "theatre", FT_ID, 0, 0, 0, NULL, NULL },
	{ "date", FT_DATE, 0, 0, 0, NULL, NULL },
	{ "saved", FT_ENUM, 0, 0, 0, saved_values, NULL },
	{ "count", FT_INT, 0, 0, 1000, NULL, NULL },
	{ "notified", FT_INT, 0, 0, 1000000, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field admin_showtime_edit_form[] = {
	{ "date", FT_DATE, 1, 0, 0, NULL, NULL },
	{ "time", FT_STRING, 1, 1, 8, NULL, NULL },
	{ "auditorium", FT_STRING, 1, 1, 60, NULL, NULL },
	{ "price", FT_STRING, 1, 1, 20, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const char day_sql[] =
    "SELECT s.id, m.title, m.slug, au.name, "
    "  to_char(s.starts_at AT TIME ZONE t.timezone, 'FMHH12:MI AM'), "
    "  to_char(s.ends_at AT TIME ZONE t.timezone, 'FMHH12:MI AM'), "
    "  to_char(s.starts_at AT TIME ZONE t.timezone, 'YYYY-MM-DD'), "
    "  to_char(s.starts_at AT TIME ZONE t.timezone, 'HH24:MI'), "
    "  s.format, s.language, s.base_price_cents, s.currency, s.status, "
    "  showtime_seats_available(s.id), s.starts_at > now() "
    "FROM showtimes s JOIN auditoriums au ON au.id = s.auditorium_id "
    "JOIN theatres t ON t.id = au.theatre_id "
    "JOIN movies m ON m.id = s.movie_id "
    "WHERE t.id = $1 AND (s.starts_at AT TIME ZONE t.timezone)::date = $2 "
    "ORDER BY s.starts_at, au.name";

/* The auditoriums of theatre t as <select> choices. */
static json_t *
auditorium_options(json_t *t, const char *selected)
{
	json_t		*out = json_array(), *aud;
	const char	*name;
	size_t		 i;

	json_array_foreach(json_object_get(t, "auditoriums"), i, aud) {
		name = json_string_value(json_object_get(aud, "name"));
		json_array_append_new(out, json_pack("{s:s,s:s,s:b}", "value",
		    name, "label", name, "selected", selected != NULL &&
		    strcasecmp(selected, name) == 0));
	}
	return out;
}

/* Every movie as <select> choices: [{value: id, label, minutes}]. */
static json_t *
movie_choices(struct arena *a)
{
	PGresult	*res = db_q(a, "SELECT id, title || ' (' || "
			    "duration_minutes || ' min)' FROM movies "
			    "WHERE deleted_at IS NULL ORDER BY title, id", 0);
	json_t		*out = json_array();
	int		 i;

	for (i = 0; res != NULL && i < PQntuples(res); i++)
		json_array_append_new(out, json_pack("{s:s,s:s}", "value",
		    db_val(res, i, 0), "label", db_val(res, i, 1)));
	return out;
}

/* A scheduling form's context: typed values, errors and choices. */
static json_t *
schedule_form(const char *prefix, json_t *state, json_t *t, json_t *movies,
    const char *date)
{
	json_t		*form, *errors, *choices = json_array(), *m;
	const char	*movie, *fmt;
	size_t		 i;

	if (state == NULL)
		state = json_pack("{s:{s:s,s:s,s:s,s:s,s:s},s:{}}", "form",
		    "date", date, "start_date", date, "end_date", date,
		    "language", "English", "format", "2D", "errors");
	form = json_object_get(state, "form");
	errors = json_object_get(state, "errors");
	movie = json_string_value(json_object_get(form, "movie_id"));
	fmt = json_string_value(json_object_get(form, "format"));
	json_array_foreach(movies, i, m)
		json_array_append_new(choices, json_pack("{s:O,s:O,s:b}",
		    "value", json_object_get(m, "value"), "label",
		    json_object_get(m, "label"), "selected", movie != NULL &&
		    strcmp(movie, json_string_value(json_object_get(m,
		    "value"))) == 0));
	json_object_set_new(state, "movies", choices);
	json_object_set_new(state, "auditoriums", auditorium_options(t,
	    json_string_value(json_object_get(form, "auditorium"))));
	json_object_set_new(state, "formats", page_options(formats, NULL,
	    fmt ? fmt : "2D"));
	json_object_set_new(state, "failed", json_boolean(
	    json_object_size(errors) > 0));
	json_object_set_new(state, "prefix", json_string(prefix));
	return state;
}

/* One row of the day: a showtime with its change form. */
static json_t *
day_row(struct request *r, PGresult *res, int i, struct day_view *v)
{
	int64_t		 id = db_int(res, i, 0);
	json_int_t	 cents = db_int(res, i, 10);
	json_t		*row, *form;
	int		 failed = v->row == id;

	form = failed ? json_incref(v->row_form) : json_pack("{s:s,s:s,s:s,"
	    "s:s}", "date", db_val(res, i, 6), "time", db_val(res, i, 7),
	    "auditorium", db_val(res, i, 3), "price", arena_printf(r->a,
	    "%lld.%02lld", (long long)cents / 100, (long long)cents % 100));
	row = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b,"
	    "s:I,s:o,s:o,s:b}", "id", (json_int_t)id,
	    "title", db_val(res, i, 1), "slug", db_val(res, i, 2),
	    "auditorium", db_val(res, i, 3), "start_label", db_val(res, i, 4),
	    "end_label", db_val(res, i, 5), "format", db_val(res, i, 8),
	    "language", db_val(res, i, 9), "price_label", page_money(r->a,
	    cents, db_val(res, i, 11)), "cancelled",
	    strcmp(db_val(res, i, 12), "cancelled") == 0, "upcoming",
	    db_bool(res, i, 14), "seats_left", (json_int_t)db_int(res, i, 13),
	    "r_form", form, "r_auditoriums", auditorium_options(v->theatre,
	    json_string_value(json_object_get(form, "auditorium"))),
	    "r_open", failed);
	if (failed)
		json_object_set(row, "r_errors", v->row_errors);
	return row;
}

/* The theatres to choose from, the current one selected. */
static json_t *
theatre_choices(struct arena *a, int64_t current)
{
	PGresult	*res = db_q(a, "SELECT id, name || ', ' || city "
			    "FROM theatres WHERE deleted_at IS NULL "
			    "ORDER BY city, name", 0);
	json_t		*out = json_array();
	int		 i;

	for (i = 0; res != NULL && i < PQntuples(res); i++)
		json_array_append_new(out, json_pack("{s:s,s:s,s:b}", "value",
		    db_val(res, i, 0), "label", db_val(res, i, 1), "selected",
		    db_int(res, i, 0) == current));
	return out;
}

/* The confirmation of the change a redirect reports. */
static json_t *
saved_notice(struct request *r)
{
	const char	*saved = in_str(r, "saved");
	long long	 n = in_int(r, "notified"), count = in_int(r, "count");

	if (saved == NULL)
		return json_null();
	return json_pack("{s:b,s:s,s:s}", saved, 1, "told", n == 0 ?
	    "No customer had booked it." : n == 1 ? "1 customer will be told." :
	    arena_printf(r->a, "%lld customers will be told.", n), "count",
	    count == 1 ? "1 showtime was" : arena_printf(r->a,
	    "%lld showtimes were", count));
}

void
admin_showtimes_render(struct request *r, int status, struct day_view *v)
{
	int64_t		 tid = json_integer_value(json_object_get(v->theatre,
			    "id"));
	const char	*tz = json_string_value(json_object_get(v->theatre,
			    "timezone"));
	PGresult	*head, *res = NULL;
	json_t		*rows = json_array(), *movies, *ctx;
	int		 i;

	head = db_q(r->a, "SELECT to_char(d, 'YYYY-MM-DD'), "
	    "to_char(d - 1, 'YYYY-MM-DD'), to_char(d + 1, 'YYYY-MM-DD'), "
	    "to_char(d, 'FMDay FMDD FMMonth YYYY') FROM (SELECT "
	    "coalesce($2::date, (now() AT TIME ZONE $1)::date) AS d) x", 2,
	    tz, v->date);
	if (head != NULL)
		res = db_q(r->a, day_sql, 2, db_id(r->a, tid), db_val(head, 0, 0));
	if (res == NULL) {
		json_decref(rows);
		json_decref(v->theatre);
		json_decref(v->one);
		json_decref(v->bulk);
		json_decref(v->row_form);
		json_decref(v->row_errors);
		db_fail_reply(r, DB_ERROR);
		return;
	}
	for (i = 0; i < PQntuples(res); i++)
		json_array_append_new(rows, day_row(r, res, i, v));
	movies = movie_choices(r->a);
	ctx = json_pack("{s:o,s:o,s:b,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:b}",
	    "theatre", v->theatre, "rows", rows, "any", i > 0,
	    "date", db_val(head, 0, 0), "prev", db_val(head, 0, 1),
	    "next", db_val(head, 0, 2), "day_title", db_val(head, 0, 3),
	    "one", schedule_form("one", v->one, v->theatre, movies,
	    db_val(head, 0, 0)), "bulk", schedule_form("bulk", v->bulk,
	    v->theatre, movies, db_val(head, 0, 0)), "theatres", theatre_choices(r->a, tid),
	    "saved", saved_notice(r), "no_auditoriums", json_array_size(
	    json_object_get(v->theatre, "auditoriums")) == 0);
	if (v->problem != NULL)
		json_object_set_new(ctx, "problem", json_string(v->problem));
	json_decref(movies);
	json_decref(v->row_form);
	json_decref(v->row_errors);
	admin_page(r, status, "admin/showtimes", ctx);
}

json_t *
admin_showtimes_theatre_or_reply(struct request *r, int64_t id)
{
	int64_t	 tid = id > 0 ? catalog_theatre_ref(r->a, db_id(r->a, id)) : 0;
	json_t	*t = NULL;

	if (tid == 0)
		resp_error(r, 404, "not_found", "there is no such theatre", NULL);
	else if (tid < 0 || (t = catalog_theatre_json(r->a, tid)) == NULL)
		db_fail_reply(r, DB_ERROR);
	return t;
}

/* GET /admin/showtimes?theatre=&date=: a theatre's day, or the choice. */
void
admin_showtimes_day(struct request *r)
{
	struct day_view	 v;

	memset(&v, 0, sizeof(v));
	if (!in_has(r, "theatre")) {
		admin_page(r, 200, "admin/showtimes", json_pack("{s:o,s:b}",
		    "theatres", theatre_choices(r->a, 0), "choose", 1));
		return;
	}
	if ((v.theatre = admin_showtimes_theatre_or_reply(r,
	    in_int(r, "theatre"))) == NULL)
		return;
	v.date = in_str(r, "date");
	admin_showtimes_render(r, 200, &v);
}

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
refusal(struct showtime_write *w, json_t *invalid)
{
	json_t		*errors = json_object(), *msg;
	const char	*key;

	if (w->conflict != NULL)
		json_object_set_new(errors, "auditorium", json_string(
		    "cannot change: seats of this showtime are sold or held"));
	else if (w->clash >= 0)
		json_object_set_new(errors, "time", json_string("clashes with "
		    "another showtime in that auditorium (the movie's length "
		    "plus 15 minutes of cleaning)"));
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
	    (v.row_errors = refusal(&w, vr.errors)) != NULL) {
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
