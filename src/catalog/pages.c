/*
 * The customer's catalog pages: search results, a movie with its
 * showtimes by theatre, and a theatre with its showtimes by movie.
 * Every time is shown in the theatre's own zone.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog/catalog.h"
#include "catalog/pages.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/request.h"
#include "core/util.h"
#include "ratings/ratings.h"
#include "store/cache.h"
#include "store/db.h"

#define FILTERS_KEY	"filters"
#define SEARCH_LIMIT	20
#define DAYS_SHOWN	7
#define SQL_NUM(n)	#n
#define SQL_INT(n)	SQL_NUM(n)
/* The day links from t.d, "today" (see day_links); $1 the chosen date. */
#define DAY_LINKS_SELECT \
	"SELECT to_char(d + n, 'YYYY-MM-DD'), CASE n WHEN 0 THEN 'Today' " \
	"  WHEN 1 THEN 'Tomorrow' ELSE to_char(d + n, 'Dy FMDD Mon') END, " \
	"  to_char(coalesce($1::date, d), 'FMDay FMDD FMMonth YYYY'), " \
	"  to_char(d, 'YYYY-MM-DD') " \
	"FROM t, generate_series(0, " SQL_INT(DAYS_SHOWN) " - 1) n ORDER BY n"

/*
 * Trailer addresses whose video plays on the page, and the player each
 * stands for: YouTube's (through its no-cookie host) and Vimeo's, as
 * people paste them (watch pages, short links, embed addresses).  The
 * video id follows the prefix, up to "?", "&", "#" or "/".  A player's
 * own address keeps what follows the id (Vimeo's "?h=" of an unlisted
 * video, YouTube's "?start=" or a playlist); from a page's address only
 * the id is taken.
 */
static const struct embed_form {
	const char	*prefix;
	const char	*player;
	const char	*id_chars;	/* what an id is made of */
	size_t		 id_min, id_max;
	int		 keep_rest;
} embed_forms[] = {
#define YT_ID	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
#define YT	"https://www.youtube-nocookie.com/embed/"
#define VM	"https://player.vimeo.com/video/"
	{ YT, YT, YT_ID, 1, 64, 1 },
	{ "https://www.youtube.com/embed/", YT, YT_ID, 1, 64, 1 },
	{ "https://www.youtube.com/watch?v=", YT, YT_ID, 11, 11, 0 },
	{ "https://youtube.com/watch?v=", YT, YT_ID, 11, 11, 0 },
	{ "https://m.youtube.com/watch?v=", YT, YT_ID, 11, 11, 0 },
	{ "https://youtu.be/", YT, YT_ID, 11, 11, 0 },
	{ VM, VM, "0123456789", 1, 12, 1 },
	{ "https://vimeo.com/", VM, "0123456789", 1, 12, 0 },
#undef VM
#undef YT
#undef YT_ID
};

/* The player address of a trailer address, or NULL: not one we embed. */
static const char *
trailer_player(struct arena *a, const char *url)
{
	const struct embed_form	*f;
	size_t			 i, n, len;

	for (i = 0; url != NULL && i < sizeof(embed_forms) /
	    sizeof(embed_forms[0]); i++) {
		f = &embed_forms[i];
		len = strlen(f->prefix);
		if (strncmp(url, f->prefix, len) != 0)
			continue;
		n = strspn(url + len, f->id_chars);
		/* (strchr finds the terminating NUL too: the id may end it) */
		if (n < f->id_min || n > f->id_max ||
		    strchr("?&#/", url[len + n]) == NULL)
			return NULL;
		return arena_printf(a, "%s%.*s", f->player, (int)(f->keep_rest ?
		    strlen(url + len) : n), url + len);
	}
	return NULL;
}

static const char *const statuses[] = { "now_showing", "coming_soon", NULL };
static const char *const status_labels[] = { "Now showing", "Coming soon",
	NULL };

