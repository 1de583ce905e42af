/*
 * The seat map page of a showtime and its no-JavaScript forms.
 *
 * GET /showtimes/{id} draws the auditorium as a form of checkboxes that
 * static/js/seatmap.js turns into a live map; POST /showtimes/{id}/hold
 * and /release are what that form does without JavaScript.  Both paths
 * end in the same domain functions as the JSON API (holds_pick(),
 * holds_release(), best_seats()).
 */
#ifndef MARQUEE_SEATING_PAGES_H
#define MARQUEE_SEATING_PAGES_H

#include <stdint.h>

#include <jansson.h>

#include "core/validate.h"

struct arena;
struct request;

/* What pick_check() finds wrong with a list of seat ids. */
enum pick_problem {
	PICK_OK,
	PICK_DUPLICATE,		/* a seat listed twice: 400 */
	PICK_TOO_MANY		/* over HOLD_MAX_SEATS: 422 */
};

/*
 * The checks every pick makes before it reaches holds_pick(): no seat
 * twice, at most HOLD_MAX_SEATS.  labels is a JSON array of strings.
 * On PICK_DUPLICATE, *dups (when not NULL) gets a new object of field
 * errors ("seats[3]": "is listed twice") for the 400 answer.
 */
enum pick_problem pick_check(json_t *labels, json_t **dups);

/*
 * pages_view.c: one rendering of the seat map page.  The JSON values are
 * owned by the request's arena.
 */
struct map_view {
	int64_t		 showtime;
	int64_t		 snapshot;	/* wall_usec() before reading seats */
	json_t		*map;		/* {"showtime", "seats"} */
	json_t		*mine;		/* the caller's live hold, or NULL */
	json_t		*ticked;	/* labels to tick; NULL: the caller's */
	int		 best;		/* the count in the best-available form */
	const char	*notice;	/* a sentence above the map, or NULL */
	int		 notice_error;
};

/* Reads the seat map and the caller's hold; -1 after a 404 or 503. */
int	 seating_view_load_or_reply(struct request *, struct map_view *,
	    int64_t showtime);
/* Renders pages/showtime with status (200, or the 4xx of a failed pick). */
void	 seating_view_render(struct request *, int status,
	    const struct map_view *);
/* Whether a JSON array of strings holds label. */
int	 seating_labels_have(json_t *labels, const char *label);
/* "C7, C8 and C9", in the arena. */
const char *seating_labels_text(struct arena *, json_t *labels);

/* pages.c: the handlers. */
void	 seating_page_showtime(struct request *);
void	 seating_page_hold(struct request *);
void	 seating_page_release(struct request *);

extern const struct field seating_page_query[];
extern const struct field seating_hold_form[];
extern const struct field seating_release_form[];

#endif
