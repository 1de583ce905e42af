/*
 * Theatres and auditoriums.  Seats are derived from each layout by the
 * SQL function seats_sync(); a layout may change only while no future
 * showtime of the auditorium has sold or held seats, and then the seat
 * rows of its future showtimes follow the new layout.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin/admin.h"
#include "catalog/catalog.h"
#include "catalog/theatres.h"
#include "core/arena.h"
#include "store/db.h"

#define MAX_SLUG_TRIES	50

static char *
layout_literal(struct arena *a, json_t *layout)
{
	char	*s = json_dumps(layout, JSON_COMPACT), *out;

	out = arena_strdup(a, s ? s : "[]");
	arena_json_free(s);
	return out;
}

/* Adds one auditorium and its seats. */
static int
add_auditorium(struct arena *a, int64_t theatre, json_t *aud)
{
	PGresult	*res;

	res = db_q(a, "INSERT INTO auditoriums (theatre_id, name, layout, "
	    "capacity) SELECT $1, $2, array_agg(e ORDER BY n), 1 "
	    "FROM json_array_elements_text($3::json) WITH ORDINALITY x(e, n) "
	    "RETURNING id", 3, db_id(a, theatre),
	    json_string_value(json_object_get(aud, "name")),
	    layout_literal(a, json_object_get(aud, "layout")));
	if (res == NULL)
		return -1;
	return db_q(a, "SELECT seats_sync($1)", 1, db_val(res, 0, 0)) ? 0 : -1;
}

static int
insert_theatre(struct arena *a, struct theatre_write *w)
{
	json_t		*in = w->in;
	const char	*given = json_string_value(json_object_get(in, "slug"));
	const char	*slug = given ? given : slugify(a,
			    json_string_value(json_object_get(in, "name")));
	const char	*try = slug;
	PGresult	*res;
	int		 n;

	for (n = 1; n <= MAX_SLUG_TRIES; n++) {
		res = db_q(a, "INSERT INTO theatres (slug, name, city, address, "
		    "timezone) VALUES ($1, $2, $3, coalesce($4, ''), $5) "
		    "ON CONFLICT (slug) DO NOTHING RETURNING id", 5, try,
		    json_string_value(json_object_get(in, "name")),
		    json_string_value(json_object_get(in, "city")),
		    json_string_value(json_object_get(in, "address")),
		    json_string_value(json_object_get(in, "timezone")));
		if (res == NULL)
			return -1;
		if (PQntuples(res) == 1) {
			w->id = db_int(res, 0, 0);
			return 0;
		}
		if (given != NULL)
			break;
		try = arena_printf(a, "%s-%d", slug, n + 1);
	}
	w->conflict = "slug_taken";
	return DB_ABORT;
}

static int
finish(struct arena *a, struct theatre_write *w, const char *action)
{
	if ((w->after = catalog_theatre_json(a, w->id)) == NULL)
		return -1;
	arena_defer(a, (void (*)(void *))json_decref, w->after);
	return audit_write(a, w->actor, action, "theatre", db_id(a, w->id),
	    w->before, w->after);
}

static int
create_tx(struct arena *a, void *ctx)
{
	struct theatre_write	*w = ctx;
	json_t			*aud;
	size_t			 i;
	int			 rc;

	w->conflict = NULL;
	if ((rc = insert_theatre(a, w)) != 0)
		return rc;
	json_array_foreach(json_object_get(w->in, "auditoriums"), i, aud)
		if (add_auditorium(a, w->id, aud) == -1)
			return -1;
	return finish(a, w, "theatre.create");
}

int
theatres_create(struct arena *a, struct theatre_write *w)
{
	return db_tx(a, DB_READ_COMMITTED, create_tx, w);
}

/* Future showtimes of an auditorium: any at all, or with seats taken. */
static int
future_use(struct arena *a, const char *aud, int taken_only)
{
	PGresult	*res;

	res = db_q(a, taken_only ?
	    "SELECT EXISTS (SELECT 1 FROM showtimes s JOIN showtime_seats ss "
	    "ON ss.showtime_id = s.id WHERE s.auditorium_id = $1 "
	    "AND s.status = 'scheduled' AND s.ends_at > now() "
	    "AND (ss.booking_id IS NOT NULL OR "
	    "     (ss.hold_id IS NOT NULL AND ss.held_until > now())))" :
	    "SELECT EXISTS (SELECT 1 FROM showtimes s WHERE s.auditorium_id = $1 "
	    "AND s.status = 'scheduled' AND s.ends_at > now())", 1, aud);
	return res == NULL ? -1 : db_bool(res, 0, 0);
}

/* A new layout for an existing auditorium, with its showtimes' seats. */
static int
relayout(struct arena *a, struct theatre_write *w, const char *aud,
    json_t *def)
{
	int	 used = future_use(a, aud, 1);

	if (used != 0) {
		w->conflict = "layout_in_use";
		w->detail = json_string_value(json_object_get(def, "name"));
		return used < 0 ? -1 : DB_ABORT;
	}
	if (!db_q(a, "UPDATE auditoriums SET layout = (SELECT array_agg(e "
	    "ORDER BY n) FROM json_array_elements_text($2::json) "
	    "WITH ORDINALITY x(e, n)) WHERE id = $1", 2, aud,
	    layout_literal(a, json_object_get(def, "layout"))) ||
	    !db_q(a, "SELECT seats_sync($1)", 1, aud))
		return -1;
	/* Future showtimes follow the new seats (none is taken). */
	return db_q(a, "DELETE FROM showtime_seats ss USING showtimes s, seats st "
	    "WHERE ss.showtime_id = s.id AND st.id = ss.seat_id "
	    "AND s.auditorium_id = $1 AND s.ends_at > now() "
	    "AND st.retired_at IS NOT NULL", 1, aud) &&
	    db_q(a, "INSERT INTO showtime_seats (showtime_id, seat_id) "
	    "SELECT s.id, st.id FROM showtimes s JOIN seats st "
	    "ON st.auditorium_id = s.auditorium_id AND st.retired_at IS NULL "
	    "WHERE s.auditorium_id = $1 AND s.ends_at > now() "
	    "ON CONFLICT DO NOTHING", 1, aud) ? 0 : -1;
}

