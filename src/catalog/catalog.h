/*
 * catalog: movies, genres, cast, theatres, auditoriums, showtimes, and
 * the customer pages that list them.
 */
#ifndef MARQUEE_CATALOG_H
#define MARQUEE_CATALOG_H

#include <jansson.h>

struct arena;
struct request;

/* The cache namespace every catalog change bumps. */
#define CATALOG_NS	"catalog"

void	 catalog_home(struct request *);
/* The home page's movie lists; a new reference, or NULL if the database
 * failed.  Served from memcached when it has them. */
json_t	*catalog_home_lists(struct arena *);

#endif
