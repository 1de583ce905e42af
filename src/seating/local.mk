## seating: seat maps, holds, best available.
libmarquee_a_SOURCES += src/seating/seating.h src/seating/routes.c \
	src/seating/holds.c src/seating/seatmap.c src/seating/best.c \
	src/seating/api.c src/seating/pages.h src/seating/pages.c \
	src/seating/pages_view.c
