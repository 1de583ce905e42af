/*
 * The home page: the newest movies now showing and coming soon, and the
 * filter form's choices, read with one statement with no joins or
 * aggregates (genre names and genre counts live on the rows, see
 * sql/011_listing_columns.sql); each part sorts a handful of rows at most.  Anonymous visitors mostly get the page
 * from the whole-page cache (app.c); a render always reads PostgreSQL, so
 * it shows what the database says, with no data cache to go stale.
 */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "catalog/pages.h"
#include "core/request.h"
#include "store/db.h"

/*
 * Row kinds: n, a movie now showing (the newest 24); s, one coming soon
 * (the soonest 12); g, a genre some movie has; c, a city with a theatre.
 */
static const char home_sql[] =
    "(SELECT 'n' AS kind, slug, title, poster_url, content_rating, "
    "   duration_minutes, genre_names, rating_count, "
    "   to_char(round(rating_sum::numeric / nullif(rating_count, 0), 1), "
    "   'FM0.0') "
    " FROM movies WHERE deleted_at IS NULL AND release_date <= current_date "
    " ORDER BY release_date DESC, title LIMIT 24) "
    "UNION ALL "
    "(SELECT 's', slug, title, poster_url, content_rating, "
    "   duration_minutes, genre_names, rating_count, "
    "   to_char(round(rating_sum::numeric / nullif(rating_count, 0), 1), "
    "   'FM0.0') "
    " FROM movies WHERE deleted_at IS NULL AND release_date > current_date "
    " ORDER BY release_date, title LIMIT 12) "
    "UNION ALL "
    "(SELECT 'g', slug, name, NULL, NULL, NULL::int, NULL, NULL::int, NULL "
    " FROM genres WHERE live_movies > 0 ORDER BY name) "
    "UNION ALL "
    "(SELECT DISTINCT 'c', city, city, NULL, NULL, NULL::int, NULL, NULL::int, "
    "   NULL FROM theatres WHERE deleted_at IS NULL ORDER BY 2)";

/* Column c of row r as a JSON string (PostgreSQL sends valid UTF-8). */
static json_t *
col(const PGresult *res, int r, int c)
{
	return json_stringn_nocheck(PQgetvalue(res, r, c),
	    (size_t)PQgetlength(res, r, c));
}

static void
put(json_t *o, const char *key, json_t *v)
{
	json_object_set_new_nocheck(o, key, v);
}

/* A movie card, as partials/movie_card reads it. */
static json_t *
movie_card(const PGresult *res, int r)
{
	json_t	*m = json_object(), *rating;

	put(m, "slug", col(res, r, 1));
	put(m, "title", col(res, r, 2));
	if (!PQgetisnull(res, r, 3))
		put(m, "poster_url", col(res, r, 3));
	put(m, "content_rating", col(res, r, 4));
	put(m, "duration_minutes", json_integer(db_int(res, r, 5)));
	put(m, "genres", col(res, r, 6));
	if (db_int(res, r, 7) > 0) {
		rating = json_object();
		put(rating, "average", col(res, r, 8));
		put(rating, "count", json_integer(db_int(res, r, 7)));
		put(m, "rating", rating);
	}
	return m;
}

/* A choice of the filter form: {"value", "label"}. */
static json_t *
choice(const PGresult *res, int r)
{
	json_t	*c = json_object();

	put(c, "value", col(res, r, 1));
	put(c, "label", col(res, r, 2));
	return c;
}

/* GET /: now showing and coming soon. */
void
catalog_home(struct request *r)
{
	PGresult	*res = db_q(r->a, home_sql, 0);
	json_t		*now, *soon, *genres, *cities, *ctx, *filters;
	int		 i;

	if (res == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	now = json_array();
	soon = json_array();
	genres = json_array();
	cities = json_array();
	for (i = 0; i < PQntuples(res); i++)
		switch (*PQgetvalue(res, i, 0)) {
		case 'n':
			json_array_append_new(now, movie_card(res, i));
			break;
		case 's':
			json_array_append_new(soon, movie_card(res, i));
			break;
		case 'g':
			json_array_append_new(genres, choice(res, i));
			break;
		default:
			json_array_append_new(cities, choice(res, i));
			break;
		}
	ctx = json_object();
	put(ctx, "any_now_showing", json_boolean(json_array_size(now) > 0));
	put(ctx, "any_coming_soon", json_boolean(json_array_size(soon) > 0));
	put(ctx, "now_showing", now);
	put(ctx, "coming_soon", soon);
	filters = json_object();
	put(filters, "genres", genres);
	put(filters, "cities", cities);
	put(ctx, "filters", filters);
	resp_page(r, 200, "pages/home", ctx);
}
