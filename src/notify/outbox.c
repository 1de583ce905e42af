/*
 * The outbox: claiming, delivering, retrying, parking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/util.h"
#include "notify/messages.h"
#include "notify/notify.h"
#include "store/db.h"

#define CLAIM_BATCH	50
/* One run delivers for at most this long, then lets other jobs run. */
#define RUN_USEC	2000000

int
notify_queue(struct arena *a, const char *kind, json_t *payload)
{
	char		*p = json_dumps(payload, JSON_COMPACT);
	PGresult	*res;

	res = db_q(a, "INSERT INTO outbox (kind, payload) VALUES ($1, $2::jsonb)",
	    2, kind, p);
	arena_json_free(p);
	return res ? 0 : -1;
}

/* Takes up to CLAIM_BATCH due rows for lease seconds. */
static PGresult *
claim(struct arena *a)
{
	return db_q(a, "UPDATE outbox SET next_at = now() + "
	    "make_interval(secs => $1), attempts = attempts + 1 "
	    "WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' "
	    "  AND next_at <= now() ORDER BY id LIMIT $2 "
	    "  FOR UPDATE SKIP LOCKED) "
	    "RETURNING id, message_id, kind, payload::text, attempts", 2,
	    arena_printf(a, "%d", cfg.outbox_lease_seconds),
	    arena_printf(a, "%d", CLAIM_BATCH));
}

static void
delivered(struct arena *a, const char *id, int scrub)
{
	db_q(a, scrub ? "UPDATE outbox SET state = 'delivered', delivered_at = "
	    "now(), sent_count = sent_count + 1, last_error = NULL, "
	    "payload = payload - 'token' WHERE id = $1" :
	    "UPDATE outbox SET state = 'delivered', delivered_at = now(), "
	    "sent_count = sent_count + 1, last_error = NULL WHERE id = $1",
	    1, id);
	metrics_inc(M_OUTBOX_DELIVERED);
}

/*
 * The relay could not be reached: the message is not at fault, so it is
 * never parked for that; it waits a little (at most 5 s) and goes again,
 * until the relay is back.
 */
static void
relay_away(struct arena *a, const char *id, const char *err)
{
	db_q(a, "UPDATE outbox SET last_error = $2, next_at = now() + "
	    "make_interval(secs => least($3::double precision / 1000, 5)) "
	    "WHERE id = $1", 3, id, err,
	    arena_printf(a, "%d", cfg.outbox_backoff_ms));
	metrics_inc(M_OUTBOX_FAILED);
}

/* Backs off exponentially, or parks the row after the last try. */
static void
failed(struct arena *a, const char *id, int attempts, const char *err)
{
	long long	 ms = (long long)cfg.outbox_backoff_ms;
	int		 i;

	for (i = 1; i < attempts && ms < 3600000; i++)
		ms *= 2;
	if (ms > 3600000)
		ms = 3600000;
	db_q(a, "UPDATE outbox SET last_error = $2, state = CASE WHEN "
	    "attempts >= $3 THEN 'parked' ELSE 'pending' END, next_at = now() + "
	    "make_interval(secs => $4::double precision / 1000) WHERE id = $1",
	    4, id, err, arena_printf(a, "%d", cfg.outbox_max_tries),
	    arena_printf(a, "%lld", ms));
	metrics_inc(M_OUTBOX_FAILED);
	log_msg(attempts >= cfg.outbox_max_tries ? LOG_ERROR : LOG_WARN,
	    "outbox %s: delivery %d failed: %s%s", id, attempts, err,
	    attempts >= cfg.outbox_max_tries ? " (parked)" : "");
}

int
notify_outbox_job(struct arena *a)
{
	PGresult	*res;
	int64_t		 start = now_usec();
	int		 i, n, rc, done = 0;
	char		 err[512];
	json_t		*payload;
	struct outbox_msg msg;

	do {
		if ((res = claim(a)) == NULL)
			return done ? done : -1;
		n = PQntuples(res);
		for (i = 0; i < n; i++) {
			payload = json_loads(db_val(res, i, 3), 0, NULL);
			msg.id = db_val(res, i, 0);
			msg.message_id = db_val(res, i, 1);
			msg.kind = db_val(res, i, 2);
			msg.payload = payload;
			err[0] = '\0';
			rc = payload ? message_deliver(a, &msg, err,
			    sizeof(err)) : -1;
			if (rc == 0) {
				delivered(a, msg.id,
				    json_object_get(payload, "token") != NULL);
				done++;
			} else if (rc == -2)
				relay_away(a, msg.id, err);
			else
				failed(a, msg.id, (int)db_int(res, i, 4),
				    err[0] ? err : "undeliverable payload");
			json_decref(payload);
		}
	} while (n == CLAIM_BATCH && now_usec() - start < RUN_USEC);
	return done;
}
