/*
 * live: publishes seat changes to nginx's nchan publisher, which fans
 * them out to every browser watching that showtime.  A failed publish
 * is counted and logged, never an error for the caller: a full refresh
 * of the seat list is always correct.
 */
#ifndef MARQUEE_LIVE_H
#define MARQUEE_LIVE_H

#include <stdint.h>

#include <jansson.h>

/*
 * Sends {"showtime_id", "seats": [{"id", "status"}], "version"} for a
 * showtime.  seats is borrowed.  Returns 0 when nginx stored it.
 */
int	 live_publish(int64_t showtime, json_t *seats);
void	 live_close(void);

#endif
