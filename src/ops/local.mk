## ops: health, readiness, metrics, status.
libmarquee_a_SOURCES += src/ops/ops.c src/ops/ops.h src/ops/routes.c
