/*
 * Lookups shared by the catalog's handlers and pages, and the pure
 * helpers (slugs, layouts) that the unit tests exercise.
 */
#include <ctype.h>
#include <string.h>

#include <sodium.h>

#include "admin/admin.h"
#include "catalog/catalog.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/request.h"
#include "core/response.h"
#include "core/util.h"
#include "store/cache.h"
#include "store/pagecache.h"
#include "store/db.h"

#define LAYOUT_MAX_ROWS		52
#define LAYOUT_MAX_COLS		100

static int
all_digits(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789") == strlen(s) &&
	    strlen(s) < 19;
}

static int64_t
ref_lookup(struct arena *a, const char *table, const char *ref)
{
	PGresult	*res;
	const char	*sql;

	if (all_digits(ref))
		sql = strcmp(table, "movies") == 0 ?
		    "SELECT id FROM movies WHERE id = $1::bigint AND deleted_at IS NULL" :
		    "SELECT id FROM theatres WHERE id = $1::bigint AND deleted_at IS NULL";
	else
		sql = strcmp(table, "movies") == 0 ?
		    "SELECT id FROM movies WHERE slug = $1 AND deleted_at IS NULL" :
		    "SELECT id FROM theatres WHERE slug = $1 AND deleted_at IS NULL";
	if ((res = db_q(a, sql, 1, ref)) == NULL)
		return -1;
	return PQntuples(res) == 1 ? db_int(res, 0, 0) : 0;
}

int64_t
catalog_movie_ref(struct arena *a, const char *ref)
{
	return ref_lookup(a, "movies", ref);
}

int64_t
catalog_theatre_ref(struct arena *a, const char *ref)
{
	return ref_lookup(a, "theatres", ref);
}

static json_t *
object_json(struct arena *a, const char *sql, int64_t id)
{
	PGresult	*res = db_q(a, sql, 1, db_id(a, id));

	if (res == NULL || PQntuples(res) != 1)
		return NULL;
	return db_json(res, 0, 0);
}

/* Resolves a path capture with lookup; 0 after answering 404 or 503. */
static int64_t
ref_or_reply(struct request *r, const char *capture,
    int64_t (*lookup)(struct arena *, const char *), const char *what)
{
	int64_t	 id = lookup(r->a, req_capture(r, capture));

	if (id < 0)
		db_fail_reply(r, DB_ERROR);
	else if (id == 0)
		resp_error(r, 404, "not_found", arena_printf(r->a,
		    "there is no such %s", what), NULL);
	return id > 0 ? id : 0;
}

int64_t
catalog_movie_or_reply(struct request *r)
{
	return ref_or_reply(r, "movie", catalog_movie_ref, "movie");
}

int64_t
catalog_theatre_or_reply(struct request *r)
{
	return ref_or_reply(r, "theatre", catalog_theatre_ref, "theatre");
}

json_t *
catalog_movie_json(struct arena *a, int64_t id)
{
	return object_json(a, "SELECT movie_json($1)", id);
}

json_t *
catalog_theatre_json(struct arena *a, int64_t id)
{
	return object_json(a, "SELECT theatre_json($1)", id);
}

json_t *
catalog_showtime_json(struct arena *a, int64_t id)
{
	return object_json(a, "SELECT showtime_json($1)", id);
}

char *
slugify(struct arena *a, const char *s)
{
	size_t	 n = strlen(s), o = 0, i;
	char	*out = arena_alloc(a, n + 1);
	int	 dash = 0;

	for (i = 0; i < n && o < 80; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum(c) && c < 128) {
			if (dash && o > 0)
				out[o++] = '-';
			dash = 0;
			out[o++] = (char)tolower(c);
		} else
			dash = 1;
	}
	while (o > 0 && out[o - 1] == '-')
		o--;
	out[o] = '\0';
	return o ? out : arena_strdup(a, "untitled");
}

const char *
layout_problem(json_t *rows, int *capacity)
{
	size_t		 i, j, len;
	const char	*row;
	int		 seats = 0;

	if (!json_is_array(rows) || json_array_size(rows) == 0)
		return "must be a list of row strings, front row first";
	if (json_array_size(rows) > LAYOUT_MAX_ROWS)
		return "may have at most 52 rows";
	for (i = 0; i < json_array_size(rows); i++) {
		if ((row = json_string_value(json_array_get(rows, i))) == NULL)
			return "rows must be strings such as \"ss.sss.ss\"";
		if ((len = strlen(row)) == 0 || len > LAYOUT_MAX_COLS)
			return "each row must have 1 to 100 positions";
		for (j = 0; j < len; j++) {
			if (strchr("spwc.", row[j]) == NULL)
				return "use only s (standard), p (premium), "
				    "w (wheelchair), c (companion) and . (gap)";
			seats += row[j] != '.';
		}
	}
	if (seats == 0)
		return "must have at least one seat";
	*capacity = seats;
	return NULL;
}

