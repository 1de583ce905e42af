/*
 * master: opens the listening socket, forks the workers, restarts any
 * that die (backing off when they die in a loop), rolls them on SIGHUP
 * and drains them on SIGTERM.
 */
#ifndef MARQUEE_MASTER_H
#define MARQUEE_MASTER_H

/* Runs until SIGTERM/SIGINT; config_path is re-read on SIGHUP. */
int	 master_run(const char *config_path);
/* Opens the configured listen socket (unix:/path or host:port). */
int	 master_listen(const char *spec, int mode);

#endif
