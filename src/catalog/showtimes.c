/*
 * Showtimes: scheduling (all or nothing), changes and cancellations,
 * and the listings that customers read.
 *
 * Overlaps are refused by the exclusion constraint showtimes_no_overlap
 * (SQLSTATE 23P01), so two admins scheduling the same slot at once
 * cannot both win.  A change request checks it at its end (deferred),
 * so showtimes can trade places in one request.  Changes and cancellations write one outbox row per
 * confirmed booking in the same transaction; the jobs process tells the
 * customers (and refunds them when a showtime is cancelled).
 */
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "catalog/catalog.h"
#include "catalog/showtimes.h"
#include "core/arena.h"
#include "store/db.h"

/*
 * The movie's showtimes in the time window first (an index range on
 * showtimes_movie_idx), then their theatres by key: the local-date test
 * needs each theatre's zone, and unfenced the planner would try it on
 * every pair of theatre and showtime.
 */
static const char listings_sql[] =
    "WITH s AS MATERIALIZED ("
    "  SELECT s.id, s.starts_at, au.theatre_id FROM showtimes s "
    "  JOIN auditoriums au ON au.id = s.auditorium_id "
    "  WHERE s.movie_id = $1 AND s.status = 'scheduled' "
    "    AND s.starts_at > now() "
    "    AND s.starts_at >= coalesce($2::date, current_date) - 1 "
    "    AND s.starts_at < coalesce($2::date, current_date) + "
    "        CASE WHEN $4 THEN 2 ELSE 8 END) "
    "SELECT theatre_json(t.id), "
    "  json_agg(showtime_json(s.id) ORDER BY s.starts_at) "
    "FROM s JOIN theatres t ON t.id = s.theatre_id "
    "WHERE t.deleted_at IS NULL "
    "  AND CASE WHEN $2::date IS NOT NULL THEN "
    "        (s.starts_at AT TIME ZONE t.timezone)::date = $2::date "
    "      WHEN $4 THEN (s.starts_at AT TIME ZONE t.timezone)::date "
    "          = (now() AT TIME ZONE t.timezone)::date "
    "      ELSE (s.starts_at AT TIME ZONE t.timezone)::date "
    "          < (now() AT TIME ZONE t.timezone)::date + 7 END "
    "  AND ($3::text IS NULL OR lower(t.city) = lower($3)) "
    "GROUP BY t.id ORDER BY t.city, t.name";

json_t *
catalog_listings(struct arena *a, int64_t movie, const char *date,
    int today, const char *city, int *dberr)
{
	PGresult	*res = db_q(a, listings_sql, 4, db_id(a, movie), date,
			    city != NULL && *city != '\0' ? city : NULL,
			    today ? "true" : "false");
	json_t		*out;
	int		 i;

	*dberr = res == NULL;
	if (res == NULL)
		return NULL;
	out = json_array();
	for (i = 0; i < PQntuples(res); i++)
		json_array_append_new(out, json_pack("{s:o,s:o}",
		    "theatre", db_json(res, i, 0),
		    "showtimes", db_json(res, i, 1)));
	return out;
}

/* The auditorium of this theatre called name: its id, 0, or -1. */
static int64_t
auditorium_id(struct arena *a, int64_t theatre, const char *name)
{
	PGresult	*res = db_q(a, "SELECT id FROM auditoriums "
			    "WHERE theatre_id = $1 AND lower(name) = lower($2) "
			    "AND deleted_at IS NULL", 2, db_id(a, theatre), name);

	if (res == NULL)
		return -1;
	return PQntuples(res) == 1 ? db_int(res, 0, 0) : 0;
}

/* Whether an RFC 3339 time is already past. */
static int
in_past(struct arena *a, const char *ts)
{
	PGresult	*res = db_q(a, "SELECT $1::timestamptz <= now()", 1, ts);

	return res != NULL && db_bool(res, 0, 0);
}

static int
field_error(struct showtime_write *w, size_t i, const char *field,
    const char *msg)
{
	if (w->errors == NULL)
		w->errors = json_object();
	json_object_set_new(w->errors, arena_printf(w->a, "showtimes[%zu].%s",
	    i, field), json_string(msg));
	return DB_ABORT;
}

