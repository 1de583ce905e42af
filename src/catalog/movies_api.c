/*
 * The movie endpoints of the Catalog API.
 */
#include <string.h>

#include "catalog/catalog.h"
#include "catalog/movies.h"
#include "core/request.h"
#include "store/db.h"

static const char *const statuses[] = { "now_showing", "coming_soon", NULL };
static const char *const ratings[] = {
	"G", "PG", "PG-13", "R", "NC-17", "NR", NULL
};

const struct field movies_list_query[] = {
	{ "q", FT_STRING, 0, 0, 200, NULL, NULL },
	{ "genre", FT_SLUG, 0, 0, 0, NULL, NULL },
	{ "city", FT_STRING, 0, 0, 100, NULL, NULL },
	{ "date", FT_DATE, 0, 0, 0, NULL, NULL },
	{ "status", FT_ENUM, 0, 0, 0, statuses, NULL },
	{ "limit", FT_INT, 0, 1, 100, NULL, NULL },
	{ "cursor", FT_INT, 0, 0, 1000000000, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field movies_listings_query[] = {
	{ "date", FT_DATE, 0, 0, 0, NULL, NULL },
	{ "city", FT_STRING, 0, 0, 100, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field genre_item[] = {
	{ "genre", FT_SLUG, 1, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field cast_fields[] = {
	{ "name", FT_STRING, 1, 1, 200, NULL, NULL },
	{ "role", FT_STRING, 0, 0, 200, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field cast_item[] = {
	{ "member", FT_OBJECT, 1, 0, 0, NULL, cast_fields },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

#define MOVIE_FIELDS(req) \
	{ "title", FT_STRING, req, 1, 200, NULL, NULL }, \
	{ "slug", FT_SLUG, 0, 0, 0, NULL, NULL }, \
	{ "synopsis", FT_TEXT, 0, 0, 5000, NULL, NULL }, \
	{ "genres", FT_ARRAY, req, 0, 20, NULL, genre_item }, \
	{ "cast", FT_ARRAY, 0, 0, 50, NULL, cast_item }, \
	{ "duration_minutes", FT_INT, req, 1, 600, NULL, NULL }, \
	{ "release_date", FT_DATE, req, 0, 0, NULL, NULL }, \
	{ "content_rating", FT_ENUM, req, 0, 0, ratings, NULL }, \
	{ "poster_url", FT_MEDIA_URL, 0, 0, 0, NULL, NULL }, \
	{ "trailer_url", FT_MEDIA_URL, 0, 0, 0, NULL, NULL }, \
	{ NULL, 0, 0, 0, 0, NULL, NULL }

const struct field movie_add_fields[] = { MOVIE_FIELDS(1) };
const struct field movie_update_fields[] = { MOVIE_FIELDS(0) };

/* GET /v1/movies: cached (catalog_answer_key). */
void
movies_api_list(struct request *r)
{
	char	*key = catalog_answer_key(r, "movies", NULL);
	int	 dberr;
	json_t	*list;

	if (catalog_answer_cached(r, key))
		return;
	if ((list = catalog_movie_search(r->a, r->in, &dberr)) == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	resp_json(r, 200, list);
	catalog_answer_keep(r, key);
}

/* GET /v1/movies/{movie} */
void
movies_api_get(struct request *r)
{
	int64_t	 id;
	json_t	*m;

	if ((id = catalog_movie_or_reply(r)) == 0)
		return;
	if ((m = catalog_movie_json(r->a, id)) == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "movie", m));
}

/* GET /v1/movies/{movie}/listings: cached (catalog_answer_key). */
void
movies_api_listings(struct request *r)
{
	int64_t		 id;
	json_t		*m, *theatres;
	char		*key = catalog_answer_key(r, "listings",
			    req_capture(r, "movie"));
	int		 dberr;

	if (catalog_answer_cached(r, key))
		return;
	if ((id = catalog_movie_or_reply(r)) == 0)
		return;
	m = catalog_movie_json(r->a, id);
	theatres = catalog_listings(r->a, id, in_str(r, "date"), 0,
	    in_str(r, "city"), &dberr);
	if (m == NULL || theatres == NULL) {
		json_decref(m);
		json_decref(theatres);
		db_fail_reply(r, DB_ERROR);
		return;
	}
	resp_json(r, 200, json_pack("{s:o,s:o}", "movie", m,
	    "theatres", theatres));
	catalog_answer_keep(r, key);
}

/* The answer to a movie write. */
static void
write_reply(struct request *r, int rc, struct movie_write *w, int status)
{
	if (rc == DB_ABORT && w->conflict != NULL) {
		resp_error(r, 409, w->conflict,
		    strcmp(w->conflict, "slug_taken") == 0 ?
		    "another movie already has this slug" :
		    strcmp(w->conflict, "auditorium_busy") == 0 ?
		    "with this duration a showtime to come would run into the "
		    "next one in its auditorium; nothing was changed" :
		    "this movie has bookings for showtimes still to come; "
		    "cancel those showtimes first", NULL);
		return;
	}
	if (rc != DB_OK) {
		db_fail_reply(r, rc);
		return;
	}
	catalog_changed(r->a);
	if (status == 204)
		resp_empty(r, 204);
	else
		resp_json(r, status, json_pack("{s:O}", "movie", w->after));
}

/* POST /v1/movies/add_movie */
void
movies_api_add(struct request *r)
{
	struct movie_write	 w;

	memset(&w, 0, sizeof(w));
	w.in = r->in;
	w.actor = r->user_id;
	write_reply(r, movies_create(r->a, &w), &w, 201);
}

/* PUT /v1/movies/{movie}/update_movie */
void
movies_api_update(struct request *r)
{
	struct movie_write	 w;

	memset(&w, 0, sizeof(w));
	if ((w.id = catalog_movie_or_reply(r)) == 0)
		return;
	w.in = r->in;
	w.actor = r->user_id;
	write_reply(r, movies_update(r->a, &w), &w, 200);
}

/* DELETE /v1/movies/{movie}/remove_movie */
void
movies_api_remove(struct request *r)
{
	struct movie_write	 w;

	memset(&w, 0, sizeof(w));
	if ((w.id = catalog_movie_or_reply(r)) == 0)
		return;
	w.actor = r->user_id;
	write_reply(r, movies_remove(r->a, &w), &w, 204);
}
