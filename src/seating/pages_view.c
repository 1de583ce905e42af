/*
 * What the seat map page shows: the auditorium as rows of cells (seats
 * and gaps, front row first), the legend, the caller's hold and the
 * showtime's times in the theatre's zone.  Everything here shapes data
 * for templates/pages/showtime.mustache; the decisions (which seats are
 * free, what a seat costs) come from seatmap_get() and holds_mine().
 */
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "catalog/catalog.h"
#include "core/request.h"
#include "core/util.h"
#include "seating/pages.h"
#include "seating/seating.h"
#include "store/db.h"
#include "users/users.h"
#include "view/render.h"

/* The API allows 100 positions a row and 52 rows; anything wider is bad
 * data, drawn no further. */
#define MAP_MAX_X	100
#define MAP_MAX_Y	52
#define BEST_DEFAULT	2

/* The seat types in legend order, with the words people read. */
static const struct {
	const char	*type;
	const char	*words;
} seat_types[] = {
	{ "standard", "standard" },
	{ "premium", "premium" },
	{ "wheelchair", "wheelchair space" },
	{ "companion", "companion seat" },
};
#define SEAT_TYPES	(sizeof(seat_types) / sizeof(seat_types[0]))

/* The times of a showtime and a hold, read in the theatre's zone. */
static const char when_sql[] =
    "SELECT to_char($1::timestamptz AT TIME ZONE $2, "
    "  'FMDay, FMMonth FMDD, YYYY'), "
    "to_char($1::timestamptz AT TIME ZONE $2, 'FMHH12:MI AM'), "
    "$1::timestamptz > now(), "
    "to_char($3::timestamptz AT TIME ZONE $2, 'FMHH12:MI AM')";

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

int
seating_labels_have(json_t *labels, const char *label)
{
	json_t	*l;
	size_t	 i;

	json_array_foreach(labels, i, l)
		if (json_is_string(l) && strcmp(json_string_value(l), label) == 0)
			return 1;
	return 0;
}

const char *
seating_labels_text(struct arena *a, json_t *labels)
{
	size_t		 i, n = json_array_size(labels);
	const char	*out = "";

	for (i = 0; i < n; i++)
		out = arena_printf(a, "%s%s%s", out, i == 0 ? "" :
		    i + 1 == n ? " and " : ", ",
		    json_string_value(json_array_get(labels, i)));
	return out;
}


static const char *
type_words(const char *type)
{
	size_t	 i;

	for (i = 0; i < SEAT_TYPES; i++)
		if (strcmp(seat_types[i].type, type) == 0)
			return seat_types[i].words;
	return type;
}

/*
 * One seat for the template: what it shows (available, held, sold, or
 * yours), its accessible name, and whether its checkbox is ticked or
 * disabled.  ticked (may be NULL) overrides the default of ticking the
 * caller's own held seats.
 */
static json_t *
seat_cell(struct arena *a, const struct map_view *v, json_t *s,
    const char *currency, int open)
{
	const char	*id = str(s, "id"), *status = str(s, "status");
	const char	*shown, *name, *words;
	json_t		*mine = json_object_get(v->mine, "seats");
	int		 yours, pickable;

	yours = strcmp(status, "held") == 0 && seating_labels_have(mine, id);
	pickable = yours || strcmp(status, "available") == 0;
	shown = yours ? "yours" : status;
	words = yours ? "held for you" : status;
	name = arena_printf(a, "Row %s, seat %lld, %s, %s", str(s, "row"),
	    (long long)num(s, "number"), type_words(str(s, "type")),
	    view_money(a, num(s, "price_cents"), currency));
	return json_pack("{s:b,s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:b,s:b}",
	    "gap", 0, "id", id, "type", str(s, "type"), "status", shown,
	    "number", num(s, "number"), "price_cents", num(s, "price_cents"),
	    "name", name, "label", arena_printf(a, "%s, %s", name, words),
	    "checked", pickable && (v->ticked != NULL ?
	    seating_labels_have(v->ticked, id) : yours),
	    "disabled", !open || !pickable);
}

