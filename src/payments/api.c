/*
 * POST /v1/payments/{payment_type}, with Idempotency-Key, and the admin
 * endpoints for promotions, gift cards and account credit.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/arena.h"
#include "admin/admin.h"
#include "core/config.h"
#include "core/request.h"
#include "core/util.h"
#include "payments/payments.h"
#include "store/db.h"
#include "store/ratelimit.h"

static const struct field card_fields[] = {
	{ "number", FT_STRING, 0, 0, 40, NULL, NULL },
	{ "exp_month", FT_INT, 0, 0, 0, NULL, NULL },
	{ "exp_year", FT_INT, 0, 0, 0, NULL, NULL },
	{ "cvc", FT_STRING, 0, 0, 8, NULL, NULL },
	{ "name", FT_STRING, 0, 1, 100, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field gift_fields[] = {
	{ "code", FT_STRING, 0, 1, 64, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field payments_pay_fields[] = {
	{ "hold_id", FT_ID, 1, 0, 0, NULL, NULL },
	{ "promo_code", FT_STRING, 0, 0, 64, NULL, NULL },
	{ "card", FT_OBJECT, 0, 0, 0, NULL, card_fields },
	{ "gift_card", FT_OBJECT, 0, 0, 0, NULL, gift_fields },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/*
 * A keyed BLAKE2b (the instance secret is the key) of the payment type and
 * the body, canonicalised.  Keyed, because the body holds the card number:
 * a plain hash of it could be brute-forced from the last four digits.
 */
const char *
payments_request_hash(struct arena *a, const char *type, json_t *body)
{
	unsigned char	 h[32], key[crypto_generichash_KEYBYTES];
	char		*canon = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	char		*hex = arena_alloc(a, 2 * sizeof(h) + 1);
	crypto_generichash_state st;

	crypto_generichash(key, sizeof(key), (const unsigned char *)cfg.secret,
	    strlen(cfg.secret), (const unsigned char *)"idempotency", 11);
	crypto_generichash_init(&st, key, sizeof(key), sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)type,
	    strlen(type) + 1);
	if (canon != NULL)
		crypto_generichash_update(&st, (const unsigned char *)canon,
		    strlen(canon));
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_memzero(key, sizeof(key));
	if (canon != NULL) {
		sodium_memzero(canon, strlen(canon));	/* card details */
		arena_json_free(canon);
	}
	hex_encode(hex, h, sizeof(h));
	return hex;
}

enum idem_rc
idempotency_claim(struct arena *a, int64_t user, const char *key,
    const char *hash, int *status, const char **response)
{
	PGresult	*res;
	const char	*uid = db_id(a, user);

	/* A key is kept 24 hours; one whose request never finished (its
	 * worker died: the repair job took over its payment) is freed after a
	 * minute, so the same request gets a final answer. */
	db_q(a, "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 "
	    "AND (created_at < now() - interval '24 hours' OR (status IS NULL "
	    "AND created_at < now() - interval '90 seconds'))", 2, uid, key);
	res = db_q(a, "INSERT INTO idempotency_keys (user_id, key, "
	    "request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING "
	    "RETURNING 1", 3, uid, key, hash);
	if (res == NULL)
		return IDEM_DB;
	if (PQntuples(res) == 1)
		return IDEM_NEW;
	res = db_q(a, "SELECT request_hash, status, response FROM "
	    "idempotency_keys WHERE user_id = $1 AND key = $2", 2, uid, key);
	if (res == NULL || PQntuples(res) != 1)
		return IDEM_DB;
	if (strcmp(db_val(res, 0, 0), hash) != 0)
		return IDEM_REUSED;
	if (db_val(res, 0, 1) == NULL)
		return IDEM_IN_PROGRESS;
	*status = (int)db_int(res, 0, 1);
	*response = db_val(res, 0, 2);
	return IDEM_REPLAY;
}

void
idempotency_store(struct arena *a, int64_t user, const char *key, int status,
    const char *response)
{
	const char	*uid = db_id(a, user);

	if (status >= 500)
		db_q(a, "DELETE FROM idempotency_keys WHERE user_id = $1 "
		    "AND key = $2", 2, uid, key);
	else
		db_q(a, "UPDATE idempotency_keys SET status = $3, response = $4 "
		    "WHERE user_id = $1 AND key = $2", 4, uid, key,
		    arena_printf(a, "%d", status), response ? response : "");
}

/*
 * Claims the key for this request, or answers with the first response
 * (same body) or 409 (another body, or the first still running).
 * Returns 1 to go on, 0 when it answered.
 */
