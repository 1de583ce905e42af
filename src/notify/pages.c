/*
 * The notifications page, and the admin's parked messages and change
 * notices.
 */
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "core/request.h"
#include "core/util.h"
#include "notify/notify.h"
#include "store/db.h"

const struct field notify_change_form_fields[] = {
	{ "showtime_id", FT_ID, 1, 0, 0, NULL, NULL },
	{ "message", FT_TEXT, 1, 1, 2000, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

int
notify_unread(struct arena *a, int64_t user)
{
	PGresult	*res = db_q(a, "SELECT count(*) FROM notifications "
			    "WHERE user_id = $1 AND read_at IS NULL", 1,
			    db_id(a, user));

	return res ? (int)db_int(res, 0, 0) : 0;
}

/* GET /notifications: newest first; shown ones stay unread until the
 * "mark all read" button. */
void
notify_page_list(struct request *r)
{
	PGresult	*res;
	json_t		*items = json_array();
	int		 i;

	res = db_q(r->a, "SELECT id, title, body, booking_id, read_at IS NULL, "
	    "to_char(created_at AT TIME ZONE 'UTC', 'DD Mon YYYY HH24:MI') "
	    "FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT 100",
	    1, db_id(r->a, r->user_id));
	if (res == NULL) {
		json_decref(items);
		db_fail_reply(r, DB_ERROR);
		return;
	}
	for (i = 0; i < PQntuples(res); i++)
		json_array_append_new(items, json_pack("{s:s,s:s,s:o,s:b,s:s}",
		    "title", db_val(res, i, 1), "body", db_val(res, i, 2),
		    "booking_id", db_val(res, i, 3) ? json_integer(db_int(res, i,
		    3)) : json_null(), "unread", db_bool(res, i, 4),
		    "at", db_val(res, i, 5)));
	resp_page(r, 200, "pages/notifications", json_pack("{s:b,s:o}", "any",
	    PQntuples(res) > 0, "items", items));
}

/* POST /notifications/read */
void
notify_page_read(struct request *r)
{
	if (db_q(r->a, "UPDATE notifications SET read_at = now() WHERE "
	    "user_id = $1 AND read_at IS NULL", 1, db_id(r->a, r->user_id)) ==
	    NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	resp_redirect(r, 303, "/notifications");
}

/* GET /admin/outbox: parked messages with their last error. */
void
notify_admin_parked(struct request *r)
{
	PGresult	*res;
	json_t		*items = json_array();
	int		 i;

	/* A reset token is a live credential: never shown. */
	res = db_q(r->a, "SELECT id, kind, (payload - 'token')::text, attempts, "
	    "coalesce(last_error, ''), rfc3339(created_at), message_id "
	    "FROM outbox WHERE state = 'parked' ORDER BY id DESC LIMIT 200", 0);
	if (res == NULL) {
		json_decref(items);
		db_fail_reply(r, DB_ERROR);
		return;
	}
	for (i = 0; i < PQntuples(res); i++)
		json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,"
		    "s:s}", "id", db_val(res, i, 0), "kind", db_val(res, i, 1),
		    "payload", db_val(res, i, 2), "attempts", db_val(res, i, 3),
		    "error", db_val(res, i, 4), "at", db_val(res, i, 5),
		    "message_id", db_val(res, i, 6)));
	admin_page(r, 200, "admin/outbox", json_pack("{s:b,s:o,s:b}", "any",
	    PQntuples(res) > 0, "items", items, "retried",
	    req_query(r, "retried") != NULL));
}

/* POST /admin/outbox/{id}/retry */
void
notify_admin_retry(struct request *r)
{
	int64_t		 id;
	PGresult	*res;

	if (parse_int64(req_capture(r, "id"), &id) == -1) {
		resp_error(r, 404, "not_found", "there is no such message", NULL);
		return;
	}
	res = db_q(r->a, "UPDATE outbox SET state = 'pending', attempts = 0, "
	    "next_at = now() WHERE id = $1 AND state = 'parked' RETURNING kind",
	    1, db_id(r->a, id));
	if (res == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	if (PQntuples(res) == 0) {
		resp_error(r, 404, "not_found", "there is no such parked message",
		    NULL);
		return;
	}
	audit_write(r->a, r->user_id, "outbox.retry", "outbox",
	    db_id(r->a, id), NULL, NULL);
	resp_redirect(r, 303, "/admin/outbox?retried=1");
}

/* POST /admin/showtimes/notice: the panel's send_change_details. */
void
notify_admin_change_notice(struct request *r)
{
	int	 found, n;

	if (r->in_errors != NULL) {
		resp_error(r, 400, "invalid_input", "write a message and pick a "
		    "showtime", NULL);
		return;
	}
	n = notify_change_notice(r->a, in_int(r, "showtime_id"),
	    in_str(r, "message"), r->user_id, &found);
	if (n < 0) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	if (!found) {
		resp_error(r, 404, "not_found", "there is no such showtime", NULL);
		return;
	}
	admin_page(r, 200, "admin/notice_sent", json_pack("{s:i,s:I}", "queued",
	    n, "showtime_id", (json_int_t)in_int(r, "showtime_id")));
}
