/*
 * jobs: the background process's scheduler.  Domains register periodic
 * tasks (expire holds, repair payments, deliver the outbox); a task runs
 * every interval_ms, and at once when PostgreSQL NOTIFYs its channel.
 */
#ifndef MARQUEE_JOBS_H
#define MARQUEE_JOBS_H

#include <signal.h>

struct arena;

struct job {
	const char	*name;
	int		 interval_ms;	/* 0: only when notified */
	const char	*channel;	/* LISTEN channel, or NULL */
	/* Does one round of work: the number of items done, or -1.  A
	 * round that did something is followed by another at once. */
	int		(*run)(struct arena *);
};

#define JOBS_MAX	32

/* Registers a job (kept by reference): 0, or -1 when full. */
int	 jobs_register(const struct job *);
/* Forgets every job (tests). */
void	 jobs_clear(void);
/*
 * Waits up to max_wait_ms for the next due job or a notification, then
 * runs what is due.  Returns how many jobs ran, or -1 when the database
 * is away (the caller waits and tries again).
 */
int	 jobs_tick(struct arena *, int max_wait_ms);
/* Ticks until *stop is set. */
void	 jobs_loop(volatile sig_atomic_t *stop);
/* How many times job name has run in this process. */
unsigned long jobs_runs(const char *name);

#endif