/*
 * The request that claimed key never answered (its worker died after the
 * charge), but the repair job made its booking since: answer with that
 * booking, and keep it as the key's answer.  1 when it answered.
 */
static int
answer_repaired(struct request *r, const char *key)
{
	const char	*uid = db_id(r->a, r->user_id);
	PGresult	*res;

	res = db_q(r->a, "SELECT booking_json(pa.booking_id) FROM "
	    "payment_attempts pa, idempotency_keys k WHERE k.user_id = $1 "
	    "AND k.key = $2 AND k.status IS NULL AND pa.user_id = $1 "
	    "AND pa.hold_id = $3 AND pa.state = 'booked' "
	    "AND pa.created_at >= k.created_at ORDER BY pa.id DESC LIMIT 1", 3,
	    uid, key, db_id(r->a, in_int(r, "hold_id")));
	if (res == NULL || PQntuples(res) != 1)
		return 0;
	resp_json(r, 201, json_pack("{s:o}", "booking", db_json(res, 0, 0)));
	idempotency_store(r->a, r->user_id, key, 201, r->resp.body->data);
	return 1;
}

static int
claim_or_reply(struct request *r, const char *key, const char *hash)
{
	const char	*response = NULL;
	int		 status = 0;

	switch (idempotency_claim(r->a, r->user_id, key, hash, &status,
	    &response)) {
	case IDEM_NEW:
		return 1;
	case IDEM_REUSED:
		resp_error(r, 409, "idempotency_key_reused", "this "
		    "Idempotency-Key was used for a different request", NULL);
		break;
	case IDEM_IN_PROGRESS:
		if (answer_repaired(r, key))
			break;
		resp_error(r, 409, "payment_in_progress", "a payment with this "
		    "Idempotency-Key is still being processed", NULL);
		resp_header(r, "Retry-After", "1");
		break;
	case IDEM_REPLAY:
		resp_text(r, status, "application/json; charset=utf-8",
		    response, strlen(response));
		resp_header(r, "Idempotent-Replayed", "true");
		break;
	default:
		db_fail_reply(r, DB_ERROR);
	}
	return 0;
}

static void
answer(struct request *r, struct payment *p, int ok)
{
	PGresult	*res;

	if (ok) {
		res = db_q(r->a, "SELECT booking_json($1)", 1,
		    db_id(r->a, p->booking));
		if (res == NULL) {
			db_fail_reply(r, DB_ERROR);
			return;
		}
		resp_json(r, 201, json_pack("{s:o}", "booking",
		    db_json(res, 0, 0)));
		return;
	}
	if (p->status == 503) {
		resp_unavailable(r, 5);
		return;
	}
	resp_error(r, p->status, p->code, p->message, p->details);
	p->details = NULL;
}

/* POST /v1/payments/{payment_type} */
void
payments_api_pay(struct request *r)
{
	const char	*key = req_header(r, "Idempotency-Key");
	const char	*type = req_capture(r, "payment_type");
	struct payment	 p;
	json_t		*errors;
	int		 wait;

	memset(&p, 0, sizeof(p));
	if ((p.pv = provider_find(type)) == NULL) {
		resp_error(r, 404, "not_found", "unknown payment type; use card, "
		    "gift_card or wallet", NULL);
		return;
	}
	if (key == NULL || *key == '\0' || strlen(key) > 200) {
		resp_invalid(r, json_pack("{s:s}", "Idempotency-Key", "the "
		    "Idempotency-Key header is required (1 to 200 characters)"));
		return;
	}
	if ((errors = p.pv->check(r->a, r->in, &p.charge)) != NULL) {
		resp_error(r, 422, "invalid_payment_details", "some payment "
		    "details are not valid; nothing was charged",
		    json_pack("{s:o}", "fields", errors));
		return;
	}
	if ((wait = ratelimit_hit(r->a, arena_printf(r->a, "pay:%lld",
	    (long long)r->user_id), cfg.rl_pay_user, cfg.rl_window,
	    RL_FAIL_OPEN)) > 0) {
		ratelimit_reply(r, wait);
		return;
	}
	if (!claim_or_reply(r, key, payments_request_hash(r->a, type,
	    r->json ? r->json : r->in)))
		return;
	p.in = r->in;
	p.user = r->user_id;
	p.hold = in_int(r, "hold_id");
	answer(r, &p, payments_pay(r->a, &p) == 0);
	idempotency_store(r->a, r->user_id, key, r->resp.status,
	    r->resp.body->data ? r->resp.body->data : "");
}
