/*
 * The theatre endpoints of the Catalog API.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog/catalog.h"
#include "catalog/theatres.h"
#include "core/request.h"
#include "store/cache.h"
#include "store/db.h"

const struct field theatres_list_query[] = {
	{ "city", FT_STRING, 0, 0, 100, NULL, NULL },
	{ "limit", FT_INT, 0, 1, 100, NULL, NULL },
	{ "cursor", FT_INT, 0, 0, 1000000000, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field row_item[] = {
	{ "row", FT_STRING, 1, 1, 100, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field auditorium_fields[] = {
	{ "name", FT_STRING, 1, 1, 60, NULL, NULL },
	{ "layout", FT_ARRAY, 1, 1, 52, NULL, row_item },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field auditorium_item[] = {
	{ "auditorium", FT_OBJECT, 1, 0, 0, NULL, auditorium_fields },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

#define THEATRE_FIELDS(req) \
	{ "name", FT_STRING, req, 1, 200, NULL, NULL }, \
	{ "slug", FT_SLUG, 0, 0, 0, NULL, NULL }, \
	{ "city", FT_STRING, req, 1, 100, NULL, NULL }, \
	{ "address", FT_STRING, 0, 0, 300, NULL, NULL }, \
	{ "timezone", FT_TIMEZONE, req, 0, 0, NULL, NULL }, \
	{ "auditoriums", FT_ARRAY, 0, 0, 50, NULL, auditorium_item }, \
	{ NULL, 0, 0, 0, 0, NULL, NULL }

const struct field theatre_add_fields[] = { THEATRE_FIELDS(1) };
const struct field theatre_update_fields[] = { THEATRE_FIELDS(0) };

/* GET /v1/theatres?city=: cached (catalog_answer_key). */
void
theatres_api_list(struct request *r)
{
	long long	 limit = in_has(r, "limit") ? in_int(r, "limit") : 20;
	long long	 offset = in_int(r, "cursor");
	char		*key = catalog_answer_key(r, "theatres", NULL);
	PGresult	*res;
	json_t		*items;
	int		 i;

	if (catalog_answer_cached(r, key))
		return;
	items = json_array();
	res = db_q(r->a, "SELECT theatre_json(id) FROM theatres "
	    "WHERE deleted_at IS NULL AND ($1::text IS NULL OR "
	    "lower(city) = lower($1)) ORDER BY city, name, id "
	    "LIMIT $2::int + 1 OFFSET $3::int", 3,
	    in_str(r, "city") && *in_str(r, "city") ? in_str(r, "city") : NULL,
	    arena_printf(r->a, "%lld", limit),
	    arena_printf(r->a, "%lld", offset < 0 ? 0 : offset));
	if (res == NULL) {
		json_decref(items);
		db_fail_reply(r, DB_ERROR);
		return;
	}
	for (i = 0; i < PQntuples(res) && i < limit; i++)
		json_array_append_new(items, db_json(res, i, 0));
	resp_json(r, 200, json_pack("{s:o,s:o}", "items", items, "next_cursor",
	    PQntuples(res) > limit ? json_sprintf("%lld", offset + limit) :
	    json_null()));
	catalog_answer_keep(r, key);
}

/* GET /v1/theatre/{theatre} */
void
theatres_api_get(struct request *r)
{
	int64_t	 id;
	json_t	*t;

	if ((id = catalog_theatre_or_reply(r)) == 0)
		return;
	if ((t = catalog_theatre_json(r->a, id)) == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "theatre", t));
}

/* Checks each auditorium's layout and that names are unique; -1 after 400. */
static int
auditoriums_or_reply(struct request *r)
{
	json_t		*list = json_object_get(r->in, "auditoriums"), *a;
	json_t		*errors = json_object();
	const char	*msg;
	size_t		 i, j;
	int		 cap;

	json_array_foreach(list, i, a) {
		if ((msg = layout_problem(json_object_get(a, "layout"),
		    &cap)) != NULL)
			json_object_set_new(errors, arena_printf(r->a,
			    "auditoriums[%zu].layout", i), json_string(msg));
		for (j = 0; j < i; j++)
			if (strcasecmp(json_string_value(json_object_get(a,
			    "name")), json_string_value(json_object_get(
			    json_array_get(list, j), "name"))) == 0)
				json_object_set_new(errors, arena_printf(r->a,
				    "auditoriums[%zu].name", i),
				    json_string("is used twice"));
	}
	if (json_object_size(errors) == 0) {
		json_decref(errors);
		return 0;
	}
	resp_invalid(r, errors);
	return -1;
}

static void
write_reply(struct request *r, int rc, struct theatre_write *w, int status)
{
	if (rc == DB_ABORT && w->conflict != NULL) {
		if (strcmp(w->conflict, "slug_taken") == 0)
			resp_error(r, 409, w->conflict,
			    "another theatre already has this slug", NULL);
		else if (strcmp(w->conflict, "has_future_bookings") == 0)
			resp_error(r, 409, w->conflict, "this theatre has "
			    "bookings for showtimes still to come", NULL);
		else
			resp_error(r, 409, w->conflict, arena_printf(r->a,
			    "auditorium %s has showtimes still to come%s",
			    w->detail ? w->detail : "", strcmp(w->conflict,
			    "layout_in_use") == 0 ? " with seats sold or held; "
			    "its layout cannot change now" : "; it cannot be "
			    "removed now"), json_pack("{s:s}", "auditorium",
			    w->detail ? w->detail : ""));
		return;
	}
	if (rc != DB_OK) {
		db_fail_reply(r, rc);
		return;
	}
	catalog_changed(r->a);
	if (status == 204)
		resp_empty(r, 204);
	else
		resp_json(r, status, json_pack("{s:O}", "theatre", w->after));
}

/* POST /v1/theatre/add_theatre */
void
theatres_api_add(struct request *r)
{
	struct theatre_write	 w;

	if (auditoriums_or_reply(r) == -1)
		return;
	memset(&w, 0, sizeof(w));
	w.in = r->in;
	w.actor = r->user_id;
	write_reply(r, theatres_create(r->a, &w), &w, 201);
}

/* PUT /v1/theatre/{theatre}/update_theatre */
void
theatres_api_update(struct request *r)
{
	struct theatre_write	 w;

	memset(&w, 0, sizeof(w));
	if ((w.id = catalog_theatre_or_reply(r)) == 0 ||
	    auditoriums_or_reply(r) == -1)
		return;
	w.in = r->in;
	w.actor = r->user_id;
	write_reply(r, theatres_update(r->a, &w), &w, 200);
}

/* DELETE /v1/theatre/{theatre}/remove_theatre */
void
theatres_api_remove(struct request *r)
{
	struct theatre_write	 w;

	memset(&w, 0, sizeof(w));
	if ((w.id = catalog_theatre_or_reply(r)) == 0)
		return;
	w.actor = r->user_id;
	write_reply(r, theatres_remove(r->a, &w), &w, 204);
}
