## catalog: movies, theatres, auditoriums, showtimes and their pages.
libmarquee_a_SOURCES += src/catalog/catalog.h src/catalog/routes.c \
	src/catalog/lookup.c src/catalog/home.c \
	src/catalog/movies.c src/catalog/movies.h src/catalog/movies_api.c \
	src/catalog/theatres.c src/catalog/theatres.h \
	src/catalog/theatres_api.c \
	src/catalog/showtimes.c src/catalog/showtimes.h \
	src/catalog/showtimes_api.c
