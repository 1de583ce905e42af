/*
 * The auditorium slots of the admin theatre form: reading them from a
 * stored theatre or a submitted form, checking names and layouts, and
 * the seat map preview of each.  A slot is a JSON object whose keys
 * start with "a_" (so that a template section over one never picks up
 * a page-level name): a_index, a_name, a_layout (the text), a_existing,
 * a_remove, a_name_error, a_layout_error, a_capacity and a_map.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog/catalog.h"
#include "catalog/pages.h"
#include "core/arena.h"
#include "core/request.h"

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
json_t *
slots_new(struct arena *a, size_t i, const char *name, const char *layout,
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
json_t *
slots_stored(struct arena *a, json_t *t)
{
	json_t	*slots = json_array(), *aud;
	size_t	 i;

	json_array_foreach(json_object_get(t, "auditoriums"), i, aud)
		json_array_append_new(slots, slots_new(a, i, json_string_value(
		    json_object_get(aud, "name")), layout_text(a,
		    json_object_get(aud, "layout")), t));
	json_array_append_new(slots, slots_new(a, json_array_size(slots), "",
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

void
slots_error(json_t *slot, const char *which, const char *msg)
{
	if (json_object_get(slot, which) == NULL)
		json_object_set_new(slot, which, json_string(msg));
}

/* The submitted slots, with validation errors moved beside them. */
json_t *
slots_posted(struct request *r, json_t *t, json_t *errors)
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
		slot = slots_new(r->a, i, name ? name : "", layout ? layout : "",
		    t);
		json_array_foreach(removes, j, v)
			if ((json_is_string(v) ? atoll(json_string_value(v)) :
			    (long long)json_integer_value(v)) == (long long)i)
				json_object_set_new(slot, "a_remove", json_true());
		json_array_append_new(slots, slot);
	}
	/* Others (a forged aud_remove) stay in errors and fail the form. */
	json_object_foreach_safe(errors, tmp, key, msg) {
		if (sscanf(key, "aud_name[%zu]", &idx) == 1 &&
		    (slot = json_array_get(slots, idx)) != NULL)
			slots_error(slot, "a_name_error", json_string_value(msg));
		else if (sscanf(key, "aud_layout[%zu]", &idx) == 1 &&
		    (slot = json_array_get(slots, idx)) != NULL)
			slots_error(slot, "a_layout_error", json_string_value(msg));
		else
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
json_t *
slots_auditoriums(struct arena *a, json_t *slots)
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
			slots_error(slot, "a_name_error", "is required");
		if ((msg = layout_problem(rows, &cap)) != NULL)
			slots_error(slot, "a_layout_error", json_array_size(rows) ?
			    msg : "is required: one row a line, front row first");
		for (j = 0; j < i && *name != '\0'; j++)
			if ((other = json_array_get(slots, j)) != NULL &&
			    !json_is_true(json_object_get(other, "a_remove")) &&
			    strcasecmp(name, json_string_value(json_object_get(
			    other, "a_name"))) == 0)
				slots_error(slot, "a_name_error", "is used twice");
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

/* The slot that holds the auditorium called name, or NULL. */
json_t *
slots_named(json_t *slots, const char *name)
{
	json_t	*slot;
	size_t	 i;

	json_array_foreach(slots, i, slot)
		if (name != NULL && strcasecmp(name, json_string_value(
		    json_object_get(slot, "a_name"))) == 0)
			return slot;
	return NULL;
}