/* Inserts item i; DB_ABORT with w->errors or w->clash set on refusal. */
static int
insert_one(struct arena *a, struct showtime_write *w, size_t i, json_t *it)
{
	int64_t		 aud;
	PGresult	*res;
	const char	*fmt = json_string_value(json_object_get(it, "format"));
	const char	*lang = json_string_value(json_object_get(it, "language"));

	if ((aud = auditorium_id(a, w->theatre, json_string_value(
	    json_object_get(it, "auditorium")))) < 0)
		return -1;
	if (aud == 0)
		return field_error(w, i, "auditorium",
		    "is not an auditorium of this theatre");
	if (in_past(a, json_string_value(json_object_get(it, "starts_at"))))
		return field_error(w, i, "starts_at", "must be in the future");
	res = db_q(a, "INSERT INTO showtimes (movie_id, auditorium_id, "
	    "starts_at, ends_at, format, language, base_price_cents) "
	    "SELECT m.id, $2, $3::timestamptz, $3::timestamptz + "
	    "make_interval(mins => m.duration_minutes + 15), $4, $5, $6 "
	    "FROM movies m WHERE m.id = $1 AND m.deleted_at IS NULL "
	    "RETURNING id", 6, arena_printf(a, "%lld", json_integer_value(
	    json_object_get(it, "movie_id"))), db_id(a, aud),
	    json_string_value(json_object_get(it, "starts_at")),
	    fmt ? fmt : "2D", lang ? lang : "English",
	    arena_printf(a, "%lld", json_integer_value(
	    json_object_get(it, "base_price_cents"))));
	if (res == NULL) {
		if (strcmp(db_sqlstate(), "23P01") != 0)
			return -1;
		w->clash = (long)i;
		w->clash_auditorium = aud;
		return DB_ABORT;
	}
	if (PQntuples(res) != 1)
		return field_error(w, i, "movie_id", "is not a movie");
	json_array_append_new(w->ids, json_integer(db_int(res, 0, 0)));
	return 0;
}

static int
set_tx(struct arena *a, void *ctx)
{
	struct showtime_write	*w = ctx;
	json_t			*it;
	size_t			 i;
	int			 rc;

	json_array_clear(w->ids);
	w->clash = -1;
	json_array_foreach(json_object_get(w->in, "showtimes"), i, it) {
		rc = insert_one(a, w, i, it);
		/* Field errors: keep going, to name every bad item. */
		if (rc == DB_ABORT && w->errors != NULL && w->clash < 0)
			continue;
		if (rc != 0)
			return rc;
	}
	if (w->errors != NULL)
		return DB_ABORT;
	return audit_write(a, w->actor, "showtimes.set", "theatre",
	    db_id(a, w->theatre), NULL, w->in);
}

/* Which showtime item w->clash ran into: one already there, or an
 * earlier item of the same request. */
static json_t *
clash_details(struct arena *a, struct showtime_write *w)
{
	json_t		*items = json_object_get(w->in, "showtimes");
	json_t		*it = json_array_get(items, (size_t)w->clash), *other;
	PGresult	*res;
	long		 j;
	const char	*mid = arena_printf(a, "%lld", json_integer_value(
			    json_object_get(it, "movie_id")));
	const char	*start = json_string_value(json_object_get(it, "starts_at"));

	res = db_q(a, "SELECT showtime_json(s.id) FROM showtimes s, movies m "
	    "WHERE m.id = $3 AND s.auditorium_id = $1 AND s.status = 'scheduled' "
	    "AND tstzrange(s.starts_at, s.ends_at) && tstzrange($2::timestamptz, "
	    "$2::timestamptz + make_interval(mins => m.duration_minutes + 15)) "
	    "ORDER BY s.starts_at LIMIT 1", 3, db_id(a, w->clash_auditorium),
	    start, mid);
	if (res != NULL && PQntuples(res) == 1)
		return json_pack("{s:i,s:o}", "index", (int)w->clash,
		    "showtime", db_json(res, 0, 0));
	for (j = 0; j < w->clash; j++) {
		other = json_array_get(items, (size_t)j);
		res = db_q(a, "SELECT tstzrange($1::timestamptz, $1::timestamptz "
		    "+ make_interval(mins => m1.duration_minutes + 15)) && "
		    "tstzrange($2::timestamptz, $2::timestamptz + "
		    "make_interval(mins => m2.duration_minutes + 15)) "
		    "FROM movies m1, movies m2 WHERE m1.id = $3 AND m2.id = $4 "
		    "AND lower($5) = lower($6)", 6, start,
		    json_string_value(json_object_get(other, "starts_at")), mid,
		    arena_printf(a, "%lld", json_integer_value(
		    json_object_get(other, "movie_id"))),
		    json_string_value(json_object_get(it, "auditorium")),
		    json_string_value(json_object_get(other, "auditorium")));
		if (res != NULL && PQntuples(res) == 1 && db_bool(res, 0, 0))
			return json_pack("{s:i,s:i}", "index", (int)w->clash,
			    "clashes_with_index", (int)j);
	}
	return json_pack("{s:i}", "index", (int)w->clash);
}

