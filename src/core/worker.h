/*
 * worker: one prefork FastCGI worker.  It accepts on the socket the master
 * opened, runs each request through the front function and answers.
 */
#ifndef MARQUEE_WORKER_H
#define MARQUEE_WORKER_H

struct request;

/* Serves until SIGTERM; returns the process exit status. */
int	 worker_main(int listen_fd);
/*
 * The front function: parse, route (404/405), session, authorize
 * (401/403), validate (400), handler.  Leaves the answer in r->resp.
 */
void	 worker_dispatch(struct request *);
/* Writes the request's log line and metrics. */
void	 worker_log_request(const struct request *);

#endif
