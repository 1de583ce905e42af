/*
 * admin: the admin panel's shell (dashboard, navigation) and the audit
 * log that every admin change writes to.
 */
#ifndef MARQUEE_ADMIN_H
#define MARQUEE_ADMIN_H

#include <stdint.h>

#include <jansson.h>

struct arena;
struct request;

/*
 * Records an admin change inside the caller's transaction: who, what,
 * the object, and its state before and after (either may be NULL).
 * Returns 0, or -1 when the insert failed (the caller rolls back).
 */
int	 audit_write(struct arena *, int64_t actor, const char *action,
	    const char *object_type, const char *object_id, json_t *before,
	    json_t *after);

void	 admin_dashboard(struct request *);
void	 admin_audit(struct request *);

/* Renders an admin page (layouts/admin); steals ctx. */
void	 admin_page(struct request *, int status, const char *tpl, json_t *ctx);

#endif
