## users: accounts, credentials, sessions, CSRF, log-in limits.
libmarquee_a_SOURCES += src/users/users.h src/users/routes.c \
	src/users/passwords.c src/users/sessions.c src/users/accounts.c \
	src/users/login.c src/users/login.h src/users/api.c \
	src/users/pages.c src/users/account.c
