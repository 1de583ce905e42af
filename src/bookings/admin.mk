## bookings: the admin side.
libmarquee_a_SOURCES += src/bookings/routes_admin.c
