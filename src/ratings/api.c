/*
 * The ratings API, the movie page's rating form and helpful votes, and
 * the admin's moderation page.
 */
#include <stdio.h>
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

	if ((movie = catalog_movie_or_reply(r)) == 0)
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

	if ((movie = catalog_movie_or_reply(r)) == 0)
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

	if ((movie = catalog_movie_or_reply(r)) == 0)
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

#define REVIEWS_PER_PAGE	10
#define REVIEWS_MAX_CURSOR	1000000000

static const char *const star_rows[] = { "☆☆☆☆☆", "★☆☆☆☆", "★★☆☆☆",
	"★★★☆☆", "★★★★☆", "★★★★★" };

static int
clamp_stars(json_int_t n)
{
	return n < 0 ? 0 : n > 5 ? 5 : (int)n;
}

static const char *
stars_label(int n)
{
	static const char *const labels[] = { "0 stars", "1 star", "2 stars",
	    "3 stars", "4 stars", "5 stars" };

	return labels[clamp_stars(n)];
}

static const char *
str_or(json_t *v, const char *dflt)
{
	const char	*s = json_string_value(v);

	return s != NULL ? s : dflt;
}

/* "2026-11-28T17:06:12Z" as "28 Nov 2026". */
static const char *
day_label(struct arena *a, const char *ts)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int	 y, m, d;

	if (sscanf(ts, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12)
		return ts;
	return arena_printf(a, "%d %s %d", d, months[m - 1], y);
}

/* The movie page at another order or page of its reviews. */
static const char *
reviews_href(struct arena *a, const char *slug, int helpful, long at)
{
	const char	*q = helpful ? "?order=helpful" : "";

	if (at > 0)
		q = arena_printf(a, "%s%sreviews=%ld", q, helpful ? "&" : "?",
		    at);
	return arena_printf(a, "/movies/%s%s#ratings", url_encode(a, slug), q);
}

/* One bar a star value, 5 down to 1, its width a class (no inline
 * styles under the CSP): the share of all ratings, in steps of 5 %. */
static json_t *
distribution(struct arena *a, json_t *summary)
{
	json_t		*dist = json_object_get(summary, "distribution");
	json_t		*out = json_array();
	json_int_t	 total = json_integer_value(json_object_get(summary,
			    "count"));
	char		 key[2] = { 0, 0 };
	int		 s;

	for (s = 5; s >= 1; s--) {
		json_int_t	 n;
		int		 w;

		key[0] = (char)('0' + s);
		n = json_integer_value(json_object_get(dist, key));
		w = total > 0 ? (int)((n * 100 + total / 2) / total) : 0;
		w = (w + 2) / 5 * 5;
		if (n > 0 && w == 0)
			w = 5;
		json_array_append_new(out, json_pack("{s:i,s:I,s:s,s:s}",
		    "stars", s, "count", n, "label", stars_label(s),
		    "width", arena_printf(a, "rt-w%d", w)));
	}
	return out;
}

/* A Rating shaped for partials/ratings_review. */
static json_t *
review_item(struct request *r, json_t *it, const char *slug)
{
	json_t		*user = json_object_get(it, "user");
	json_int_t	 id = json_integer_value(json_object_get(it, "id"));
	int64_t		 author = json_integer_value(json_object_get(user, "id"));
	int		 stars = clamp_stars(json_integer_value(
			    json_object_get(it, "rating")));
	const char	*review = str_or(json_object_get(it, "review"), "");
	const char	*at = str_or(json_object_get(it, "created_at"), "");

	return json_pack("{s:I,s:s,s:i,s:s,s:s,s:s,s:b,s:b,s:s,s:s,s:I,s:b,"
	    "s:b,s:s}", "id", id, "author", str_or(json_object_get(user,
	    "name"), ""), "stars", stars, "stars_text", star_rows[stars],
	    "stars_label", stars_label(stars), "review", review, "has_review",
	    *review != '\0', "verified", json_is_true(json_object_get(it,
	    "verified_viewer")), "created_at", at, "date", day_label(r->a, at),
	    "helpful_count", json_integer_value(json_object_get(it,
	    "helpful_count")), "can_vote", r->user_id > 0 &&
	    author != r->user_id, "mine", r->user_id > 0 &&
	    author == r->user_id, "vote_action", arena_printf(r->a,
	    "/movies/%s/reviews/%lld/helpful", url_encode(r->a, slug),
	    (long long)id));
}

