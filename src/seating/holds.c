/*
 * Holds: picking, releasing and expiring.
 *
 * The pick transaction touches only rows it needs, by primary key: the
 * showtime, the seats of the auditorium by label, and the showtime_seats
 * rows of the wanted (and previously held) seats.  It inserts one hold
 * row with a random id and never reads the holds table, so picks by
 * different people do not conflict unless they want the same seats.
 * The caller's previous hold is found before the transaction (READ
 * COMMITTED, no predicate locks) under an advisory lock per user and
 * showtime, so one person's concurrent picks queue instead of leaving
 * two holds.  Both steps are server-side functions
 * (sql/012_pick_function.sql): a pick is pick_prepare(), then BEGIN,
 * pick_seats(), COMMIT and the unlock in one pipelined round trip
 * (db_tx_one()): two round trips, one commit.  pick_prepare() first looks
 * at the wanted seats: when someone else has one, the answer is 409 after
 * that one round trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "seating/seating.h"
#include "store/db.h"
#include "store/live.h"

static int
hold_seconds(void)
{
	return cfg.hold_seconds > 0 ? cfg.hold_seconds : cfg.hold_minutes * 60;
}

static int64_t
new_hold_id(void)
{
	uint64_t	 v = 0;

	while (v == 0) {
		randombytes_buf(&v, sizeof(v));
		v &= 0x1fffffffffffffULL;	/* exact in JavaScript */
	}
	return (int64_t)v;
}

/* The labels as a PostgreSQL array literal (they are validated seat ids:
 * letters and digits). */
static const char *
labels_array(struct arena *a, json_t *labels)
{
	struct buf	 b = BUF_INIT;
	const char	*out;
	json_t		*l;
	size_t		 i;

	buf_addc(&b, '{');
	json_array_foreach(labels, i, l)
		buf_printf(&b, "%s%s", i ? "," : "", json_string_value(l));
	buf_addc(&b, '}');
	out = arena_strdup(a, b.data);
	buf_free(&b);
	return out;
}

/*
 * pick_prepare() (sql/012_pick_function.sql), READ COMMITTED: seats
 * someone else has end the pick here (DB_ABORT with p->taken); otherwise
 * the user's advisory lock is taken (held until holds_pick() lets go of
 * it) and the previous holds read into pick_seats()'s parameters (the
 * others are set before).  0, DB_ABORT, or -1.
 */
static int
prepare(struct arena *a, struct pick *p)
{
	PGresult	*res;

	res = db_q(a, "SELECT to_json(taken), prev_holds::text, "
	    "prev_seats::text FROM pick_prepare($1, $2, $3, $4::text[])", 4,
	    p->params[1], p->params[2], p->params[3], p->params[4]);
	if (res == NULL)
		return -1;
	if (!PQgetisnull(res, 0, 0)) {
		json_array_clear(p->taken);
		json_array_extend(p->taken, arena_defer(a,
		    (void (*)(void *))json_decref, db_json(res, 0, 0)));
		return DB_ABORT;
	}
	p->params[6] = db_val(res, 0, 1);	/* the previous holds */
	p->params[7] = db_val(res, 0, 2);	/* and their seats */
	return 0;
}

/* Before a retry: the lock is held; the seats are looked at and the
 * previous holds read again, into the pick's parameters. */
static int
before_retry(struct arena *a, void *ctx)
{
	return prepare(a, ctx);
}

/* A refusal of pick_seats() (its error message, JSON) into p: 0, or -1
 * when it is not one of the shapes sql/012_pick_function.sql raises. */
