/*
 * router: method + path patterns ("/v1/movies/{movie}/listings").
 * Unknown paths are 404; a known path with another method is 405 with
 * the allowed methods.  Route i of the table has index i + 1; index 0
 * stands for "no route" in metrics and logs.
 */
#ifndef MARQUEE_ROUTER_H
#define MARQUEE_ROUTER_H

#include "parse.h"

struct arena;
struct request;
struct field;

typedef void	(*handler_fn)(struct request *);

enum route_auth {
	AUTH_PUBLIC,		/* anyone */
	AUTH_USER,		/* a signed-in user: 401 / login page */
	AUTH_ADMIN,		/* an admin: 401 / 403 */
	AUTH_INTERNAL		/* loopback and private addresses only */
};

enum route_flags {
	RF_FORM_ERRORS = 1 << 0,	/* invalid input goes to the handler */
	RF_NO_CSRF = 1 << 1,		/* POST without a CSRF token */
	RF_CACHEABLE = 1 << 2,		/* anonymous GET may be cached */
	RF_UPLOAD = 1 << 3,		/* multipart bodies up to upload_limit */
	RF_CACHE_DATE = 1 << 4		/* also cached with ?date=YYYY-MM-DD */
};

struct route {
	unsigned		 methods;	/* enum http_method bits */
	const char		*pattern;
	handler_fn		 fn;
	enum route_auth		 auth;
	unsigned		 flags;
	const struct field	*query;		/* declared query fields */
	const struct field	*body;		/* declared body fields */
};

enum route_match {
	ROUTE_FOUND,
	ROUTE_NOT_FOUND,
	ROUTE_BAD_METHOD
};

/* Compiles the table (kept by reference); 0, or -1 on a bad pattern. */
int		 router_init(const struct route *, size_t);
void		 router_free(void);
/*
 * Matches path and method.  On ROUTE_FOUND sets *route, *index and the
 * captures; on ROUTE_BAD_METHOD sets *allowed to the methods the path has.
 */
enum route_match router_match(struct arena *, const char *path,
		    unsigned method, const struct route **route,
		    unsigned *index, struct kvlist *params, unsigned *allowed);
/* "GET /v1/movies/{movie}" for metrics; "unmatched" for 0. */
const char	*router_name(unsigned index);
unsigned	 router_count(void);	/* routes + 1 */
/* "GET, HEAD, POST" for an Allow header, in the arena. */
char		*router_allow(struct arena *, unsigned methods);

#endif
