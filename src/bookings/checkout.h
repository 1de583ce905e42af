/*
 * Checkout's view: a hold as the checkout page shows it, shared by the
 * handlers of checkout.c and the rendering in checkout_view.c.
 */
#ifndef MARQUEE_BOOKINGS_CHECKOUT_H
#define MARQUEE_BOOKINGS_CHECKOUT_H

#include <stdint.h>

#include <jansson.h>

struct request;

/* Where a hold stands for its checkout page. */
enum hold_state {
	HOLD_LIVE,		/* payable */
	HOLD_EXPIRED,		/* its seats went back */
	HOLD_CLOSED,		/* the showtime was cancelled or has started */
	HOLD_PAID,		/* it became a booking */
	HOLD_MISSING,		/* no such hold of this user: 404 */
	HOLD_DB			/* the database failed */
};

struct checkout {
	int64_t		 hold;
	enum hold_state	 state;
	int64_t		 showtime;
	int64_t		 booking;	/* HOLD_PAID */
	int		 tickets;
	int		 subtotal;
	int		 discount;
	const char	*currency;
	const char	*promo;		/* the code that applies, or NULL */
	json_t		*ctx;		/* the page's context (owned) */
};

/* What a re-rendered form shows besides the hold. */
struct checkout_reply {
	int		 status;
	const char	*notice;	/* a sentence above the form, or NULL */
	json_t		*errors;	/* field errors ("card.cvc"), borrowed */
	int		 keep;		/* show what was posted (never the card
					   number or CVC) */
};

/*
 * Reads the caller's hold into co (state, times, seats, prices).
 * Returns co->state; co->ctx is set unless HOLD_MISSING or HOLD_DB.
 */
enum hold_state checkout_load(struct request *, int64_t hold,
	    struct checkout *co);
/*
 * Tries promo code (NULL or "": none) on the loaded hold: the discount
 * when it applies, else the reason in words beside the promo field.
 */
void	 checkout_promo(struct request *, struct checkout *co,
	    const char *code);
/* Renders pages/checkout: the form, or the page of a hold that ended.
 * Frees co->ctx. */
void	 checkout_render(struct request *, struct checkout *co,
	    const struct checkout_reply *);
/* Words for a promotion_reason(). */
const char *checkout_promo_words(const char *reason);

#endif
