/*
 * The accounts API and pages.
 */
#include "app/app.h"
#include "core/request.h"
#include "users/users.h"

#define GET	HTTP_GET
#define POST	HTTP_POST
#define PUT	HTTP_PUT
#define DELETE	HTTP_DELETE

const struct route users_routes[] = {
	/* users: API */
	{ POST, "/v1/users/create_account", users_api_create_account,
	    AUTH_PUBLIC, 0, NULL, users_create_fields },
	{ GET, "/v1/users/authenticate", users_api_authenticate, AUTH_PUBLIC,
	    0, NULL, NULL },
	{ POST, "/v1/users/logout", users_api_logout, AUTH_USER, 0, NULL, NULL },
	{ GET, "/v1/users/me", users_api_me, AUTH_USER, 0, NULL, NULL },

	/* users: pages */
	{ GET, "/register", users_page_register, AUTH_PUBLIC, 0, NULL, NULL },
	{ POST, "/register", users_page_register_post, AUTH_PUBLIC,
	    RF_FORM_ERRORS, NULL, users_register_fields },
	{ GET, "/login", users_page_login, AUTH_PUBLIC, 0, NULL, NULL },
	{ POST, "/login", users_page_login_post, AUTH_PUBLIC, RF_FORM_ERRORS,
	    NULL, users_login_fields },
	{ POST, "/logout", users_page_logout_post, AUTH_PUBLIC, 0, NULL, NULL },
	{ GET, "/account", users_page_account, AUTH_USER, 0, NULL, NULL },
	{ POST, "/account/name", users_page_account_name, AUTH_USER,
	    RF_FORM_ERRORS, NULL, users_name_fields },
	{ POST, "/account/password", users_page_account_password, AUTH_USER,
	    RF_FORM_ERRORS, NULL, users_password_fields },
	{ POST, "/account/sessions", users_page_account_sessions, AUTH_USER,
	    0, NULL, NULL },
};

const size_t users_routes_count = sizeof(users_routes) / sizeof(users_routes[0]);
