/*
 * seating: seat maps, holds and best-available suggestions.
 *
 * Each showtime has one showtime_seats row per seat (sql/004).  Picking
 * claims rows by primary key in one SERIALIZABLE transaction; a seat is
 * free when it has no booking and no live hold (held_until in the
 * future), so an expired hold frees its seats at its expiry instant.
 * Every committed change is published live (store/live.c).
 */
#ifndef MARQUEE_SEATING_H
#define MARQUEE_SEATING_H

#include <stdint.h>

#include <jansson.h>

#include "core/validate.h"

struct arena;
struct request;

#define HOLD_MAX_SEATS	10

/* What holds_pick() reports. */
struct pick {
	int64_t		 user;
	int64_t		 showtime;
	const char	*theatre;	/* the path's theatre, id or slug:
					   must match (NULL: any) */
	json_t		*labels;	/* requested seat ids, validated */
	/* out */
	int64_t		 hold;
	json_t		*hold_json;	/* the Hold object (arena-owned) */
	json_t		*taken;		/* labels someone else has */
	json_t		*unknown;	/* field errors for unknown seats
					   (arena-owned) */
	const char	*refusal;	/* "not_found", "showtime_closed" */
	/* internal */
	const char	*params[8];	/* of pick_seats() */
	json_t		*freed;		/* labels of the replaced hold */
};

/* Returns a db_tx() code; DB_ABORT with taken/unknown/refusal set. */
int	 holds_pick(struct arena *, struct pick *);
/* Releases the user's hold: 0, 1 when there is no such hold, -1 error. */
int	 holds_release(struct arena *, int64_t hold, int64_t user);
/* The jobs process: frees expired holds and announces them. */
int	 holds_expire_job(struct arena *);
/* The caller's live hold for a showtime (a new reference), or NULL. */
json_t	*holds_mine(struct arena *, int64_t showtime, int64_t user);

/*
 * The seat map: {"showtime": Showtime, "seats": [Seat]} for a showtime
 * at a theatre (0: any).  NULL with *found = 0 when there is no such
 * showtime there, *found = 1 when the database failed.
 */
json_t	*seatmap_get(struct arena *, int64_t showtime, int64_t theatre,
	    int *found);

/*
 * Best available: count adjacent free seats in one row, near the centre
 * and about two thirds back, avoiding single stranded seats.  seats is
 * the seat map's list.  Returns a new array of labels (empty when no
 * row fits).
 */
json_t	*best_seats(json_t *seats, int count);

void	 seating_api_seats(struct request *);
void	 seating_api_pick(struct request *);
void	 seating_api_release(struct request *);
void	 seating_api_best(struct request *);

extern const struct field seating_seats_query[];
extern const struct field seating_best_query[];
extern const struct field seating_pick_fields[];

#endif
