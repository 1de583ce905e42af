/*
 * theatres: the writes behind the theatre endpoints and admin pages:
 * theatres with their auditoriums and seat layouts.
 */
#ifndef MARQUEE_CATALOG_THEATRES_H
#define MARQUEE_CATALOG_THEATRES_H

#include <stdint.h>

#include <jansson.h>

struct arena;

struct theatre_write {
	json_t		*in;		/* validated fields */
	int64_t		 actor;
	int64_t		 id;
	const char	*conflict;	/* with DB_ABORT: the 409 code */
	const char	*detail;	/* with it: which auditorium */
	json_t		*before;	/* arena-owned */
	json_t		*after;		/* arena-owned */
};

int	 theatres_create(struct arena *, struct theatre_write *);
int	 theatres_update(struct arena *, struct theatre_write *);
int	 theatres_remove(struct arena *, struct theatre_write *);

#endif
