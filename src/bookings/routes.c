/*
 * Bookings and payments.
 */
#include "app/app.h"
#include "bookings/bookings.h"
#include "core/request.h"
#include "payments/payments.h"

#define GET	HTTP_GET
#define POST	HTTP_POST

const struct route bookings_routes[] = {
	{ POST, "/v1/payments/{payment_type}", payments_api_pay, AUTH_USER, 0,
	    NULL, payments_pay_fields },
	{ GET, "/v1/bookings", bookings_api_list, AUTH_USER, 0,
	    bookings_list_query, NULL },
	{ GET, "/v1/bookings/{id}", bookings_api_get, AUTH_USER, 0, NULL, NULL },
	{ POST, "/v1/bookings/{id}/cancel", bookings_api_cancel, AUTH_USER, 0,
	    NULL, NULL },
	{ POST, "/v1/admin/promotions", payments_api_promotion, AUTH_ADMIN, 0,
	    NULL, payments_promotion_fields },
	{ POST, "/v1/admin/gift_cards", payments_api_gift_card, AUTH_ADMIN, 0,
	    NULL, payments_gift_card_fields },
	{ POST, "/v1/admin/users/{id}/credit", payments_api_credit, AUTH_ADMIN,
	    0, NULL, payments_credit_fields },
};

const size_t bookings_routes_count = sizeof(bookings_routes) /
    sizeof(bookings_routes[0]);
