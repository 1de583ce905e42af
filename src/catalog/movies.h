/*
 * movies: the writes behind the movie endpoints and admin pages.
 */
#ifndef MARQUEE_CATALOG_MOVIES_H
#define MARQUEE_CATALOG_MOVIES_H

#include <stdint.h>

#include <jansson.h>

struct arena;

struct movie_write {
	json_t		*in;		/* validated fields */
	int64_t		 actor;		/* the admin, for the audit log */
	int64_t		 id;		/* in for update/remove, out for create */
	const char	*slug;
	const char	*conflict;	/* set with DB_ABORT: the 409 code */
	json_t		*before;	/* arena-owned */
	json_t		*after;		/* arena-owned */
};

/* Each returns a db_tx() code; DB_ABORT means w->conflict says why. */
int	 movies_create(struct arena *, struct movie_write *);
int	 movies_update(struct arena *, struct movie_write *);
int	 movies_remove(struct arena *, struct movie_write *);

#endif
