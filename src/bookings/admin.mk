## bookings: the admin side (bookings, check-in, promotions, gift cards,
## reports).
libmarquee_a_SOURCES += src/bookings/admin.h src/bookings/routes_admin.c \
	src/bookings/admin.c src/bookings/admin_money.c \
	src/bookings/checkin.c src/bookings/reports.c
