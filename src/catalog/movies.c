/*
 * Movies: search, create, update and remove.  Writes run in one
 * transaction each, write the audit log, and bump the catalog cache
 * generation once committed.
 */
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "catalog/catalog.h"
#include "catalog/movies.h"
#include "core/arena.h"
#include "store/cache.h"
#include "store/db.h"

#define MAX_SLUG_TRIES	50

static const char search_sql[] =
    "SELECT movie_json(m.id) FROM movies m "
    "WHERE m.deleted_at IS NULL "
    "  AND ($1::text IS NULL OR m.search @@ websearch_to_tsquery('english', $1) "
    "       OR strpos(lower(m.title), lower($1)) > 0) "
    "  AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM movie_genres mg "
    "       JOIN genres g ON g.id = mg.genre_id "
    "       WHERE mg.movie_id = m.id AND g.slug = $2)) "
    "  AND (($3::text IS NULL AND $4::date IS NULL) OR EXISTS ("
    "       SELECT 1 FROM showtimes s "
    "       JOIN auditoriums a ON a.id = s.auditorium_id "
    "       JOIN theatres t ON t.id = a.theatre_id "
    "       WHERE s.movie_id = m.id AND s.status = 'scheduled' "
    "         AND t.deleted_at IS NULL AND s.starts_at > now() "
    "         AND ($3::text IS NULL OR lower(t.city) = lower($3)) "
    "         AND ($4::date IS NULL OR "
    "              (s.starts_at >= $4::date - 1 AND s.starts_at < $4::date + 2 "
    "               AND (s.starts_at AT TIME ZONE t.timezone)::date = $4::date)))) "
    "  AND ($5::text IS NULL "
    "       OR ($5 = 'now_showing' AND m.release_date <= current_date) "
    "       OR ($5 = 'coming_soon' AND m.release_date > current_date)) "
    "ORDER BY CASE WHEN $1::text IS NULL THEN 0 ELSE "
    "  ts_rank(m.search, websearch_to_tsquery('english', $1)) END DESC, "
    "  m.release_date DESC, m.id "
    "LIMIT $6::int + 1 OFFSET $7::int";

/* An input string, with "" (a cleared filter such as ?q=) as none. */
static const char *
filter(json_t *in, const char *key)
{
	const char	*v = json_string_value(json_object_get(in, key));

	return v != NULL && *v != '\0' ? v : NULL;
}

json_t *
catalog_movie_search(struct arena *a, json_t *in, int *dberr)
{
	long long	 limit = json_integer_value(json_object_get(in, "limit"));
	long long	 offset = json_integer_value(json_object_get(in, "cursor"));
	PGresult	*res;
	json_t		*items = json_array(), *next = json_null();
	int		 i;

	if (limit <= 0)
		limit = 20;
	if (offset < 0)
		offset = 0;
	res = db_q(a, search_sql, 7, filter(in, "q"), filter(in, "genre"),
	    filter(in, "city"), filter(in, "date"), filter(in, "status"),
	    arena_printf(a, "%lld", limit), arena_printf(a, "%lld", offset));
	*dberr = res == NULL;
	if (res == NULL) {
		json_decref(items);
		return NULL;
	}
	for (i = 0; i < PQntuples(res) && i < limit; i++)
		json_array_append_new(items, db_json(res, i, 0));
	if (PQntuples(res) > limit) {
		json_decref(next);
		next = json_sprintf("%lld", offset + limit);
	}
	return json_pack("{s:o,s:o}", "items", items, "next_cursor", next);
}