/* A seat's place in the grid; 0 for a place off the map (bad data). */
static int
on_map(json_t *s, int *x, int *y)
{
	*x = (int)num(s, "x");
	*y = (int)num(s, "y");
	return *x >= 0 && *x < MAP_MAX_X && *y >= 0 && *y < MAP_MAX_Y;
}

/*
 * The grid: rows front to back, each with one cell per position from the
 * left wall to the widest row's end, gaps included, so columns line up.
 */
static json_t *
grid(struct arena *a, const struct map_view *v, int open)
{
	json_t		*seats = json_object_get(v->map, "seats"), *s, *row;
	json_t		*rows = json_array();
	const char	*currency = str(json_object_get(v->map, "showtime"),
			    "currency");
	int		 maxx = -1, maxy = -1, x, y;
	size_t		 i;

	json_array_foreach(seats, i, s)
		if (on_map(s, &x, &y)) {
			maxx = x > maxx ? x : maxx;
			maxy = y > maxy ? y : maxy;
		}
	for (y = 0; y <= maxy; y++) {
		json_t	*cells = json_array();

		for (x = 0; x <= maxx; x++)
			json_array_append_new(cells, json_pack("{s:b}", "gap", 1));
		json_array_append_new(rows, json_pack("{s:s,s:o}", "label", "",
		    "cells", cells));
	}
	json_array_foreach(seats, i, s)
		if (on_map(s, &x, &y)) {
			row = json_array_get(rows, (size_t)y);
			json_object_set(row, "label", json_object_get(s, "row"));
			json_array_set_new(json_object_get(row, "cells"),
			    (size_t)x, seat_cell(a, v, s, currency, open));
		}
	return rows;
}

/* The seat types this auditorium has, each with its price. */
static json_t *
legend(struct arena *a, json_t *map)
{
	json_t		*out = json_array(), *s;
	const char	*currency = str(json_object_get(map, "showtime"),
			    "currency");
	size_t		 t, i;

	for (t = 0; t < SEAT_TYPES; t++)
		json_array_foreach(json_object_get(map, "seats"), i, s) {
			if (strcmp(str(s, "type"), seat_types[t].type) != 0)
				continue;
			json_array_append_new(out, json_pack("{s:s,s:s,s:s}",
			    "type", seat_types[t].type, "words",
			    seat_types[t].words, "price", view_money(a,
			    num(s, "price_cents"), currency)));
			break;
		}
	return out;
}

/* The caller's hold for the template, and as JSON for the script. */
static json_t *
hold_ctx(struct arena *a, json_t *mine, const char *until)
{
	char	*dump = json_dumps(mine, JSON_COMPACT);
	json_t	*out;

	out = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "id", num(mine, "id"),
	    "seats", seating_labels_text(a, json_object_get(mine, "seats")),
	    "total", view_money(a, num(mine, "total_cents"),
	    str(mine, "currency")), "expires_at", str(mine, "expires_at"),
	    "until", until, "json", dump != NULL ? dump : "");
	arena_json_free(dump);
	return out;
}

/* "Auditorium 3" for a numbered one, else its own name ("Screen 3"). */
static const char *
auditorium_words(struct arena *a, const char *name)
{
	if (name[0] != '\0' && strspn(name, "0123456789") == strlen(name))
		return arena_printf(a, "Auditorium %s", name);
	return name;
}

/*
 * The showtime's date and time and the hold's end in the theatre's zone,
 * and whether it is still open for picking.  Falls back to the local
 * RFC 3339 text when the database cannot say.
 */
