/*
 * Admin pages for theatres and their auditoriums.
 *
 * The form carries one slot per auditorium (repeated aud_name and
 * aud_layout fields, the layout one row string a line) plus an empty
 * slot to add one; aud_remove lists the slots to drop.  Each layout is
 * checked with layout_problem() and drawn as a seat map beside its
 * slot (admin_auditoriums.c).  theatres_create/update do the rest, and
 * their refusals (layout_in_use, auditorium_in_use) are shown beside
 * the auditorium.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin/admin.h"
#include "catalog/catalog.h"
#include "catalog/pages.h"
#include "catalog/theatres.h"
#include "core/request.h"
#include "core/util.h"
#include "store/db.h"

static const char *const saved_values[] = {
	"created", "updated", "removed", NULL
};
static const char *const form_keys[] = {
	"name", "slug", "city", "address", "timezone", NULL
};

static const struct field aud_name_item[] = {
	{ "aud_name", FT_STRING, 0, 0, 60, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field aud_layout_item[] = {
	{ "aud_layout", FT_TEXT, 0, 0, 6000, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field aud_remove_item[] = {
	{ "aud_remove", FT_INT, 1, 0, AUD_SLOTS_MAX - 1, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field admin_theatres_query[] = {
	{ "saved", FT_ENUM, 0, 0, 0, saved_values, NULL },
	{ "slug", FT_SLUG, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field admin_theatre_form[] = {
	{ "name", FT_STRING, 1, 1, 200, NULL, NULL },
	{ "slug", FT_SLUG, 0, 0, 0, NULL, NULL },
	{ "city", FT_STRING, 1, 1, 100, NULL, NULL },
	{ "address", FT_STRING, 0, 0, 300, NULL, NULL },
	{ "timezone", FT_TIMEZONE, 1, 0, 0, NULL, NULL },
	{ "aud_name", FT_ARRAY, 0, 0, AUD_SLOTS_MAX, NULL, aud_name_item },
	{ "aud_layout", FT_ARRAY, 0, 0, AUD_SLOTS_MAX, NULL, aud_layout_item },
	{ "aud_remove", FT_ARRAY, 0, 0, AUD_SLOTS_MAX, NULL, aud_remove_item },
	/* The "Preview" button: draw the posted layouts, save nothing. */
	{ "preview", FT_BOOL, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/*
 * Renders the add (t NULL) or edit form, or its preview (nothing saved);
 * steals t, form, errors, slots.
 */
static void
render_form(struct request *r, int status, json_t *t, json_t *form,
    json_t *errors, json_t *slots, const char *problem, int preview)
{
	json_t	*ctx, *slot;
	size_t	 i;
	int	 bad = json_object_size(errors) > 0, open = 0;

	json_array_foreach(slots, i, slot) {
		bad |= json_object_get(slot, "a_name_error") != NULL ||
		    json_object_get(slot, "a_layout_error") != NULL;
		open |= *json_string_value(json_object_get(slot, "a_name")) ==
		    '\0' && *json_string_value(json_object_get(slot,
		    "a_layout")) == '\0';
	}
	if (!open && json_array_size(slots) < AUD_SLOTS_MAX)
		json_array_append_new(slots, slots_new(r->a,
		    json_array_size(slots), "", "", t));
	ctx = json_pack("{s:o,s:o,s:o,s:b,s:b}", "form", form, "errors",
	    errors, "slots", slots, "failed", bad && !preview, "preview",
	    preview);
	if (t != NULL)
		json_object_set_new(ctx, "theatre", t);
	if (problem != NULL)
		json_object_set_new(ctx, "problem", json_string(problem));
	admin_page(r, status, "admin/theatre_form", ctx);
}

/* The theatre of the {id} capture, or NULL after a 404 or 503 reply. */
static json_t *
theatre_or_reply(struct request *r, int64_t *id)
{
	json_t	*t = NULL;

	*id = catalog_theatre_ref(r->a, req_capture(r, "id"));
	if (*id == 0)
		resp_error(r, 404, "not_found", "there is no such theatre", NULL);
	else if (*id < 0 || (t = catalog_theatre_json(r->a, *id)) == NULL)
		db_fail_reply(r, DB_ERROR);
	return t;
}

/* Puts a domain refusal beside its field or auditorium; the sentence. */
static const char *
refusal(struct arena *a, struct theatre_write *w, json_t *errors,
    json_t *slots)
{
	json_t	*slot = slots_named(slots, w->detail);

	if (strcmp(w->conflict, "slug_taken") == 0) {
		json_object_set_new(errors, "slug", json_string("is already "
		    "used by another theatre; choose another"));
		return NULL;
	}
	if (strcmp(w->conflict, "layout_in_use") == 0) {
		if (slot != NULL)
			slots_error(slot, "a_layout_error", "cannot change now: "
			    "showtimes still to come have seats sold or held");
		return arena_printf(a, "The layout of %s cannot change while "
		    "showtimes still to come have seats sold or held.",
		    w->detail ? w->detail : "an auditorium");
	}
	if (slot != NULL)
		slots_error(slot, "a_name_error", "cannot be removed: it has "
		    "showtimes still to come");
	return arena_printf(a, "%s cannot be removed while it has showtimes "
	    "still to come; cancel or move them first.",
	    w->detail ? w->detail : "An auditorium");
}

/*
 * POST of the add (t NULL) or edit form: checks the slots, then calls
 * theatres_create/update.  303 to the list, or the form with errors
 * (400, 409).  Steals t.
 */
static void
submit(struct request *r, int64_t id, json_t *t)
{
	struct theatre_write	 w;
	struct vresult		 vr;
	json_t			*errors = page_form_errors(r), *slots, *auds, *obj;
	const char		*key, *problem = NULL;
	json_t			*v, *slot;
	size_t			 k;
	int			 rc;

	slots = slots_posted(r, t, errors);
	if (json_is_true(json_object_get(r->in, "preview"))) {
		/* The maps and capacities of what was typed, and its
		 * mistakes beside each layout: nothing is saved. */
		json_decref(slots_auditoriums(r->a, slots));
		render_form(r, 200, t, page_form_values(r, form_keys), errors,
		    slots, NULL, 1);
		return;
	}
	if ((auds = slots_auditoriums(r->a, slots)) == NULL ||
	    json_object_size(errors) > 0) {
		json_decref(auds);
		render_form(r, 400, t, page_form_values(r, form_keys), errors,
		    slots, NULL, 0);
		return;
	}
	obj = json_copy(r->in);
	json_object_del(obj, "aud_name");
	json_object_del(obj, "aud_layout");
	json_object_del(obj, "aud_remove");
	json_object_set_new(obj, "auditoriums", auds);
	rc = validate_json(r->a, t ? theatre_update_fields : theatre_add_fields,
	    obj, &vr);
	json_object_foreach(vr.errors, key, v)	/* past the slots' checks */
		if (sscanf(key, "auditoriums[%zu]", &k) == 1 &&
		    (slot = json_array_get(slots, (size_t)json_integer_value(
		    json_object_get(json_array_get(auds, k), "slot")))) != NULL)
			slots_error(slot, strstr(key, "].name") ? "a_name_error" :
			    "a_layout_error", json_string_value(v));
		else
			json_object_set(errors, arena_strndup(r->a, key,
			    strcspn(key, "[.")), v);
	memset(&w, 0, sizeof(w));
	w.id = id;
	w.in = vr.values;
	w.actor = r->user_id;
	if (rc == 0)
		rc = t ? theatres_update(r->a, &w) : theatres_create(r->a, &w);
	else
		rc = DB_ABORT;
	json_decref(obj);
	if (rc == DB_OK) {
		catalog_changed(r->a);
		json_decref(t);
		json_decref(errors);
		json_decref(slots);
		resp_redirect(r, 303, arena_printf(r->a, "/admin/theatres?saved=%s"
		    "&slug=%s", id ? "updated" : "created", url_encode(r->a,
		    json_string_value(json_object_get(w.after, "slug")))));
		return;
	}
	if (rc == DB_ABORT) {
		if (w.conflict != NULL)
			problem = refusal(r->a, &w, errors, slots);
		render_form(r, w.conflict ? 409 : 400, t, page_form_values(r,
		    form_keys), errors, slots, problem, 0);
		return;
	}
	json_decref(t);
	json_decref(errors);
	json_decref(slots);
	db_fail_reply(r, rc);
}

/* GET /admin/theatres?saved=&slug= */
void
admin_theatres_list(struct request *r)
{
	PGresult	*res;
	json_t		*items = json_array(), *ctx;
	const char	*saved = in_str(r, "saved");
	int		 i;

	res = db_q(r->a, "SELECT t.id, t.slug, t.name, t.city, t.timezone, "
	    "count(a.id), coalesce(sum(a.capacity), 0) FROM theatres t "
	    "LEFT JOIN auditoriums a ON a.theatre_id = t.id "
	    "AND a.deleted_at IS NULL WHERE t.deleted_at IS NULL "
	    "GROUP BY t.id ORDER BY t.city, t.name", 0);
	if (res == NULL) {
		json_decref(items);
		db_fail_reply(r, DB_ERROR);
		return;
	}
	for (i = 0; i < PQntuples(res); i++)
		json_array_append_new(items, json_pack("{s:I,s:s,s:s,s:s,s:s,"
		    "s:s,s:s}", "id", (json_int_t)db_int(res, i, 0),
		    "slug", db_val(res, i, 1), "name", db_val(res, i, 2),
		    "city", db_val(res, i, 3), "timezone", db_val(res, i, 4),
		    "auditoriums", db_val(res, i, 5), "seats",
		    db_val(res, i, 6)));
	ctx = json_pack("{s:o,s:b}", "items", items, "any", i > 0);
	if (saved != NULL)
		json_object_set_new(ctx, "saved", json_pack("{s:b}", saved, 1));
	if (in_has(r, "slug"))
		json_object_set_new(ctx, "saved_slug", json_string(in_str(r,
		    "slug")));
	admin_page(r, 200, "admin/theatres", ctx);
}

/* GET /admin/theatres/new */
void
admin_theatres_new(struct request *r)
{
	render_form(r, 200, NULL, json_object(), json_object(),
	    slots_stored(r->a, NULL), NULL, 0);
}

/* POST /admin/theatres/new */
void
admin_theatres_create(struct request *r)
{
	submit(r, 0, NULL);
}

/* GET /admin/theatres/{id}/edit */
void
admin_theatres_edit(struct request *r)
{
	int64_t	 id;
	json_t	*t;

	if ((t = theatre_or_reply(r, &id)) == NULL)
		return;
	render_form(r, 200, t, json_copy(t), json_object(),
	    slots_stored(r->a, t), NULL, 0);
}

/* POST /admin/theatres/{id}/edit */
void
admin_theatres_update(struct request *r)
{
	int64_t	 id;
	json_t	*t;

	if ((t = theatre_or_reply(r, &id)) == NULL)
		return;
	submit(r, id, t);
}

/* POST /admin/theatres/{id}/remove: 409 has_future_bookings on the form. */
void
admin_theatres_remove(struct request *r)
{
	struct theatre_write	 w;
	json_t			*t;
	int			 rc;

	memset(&w, 0, sizeof(w));
	if ((t = theatre_or_reply(r, &w.id)) == NULL)
		return;
	w.actor = r->user_id;
	if ((rc = theatres_remove(r->a, &w)) == DB_OK) {
		catalog_changed(r->a);
		json_decref(t);
		resp_redirect(r, 303, "/admin/theatres?saved=removed");
	} else if (rc == DB_ABORT && w.conflict != NULL)
		render_form(r, 409, t, json_copy(t), json_object(),
		    slots_stored(r->a, t), "This theatre has bookings for "
		    "showtimes still to come, so it cannot be removed yet. "
		    "Cancel those showtimes first (their customers are "
		    "refunded and told).", 0);
	else {
		json_decref(t);
		db_fail_reply(r, rc);
	}
}
