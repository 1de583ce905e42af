/*
 * Helpers of the catalog pages: what a form's user typed, <select>
 * choices, and values shaped for people (clock times, prices, seat
 * maps).  They build template contexts only; no markup lives here.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "catalog/pages.h"
#include "core/arena.h"
#include "core/request.h"
#include "store/db.h"
#include "view/render.h"

#define MONEY_MAX_CENTS	1000000		/* $10,000.00, as the API allows */

json_t *
page_form_values(struct request *r, const char *const *keys)
{
	json_t		*form = json_object();
	const char	*v;
	size_t		 i;

	for (i = 0; keys[i] != NULL; i++)
		if ((v = kv_get(&r->form_kv, keys[i])) != NULL ||
		    (v = req_query(r, keys[i])) != NULL)
			json_object_set_new(form, keys[i], json_string(v));
	return form;
}

json_t *
page_form_errors(struct request *r)
{
	return r->in_errors != NULL ? json_copy(r->in_errors) : json_object();
}

json_t *
page_options(const char *const *values, const char *const *labels,
    const char *selected)
{
	json_t	*out = json_array();
	size_t	 i;

	for (i = 0; values[i] != NULL; i++)
		json_array_append_new(out, json_pack("{s:s,s:s,s:b}",
		    "value", values[i], "label", labels != NULL ? labels[i] :
		    values[i], "selected", selected != NULL &&
		    strcmp(selected, values[i]) == 0));
	return out;
}

const char *
page_clash_with(struct arena *a, json_t *details)
{
	json_t		*other = json_object_get(details, "showtime");
	PGresult	*res;

	if (other == NULL || (res = db_q(a, "SELECT title FROM movies "
	    "WHERE id = $1", 1, db_id(a, json_integer_value(json_object_get(
	    other, "movie_id"))))) == NULL || PQntuples(res) != 1)
		return NULL;
	return arena_printf(a, "\"%s\" at %s in %s", db_val(res, 0, 0),
	    page_clock(a, json_string_value(json_object_get(other,
	    "starts_local"))), json_string_value(json_object_get(other,
	    "auditorium")));
}

char *
page_clock(struct arena *a, const char *t)
{
	int	 h, m;

	/* "YYYY-MM-DDTHH:MM..." */
	if (t == NULL || strlen(t) < 16 || sscanf(t + 11, "%2d:%2d", &h,
	    &m) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
		return arena_strdup(a, "");
	return arena_printf(a, "%d:%02d %s", h % 12 == 0 ? 12 : h % 12, m,
	    h < 12 ? "AM" : "PM");
}


const char *
page_parse_money(const char *s, json_int_t *cents)
{
	static const char msg[] = "must be an amount such as 12.50";
	long long	 whole = 0, frac = 0;
	int		 digits = 0, fdigits = 0;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '$')
		s++;
	for (; isdigit((unsigned char)*s) && digits < 8; s++, digits++)
		whole = whole * 10 + (*s - '0');
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s) && fdigits < 2; s++)
			frac = frac * 10 + (*s - '0'), fdigits++;
	if (fdigits == 1)
		frac *= 10;
	while (isspace((unsigned char)*s))
		s++;
	if (*s != '\0' || digits == 0)
		return msg;
	if (whole * 100 + frac > MONEY_MAX_CENTS)
		return "must be at most 10000.00";
	*cents = (json_int_t)(whole * 100 + frac);
	return NULL;
}

const char *
page_parse_clock(struct arena *a, const char *s)
{
	size_t	 i = 0, len, n;
	int	 h = 0, m;

	while (isspace((unsigned char)*s))
		s++;
	for (len = strlen(s); len > 0 && isspace((unsigned char)s[len - 1]);)
		len--;
	for (n = 0; n < 2 && isdigit((unsigned char)s[i]); n++, i++)
		h = h * 10 + (s[i] - '0');
	if (n == 0 || s[i] != ':' || !isdigit((unsigned char)s[i + 1]) ||
	    !isdigit((unsigned char)s[i + 2]))
		return NULL;
	m = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	i += 3;
	/* <input type=time> may add seconds: "14:30:00". */
	if (i + 3 == len && s[i] == ':' && s[i + 1] >= '0' && s[i + 1] <= '5' &&
	    isdigit((unsigned char)s[i + 2]))
		i += 3;
	if (i != len || h > 23 || m > 59)
		return NULL;
	return arena_printf(a, "%02d:%02d", h, m);
}

