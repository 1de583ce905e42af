/*
 * Bookings: the customer pages (checkout, my bookings, a booking, its
 * ticket and calendar file).
 */
#include "app/app.h"
#include "bookings/bookings.h"
#include "bookings/pages.h"
#include "core/request.h"

#define GET	HTTP_GET
#define POST	HTTP_POST

const struct route bookings_pages_routes[] = {
	{ GET, "/checkout/{hold_id}", checkout_page, AUTH_USER, RF_FORM_ERRORS,
	    checkout_query, NULL },
	{ POST, "/checkout/{hold_id}", checkout_page_pay, AUTH_USER,
	    RF_FORM_ERRORS, NULL, checkout_form },
	{ GET, "/bookings", bookings_page_list, AUTH_USER, 0, NULL, NULL },
	{ GET, "/bookings/{id}", bookings_page_get, AUTH_USER, RF_FORM_ERRORS,
	    bookings_page_query, NULL },
	{ POST, "/bookings/{id}/cancel", bookings_page_cancel, AUTH_USER, 0,
	    NULL, NULL },
	{ GET, "/bookings/{id}/ticket", bookings_page_ticket, AUTH_USER, 0,
	    NULL, NULL },
	{ GET, "/bookings/{id}/calendar.ics", bookings_page_calendar,
	    AUTH_USER, 0, NULL, NULL },
};

const size_t bookings_pages_routes_count = sizeof(bookings_pages_routes) /
    sizeof(bookings_pages_routes[0]);
