/*
 * The payment flow: attempt, charge, booking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "payments/payments.h"
#include "store/db.h"
#include "store/live.h"

#define CHARGE_TRIES	3
/* An open attempt keeps its hold's seats at least this long. */
#define PIN_SECONDS	"180"

static int
refuse(struct payment *p, int status, const char *code, const char *msg,
    json_t *details)
{
	p->status = status;
	p->code = code;
	p->message = msg;
	if (p->details != NULL)
		json_decref(p->details);
	p->details = details;
	return DB_ABORT;
}

/* The hold: the caller's, its showtime open, every seat still its own. */
static int
check_hold(struct arena *a, struct payment *p, int *tickets)
{
	PGresult	*res;

	res = db_q(a, "SELECT h.user_id = $2, h.showtime_id, h.seat_ids::text, "
	    "s.status = 'scheduled' AND s.starts_at > now(), "
	    "(SELECT count(*) FROM showtime_seats ss WHERE "
	    "  ss.showtime_id = h.showtime_id AND ss.seat_id = ANY(h.seat_ids) "
	    "  AND ss.hold_id = h.id AND ss.held_until > now()) "
	    "  = cardinality(h.seat_ids), "
	    "(SELECT sum(seat_price(s.base_price_cents, st.kind)) "
	    "  FROM seats st WHERE st.id = ANY(h.seat_ids)), "
	    "cardinality(h.seat_ids), h.released_at IS NULL, h.total_cents "
	    "FROM holds h JOIN showtimes s ON s.id = h.showtime_id "
	    "WHERE h.id = $1", 2, db_id(a, p->hold), db_id(a, p->user));
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1 || !db_bool(res, 0, 0))
		return refuse(p, 404, "not_found", "there is no such hold", NULL);
	if (!db_bool(res, 0, 3))
		return refuse(p, 409, "showtime_closed", "this showtime has been "
		    "cancelled or has already started", NULL);
	if (!db_bool(res, 0, 4) || !db_bool(res, 0, 7))
		return refuse(p, 409, "hold_expired", "the hold on these seats "
		    "has expired; pick them again", NULL);
	if (db_int(res, 0, 5) != db_int(res, 0, 8))
		return refuse(p, 409, "price_changed", "the price of these seats "
		    "changed since you picked them; pick them again to see the "
		    "new price", NULL);
	p->showtime = db_int(res, 0, 1);
	p->seat_ids = arena_strdup(a, db_val(res, 0, 2));
	p->subtotal = (int)db_int(res, 0, 5);
	*tickets = (int)db_int(res, 0, 6);
	return 0;
}

/* A gift card code must name a card (its balance is checked when the
 * booking is made, where it is debited). */
static int
check_gift_card(struct arena *a, struct payment *p)
{
	PGresult	*res;

	if (strcmp(p->pv->name, "gift_card") != 0)
		return 0;
	res = db_q(a, "SELECT 1 FROM gift_cards WHERE code = upper($1)", 1,
	    json_string_value(json_object_get(json_object_get(p->in,
	    "gift_card"), "code")));
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1)
		return 0;
	return refuse(p, 422, "invalid_payment_details", "some payment details "
	    "are not valid; nothing was charged", json_pack("{s:{s:s}}",
	    "fields", "gift_card.code", "is not a gift card of ours"));
}

/* Reserves one use of the promotion for this attempt. */
static int
apply_promotion(struct arena *a, struct payment *p, int tickets)
{
	const char	*code = json_string_value(json_object_get(p->in,
			    "promo_code")), *reason, *kind;
	PGresult	*res;
	int		 value;

	p->discount = 0;
	p->promotion = 0;
	if (code == NULL || *code == '\0')
		return 0;
	reason = promotion_reason(a, code, p->user, tickets, &p->promotion,
	    &kind, &value);
	if (reason != NULL && *reason == '\0')
		return -1;
	if (reason == NULL) {
		res = db_q(a, "UPDATE promotions SET uses = uses + 1 WHERE id = $1 "
		    "AND (max_uses IS NULL OR uses < max_uses) RETURNING id", 1,
		    db_id(a, p->promotion));
		if (res == NULL)
			return -1;
		if (PQntuples(res) != 1)
			reason = "used_up";
	}
	if (reason != NULL)
		return refuse(p, 422, "promotion_not_applicable", "this promo "
		    "code does not apply; nothing was charged", json_pack("{s:s}",
		    "reason", reason));
	p->discount = promotion_discount(kind, value, p->subtotal);
	return 0;
}

