## notify: the outbox's delivery, e-mails, in-app notices, password reset.
libmarquee_a_SOURCES += src/notify/notify.h src/notify/routes.c \
	src/notify/outbox.c src/notify/messages.c src/notify/messages.h \
	src/notify/api.c src/notify/pages.c src/notify/reset.c
