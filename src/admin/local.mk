## admin: the panel's shell and the audit log.
libmarquee_a_SOURCES += src/admin/admin.c src/admin/admin.h \
	src/admin/routes.c