void
catalog_changed(struct arena *a)
{
	PGresult	*res;
	const char	**paths;
	int		 i;

	cache_bump(CATALOG_NS);
	cache_delete("page:/");
	/* Pages of what is listed, and of what was removed or renamed lately
	 * (the change itself comes through here): the slugs it had before. */
	res = db_q(a, "SELECT '/movies/' || slug FROM movies "
	    "WHERE deleted_at IS NULL OR deleted_at > now() - interval '1 hour' "
	    "UNION SELECT '/theatres/' || slug FROM theatres "
	    "WHERE deleted_at IS NULL OR deleted_at > now() - interval '1 hour' "
	    "UNION SELECT CASE object_type WHEN 'movie' THEN '/movies/' "
	    "  ELSE '/theatres/' END || (before->>'slug') FROM audit_log "
	    "WHERE created_at > now() - interval '1 hour' "
	    "  AND object_type IN ('movie', 'theatre') "
	    "  AND before->>'slug' IS DISTINCT FROM after->>'slug' "
	    "  AND before->>'slug' IS NOT NULL", 0);
	if (res == NULL || PQntuples(res) == 0)
		return;
	paths = arena_alloc(a, (size_t)PQntuples(res) * sizeof(*paths));
	for (i = 0; i < PQntuples(res); i++)
		paths[i] = db_val(res, i, 0);
	page_cache_purge(a, paths, (size_t)PQntuples(res));
}

void
catalog_movie_changed(struct arena *a, int64_t movie)
{
	PGresult	*res;

	cache_bump(CATALOG_NS);
	cache_delete("page:/");
	res = db_q(a, "SELECT slug FROM movies WHERE id = $1", 1,
	    db_id(a, movie));
	if (res != NULL && PQntuples(res) == 1)
		page_cache_purge(a, (const char *[]){ arena_printf(a,
		    "/movies/%s", db_val(res, 0, 0)) }, 1);
}

int
catalog_remove(struct arena *a, const struct catalog_removal *rm, int64_t id,
    int64_t actor, json_t **before, const char **conflict)
{
	PGresult	*res;

	*conflict = NULL;
	if ((res = db_q(a, rm->sold_sql, 1, db_id(a, id))) == NULL)
		return -1;
	if (db_bool(res, 0, 0)) {
		*conflict = "has_future_bookings";
		return DB_ABORT;
	}
	if ((*before = rm->object(a, id)) == NULL)
		return -1;
	arena_defer(a, (void (*)(void *))json_decref, *before);
	if (!db_q(a, rm->hide_sql, 1, db_id(a, id)) ||
	    !db_q(a, rm->cancel_sql, 1, db_id(a, id)))
		return -1;
	return audit_write(a, actor, rm->action, rm->type, db_id(a, id),
	    *before, NULL);
}

char *
catalog_answer_key(struct request *r, const char *kind, const char *ref)
{
	crypto_generichash_state st;
	unsigned char		 h[16];
	char			 hex[2 * sizeof(h) + 1], *in;

	in = r->in != NULL ? json_dumps(r->in, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY) : NULL;
	if (r->in != NULL && in == NULL)
		return NULL;		/* no key: not cached */
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	/* The reference marked present or absent, each part with its NUL:
	 * no part can pass for another. */
	crypto_generichash_update(&st, (const unsigned char *)(ref ? "+" : "-"),
	    1);
	if (ref != NULL)
		crypto_generichash_update(&st, (const unsigned char *)ref,
		    strlen(ref) + 1);
	if (in != NULL)
		crypto_generichash_update(&st, (const unsigned char *)in,
		    strlen(in) + 1);
	crypto_generichash_final(&st, h, sizeof(h));
	arena_json_free(in);
	hex_encode(hex, h, sizeof(h));
	return cache_gen_key(r->a, CATALOG_NS, arena_printf(r->a, "%s:%s",
	    kind, hex));
}

int
catalog_answer_cached(struct request *r, const char *key)
{
	char	*hit;
	size_t	 len;

	if (key == NULL || (hit = cache_get(r->a, key, &len)) == NULL)
		return 0;
	resp_text(r, 200, "application/json; charset=utf-8", hit, len);
	resp_header(r, "X-Cache", "hit");
	return 1;
}

void
catalog_answer_keep(struct request *r, const char *key)
{
	if (key != NULL && r->resp.status == 200 && r->resp.body->len > 0 &&
	    cfg.page_ttl > 0)
		cache_set(key, r->resp.body->data, r->resp.body->len,
		    cfg.page_ttl);
}