/* Applies the auditoriums list of an update (see API.md). */
static int
update_auditoriums(struct arena *a, struct theatre_write *w, json_t *list)
{
	PGresult	*res;
	json_t		*def;
	size_t		 i;
	int		 j, rc, found;
	const char	*name, *layout;

	res = db_q(a, "SELECT id, name, array_to_json(layout)::text "
	    "FROM auditoriums WHERE theatre_id = $1 AND deleted_at IS NULL", 1,
	    db_id(a, w->id));
	if (res == NULL)
		return -1;
	json_array_foreach(list, i, def) {
		name = json_string_value(json_object_get(def, "name"));
		layout = layout_literal(a, json_object_get(def, "layout"));
		for (found = 0, j = 0; j < PQntuples(res) && !found; j++) {
			if (strcasecmp(db_val(res, j, 1), name) != 0)
				continue;
			found = 1;
			if (strcmp(db_val(res, j, 2), layout) != 0 &&
			    (rc = relayout(a, w, db_val(res, j, 0), def)) != 0)
				return rc;
		}
		if (!found && add_auditorium(a, w->id, def) == -1)
			return -1;
	}
	for (j = 0; j < PQntuples(res); j++) {
		for (found = 0, i = 0; i < json_array_size(list); i++)
			found |= strcasecmp(db_val(res, j, 1), json_string_value(
			    json_object_get(json_array_get(list, i), "name"))) == 0;
		if (found)
			continue;
		if ((rc = future_use(a, db_val(res, j, 0), 0)) != 0) {
			w->conflict = "auditorium_in_use";
			w->detail = db_val(res, j, 1);
			return rc < 0 ? -1 : DB_ABORT;
		}
		if (!db_q(a, "UPDATE auditoriums SET deleted_at = now() "
		    "WHERE id = $1", 1, db_val(res, j, 0)))
			return -1;
	}
	return 0;
}

static int
update_tx(struct arena *a, void *ctx)
{
	struct theatre_write	*w = ctx;
	json_t			*in = w->in, *auds;
	const char		*slug = json_string_value(json_object_get(in, "slug"));
	PGresult		*res;
	int			 rc;

	w->conflict = NULL;
	if ((w->before = catalog_theatre_json(a, w->id)) == NULL)
		return -1;
	arena_defer(a, (void (*)(void *))json_decref, w->before);
	if (slug != NULL) {
		if ((res = db_q(a, "SELECT 1 FROM theatres WHERE slug = $1 "
		    "AND id <> $2", 2, slug, db_id(a, w->id))) == NULL)
			return -1;
		if (PQntuples(res) > 0) {
			w->conflict = "slug_taken";
			return DB_ABORT;
		}
	}
	if (!db_q(a, "UPDATE theatres SET slug = coalesce($2, slug), "
	    "name = coalesce($3, name), city = coalesce($4, city), "
	    "address = coalesce($5, address), timezone = coalesce($6, timezone), "
	    "updated_at = now() WHERE id = $1", 6, db_id(a, w->id), slug,
	    json_string_value(json_object_get(in, "name")),
	    json_string_value(json_object_get(in, "city")),
	    json_string_value(json_object_get(in, "address")),
	    json_string_value(json_object_get(in, "timezone"))))
		return -1;
	if ((auds = json_object_get(in, "auditoriums")) != NULL &&
	    (rc = update_auditoriums(a, w, auds)) != 0)
		return rc;
	return finish(a, w, "theatre.update");
}

int
theatres_update(struct arena *a, struct theatre_write *w)
{
	return db_tx(a, DB_SERIALIZABLE, update_tx, w);
}

static const struct catalog_removal theatre_removal = {
	"SELECT EXISTS (SELECT 1 FROM showtimes s "
	"JOIN auditoriums au ON au.id = s.auditorium_id "
	"JOIN showtime_seats ss ON ss.showtime_id = s.id "
	"WHERE au.theatre_id = $1 AND s.starts_at > now() "
	"AND s.status = 'scheduled' AND ss.booking_id IS NOT NULL)",
	"UPDATE theatres SET deleted_at = now() WHERE id = $1",
	"UPDATE showtimes s SET status = 'cancelled', updated_at = now() "
	"FROM auditoriums au WHERE au.id = s.auditorium_id "
	"AND au.theatre_id = $1 AND s.starts_at > now() "
	"AND s.status = 'scheduled'",
	catalog_theatre_json, "theatre.remove", "theatre"
};

static int
remove_tx(struct arena *a, void *ctx)
{
	struct theatre_write	*w = ctx;

	return catalog_remove(a, &theatre_removal, w->id, w->actor,
	    &w->before, &w->conflict);
}

int
theatres_remove(struct arena *a, struct theatre_write *w)
{
	return db_tx(a, DB_SERIALIZABLE, remove_tx, w);
}
