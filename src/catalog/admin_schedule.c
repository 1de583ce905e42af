/*
 * Scheduling from the admin showtimes page: one showtime, or a movie
 * in one auditorium every day from a first to a last date at a few
 * local times.  Local dates and times become UTC in PostgreSQL, in the
 * theatre's zone; the whole set goes to showtimes_set(), all or
 * nothing, and a clash is reported with the showtime it ran into.
 */
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "admin/admin.h"
#include "catalog/catalog.h"
#include "catalog/pages.h"
#include "catalog/showtimes.h"
#include "core/request.h"
#include "core/util.h"
#include "store/db.h"

#define TIMES_MAX	12
#define SET_MAX		500	/* showtimes_set_fields allows 500 items */

static const char *const formats[] = { "2D", "3D", "IMAX", NULL };

#define SCHEDULE_FIELDS \
	{ "theatre", FT_ID, 1, 0, 0, NULL, NULL }, \
	{ "movie_id", FT_ID, 1, 0, 0, NULL, NULL }, \
	{ "auditorium", FT_STRING, 1, 1, 60, NULL, NULL }, \
	{ "format", FT_ENUM, 0, 0, 0, formats, NULL }, \
	{ "language", FT_STRING, 0, 0, 60, NULL, NULL }, \
	{ "price", FT_STRING, 1, 1, 20, NULL, NULL }