static int
attempt_tx(struct arena *a, void *ctx)
{
	struct payment	*p = ctx;
	PGresult	*res;
	int		 tickets, rc;

	if ((rc = check_hold(a, p, &tickets)) != 0 ||
	    (rc = check_gift_card(a, p)) != 0 ||
	    (rc = apply_promotion(a, p, tickets)) != 0)
		return rc;
	p->amount = p->subtotal - p->discount;
	res = db_q(a, "INSERT INTO payment_attempts (user_id, hold_id, "
	    "showtime_id, provider, subtotal_cents, discount_cents, amount_cents, "
	    "promotion_id, gift_card_code, brand, last4) VALUES ($1, $2, $3, $4, "
	    "$5, $6, $7, $8, upper($9), $10, $11) RETURNING id", 11,
	    db_id(a, p->user), db_id(a, p->hold), db_id(a, p->showtime),
	    p->pv->name, arena_printf(a, "%d", p->subtotal),
	    arena_printf(a, "%d", p->discount), arena_printf(a, "%d", p->amount),
	    p->promotion ? db_id(a, p->promotion) : NULL,
	    json_string_value(json_object_get(json_object_get(p->in,
	    "gift_card"), "code")), p->charge.brand, p->charge.last4);
	if (res == NULL) {
		if (strcmp(db_sqlstate(), "23505") != 0)
			return -1;
		return refuse(p, 409, "payment_in_progress", "this hold is "
		    "already being paid for", NULL);
	}
	p->attempt = db_int(res, 0, 0);
	if (p->promotion && !db_q(a, "INSERT INTO promotion_uses (promotion_id, "
	    "user_id, attempt_id) VALUES ($1, $2, $3)", 3,
	    db_id(a, p->promotion), db_id(a, p->user), db_id(a, p->attempt)))
		return -1;
	/* Pin the hold: its seats cannot expire while the attempt is open. */
	/* The hold keeps its own expiry; while the attempt is open its
	 * seats stay held past it (close_attempt() gives the expiry back). */
	if (!db_q(a, "UPDATE showtime_seats SET held_until = greatest(held_until, "
	    "now() + make_interval(secs => " PIN_SECONDS ")) WHERE showtime_id = $1 "
	    "AND seat_id = ANY($2::bigint[]) AND hold_id = $3", 3,
	    db_id(a, p->showtime), p->seat_ids, db_id(a, p->hold)))
		return -1;
	return 0;
}

/* Ends an attempt that will not become a booking; frees its promotion. */
static void
close_attempt(struct arena *a, int64_t attempt, const char *state,
    const char *reason)
{
	db_q(a, "UPDATE payment_attempts SET state = $2, decline_reason = $3, "
	    "updated_at = now() WHERE id = $1", 3, db_id(a, attempt), state,
	    reason);
	/* The pin ends: the seats are held until the hold's own expiry. */
	db_q(a, "UPDATE showtime_seats ss SET held_until = h.expires_at "
	    "FROM payment_attempts pa JOIN holds h ON h.id = pa.hold_id "
	    "WHERE pa.id = $1 AND ss.showtime_id = h.showtime_id "
	    "AND ss.seat_id = ANY(h.seat_ids) AND ss.hold_id = h.id", 1,
	    db_id(a, attempt));
	db_q(a, "WITH u AS (DELETE FROM promotion_uses WHERE attempt_id = $1 "
	    "AND booking_id IS NULL RETURNING promotion_id) UPDATE promotions p "
	    "SET uses = uses - 1 FROM u WHERE p.id = u.promotion_id", 1,
	    db_id(a, attempt));
}

