#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "catalog/pages.h"
#include "core/config.h"
#include "core/request.h"
#include "store/cache.h"
#include "store/db.h"

#define HOME_KEY	"home"

static const char home_sql[] =
    "SELECT m.slug, m.title, m.poster_url, m.content_rating, "
    "  m.duration_minutes, to_char(m.release_date, 'YYYY-MM-DD'), "
    "  m.release_date <= current_date AS now_showing, "
    "  coalesce(string_agg(g.name, ', ' ORDER BY g.name), ''), "
    "  m.rating_count, to_char(round(m.rating_sum::numeric / "
    "    nullif(m.rating_count, 0), 1), 'FM0.0') "
    "FROM ((SELECT id FROM movies WHERE deleted_at IS NULL "
    "        AND release_date <= current_date "
    "        ORDER BY release_date DESC, title LIMIT 24) "
    "      UNION ALL (SELECT id FROM movies WHERE deleted_at IS NULL "
    "        AND release_date > current_date "
    "        ORDER BY release_date DESC, title LIMIT 12)) pick "
    "JOIN movies m ON m.id = pick.id "
    "LEFT JOIN movie_genres mg ON mg.movie_id = m.id "
    "LEFT JOIN genres g ON g.id = mg.genre_id "
    "GROUP BY m.id ORDER BY m.release_date DESC, m.title";

/* Reads the lists from PostgreSQL: {"now_showing": [...], "coming_soon": [...]} */
static json_t *
load_lists(struct arena *a)
{
	PGresult	*res = db_q(a, home_sql, 0);
	json_t		*now, *soon, *m;
	int		 i;

	if (res == NULL)
		return NULL;
	now = json_array();
	soon = json_array();
	for (i = 0; i < PQntuples(res); i++) {
		m = json_pack("{s:s,s:s,s:s?,s:s,s:i,s:s,s:s}",
		    "slug", db_val(res, i, 0), "title", db_val(res, i, 1),
		    "poster_url", db_val(res, i, 2),
		    "content_rating", db_val(res, i, 3),
		    "duration_minutes", (int)db_int(res, i, 4),
		    "release_date", db_val(res, i, 5),
		    "genres", db_val(res, i, 7));
		if (db_int(res, i, 8) > 0)
			json_object_set_new(m, "rating", json_pack("{s:s,s:I}",
			    "average", db_val(res, i, 9), "count",
			    (json_int_t)db_int(res, i, 8)));
		json_array_append_new(db_bool(res, i, 6) ? now : soon, m);
	}
	return json_pack("{s:o,s:o}", "now_showing", now, "coming_soon", soon);
}

json_t *
catalog_home_lists(struct arena *a)
{
	const char	*key = cache_gen_key(a, CATALOG_NS, HOME_KEY);
	char		*cached, *text;
	json_t		*lists;
	size_t		 len;

	if ((cached = cache_get(a, key, &len)) != NULL &&
	    (lists = json_loadb(cached, len, 0, NULL)) != NULL)
		return lists;
	if ((lists = load_lists(a)) == NULL)
		return NULL;
	if ((text = json_dumps(lists, JSON_COMPACT)) != NULL) {
		cache_set(key, text, strlen(text), cfg.cache_ttl);
		free(text);
	}
	return lists;
}

/* GET /: now showing and coming soon. */
void
catalog_home(struct request *r)
{
	json_t	*lists = catalog_home_lists(r->a);

	if (lists == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	json_object_set_new(lists, "any_now_showing", json_boolean(
	    json_array_size(json_object_get(lists, "now_showing")) > 0));
	json_object_set_new(lists, "any_coming_soon", json_boolean(
	    json_array_size(json_object_get(lists, "coming_soon")) > 0));
	json_object_set_new(lists, "filters", catalog_filter_form(r->a));
	resp_page(r, 200, "pages/home", lists);
}
