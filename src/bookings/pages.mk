## bookings: the pages side (checkout, my bookings, tickets, calendar files).
libmarquee_a_SOURCES += src/bookings/routes_pages.c src/bookings/pages.h \
	src/bookings/pages.c src/bookings/booking_view.c \
	src/bookings/checkout.h src/bookings/checkout.c \
	src/bookings/checkout_view.c src/bookings/qr.c src/bookings/ics.c
