/*
 * The catalog API and pages.
 */
#include "app/app.h"
#include "core/request.h"
#include "catalog/catalog.h"
#include "catalog/pages.h"

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
	{ GET, "/search", catalog_page_search, AUTH_PUBLIC,
	    RF_CACHEABLE | RF_FORM_ERRORS, movies_list_query, NULL },
	{ GET, "/movies/{movie}", catalog_page_movie, AUTH_PUBLIC,
	    RF_CACHEABLE | RF_CACHE_DATE | RF_FORM_ERRORS, catalog_day_query,
	    NULL },
	{ GET, "/theatres/{theatre}", catalog_page_theatre, AUTH_PUBLIC,
	    RF_CACHEABLE | RF_CACHE_DATE | RF_FORM_ERRORS, catalog_day_query,
	    NULL },

	/* catalog: admin pages */
	{ GET, "/admin/movies", admin_movies_list, AUTH_ADMIN, 0,
	    admin_movies_query, NULL },
	{ GET, "/admin/movies/new", admin_movies_new, AUTH_ADMIN, 0, NULL,
	    NULL },
	{ POST, "/admin/movies/new", admin_movies_create, AUTH_ADMIN,
	    RF_FORM_ERRORS | RF_UPLOAD, NULL, admin_movie_form },
	{ GET, "/admin/movies/{id}/edit", admin_movies_edit, AUTH_ADMIN, 0,
	    NULL, NULL },
	{ POST, "/admin/movies/{id}/edit", admin_movies_update, AUTH_ADMIN,
	    RF_FORM_ERRORS | RF_UPLOAD, NULL, admin_movie_form },
	{ POST, "/admin/movies/{id}/remove", admin_movies_remove, AUTH_ADMIN,
	    0, NULL, NULL },
	{ GET, "/admin/theatres", admin_theatres_list, AUTH_ADMIN, 0,
	    admin_theatres_query, NULL },
	{ GET, "/admin/theatres/new", admin_theatres_new, AUTH_ADMIN, 0, NULL,
	    NULL },
	{ POST, "/admin/theatres/new", admin_theatres_create, AUTH_ADMIN,
	    RF_FORM_ERRORS, NULL, admin_theatre_form },
	{ GET, "/admin/theatres/{id}/edit", admin_theatres_edit, AUTH_ADMIN, 0,
	    NULL, NULL },
	{ POST, "/admin/theatres/{id}/edit", admin_theatres_update, AUTH_ADMIN,
	    RF_FORM_ERRORS, NULL, admin_theatre_form },
	{ POST, "/admin/theatres/{id}/remove", admin_theatres_remove,
	    AUTH_ADMIN, 0, NULL, NULL },
	{ GET, "/admin/showtimes", admin_showtimes_day, AUTH_ADMIN, 0,
	    admin_showtimes_query, NULL },
	{ POST, "/admin/showtimes/schedule", admin_showtimes_schedule,
	    AUTH_ADMIN, RF_FORM_ERRORS, NULL, admin_showtime_one_form },
	{ POST, "/admin/showtimes/bulk", admin_showtimes_bulk, AUTH_ADMIN,
	    RF_FORM_ERRORS, NULL, admin_showtime_bulk_form },
	{ POST, "/admin/showtimes/{id}/edit", admin_showtimes_edit, AUTH_ADMIN,
	    RF_FORM_ERRORS, NULL, admin_showtime_edit_form },
	{ POST, "/admin/showtimes/{id}/cancel", admin_showtimes_cancel,
	    AUTH_ADMIN, 0, NULL, NULL },
};

const size_t catalog_routes_count = sizeof(catalog_routes) / sizeof(catalog_routes[0]);