/* The rating form: the viewer's own rating, if any, filled in. */
static json_t *
rating_form(struct request *r, json_t *mine, const char *slug)
{
	json_t	*choices = json_array(), *form;
	int	 own = clamp_stars(json_integer_value(json_object_get(mine,
		    "rating"))), s;

	for (s = 5; s >= 1; s--)
		json_array_append_new(choices, json_pack("{s:i,s:s,s:s,s:b}",
		    "value", s, "label", stars_label(s), "stars_text",
		    star_rows[s], "checked", s == own));
	form = json_pack("{s:s,s:o,s:s,s:b}", "action", arena_printf(r->a,
	    "/movies/%s/rate", url_encode(r->a, slug)), "choices", choices,
	    "review", str_or(json_object_get(mine, "review"), ""), "update",
	    mine != NULL);
	if (json_is_true(json_object_get(mine, "hidden")))
		json_object_set_new(form, "hidden", json_pack("{s:s}", "reason",
		    str_or(json_object_get(mine, "hidden_reason"), "")));
	return form;
}

/*
 * The movie page's ratings section, from its query: ?order=helpful,
 * ?reviews=<cursor>, and ?rated=1 or ?rating_error=1 after the form.
 */
json_t *
ratings_page_context(struct request *r, int64_t movie, const char *slug)
{
	const char	*order = req_query(r, "order");
	int		 helpful = order != NULL && strcmp(order, "helpful") == 0;
	int64_t		 at;
	json_t		*list, *summary, *items, *it, *ctx;
	json_int_t	 count;
	size_t		 i;

	if (parse_int64(req_query(r, "reviews"), &at) == -1 || at < 0 ||
	    at > REVIEWS_MAX_CURSOR)
		at = 0;
	if ((list = ratings_list(r->a, movie, REVIEWS_PER_PAGE, (long)at,
	    helpful ? "helpful" : "newest", r->user_id)) == NULL)
		return NULL;
	summary = json_object_get(list, "summary");
	count = json_integer_value(json_object_get(summary, "count"));
	items = json_array();
	json_array_foreach(json_object_get(list, "items"), i, it)
		json_array_append_new(items, review_item(r, it, slug));
	ctx = json_pack("{s:b,s:s,s:I,s:b,s:o,s:b,s:o,s:b,s:b,s:s,s:s}",
	    "any", count > 0, "average", arena_printf(r->a, "%.1f",
	    json_number_value(json_object_get(summary, "average"))),
	    "count", count, "one", count == 1,
	    "distribution", distribution(r->a, summary),
	    "any_items", json_array_size(items) > 0, "items", items,
	    "newest", !helpful, "helpful", helpful,
	    "newest_href", reviews_href(r->a, slug, 0, 0),
	    "helpful_href", reviews_href(r->a, slug, 1, 0));
	if (json_is_string(json_object_get(list, "next_cursor")))
		json_object_set_new(ctx, "next_href", json_string(reviews_href(
		    r->a, slug, helpful, at + REVIEWS_PER_PAGE)));
	if (at > 0)
		json_object_set_new(ctx, "prev_href", json_string(reviews_href(
		    r->a, slug, helpful, at > REVIEWS_PER_PAGE ?
		    at - REVIEWS_PER_PAGE : 0)));
	json_object_set_new(ctx, "pager", json_boolean(at > 0 ||
	    json_object_get(ctx, "next_href") != NULL));
	if (r->session != NULL)
		json_object_set_new(ctx, "form", rating_form(r,
		    json_object_get(list, "mine"), slug));
	else
		json_object_set_new(ctx, "login_href", json_string(arena_printf(
		    r->a, "/login?next=%s", url_encode(r->a, arena_printf(r->a,
		    "/movies/%s#ratings", slug)))));
	json_object_set_new(ctx, "rated", json_boolean(req_query(r,
	    "rated") != NULL));
	json_object_set_new(ctx, "error", json_boolean(req_query(r,
	    "rating_error") != NULL));
	json_decref(list);
	return ctx;
}

/* POST /movies/{movie}/rate: the movie page's form (add or change). */
void
ratings_page_save(struct request *r)
{
	int64_t		 movie, id;
	const char	*slug = req_capture(r, "movie");
	enum rating_rc	 rc;

	if ((movie = catalog_movie_or_reply(r)) == 0)
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
	int	 rc = 1;

	if (parse_int64(req_capture(r, "id"), &id) == 0)
		rc = ratings_vote(r->a, id, r->user_id);
	if (rc < 0) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	if (rc > 0) {
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
