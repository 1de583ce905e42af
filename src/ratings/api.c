/*
 * The ratings API, the movie page's rating form and helpful votes, and
 * the admin's moderation page.
 */
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "catalog/catalog.h"
#include "core/request.h"
#include "core/util.h"
#include "ratings/ratings.h"
#include "store/db.h"

static const char *const orders[] = { "newest", "helpful", NULL };

const struct field ratings_add_fields[] = {
	{ "rating", FT_INT, 1, 1, 5, NULL, NULL },
	{ "review", FT_TEXT, 0, 0, 5000, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field ratings_update_fields[] = {
	{ "rating", FT_INT, 0, 1, 5, NULL, NULL },
	{ "review", FT_TEXT, 0, 0, 5000, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field ratings_list_query[] = {
	{ "limit", FT_INT, 0, 1, 100, NULL, NULL },
	{ "cursor", FT_INT, 0, 0, 1000000000, NULL, NULL },
	{ "order", FT_ENUM, 0, 0, 0, orders, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field ratings_form_fields[] = {
	{ "rating", FT_INT, 1, 1, 5, NULL, NULL },
	{ "review", FT_TEXT, 0, 0, 5000, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field ratings_moderate_fields[] = {
	{ "action", FT_ENUM, 1, 0, 0, (const char *const[]){ "hide", "restore",
	    NULL }, NULL },
	{ "reason", FT_STRING, 0, 0, 300, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static int64_t
movie_or_reply(struct request *r)
{
	int64_t	 id = catalog_movie_ref(r->a, req_capture(r, "movie"));

	if (id < 0)
		db_fail_reply(r, DB_ERROR);
	else if (id == 0)
		resp_error(r, 404, "not_found", "there is no such movie", NULL);
	return id > 0 ? id : 0;
}

static void
saved_reply(struct request *r, int status, int64_t movie, int64_t id)
{
	PGresult	*res = db_q(r->a, "SELECT rating_json($1), "
			    "movie_rating_json($2)", 2, db_id(r->a, id),
			    db_id(r->a, movie));
	json_t		*mr;

	if (res == NULL || PQntuples(res) != 1) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	mr = db_json(res, 0, 1);
	json_object_del(mr, "distribution");
	resp_json(r, status, json_pack("{s:o,s:o}", "rating", db_json(res, 0, 0),
	    "movie_rating", mr));
}

/* POST /v1/movies/{movie}/add_rating */
void
ratings_api_add(struct request *r)
{
	int64_t	 movie, id;

	if ((movie = movie_or_reply(r)) == 0)
		return;
	switch (ratings_save(r->a, movie, r->user_id, 1,
	    (int)in_int(r, "rating"), in_str(r, "review"), &id)) {
	case RATING_OK:
		saved_reply(r, 201, movie, id);
		break;
	case RATING_ALREADY:
		resp_error(r, 409, "already_rated", "you have rated this movie "
		    "already; update your rating instead", NULL);
		break;
	default:
		db_fail_reply(r, DB_ERROR);
	}
}

/* PUT /v1/movies/{movie}/update_rating */
void
ratings_api_update(struct request *r)
{
	int64_t	 movie, id;

	if ((movie = movie_or_reply(r)) == 0)
		return;
	switch (ratings_save(r->a, movie, r->user_id, 0,
	    in_has(r, "rating") ? (int)in_int(r, "rating") : 0,
	    in_str(r, "review"), &id)) {
	case RATING_OK:
		saved_reply(r, 200, movie, id);
		break;
	case RATING_NONE:
		resp_error(r, 404, "not_found", "you have not rated this movie "
		    "yet", NULL);
		break;
	default:
		db_fail_reply(r, DB_ERROR);
	}
}

/* GET /v1/movies/{movie}/ratings */
void
ratings_api_list(struct request *r)
{
	int64_t		 movie;
	const char	*order = in_str(r, "order");
	json_t		*list;

	if ((movie = movie_or_reply(r)) == 0)
		return;
	list = ratings_list(r->a, movie, in_has(r, "limit") ?
	    (int)in_int(r, "limit") : 20, (long)in_int(r, "cursor"),
	    order ? order : "newest", 0);
	if (list == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	resp_json(r, 200, list);
}

/* POST /movies/{movie}/rate: the movie page's form (add or change). */
void
ratings_page_save(struct request *r)
{
	int64_t		 movie, id;
	const char	*slug = req_capture(r, "movie");
	enum rating_rc	 rc;

	if ((movie = movie_or_reply(r)) == 0)
		return;
	if (r->in_errors != NULL) {
		resp_redirect(r, 303, arena_printf(r->a, "/movies/%s?rating_error=1"
		    "#ratings", url_encode(r->a, slug)));
		return;
	}
	rc = ratings_save(r->a, movie, r->user_id, 1, (int)in_int(r, "rating"),
	    in_str(r, "review"), &id);
	if (rc == RATING_ALREADY)
		rc = ratings_save(r->a, movie, r->user_id, 0,
		    (int)in_int(r, "rating"), in_str(r, "review") ?
		    in_str(r, "review") : "", &id);
	if (rc != RATING_OK) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	resp_redirect(r, 303, arena_printf(r->a, "/movies/%s?rated=1#ratings",
	    url_encode(r->a, slug)));
}

/* POST /movies/{movie}/reviews/{id}/helpful */
void
ratings_page_helpful(struct request *r)
{
	int64_t	 id;

	if (parse_int64(req_capture(r, "id"), &id) == -1 ||
	    ratings_vote(r->a, id, r->user_id) == -1) {
		resp_error(r, 404, "not_found", "there is no such review", NULL);
		return;
	}
	resp_redirect(r, 303, arena_printf(r->a, "/movies/%s?order=helpful"
	    "#ratings", url_encode(r->a, req_capture(r, "movie"))));
}

/* GET /admin/reviews: newest reviews, hidden ones marked. */
void
ratings_admin_list(struct request *r)
{
	PGresult	*res;
	json_t		*items = json_array();
	int		 i;

	res = db_q(r->a, "SELECT r.id, m.title, u.email, r.rating, r.review, "
	    "r.hidden_at IS NOT NULL, coalesce(r.hidden_reason, ''), "
	    "rfc3339(r.created_at) FROM ratings r JOIN movies m ON m.id = "
	    "r.movie_id JOIN users u ON u.id = r.user_id "
	    "ORDER BY r.id DESC LIMIT 200", 0);
	if (res == NULL) {
		json_decref(items);
		db_fail_reply(r, DB_ERROR);
		return;
	}
	for (i = 0; i < PQntuples(res); i++)
		json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,"
		    "s:s,s:s}", "id", db_val(res, i, 0), "movie", db_val(res, i, 1),
		    "author", db_val(res, i, 2), "rating", db_val(res, i, 3),
		    "review", db_val(res, i, 4), "hidden", db_bool(res, i, 5),
		    "reason", db_val(res, i, 6), "at", db_val(res, i, 7)));
	admin_page(r, 200, "admin/reviews", json_pack("{s:o,s:b}", "items",
	    items, "any", PQntuples(res) > 0));
}

/* POST /admin/reviews/{id}: hide or restore, with a reason. */
void
ratings_admin_moderate(struct request *r)
{
	int64_t	 id;
	int	 rc;

	if (parse_int64(req_capture(r, "id"), &id) == -1 || r->in_errors) {
		resp_error(r, 400, "invalid_input", "choose hide or restore",
		    NULL);
		return;
	}
	rc = ratings_moderate(r->a, id, r->user_id,
	    strcmp(in_str(r, "action"), "hide") == 0, in_str(r, "reason"));
	if (rc < 0)
		db_fail_reply(r, DB_ERROR);
	else if (rc > 0)
		resp_error(r, 404, "not_found", "there is no such review", NULL);
	else
		resp_redirect(r, 303, "/admin/reviews");
}
