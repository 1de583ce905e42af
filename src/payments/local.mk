## payments: providers, the payment flow, promotions, admin money.
libmarquee_a_SOURCES += src/payments/payments.h src/payments/providers.c \
	src/payments/promotions.c src/payments/pay.c src/payments/api.c \
	src/payments/admin_api.c
