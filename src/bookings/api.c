/*
 * GET /v1/bookings, GET /v1/bookings/{id}, POST /v1/bookings/{id}/cancel.
 */
#include <stdlib.h>
#include <string.h>

#include "bookings/bookings.h"
#include "core/request.h"
#include "core/util.h"
#include "store/db.h"
#include "users/users.h"

static int
is_admin(const struct request *r)
{
	return r->session != NULL && strcmp(r->session->role, "admin") == 0;
}

const struct field bookings_list_query[] = {
	{ "limit", FT_INT, 0, 1, 100, NULL, NULL },
	{ "cursor", FT_INT, 0, 0, 1000000000, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* GET /v1/bookings: the caller's own, newest first. */
void
bookings_api_list(struct request *r)
{
	long long	 limit = in_has(r, "limit") ? in_int(r, "limit") : 20;
	long long	 offset = in_int(r, "cursor");
	PGresult	*res;
	json_t		*items;
	int		 i;

	res = db_q(r->a, "SELECT booking_json(id) FROM bookings WHERE user_id = $1 "
	    "ORDER BY created_at DESC, id DESC LIMIT $2::int + 1 OFFSET $3::int",
	    3, db_id(r->a, r->user_id), arena_printf(r->a, "%lld", limit),
	    arena_printf(r->a, "%lld", offset < 0 ? 0 : offset));
	if (res == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	items = json_array();
	for (i = 0; i < PQntuples(res) && i < limit; i++)
		json_array_append_new(items, db_json(res, i, 0));
	resp_json(r, 200, json_pack("{s:o,s:o}", "items", items, "next_cursor",
	    PQntuples(res) > limit ? json_sprintf("%lld", offset + limit) :
	    json_null()));
}

/* The {id} of the path if the caller may see it; 0 after answering. */
static int64_t
visible_or_reply(struct request *r)
{
	int64_t	 id;

	if (parse_int64(req_capture(r, "id"), &id) == -1 || id <= 0 ||
	    (id = booking_visible(r->a, id, r->user_id, is_admin(r))) == 0) {
		resp_error(r, 404, "not_found", "there is no such booking", NULL);
		return 0;
	}
	if (id < 0) {
		db_fail_reply(r, DB_ERROR);
		return 0;
	}
	return id;
}

void
bookings_api_get(struct request *r)
{
	int64_t	 id;
	json_t	*b;

	if ((id = visible_or_reply(r)) == 0)
		return;
	if ((b = booking_json(r->a, id)) == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "booking", b));
}

/* POST /v1/bookings/{id}/cancel: refunds to the payment's origin. */
void
bookings_api_cancel(struct request *r)
{
	int64_t	 id;
	json_t	*b;

	if ((id = visible_or_reply(r)) == 0)
		return;
	switch (bookings_refund(r->a, id, r->user_id, !is_admin(r),
	    is_admin(r) ? "cancelled by an admin" : "cancelled by the customer")) {
	case REFUND_OK:
		break;
	case REFUND_ALREADY:
		resp_error(r, 409, "already_cancelled",
		    "this booking was already cancelled", NULL);
		return;
	case REFUND_TOO_LATE:
		resp_error(r, 409, "too_late", "bookings can be cancelled up to "
		    "2 hours before the showtime starts", NULL);
		return;
	case REFUND_NOT_FOUND:
		resp_error(r, 404, "not_found", "there is no such booking", NULL);
		return;
	default:
		db_fail_reply(r, DB_ERROR);
		return;
	}
	if ((b = booking_json(r->a, id)) == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "booking", b));
}
