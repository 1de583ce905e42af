/*
 * Notifications, change notices, parked messages, password reset.
 */
#include "app/app.h"
#include "core/request.h"
#include "notify/notify.h"

#define GET	HTTP_GET
#define POST	HTTP_POST

const struct route notify_routes[] = {
	{ POST, "/v1/booking_details/send_details", notify_api_send_details,
	    AUTH_USER, 0, NULL, notify_send_details_fields },
	{ POST, "/v1/booking_details/send_change_details",
	    notify_api_send_change_details, AUTH_ADMIN, 0, NULL,
	    notify_change_details_fields },
	{ GET, "/notifications", notify_page_list, AUTH_USER, 0, NULL, NULL },
	{ POST, "/notifications/read", notify_page_read, AUTH_USER, 0, NULL,
	    NULL },
	{ GET, "/admin/outbox", notify_admin_parked, AUTH_ADMIN, 0, NULL, NULL },
	{ POST, "/admin/outbox/{id}/retry", notify_admin_retry, AUTH_ADMIN, 0,
	    NULL, NULL },
	{ POST, "/admin/showtimes/notice", notify_admin_change_notice,
	    AUTH_ADMIN, RF_FORM_ERRORS, NULL, notify_change_form_fields },
	{ GET, "/account/password/forgot", notify_page_forgot, AUTH_PUBLIC, 0,
	    NULL, NULL },
	{ POST, "/account/password/forgot", notify_page_forgot_post,
	    AUTH_PUBLIC, RF_FORM_ERRORS, NULL, notify_forgot_fields },
	{ GET, "/account/password/reset", notify_page_reset, AUTH_PUBLIC, 0,
	    NULL, NULL },
	{ POST, "/account/password/reset", notify_page_reset_post, AUTH_PUBLIC,
	    RF_FORM_ERRORS, NULL, notify_reset_fields },
};

const size_t notify_routes_count = sizeof(notify_routes) /
    sizeof(notify_routes[0]);
