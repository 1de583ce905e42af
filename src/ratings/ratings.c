/*
 * Ratings: saving, listing, votes and moderation.  Each change moves the
 * rating in or out of the movie's summary in the same transaction
 * (movie_rating_apply(), a relative update of the movie row), so the
 * count and average stay exact however many people rate at once.
 */
#include <string.h>

#include "admin/admin.h"
#include "catalog/catalog.h"
#include "core/arena.h"
#include "ratings/ratings.h"
#include "store/db.h"

struct save {
	int64_t		 movie, user, id;
	int		 add, stars;
	const char	*review;
	enum rating_rc	 rc;
};

static int
save_tx(struct arena *a, void *ctx)
{
	struct save	*s = ctx;
	const char	*mid = db_id(a, s->movie), *uid = db_id(a, s->user);
	PGresult	*res;

	if (s->add) {
		res = db_q(a, "INSERT INTO ratings (movie_id, user_id, rating, "
		    "review) VALUES ($1, $2, $3, coalesce($4, '')) "
		    "ON CONFLICT (movie_id, user_id) DO NOTHING RETURNING id", 4,
		    mid, uid, arena_printf(a, "%d", s->stars), s->review);
		if (res == NULL)
			return -1;
		if (PQntuples(res) == 0)
			return (s->rc = RATING_ALREADY), DB_ABORT;
		s->id = db_int(res, 0, 0);
		return db_q(a, "SELECT movie_rating_apply($1, $2, 1)", 2, mid,
		    arena_printf(a, "%d", s->stars)) ? 0 : -1;
	}
	res = db_q(a, "SELECT id, rating, hidden_at IS NULL FROM ratings WHERE "
	    "movie_id = $1 AND user_id = $2 FOR UPDATE", 2, mid, uid);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return (s->rc = RATING_NONE), DB_ABORT;
	s->id = db_int(res, 0, 0);
	if (s->stars > 0 && db_bool(res, 0, 2) &&
	    (!db_q(a, "SELECT movie_rating_apply($1, $2, -1)", 2, mid,
	    db_val(res, 0, 1)) || !db_q(a, "SELECT movie_rating_apply($1, $2, 1)",
	    2, mid, arena_printf(a, "%d", s->stars))))
		return -1;
	return db_q(a, "UPDATE ratings SET rating = coalesce(nullif($2, 0), "
	    "rating), review = coalesce($3, review), updated_at = now() "
	    "WHERE id = $1", 3, db_id(a, s->id), arena_printf(a, "%d", s->stars),
	    s->review) ? 0 : -1;
}

enum rating_rc
ratings_save(struct arena *a, int64_t movie, int64_t user, int add,
    int stars, const char *review, int64_t *id)
{
	struct save	 s;
	int		 rc;

	memset(&s, 0, sizeof(s));
	s.movie = movie;
	s.user = user;
	s.add = add;
	s.stars = stars;
	s.review = review;
	rc = db_tx(a, DB_READ_COMMITTED, save_tx, &s);
	*id = s.id;
	if (rc == DB_OK) {
		catalog_movie_changed(a, movie);  /* listings show the average */
		return RATING_OK;
	}
	return rc == DB_ABORT ? s.rc : RATING_DB;
}

json_t *
ratings_summary(struct arena *a, int64_t movie)
{
	PGresult	*res = db_q(a, "SELECT movie_rating_json($1)", 1,
			    db_id(a, movie));

	if (res == NULL || PQntuples(res) != 1)
		return NULL;
	return db_json(res, 0, 0);
}

