/*
 * The admin panel shell.
 */
#include "app/app.h"
#include "core/request.h"
#include "admin/admin.h"

#define GET	HTTP_GET
#define POST	HTTP_POST
#define PUT	HTTP_PUT
#define DELETE	HTTP_DELETE

const struct route admin_routes[] = {
	/* admin panel */
	{ GET, "/admin", admin_dashboard, AUTH_ADMIN, 0, NULL, NULL },
	{ GET, "/admin/audit", admin_audit, AUTH_ADMIN, 0, NULL, NULL },
};

const size_t admin_routes_count = sizeof(admin_routes) / sizeof(admin_routes[0]);