const struct field admin_showtime_one_form[] = {
	SCHEDULE_FIELDS,
	{ "date", FT_DATE, 1, 0, 0, NULL, NULL },
	{ "time", FT_STRING, 1, 1, 8, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field admin_showtime_bulk_form[] = {
	SCHEDULE_FIELDS,
	{ "start_date", FT_DATE, 1, 0, 0, NULL, NULL },
	{ "end_date", FT_DATE, 1, 0, 0, NULL, NULL },
	{ "times", FT_STRING, 1, 1, 200, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const char *const one_keys[] = {
	"movie_id", "auditorium", "format", "language", "price", "date",
	"time", NULL
};
static const char *const bulk_keys[] = {
	"movie_id", "auditorium", "format", "language", "price", "start_date",
	"end_date", "times", NULL
};

/* Every local time of the days, as UTC, with a label for people. */
static const char expand_sql[] =
    "SELECT rfc3339((x.d + t.tm::time) AT TIME ZONE $4), "
    "  to_char(x.d, 'Dy FMDD Mon') || ' at ' || t.tm, "
    "  to_char(x.d, 'YYYY-MM-DD') "
    "FROM generate_series(0, $2::date - $1::date) AS n, "
    "  LATERAL (SELECT $1::date + n AS d) x, "
    "  json_array_elements_text($3::json) WITH ORDINALITY AS t(tm, ord) "
    "ORDER BY n, t.ord LIMIT $5::int + 1";

/* The "times" text ("14:00, 17:15 20:30") as ["14:00", ...]. */
static json_t *
times_list(struct request *r, const char *text, json_t *errors,
    const char *field)
{
	json_t		*out = json_array();
	const char	*clock, *p = text ? text : "";
	char		*item;
	size_t		 n;

	for (; *p != '\0'; p += n + (p[n] != '\0')) {
		if ((n = strcspn(p, ", ")) == 0)
			continue;
		item = arena_strndup(r->a, p, n);
		if ((clock = page_parse_clock(r->a, item)) == NULL) {
			json_object_set_new(errors, field, json_string(
			    arena_printf(r->a, "has \"%s\", which is not a "
			    "24-hour time such as 14:30", item)));
			break;
		}
		json_array_append_new(out, json_string(clock));
	}
	if (json_array_size(out) > TIMES_MAX)
		json_object_set_new(errors, field, json_string(
		    "may list at most 12 times"));
	return out;
}

/*
 * The showtimes_set() items of the form and a label of each ("Sat 6
 * Dec at 14:00"); 0, -1 after recording errors, or -2 after a failure
 * reply.
 */
static int
expand(struct request *r, int bulk, json_t *t, json_t *errors,
    json_t *items, json_t *labels, const char **first)
{
	json_t		*times;
	json_int_t	 cents = 0;
	const char	*msg, *from, *to, *lang = in_str(r, "language");
	char		*json;
	PGresult	*res;
	int		 i;

	from = in_str(r, bulk ? "start_date" : "date");
	to = in_str(r, bulk ? "end_date" : "date");
	times = bulk ? times_list(r, in_str(r, "times"), errors, "times") :
	    times_list(r, in_has(r, "time") ? in_str(r, "time") : "", errors,
	    "time");
	if (in_has(r, "price") && (msg = page_parse_money(in_str(r, "price"),
	    &cents)) != NULL)
		json_object_set_new(errors, "price", json_string(msg));
	if (from != NULL && to != NULL && strcmp(to, from) < 0)
		json_object_set_new(errors, "end_date", json_string(
		    "must be on or after the first day"));
	if (json_object_size(errors) > 0) {
		json_decref(times);
		return -1;
	}
	json = json_dumps(times, JSON_COMPACT);
	res = db_q(r->a, expand_sql, 5, from, to, json, json_string_value(
	    json_object_get(t, "timezone")), db_id(r->a, SET_MAX));
	arena_json_free(json);
	json_decref(times);
	if (res == NULL) {
		db_fail_reply(r, DB_ERROR);
		return -2;
	}
	if (PQntuples(res) > SET_MAX) {
		json_object_set_new(errors, "end_date", json_string("makes more "
		    "than 500 showtimes; schedule fewer days or times at once"));
		return -1;
	}
	for (i = 0; i < PQntuples(res); i++) {
		json_array_append_new(items, json_pack("{s:I,s:s,s:s,s:s,s:I}",
		    "movie_id", (json_int_t)in_int(r, "movie_id"), "auditorium",
		    in_str(r, "auditorium"), "starts_at", db_val(res, i, 0),
		    "format", in_has(r, "format") ? in_str(r, "format") : "2D",
		    "base_price_cents", cents));
		if (lang != NULL && *lang != '\0')
			json_object_set_new(json_array_get(items, (size_t)i),
			    "language", json_string(lang));
		json_array_append_new(labels, json_string(db_val(res, i, 1)));
	}
	*first = PQntuples(res) > 0 ? db_val(res, 0, 2) : from;
	return 0;
}

/* A clash as a sentence: which new showtime ran into which. */
static const char *
clash_sentence(struct request *r, json_t *details, json_t *labels)
{
	json_t		*with = json_object_get(details, "clashes_with_index");
	const char	*mine = json_string_value(json_array_get(labels,
			    (size_t)json_integer_value(json_object_get(details,
			    "index"))));
	const char	*other = page_clash_with(r->a, details);

	if (mine == NULL)
		mine = "One of the new showtimes";
	if (other != NULL)
		return arena_printf(r->a, "%s clashes with %s (a showtime takes "
		    "the movie's length plus 15 minutes of cleaning). Nothing "
		    "was scheduled.", mine, other);
	if (with != NULL)
		return arena_printf(r->a, "%s overlaps %s of this same request "
		    "(a showtime takes the movie's length plus 15 minutes of "
		    "cleaning). Nothing was scheduled.", mine,
		    json_string_value(json_array_get(labels,
		    (size_t)json_integer_value(with))));
	return arena_printf(r->a, "%s clashes with another showtime in that "
	    "auditorium. Nothing was scheduled.", mine);
}

/* The form's field a showtimes_set() error path names. */
static const char *
item_field(const char *key)
{
	const char	*dot = strrchr(key, '.');

	if (dot == NULL)
		return "movie_id";
	dot++;
	return strcmp(dot, "base_price_cents") == 0 ? "price" :
	    strcmp(dot, "starts_at") == 0 ? "movie_id" : dot;
}

/*
 * Validates and writes the items; 0 after answering 303, or -1 with the
 * refusal in errors and *problem, or -2 after a failure reply.
 */
static int
write_items(struct request *r, json_t *t, json_t *items, json_t *labels,
    json_t *errors, const char **problem)
{
	struct showtime_write	 w;
	struct vresult		 vr;
	json_t			*obj = json_pack("{s:O}", "showtimes", items), *m;
	const char		*key;
	int			 rc = DB_ABORT;

	memset(&w, 0, sizeof(w));
	w.clash = w.missing = -1;
	w.actor = r->user_id;
	w.theatre = json_integer_value(json_object_get(t, "id"));
	if (validate_json(r->a, showtimes_set_fields, obj, &vr) == 0) {
		w.in = vr.values;
		rc = showtimes_set(r->a, &w);
	}
	json_decref(obj);
	if (rc == DB_OK) {
		catalog_changed(r->a);
		return 0;
	}
	if (rc == DB_ABORT && w.clash >= 0)
		*problem = clash_sentence(r, w.details, labels);
	else if (rc == DB_ABORT)
		json_object_foreach(w.errors ? w.errors : vr.errors, key, m)
			json_object_set(errors, item_field(key), m);
	json_decref(w.details);
	json_decref(w.errors);
	if (rc == DB_ABORT)
		return -1;
	db_fail_reply(r, rc);
	return -2;
}

/* POST of either scheduling form. */
static void
schedule(struct request *r, int bulk)
{
	struct day_view	 v;
	json_t		*errors = page_form_errors(r), *items = json_array();
	json_t		*labels = json_array();
	const char	*first = NULL, *problem = NULL;
	int		 rc;

	memset(&v, 0, sizeof(v));
	if (!in_has(r, "theatre"))
		resp_error(r, 404, "not_found", "there is no such theatre", NULL);
	else if ((v.theatre = admin_showtimes_theatre_or_reply(r,
	    in_int(r, "theatre"))) != NULL) {
		if ((rc = expand(r, bulk, v.theatre, errors, items, labels,
		    &first)) == 0)
			rc = write_items(r, v.theatre, items, labels, errors,
			    &problem);
		if (rc == 0)
			resp_redirect(r, 303, arena_printf(r->a, "/admin/"
			    "showtimes?theatre=%lld&date=%s&saved=scheduled&"
			    "count=%zu", (long long)in_int(r, "theatre"), first,
			    json_array_size(items)));
		if (rc == -1) {
			if (problem != NULL)
				json_object_set_new(errors, "clash",
				    json_string(problem));
			*(bulk ? &v.bulk : &v.one) = json_pack("{s:o,s:O}",
			    "form", page_form_values(r, bulk ? bulk_keys :
			    one_keys), "errors", errors);
			v.date = in_str(r, bulk ? "start_date" : "date");
			admin_showtimes_render(r, problem ? 409 : 400, &v);
			v.theatre = NULL;
		}
	}
	json_decref(v.theatre);
	json_decref(errors);
	json_decref(items);
	json_decref(labels);
}

/* POST /admin/showtimes/schedule: one showtime. */
void
admin_showtimes_schedule(struct request *r)
{
	schedule(r, 0);
}

/* POST /admin/showtimes/bulk: every day from start_date to end_date at
 * each of the times. */
void
admin_showtimes_bulk(struct request *r)
{
	schedule(r, 1);
}