const struct field catalog_day_query[] = {
	{ "date", FT_DATE, 0, 0, 0, NULL, NULL },
	{ "city", FT_STRING, 0, 0, 100, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const char filters_sql[] =
    "SELECT coalesce((SELECT json_agg(json_build_object('slug', g.slug, "
    "  'name', g.name) ORDER BY g.name) FROM genres g "
    "  WHERE g.live_movies > 0), '[]'), "
    "coalesce((SELECT json_agg(DISTINCT city ORDER BY city) FROM theatres "
    "  WHERE deleted_at IS NULL), '[]')";

/* {"genres": [{slug, name}], "cities": [...]}: cached, else read. */
static json_t *
filter_options(struct arena *a)
{
	const char	*key = cache_gen_key(a, CATALOG_NS, FILTERS_KEY);
	char		*cached, *text;
	json_t		*opts;
	PGresult	*res;
	size_t		 len;

	if (key != NULL && (cached = cache_get(a, key, &len)) != NULL &&
	    (opts = json_loadb(cached, len, 0, NULL)) != NULL)
		return opts;
	if ((res = db_q(a, filters_sql, 0)) == NULL)
		return json_pack("{s:[],s:[]}", "genres", "cities");
	opts = json_pack("{s:o,s:o}", "genres", db_json(res, 0, 0),
	    "cities", db_json(res, 0, 1));
	if (key != NULL && (text = json_dumps(opts, JSON_COMPACT)) != NULL) {
		cache_set(key, text, strlen(text), cfg.cache_ttl);
		arena_json_free(text);
	}
	return opts;
}

/* slug -> name of every genre in the options. */
static json_t *
genre_names(json_t *opts)
{
	json_t	*names = json_object(), *g;
	size_t	 i;

	json_array_foreach(json_object_get(opts, "genres"), i, g)
		json_object_set(names, json_string_value(json_object_get(g,
		    "slug")), json_object_get(g, "name"));
	return names;
}

/* The filter form's choices with in's values selected (in may be NULL). */
static json_t *
filter_form(json_t *opts, json_t *in)
{
	const char	*genre = json_string_value(json_object_get(in, "genre"));
	const char	*city = json_string_value(json_object_get(in, "city"));
	json_t		*genres = json_array(), *cities = json_array(), *g;
	const char	*v;
	size_t		 i;

	json_array_foreach(json_object_get(opts, "genres"), i, g) {
		v = json_string_value(json_object_get(g, "slug"));
		json_array_append_new(genres, json_pack("{s:s,s:O,s:b}",
		    "value", v, "label", json_object_get(g, "name"),
		    "selected", genre != NULL && strcmp(genre, v) == 0));
	}
	json_array_foreach(json_object_get(opts, "cities"), i, g) {
		v = json_string_value(g);
		json_array_append_new(cities, json_pack("{s:s,s:s,s:b}",
		    "value", v, "label", v, "selected", city != NULL &&
		    strcasecmp(city, v) == 0));
	}
	return json_pack("{s:o,s:o,s:o}", "genres", genres, "cities", cities,
	    "statuses", page_options(statuses, status_labels,
	    json_string_value(json_object_get(in, "status"))));
}

/* "/search?q=..&genre=..": the current filters, at another cursor. */
static const char *
search_href(struct request *r, long long cursor)
{
	static const char *const keys[] = { "q", "genre", "city", "date",
	    "status", NULL };
	const char	*href = "/search?", *v;
	size_t		 i;

	for (i = 0; keys[i] != NULL; i++)
		if ((v = in_str(r, keys[i])) != NULL && *v != '\0')
			href = arena_printf(r->a, "%s%s=%s&", href, keys[i],
			    url_encode(r->a, v));
	if (in_has(r, "limit"))
		href = arena_printf(r->a, "%slimit=%lld&", href,
		    (long long)in_int(r, "limit"));
	return cursor > 0 ? arena_printf(r->a, "%scursor=%lld", href, cursor) :
	    arena_strndup(r->a, href, strlen(href) - 1);
}

/* GET /search?q=&genre=&city=&date=&status=&cursor= */
void
catalog_page_search(struct request *r)
{
	json_t		*opts = filter_options(r->a), *in = json_copy(r->in);
	json_t		*names, *list, *m;
	const char	*cursor = in_str(r, "cursor");
	long long	 at = cursor ? atoll(cursor) : 0;
	long long	 limit = in_has(r, "limit") ? in_int(r, "limit") :
			    SEARCH_LIMIT;
	int		 dberr;
	size_t		 i;

	json_object_set_new(in, "limit", json_integer(limit));
	list = catalog_movie_search(r->a, in, &dberr);
	json_decref(in);
	if (list == NULL) {
		json_decref(opts);
		db_fail_reply(r, DB_ERROR);
		return;
	}
	names = genre_names(opts);
	json_array_foreach(json_object_get(list, "items"), i, m)
		page_movie_card(r->a, m, names);
	json_decref(names);
	json_object_set_new(list, "any", json_boolean(json_array_size(
	    json_object_get(list, "items")) > 0));
	if (json_is_string(json_object_get(list, "next_cursor")))
		json_object_set_new(list, "next_href", json_string(search_href(r,
		    atoll(json_string_value(json_object_get(list,
		    "next_cursor"))))));
	if (at > 0)
		json_object_set_new(list, "prev_href", json_string(search_href(r,
		    at > limit ? at - limit : 0)));
	json_object_set_new(list, "filters", filter_form(opts, r->in));
	json_object_set_new(list, "form", page_form_values(r, (const char *[]){
	    "q", "date", NULL }));
	json_object_set_new(list, "errors", page_form_errors(r));
	json_object_set(list, "search_q", json_object_get(json_object_get(
	    list, "form"), "q"));
	json_decref(opts);
	resp_page(r, r->in_errors ? 400 : 200, "pages/search", list);
}

/*
 * The date links of a showtimes page (base: the address up to "date=")
 * for DAYS_SHOWN days from today in zone tz (NULL: the earliest "today"
 * of any theatre), the chosen one marked.
 * Sets *date to the chosen date (today when none).  NULL on failure.
 */
static json_t *
day_links(struct request *r, const char *base, const char *tz,
    const char **date)
{
	PGresult	*res;
	json_t		*days;
	int		 i;

	/*
	 * Two statements, not one with "CASE WHEN $1 IS NULL": PostgreSQL
	 * planned that one again on every call (an optional parameter makes
	 * each custom plan look cheaper than the generic one).
	 */
	if (tz == NULL)
		res = db_q(r->a, "WITH t AS (SELECT coalesce(min((now() AT TIME "
		    "ZONE timezone)::date), current_date) AS d FROM theatres "
		    "WHERE deleted_at IS NULL) " DAY_LINKS_SELECT, 1, *date);
	else
		res = db_q(r->a, "WITH t AS (SELECT (now() AT TIME ZONE "
		    "$2::text)::date AS d) " DAY_LINKS_SELECT, 2, *date, tz);
	if (res == NULL || PQntuples(res) == 0)
		return NULL;
	if (*date == NULL)
		*date = arena_strdup(r->a, db_val(res, 0, 3));
	days = json_array();
	for (i = 0; i < PQntuples(res); i++)
		json_array_append_new(days, json_pack("{s:s,s:s,s:s,s:b}",
		    "date", db_val(res, i, 0), "label", db_val(res, i, 1),
		    "href", arena_printf(r->a, "%sdate=%s", base,
		    db_val(res, i, 0)), "current",
		    strcmp(db_val(res, i, 0), *date) == 0));
	return json_pack("{s:o,s:s}", "days", days, "day_title",
	    db_val(res, 0, 2));
}

/* Adds the labels for people to every showtime of every group. */
static void
label_groups(struct arena *a, json_t *groups)
{
	json_t	*g, *s;
	size_t	 i, j;

	json_array_foreach(groups, i, g)
		json_array_foreach(json_object_get(g, "showtimes"), j, s)
			page_showtime_labels(a, s);
}

/* The movie's details shaped for the page. */
static void
movie_details(struct request *r, json_t *m, json_t *names)
{
	const char	*trailer = json_string_value(json_object_get(m,
			    "trailer_url"));
	json_int_t	 mins = json_integer_value(json_object_get(m,
			    "duration_minutes"));
	json_t		*genres = json_array(), *g;
	const char	*player = trailer_player(r->a, trailer);
	size_t		 i;

	if (player != NULL)
		json_object_set_new(m, "trailer_player", json_string(player));
	json_object_set_new(m, "trailer_file", json_boolean(
	    uploads_trailer_file(trailer)));
	json_object_set_new(m, "duration_label", json_string(mins >= 60 ?
	    arena_printf(r->a, "%lld h %02lld min", (long long)mins / 60,
	    (long long)mins % 60) : arena_printf(r->a, "%lld min",
	    (long long)mins)));
	json_array_foreach(json_object_get(m, "genres"), i, g)
		json_array_append_new(genres, json_pack("{s:O,s:O}", "slug", g,
		    "name", json_object_get(names, json_string_value(g)) ?
		    json_object_get(names, json_string_value(g)) : g));
	json_object_set_new(m, "genre_list", genres);
	json_object_set_new(m, "any_cast", json_boolean(json_array_size(
	    json_object_get(m, "cast")) > 0));
	json_object_set_new(m, "stars", page_rating(m));
}

/*
 * A page is kept whole for nginx under its path (page_cache_key) and
 * purged under its slug's path: asked as /movies/42 or /movies/x/, it is
 * rendered but not kept, or a catalog change could not reach it.
 */
static void
keep_canonical(struct request *r, const char *prefix, const char *slug)
{
	size_t	 n = strlen(prefix);

	if (slug == NULL || strncmp(r->path, prefix, n) != 0 ||
	    strcmp(r->path + n, slug) != 0)
		r->resp.not_whole = 1;
}

/* Resolves a {movie} or {theatre} capture: the id, or 0 after a reply. */
static int64_t
ref_or_reply(struct request *r, int64_t id, const char *what)
{
	if (id < 0)
		db_fail_reply(r, DB_ERROR);
	else if (id == 0)
		resp_error(r, 404, "not_found", arena_printf(r->a,
		    "there is no such %s; it may have been removed", what), NULL);
	return id > 0 ? id : 0;
}

/*
 * Without a ?date, "today" is each theatre's own (the listings are read
 * that way): the first date link points at the page without a date.
 */
static void
each_today(struct request *r, json_t *days, const char *base)
{
	json_object_set_new(json_array_get(json_object_get(days, "days"), 0),
	    "href", json_string(arena_strndup(r->a, base, strlen(base) - 1)));
	json_object_set_new(days, "day_title", json_string(
	    "Today, in each theatre's own time zone"));
}

/* GET /movies/{movie}?date=YYYY-MM-DD&city=&order=helpful&reviews= */
void
catalog_page_movie(struct request *r)
{
	int64_t		 id;
	json_t		*m, *groups, *days, *opts, *names, *ctx, *ratings;
	const char	*date = in_str(r, "date"), *city = in_str(r, "city");
	const char	*base;
	int		 dberr, chosen = date != NULL;

	if ((id = ref_or_reply(r, catalog_movie_ref(r->a,
	    req_capture(r, "movie")), "movie")) == 0)
		return;
	if ((m = catalog_movie_json(r->a, id)) == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	keep_canonical(r, "/movies/", json_string_value(json_object_get(m,
	    "slug")));
	base = arena_printf(r->a, "/movies/%s?%s%s%s", url_encode(r->a,
	    json_string_value(json_object_get(m, "slug"))), city ? "city=" : "",
	    city ? url_encode(r->a, city) : "", city ? "&" : "");
	days = day_links(r, base, NULL, &date);
	groups = days ? catalog_listings(r->a, id, chosen ? date : NULL,
	    !chosen, city, &dberr) : NULL;
	if (groups != NULL && !chosen)
		each_today(r, days, base);
	ratings = groups ? ratings_page_context(r, id, json_string_value(
	    json_object_get(m, "slug"))) : NULL;
	if (groups == NULL || ratings == NULL) {
		json_decref(m);
		json_decref(days);
		json_decref(groups);
		db_fail_reply(r, DB_ERROR);
		return;
	}
	label_groups(r->a, groups);
	opts = filter_options(r->a);
	names = genre_names(opts);
	movie_details(r, m, names);
	ctx = json_pack("{s:o,s:o,s:o,s:b,s:o,s:o}", "movie", m, "dates", days,
	    "theatres", groups, "any_showtimes", json_array_size(groups) > 0,
	    "filters", filter_form(opts, r->in), "ratings", ratings);
	if (chosen)
		json_object_set_new(ctx, "date", json_string(date));
	json_object_set_new(ctx, "errors", page_form_errors(r));
	json_decref(names);
	json_decref(opts);
	resp_page(r, 200, "pages/movie", ctx);
}

static const char theatre_listings_sql[] =
    "SELECT json_build_object('id', m.id, 'slug', m.slug, 'title', m.title, "
    "  'content_rating', m.content_rating, 'duration_minutes', "
    "  m.duration_minutes, 'poster_url', m.poster_url), "
    "  json_agg(showtime_json(s.id) ORDER BY s.starts_at) "
    "FROM showtimes s JOIN auditoriums au ON au.id = s.auditorium_id "
    "JOIN theatres t ON t.id = au.theatre_id "
    "JOIN movies m ON m.id = s.movie_id "
    "WHERE t.id = $1 AND s.status = 'scheduled' AND s.starts_at > now() "
    "  AND m.deleted_at IS NULL "
    "  AND (s.starts_at AT TIME ZONE t.timezone)::date = $2::date "
    "GROUP BY m.id ORDER BY m.title";

/* [{"movie", "showtimes"}] of a theatre on a local date, or NULL. */
static json_t *
theatre_listings(struct arena *a, int64_t theatre, const char *date)
{
	PGresult	*res = db_q(a, theatre_listings_sql, 2, db_id(a, theatre),
			    date);
	json_t		*out;
	int		 i;

	if (res == NULL)
		return NULL;
	out = json_array();
	for (i = 0; i < PQntuples(res); i++)
		json_array_append_new(out, json_pack("{s:o,s:o}", "movie",
		    db_json(res, i, 0), "showtimes", db_json(res, i, 1)));
	return out;
}

/* GET /theatres/{theatre}?date=YYYY-MM-DD */
void
catalog_page_theatre(struct request *r)
{
	int64_t		 id;
	json_t		*t, *groups = NULL, *days = NULL, *ctx;
	const char	*date = in_str(r, "date");

	if ((id = ref_or_reply(r, catalog_theatre_ref(r->a,
	    req_capture(r, "theatre")), "theatre")) == 0)
		return;
	if ((t = catalog_theatre_json(r->a, id)) == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	keep_canonical(r, "/theatres/", json_string_value(json_object_get(t,
	    "slug")));
	if ((days = day_links(r, arena_printf(r->a, "/theatres/%s?",
	    url_encode(r->a, json_string_value(json_object_get(t, "slug")))),
	    json_string_value(json_object_get(t, "timezone")), &date)) == NULL ||
	    (groups = theatre_listings(r->a, id, date)) == NULL) {
		json_decref(t);
		json_decref(days);
		db_fail_reply(r, DB_ERROR);
		return;
	}
	label_groups(r->a, groups);
	ctx = json_pack("{s:o,s:o,s:o,s:b,s:s}", "theatre", t, "dates", days,
	    "movies", groups, "any_showtimes", json_array_size(groups) > 0,
	    "date", date);
	json_object_set_new(ctx, "errors", page_form_errors(r));
	resp_page(r, 200, "pages/theatre", ctx);
}
