/*
 * ratings: one rating (1 to 5 stars, an optional review) per user per
 * movie, the movie's exact summary, helpful votes and moderation.
 * Reviews are plain text: templates escape them like everything else.
 */
#ifndef MARQUEE_RATINGS_H
#define MARQUEE_RATINGS_H

#include <stdint.h>

#include <jansson.h>

#include "core/validate.h"

struct arena;
struct request;

enum rating_rc {
	RATING_OK,
	RATING_ALREADY,		/* add: the user has rated the movie */
	RATING_NONE,		/* update: no rating of the user's */
	RATING_DB
};

/* Creates (add) or changes (update) the caller's rating; stars 0 or a
 * NULL review leave that part as it is on update.  *id gets the rating. */
enum rating_rc ratings_save(struct arena *, int64_t movie, int64_t user,
	    int add, int stars, const char *review, int64_t *id);
/* {"summary", "items", "next_cursor"}; order "newest" or "helpful". */
json_t	*ratings_list(struct arena *, int64_t movie, int limit, long offset,
	    const char *order, int64_t viewer);
json_t	*ratings_summary(struct arena *, int64_t movie);
/* Hides or restores a review (audited); 0, 1 when no such rating, -1. */
int	 ratings_moderate(struct arena *, int64_t rating, int64_t admin,
	    int hide, const char *reason);
/* Counts one helpful vote per user: 0, 1 when there is no such visible
 * review, -1 when the database failed. */
int	 ratings_vote(struct arena *, int64_t rating, int64_t user);

void	 ratings_api_add(struct request *);
void	 ratings_api_update(struct request *);
void	 ratings_api_list(struct request *);
/* The movie page's ratings section ({{#ratings}}, partials/ratings_*):
 * summary, the viewer's form, one page of reviews.  NULL on failure. */
json_t	*ratings_page_context(struct request *, int64_t movie,
	    const char *slug);
void	 ratings_page_save(struct request *);
void	 ratings_page_helpful(struct request *);
void	 ratings_admin_list(struct request *);
void	 ratings_admin_moderate(struct request *);

extern const struct field ratings_add_fields[];
extern const struct field ratings_update_fields[];
extern const struct field ratings_list_query[];
extern const struct field ratings_form_fields[];
extern const struct field ratings_moderate_fields[];

#endif