static const char code_chars[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

static char *
booking_code(struct arena *a)
{
	char	*c = arena_alloc(a, 9);
	int	 i;

	for (i = 0; i < 8; i++)
		c[i] = code_chars[randombytes_uniform(sizeof(code_chars) - 1)];
	c[8] = '\0';
	return c;
}

/* Debits a gift card or the wallet inside the booking transaction. */
static int
debit_internal(struct arena *a, struct payment *p)
{
	PGresult	*res;
	const char	*amt = arena_printf(a, "%d", p->amount);

	if (strcmp(p->pv->name, "gift_card") == 0) {
		res = db_q(a, "UPDATE gift_cards SET balance_cents = balance_cents "
		    "- $2 WHERE code = upper($1) AND balance_cents >= $2 "
		    "RETURNING id", 2, json_string_value(json_object_get(
		    json_object_get(p->in, "gift_card"), "code")), amt);
		if (res != NULL && PQntuples(res) == 1)
			p->gift_card_id = db_val(res, 0, 0);
	} else
		res = db_q(a, "UPDATE wallets SET balance_cents = balance_cents "
		    "- $2 WHERE user_id = $1 AND balance_cents >= $2 "
		    "RETURNING user_id", 2, db_id(a, p->user), amt);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1)
		return 0;
	return refuse(p, 402, "payment_declined", "there is not enough "
	    "balance to pay for these seats", json_pack("{s:s}", "reason",
	    "insufficient_balance"));
}

/* Records the ledger entry of an internal debit once the booking exists. */
static int
ledger_entry(struct arena *a, struct payment *p)
{
	if (strcmp(p->pv->name, "gift_card") == 0)
		return db_q(a, "INSERT INTO gift_card_entries (gift_card_id, "
		    "amount_cents, booking_id) VALUES ($1, -$2::int, $3)", 3,
		    p->gift_card_id, arena_printf(a, "%d", p->amount),
		    db_id(a, p->booking)) ? 0 : -1;
	if (strcmp(p->pv->name, "wallet") == 0)
		return db_q(a, "INSERT INTO wallet_entries (user_id, amount_cents, "
		    "reason, booking_id) VALUES ($1, -$2::int, 'booking', $3)", 3,
		    db_id(a, p->user), arena_printf(a, "%d", p->amount),
		    db_id(a, p->booking)) ? 0 : -1;
	return 0;
}

/* Inserts the booking row under a fresh code. */
static int
insert_booking(struct arena *a, struct payment *p)
{
	PGresult	*res = NULL;
	int		 i;

	for (i = 0; i < 5 && (res == NULL || PQntuples(res) == 0); i++) {
		res = db_q(a, "INSERT INTO bookings (code, user_id, showtime_id, "
		    "subtotal_cents, discount_cents, total_cents, payment_type, "
		    "payment_brand, payment_last4, payment_ref, gift_card_id, "
		    "promotion_id, hold_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
		    "$9, $10, $11, $12, $13) ON CONFLICT (code) DO NOTHING "
		    "RETURNING id", 13, booking_code(a), db_id(a, p->user),
		    db_id(a, p->showtime), arena_printf(a, "%d", p->subtotal),
		    arena_printf(a, "%d", p->discount),
		    arena_printf(a, "%d", p->amount), p->pv->name, p->charge.brand,
		    p->charge.last4, p->pv->internal ? NULL : p->charge.reference,
		    p->gift_card_id, p->promotion ? db_id(a, p->promotion) : NULL,
		    db_id(a, p->hold));
		if (res == NULL)
			return -1;
	}
	if (PQntuples(res) != 1)
		return -1;
	p->booking = db_int(res, 0, 0);
	return 0;
}

