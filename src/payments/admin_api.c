/*
 * Admin extras: promotions, gift cards and account credit, each audited.
 */
#include <string.h>

#include <sodium.h>

#include "admin/admin.h"
#include "core/request.h"
#include "core/util.h"
#include "payments/payments.h"
#include "store/db.h"
#include "users/users.h"

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

static const char *
opt_int(struct request *r, const char *name)
{
	return in_has(r, name) ? arena_printf(r->a, "%lld",
	    (long long)in_int(r, name)) : NULL;
}

struct promo_ctx {
	struct request	*r;
	json_t		*promo;
};

static int
promotion_tx(struct arena *a, void *ctx)
{
	struct promo_ctx	*c = ctx;
	struct request		*r = c->r;
	PGresult		*res;

	res = db_q(a, "INSERT INTO promotions (code, kind, value, starts_at, "
	    "ends_at, max_uses, max_uses_per_user, min_tickets, created_by) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8::int, 1), $9) "
	    "ON CONFLICT (code) DO NOTHING RETURNING json_build_object('id', id, "
	    "'code', code, 'kind', kind, 'value', value, 'starts_at', "
	    "rfc3339(starts_at), 'ends_at', rfc3339(ends_at), 'max_uses', "
	    "max_uses, 'max_uses_per_user', max_uses_per_user, 'min_tickets', "
	    "min_tickets, 'uses', uses)", 9, in_str(r, "code"),
	    in_str(r, "kind"), opt_int(r, "value"), in_str(r, "starts_at"),
	    in_str(r, "ends_at"), opt_int(r, "max_uses"),
	    opt_int(r, "max_uses_per_user"), opt_int(r, "min_tickets"),
	    db_id(a, r->user_id));
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return DB_ABORT;
	c->promo = db_json(res, 0, 0);
	return audit_write(a, r->user_id, "promotion.create", "promotion",
	    in_str(r, "code"), NULL, c->promo);
}

/* POST /v1/admin/promotions */
void
payments_api_promotion(struct request *r)
{
	struct promo_ctx	 c = { r, NULL };
	int			 rc;

	if (strcmp(in_str(r, "kind"), "percent") == 0 && in_int(r, "value") > 100) {
		resp_invalid(r, json_pack("{s:s}", "value",
		    "a percentage must be between 1 and 100"));
		return;
	}
	rc = db_tx(r->a, DB_READ_COMMITTED, promotion_tx, &c);
	if (rc == DB_ABORT)
		resp_error(r, 409, "code_taken", "a promotion with this code "
		    "already exists", NULL);
	else if (rc != DB_OK) {
		json_decref(c.promo);
		db_fail_reply(r, rc);
	} else
		resp_json(r, 201, json_pack("{s:o}", "promotion", c.promo));
}

static const char code_chars[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

struct gift_ctx {
	struct request	*r;
	const char	*code;
};

static int
gift_tx(struct arena *a, void *ctx)
{
	struct gift_ctx	*c = ctx;
	char		*code = arena_alloc(a, 17);
	const char	*bal = opt_int(c->r, "balance_cents");
	PGresult	*res;
	int		 i;

	for (i = 0; i < 16; i++)
		code[i] = code_chars[randombytes_uniform(sizeof(code_chars) - 1)];
	code[16] = '\0';
	res = db_q(a, "INSERT INTO gift_cards (code, balance_cents, "
	    "initial_cents, created_by) VALUES ($1, $2, $2, $3) RETURNING id", 3,
	    code, bal, db_id(a, c->r->user_id));
	if (res == NULL)
		return -1;
	c->code = code;
	return audited(a, c->r->user_id, "gift_card.create", "gift_card",
	    db_val(res, 0, 0), json_pack("{s:s,s:s}", "code_last4", code + 12,
	    "balance_cents", bal));
}

/* POST /v1/admin/gift_cards */
void
payments_api_gift_card(struct request *r)
{
	struct gift_ctx	 c = { r, NULL };
	int		 rc = db_tx(r->a, DB_READ_COMMITTED, gift_tx, &c);

	if (rc != DB_OK) {
		db_fail_reply(r, rc);
		return;
	}
	resp_json(r, 201, json_pack("{s:{s:s,s:I}}", "gift_card", "code", c.code,
	    "balance_cents", (json_int_t)in_int(r, "balance_cents")));
}

struct credit_ctx {
	struct request	*r;
	int64_t		 user;
	int64_t		 balance;
};

static int
credit_tx(struct arena *a, void *ctx)
{
	struct credit_ctx	*c = ctx;
	const char		*uid = db_id(a, c->user);
	const char		*amt = opt_int(c->r, "amount_cents");
	PGresult		*res;

	res = db_q(a, "INSERT INTO wallets (user_id, balance_cents) "
	    "SELECT id, $2 FROM users WHERE id = $1 ON CONFLICT (user_id) DO "
	    "UPDATE SET balance_cents = wallets.balance_cents + $2 "
	    "RETURNING balance_cents", 2, uid, amt);
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1)
		return DB_ABORT;
	c->balance = db_int(res, 0, 0);
	if (!db_q(a, "INSERT INTO wallet_entries (user_id, amount_cents, reason, "
	    "created_by) VALUES ($1, $2, $3, $4)", 4, uid, amt,
	    in_str(c->r, "reason"), db_id(a, c->r->user_id)))
		return -1;
	return audited(a, c->r->user_id, "user.credit", "user", uid,
	    json_pack("{s:s,s:s,s:I}", "amount_cents", amt, "reason",
	    in_str(c->r, "reason"), "balance_cents", (json_int_t)c->balance));
}

/* POST /v1/admin/users/{id}/credit */
void
payments_api_credit(struct request *r)
{
	struct credit_ctx	 c = { r, 0, 0 };
	json_t			*user;
	int			 rc;

	if (parse_int64(req_capture(r, "id"), &c.user) == -1 || c.user <= 0) {
		resp_error(r, 404, "not_found", "there is no such user", NULL);
		return;
	}
	rc = db_tx(r->a, DB_READ_COMMITTED, credit_tx, &c);
	if (rc == DB_ABORT) {
		resp_error(r, 404, "not_found", "there is no such user", NULL);
		return;
	}
	if (rc != DB_OK || (user = users_get_json(r->a, c.user, &rc)) == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	resp_json(r, 200, json_pack("{s:o,s:I}", "user", user, "credit_cents",
	    (json_int_t)c.balance));
}
