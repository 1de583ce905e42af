#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "admin/admin.h"
#include "core/request.h"
#include "store/db.h"

int
audit_write(struct arena *a, int64_t actor, const char *action,
    const char *object_type, const char *object_id, json_t *before,
    json_t *after)
{
	char		*b = before ? json_dumps(before, JSON_COMPACT) : NULL;
	char		*f = after ? json_dumps(after, JSON_COMPACT) : NULL;
	PGresult	*res;

	res = db_q(a, "INSERT INTO audit_log (actor_id, action, object_type, "
	    "object_id, before, after) VALUES ($1, $2, $3, $4, $5, $6)", 6,
	    arena_printf(a, "%lld", (long long)actor), action, object_type,
	    object_id, b, f);
	arena_json_free(b);
	arena_json_free(f);
	return res ? 0 : -1;
}

void
admin_page(struct request *r, int status, const char *tpl, json_t *ctx)
{
	if (ctx == NULL)
		ctx = json_object();
	json_object_set_new(ctx, "admin", json_true());
	resp_page(r, status, tpl, ctx);
}

/* GET /admin: the panel's front page with a few live figures. */
void
admin_dashboard(struct request *r)
{
	PGresult	*res;

	res = db_q(r->a, "SELECT (SELECT count(*) FROM users), "
	    "(SELECT count(*) FROM movies WHERE deleted_at IS NULL), "
	    "(SELECT count(*) FROM theatres WHERE deleted_at IS NULL), "
	    "(SELECT count(*) FROM showtimes WHERE starts_at > now() "
	    "  AND status = 'scheduled')", 0);
	if (res == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	admin_page(r, 200, "admin/dashboard", json_pack("{s:s,s:s,s:s,s:s}",
	    "users", db_val(res, 0, 0), "movies", db_val(res, 0, 1),
	    "theatres", db_val(res, 0, 2), "upcoming", db_val(res, 0, 3)));
}

static json_t *
pretty(const char *text)
{
	json_t	*j;
	char	*s;
	json_t	*out;

	if (text == NULL)
		return json_null();
	if ((j = json_loads(text, 0, NULL)) == NULL)
		return json_string(text);
	s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(j);
	out = json_string(s ? s : text);
	arena_json_free(s);
	return out;
}

/* GET /admin/audit?before=ID: newest first, 50 a page. */
void
admin_audit(struct request *r)
{
	const char	*before = req_query(r, "before");
	PGresult	*res;
	json_t		*items = json_array(), *ctx;
	int		 i, n;
	int64_t		 last = 0;

	if (before != NULL && strspn(before, "0123456789") != strlen(before))
		before = NULL;
	res = db_q(r->a, "SELECT a.id, rfc3339(a.created_at), "
	    "coalesce(u.email, '(system)'), a.action, a.object_type, "
	    "coalesce(a.object_id, ''), a.before::text, a.after::text "
	    "FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id "
	    "WHERE ($1::bigint IS NULL OR a.id < $1::bigint) "
	    "ORDER BY a.id DESC LIMIT 51", 1, before);
	if (res == NULL) {
		json_decref(items);
		db_fail_reply(r, DB_ERROR);
		return;
	}
	n = PQntuples(res) > 50 ? 50 : PQntuples(res);
	for (i = 0; i < n; i++) {
		last = db_int(res, i, 0);
		json_array_append_new(items, json_pack("{s:I,s:s,s:s,s:s,s:s,"
		    "s:s,s:o,s:o}", "id", (json_int_t)last,
		    "at", db_val(res, i, 1), "actor", db_val(res, i, 2),
		    "action", db_val(res, i, 3), "object_type",
		    db_val(res, i, 4), "object_id", db_val(res, i, 5),
		    "before", pretty(db_val(res, i, 6)),
		    "after", pretty(db_val(res, i, 7))));
	}
	ctx = json_pack("{s:b,s:o}", "any", n > 0, "items", items);
	if (PQntuples(res) > 50)
		json_object_set_new(ctx, "next", json_integer(last));
	admin_page(r, 200, "admin/audit", ctx);
}
