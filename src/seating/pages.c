/*
 * The seat map page and what its form does without JavaScript: hold
 * the ticked seats, release them.  The handlers call the same domain
 * functions as the JSON API (holds_pick, holds_release, best_seats) and
 * make the same checks first (pick_check); what they add is the answer
 * for a person: a redirect, or the map again with a sentence saying
 * what went wrong.
 */
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/request.h"
#include "core/util.h"
#include "seating/pages.h"
#include "seating/seating.h"
#include "store/db.h"
#include "store/ratelimit.h"

const struct field seating_page_query[] = {
	{ "best", FT_INT, 0, 1, HOLD_MAX_SEATS, NULL, NULL },
	{ "released", FT_BOOL, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

static const struct field seat_item[] = {
	{ "seat", FT_SEAT, 1, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field seating_hold_form[] = {
	{ "seats", FT_ARRAY, 1, 1, 100, NULL, seat_item },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field seating_release_form[] = {
	{ "hold", FT_ID, 1, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

enum pick_problem
pick_check(json_t *labels, json_t **dups)
{
	json_t	*errors = NULL;
	size_t	 i, j;
	char	 key[32];

	for (i = 0; i < json_array_size(labels); i++)
		for (j = 0; j < i; j++) {
			if (!json_equal(json_array_get(labels, i),
			    json_array_get(labels, j)))
				continue;
			if (errors == NULL)
				errors = json_object();
			snprintf(key, sizeof(key), "seats[%zu]", i);
			json_object_set_new(errors, key,
			    json_string("is listed twice"));
		}
	if (errors != NULL) {
		if (dups != NULL)
			*dups = errors;
		else
			json_decref(errors);
		return PICK_DUPLICATE;
	}
	return json_array_size(labels) > HOLD_MAX_SEATS ? PICK_TOO_MANY :
	    PICK_OK;
}

/* The {id} of /showtimes/{id}/...: the showtime, or 0 after a 404. */
static int64_t
showtime_or_reply(struct request *r)
{
	int64_t	 id;

	if (parse_int64(req_capture(r, "id"), &id) == 0 && id > 0)
		return id;
	resp_error(r, 404, "not_found", "there is no such showtime", NULL);
	return 0;
}

static const char *
showtime_path(struct request *r, int64_t id, const char *rest)
{
	return arena_printf(r->a, "/showtimes/%lld%s", (long long)id, rest);
}

/*
 * The map again after a pick that did not happen, with a sentence for the
 * person and their seats still ticked (those that are still free).
 */
static void
render_again(struct request *r, int64_t id, int status, json_t *ticked,
    const char *notice)
{
	struct map_view	 v;

	if (seating_view_load_or_reply(r, &v, id) == -1)
		return;
	v.ticked = ticked;
	v.notice = notice;
	v.notice_error = 1;
	seating_view_render(r, status, &v);
}

/* What is wrong with the seats field of the hold form, for a person. */
static const char *
form_problem(struct request *r)
{
	if (in_error(r, "seats") != NULL)
		return "Pick at least one seat on the map first.";
	return "Some of those seats are not on this map. Pick again.";
}

/* The refusals of holds_pick() as an answer. */
static void
pick_refused(struct request *r, int64_t id, struct pick *p)
{
	json_t	*keep;
	size_t	 i;

	if (p->unknown != NULL) {
		render_again(r, id, 400, p->labels, "Some of those seats are "
		    "not on this map. Pick again.");
	} else if (p->refusal != NULL && strcmp(p->refusal, "not_found") == 0)
		resp_error(r, 404, "not_found", "there is no such showtime",
		    NULL);
	else if (p->refusal != NULL)
		render_again(r, id, 409, NULL, "This showtime has been "
		    "cancelled or has already started, so its seats can no "
		    "longer be held.");
	else {
		keep = json_array();
		arena_defer(r->a, (void (*)(void *))json_decref, keep);
		for (i = 0; i < json_array_size(p->labels); i++)
			if (!seating_labels_have(p->taken, json_string_value(
			    json_array_get(p->labels, i))))
				json_array_append(keep,
				    json_array_get(p->labels, i));
		render_again(r, id, 409, keep, arena_printf(r->a, "Sorry: %s "
		    "%s just taken by someone else, so nothing was held. "
		    "Your other seats are still selected; pick again and hold.",
		    seating_labels_text(r->a, p->taken),
		    json_array_size(p->taken) == 1 ? "was" : "were"));
	}
}

/* GET /showtimes/{id}?best=N&released=1 */
void
seating_page_showtime(struct request *r)
{
	struct map_view	 v;
	int64_t		 id;

	if ((id = showtime_or_reply(r)) == 0 ||
	    seating_view_load_or_reply(r, &v, id) == -1)
		return;
	if (in_error(r, "best") != NULL) {
		v.notice = arena_printf(r->a, "Best available finds between 1 "
		    "and %d seats.", HOLD_MAX_SEATS);
		v.notice_error = 1;
	} else if (in_has(r, "best")) {
		v.best = (int)in_int(r, "best");
		v.ticked = best_seats(json_object_get(v.map, "seats"), v.best);
		arena_defer(r->a, (void (*)(void *))json_decref, v.ticked);
		v.notice = json_array_size(v.ticked) == 0 ? arena_printf(r->a,
		    "There are no %d free seats side by side. Pick seats on "
		    "the map instead.", v.best) : arena_printf(r->a, "Best "
		    "available: %s %s selected below. Hold them, or change the "
		    "selection.", seating_labels_text(r->a, v.ticked),
		    v.best == 1 ? "is" : "are");
	}
	if (json_is_true(json_object_get(r->in, "released")))
		v.notice = "Your seats were released.";
	seating_view_render(r, 200, &v);
}

/* POST /showtimes/{id}/hold with csrf and repeated seats. */
void
seating_page_hold(struct request *r)
{
	struct pick	 p;
	json_t		*labels = json_object_get(r->in, "seats");
	int64_t		 id;
	int		 rc, wait;

	if ((id = showtime_or_reply(r)) == 0)
		return;
	if (r->session == NULL) {
		resp_redirect(r, 303, arena_printf(r->a, "/login?next=%s",
		    url_encode(r->a, showtime_path(r, id, ""))));
		return;
	}
	if (r->in_errors != NULL) {
		render_again(r, id, 400, labels, form_problem(r));
		return;
	}
	switch (pick_check(labels, NULL)) {
	case PICK_DUPLICATE:
		render_again(r, id, 400, labels, "A seat was listed twice. "
		    "Pick again.");
		return;
	case PICK_TOO_MANY:
		render_again(r, id, 422, labels, arena_printf(r->a, "You can "
		    "hold at most %d seats at a time.", HOLD_MAX_SEATS));
		return;
	case PICK_OK:
		break;
	}
	if ((wait = ratelimit_hit(r->a, arena_printf(r->a, "pick:%lld",
	    (long long)r->user_id), cfg.rl_pick_user, cfg.rl_window,
	    RL_FAIL_OPEN)) > 0) {
		ratelimit_reply(r, wait);
		return;
	}
	memset(&p, 0, sizeof(p));
	p.user = r->user_id;
	p.showtime = id;
	p.labels = labels;
	rc = holds_pick(r->a, &p);
	if (rc == DB_OK)
		resp_redirect(r, 303, arena_printf(r->a, "/checkout/%lld",
		    (long long)p.hold));
	else if (rc != DB_ABORT)
		db_fail_reply(r, rc);
	else
		pick_refused(r, id, &p);
}

/* POST /showtimes/{id}/release with csrf and hold. */
void
seating_page_release(struct request *r)
{
	int64_t	 id;
	int	 rc;

	if ((id = showtime_or_reply(r)) == 0)
		return;
	if (r->in_errors != NULL) {
		resp_redirect(r, 303, showtime_path(r, id, ""));
		return;
	}
	/* A hold already gone (expired, released, not yours): the map shows
	 * what there is now. */
	rc = holds_release(r->a, in_int(r, "hold"), r->user_id);
	if (rc < 0)
		db_fail_reply(r, DB_ERROR);
	else
		resp_redirect(r, 303, showtime_path(r, id, rc == 0 ?
		    "?released=1" : ""));
}
