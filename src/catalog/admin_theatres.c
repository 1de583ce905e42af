/*
 * Admin pages for theatres and their auditoriums.
 *
 * The form carries one slot per auditorium (repeated aud_name and
 * aud_layout fields, the layout one row string a line) plus an empty
 * slot to add one; aud_remove lists the slots to drop.  Each layout is
 * checked with layout_problem() and drawn as a seat map beside its
 * slot.  theatres_create/update do the rest, and their refusals
 * (layout_in_use, auditorium_in_use) are shown beside the auditorium.
 */
#include <ctype.h>
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

#define SLOTS_MAX	51	/* the API's 50 auditoriums and an empty slot */

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
	{ "aud_remove", FT_INT, 1, 0, SLOTS_MAX - 1, NULL, NULL },
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
	{ "aud_name", FT_ARRAY, 0, 0, SLOTS_MAX, NULL, aud_name_item },
	{ "aud_layout", FT_ARRAY, 0, 0, SLOTS_MAX, NULL, aud_layout_item },
	{ "aud_remove", FT_ARRAY, 0, 0, SLOTS_MAX, NULL, aud_remove_item },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* A layout's text, one row a line, as row strings (blank lines dropped). */
static json_t *
layout_rows(struct arena *a, const char *text)
{
	json_t	*rows = json_array();
	size_t	 n, b, e;

	for (; text != NULL && *text != '\0'; text += n + (text[n] != '\0')) {
		n = strcspn(text, "\n");
		for (b = 0; b < n && isspace((unsigned char)text[b]); b++)
			;
		for (e = n; e > b && isspace((unsigned char)text[e - 1]); e--)
			;
		if (e > b)
			json_array_append_new(rows, json_string(
			    arena_strndup(a, text + b, e - b)));
	}
	return rows;
}

static char *
layout_text(struct arena *a, json_t *rows)
{
	const char	*text = "";
	json_t		*row;
	size_t		 i;

	json_array_foreach(rows, i, row)
		text = arena_printf(a, "%s%s%s", text, i ? "\n" : "",
		    json_string_value(row));
	return arena_strdup(a, text);
}

/*
 * Whether slot i holds the stored auditorium i of t: the form lists the
 * stored ones first, in order, with their names read-only.
 */
static int
stored_auditorium(json_t *t, size_t i, const char *name)
{
	const char	*stored = json_string_value(json_object_get(json_array_get(
			    json_object_get(t, "auditoriums"), i), "name"));

	return stored != NULL && strcasecmp(stored, name) == 0;
}

/* A form slot: what it holds, and its preview when the layout is good. */
static json_t *
slot_new(struct arena *a, size_t i, const char *name, const char *layout,
    json_t *t)
{
	json_t	*rows = layout_rows(a, layout), *slot;
	int	 cap = 0;

	slot = json_pack("{s:I,s:s,s:s,s:b}", "a_index", (json_int_t)i,
	    "a_name", name, "a_layout", layout, "a_existing",
	    stored_auditorium(t, i, name));
	if (json_array_size(rows) > 0 && layout_problem(rows, &cap) == NULL) {
		json_object_set_new(slot, "a_capacity", json_integer(cap));
		json_object_set_new(slot, "a_map", page_seat_map(a, rows));
	}
	json_decref(rows);
	return slot;
}

/* The stored auditoriums of t as slots, and an empty one. */
static json_t *
stored_slots(struct arena *a, json_t *t)
{
	json_t	*slots = json_array(), *aud;
	size_t	 i;

	json_array_foreach(json_object_get(t, "auditoriums"), i, aud)
		json_array_append_new(slots, slot_new(a, i, json_string_value(
		    json_object_get(aud, "name")), layout_text(a,
		    json_object_get(aud, "layout")), t));
	json_array_append_new(slots, slot_new(a, json_array_size(slots), "",
	    "", t));
	return slots;
}

/* The values of a repeated form field: validated, else as typed. */
static json_t *
form_list(struct request *r, const char *key)
{
	json_t	*v = json_object_get(r->in, key), *out;
	size_t	 i;

	if (v != NULL)
		return json_incref(v);
	out = json_array();
	for (i = 0; i < r->form_kv.n; i++)
		if (strcmp(r->form_kv.v[i].key, key) == 0)
			json_array_append_new(out, json_string(
			    r->form_kv.v[i].val));
	return out;
}

static void
slot_error(json_t *slot, const char *which, const char *msg)
{
	if (json_object_get(slot, which) == NULL)
		json_object_set_new(slot, which, json_string(msg));
}