int
showtimes_set(struct arena *a, struct showtime_write *w)
{
	int	 rc;

	w->a = a;
	w->ids = json_array();
	arena_defer(a, (void (*)(void *))json_decref, w->ids);
	rc = db_tx(a, DB_READ_COMMITTED, set_tx, w);
	if (rc == DB_ABORT && w->clash >= 0)
		w->details = clash_details(a, w);
	return rc;
}

/* One outbox row per confirmed booking of the showtime; returns how
 * many, or -1.  Steals payload. */
static int
notify_bookings(struct arena *a, const char *sid, const char *kind,
    json_t *payload)
{
	char		*p = json_dumps(payload, JSON_COMPACT);
	PGresult	*res;

	json_decref(payload);
	res = db_q(a, "INSERT INTO outbox (kind, payload) "
	    "SELECT $2, $3::jsonb || jsonb_build_object('booking_id', b.id) "
	    "FROM (SELECT DISTINCT booking_id AS id FROM showtime_seats "
	    "      WHERE showtime_id = $1 AND booking_id IS NOT NULL) b", 3,
	    sid, kind, p);
	arena_json_free(p);
	return res ? atoi(PQcmdTuples(res)) : -1;
}

/* Changes one showtime; DB_ABORT with missing/clash/conflict set. */
static int
update_one(struct arena *a, struct showtime_write *w, size_t i, json_t *it)
{
	const char	*sid = arena_printf(a, "%lld",
			    json_integer_value(json_object_get(it, "id")));
	const char	*status = json_string_value(json_object_get(it, "status"));
	const char	*start = json_string_value(json_object_get(it, "starts_at"));
	const char	*audname = json_string_value(json_object_get(it,
			    "auditorium"));
	json_t		*before, *after;
	PGresult	*res;
	int64_t		 aud = 0;
	int		 n, taken;

	res = db_q(a, "SELECT s.auditorium_id, EXISTS (SELECT 1 FROM "
	    "showtime_seats ss WHERE ss.showtime_id = s.id AND (ss.booking_id "
	    "IS NOT NULL OR (ss.hold_id IS NOT NULL AND ss.held_until > now()))) "
	    "FROM showtimes s JOIN auditoriums au ON au.id = s.auditorium_id "
	    "WHERE s.id = $1 AND au.theatre_id = $2 FOR UPDATE OF s", 2, sid,
	    db_id(a, w->theatre));
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		w->missing = (long)i;
		return DB_ABORT;
	}
	taken = db_bool(res, 0, 1);
	if (start != NULL && in_past(a, start))
		return field_error(w, i, "starts_at", "must be in the future");
	if (audname != NULL) {
		if ((aud = auditorium_id(a, w->theatre, audname)) < 0)
			return -1;
		if (aud == 0)
			return field_error(w, i, "auditorium",
			    "is not an auditorium of this theatre");
		if (aud == db_int(res, 0, 0))
			aud = 0;
		else if (taken) {
			w->conflict = "showtime_has_bookings";
			w->missing = (long)i;
			return DB_ABORT;
		}
	}
	if ((before = catalog_showtime_json(a, atoll(sid))) == NULL)
		return -1;
	arena_defer(a, (void (*)(void *))json_decref, before);
	/* Both are UTC "YYYY-MM-DDTHH:MM:SSZ": the same start is no move. */
	if (start != NULL && strcmp(start, json_string_value(json_object_get(
	    before, "starts_at"))) == 0)
		start = NULL;
	res = db_q(a, "UPDATE showtimes s SET "
	    "starts_at = coalesce($2::timestamptz, s.starts_at), "
	    "ends_at = coalesce($2::timestamptz, s.starts_at) + "
	    "  make_interval(mins => m.duration_minutes + 15), "
	    "auditorium_id = coalesce($3::bigint, s.auditorium_id), "
	    "base_price_cents = coalesce($4::int, s.base_price_cents), "
	    "status = coalesce($5, s.status), updated_at = now(), "
	    "rescheduled_at = CASE WHEN $2::timestamptz IS NOT NULL OR "
	    "  $3::bigint IS NOT NULL THEN now() ELSE s.rescheduled_at END "
	    "FROM movies m WHERE m.id = s.movie_id AND s.id = $1", 5, sid, start,
	    aud ? db_id(a, aud) : NULL, json_object_get(it, "base_price_cents") ?
	    arena_printf(a, "%lld", json_integer_value(json_object_get(it,
	    "base_price_cents"))) : NULL, status);
	if (res == NULL)	/* (overlaps: checked in overlaps_after) */
		return -1;
	if (aud != 0 && (!db_q(a, "DELETE FROM showtime_seats "
	    "WHERE showtime_id = $1", 1, sid) || !db_q(a, "INSERT INTO "
	    "showtime_seats (showtime_id, seat_id) SELECT $1, id FROM seats "
	    "WHERE auditorium_id = $2 AND retired_at IS NULL", 2, sid,
	    db_id(a, aud))))
		return -1;
	if ((after = catalog_showtime_json(a, atoll(sid))) == NULL)
		return -1;
	arena_defer(a, (void (*)(void *))json_decref, after);
	json_array_append_new(w->ids, json_integer(atoll(sid)));
	if (status != NULL && strcmp(status, "cancelled") == 0 &&
	    strcmp(json_string_value(json_object_get(before, "status")),
	    "cancelled") != 0)
		n = notify_bookings(a, sid, "showtime_cancelled", json_pack(
		    "{s:O}", "showtime", after));
	else if (start != NULL || aud != 0)
		n = notify_bookings(a, sid, "showtime_changed", json_pack(
		    "{s:O,s:O}", "old", before, "new", after));
	else
		n = 0;
	if (n < 0)
		return -1;
	w->notified += n;
	return audit_write(a, w->actor, status ? "showtime.cancel" :
	    "showtime.update", "showtime", sid, before, after);
}