static void
add_times(struct request *r, json_t *ctx, json_t *st, const char *tz,
    json_t *mine)
{
	PGresult	*res;
	int		 open;

	res = db_q(r->a, when_sql, 3, str(st, "starts_at"), tz,
	    mine != NULL ? str(mine, "expires_at") : NULL);
	open = strcmp(str(st, "status"), "scheduled") == 0 &&
	    (res == NULL || db_bool(res, 0, 2));
	json_object_set_new(ctx, "open", json_boolean(open));
	json_object_set_new(ctx, "cancelled",
	    json_boolean(strcmp(str(st, "status"), "cancelled") == 0));
	json_object_set_new(ctx, "date", json_string(res ? db_val(res, 0, 0) :
	    str(st, "starts_local")));
	json_object_set_new(ctx, "time", json_string(res ? db_val(res, 0, 1) :
	    ""));
	if (mine != NULL)
		json_object_set_new(ctx, "hold", hold_ctx(r->a, mine,
		    res && db_val(res, 0, 3) ? db_val(res, 0, 3) :
		    str(mine, "expires_at")));
}

int
seating_view_load_or_reply(struct request *r, struct map_view *v, int64_t id)
{
	int	 found;

	memset(v, 0, sizeof(*v));
	v->showtime = id;
	/* Before the read: a change committed after it is published later. */
	v->snapshot = wall_usec();
	if ((v->map = seatmap_get(r->a, id, 0, &found)) == NULL) {
		if (found)
			db_fail_reply(r, DB_ERROR);
		else
			resp_error(r, 404, "not_found",
			    "there is no such showtime", NULL);
		return -1;
	}
	arena_defer(r->a, (void (*)(void *))json_decref, v->map);
	if (r->user_id > 0 &&
	    (v->mine = holds_mine(r->a, id, r->user_id)) != NULL)
		arena_defer(r->a, (void (*)(void *))json_decref, v->mine);
	return 0;
}

/* Adds the movie and the theatre to ctx; -1 when either is missing. */
static int
add_catalog(struct request *r, json_t *ctx, json_t *st)
{
	json_t	*movie, *theatre;

	movie = catalog_movie_json(r->a, num(st, "movie_id"));
	theatre = catalog_theatre_json(r->a, num(st, "theatre_id"));
	if (movie == NULL || theatre == NULL) {
		json_decref(movie);
		json_decref(theatre);
		return -1;
	}
	json_object_del(theatre, "auditoriums");
	json_object_set_new(ctx, "movie", movie);
	json_object_set_new(ctx, "theatre", theatre);
	return 0;
}

void
seating_view_render(struct request *r, int status, const struct map_view *v)
{
	json_t	*st = json_object_get(v->map, "showtime"), *ctx;

	ctx = json_pack("{s:O,s:s,s:I,s:b,s:i,s:i}", "showtime", st,
	    "auditorium", auditorium_words(r->a, str(st, "auditorium")),
	    "snapshot", (json_int_t)v->snapshot, "logged_in", r->user_id > 0,
	    "max_seats", HOLD_MAX_SEATS,
	    "best_count", v->best > 0 ? v->best : BEST_DEFAULT);
	if (add_catalog(r, ctx, st) == -1) {
		json_decref(ctx);
		if (db_sqlstate()[0] != '\0')
			db_fail_reply(r, DB_ERROR);
		else
			resp_error(r, 404, "not_found",
			    "there is no such showtime", NULL);
		return;
	}
	add_times(r, ctx, st, str(json_object_get(ctx, "theatre"), "timezone"),
	    v->mine);
	json_object_set_new(ctx, "rows", grid(r->a, v,
	    json_is_true(json_object_get(ctx, "open"))));
	json_object_set_new(ctx, "legend", legend(r->a, v->map));
	json_object_set_new(ctx, "login_next", json_string(arena_printf(r->a,
	    "/login?next=%s", url_encode(r->a, arena_printf(r->a,
	    "/showtimes/%lld", (long long)v->showtime)))));
	json_object_set_new(ctx, "csrf", json_string(csrf_token(r)));
	if (v->notice != NULL)
		json_object_set_new(ctx, "notice", json_pack("{s:s,s:b}",
		    "text", v->notice, "error", v->notice_error));
	/* Live seats and a CSRF token: never from a cache, not even ours. */
	resp_header(r, "Cache-Control", "no-store");
	resp_page(r, status, "pages/showtime", ctx);
}
