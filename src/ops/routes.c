/*
 * The operational endpoints.
 */
#include "app/app.h"
#include "core/request.h"
#include "ops/ops.h"

#define GET	HTTP_GET
#define POST	HTTP_POST
#define PUT	HTTP_PUT
#define DELETE	HTTP_DELETE

const struct route ops_routes[] = {
	/* operations */
	{ GET, "/healthz", ops_healthz, AUTH_PUBLIC, 0, NULL, NULL },
	{ GET, "/readyz", ops_readyz, AUTH_PUBLIC, 0, NULL, NULL },
	{ GET, "/metrics", ops_metrics, AUTH_INTERNAL, 0, NULL, NULL },
	{ GET, "/v1/status", ops_status, AUTH_PUBLIC, 0, NULL, NULL },
};

const size_t ops_routes_count = sizeof(ops_routes) / sizeof(ops_routes[0]);
