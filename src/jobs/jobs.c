#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/util.h"
#include "jobs/jobs.h"
#include "store/db.h"

struct slot {
	const struct job	*job;
	int64_t			 due;		/* now_usec() */
	int			 notified;
	unsigned long		 runs;
};

static struct slot	 slots[JOBS_MAX];
static int		 nslots;
static unsigned		 listening;	/* db_generation() of the LISTENs */

int
jobs_register(const struct job *j)
{
	if (nslots == JOBS_MAX)
		return -1;
	slots[nslots].job = j;
	slots[nslots].due = now_usec();
	slots[nslots].notified = 0;
	slots[nslots].runs = 0;
	nslots++;
	listening = 0;	/* LISTEN again, for the new channel */
	return 0;
}

void
jobs_clear(void)
{
	nslots = 0;
	listening = 0;
}

unsigned long
jobs_runs(const char *name)
{
	int	 i;

	for (i = 0; i < nslots; i++)
		if (strcmp(slots[i].job->name, name) == 0)
			return slots[i].runs;
	return 0;
}

/* Issues LISTEN for every channel on a new connection. */
static int
listen_all(PGconn *c)
{
	char		 sql[128];
	PGresult	*res;
	int		 i, ok = 1;

	for (i = 0; ok && i < nslots; i++) {
		if (slots[i].job->channel == NULL)
			continue;
		snprintf(sql, sizeof(sql), "LISTEN \"%s\"",
		    slots[i].job->channel);
		res = PQexec(c, sql);
		ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
	}
	listening = ok ? db_generation() : 0;
	return ok ? 0 : -1;
}

/* Marks the jobs whose channel was notified. */
static void
take_notifications(PGconn *c)
{
	PGnotify	*n;
	int		 i;

	PQconsumeInput(c);
	while ((n = PQnotifies(c)) != NULL) {
		for (i = 0; i < nslots; i++)
			if (slots[i].job->channel != NULL &&
			    strcmp(slots[i].job->channel, n->relname) == 0)
				slots[i].notified = 1;
		PQfreemem(n);
	}
}

/* Microseconds until the next job is due (0: something is due now). */
static int64_t
next_wait(int64_t now, int64_t max)
{
	int64_t	 w = max;
	int	 i;

	for (i = 0; i < nslots; i++) {
		if (slots[i].notified)
			return 0;
		if (slots[i].job->interval_ms > 0 && slots[i].due - now < w)
			w = slots[i].due - now;
	}
	return w < 0 ? 0 : w;
}

static void
run_due(struct arena *a, int *ran)
{
	int64_t	 now = now_usec();
	int	 i, n;

	for (i = 0; i < nslots; i++) {
		const struct job *j = slots[i].job;

		if (!slots[i].notified &&
		    (j->interval_ms <= 0 || slots[i].due > now))
			continue;
		slots[i].notified = 0;
		n = j->run(a);
		arena_reset(a);
		slots[i].runs++;
		metrics_inc(M_JOBS_RUNS);
		if (n < 0)
			log_msg(LOG_WARN, "job %s failed", j->name);
		else if (n > 0)
			log_msg(LOG_DEBUG, "job %s did %d", j->name, n);
		/* Work done may mean more is waiting: run again at once. */
		if (n > 0)
			slots[i].notified = 1;
		else if (j->interval_ms > 0)
			slots[i].due = now_usec() + j->interval_ms * 1000LL;
		(*ran)++;
	}
}

int
jobs_tick(struct arena *a, int max_wait_ms)
{
	PGconn		*c = db_conn();
	struct pollfd	 pfd;
	int64_t		 wait;
	int		 ran = 0;

	if (c == NULL)
		return -1;
	if (listening != db_generation() && listen_all(c) == -1)
		return -1;
	take_notifications(c);
	wait = next_wait(now_usec(), (int64_t)max_wait_ms * 1000);
	if (wait > 0) {
		pfd.fd = PQsocket(c);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)((wait + 999) / 1000)) > 0)
			take_notifications(c);
	}
	run_due(a, &ran);
	return ran;
}

void
jobs_loop(volatile sig_atomic_t *stop)
{
	struct arena	 a;

	arena_init(&a);
	while (!*stop) {
		if (jobs_tick(&a, cfg.jobs_poll_ms > 0 ? cfg.jobs_poll_ms :
		    1000) == -1 && !*stop)
			sleep(1);	/* the database is away */
	}
	arena_free(&a);
}