/*
 * After all the changes of a request: the first changed showtime that
 * overlaps another where they now are, as w->clash and w->details
 * (DB_ABORT); then the constraint itself, which also sees transactions
 * that committed meanwhile.  0 when nothing overlaps.
 */
static int
overlaps_after(struct arena *a, struct showtime_write *w)
{
	json_t		*items = json_object_get(w->in, "showtimes"), *it;
	const char	*ids = "{";
	PGresult	*res;
	size_t		 i;
	long		 p, q;

	json_array_foreach(items, i, it)
		ids = arena_printf(a, "%s%s%lld", ids, i ? "," : "",
		    json_integer_value(json_object_get(it, "id")));
	res = db_q(a, "SELECT array_position($1::bigint[], s.id), "
	    "  array_position($1::bigint[], o.id), "
	    "  showtime_json(o.id) FROM showtimes s JOIN showtimes o "
	    "  ON o.auditorium_id = s.auditorium_id AND o.id <> s.id "
	    "  AND o.status = 'scheduled' "
	    "  AND tstzrange(o.starts_at, o.ends_at) && "
	    "      tstzrange(s.starts_at, s.ends_at) "
	    "WHERE s.id = ANY ($1::bigint[]) AND s.status = 'scheduled' "
	    "ORDER BY 1, o.starts_at LIMIT 1", 1, arena_printf(a, "%s}", ids));
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1 && PQgetisnull(res, 0, 1)) {
		w->clash = (long)db_int(res, 0, 0) - 1;
		w->details = json_pack("{s:i,s:o}", "index", (int)w->clash,
		    "showtime", db_json(res, 0, 2));
		return DB_ABORT;
	}
	if (PQntuples(res) == 1) {
		/* Two changes of this request meet: the later is refused,
		 * naming the earlier (as set_showtimes does; where that one
		 * would have gone is rolled back with it). */
		p = (long)db_int(res, 0, 0) - 1;
		q = (long)db_int(res, 0, 1) - 1;
		w->clash = p > q ? p : q;
		w->details = json_pack("{s:i,s:i}", "index", (int)w->clash,
		    "clashes_with_index", (int)(p > q ? q : p));
		return DB_ABORT;
	}
	if (db_q(a, "SET CONSTRAINTS showtimes_no_overlap IMMEDIATE", 0))
		return 0;
	if (strcmp(db_sqlstate(), "23P01") != 0)
		return -1;
	/* A showtime committed meanwhile, after this snapshot: once more
	 * (showtimes_update), and overlaps_after then sees it. */
	w->raced = 1;
	w->clash = 0;
	return DB_ABORT;
}