json_t *
ratings_list(struct arena *a, int64_t movie, int limit, long offset,
    const char *order, int64_t viewer)
{
	PGresult	*res;
	json_t		*items, *summary, *r, *mine = NULL;
	int		 i;

	res = db_q(a, strcmp(order, "helpful") == 0 ?
	    "SELECT rating_json(id) FROM ratings WHERE movie_id = $1 AND "
	    "hidden_at IS NULL ORDER BY helpful_count DESC, id DESC "
	    "LIMIT $2::int + 1 OFFSET $3::int" :
	    "SELECT rating_json(id) FROM ratings WHERE movie_id = $1 AND "
	    "hidden_at IS NULL ORDER BY created_at DESC, id DESC "
	    "LIMIT $2::int + 1 OFFSET $3::int", 3, db_id(a, movie),
	    arena_printf(a, "%d", limit), arena_printf(a, "%ld", offset));
	if (res == NULL || (summary = ratings_summary(a, movie)) == NULL)
		return NULL;
	items = json_array();
	for (i = 0; i < PQntuples(res) && i < limit; i++)
		if ((r = db_json(res, i, 0)) != NULL)
			json_array_append_new(items, r);
	if (viewer > 0) {
		PGresult *m = db_q(a, "SELECT rating_json(id), hidden_at IS NOT "
		    "NULL, coalesce(hidden_reason, '') FROM ratings WHERE "
		    "movie_id = $1 AND user_id = $2", 2, db_id(a, movie),
		    db_id(a, viewer));

		if (m != NULL && PQntuples(m) == 1 &&
		    (mine = db_json(m, 0, 0)) != NULL &&
		    db_bool(m, 0, 1)) {
			json_object_set_new(mine, "hidden", json_true());
			json_object_set_new(mine, "hidden_reason",
			    json_string(db_val(m, 0, 2)));
		}
	}
	r = json_pack("{s:o,s:o,s:o}", "summary", summary, "items", items,
	    "next_cursor", PQntuples(res) > limit ?
	    json_sprintf("%ld", offset + limit) : json_null());
	if (mine != NULL)
		json_object_set_new(r, "mine", mine);
	return r;
}

struct moderate {
	int64_t		 rating, admin;
	int		 hide, found;
	const char	*reason;
};

static int
moderate_tx(struct arena *a, void *ctx)
{
	struct moderate	*m = ctx;
	PGresult	*res;
	json_t		*before, *after;
	int		 rc;

	res = db_q(a, "SELECT movie_id, rating, hidden_at IS NOT NULL FROM "
	    "ratings WHERE id = $1 FOR UPDATE", 1, db_id(a, m->rating));
	if (res == NULL)
		return -1;
	if ((m->found = PQntuples(res)) == 0)
		return DB_ABORT;
	if (db_bool(res, 0, 2) == m->hide)
		return 0;	/* already so */
	if (!db_q(a, "UPDATE ratings SET hidden_at = CASE WHEN $2 THEN now() END, "
	    "hidden_reason = CASE WHEN $2 THEN $3 END, hidden_by = $4 "
	    "WHERE id = $1", 4, db_id(a, m->rating), m->hide ? "true" : "false",
	    m->reason, db_id(a, m->admin)) ||
	    !db_q(a, "SELECT movie_rating_apply($1, $2, $3)", 3,
	    db_val(res, 0, 0), db_val(res, 0, 1), m->hide ? "-1" : "1"))
		return -1;
	before = json_pack("{s:b}", "hidden", !m->hide);
	after = json_pack("{s:b,s:s}", "hidden", m->hide, "reason",
	    m->reason ? m->reason : "");
	rc = audit_write(a, m->admin, m->hide ? "review.hide" : "review.restore",
	    "rating", db_id(a, m->rating), before, after);
	json_decref(before);
	json_decref(after);
	return rc;
}

int
ratings_moderate(struct arena *a, int64_t rating, int64_t admin, int hide,
    const char *reason)
{
	struct moderate	 m = { rating, admin, hide, 0, reason };
	int		 rc = db_tx(a, DB_READ_COMMITTED, moderate_tx, &m);
	PGresult	*res;

	if (rc == DB_OK) {
		res = db_q(a, "SELECT movie_id FROM ratings WHERE id = $1", 1,
		    db_id(a, rating));
		if (res != NULL && PQntuples(res) == 1)
			catalog_movie_changed(a, db_int(res, 0, 0));
		return 0;
	}
	return rc == DB_ABORT && !m.found ? 1 : -1;
}

int
ratings_vote(struct arena *a, int64_t rating, int64_t user)
{
	PGresult	*res;

	res = db_q(a, "SELECT 1 FROM ratings WHERE id = $1 AND hidden_at IS NULL",
	    1, db_id(a, rating));
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return 1;
	return db_q(a, "WITH v AS (INSERT INTO rating_votes (rating_id, user_id) "
	    "SELECT id, $2 FROM ratings WHERE id = $1 AND user_id <> $2 "
	    "ON CONFLICT DO NOTHING RETURNING rating_id) UPDATE ratings r SET "
	    "helpful_count = helpful_count + 1 FROM v WHERE r.id = v.rating_id",
	    2, db_id(a, rating), db_id(a, user)) ? 0 : -1;
}