static int
refused(struct arena *a, struct pick *p, const char *why)
{
	json_t	*out = json_loads(why, 0, NULL), *v, *e;
	size_t	 i;

	arena_defer(a, (void (*)(void *))json_decref, out);
	if ((v = json_object_get(out, "refusal")) != NULL &&
	    json_is_string(v))
		p->refusal = arena_strdup(a, json_string_value(v));
	else if ((v = json_object_get(out, "unknown")) != NULL &&
	    json_array_size(v) > 0) {
		p->unknown = arena_defer(a, (void (*)(void *))json_decref,
		    json_object());
		json_array_foreach(v, i, e)
			json_object_set_new(p->unknown, arena_printf(a,
			    "seats[%lld]", (long long)json_integer_value(e) - 1),
			    json_string("is not a seat in this auditorium"));
	} else if ((v = json_object_get(out, "taken")) != NULL &&
	    json_array_size(v) > 0)
		json_array_extend(p->taken, v);
	else {
		log_msg(LOG_WARN, "pick_seats refused with '%s'", why);
		return -1;
	}
	return 0;
}

/* Announces a committed change: seats now held, and seats now free. */
static void
announce(int64_t showtime, json_t *held, json_t *freed)
{
	json_t	*seats = json_array(), *l;
	size_t	 i;

	json_array_foreach(freed, i, l)
		json_array_append_new(seats, json_pack("{s:O,s:s}", "id", l,
		    "status", "available"));
	json_array_foreach(held, i, l)
		json_array_append_new(seats, json_pack("{s:O,s:s}", "id", l,
		    "status", "held"));
	if (json_array_size(seats) > 0)
		live_publish(showtime, seats);
	json_decref(seats);
}

int
holds_pick(struct arena *a, struct pick *p)
{
	PGresult	*res;
	const char	*why = NULL;
	json_t		*out;
	int		 rc;

	p->hold = new_hold_id();
	p->taken = json_array();
	p->freed = json_array();
	arena_defer(a, (void (*)(void *))json_decref, p->taken);
	arena_defer(a, (void (*)(void *))json_decref, p->freed);
	p->params[0] = db_id(a, p->hold);
	p->params[1] = db_id(a, p->user);
	p->params[2] = db_id(a, p->showtime);
	p->params[3] = p->theatre;
	p->params[4] = labels_array(a, p->labels);
	p->params[5] = arena_printf(a, "%d", hold_seconds());
	if ((rc = prepare(a, p)) == -1) {
		/* It may have failed after taking the lock. */
		db_q(a, "SELECT pg_advisory_unlock_all()", 0);
		return db_conn() == NULL ? DB_UNAVAILABLE : DB_ERROR;
	}
	if (rc == DB_ABORT)
		return rc;
	/* BEGIN, the pick, COMMIT, and the unlock (the worker's connection
	 * holds no other advisory lock): one round trip. */
	rc = db_tx_one(a, DB_SERIALIZABLE, "SELECT pick_seats($1, $2, $3, $4, "
	    "$5::text[], $6, $7::bigint[], $8::bigint[])", 8, p->params,
	    "SELECT pg_advisory_unlock_all()", before_retry, p, &res, &why);
	if (rc == DB_ABORT && why != NULL && refused(a, p, why) == -1)
		return DB_ERROR;
	if (rc != DB_OK)
		return rc;
	out = arena_defer(a, (void (*)(void *))json_decref, db_json(res, 0, 0));
	p->hold_json = json_object_get(out, "hold");
	json_array_extend(p->freed, json_object_get(out, "freed"));
	metrics_inc(M_HOLDS);
	announce(p->showtime, p->labels, p->freed);
	return DB_OK;
}

struct release {
	int64_t		 hold, user, showtime;
	json_t		*labels;
	int		 found;
};

