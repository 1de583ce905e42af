/*
 * ops: the operational endpoints: /healthz, /readyz, /metrics and
 * /v1/status.
 */
#ifndef MARQUEE_OPS_H
#define MARQUEE_OPS_H

struct request;

void	 ops_healthz(struct request *);
void	 ops_readyz(struct request *);
void	 ops_metrics(struct request *);
void	 ops_status(struct request *);

#endif
