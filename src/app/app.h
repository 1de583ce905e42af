/*
 * app: the route table and the hooks the front function calls between
 * routing and the handler.  Each domain contributes its routes here.
 */
#ifndef MARQUEE_APP_H
#define MARQUEE_APP_H

#include <stddef.h>

#include "core/router.h"

struct request;

/* Each domain's routes (its routes.c). */
extern const struct route	ops_routes[], users_routes[], admin_routes[],
				catalog_routes[], seating_routes[],
				bookings_routes[], bookings_pages_routes[],
				bookings_admin_routes[], notify_routes[],
				ratings_routes[];
extern const size_t		ops_routes_count, users_routes_count,
				admin_routes_count, catalog_routes_count,
				seating_routes_count, bookings_routes_count,
				bookings_pages_routes_count,
				bookings_admin_routes_count,
				notify_routes_count, ratings_routes_count;

/* Per-process set-up after fork: templates, hooks.  0 or -1. */
int	 app_worker_init(char *err, size_t errlen);
void	 app_worker_exit(void);

/* Identifies the caller (cookie or bearer token); -1 if it answered. */
int	 app_session_or_reply(struct request *);
/* After the handler: stores anonymous cacheable pages for nginx. */
void	 app_after_response(struct request *);
/* Checks the route's auth level; -1 if it answered.  Needs no body. */
int	 app_role_or_reply(struct request *);
/* Checks the CSRF token (header or form field); -1 if it answered. */
int	 app_csrf_or_reply(struct request *);

#endif
