/*
 * showtimes: the writes behind set_showtimes and update_showtimes.
 */
#ifndef MARQUEE_CATALOG_SHOWTIMES_H
#define MARQUEE_CATALOG_SHOWTIMES_H

#include <stdint.h>

#include <jansson.h>

struct arena;

struct showtime_write {
	struct arena	*a;
	json_t		*in;		/* {"showtimes": [...]}, validated */
	int64_t		 actor;
	int64_t		 theatre;
	json_t		*ids;		/* out: the showtimes written */
	json_t		*errors;	/* out: field errors (400) */
	long		 clash;		/* out: item that overlapped, or -1 */
	int64_t		 clash_auditorium;	/* set_showtimes' */
	json_t		*details;	/* out: the clash, for 409 */
	long		 missing;	/* out: item naming no showtime here */
	const char	*conflict;	/* out: another 409 code */
	int		 notified;	/* out: bookings told of a change */
	int		 raced;		/* another change committed meanwhile */
};

/* db_tx() codes; DB_ABORT means errors, clash, missing or conflict. */
int	 showtimes_set(struct arena *, struct showtime_write *);
int	 showtimes_update(struct arena *, struct showtime_write *);

#endif
