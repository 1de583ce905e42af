/*
 * The seat map, holds and best available.
 */
#include "app/app.h"
#include "core/request.h"
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
};

const size_t seating_routes_count = sizeof(seating_routes) /
    sizeof(seating_routes[0]);
