## bookings: reading, cancelling and refunding bookings.
libmarquee_a_SOURCES += src/bookings/bookings.h src/bookings/routes.c \
	src/bookings/bookings.c src/bookings/api.c
