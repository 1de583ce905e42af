/*
 * The payment providers.  `card` is a simulated processor with the test
 * numbers of API.md: it keeps its own ledger (card_charges), answers a
 * repeated idempotency key with the first outcome, and never sees more
 * than it needs: the card number and CVC are checked here and dropped;
 * only the brand and the last four digits go on.
 */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/util.h"
#include "payments/payments.h"
#include "store/db.h"

#define CARD_DECLINED		"4000000000000002"
#define CARD_NO_FUNDS		"4000000000009995"
#define CARD_PROCESSOR_ERROR	"4000000000000119"

/* The digits of a card number, spaces and dashes removed; NULL if other
 * characters are present. */
static char *
digits_of(struct arena *a, const char *s)
{
	char	*out = arena_alloc(a, strlen(s) + 1), *o = out;

	for (; *s; s++) {
		if (isdigit((unsigned char)*s))
			*o++ = *s;
		else if (*s != ' ' && *s != '-')
			return NULL;
	}
	*o = '\0';
	return out;
}

static const char *
brand_of(const char *d)
{
	int	 two = (d[0] - '0') * 10 + (d[1] - '0');
	int	 four = two * 100 + (d[2] - '0') * 10 + (d[3] - '0');

	if (d[0] == '4')
		return "visa";
	if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720))
		return "mastercard";
	if (two == 34 || two == 37)
		return "amex";
	if (strncmp(d, "6011", 4) == 0 || two == 65)
		return "discover";
	return "card";
}

static int
expired(long long month, long long year)
{
	time_t		 now = time(NULL);
	struct tm	 tm;

	gmtime_r(&now, &tm);
	if (year < 100)
		year += 2000;
	return year < tm.tm_year + 1900 ||
	    (year == tm.tm_year + 1900 && month < tm.tm_mon + 1);
}

static void
field(json_t **errors, const char *name, const char *msg)
{
	if (*errors == NULL)
		*errors = json_object();
	json_object_set_new(*errors, name, json_string(msg));
}

static json_t *
card_check(struct arena *a, json_t *in, struct charge *ch)
{
	json_t		*card = json_object_get(in, "card"), *errors = NULL;
	const char	*num = json_string_value(json_object_get(card, "number"));
	const char	*cvc = json_string_value(json_object_get(card, "cvc"));
	json_t		*m = json_object_get(card, "exp_month");
	json_t		*y = json_object_get(card, "exp_year");
	char		*d = num ? digits_of(a, num) : NULL;
	size_t		 n = d ? strlen(d) : 0;

	if (card == NULL)
		field(&errors, "card", "is required");
	if (d == NULL || n < 12 || n > 19)
		field(&errors, "card.number", "must be 12 to 19 digits");
	else if (!luhn_valid(d))
		field(&errors, "card.number", "is not a valid card number");
	if (!json_is_integer(m) || json_integer_value(m) < 1 ||
	    json_integer_value(m) > 12)
		field(&errors, "card.exp_month", "must be a month from 1 to 12");
	if (!json_is_integer(y) || json_integer_value(y) < 0 ||
	    json_integer_value(y) > 9999)
		field(&errors, "card.exp_year", "must be a year such as 2029");
	else if (json_is_integer(m) && expired(json_integer_value(m),
	    json_integer_value(y)))
		field(&errors, "card.exp_year", "the card has expired");
	if (cvc == NULL || strlen(cvc) < 3 || strlen(cvc) > 4 ||
	    strspn(cvc, "0123456789") != strlen(cvc))
		field(&errors, "card.cvc", "must be 3 or 4 digits");
	if (json_string_value(json_object_get(card, "name")) == NULL)
		field(&errors, "card.name", "is required");
	if (errors == NULL) {
		ch->brand = brand_of(d);
		ch->last4 = arena_strdup(a, d + n - 4);
	}
	return errors;
}

/* The processor: one row per idempotency key, the first outcome wins. */
static enum charge_rc
card_charge(struct arena *a, const char *key, int amount, json_t *in,
    struct charge *ch)
{
	const char	*num = json_string_value(json_object_get(
			    json_object_get(in, "card"), "number"));
	char		*d = num ? digits_of(a, num) : NULL;
	const char	*outcome = "approved", *reason = NULL;
	PGresult	*res;

	if (d == NULL || strcmp(d, CARD_PROCESSOR_ERROR) == 0)
		return CHARGE_ERROR;
	if (strcmp(d, CARD_DECLINED) == 0) {
		outcome = "declined";
		reason = "card_declined";
	} else if (strcmp(d, CARD_NO_FUNDS) == 0) {
		outcome = "declined";
		reason = "insufficient_funds";
	}
	db_q(a, "INSERT INTO card_charges (idempotency_key, amount_cents, "
	    "outcome, reason, reference) VALUES ($1, $2, $3, $4, $5) "
	    "ON CONFLICT (idempotency_key) DO NOTHING", 5, key,
	    arena_printf(a, "%d", amount), outcome, reason,
	    arena_printf(a, "ch_%s", random_hex(a, 12)));
	res = db_q(a, "SELECT outcome, reason, reference FROM card_charges "
	    "WHERE idempotency_key = $1", 1, key);
	if (res == NULL || PQntuples(res) != 1)
		return CHARGE_ERROR;
	ch->reference = db_val(res, 0, 2);
	if (strcmp(db_val(res, 0, 0), "approved") == 0)
		return CHARGE_APPROVED;
	ch->reason = db_val(res, 0, 1);
	return CHARGE_DECLINED;
}

static int
card_refund(struct arena *a, const char *reference, int amount)
{
	PGresult	*res;

	res = db_q(a, "UPDATE card_charges SET refunded_cents = "
	    "refunded_cents + $2 WHERE reference = $1 AND outcome = 'approved' "
	    "AND refunded_cents + $2 <= amount_cents RETURNING 1", 2, reference,
	    arena_printf(a, "%d", amount));
	return res != NULL && PQntuples(res) == 1 ? 0 : -1;
}

static json_t *
gift_card_check(struct arena *a, json_t *in, struct charge *ch)
{
	json_t	*errors = NULL;

	(void)a;
	if (json_string_value(json_object_get(json_object_get(in, "gift_card"),
	    "code")) == NULL)
		field(&errors, "gift_card.code", "is required");
	ch->brand = NULL;
	ch->last4 = NULL;
	return errors;
}

static json_t *
wallet_check(struct arena *a, json_t *in, struct charge *ch)
{
	(void)a;
	(void)in;
	ch->brand = ch->last4 = NULL;
	return NULL;
}

static const struct provider providers[] = {
	{ "card", 0, card_check, card_charge, card_refund },
	{ "gift_card", 1, gift_card_check, NULL, NULL },
	{ "wallet", 1, wallet_check, NULL, NULL },
};

const struct provider *
provider_find(const char *name)
{
	size_t	 i;

	for (i = 0; name && i < sizeof(providers) / sizeof(providers[0]); i++)
		if (strcmp(providers[i].name, name) == 0)
			return &providers[i];
	return NULL;
}