static int
booking_tx(struct arena *a, void *ctx)
{
	struct payment	*p = ctx;
	PGresult	*res;
	const char	*bid, *sid = db_id(a, p->showtime), *hid = db_id(a, p->hold);
	int		 rc;

	res = db_q(a, "SELECT count(*) = cardinality($3::bigint[]) FROM "
	    "showtime_seats WHERE showtime_id = $1 AND seat_id = ANY($3::bigint[]) "
	    "AND hold_id = $2 AND booking_id IS NULL", 3, sid, hid, p->seat_ids);
	if (res == NULL)
		return -1;
	if (!db_bool(res, 0, 0))
		return refuse(p, 409, "hold_expired", "the hold on these seats "
		    "expired before the payment finished; nothing was kept", NULL);
	if (p->pv->internal && (rc = debit_internal(a, p)) != 0)
		return rc;
	if (insert_booking(a, p) == -1 || ledger_entry(a, p) == -1)
		return -1;
	bid = db_id(a, p->booking);
	if (!db_q(a, "INSERT INTO booking_seats (booking_id, seat_id, label, kind, "
	    "price_cents) SELECT $1, st.id, st.label, st.kind, "
	    "seat_price(s.base_price_cents, st.kind) FROM seats st, showtimes s "
	    "WHERE s.id = $2 "
	    "AND st.id = ANY($3::bigint[])", 3, bid, sid, p->seat_ids) ||
	    !db_q(a, "UPDATE showtime_seats SET booking_id = $3, hold_id = NULL, "
	    "hold_user_id = NULL, held_until = NULL WHERE showtime_id = $1 "
	    "AND seat_id = ANY($4::bigint[]) AND hold_id = $2", 4, sid, hid, bid,
	    p->seat_ids) ||
	    !db_q(a, "UPDATE holds SET released_at = now() WHERE id = $1", 1, hid) ||
	    !db_q(a, "UPDATE payment_attempts SET state = 'booked', booking_id = $2, "
	    "reference = coalesce(reference, $3), updated_at = now() WHERE id = $1",
	    3, db_id(a, p->attempt), bid, p->charge.reference) ||
	    !db_q(a, "UPDATE promotion_uses SET booking_id = $2 WHERE "
	    "attempt_id = $1", 2, db_id(a, p->attempt), bid) ||
	    !db_q(a, "INSERT INTO outbox (kind, payload) VALUES "
	    "('booking_confirmed', jsonb_build_object('booking_id', $1::bigint))",
	    1, bid))
		return -1;
	return 0;
}

/* Tells the seat maps that the seats are sold. */
static void
announce_sold(struct arena *a, struct payment *p)
{
	PGresult	*res;
	json_t		*seats = json_array();
	int		 i;

	res = db_q(a, "SELECT label FROM booking_seats WHERE booking_id = $1", 1,
	    db_id(a, p->booking));
	for (i = 0; res != NULL && i < PQntuples(res); i++)
		json_array_append_new(seats, json_pack("{s:s,s:s}", "id",
		    db_val(res, i, 0), "status", "sold"));
	live_publish(p->showtime, seats);
	json_decref(seats);
}

/* The external charge, retried with the same key on processor errors. */
static enum charge_rc
charge_with_retries(struct arena *a, struct payment *p)
{
	const char	*key = arena_printf(a, "attempt-%lld",
			    (long long)p->attempt);
	enum charge_rc	 rc = CHARGE_ERROR;
	int		 i;

	for (i = 0; i < CHARGE_TRIES && rc == CHARGE_ERROR; i++) {
		if (i > 0)
			usleep(50000 * i);
		rc = p->pv->charge(a, key, p->amount, p->in, &p->charge);
	}
	return rc;
}

/* Runs the booking transaction; refunds an external charge it cannot
 * honour.  0 or -1 with the refusal set. */
static int
finish(struct arena *a, struct payment *p)
{
	int	 rc = db_tx(a, DB_SERIALIZABLE, booking_tx, p);

	if (rc == DB_OK) {
		metrics_inc(M_BOOKINGS);
		metrics_inc(M_PAYMENTS_OK);
		announce_sold(a, p);
		return 0;
	}
	if (rc == DB_ABORT) {
		close_attempt(a, p->attempt, p->pv->internal ? "declined" :
		    "refunded", p->code);
		if (!p->pv->internal)
			p->pv->refund(a, p->charge.reference, p->amount);
		metrics_inc(M_PAYMENTS_DECLINED);
		return -1;
	}
	/* The database failed after the charge: the repair job finishes
	 * the booking or refunds it. */
	refuse(p, 503, "service_unavailable", "your payment is being "
	    "processed; check your bookings in a minute", NULL);
	return -1;
}

