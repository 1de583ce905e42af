## ratings: ratings, reviews, helpful votes, moderation.
libmarquee_a_SOURCES += src/ratings/ratings.h src/ratings/routes.c \
	src/ratings/ratings.c src/ratings/api.c
