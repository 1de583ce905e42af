/*
 * The seat endpoints: the seat map, picking, releasing, best available.
 */
#include <string.h>

#include "catalog/catalog.h"
#include "core/config.h"
#include "core/request.h"
#include "core/util.h"
#include "seating/pages.h"
#include "seating/seating.h"
#include "store/db.h"
#include "store/ratelimit.h"

const struct field seating_seats_query[] = {
	{ "showtime", FT_ID, 1, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field seating_best_query[] = {
	{ "showtime", FT_ID, 1, 0, 0, NULL, NULL },
	{ "count", FT_INT, 1, 1, 50, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field seat_item[] = {
	{ "seat", FT_SEAT, 1, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field seating_pick_fields[] = {
	{ "showtime_id", FT_ID, 1, 0, 0, NULL, NULL },
	/* Over HOLD_MAX_SEATS is a 422 of its own (pick_check); this bound
	 * only keeps absurd lists out. */
	{ "seats", FT_ARRAY, 1, 1, 1000, NULL, seat_item },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static json_t *
map_or_reply(struct request *r, int64_t theatre)
{
	int	 found;
	json_t	*map = seatmap_get(r->a, in_int(r, "showtime"), theatre, &found);

	if (map == NULL && found)
		db_fail_reply(r, DB_ERROR);
	else if (map == NULL)
		resp_error(r, 404, "not_found",
		    "there is no such showtime at this theatre", NULL);
	return map;
}

/* GET /v1/theatre/{theatre}/seats?showtime= */
void
seating_api_seats(struct request *r)
{
	int64_t	 t;
	json_t	*map, *mine = NULL;

	if ((t = catalog_theatre_or_reply(r)) == 0 ||
	    (map = map_or_reply(r, t)) == NULL)
		return;
	if (r->user_id > 0)
		mine = holds_mine(r->a, in_int(r, "showtime"), r->user_id);
	json_object_set_new(map, "my_hold", mine ? mine : json_null());
	resp_json(r, 200, map);
}

/* GET /v1/theatre/{theatre}/best_seats?showtime=&count= */
void
seating_api_best(struct request *r)
{
	int64_t	 t;
	json_t	*map, *best;

	if ((t = catalog_theatre_or_reply(r)) == 0 ||
	    (map = map_or_reply(r, t)) == NULL)
		return;
	best = best_seats(json_object_get(map, "seats"), (int)in_int(r, "count"));
	resp_json(r, 200, json_pack("{s:I,s:i,s:o}", "showtime_id",
	    (json_int_t)in_int(r, "showtime"), "count", (int)in_int(r, "count"),
	    "seats", best));
	json_decref(map);
}

/* Duplicates in the request are a 400, more than ten seats a 422. */
static int
seats_or_reply(struct request *r, json_t *labels)
{
	json_t	*dups = NULL;

	switch (pick_check(labels, &dups)) {
	case PICK_DUPLICATE:
		resp_invalid(r, dups);
		return -1;
	case PICK_TOO_MANY:
		resp_error(r, 422, "too_many_seats", "a hold may have at most "
		    "10 seats", json_pack("{s:i}", "max", HOLD_MAX_SEATS));
		return -1;
	default:
		return 0;
	}
}

/* POST /v1/theatre/{theatre}/pick_seats */
void
seating_api_pick(struct request *r)
{
	struct pick	 p;
	int		 rc, wait;

	memset(&p, 0, sizeof(p));
	p.labels = json_object_get(r->in, "seats");
	/* pick_seats() checks the showtime is at this theatre. */
	p.theatre = req_capture(r, "theatre");
	if (seats_or_reply(r, p.labels) == -1)
		return;
	if ((wait = ratelimit_hit(r->a, arena_printf(r->a, "pick:%lld",
	    (long long)r->user_id), cfg.rl_pick_user, cfg.rl_window,
	    RL_FAIL_OPEN)) > 0) {
		ratelimit_reply(r, wait);
		return;
	}
	p.user = r->user_id;
	p.showtime = in_int(r, "showtime_id");
	rc = holds_pick(r->a, &p);
	if (rc == DB_OK)
		resp_json(r, 201, json_pack("{s:O}", "hold", p.hold_json));
	else if (rc != DB_ABORT)
		db_fail_reply(r, rc);
	else if (p.unknown != NULL)
		resp_invalid(r, json_incref(p.unknown));
	else if (p.refusal != NULL && strcmp(p.refusal, "not_found") == 0)
		resp_error(r, 404, "not_found",
		    "there is no such showtime at this theatre", NULL);
	else if (p.refusal != NULL)
		resp_error(r, 409, "showtime_closed", "this showtime has been "
		    "cancelled or has already started", NULL);
	else
		resp_error(r, 409, "seats_unavailable", "some of these seats "
		    "were just taken; nothing was held", json_pack("{s:O}",
		    "seats", p.taken));
}

/* DELETE /v1/holds/{id} */
void
seating_api_release(struct request *r)
{
	const char	*ref = req_capture(r, "id");
	int64_t		 id;
	int		 rc;

	if (parse_int64(ref, &id) == -1 || id <= 0) {
		resp_error(r, 404, "not_found", "there is no such hold", NULL);
		return;
	}
	rc = holds_release(r->a, id, r->user_id);
	if (rc < 0)
		db_fail_reply(r, DB_ERROR);
	else if (rc > 0)
		resp_error(r, 404, "not_found", "there is no such hold", NULL);
	else
		resp_empty(r, 204);
}
