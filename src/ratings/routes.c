/*
 * Ratings and reviews.
 */
#include "app/app.h"
#include "core/request.h"
#include "ratings/ratings.h"

#define GET	HTTP_GET
#define POST	HTTP_POST
#define PUT	HTTP_PUT

const struct route ratings_routes[] = {
	{ POST, "/v1/movies/{movie}/add_rating", ratings_api_add, AUTH_USER, 0,
	    NULL, ratings_add_fields },
	{ PUT, "/v1/movies/{movie}/update_rating", ratings_api_update,
	    AUTH_USER, 0, NULL, ratings_update_fields },
	{ GET, "/v1/movies/{movie}/ratings", ratings_api_list, AUTH_PUBLIC, 0,
	    ratings_list_query, NULL },
	{ POST, "/movies/{movie}/rate", ratings_page_save, AUTH_USER,
	    RF_FORM_ERRORS, NULL, ratings_form_fields },
	{ POST, "/movies/{movie}/reviews/{id}/helpful", ratings_page_helpful,
	    AUTH_USER, 0, NULL, NULL },
	{ GET, "/admin/reviews", ratings_admin_list, AUTH_ADMIN, 0, NULL, NULL },
	{ POST, "/admin/reviews/{id}", ratings_admin_moderate, AUTH_ADMIN,
	    RF_FORM_ERRORS, NULL, ratings_moderate_fields },
};

const size_t ratings_routes_count = sizeof(ratings_routes) /
    sizeof(ratings_routes[0]);
