/*
 * The seat map of a showtime: every seat with its price and status.
 * Read at READ COMMITTED straight from PostgreSQL, never from a cache:
 * people decide from it.
 */
#include <string.h>

#include "catalog/catalog.h"
#include "core/arena.h"
#include "seating/seating.h"
#include "store/db.h"

static const char seats_sql[] =
    "SELECT json_agg(json_build_object("
    "  'id', st.label, 'row', st.row_label, 'number', st.number, "
    "  'type', st.kind, "
    "  'price_cents', seat_price(s.base_price_cents, st.kind), "
    "  'status', CASE WHEN ss.booking_id IS NOT NULL THEN 'sold' "
    "     WHEN ss.hold_id IS NOT NULL AND ss.held_until > now() THEN 'held' "
    "     ELSE 'available' END, "
    "  'x', st.x, 'y', st.y) ORDER BY st.y, st.x) "
    "FROM showtime_seats ss JOIN seats st ON st.id = ss.seat_id "
    "JOIN showtimes s ON s.id = ss.showtime_id "
    "WHERE ss.showtime_id = $1";

json_t *
seatmap_get(struct arena *a, int64_t showtime, int64_t theatre, int *found)
{
	json_t		*st, *seats;
	PGresult	*res;

	*found = 0;
	if ((st = catalog_showtime_json(a, showtime)) == NULL) {
		*found = db_sqlstate()[0] != '\0';
		return NULL;
	}
	if (theatre != 0 && json_integer_value(json_object_get(st,
	    "theatre_id")) != theatre) {
		json_decref(st);
		return NULL;
	}
	if ((res = db_q(a, seats_sql, 1, db_id(a, showtime))) == NULL) {
		json_decref(st);
		*found = 1;
		return NULL;
	}
	if ((seats = db_json(res, 0, 0)) == NULL)
		seats = json_array();
	*found = 1;
	return json_pack("{s:o,s:o}", "showtime", st, "seats", seats);
}