int
payments_pay(struct arena *a, struct payment *p)
{
	int		 rc;
	enum charge_rc	 crc;

	rc = db_tx(a, DB_SERIALIZABLE, attempt_tx, p);
	if (rc == DB_ABORT)
		return -1;
	if (rc != DB_OK)
		return refuse(p, 503, "service_unavailable", "", NULL), -1;
	if (!p->pv->internal) {
		crc = charge_with_retries(a, p);
		if (crc != CHARGE_APPROVED) {
			close_attempt(a, p->attempt, crc == CHARGE_DECLINED ?
			    "declined" : "failed", crc == CHARGE_DECLINED ?
			    p->charge.reason : "processor_error");
			metrics_inc(crc == CHARGE_DECLINED ? M_PAYMENTS_DECLINED :
			    M_PAYMENTS_FAILED);
			refuse(p, 402, "payment_declined", crc == CHARGE_DECLINED ?
			    "the card was declined; nothing was charged" :
			    "the card processor is not answering; nothing was "
			    "charged, try again later", json_pack("{s:s}", "reason",
			    crc == CHARGE_DECLINED ? p->charge.reason :
			    "processor_error"));
			return -1;
		}
		if (cfg.test_faults && strcmp(json_string_value(json_object_get(
		    json_object_get(p->in, "card"), "name")) ?: "",
		    "CRASH AFTER CHARGE") == 0) {
			log_msg(LOG_WARN, "test fault: dying after the charge of "
			    "attempt %lld", (long long)p->attempt);
			_exit(70);
		}
		db_q(a, "UPDATE payment_attempts SET state = 'charged', "
		    "reference = $2, updated_at = now() WHERE id = $1", 2,
		    db_id(a, p->attempt), p->charge.reference);
	}
	return finish(a, p);
}

/* Loads an attempt into p for the repair job: 0 or -1. */
static int
load_attempt(struct arena *a, struct payment *p, int64_t id)
{
	PGresult	*res;

	res = db_q(a, "SELECT pa.user_id, pa.hold_id, pa.showtime_id, pa.provider, "
	    "h.seat_ids::text, pa.subtotal_cents, pa.discount_cents, "
	    "pa.amount_cents, pa.promotion_id, pa.brand, pa.last4, pa.reference "
	    "FROM payment_attempts pa JOIN holds h ON h.id = pa.hold_id "
	    "WHERE pa.id = $1", 1, db_id(a, id));
	if (res == NULL || PQntuples(res) != 1)
		return -1;
	memset(p, 0, sizeof(*p));
	p->attempt = id;
	p->user = db_int(res, 0, 0);
	p->hold = db_int(res, 0, 1);
	p->showtime = db_int(res, 0, 2);
	p->pv = provider_find(db_val(res, 0, 3));
	p->seat_ids = db_val(res, 0, 4);
	p->subtotal = (int)db_int(res, 0, 5);
	p->discount = (int)db_int(res, 0, 6);
	p->amount = (int)db_int(res, 0, 7);
	p->promotion = db_int(res, 0, 8);
	p->charge.brand = db_val(res, 0, 9);
	p->charge.last4 = db_val(res, 0, 10);
	p->charge.reference = db_val(res, 0, 11);
	return p->pv != NULL && !p->pv->internal ? 0 : -1;
}

/* An attempt that stopped after the charge (or that may have been
 * charged before a crash): ask the processor, then finish or close. */
static void
repair_one(struct arena *a, int64_t id, const char *state)
{
	struct payment	 p;
	PGresult	*res;

	if (load_attempt(a, &p, id) == -1) {
		close_attempt(a, id, "failed", "interrupted");
		return;
	}
	if (strcmp(state, "open") == 0) {
		res = db_q(a, "SELECT outcome, reference, reason FROM card_charges "
		    "WHERE idempotency_key = $1", 1, arena_printf(a,
		    "attempt-%lld", (long long)id));
		if (res == NULL)
			return;
		if (PQntuples(res) == 0 ||
		    strcmp(db_val(res, 0, 0), "approved") != 0) {
			close_attempt(a, id, PQntuples(res) ? "declined" : "failed",
			    PQntuples(res) ? db_val(res, 0, 2) : "interrupted");
			return;
		}
		p.charge.reference = db_val(res, 0, 1);
	}
	log_msg(LOG_WARN, "repairing payment attempt %lld", (long long)id);
	finish(a, &p);
	if (p.details != NULL)
		json_decref(p.details);
}

int
payments_repair_job(struct arena *a)
{
	PGresult	*res;
	int		 i;

	res = db_q(a, "SELECT id, state FROM payment_attempts "
	    "WHERE (state = 'charged' AND updated_at < now() - interval '20 seconds') "
	    "OR (state = 'open' AND updated_at < now() - interval '60 seconds') "
	    "ORDER BY id LIMIT 50", 0);
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++)
		repair_one(a, db_int(res, i, 0), db_val(res, i, 1));
	if (PQntuples(res) > 0)
		log_msg(LOG_INFO, "repaired %d payment attempt(s)", PQntuples(res));
	return 0;	/* periodic: an attempt left as it was waits its turn */
}
