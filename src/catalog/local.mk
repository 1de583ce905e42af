## catalog: movies, theatres, auditoriums, showtimes and their pages.
libmarquee_a_SOURCES += src/catalog/catalog.h src/catalog/routes.c \
	src/catalog/lookup.c src/catalog/home.c \
	src/catalog/movies.c src/catalog/movies.h src/catalog/movies_api.c \
	src/catalog/theatres.c src/catalog/theatres.h \
	src/catalog/theatres_api.c \
	src/catalog/showtimes.c src/catalog/showtimes.h \
	src/catalog/showtimes_api.c \
	src/catalog/pages.h src/catalog/pages_util.c src/catalog/pages.c \
	src/catalog/admin_movies.c src/catalog/uploads.c \
	src/catalog/admin_theatres.c \
	src/catalog/admin_auditoriums.c \
	src/catalog/admin_showtimes.c src/catalog/admin_showtime_edit.c \
	src/catalog/admin_schedule.c
