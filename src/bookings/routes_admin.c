/*
 * Bookings: the admin routes.
 */
#include "app/app.h"
#include "bookings/bookings.h"
#include "core/request.h"

#define GET	HTTP_GET
#define POST	HTTP_POST

const struct route bookings_admin_routes[] = {
	{ GET, "/bookings/__placeholder_admin", NULL, AUTH_ADMIN, 0, NULL, NULL },
};

const size_t bookings_admin_routes_count = 0;
