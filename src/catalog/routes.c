/*
 * The catalog API and pages.
 */
#include "app/app.h"
#include "core/request.h"
#include "catalog/catalog.h"

#define GET	HTTP_GET
#define POST	HTTP_POST
#define PUT	HTTP_PUT
#define DELETE	HTTP_DELETE

const struct route catalog_routes[] = {
	/* catalog: API */
	{ GET, "/v1/movies", movies_api_list, AUTH_PUBLIC, 0,
	    movies_list_query, NULL },
	{ GET, "/v1/movies/{movie}", movies_api_get, AUTH_PUBLIC, 0, NULL, NULL },
	{ GET, "/v1/movies/{movie}/listings", movies_api_listings, AUTH_PUBLIC,
	    0, movies_listings_query, NULL },
	{ POST, "/v1/movies/add_movie", movies_api_add, AUTH_ADMIN, 0, NULL,
	    movie_add_fields },
	{ PUT, "/v1/movies/{movie}/update_movie", movies_api_update, AUTH_ADMIN,
	    0, NULL, movie_update_fields },
	{ DELETE, "/v1/movies/{movie}/remove_movie", movies_api_remove,
	    AUTH_ADMIN, 0, NULL, NULL },
	{ GET, "/v1/theatres", theatres_api_list, AUTH_PUBLIC, 0,
	    theatres_list_query, NULL },
	{ GET, "/v1/theatre/{theatre}", theatres_api_get, AUTH_PUBLIC, 0, NULL,
	    NULL },
	{ POST, "/v1/theatre/add_theatre", theatres_api_add, AUTH_ADMIN, 0,
	    NULL, theatre_add_fields },
	{ PUT, "/v1/theatre/{theatre}/update_theatre", theatres_api_update,
	    AUTH_ADMIN, 0, NULL, theatre_update_fields },
	{ DELETE, "/v1/theatre/{theatre}/remove_theatre", theatres_api_remove,
	    AUTH_ADMIN, 0, NULL, NULL },
	{ POST, "/v1/theatre/{theatre}/set_showtimes", showtimes_api_set,
	    AUTH_ADMIN, 0, NULL, showtimes_set_fields },
	{ PUT, "/v1/theatre/{theatre}/update_showtimes", showtimes_api_update,
	    AUTH_ADMIN, 0, NULL, showtimes_update_fields },

	/* catalog pages */
	{ GET, "/", catalog_home, AUTH_PUBLIC, RF_CACHEABLE, NULL, NULL },
};

const size_t catalog_routes_count = sizeof(catalog_routes) / sizeof(catalog_routes[0]);
