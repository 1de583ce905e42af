#include <stdio.h>

#include "core/metrics.h"
#include "core/request.h"
#include "core/router.h"
#include "ops/ops.h"
#include "store/cache.h"
#include "store/db.h"
#include "store/migrate.h"

/* 200 while the process serves; touches nothing else. */
void
ops_healthz(struct request *r)
{
	resp_text(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
}

/* 200 when PostgreSQL answers, 503 otherwise; reports the cache too. */
void
ops_readyz(struct request *r)
{
	int	 db = db_ping(), mc = cache_ping();

	resp_json(r, db ? 200 : 503, json_pack("{s:s,s:s,s:s}",
	    "status", db ? "ready" : "unavailable",
	    "database", db ? "up" : "down",
	    "cache", mc ? "up" : "down"));
	if (!db)
		resp_header(r, "Retry-After", "5");
}

/* Gauges read at scrape time from the database, when it answers. */
static void
render_gauges(struct request *r, struct buf *b)
{
	PGresult	*res;

	res = db_q(r->a, "SELECT count(*) FROM outbox WHERE state = 'pending'",
	    0);
	if (res != NULL)
		buf_printf(b, "# TYPE marquee_outbox_backlog gauge\n"
		    "marquee_outbox_backlog %s\n", db_val(res, 0, 0));
	res = db_q(r->a, "SELECT count(*) FROM outbox WHERE state = 'parked'",
	    0);
	if (res != NULL)
		buf_printf(b, "# TYPE marquee_outbox_parked gauge\n"
		    "marquee_outbox_parked %s\n", db_val(res, 0, 0));
	buf_printf(b, "# TYPE marquee_cache_up gauge\nmarquee_cache_up %d\n",
	    cache_up());
	buf_printf(b, "# TYPE marquee_database_up gauge\n"
	    "marquee_database_up %d\n", res != NULL);
}

void
ops_metrics(struct request *r)
{
	struct buf	 b = BUF_INIT;

	metrics_render(&b, router_name, router_count());
	render_gauges(r, &b);
	resp_text(r, 200, "text/plain; version=0.0.4; charset=utf-8",
	    b.data ? b.data : "", b.len);
	buf_free(&b);
}

void
ops_status(struct request *r)
{
	int	 v = migrate_version();

	if (v < 0) {
		db_fail_reply(r, DB_UNAVAILABLE);
		return;
	}
	resp_json(r, 200, json_pack("{s:s,s:s,s:i}", "status", "ok",
	    "version", MARQUEE_VERSION, "schema_version", v));
}