/* The submitted slots, with validation errors moved beside them. */
static json_t *
posted_slots(struct request *r, json_t *t, json_t *errors)
{
	json_t		*names = form_list(r, "aud_name");
	json_t		*layouts = form_list(r, "aud_layout");
	json_t		*removes = form_list(r, "aud_remove");
	json_t		*slots = json_array(), *slot, *msg, *v;
	const char	*key, *name, *layout;
	size_t		 i, j, n = json_array_size(names), idx;
	void		*tmp;

	if (json_array_size(layouts) > n)
		n = json_array_size(layouts);
	for (i = 0; i < n; i++) {
		name = json_string_value(json_array_get(names, i));
		layout = json_string_value(json_array_get(layouts, i));
		slot = slot_new(r->a, i, name ? name : "", layout ? layout : "",
		    t);
		json_array_foreach(removes, j, v)
			if ((json_is_string(v) ? atoll(json_string_value(v)) :
			    (long long)json_integer_value(v)) == (long long)i)
				json_object_set_new(slot, "a_remove", json_true());
		json_array_append_new(slots, slot);
	}
	json_object_foreach_safe(errors, tmp, key, msg) {
		if (sscanf(key, "aud_name[%zu]", &idx) == 1 &&
		    (slot = json_array_get(slots, idx)) != NULL)
			slot_error(slot, "a_name_error", json_string_value(msg));
		else if (sscanf(key, "aud_layout[%zu]", &idx) == 1 &&
		    (slot = json_array_get(slots, idx)) != NULL)
			slot_error(slot, "a_layout_error", json_string_value(msg));
		else if (strncmp(key, "aud_", 4) != 0)
			continue;
		json_object_del(errors, key);
	}
	json_decref(names);
	json_decref(layouts);
	json_decref(removes);
	return slots;
}

/*
 * The auditoriums list of the slots (empty and removed ones left out),
 * checking names and layouts; NULL when any slot got an error.
 */
static json_t *
slot_auditoriums(struct arena *a, json_t *slots)
{
	json_t		*auds = json_array(), *slot, *rows, *other;
	const char	*name, *msg;
	size_t		 i, j;
	int		 bad = 0, cap;

	json_array_foreach(slots, i, slot) {
		name = json_string_value(json_object_get(slot, "a_name"));
		rows = layout_rows(a, json_string_value(json_object_get(slot,
		    "a_layout")));
		if (json_is_true(json_object_get(slot, "a_remove")) ||
		    (*name == '\0' && json_array_size(rows) == 0)) {
			json_decref(rows);
			continue;
		}
		if (*name == '\0')
			slot_error(slot, "a_name_error", "is required");
		if ((msg = layout_problem(rows, &cap)) != NULL)
			slot_error(slot, "a_layout_error", json_array_size(rows) ?
			    msg : "is required: one row a line, front row first");
		for (j = 0; j < i && *name != '\0'; j++)
			if ((other = json_array_get(slots, j)) != NULL &&
			    !json_is_true(json_object_get(other, "a_remove")) &&
			    strcasecmp(name, json_string_value(json_object_get(
			    other, "a_name"))) == 0)
				slot_error(slot, "a_name_error", "is used twice");
		bad |= json_object_get(slot, "a_name_error") != NULL ||
		    json_object_get(slot, "a_layout_error") != NULL;
		json_array_append_new(auds, json_pack("{s:s,s:o,s:I}", "name",
		    name, "layout", rows, "slot", (json_int_t)i));
	}
	if (!bad)
		return auds;
	json_decref(auds);
	return NULL;
}

/* Renders the add (t NULL) or edit form; steals t, form, errors, slots. */
static void
render_form(struct request *r, int status, json_t *t, json_t *form,
    json_t *errors, json_t *slots, const char *problem)
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
	if (!open && json_array_size(slots) < SLOTS_MAX)
		json_array_append_new(slots, slot_new(r->a,
		    json_array_size(slots), "", "", t));
	ctx = json_pack("{s:o,s:o,s:o,s:b}", "form", form, "errors", errors,
	    "slots", slots, "failed", bad);
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

/* The slot that holds the auditorium called name, or NULL. */
static json_t *
slot_named(json_t *slots, const char *name)
{
	json_t	*slot;
	size_t	 i;

	json_array_foreach(slots, i, slot)
		if (name != NULL && strcasecmp(name, json_string_value(
		    json_object_get(slot, "a_name"))) == 0)
			return slot;
	return NULL;
}

/* Puts a domain refusal beside its field or auditorium; the sentence. */
static const char *
refusal(struct arena *a, struct theatre_write *w, json_t *errors,
    json_t *slots)
{
	json_t	*slot = slot_named(slots, w->detail);

	if (strcmp(w->conflict, "slug_taken") == 0) {
		json_object_set_new(errors, "slug", json_string("is already "
		    "used by another theatre; choose another"));
		return NULL;
	}
	if (strcmp(w->conflict, "layout_in_use") == 0) {
		if (slot != NULL)
			slot_error(slot, "a_layout_error", "cannot change now: "
			    "showtimes still to come have seats sold or held");
		return arena_printf(a, "The layout of %s cannot change while "
		    "showtimes still to come have seats sold or held.",
		    w->detail ? w->detail : "an auditorium");
	}
	if (slot != NULL)
		slot_error(slot, "a_name_error", "cannot be removed: it has "
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

	slots = posted_slots(r, t, errors);
	if ((auds = slot_auditoriums(r->a, slots)) == NULL ||
	    json_object_size(errors) > 0) {
		json_decref(auds);
		render_form(r, 400, t, page_form_values(r, form_keys), errors,
		    slots, NULL);
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
			slot_error(slot, strstr(key, "].name") ? "a_name_error" :
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
		    form_keys), errors, slots, problem);
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
	    stored_slots(r->a, NULL), NULL);
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
	    stored_slots(r->a, t), NULL);
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
		    stored_slots(r->a, t), "This theatre has bookings for "
		    "showtimes still to come, so it cannot be removed yet. "
		    "Cancel those showtimes first (their customers are "
		    "refunded and told).");
	else {
		json_decref(t);
		db_fail_reply(r, rc);
	}
}
