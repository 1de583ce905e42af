/*
 * payments: turning a hold into a paid booking.
 *
 * A provider is a small interface: its name, its own fields and their
 * checks, and either an external charge and refund (the card processor,
 * reached outside any database transaction with an idempotency key
 * derived from the payment attempt) or an internal ledger debited and
 * credited inside the booking transaction (gift cards, account credit).
 *
 * The flow (DESIGN.md, "Pay"): a SERIALIZABLE transaction re-checks the
 * hold, prices it, reserves the promotion and records an attempt that
 * pins the hold; the charge; a second SERIALIZABLE transaction turns the
 * hold into a booking.  The jobs process repairs an attempt interrupted
 * between the charge and the booking.
 */
#ifndef MARQUEE_PAYMENTS_H
#define MARQUEE_PAYMENTS_H

#include <stdint.h>

#include <jansson.h>

#include "core/validate.h"

struct arena;
struct request;

enum charge_rc {
	CHARGE_APPROVED,
	CHARGE_DECLINED,
	CHARGE_ERROR		/* the processor failed; safe to retry */
};

struct charge {
	const char	*reference;
	const char	*reason;	/* when declined */
	const char	*brand;
	const char	*last4;
};

struct provider {
	const char	*name;
	int		 internal;	/* debited in the booking transaction */
	/* Field errors (a new object) or NULL when the details are usable;
	 * fills brand/last4 for cards. */
	json_t		*(*check)(struct arena *, json_t *in, struct charge *);
	/* External: charges amount under key. */
	enum charge_rc	(*charge)(struct arena *, const char *key, int amount,
			    json_t *in, struct charge *);
	/* External: refunds amount of a charge; 0 or -1. */
	int		(*refund)(struct arena *, const char *reference,
			    int amount);
};

const struct provider	*provider_find(const char *name);

/* What payments_pay() reports besides its db_tx() code. */
struct payment {
	const struct provider	*pv;
	json_t			*in;		/* validated body */
	int64_t			 user;
	int64_t			 hold;
	/* state */
	int64_t			 attempt;
	int64_t			 showtime;
	const char		*seat_ids;	/* "{1,2}" */
	int			 subtotal, discount, amount;
	int64_t			 promotion;
	const char		*gift_card_id;	/* the card debited */
	struct charge		 charge;
	/* out */
	int			 status;	/* HTTP status of a refusal */
	const char		*code;		/* its error code */
	const char		*message;
	json_t			*details;
	int64_t			 booking;
};

/* Runs the whole flow; 0 with p->booking, or -1 with p->status/code set
 * (p->status 503 when the database failed). */
int	 payments_pay(struct arena *, struct payment *);
/* Completes or refunds attempts left between charge and booking. */
int	 payments_repair_job(struct arena *);

/* Promotions: a 422 reason for a code that does not apply, or NULL. */
const char *promotion_reason(struct arena *, const char *code, int64_t user,
	    int tickets, int64_t *id, const char **kind, int *value);
int	 promotion_discount(const char *kind, int value, int subtotal);

/*
 * Idempotency keys: the first answer to a key, per user, for 24 hours.
 * The JSON handler and the checkout page share them.
 */
enum idem_rc {
	IDEM_NEW,		/* claimed: go on, then idempotency_store() */
	IDEM_REPLAY,		/* answered before: *status and *response */
	IDEM_REUSED,		/* the key came with another request */
	IDEM_IN_PROGRESS,	/* the first request is still running */
	IDEM_DB			/* the database failed */
};

/* Hex SHA-256 of the payment type and body (canonical JSON), in the arena. */
const char	*payments_request_hash(struct arena *, const char *type,
		    json_t *body);
/* Claims key for user and the request's hash; on IDEM_REPLAY fills
 * *status and *response (in the arena) with the stored answer. */
enum idem_rc	 idempotency_claim(struct arena *, int64_t user,
		    const char *key, const char *hash, int *status,
		    const char **response);
/* Keeps the answer for replays; status >= 500 frees the key for a retry. */
void		 idempotency_store(struct arena *, int64_t user,
		    const char *key, int status, const char *response);

/*
 * The admin writes of promotions, gift cards and account credit
 * (admin_api.c), shared by the JSON handlers and the admin pages.  in
 * holds fields validated against the matching table below; each write
 * is audited in its own transaction.
 */
struct payments_write {
	json_t		*in;		/* validated fields */
	int64_t		 actor;		/* the admin, for the audit log */
	int64_t		 user;		/* credit: the account */
	/* set with DB_ABORT: a refused field and why (400), or else */
	const char	*field;
	const char	*problem;
	const char	*conflict;	/* "code_taken" (409), "not_found" */
	json_t		*result;	/* with DB_OK; the arena's */
};

/* Each returns a db_tx() code.  Results: the Promotion; {"code",
 * "balance_cents"} (the only time a gift card's code is told);
 * {"credit_cents"}, the account's balance after the grant. */
int	 payments_promotion_create(struct arena *, struct payments_write *);
int	 payments_gift_card_create(struct arena *, struct payments_write *);
int	 payments_credit_grant(struct arena *, struct payments_write *);

void	 payments_api_pay(struct request *);
void	 payments_api_promotion(struct request *);
void	 payments_api_gift_card(struct request *);
void	 payments_api_credit(struct request *);

extern const struct field payments_pay_fields[];
extern const struct field payments_promotion_fields[];
extern const struct field payments_gift_card_fields[];
extern const struct field payments_credit_fields[];

#endif