static int
update_tx(struct arena *a, void *ctx)
{
	struct showtime_write	*w = ctx;
	json_t			*it;
	size_t			 i;
	int			 rc;

	json_array_clear(w->ids);
	w->clash = w->missing = -1;
	w->notified = 0;
	w->conflict = NULL;
	json_decref(w->details);
	w->details = NULL;
	if (!db_q(a, "SET CONSTRAINTS showtimes_no_overlap DEFERRED", 0))
		return -1;
	json_array_foreach(json_object_get(w->in, "showtimes"), i, it)
		if ((rc = update_one(a, w, i, it)) != 0)
			return rc;
	return w->errors != NULL ? DB_ABORT : overlaps_after(a, w);
}

/*
 * {"index", "showtime"} of a change refused without overlaps_after()
 * naming the clash (another admin's showtime committed meanwhile, twice):
 * the showtime of its auditorium that it would overlap where it was
 * asked to start; {"index"} alone when none is found.
 */
static json_t *
update_clash_details(struct arena *a, struct showtime_write *w)
{
	json_t		*it = json_array_get(json_object_get(w->in,
			    "showtimes"), (size_t)w->clash);
	PGresult	*res;

	res = db_q(a, "SELECT showtime_json(o.id) FROM showtimes s "
	    "JOIN movies m ON m.id = s.movie_id "
	    "JOIN showtimes o ON o.auditorium_id = s.auditorium_id "
	    "  AND o.id <> s.id "
	    "  AND o.status = 'scheduled' AND tstzrange(o.starts_at, o.ends_at) "
	    "  && tstzrange(coalesce($2::timestamptz, s.starts_at), "
	    "    coalesce($2::timestamptz, s.starts_at) + "
	    "    make_interval(mins => m.duration_minutes + 15)) "
	    "WHERE s.id = $1 ORDER BY o.starts_at LIMIT 1", 2,
	    arena_printf(a, "%lld", json_integer_value(json_object_get(it,
	    "id"))), json_string_value(json_object_get(it, "starts_at")));
	if (res != NULL && PQntuples(res) == 1)
		return json_pack("{s:i,s:o}", "index", (int)w->clash,
		    "showtime", db_json(res, 0, 0));
	return json_pack("{s:i}", "index", (int)w->clash);
}

int
showtimes_update(struct arena *a, struct showtime_write *w)
{
	int	 rc;

	w->a = a;
	w->ids = json_array();
	arena_defer(a, (void (*)(void *))json_decref, w->ids);
	rc = db_tx(a, DB_SERIALIZABLE, update_tx, w);
	if (rc == DB_ABORT && w->raced) {
		w->raced = 0;
		rc = db_tx(a, DB_SERIALIZABLE, update_tx, w);
	}
	if (rc == DB_ABORT && w->clash >= 0 && w->details == NULL)
		w->details = update_clash_details(a, w);
	return rc;
}
