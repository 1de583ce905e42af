/*
 * Best available: a pure function over the seat map, so it can be unit
 * tested with hand-drawn auditoriums.
 *
 * Candidates are runs of `count` free seats side by side (consecutive x
 * in one row; an aisle breaks a run).  Wheelchair spaces and companion
 * seats are left for the people who need them.  A run scores by its
 * distance from the middle of the row and from a row about two thirds
 * of the way back; a run that would leave a single free seat stranded
 * between it and a taken seat, an aisle or a wall loses to any run that
 * does not.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "seating/seating.h"

struct cell {
	int		 x, y, free;
	const char	*label;
};

static int
by_position(const void *pa, const void *pb)
{
	const struct cell	*a = pa, *b = pb;

	return a->y != b->y ? a->y - b->y : a->x - b->x;
}

/* Whether position (y, x) is a free seat a group may take. */
static int
is_free(const struct cell *c, size_t n, int y, int x)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (c[i].y == y && c[i].x == x)
			return c[i].free;
	return 0;
}

/* A single free seat stranded at x (its other neighbour not free). */
static int
strands(const struct cell *c, size_t n, int y, int x, int dir)
{
	return is_free(c, n, y, x) && !is_free(c, n, y, x + dir);
}

json_t *
best_seats(json_t *seats, int count)
{
	struct cell	*c;
	size_t		 n = json_array_size(seats), i, j;
	json_t		*s, *out = json_array();
	int		 maxx = 0, maxy = 0, best = -1, stranded;
	double		 score, best_score = 1e18, target;
	const char	*type;

	if (n == 0 || count < 1 || count > HOLD_MAX_SEATS)
		return out;
	c = calloc(n, sizeof(*c));
	if (c == NULL)
		return out;
	json_array_foreach(seats, i, s) {
		type = json_string_value(json_object_get(s, "type"));
		c[i].x = (int)json_integer_value(json_object_get(s, "x"));
		c[i].y = (int)json_integer_value(json_object_get(s, "y"));
		c[i].label = json_string_value(json_object_get(s, "id"));
		c[i].free = type != NULL && strcmp(type, "wheelchair") != 0 &&
		    strcmp(type, "companion") != 0 &&
		    strcmp(json_string_value(json_object_get(s, "status")) ?
		    json_string_value(json_object_get(s, "status")) : "",
		    "available") == 0;
		maxx = c[i].x > maxx ? c[i].x : maxx;
		maxy = c[i].y > maxy ? c[i].y : maxy;
	}
	qsort(c, n, sizeof(*c), by_position);
	target = maxy * 2.0 / 3.0;
	for (i = 0; i + (size_t)count <= n; i++) {
		for (j = 0; j < (size_t)count; j++)
			if (!c[i + j].free || c[i + j].y != c[i].y ||
			    c[i + j].x != c[i].x + (int)j)
				break;
		if (j < (size_t)count)
			continue;
		stranded = strands(c, n, c[i].y, c[i].x - 1, -1) ||
		    strands(c, n, c[i].y, c[i].x + count, 1);
		score = fabs((c[i].x + (count - 1) / 2.0) - maxx / 2.0) +
		    1.5 * fabs(c[i].y - target) + (stranded ? 1000.0 : 0.0);
		if (score < best_score) {
			best_score = score;
			best = (int)i;
		}
	}
	for (j = 0; best >= 0 && j < (size_t)count; j++)
		json_array_append_new(out, json_string(c[best + (int)j].label));
	free(c);
	return out;
}
