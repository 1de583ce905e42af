/*
 * GET and POST /checkout/{hold_id}: the checkout page and its payment
 * form.
 *
 * The form is turned into the very input POST /v1/payments/{type} gets
 * (validated against payments_pay_fields), checked by the provider, and
 * paid through payments_pay().  Each rendering of the form carries a new
 * random idempotency key, claimed and stored like the API's
 * Idempotency-Key header, so a form sent twice (a double click, a
 * reload) charges once and answers the same both times.  What a page
 * adds is the answer for a person: a redirect to the booking, or the form
 * again with the reason in plain words and what was typed, except the
 * card number and the CVC, which are never sent back.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "bookings/checkout.h"
#include "bookings/pages.h"
#include "core/config.h"
#include "core/request.h"
#include "core/util.h"
#include "payments/payments.h"
#include "store/db.h"
#include "store/ratelimit.h"

/* Page keys live beside API keys; the prefix keeps them apart. */
#define KEY_PREFIX	"web:"
/* A second sending of a form whose payment is still running waits for
 * it this many times this long, then says it is still running. */
#define WAIT_TRIES	40
#define WAIT_USEC	100000

const struct field checkout_query[] = {
	{ "promo", FT_STRING, 0, 0, 64, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field card_form[] = {
	{ "number", FT_STRING, 0, 0, 40, NULL, NULL },
	{ "exp_month", FT_INT, 0, 0, 0, NULL, NULL },
	{ "exp_year", FT_INT, 0, 0, 0, NULL, NULL },
	{ "cvc", FT_STRING, 0, 0, 8, NULL, NULL },
	{ "name", FT_STRING, 0, 0, 100, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field gift_form[] = {
	{ "code", FT_STRING, 0, 0, 64, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const char *const pay_types[] = { "card", "gift_card", "wallet", NULL };

const struct field checkout_form[] = {
	{ "payment_type", FT_ENUM, 1, 0, 0, pay_types, NULL },
	{ "promo_code", FT_STRING, 0, 0, 64, NULL, NULL },
	{ "card", FT_OBJECT, 0, 0, 0, NULL, card_form },
	{ "gift_card", FT_OBJECT, 0, 0, 0, NULL, gift_form },
	{ "idempotency_key", FT_STRING, 1, 1, 200, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* The reasons of a 402, in words; insufficient_balance depends on what
 * was paying. */
static const struct {
	const char	*reason;
	const char	*words;
} declines[] = {
	{ "card_declined", "Your card was declined. Nothing was charged; try "
	    "another card or another way to pay." },
	{ "insufficient_funds", "Your card was declined for insufficient "
	    "funds. Nothing was charged; try another card or another way to "
	    "pay." },
	{ "processor_error", "The card processor is not answering just now. "
	    "Nothing was charged; please try again in a minute." },
};

/* What a refusal of payments_pay() says, kept for a replay. */
struct refusal {
	int		 status;
	const char	*code;
	const char	*reason;	/* details.reason, or NULL */
};

/* The {hold_id} of the path: the hold, or 0 after a 404. */
static int64_t
hold_or_reply(struct request *r)
{
	int64_t	 id;

	if (parse_int64(req_capture(r, "hold_id"), &id) == 0 && id > 0)
		return id;
	resp_error(r, 404, "not_found", "there is no such hold", NULL);
	return 0;
}

/* Loads the hold; 0, or -1 after a 404 or 503. */
static int
load_or_reply(struct request *r, int64_t id, struct checkout *co)
{
	switch (checkout_load(r, id, co)) {
	case HOLD_MISSING:
		resp_error(r, 404, "not_found", "there is no such hold", NULL);
		return -1;
	case HOLD_DB:
		db_fail_reply(r, DB_ERROR);
		return -1;
	default:
		return 0;
	}
}

/* GET /checkout/{hold_id}?promo=CODE */
void
checkout_page(struct request *r)
{
	struct checkout		 co;
	struct checkout_reply	 f = { 200, NULL, NULL, 0 };
	int64_t			 id;

	if ((id = hold_or_reply(r)) == 0 || load_or_reply(r, id, &co) == -1)
		return;
	if (in_error(r, "promo") != NULL)
		f.notice = "That promo code is too long to be one of ours.";
	else
		checkout_promo(r, &co, in_str(r, "promo"));
	checkout_render(r, &co, &f);
}

/* Sets key to the string v unless it is NULL or empty. */
static void
put_text(json_t *obj, const char *key, const char *v)
{
	if (v != NULL && *v != '\0')
		json_object_set_new(obj, key, json_string(v));
}

/* The card fields that were filled in (an empty one is absent). */
static json_t *
card_input(struct request *r)
{
	json_t		*card = json_object(), *v;
	const char	*k;

	json_object_foreach(json_object_get(r->in, "card"), k, v)
		if (!json_is_string(v) || json_string_length(v) > 0)
			json_object_set(card, k, v);
	return card;
}

/*
 * The body POST /v1/payments/{type} would get, validated against the
 * same fields: {"hold_id", "promo_code"?, "card": {...} | "gift_card":
 * {...}}.  NULL with *errors set (arena-owned) when it does not validate.
 */
static json_t *
payment_input(struct request *r, int64_t hold, const char *type,
    json_t **errors)
{
	json_t		*raw = json_pack("{s:I}", "hold_id", (json_int_t)hold);
	json_t		*gift;
	struct vresult	 vr;
	int		 rc;

	put_text(raw, "promo_code", in_str(r, "promo_code"));
	if (strcmp(type, "card") == 0)
		json_object_set_new(raw, "card", card_input(r));
	else if (strcmp(type, "gift_card") == 0) {
		gift = json_object();
		put_text(gift, "code", json_string_value(json_object_get(
		    json_object_get(r->in, "gift_card"), "code")));
		json_object_set_new(raw, "gift_card", gift);
	}
	rc = validate_json(r->a, payments_pay_fields, raw, &vr);
	json_decref(raw);
	if (rc != 0) {
		*errors = vr.errors;
		return NULL;
	}
	return vr.values;
}

/* Renders the refusal of a payment: the page of an ended hold, or the
 * form again with the reason in words. */
static void
refused(struct request *r, int64_t id, const struct refusal *rf)
{
	struct checkout		 co;
	struct checkout_reply	 f = { rf->status, NULL, NULL, 1 };
	const char		*type = in_str(r, "payment_type") ?: "";
	size_t			 i;

	if (rf->status == 503) {
		resp_unavailable(r, 5);
		return;
	}
	if (rf->status == 404 || load_or_reply(r, id, &co) == -1) {
		if (rf->status == 404)
			resp_error(r, 404, "not_found", "there is no such hold",
			    NULL);
		return;
	}
	checkout_promo(r, &co, in_str(r, "promo_code"));
	if (strcmp(rf->code, "promotion_not_applicable") == 0)
		f.notice = arena_printf(r->a, "Promo code %s cannot be used: %s. "
		    "Nothing was charged.", in_str(r, "promo_code") ?: "",
		    checkout_promo_words(rf->reason));
	else if (strcmp(rf->code, "idempotency_key_reused") == 0)
		f.notice = "This form was already sent with other details. "
		    "Check My bookings; to pay again, use the form below.";
	else if (strcmp(rf->code, "hold_expired") == 0 ||
	    strcmp(rf->code, "showtime_closed") == 0)
		f.notice = "Your hold expired — pick your seats again. Nothing "
		    "was charged.";
	else if (strcmp(rf->code, "payment_in_progress") == 0)
		f.notice = "These seats are already being paid for. Check My "
		    "bookings in a moment before you pay again.";
	else if (rf->reason != NULL &&
	    strcmp(rf->reason, "insufficient_balance") == 0)
		f.notice = strcmp(type, "wallet") == 0 ? "Your account credit "
		    "does not cover this total. Nothing was charged." : "Your "
		    "gift card does not have enough balance for this total. "
		    "Nothing was charged.";
	for (i = 0; f.notice == NULL && rf->reason != NULL &&
	    i < sizeof(declines) / sizeof(declines[0]); i++)
		if (strcmp(declines[i].reason, rf->reason) == 0)
			f.notice = declines[i].words;
	if (f.notice == NULL)
		f.notice = "The payment did not go through. Nothing was "
		    "charged; please try again.";
	checkout_render(r, &co, &f);
}

/* Answers a stored first answer again: the booking, or the refusal. */
static void
replay(struct request *r, int64_t id, int status, const char *stored)
{
	struct refusal	 rf = { status, "", NULL };
	json_t		*j;

	if (status == 303 && strncmp(stored, "/bookings/", 10) == 0) {
		resp_redirect(r, 303, stored);
		return;
	}
	if ((j = json_loads(stored, 0, NULL)) != NULL) {
		arena_defer(r->a, (void (*)(void *))json_decref, j);
		rf.code = json_string_value(json_object_get(j, "code")) ?: "";
		rf.reason = json_string_value(json_object_get(json_object_get(j,
		    "details"), "reason"));
	}
	refused(r, id, &rf);
}

/*
 * Claims the form's key; 1 to go on and pay, 0 when it answered (a
 * replay of the first sending, or 409).  A first sending still running
 * is waited for a little.
 */
static int
claim_or_reply(struct request *r, int64_t id, const char *key,
    const char *hash)
{
	const char	*stored = NULL;
	int		 status = 0, i;
	enum idem_rc	 rc;

	for (i = 0; i < WAIT_TRIES; i++) {
		rc = idempotency_claim(r->a, r->user_id, key, hash, &status,
		    &stored);
		if (rc != IDEM_IN_PROGRESS)
			break;
		usleep(WAIT_USEC);
	}
	switch (rc) {
	case IDEM_NEW:
		return 1;
	case IDEM_REPLAY:
		replay(r, id, status, stored);
		return 0;
	case IDEM_IN_PROGRESS:
		refused(r, id, &(struct refusal){ 409, "payment_in_progress",
		    NULL });
		return 0;
	case IDEM_REUSED:
		refused(r, id, &(struct refusal){ 409, "idempotency_key_reused",
		    NULL });
		return 0;
	default:
		db_fail_reply(r, DB_ERROR);
		return 0;
	}
}

/* The form again with field errors (status 400 or 422). */
static void
form_errors(struct request *r, int64_t id, int status, json_t *errors)
{
	struct checkout		 co;
	struct checkout_reply	 f = { status, "Please check the details "
				    "below. Nothing was charged.", errors, 1 };

	if (load_or_reply(r, id, &co) == -1)
		return;
	checkout_promo(r, &co, in_str(r, "promo_code"));
	checkout_render(r, &co, &f);
}

/* Stores the booking's address under the key and goes there. */
static void
booked(struct request *r, int64_t booking, const char *key)
{
	const char	*where = arena_printf(r->a, "/bookings/%lld?new=1",
			    (long long)booking);

	idempotency_store(r->a, r->user_id, key, 303, where);
	resp_redirect(r, 303, where);
}

/* Pays; stores the answer under the key and gives it. */
static void
pay(struct request *r, int64_t id, struct payment *p, const char *key)
{
	struct refusal	 rf;
	char		*dump;
	json_t		*err;

	if (payments_pay(r->a, p) == 0) {
		booked(r, p->booking, key);
		return;
	}
	err = json_pack("{s:s,s:s}", "code", p->code, "message", p->message);
	if (p->details != NULL)
		json_object_set_new(err, "details", p->details);
	p->details = NULL;
	dump = json_dumps(err, JSON_COMPACT);
	idempotency_store(r->a, r->user_id, key, p->status, dump);
	arena_json_free(dump);
	rf.status = p->status;
	rf.code = p->code;
	rf.reason = arena_strdup(r->a, json_string_value(json_object_get(
	    json_object_get(err, "details"), "reason")) ?: "");
	json_decref(err);
	refused(r, id, &rf);
}

/* POST /checkout/{hold_id} with csrf and the form of checkout_form. */
void
checkout_page_pay(struct request *r)
{
	struct checkout	 co;
	struct payment	 p;
	json_t		*errors = NULL;
	const char	*type, *key;
	int64_t		 id;
	int		 wait;

	if ((id = hold_or_reply(r)) == 0 || load_or_reply(r, id, &co) == -1)
		return;
	json_decref(co.ctx);
	if (r->in_errors != NULL) {
		form_errors(r, id, 400, r->in_errors);
		return;
	}
	memset(&p, 0, sizeof(p));
	type = in_str(r, "payment_type");
	p.pv = provider_find(type);
	if ((p.in = payment_input(r, id, type, &errors)) == NULL) {
		form_errors(r, id, 400, errors);
		return;
	}
	if ((errors = p.pv->check(r->a, p.in, &p.charge)) != NULL) {
		arena_defer(r->a, (void (*)(void *))json_decref, errors);
		form_errors(r, id, 422, errors);
		return;
	}
	if ((wait = ratelimit_hit(r->a, arena_printf(r->a, "pay:%lld",
	    (long long)r->user_id), cfg.rl_pay_user, cfg.rl_window,
	    RL_FAIL_OPEN)) > 0) {
		ratelimit_reply(r, wait);
		return;
	}
	key = arena_printf(r->a, KEY_PREFIX "%s", in_str(r, "idempotency_key"));
	if (!claim_or_reply(r, id, key, payments_request_hash(r->a, type, p.in)))
		return;
	p.user = r->user_id;
	p.hold = id;
	pay(r, id, &p, key);
}
