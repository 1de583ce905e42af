/*
 * Bookings: reading, and refunds to the payment's origin (a card charge
 * through the processor, a gift card's balance, the account credit).
 * The refund, the freed seats and the outbox row commit together; the
 * card processor is told after the commit (a refund row without a
 * processor reference is retried by the jobs process).
 */
#include <string.h>

#include "admin/admin.h"
#include "bookings/bookings.h"
#include "core/arena.h"
#include "core/metrics.h"
#include "payments/payments.h"
#include "store/db.h"
#include "store/live.h"

json_t *
booking_json(struct arena *a, int64_t id)
{
	PGresult	*res = db_q(a, "SELECT booking_json($1)", 1, db_id(a, id));

	if (res == NULL || PQntuples(res) != 1)
		return NULL;
	return db_json(res, 0, 0);
}

int64_t
booking_visible(struct arena *a, int64_t id, int64_t user, int admin)
{
	PGresult	*res;

	res = db_q(a, "SELECT id FROM bookings WHERE id = $1 AND "
	    "($3 OR user_id = $2)", 3, db_id(a, id), db_id(a, user),
	    admin ? "true" : "false");
	if (res == NULL)
		return -1;
	return PQntuples(res) == 1 ? id : 0;
}

struct refund {
	int64_t		 booking;
	int64_t		 actor;
	int		 by_customer;
	const char	*reason;
	enum refund_rc	 rc;
	int64_t		 showtime;
	const char	*type;
	const char	*reference;
	int		 amount;
	json_t		*freed;
};

/* Puts the money back for internal ledgers (inside the transaction). */
static int
credit_origin(struct arena *a, struct refund *f, int64_t user,
    const char *gift)
{
	const char	*amt = arena_printf(a, "%d", f->amount);
	const char	*bid = db_id(a, f->booking);

	if (strcmp(f->type, "gift_card") == 0)
		return db_q(a, "UPDATE gift_cards SET balance_cents = "
		    "balance_cents + $2 WHERE id = $1", 2, gift, amt) &&
		    db_q(a, "INSERT INTO gift_card_entries (gift_card_id, "
		    "amount_cents, booking_id) VALUES ($1, $2, $3)", 3, gift, amt,
		    bid) ? 0 : -1;
	if (strcmp(f->type, "wallet") == 0)
		return db_q(a, "INSERT INTO wallets (user_id, balance_cents) "
		    "VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET "
		    "balance_cents = wallets.balance_cents + $2", 2,
		    db_id(a, user), amt) &&
		    db_q(a, "INSERT INTO wallet_entries (user_id, amount_cents, "
		    "reason, booking_id) VALUES ($1, $2, 'refund', $3)", 3,
		    db_id(a, user), amt, bid) ? 0 : -1;
	return 0;
}

static int
audited_refund(struct arena *a, const struct refund *f)
{
	json_t	*after = json_pack("{s:s,s:i,s:s,s:s}", "status", "refunded",
		    "amount_cents", f->amount, "destination", f->type,
		    "reason", f->reason ? f->reason : "");
	int	 rc = audit_write(a, f->actor, "booking.refund", "booking",
		    db_id(a, f->booking), NULL, after);

	json_decref(after);
	return rc;
}

