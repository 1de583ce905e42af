/*
 * catalog: movies, genres, cast, theatres, auditoriums, showtimes, and
 * the pages that list them.
 *
 * Objects go out in the shapes of API.md, built by the SQL functions
 * movie_json(), theatre_json() and showtime_json() (sql/005).  Every
 * admin change writes the audit log and bumps the catalog's cache
 * generation after it commits.
 */
#ifndef MARQUEE_CATALOG_H
#define MARQUEE_CATALOG_H

#include <stdint.h>

#include <jansson.h>

#include "core/validate.h"

struct arena;
struct request;

/* The cache namespace every catalog change bumps. */
#define CATALOG_NS	"catalog"

/*
 * After a committed catalog change: bumps the cache generation (listing
 * data) and purges the whole pages nginx serves from memcached.
 */
void	 catalog_changed(struct arena *);
/* The same for a change that shows only on one movie's page and the
 * listings (a rating): purges that page and the home page. */
void	 catalog_movie_changed(struct arena *, int64_t movie);

/*
 * Listing JSON kept whole in memcached for page_ttl seconds under the
 * catalog generation (an admin change or a rating makes it unreachable;
 * seat counts lag by page_ttl at most).  The key is a hash of the kind,
 * the path's {ref} capture (NULL: none) and the validated input (every
 * query field, canonical JSON), read before anything from PostgreSQL.
 * catalog_answer_cached() answers the request from the cache (200,
 * X-Cache: hit) and returns 1, or returns 0; catalog_answer_keep() stores
 * the answer the handler made, if it is a 200.
 */
char	*catalog_answer_key(struct request *, const char *kind,
	    const char *ref);
int	 catalog_answer_cached(struct request *, const char *key);
void	 catalog_answer_keep(struct request *, const char *key);

/* Lookups of {movie} and {theatre}: an id or a slug.  The id, 0 when
 * there is none (or it was removed), -1 when the database failed. */
int64_t	 catalog_movie_ref(struct arena *, const char *ref);
int64_t	 catalog_theatre_ref(struct arena *, const char *ref);
/* The {movie} / {theatre} of the request's path: its id, or 0 after
 * answering 404 (or 503 when the database failed). */
int64_t	 catalog_movie_or_reply(struct request *);
int64_t	 catalog_theatre_or_reply(struct request *);
/* New references, or NULL. */
json_t	*catalog_movie_json(struct arena *, int64_t id);
json_t	*catalog_theatre_json(struct arena *, int64_t id);
json_t	*catalog_showtime_json(struct arena *, int64_t id);

/*
 * Removing a movie or a theatre, inside the caller's transaction: refused
 * (DB_ABORT, *conflict = "has_future_bookings") while a showtime to come
 * has a sold seat; otherwise the row is hidden (deleted_at), its showtimes
 * to come are cancelled and the audit log says so.  *before gets the
 * object as it was (arena-owned).  The statements take the id as $1.
 */
struct catalog_removal {
	const char	 *sold_sql;	/* one boolean: a seat sold to come */
	const char	 *hide_sql;
	const char	 *cancel_sql;
	json_t		*(*object)(struct arena *, int64_t);
	const char	 *action;	/* audit: "movie.remove", ... */
	const char	 *type;		/* audit: "movie", ... */
};
int	 catalog_remove(struct arena *, const struct catalog_removal *,
	    int64_t id, int64_t actor, json_t **before, const char **conflict);

/*
 * A layout's problem for a person, or NULL when rows (a JSON array of
 * strings) is a valid seat layout; *capacity gets the seat count.
 */
const char *layout_problem(json_t *rows, int *capacity);
/* "the-long-night" from "The Long Night!", in the arena. */
char	*slugify(struct arena *, const char *);

/* Movies matching the filters of GET /v1/movies (see movies.c). */
json_t	*catalog_movie_search(struct arena *, json_t *in, int *dberr);
/*
 * Showtimes of a movie grouped by theatre (GET .../listings): on date (a
 * theatre-local date), else today in each theatre's zone when today is
 * set, else today and the next 6 days.
 */
json_t	*catalog_listings(struct arena *, int64_t movie, const char *date,
	    int today, const char *city, int *dberr);

void	 catalog_home(struct request *);

/* JSON handlers. */
void	 movies_api_list(struct request *);
void	 movies_api_get(struct request *);
void	 movies_api_listings(struct request *);
void	 movies_api_add(struct request *);
void	 movies_api_update(struct request *);
void	 movies_api_remove(struct request *);
void	 theatres_api_list(struct request *);
void	 theatres_api_get(struct request *);
void	 theatres_api_add(struct request *);
void	 theatres_api_update(struct request *);
void	 theatres_api_remove(struct request *);
void	 showtimes_api_set(struct request *);
void	 showtimes_api_update(struct request *);

extern const struct field movies_list_query[];
extern const struct field movies_listings_query[];
extern const struct field movie_add_fields[];
extern const struct field movie_update_fields[];
extern const struct field theatres_list_query[];
extern const struct field theatre_add_fields[];
extern const struct field theatre_update_fields[];
extern const struct field showtimes_set_fields[];
extern const struct field showtimes_update_fields[];

#endif