char *
page_row_label(struct arena *a, size_t i)
{
	if (i < 26)
		return arena_printf(a, "%c", (char)('A' + i));
	return arena_printf(a, "%c%c", (char)('A' + i / 26 - 1),
	    (char)('A' + i % 26));
}

/* One row of a seat map: its cells, seats numbered from the left. */
static json_t *
seat_row(struct arena *a, const char *label, const char *row)
{
	static const char *const kinds[] = { "standard", "premium",
	    "wheelchair", "companion" };
	json_t		*cells = json_array();
	const char	*pos;
	int		 number = 0;

	for (; *row != '\0'; row++) {
		if ((pos = strchr("spwc", *row)) == NULL) {
			json_array_append_new(cells, json_pack("{s:s}",
			    "kind", "gap"));
			continue;
		}
		json_array_append_new(cells, json_pack("{s:s,s:s}", "kind",
		    kinds[pos - "spwc"], "seat", arena_printf(a, "%s%d %s",
		    label, ++number, kinds[pos - "spwc"])));
	}
	return cells;
}

json_t *
page_seat_map(struct arena *a, json_t *layout)
{
	json_t		*rows = json_array(), *row;
	const char	*label;
	size_t		 i, width = 0;

	json_array_foreach(layout, i, row) {
		label = page_row_label(a, i);
		if (json_string_length(row) > width)
			width = json_string_length(row);
		json_array_append_new(rows, json_pack("{s:s,s:o}", "label",
		    label, "cells", seat_row(a, label, json_string_value(row))));
	}
	return json_pack("{s:o,s:I}", "rows", rows, "columns",
	    (json_int_t)width);
}

void
page_showtime_labels(struct arena *a, json_t *s)
{
	json_int_t	 left = json_integer_value(json_object_get(s,
			    "seats_available"));

	json_object_set_new(s, "time_label", json_string(page_clock(a,
	    json_string_value(json_object_get(s, "starts_local")))));
	json_object_set_new(s, "price_label", json_string(view_money(a,
	    json_integer_value(json_object_get(s, "base_price_cents")),
	    json_string_value(json_object_get(s, "currency")))));
	json_object_set_new(s, "sold_out", json_boolean(left <= 0));
	json_object_set_new(s, "seats_label", json_string(left == 1 ?
	    "1 seat left" : arena_printf(a, "%lld seats left",
	    (long long)left)));
}

json_t *
page_rating(json_t *movie)
{
	json_t		*r = json_object_get(movie, "rating");
	json_int_t	 count = json_integer_value(json_object_get(r, "count"));
	char		 avg[16];

	snprintf(avg, sizeof(avg), "%.1f",
	    json_number_value(json_object_get(r, "average")));
	return json_pack("{s:b,s:s,s:I,s:b}", "any", count > 0, "average",
	    avg, "count", count, "one", count == 1);
}

void
page_movie_card(struct arena *a, json_t *m, json_t *names)
{
	json_t		*g;
	const char	*text = NULL, *name;
	size_t		 i;

	json_array_foreach(json_object_get(m, "genres"), i, g) {
		if ((name = json_string_value(json_object_get(names,
		    json_string_value(g)))) == NULL)
			name = json_string_value(g);
		text = text ? arena_printf(a, "%s, %s", text, name) : name;
	}
	json_object_set_new(m, "genres", json_string(text ? text : ""));
	if (json_integer_value(json_object_get(json_object_get(m, "rating"),
	    "count")) > 0)
		json_object_set_new(m, "rating", page_rating(m));
	else
		json_object_del(m, "rating");
}
