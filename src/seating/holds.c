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
 * two holds.
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

int
seat_price(int base, const char *kind)
{
	if (strcmp(kind, "premium") == 0)
		return (3 * base + 1) / 2;	/* 1.5x, half a cent up */
	return base;
}

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

/* Before each attempt: the caller's unreleased holds of the showtime. */
static int
find_previous(struct arena *a, void *ctx)
{
	struct pick	*p = ctx;
	PGresult	*res;

	res = db_q(a, "SELECT coalesce(array_agg(DISTINCT h.id)::text, '{}'), "
	    "coalesce(array_agg(DISTINCT x)::text, '{}') FROM holds h "
	    "CROSS JOIN LATERAL unnest(h.seat_ids) x "
	    "WHERE h.user_id = $1 AND h.showtime_id = $2 "
	    "AND h.released_at IS NULL", 2, db_id(a, p->user),
	    db_id(a, p->showtime));
	if (res == NULL)
		return -1;
	p->prev_holds = db_val(res, 0, 0);
	p->prev_seats = db_val(res, 0, 1);
	return 0;
}

/* Checks the showtime is here and open: 0, DB_ABORT, or -1. */
static int
check_showtime(struct arena *a, struct pick *p, int *base, int64_t *aud,
    const char **currency)
{
	PGresult	*res;

	res = db_q(a, "SELECT s.status = 'scheduled' AND s.starts_at > now(), "
	    "s.base_price_cents, s.auditorium_id, au.theatre_id, s.currency "
	    "FROM showtimes s JOIN auditoriums au ON au.id = s.auditorium_id "
	    "WHERE s.id = $1", 1, db_id(a, p->showtime));
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1 ||
	    (p->theatre != 0 && db_int(res, 0, 3) != p->theatre)) {
		p->refusal = "not_found";
		return DB_ABORT;
	}
	if (!db_bool(res, 0, 0)) {
		p->refusal = "showtime_closed";
		return DB_ABORT;
	}
	*base = (int)db_int(res, 0, 1);
	*aud = db_int(res, 0, 2);
	*currency = db_val(res, 0, 4);
	return 0;
}

/* Maps labels to seat ids ("{1,2}"), pricing them; DB_ABORT if unknown. */
static int
resolve_seats(struct arena *a, struct pick *p, int64_t aud, int base,
    const char **ids, int *total)
{
	PGresult	*res;
	struct buf	 b = BUF_INIT;
	json_t		*l;
	size_t		 i;
	int		 j, found;

	/* Labels are validated seat ids (letters and digits): an array
	 * literal of them is safe, and "= ANY" is a point lookup each. */
	buf_addc(&b, '{');
	json_array_foreach(p->labels, i, l)
		buf_printf(&b, "%s%s", i ? "," : "", json_string_value(l));
	buf_addc(&b, '}');
	res = db_q(a, "SELECT id, label, kind FROM seats WHERE auditorium_id = $1 "
	    "AND retired_at IS NULL AND label = ANY($2::text[])", 2,
	    db_id(a, aud), b.data);
	buf_free(&b);
	if (res == NULL)
		return -1;
	*total = 0;
	json_array_foreach(p->labels, i, l) {
		for (found = 0, j = 0; j < PQntuples(res) && !found; j++)
			found = strcmp(db_val(res, j, 1), json_string_value(l)) == 0;
		if (!found) {
			if (p->unknown == NULL)
				p->unknown = arena_defer(a,
				    (void (*)(void *))json_decref, json_object());
			json_object_set_new(p->unknown, arena_printf(a,
			    "seats[%zu]", i), json_string("is not a seat in "
			    "this auditorium"));
		}
	}
	if (p->unknown != NULL)
		return DB_ABORT;
	buf_addc(&b, '{');
	for (j = 0; j < PQntuples(res); j++) {
		buf_printf(&b, "%s%s", j ? "," : "", db_val(res, j, 0));
		*total += seat_price(base, db_val(res, j, 2));
	}
	buf_addc(&b, '}');
	*ids = arena_strdup(a, b.data);
	buf_free(&b);
	return 0;
}

/* Frees the seats of the caller's previous holds; notes them. */
static int
release_previous(struct arena *a, struct pick *p)
{
	PGresult	*res;
	int		 i;

	if (p->prev_holds == NULL || strcmp(p->prev_holds, "{}") == 0)
		return 0;
	res = db_q(a, "UPDATE showtime_seats ss SET hold_id = NULL, "
	    "hold_user_id = NULL, held_until = NULL FROM seats st "
	    "WHERE ss.showtime_id = $1 AND ss.seat_id = ANY($2::bigint[]) "
	    "AND ss.hold_id = ANY($3::bigint[]) AND st.id = ss.seat_id "
	    "RETURNING st.label", 3, db_id(a, p->showtime), p->prev_seats,
	    p->prev_holds);
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++)
		json_array_append_new(p->freed, json_string(db_val(res, i, 0)));
	return 0;
}

