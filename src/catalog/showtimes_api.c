/*
 * POST /v1/theatre/{theatre}/set_showtimes and
 * PUT /v1/theatre/{theatre}/update_showtimes.
 */
#include <string.h>

#include "catalog/catalog.h"
#include "catalog/showtimes.h"
#include "core/request.h"
#include "store/cache.h"
#include "store/db.h"

static const char *const formats[] = { "2D", "3D", "IMAX", NULL };
static const char *const statuses[] = { "cancelled", NULL };

static const struct field set_item_fields[] = {
	{ "movie_id", FT_ID, 1, 0, 0, NULL, NULL },
	{ "auditorium", FT_STRING, 1, 1, 60, NULL, NULL },
	{ "starts_at", FT_TIMESTAMP, 1, 0, 0, NULL, NULL },
	{ "format", FT_ENUM, 0, 0, 0, formats, NULL },
	{ "language", FT_STRING, 0, 1, 60, NULL, NULL },
	{ "base_price_cents", FT_MONEY, 1, 0, 1000000, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field set_item[] = {
	{ "showtime", FT_OBJECT, 1, 0, 0, NULL, set_item_fields },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field showtimes_set_fields[] = {
	{ "showtimes", FT_ARRAY, 1, 1, 500, NULL, set_item },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field update_item_fields[] = {
	{ "id", FT_ID, 1, 0, 0, NULL, NULL },
	{ "starts_at", FT_TIMESTAMP, 0, 0, 0, NULL, NULL },
	{ "auditorium", FT_STRING, 0, 1, 60, NULL, NULL },
	{ "base_price_cents", FT_MONEY, 0, 0, 1000000, NULL, NULL },
	{ "status", FT_ENUM, 0, 0, 0, statuses, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field update_item[] = {
	{ "showtime", FT_OBJECT, 1, 0, 0, NULL, update_item_fields },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field showtimes_update_fields[] = {
	{ "showtimes", FT_ARRAY, 1, 1, 500, NULL, update_item },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* The showtimes written, as the API shows them. */
static json_t *
written(struct request *r, json_t *ids)
{
	json_t	*out = json_array(), *id, *s;
	size_t	 i;

	json_array_foreach(ids, i, id)
		if ((s = catalog_showtime_json(r->a,
		    json_integer_value(id))) != NULL)
			json_array_append_new(out, s);
	return out;
}

/* 404 for an unknown theatre; the refusals of a write otherwise. */
static int
refused(struct request *r, int rc, struct showtime_write *w)
{
	if (rc == DB_OK)
		return 0;
	if (rc != DB_ABORT)
		db_fail_reply(r, rc);
	else if (w->errors != NULL)
		resp_invalid(r, w->errors);
	else if (w->clash >= 0)
		resp_error(r, 409, "auditorium_busy", "the auditorium is "
		    "already booked for part of that time", w->details);
	else if (w->conflict != NULL)
		resp_error(r, 409, w->conflict, "seats of this showtime are "
		    "sold or held; it cannot move to another auditorium",
		    json_pack("{s:i}", "index", (int)w->missing));
	else
		resp_error(r, 404, "not_found", "there is no such showtime at "
		    "this theatre", json_pack("{s:i}", "index",
		    (int)w->missing));
	w->errors = NULL;	/* handed to the response */
	return -1;
}

static int
setup_or_reply(struct request *r, struct showtime_write *w)
{
	memset(w, 0, sizeof(*w));
	w->in = r->in;
	w->actor = r->user_id;
	w->clash = w->missing = -1;
	w->theatre = catalog_theatre_ref(r->a, req_capture(r, "theatre"));
	if (w->theatre < 0)
		db_fail_reply(r, DB_ERROR);
	else if (w->theatre == 0)
		resp_error(r, 404, "not_found", "there is no such theatre", NULL);
	return w->theatre > 0 ? 0 : -1;
}

void
showtimes_api_set(struct request *r)
{
	struct showtime_write	 w;

	if (setup_or_reply(r, &w) == -1 ||
	    refused(r, showtimes_set(r->a, &w), &w) == -1)
		return;
	catalog_changed(r->a);
	resp_json(r, 201, json_pack("{s:o}", "showtimes", written(r, w.ids)));
}

void
showtimes_api_update(struct request *r)
{
	struct showtime_write	 w;

	if (setup_or_reply(r, &w) == -1 ||
	    refused(r, showtimes_update(r->a, &w), &w) == -1)
		return;
	catalog_changed(r->a);
	resp_json(r, 200, json_pack("{s:o,s:i}", "showtimes", written(r, w.ids),
	    "notified_bookings", w.notified));
}