static int
refund_tx(struct arena *a, void *ctx)
{
	struct refund	*f = ctx;
	PGresult	*res, *seats;
	int		 i;

	json_array_clear(f->freed);
	res = db_q(a, "SELECT b.status = 'confirmed', b.user_id, b.showtime_id, "
	    "b.payment_type, b.payment_ref, b.total_cents, b.gift_card_id, "
	    "NOT customer_may_cancel(s.starts_at, s.rescheduled_at, b.created_at, "
	    "  $2::int) "
	    "FROM bookings b JOIN showtimes s ON s.id = b.showtime_id "
	    "WHERE b.id = $1 FOR UPDATE OF b", 2, db_id(a, f->booking),
	    arena_printf(a, "%d", CANCEL_HOURS));
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1)
		return (f->rc = REFUND_NOT_FOUND), DB_ABORT;
	if (!db_bool(res, 0, 0))
		return (f->rc = REFUND_ALREADY), DB_ABORT;
	if (f->by_customer && db_bool(res, 0, 7))
		return (f->rc = REFUND_TOO_LATE), DB_ABORT;
	f->showtime = db_int(res, 0, 2);
	f->type = db_val(res, 0, 3);
	f->reference = db_val(res, 0, 4);
	f->amount = (int)db_int(res, 0, 5);
	if (credit_origin(a, f, db_int(res, 0, 1), db_val(res, 0, 6)) == -1)
		return -1;
	seats = db_q(a, "UPDATE showtime_seats ss SET booking_id = NULL FROM "
	    "seats st WHERE ss.booking_id = $1 AND st.id = ss.seat_id "
	    "RETURNING st.label", 1, db_id(a, f->booking));
	if (seats == NULL)
		return -1;
	for (i = 0; i < PQntuples(seats); i++)
		json_array_append_new(f->freed, json_pack("{s:s,s:s}", "id",
		    db_val(seats, i, 0), "status", "available"));
	/* An admin's refund is audited with it, in the same transaction. */
	if (f->actor > 0 && !f->by_customer && audited_refund(a, f) == -1)
		return -1;
	return db_q(a, "UPDATE bookings SET status = 'refunded', cancelled_at = "
	    "now() WHERE id = $1", 1, db_id(a, f->booking)) &&
	    db_q(a, "INSERT INTO refunds (booking_id, amount_cents, destination, "
	    "reason, reference, created_by) VALUES ($1, $2, $3, $4, $5, "
	    "nullif($6::bigint, 0))", 6, db_id(a, f->booking),
	    arena_printf(a, "%d", f->amount), f->type, f->reason,
	    strcmp(f->type, "card") == 0 ? NULL : "ledger",
	    db_id(a, f->actor)) &&
	    db_q(a, "INSERT INTO outbox (kind, payload) VALUES ('booking_refunded', "
	    "jsonb_build_object('booking_id', $1::bigint, 'amount_cents', $2::int, "
	    "'destination', $3::text, 'reason', $4::text))", 4,
	    db_id(a, f->booking), arena_printf(a, "%d", f->amount), f->type,
	    f->reason) ? 0 : -1;
}

/* Sends a card refund to the processor and records its answer. */
static void
refund_card(struct arena *a, struct refund *f)
{
	const struct provider	*pv = provider_find("card");

	if (f->reference == NULL || pv->refund(a, f->reference, f->amount) == -1)
		return;		/* the jobs process tries again */
	db_q(a, "UPDATE refunds SET reference = $2 WHERE booking_id = $1", 2,
	    db_id(a, f->booking), f->reference);
}

enum refund_rc
bookings_refund(struct arena *a, int64_t booking, int64_t actor,
    int by_customer, const char *reason)
{
	struct refund	 f;
	int		 rc;

	memset(&f, 0, sizeof(f));
	f.booking = booking;
	f.actor = actor;
	f.by_customer = by_customer;
	f.reason = reason;
	f.freed = json_array();
	rc = db_tx(a, DB_SERIALIZABLE, refund_tx, &f);
	if (rc == DB_OK) {
		metrics_inc(M_REFUNDS);
		if (strcmp(f.type, "card") == 0)
			refund_card(a, &f);
		live_publish(f.showtime, f.freed);
		f.rc = REFUND_OK;
	} else if (rc != DB_ABORT)
		f.rc = REFUND_DB;
	json_decref(f.freed);
	return f.rc;
}

int
bookings_refund_retry_job(struct arena *a)
{
	const struct provider	*pv = provider_find("card");
	PGresult		*res;
	int			 i, done = 0;

	res = db_q(a, "SELECT r.booking_id, b.payment_ref, r.amount_cents "
	    "FROM refunds r JOIN bookings b ON b.id = r.booking_id "
	    "WHERE r.destination = 'card' AND r.reference IS NULL "
	    "AND b.payment_ref IS NOT NULL "
	    "AND r.created_at < now() - interval '10 seconds' LIMIT 50", 0);
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		if (pv->refund(a, db_val(res, i, 1), (int)db_int(res, i, 2)) == -1)
			continue;
		if (db_q(a, "UPDATE refunds SET reference = $2 WHERE "
		    "booking_id = $1", 2, db_val(res, i, 0), db_val(res, i, 1)))
			done++;
	}
	return done;
}
