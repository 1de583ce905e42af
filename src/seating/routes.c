/*
 * The seat map, holds and best available.
 */
#include "app/app.h"
#include "core/request.h"
#include "seating/pages.h"
#include "seating/seating.h"

#define GET	HTTP_GET
#define POST	HTTP_POST
#define DELETE	HTTP_DELETE

const struct route seating_routes[] = {
	{ GET, "/v1/theatre/{theatre}/seats", seating_api_seats, AUTH_PUBLIC,
	    0, seating_seats_query, NULL },
	{ GET, "/v1/theatre/{theatre}/best_seats", seating_api_best,
	    AUTH_PUBLIC, 0, seating_best_query, NULL },
	{ POST, "/v1/theatre/{theatre}/pick_seats", seating_api_pick, AUTH_USER,
	    0, NULL, seating_pick_fields },
	{ DELETE, "/v1/holds/{id}", seating_api_release, AUTH_USER, 0, NULL,
	    NULL },

	/* The seat map page; picking without a session goes to log in. */
	{ GET, "/showtimes/{id}", seating_page_showtime, AUTH_PUBLIC,
	    RF_FORM_ERRORS, seating_page_query, NULL },
	{ POST, "/showtimes/{id}/hold", seating_page_hold, AUTH_PUBLIC,
	    RF_FORM_ERRORS, NULL, seating_hold_form },
	{ POST, "/showtimes/{id}/release", seating_page_release, AUTH_USER,
	    RF_FORM_ERRORS, NULL, seating_release_form },
};

const size_t seating_routes_count = sizeof(seating_routes) /
    sizeof(seating_routes[0]);