/* Replaces the movie's genres (creating unknown ones) and cast. */
static int
save_genres_cast(struct arena *a, int64_t id, json_t *genres, json_t *cast)
{
	char	*g = genres ? json_dumps(genres, JSON_COMPACT) : NULL;
	char	*c = cast ? json_dumps(cast, JSON_COMPACT) : NULL;
	int	 ok = 1;

	if (g != NULL)
		ok = db_q(a, "DELETE FROM movie_genres WHERE movie_id = $1", 1,
		    db_id(a, id)) &&
		    db_q(a, "INSERT INTO genres (slug, name) "
		    "SELECT e, initcap(replace(e, '-', ' ')) "
		    "FROM json_array_elements_text($1::json) e "
		    "ON CONFLICT (slug) DO NOTHING", 1, g) &&
		    db_q(a, "INSERT INTO movie_genres (movie_id, genre_id) "
		    "SELECT DISTINCT $1::bigint, g.id FROM genres g "
		    "WHERE g.slug IN (SELECT json_array_elements_text($2::json))",
		    2, db_id(a, id), g);
	if (ok && c != NULL)
		ok = db_q(a, "DELETE FROM movie_cast WHERE movie_id = $1", 1,
		    db_id(a, id)) &&
		    db_q(a, "INSERT INTO people (name) SELECT DISTINCT e->>'name' "
		    "FROM json_array_elements($1::json) e "
		    "ON CONFLICT (name) DO NOTHING", 1, c) &&
		    db_q(a, "INSERT INTO movie_cast (movie_id, position, "
		    "person_id, role) SELECT $1::bigint, x.ord, p.id, "
		    "coalesce(x.e->>'role', '') FROM json_array_elements($2::json) "
		    "WITH ORDINALITY AS x(e, ord) JOIN people p "
		    "ON p.name = x.e->>'name'", 2, db_id(a, id), c);
	if (ok)
		ok = db_q(a, "SELECT movie_search_refresh($1)", 1,
		    db_id(a, id)) != NULL;
	arena_json_free(g);
	arena_json_free(c);
	return ok ? 0 : -1;
}

/* Inserts the row, deriving a free slug when none was given. */
static int
insert_movie(struct arena *a, struct movie_write *w)
{
	const char	*slug = w->slug ? w->slug : slugify(a,
			    json_string_value(json_object_get(w->in, "title")));
	const char	*try = slug;
	PGresult	*res;
	json_t		*in = w->in;
	int		 n;

	for (n = 1; n <= MAX_SLUG_TRIES; n++) {
		res = db_q(a, "INSERT INTO movies (slug, title, synopsis, "
		    "duration_minutes, release_date, content_rating, poster_url, "
		    "trailer_url) VALUES ($1, $2, coalesce($3, ''), $4, $5, $6, "
		    "$7, $8) ON CONFLICT (slug) DO NOTHING RETURNING id", 8, try,
		    json_string_value(json_object_get(in, "title")),
		    json_string_value(json_object_get(in, "synopsis")),
		    arena_printf(a, "%lld", json_integer_value(
		    json_object_get(in, "duration_minutes"))),
		    json_string_value(json_object_get(in, "release_date")),
		    json_string_value(json_object_get(in, "content_rating")),
		    json_string_value(json_object_get(in, "poster_url")),
		    json_string_value(json_object_get(in, "trailer_url")));
		if (res == NULL)
			return -1;
		if (PQntuples(res) == 1) {
			w->id = db_int(res, 0, 0);
			return 0;
		}
		if (w->slug != NULL) {
			w->conflict = "slug_taken";
			return DB_ABORT;
		}
		try = arena_printf(a, "%s-%d", slug, n + 1);
	}
	w->conflict = "slug_taken";
	return DB_ABORT;
}

static int
create_tx(struct arena *a, void *ctx)
{
	struct movie_write	*w = ctx;
	int			 rc;

	w->conflict = NULL;
	if ((rc = insert_movie(a, w)) != 0)
		return rc;
	if (save_genres_cast(a, w->id, json_object_get(w->in, "genres"),
	    json_object_get(w->in, "cast")) == -1)
		return -1;
	w->after = catalog_movie_json(a, w->id);
	if (w->after == NULL)
		return -1;
	arena_defer(a, (void (*)(void *))json_decref, w->after);
	return audit_write(a, w->actor, "movie.create", "movie",
	    db_id(a, w->id), NULL, w->after);
}

int
movies_create(struct arena *a, struct movie_write *w)
{
	w->slug = json_string_value(json_object_get(w->in, "slug"));
	w->id = 0;
	w->after = NULL;
	return db_tx(a, DB_READ_COMMITTED, create_tx, w);
}

