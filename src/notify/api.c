/*
 * POST /v1/booking_details/send_details and
 * POST /v1/booking_details/send_change_details.
 */
#include <stdlib.h>
#include <string.h>

#include "bookings/bookings.h"
#include "core/request.h"
#include "notify/notify.h"
#include "store/db.h"
#include "users/users.h"

const struct field notify_send_details_fields[] = {
	{ "booking_id", FT_ID, 1, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field notify_change_details_fields[] = {
	{ "showtime_id", FT_ID, 1, 0, 0, NULL, NULL },
	{ "message", FT_TEXT, 1, 1, 2000, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* Resends a booking's confirmation to its owner (or for an admin). */
void
notify_api_send_details(struct request *r)
{
	int64_t	 id = in_int(r, "booking_id");
	int	 admin = strcmp(r->session->role, "admin") == 0;

	id = booking_visible(r->a, id, r->user_id, admin);
	if (id < 0) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	if (id == 0) {
		resp_error(r, 404, "not_found", "there is no such booking", NULL);
		return;
	}
	if (db_q(r->a, "INSERT INTO outbox (kind, payload) VALUES "
	    "('booking_confirmed', jsonb_build_object('booking_id', $1::bigint, "
	    "'resend', true))", 1, db_id(r->a, id)) == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	resp_json(r, 202, json_pack("{s:b}", "queued", 1));
}

/* Queues the admin's notice for every confirmed booking of a showtime;
 * the number queued, or -1 (0 and *found = 0 when no such showtime). */
int
notify_change_notice(struct arena *a, int64_t showtime, const char *message,
    int64_t actor, int *found)
{
	PGresult	*res;

	res = db_q(a, "SELECT 1 FROM showtimes WHERE id = $1", 1,
	    db_id(a, showtime));
	if (res == NULL)
		return -1;
	if ((*found = PQntuples(res)) == 0)
		return 0;
	res = db_q(a, "INSERT INTO outbox (kind, payload) SELECT 'change_notice', "
	    "jsonb_build_object('booking_id', b.id, 'message', $2::text, "
	    "'sent_by', $3::bigint) FROM bookings b WHERE b.showtime_id = $1 "
	    "AND b.status = 'confirmed'", 3, db_id(a, showtime), message,
	    db_id(a, actor));
	return res ? atoi(PQcmdTuples(res)) : -1;
}

void
notify_api_send_change_details(struct request *r)
{
	int	 found, n;

	n = notify_change_notice(r->a, in_int(r, "showtime_id"),
	    in_str(r, "message"), r->user_id, &found);
	if (n < 0)
		db_fail_reply(r, DB_ERROR);
	else if (!found)
		resp_error(r, 404, "not_found", "there is no such showtime", NULL);
	else
		resp_json(r, 202, json_pack("{s:i}", "queued", n));
}