/* Marks the hold released and frees its seats, both or neither. */
static int
release_tx(struct arena *a, void *ctx)
{
	struct release	*rl = ctx;
	PGresult	*res, *freed;
	int		 i;

	json_array_clear(rl->labels);
	res = db_q(a, "UPDATE holds SET released_at = now() WHERE id = $1 "
	    "AND user_id = $2 AND released_at IS NULL "
	    "RETURNING showtime_id, seat_ids::text", 2, db_id(a, rl->hold),
	    db_id(a, rl->user));
	if (res == NULL)
		return -1;
	if ((rl->found = PQntuples(res)) != 1)
		return 0;
	rl->showtime = db_int(res, 0, 0);
	freed = db_q(a, "UPDATE showtime_seats ss SET hold_id = NULL, "
	    "hold_user_id = NULL, held_until = NULL FROM seats st "
	    "WHERE ss.showtime_id = $1 AND ss.seat_id = ANY($2::bigint[]) "
	    "AND ss.hold_id = $3 AND st.id = ss.seat_id RETURNING st.label", 3,
	    db_val(res, 0, 0), db_val(res, 0, 1), db_id(a, rl->hold));
	if (freed == NULL)
		return -1;
	for (i = 0; i < PQntuples(freed); i++)
		json_array_append_new(rl->labels, json_string(db_val(freed, i, 0)));
	return 0;
}

int
holds_release(struct arena *a, int64_t hold, int64_t user)
{
	struct release	 rl = { hold, user, 0, json_array(), 0 };
	int		 rc;

	rc = db_tx(a, DB_READ_COMMITTED, release_tx, &rl);
	if (rc == DB_OK && rl.found)
		announce(rl.showtime, NULL, rl.labels);
	json_decref(rl.labels);
	if (rc != DB_OK)
		return -1;
	return rl.found ? 0 : 1;
}

int
holds_expire_job(struct arena *a)
{
	PGresult	*res, *freed;
	json_t		*labels;
	int		 i, j;

	/* Seats a payment attempt has pinned (held_until still ahead) stay
	 * with the hold; the attempt finishes or gives them back. */
	res = db_q(a, "UPDATE holds SET released_at = now() "
	    "WHERE released_at IS NULL AND expires_at <= now() "
	    "RETURNING id, showtime_id, seat_ids::text", 0);
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		freed = db_q(a, "UPDATE showtime_seats ss SET hold_id = NULL, "
		    "hold_user_id = NULL, held_until = NULL FROM seats st "
		    "WHERE ss.showtime_id = $1 AND ss.seat_id = ANY($2::bigint[]) "
		    "AND ss.hold_id = $3 AND ss.held_until <= now() "
		    "AND st.id = ss.seat_id RETURNING st.label", 3,
		    db_val(res, i, 1), db_val(res, i, 2), db_val(res, i, 0));
		if (freed == NULL || PQntuples(freed) == 0)
			continue;
		labels = json_array();
		for (j = 0; j < PQntuples(freed); j++)
			json_array_append_new(labels,
			    json_string(db_val(freed, j, 0)));
		announce(db_int(res, i, 1), NULL, labels);
		json_decref(labels);
	}
	return PQntuples(res);
}

json_t *
holds_mine(struct arena *a, int64_t showtime, int64_t user)
{
	PGresult	*res;

	res = db_q(a, "SELECT json_build_object('id', h.id, "
	    "'showtime_id', h.showtime_id, 'seats', to_json(h.seat_labels), "
	    "'total_cents', h.total_cents, 'currency', h.currency, "
	    "'expires_at', rfc3339(h.expires_at)) FROM holds h "
	    "WHERE h.user_id = $1 AND h.showtime_id = $2 "
	    /* not by holds_expiry_idx: see sql/012_pick_function.sql */
	    "AND (h.released_at IS NULL) IS TRUE AND h.expires_at > now() "
	    "AND EXISTS (SELECT 1 FROM showtime_seats ss WHERE "
	    "ss.showtime_id = h.showtime_id AND ss.hold_id = h.id) "
	    "ORDER BY h.created_at DESC LIMIT 1", 2, db_id(a, user),
	    db_id(a, showtime));
	if (res == NULL || PQntuples(res) == 0)
		return NULL;
	return db_json(res, 0, 0);
}
