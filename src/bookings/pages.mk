## bookings: the pages side.
libmarquee_a_SOURCES += src/bookings/routes_pages.c