static int
update_tx(struct arena *a, void *ctx)
{
	struct movie_write	*w = ctx;
	json_t			*in = w->in;
	PGresult		*res;
	json_t			*dur = json_object_get(in, "duration_minutes");

	w->conflict = NULL;
	w->before = catalog_movie_json(a, w->id);
	if (w->before == NULL)
		return -1;
	arena_defer(a, (void (*)(void *))json_decref, w->before);
	if (w->slug != NULL) {
		res = db_q(a, "SELECT 1 FROM movies WHERE slug = $1 AND id <> $2",
		    2, w->slug, db_id(a, w->id));
		if (res == NULL)
			return -1;
		if (PQntuples(res) > 0) {
			w->conflict = "slug_taken";
			return DB_ABORT;
		}
	}
	res = db_q(a, "UPDATE movies SET slug = coalesce($2, slug), "
	    "title = coalesce($3, title), synopsis = coalesce($4, synopsis), "
	    "duration_minutes = coalesce($5::int, duration_minutes), "
	    "release_date = coalesce($6::date, release_date), "
	    "content_rating = coalesce($7, content_rating), "
	    "poster_url = CASE WHEN $8::bool THEN $9 ELSE poster_url END, "
	    "trailer_url = CASE WHEN $10::bool THEN $11 ELSE trailer_url END, "
	    "updated_at = now() WHERE id = $1", 11, db_id(a, w->id), w->slug,
	    json_string_value(json_object_get(in, "title")),
	    json_string_value(json_object_get(in, "synopsis")),
	    dur ? arena_printf(a, "%lld", json_integer_value(dur)) : NULL,
	    json_string_value(json_object_get(in, "release_date")),
	    json_string_value(json_object_get(in, "content_rating")),
	    json_object_get(in, "poster_url") ? "t" : "f",
	    json_string_value(json_object_get(in, "poster_url")),
	    json_object_get(in, "trailer_url") ? "t" : "f",
	    json_string_value(json_object_get(in, "trailer_url")));
	if (res == NULL || save_genres_cast(a, w->id,
	    json_object_get(in, "genres"), json_object_get(in, "cast")) == -1)
		return -1;
	/* Showtimes to come keep start + duration + cleaning as their end;
	 * one that would now run into the next is refused whole. */
	if (dur != NULL && !db_q(a, "UPDATE showtimes SET ends_at = starts_at + "
	    "make_interval(mins => $2::int + 15), updated_at = now() "
	    "WHERE movie_id = $1 AND ends_at > now()", 2, db_id(a, w->id),
	    arena_printf(a, "%lld", json_integer_value(dur)))) {
		if (strcmp(db_sqlstate(), "23P01") != 0)
			return -1;
		w->conflict = "auditorium_busy";
		return DB_ABORT;
	}
	if ((w->after = catalog_movie_json(a, w->id)) == NULL)
		return -1;
	arena_defer(a, (void (*)(void *))json_decref, w->after);
	return audit_write(a, w->actor, "movie.update", "movie",
	    db_id(a, w->id), w->before, w->after);
}

int
movies_update(struct arena *a, struct movie_write *w)
{
	w->slug = json_string_value(json_object_get(w->in, "slug"));
	return db_tx(a, DB_READ_COMMITTED, update_tx, w);
}

static const struct catalog_removal movie_removal = {
	"SELECT EXISTS (SELECT 1 FROM showtimes s "
	"JOIN showtime_seats ss ON ss.showtime_id = s.id "
	"WHERE s.movie_id = $1 AND s.starts_at > now() "
	"AND s.status = 'scheduled' AND ss.booking_id IS NOT NULL)",
	"UPDATE movies SET deleted_at = now() WHERE id = $1",
	"UPDATE showtimes SET status = 'cancelled', updated_at = now() "
	"WHERE movie_id = $1 AND starts_at > now() AND status = 'scheduled'",
	catalog_movie_json, "movie.remove", "movie"
};

static int
remove_tx(struct arena *a, void *ctx)
{
	struct movie_write	*w = ctx;

	return catalog_remove(a, &movie_removal, w->id, w->actor, &w->before,
	    &w->conflict);
}

int
movies_remove(struct arena *a, struct movie_write *w)
{
	return db_tx(a, DB_SERIALIZABLE, remove_tx, w);
}
