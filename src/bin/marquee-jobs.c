/*
 * marquee-jobs: the background process.  Each domain registers its
 * periodic work in jobs_setup(); the loop runs it on schedule and when
 * PostgreSQL notifies.  SIGTERM ends it between two rounds.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "bookings/bookings.h"
#include "jobs/jobs.h"
#include "notify/notify.h"
#include "payments/payments.h"
#include "seating/seating.h"
#include "store/cache.h"
#include "store/db.h"
#include "store/live.h"
#include "store/mail.h"
#include "view/render.h"

static volatile sig_atomic_t	 stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* Expired holds free their seats at their expiry instant anyway; this
 * tidies them and tells the live seat maps within a second. */
static const struct job expire_holds = {
	"expire_holds", 1000, NULL, holds_expire_job
};

/* Payments interrupted between the charge and the booking. */
static const struct job repair_payments = {
	"repair_payments", 10000, NULL, payments_repair_job
};

/* Card refunds whose processor call failed after the refund committed. */
static const struct job retry_refunds = {
	"retry_refunds", 30000, NULL, bookings_refund_retry_job
};

/* The outbox: woken at once by the insert trigger's NOTIFY. */
static const struct job deliver_outbox = {
	"deliver_outbox", 1000, "outbox", notify_outbox_job
};

/* The work of each domain. */
static void
jobs_setup(void)
{
	jobs_register(&expire_holds);
	jobs_register(&repair_payments);
	jobs_register(&deliver_outbox);
	jobs_register(&retry_refunds);
}

int
main(int argc, char *argv[])
{
	struct sigaction	 sa;
	const char		*path = NULL;
	char			 err[512];
	int			 ch;

	arena_json_setup();

	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch != 'c') {
			fprintf(stderr, "usage: marquee-jobs [-c config]\n");
			return 2;
		}
		path = optarg;
	}
	if (sodium_init() < 0 || config_load(path, err, sizeof(err)) == -1) {
		fprintf(stderr, "marquee-jobs: %s\n", err);
		return 1;
	}
	log_init("marquee-jobs", cfg.log_level);
	metrics_init();
	cache_init(cfg.memcached);
	if (render_init(cfg.templates, err, sizeof(err)) == -1) {
		log_msg(LOG_ERROR, "templates: %s", err);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;	/* no SA_RESTART: poll() returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	jobs_setup();
	log_msg(LOG_INFO, "jobs process started");
	jobs_loop(&stop);
	log_msg(LOG_INFO, "jobs process stopped");
	live_close();
	mail_close();
	render_free();
	db_close();
	cache_close();
	config_free();
	return 0;
}
