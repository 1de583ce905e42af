/*
 * Admin pages for showtimes: one theatre's day in its local time, with
 * the forms to schedule (admin_schedule.c), change and cancel
 * (admin_showtime_edit.c), and the confirmation of each.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin/admin.h"
#include "catalog/catalog.h"
#include "catalog/pages.h"
#include "core/request.h"
#include "core/util.h"
#include "store/db.h"
#include "view/render.h"

static const char *const formats[] = { "2D", "3D", "IMAX", NULL };
static const char *const saved_values[] = {
	"scheduled", "updated", "cancelled", "unchanged", NULL
};

const struct field admin_showtimes_query[] = {
	{ "theatre", FT_ID, 0, 0, 0, NULL, NULL },
	{ "date", FT_DATE, 0, 0, 0, NULL, NULL },
	{ "saved", FT_ENUM, 0, 0, 0, saved_values, NULL },
	{ "count", FT_INT, 0, 0, 1000, NULL, NULL },
	{ "notified", FT_INT, 0, 0, 1000000, NULL, NULL },
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
	    "language", db_val(res, i, 9), "price_label", view_money(r->a,
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