/* Claims every wanted seat or reports which are taken. */
static int
claim(struct arena *a, struct pick *p, const char *ids)
{
	PGresult	*res;
	json_t		*l;
	size_t		 i;
	int		 j, got;

	res = db_q(a, "UPDATE showtime_seats ss SET hold_id = $3, "
	    "hold_user_id = $4, held_until = now() + make_interval(secs => $5) "
	    "FROM seats st WHERE ss.showtime_id = $1 "
	    "AND ss.seat_id = ANY($2::bigint[]) AND st.id = ss.seat_id "
	    "AND ss.booking_id IS NULL "
	    "AND (ss.hold_id IS NULL OR ss.held_until <= now()) "
	    "RETURNING st.label", 5, db_id(a, p->showtime), ids,
	    db_id(a, p->hold), db_id(a, p->user),
	    arena_printf(a, "%d", hold_seconds()));
	if (res == NULL)
		return -1;
	if ((size_t)PQntuples(res) == json_array_size(p->labels))
		return 0;
	json_array_foreach(p->labels, i, l) {
		for (got = 0, j = 0; j < PQntuples(res) && !got; j++)
			got = strcmp(db_val(res, j, 0), json_string_value(l)) == 0;
		if (!got)
			json_array_append(p->taken, l);
	}
	return DB_ABORT;
}

static int
pick_tx(struct arena *a, void *ctx)
{
	struct pick	*p = ctx;
	const char	*ids, *currency;
	char		*labels;
	PGresult	*res;
	int64_t		 aud;
	int		 base, total, rc;

	json_array_clear(p->taken);
	json_array_clear(p->freed);
	p->refusal = NULL;
	if ((rc = check_showtime(a, p, &base, &aud, &currency)) != 0 ||
	    (rc = resolve_seats(a, p, aud, base, &ids, &total)) != 0 ||
	    (rc = release_previous(a, p)) != 0 ||
	    (rc = claim(a, p, ids)) != 0)
		return rc;
	labels = json_dumps(p->labels, JSON_COMPACT);
	res = db_q(a, "INSERT INTO holds (id, user_id, showtime_id, seat_ids, "
	    "seat_labels, total_cents, currency, expires_at) VALUES ($1, $2, $3, "
	    "$4::bigint[], ARRAY(SELECT json_array_elements_text($5::json)), "
	    "$6, $7, now() + make_interval(secs => $8)) "
	    "RETURNING json_build_object('id', id, 'showtime_id', "
	    "showtime_id, 'seats', to_json(seat_labels), 'total_cents', "
	    "total_cents, 'currency', currency, 'expires_at', "
	    "rfc3339(expires_at))", 8, db_id(a, p->hold), db_id(a, p->user),
	    db_id(a, p->showtime), ids, labels, arena_printf(a, "%d", total),
	    currency, arena_printf(a, "%d", hold_seconds()));
	free(labels);
	if (res == NULL)
		return -1;
	p->hold_json = db_json(res, 0, 0);
	arena_defer(a, (void (*)(void *))json_decref, p->hold_json);
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
	const char	*key = arena_printf(a, "hold:%lld:%lld",
			    (long long)p->user, (long long)p->showtime);
	int		 rc;

	p->hold = new_hold_id();
	p->taken = json_array();
	p->freed = json_array();
	arena_defer(a, (void (*)(void *))json_decref, p->taken);
	arena_defer(a, (void (*)(void *))json_decref, p->freed);
	if (db_q(a, "SELECT pg_advisory_lock(hashtextextended($1, 0))", 1,
	    key) == NULL)
		return DB_UNAVAILABLE;
	rc = db_tx_with(a, DB_SERIALIZABLE, find_previous, pick_tx, p);
	db_q(a, "SELECT pg_advisory_unlock(hashtextextended($1, 0))", 1, key);
	if (rc != DB_OK)
		return rc;
	metrics_inc(M_HOLDS);
	/* The replaced holds are marked now; nothing reads them in a pick. */
	if (strcmp(p->prev_holds, "{}") != 0)
		db_q(a, "UPDATE holds SET released_at = now() "
		    "WHERE id = ANY($1::bigint[]) AND released_at IS NULL", 1,
		    p->prev_holds);
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
	    "AND h.released_at IS NULL AND h.expires_at > now() "
	    "AND EXISTS (SELECT 1 FROM showtime_seats ss WHERE "
	    "ss.showtime_id = h.showtime_id AND ss.hold_id = h.id) "
	    "ORDER BY h.created_at DESC LIMIT 1", 2, db_id(a, user),
	    db_id(a, showtime));
	if (res == NULL || PQntuples(res) == 0)
		return NULL;
	return db_json(res, 0, 0);
}
