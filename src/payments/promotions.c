/*
 * Promotions: whether a code applies, and what it takes off.  The use
 * itself is reserved in the payment's first transaction by a conditional
 * UPDATE that the CHECK (uses <= max_uses) backs up.
 */
#include <string.h>

#include "core/arena.h"
#include "payments/payments.h"
#include "store/db.h"

int
promotion_discount(const char *kind, int value, int subtotal)
{
	int	 d;

	if (strcmp(kind, "percent") == 0)
		d = (int)(((long long)subtotal * value + 50) / 100);
	else
		d = value;
	return d > subtotal ? subtotal : d;
}

const char *
promotion_reason(struct arena *a, const char *code, int64_t user,
    int tickets, int64_t *id, const char **kind, int *value)
{
	PGresult	*res;

	res = db_q(a, "SELECT p.id, p.kind, p.value, "
	    "p.starts_at IS NOT NULL AND p.starts_at > now(), "
	    "p.ends_at IS NOT NULL AND p.ends_at <= now(), "
	    "p.max_uses IS NOT NULL AND p.uses >= p.max_uses, "
	    "p.max_uses_per_user IS NOT NULL AND (SELECT count(*) FROM "
	    "  promotion_uses u WHERE u.promotion_id = p.id AND u.user_id = $2) "
	    "  >= p.max_uses_per_user, "
	    "p.min_tickets FROM promotions p WHERE p.code = upper($1)", 2, code,
	    db_id(a, user));
	if (res == NULL)
		return "";
	if (PQntuples(res) != 1)
		return "unknown_code";
	if (db_bool(res, 0, 3))
		return "not_started";
	if (db_bool(res, 0, 4))
		return "expired";
	if (db_bool(res, 0, 5))
		return "used_up";
	if (db_bool(res, 0, 6))
		return "user_limit_reached";
	if (tickets < db_int(res, 0, 7))
		return "too_few_tickets";
	*id = db_int(res, 0, 0);
	*kind = db_val(res, 0, 1);
	*value = (int)db_int(res, 0, 2);
	return NULL;
}
