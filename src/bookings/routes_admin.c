/*
 * Bookings: the admin routes (bookings, check-in, promotions, gift
 * cards, reports).  Every one is for admins; every POST carries the
 * form's CSRF token.
 */
#include "app/app.h"
#include "bookings/admin.h"
#include "core/request.h"

#define GET	HTTP_GET
#define POST	HTTP_POST

const struct route bookings_admin_routes[] = {
	{ GET, "/admin/bookings", admin_bookings_list, AUTH_ADMIN,
	    RF_FORM_ERRORS, admin_bookings_query, NULL },
	{ GET, "/admin/bookings/{id}", admin_booking_show, AUTH_ADMIN,
	    RF_FORM_ERRORS, admin_booking_query, NULL },
	{ POST, "/admin/bookings/{id}/refund", admin_booking_refund, AUTH_ADMIN,
	    0, NULL, NULL },
	{ POST, "/admin/bookings/{id}/credit", admin_booking_credit, AUTH_ADMIN,
	    RF_FORM_ERRORS, NULL, admin_credit_form },
	{ GET, "/admin/checkin", admin_checkin_form, AUTH_ADMIN, 0, NULL, NULL },
	{ POST, "/admin/checkin", admin_checkin_scan, AUTH_ADMIN,
	    RF_FORM_ERRORS, NULL, admin_checkin_fields },
	{ GET, "/admin/promotions", admin_promotions_list, AUTH_ADMIN,
	    RF_FORM_ERRORS, admin_list_query, NULL },
	{ POST, "/admin/promotions", admin_promotions_create, AUTH_ADMIN,
	    RF_FORM_ERRORS, NULL, admin_promotion_form },
	{ GET, "/admin/gift_cards", admin_gift_cards_list, AUTH_ADMIN,
	    RF_FORM_ERRORS, admin_list_query, NULL },
	{ POST, "/admin/gift_cards", admin_gift_cards_create, AUTH_ADMIN,
	    RF_FORM_ERRORS, NULL, admin_gift_card_form },
	{ GET, "/admin/reports", admin_reports, AUTH_ADMIN, RF_FORM_ERRORS,
	    admin_reports_query, NULL },
};

const size_t bookings_admin_routes_count = sizeof(bookings_admin_routes) /
    sizeof(bookings_admin_routes[0]);
