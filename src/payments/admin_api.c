/*
 * Admin extras: promotions, gift cards and account credit, each audited
 * in the transaction that makes the change.  The writes are shared by
 * the JSON handlers below and the admin pages (bookings/admin_money.c).
 */
#include <string.h>

#include <sodium.h>

#include "admin/admin.h"
#include "core/request.h"
#include "core/util.h"
#include "payments/payments.h"
#include "store/db.h"
#include "users/users.h"

#define GIFT_CODE_LEN	16
#define GIFT_SHOWN_LEN	4	/* the part an audit entry or a list keeps */

static const char *const kinds[] = { "percent", "amount", NULL };

const struct field payments_promotion_fields[] = {
	{ "code", FT_CODE, 1, 0, 0, NULL, NULL },
	{ "kind", FT_ENUM, 1, 0, 0, kinds, NULL },
	{ "value", FT_INT, 1, 1, 1000000, NULL, NULL },
	{ "starts_at", FT_TIMESTAMP, 0, 0, 0, NULL, NULL },
	{ "ends_at", FT_TIMESTAMP, 0, 0, 0, NULL, NULL },
	{ "max_uses", FT_INT, 0, 1, 10000000, NULL, NULL },
	{ "max_uses_per_user", FT_INT, 0, 1, 1000, NULL, NULL },
	{ "min_tickets", FT_INT, 0, 1, 10, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field payments_gift_card_fields[] = {
	{ "balance_cents", FT_INT, 1, 1, 10000000, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field payments_credit_fields[] = {
	{ "amount_cents", FT_INT, 1, 1, 10000000, NULL, NULL },
	{ "reason", FT_STRING, 1, 1, 200, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* audit_write() with a new "after" object, which it releases. */
static int
audited(struct arena *a, int64_t actor, const char *action, const char *type,
    const char *id, json_t *after)
{
	int	 rc = audit_write(a, actor, action, type, id, NULL, after);

	json_decref(after);
	return rc;
}

/* A validated string field of in, or NULL. */
static const char *
in_text(json_t *in, const char *name)
{
	return json_string_value(json_object_get(in, name));
}

/* A validated integer field of in as a query parameter, or NULL. */
static const char *
in_param(struct arena *a, json_t *in, const char *name)
{
	json_t	*v = json_object_get(in, name);

	return json_is_integer(v) ? arena_printf(a, "%lld",
	    (long long)json_integer_value(v)) : NULL;
}

/* Keeps a new reference in w->result until the arena's reset. */
static void
set_result(struct arena *a, struct payments_write *w, json_t *result)
{
	w->result = arena_defer(a, (void (*)(void *))json_decref, result);
}

static int
promotion_tx(struct arena *a, void *ctx)
{
	struct payments_write	*w = ctx;
	PGresult		*res;

	res = db_q(a, "INSERT INTO promotions (code, kind, value, starts_at, "
	    "ends_at, max_uses, max_uses_per_user, min_tickets, created_by) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8::int, 1), $9) "
	    "ON CONFLICT (code) DO NOTHING RETURNING json_build_object('id', id, "
	    "'code', code, 'kind', kind, 'value', value, 'starts_at', "
	    "rfc3339(starts_at), 'ends_at', rfc3339(ends_at), 'max_uses', "
	    "max_uses, 'max_uses_per_user', max_uses_per_user, 'min_tickets', "
	    "min_tickets, 'uses', uses)", 9, in_text(w->in, "code"),
	    in_text(w->in, "kind"), in_param(a, w->in, "value"),
	    in_text(w->in, "starts_at"), in_text(w->in, "ends_at"),
	    in_param(a, w->in, "max_uses"),
	    in_param(a, w->in, "max_uses_per_user"),
	    in_param(a, w->in, "min_tickets"), db_id(a, w->actor));
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		w->conflict = "code_taken";
		return DB_ABORT;
	}
	set_result(a, w, db_json(res, 0, 0));
	return audit_write(a, w->actor, "promotion.create", "promotion",
	    in_text(w->in, "code"), NULL, w->result);
}

int
payments_promotion_create(struct arena *a, struct payments_write *w)
{
	json_t	*value = json_object_get(w->in, "value");

	if (strcmp(in_text(w->in, "kind"), "percent") == 0 &&
	    json_integer_value(value) > 100) {
		w->field = "value";
		w->problem = "a percentage must be between 1 and 100";
		return DB_ABORT;
	}
	if (json_string_value(json_object_get(w->in, "starts_at")) != NULL &&
	    json_string_value(json_object_get(w->in, "ends_at")) != NULL &&
	    strcmp(json_string_value(json_object_get(w->in, "ends_at")),
	    json_string_value(json_object_get(w->in, "starts_at"))) <= 0) {
		/* Both are normalised UTC "YYYY-MM-DDTHH:MM:SSZ": comparable. */
		w->field = "ends_at";
		w->problem = "must be after starts_at";
		return DB_ABORT;
	}
	return db_tx(a, DB_READ_COMMITTED, promotion_tx, w);
}

static const char code_chars[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

static int
gift_tx(struct arena *a, void *ctx)
{
	struct payments_write	*w = ctx;
	char			*code = arena_alloc(a, GIFT_CODE_LEN + 1);
	const char		*bal = in_param(a, w->in, "balance_cents");
	PGresult		*res;
	int			 i;

	for (i = 0; i < GIFT_CODE_LEN; i++)
		code[i] = code_chars[randombytes_uniform(sizeof(code_chars) - 1)];
	code[GIFT_CODE_LEN] = '\0';
	res = db_q(a, "INSERT INTO gift_cards (code, balance_cents, "
	    "initial_cents, created_by) VALUES ($1, $2, $2, $3) RETURNING id", 3,
	    code, bal, db_id(a, w->actor));
	if (res == NULL)
		return -1;
	set_result(a, w, json_pack("{s:s,s:O}", "code", code, "balance_cents",
	    json_object_get(w->in, "balance_cents")));
	return audited(a, w->actor, "gift_card.create", "gift_card",
	    db_val(res, 0, 0), json_pack("{s:s,s:s}", "code_last4",
	    code + GIFT_CODE_LEN - GIFT_SHOWN_LEN, "balance_cents", bal));
}

int
payments_gift_card_create(struct arena *a, struct payments_write *w)
{
	return db_tx(a, DB_READ_COMMITTED, gift_tx, w);
}

static int
credit_tx(struct arena *a, void *ctx)
{
	struct payments_write	*w = ctx;
	const char		*uid = db_id(a, w->user);
	const char		*amt = in_param(a, w->in, "amount_cents");
	const char		*reason = in_text(w->in, "reason");
	PGresult		*res;
	json_int_t		 balance;

	res = db_q(a, "INSERT INTO wallets (user_id, balance_cents) "
	    "SELECT id, $2 FROM users WHERE id = $1 ON CONFLICT (user_id) DO "
	    "UPDATE SET balance_cents = wallets.balance_cents + $2 "
	    "RETURNING balance_cents", 2, uid, amt);
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		w->conflict = "not_found";
		return DB_ABORT;
	}
	balance = (json_int_t)db_int(res, 0, 0);
	set_result(a, w, json_pack("{s:I}", "credit_cents", balance));
	if (!db_q(a, "INSERT INTO wallet_entries (user_id, amount_cents, reason, "
	    "created_by) VALUES ($1, $2, $3, $4)", 4, uid, amt, reason,
	    db_id(a, w->actor)))
		return -1;
	return audited(a, w->actor, "user.credit", "user", uid,
	    json_pack("{s:s,s:s,s:I}", "amount_cents", amt, "reason", reason,
	    "balance_cents", balance));
}

int
payments_credit_grant(struct arena *a, struct payments_write *w)
{
	if (w->user <= 0) {
		w->conflict = "not_found";
		return DB_ABORT;
	}
	return db_tx(a, DB_READ_COMMITTED, credit_tx, w);
}

/* A payments_write of the request's validated input. */
static struct payments_write
write_of(struct request *r)
{
	struct payments_write	 w;

	memset(&w, 0, sizeof(w));
	w.in = r->in;
	w.actor = r->user_id;
	return w;
}

/* POST /v1/admin/promotions */
void
payments_api_promotion(struct request *r)
{
	struct payments_write	 w = write_of(r);
	int			 rc = payments_promotion_create(r->a, &w);

	if (rc == DB_ABORT && w.field != NULL)
		resp_invalid(r, json_pack("{s:s}", w.field, w.problem));
	else if (rc == DB_ABORT)
		resp_error(r, 409, "code_taken", "a promotion with this code "
		    "already exists", NULL);
	else if (rc != DB_OK)
		db_fail_reply(r, rc);
	else
		resp_json(r, 201, json_pack("{s:O}", "promotion", w.result));
}

/* POST /v1/admin/gift_cards */
void
payments_api_gift_card(struct request *r)
{
	struct payments_write	 w = write_of(r);
	int			 rc = payments_gift_card_create(r->a, &w);

	if (rc != DB_OK) {
		db_fail_reply(r, rc);
		return;
	}
	resp_json(r, 201, json_pack("{s:O}", "gift_card", w.result));
}

/* POST /v1/admin/users/{id}/credit */
void
payments_api_credit(struct request *r)
{
	struct payments_write	 w = write_of(r);
	json_t			*user;
	int			 rc;

	if (parse_int64(req_capture(r, "id"), &w.user) == -1)
		w.user = 0;
	rc = payments_credit_grant(r->a, &w);
	if (rc == DB_ABORT) {
		resp_error(r, 404, "not_found", "there is no such user", NULL);
		return;
	}
	if (rc != DB_OK || (user = users_get_json(r->a, w.user, &rc)) == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	resp_json(r, 200, json_pack("{s:o,s:O}", "user", user, "credit_cents",
	    json_object_get(w.result, "credit_cents")));
}
