/*
 * Check-in at the door: a scanner (or a person) types a booking code,
 * and the page answers at a glance: admitted, already admitted, or
 * refused with the reason.
 *
 * Admission is one conditional UPDATE of the booking (checked_in_at is
 * set only while it is NULL and the booking and its showtime qualify),
 * so two scanners reading one ticket at the same moment admit it once:
 * the second UPDATE waits for the first, sees checked_in_at set and
 * changes nothing.  Only then is the booking read again to explain a
 * refusal.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "admin/admin.h"
#include "bookings/admin.h"
#include "core/request.h"
#include "store/db.h"

#define QR_PREFIX	"MARQUEE|"	/* the ticket's QR text */

const struct field admin_checkin_fields[] = {
	{ "code", FT_STRING, 1, 1, 500, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const char *
booking_code_normalize(struct arena *a, const char *in)
{
	const char	*p = in;
	char		*out, *o;
	size_t		 n, i;

	while (isspace((unsigned char)*p))
		p++;
	if (strncasecmp(p, QR_PREFIX, strlen(QR_PREFIX)) == 0) {
		p += strlen(QR_PREFIX);
		n = strcspn(p, "|");
	} else
		n = strlen(p);
	out = o = arena_alloc(a, n + 1);
	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)p[i]) && p[i] != '-')
			*o++ = (char)toupper((unsigned char)p[i]);
	*o = '\0';
	return out;
}

struct checkin {
	const char	*code;
	int64_t		 staff;
	int64_t		 booking;	/* admitted now: its id */
};

/* The admission itself, audited; DB_ABORT when nothing qualified. */
static int
checkin_tx(struct arena *a, void *ctx)
{
	struct checkin	*c = ctx;
	PGresult	*res;
	json_t		*after;
	int		 rc;

	c->booking = 0;
	res = db_q(a, "UPDATE bookings b SET checked_in_at = now() "
	    "FROM showtimes s WHERE b.code = $1 AND s.id = b.showtime_id "
	    "AND b.status = 'confirmed' AND b.checked_in_at IS NULL "
	    "AND s.status = 'scheduled' "
	    "AND now() >= s.starts_at - interval '1 hour' AND now() < s.ends_at "
	    "RETURNING b.id, rfc3339(b.checked_in_at)", 1, c->code);
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1)
		return DB_ABORT;
	c->booking = db_int(res, 0, 0);
	after = json_pack("{s:s,s:s}", "code", c->code, "checked_in_at",
	    db_val(res, 0, 1));
	rc = audit_write(a, c->staff, "booking.check_in", "booking",
	    db_val(res, 0, 0), NULL, after);
	json_decref(after);
	return rc;
}

/* What the door needs to know of a booking, by code; NULL on failure. */
static PGresult *
booking_facts(struct arena *a, const char *code)
{
	return db_q(a, "SELECT b.status, s.status, "
	    "now() < s.starts_at - interval '1 hour', now() >= s.ends_at, "
	    "to_char(b.checked_in_at AT TIME ZONE t.timezone, 'FMHH12:MI AM'), "
	    "to_char(s.starts_at AT TIME ZONE t.timezone, "
	    "  'FMDay FMDD Mon, FMHH12:MI AM'), "
	    "to_char(s.starts_at AT TIME ZONE t.timezone, 'FMHH12:MI AM'), "
	    "m.title, au.name, t.name, (SELECT string_agg(bs.label, ', ' "
	    "  ORDER BY length(st.row_label), st.row_label, st.number) "
	    "  FROM booking_seats bs JOIN seats st ON st.id = bs.seat_id "
	    "  WHERE bs.booking_id = b.id) "
	    "FROM bookings b JOIN showtimes s ON s.id = b.showtime_id "
	    "JOIN movies m ON m.id = s.movie_id "
	    "JOIN auditoriums au ON au.id = s.auditorium_id "
	    "JOIN theatres t ON t.id = au.theatre_id WHERE b.code = $1", 1,
	    code);
}

enum fact {
	F_STATUS, F_SHOW_STATUS, F_EARLY, F_OVER, F_CHECKED_IN, F_WHEN,
	F_CLOCK, F_MOVIE, F_AUDITORIUM, F_THEATRE, F_SEATS
};

/* Sets status, reason and message of result; returns rc. */
static int
verdict(json_t *result, int rc, const char *reason, const char *message)
{
	static const char *const names[CHECKIN__MAX] = {
		[CHECKIN_ADMITTED] = "admitted", [CHECKIN_ALREADY] = "already",
		[CHECKIN_REFUSED] = "refused", [CHECKIN_DB] = "error"
	};

	json_object_set_new(result, "status", json_string(names[rc]));
	json_object_set_new(result, "reason", json_string(reason));
	json_object_set_new(result, "message", json_string(message));
	return rc;
}

/* The verdict on a booking that was not admitted just now. */
static int
explain(struct arena *a, const PGresult *f, json_t *result)
{
	const char	*status = db_val(f, 0, F_STATUS);

	if (strcmp(status, "refunded") == 0)
		return verdict(result, CHECKIN_REFUSED, "refunded",
		    "Refunded booking");
	if (strcmp(status, "confirmed") != 0)
		return verdict(result, CHECKIN_REFUSED, "cancelled",
		    "Cancelled booking");
	if (strcmp(db_val(f, 0, F_SHOW_STATUS), "scheduled") != 0)
		return verdict(result, CHECKIN_REFUSED, "showtime_cancelled",
		    "This showtime was cancelled");
	if (db_val(f, 0, F_CHECKED_IN) != NULL) {
		json_object_set_new(result, "admitted_at",
		    json_string(db_val(f, 0, F_CHECKED_IN)));
		return verdict(result, CHECKIN_ALREADY, "already_admitted",
		    arena_printf(a, "Already admitted at %s",
		    db_val(f, 0, F_CHECKED_IN)));
	}
	if (db_bool(f, 0, F_EARLY))
		return verdict(result, CHECKIN_REFUSED, "too_early",
		    arena_printf(a, "This ticket is for %s",
		    db_val(f, 0, F_WHEN)));
	if (db_bool(f, 0, F_OVER))
		return verdict(result, CHECKIN_REFUSED, "showtime_over",
		    arena_printf(a, "This showtime is over: the ticket was "
		    "for %s", db_val(f, 0, F_WHEN)));
	/* Changed between the UPDATE and this read: scanning again decides. */
	return verdict(result, CHECKIN_REFUSED, "changed",
	    "The booking changed while it was checked; scan it again");
}

/* The booking's facts for the result screen. */
static json_t *
details(const PGresult *f, const char *code)
{
	const char	*seats = db_val(f, 0, F_SEATS);

	return json_pack("{s:s,s:s,s:b,s:s,s:s,s:s,s:s,s:s}", "code", code,
	    "seats", seats ? seats : "", "one_seat",
	    seats != NULL && strchr(seats, ',') == NULL,
	    "movie", db_val(f, 0, F_MOVIE), "time", db_val(f, 0, F_CLOCK),
	    "when", db_val(f, 0, F_WHEN), "auditorium",
	    db_val(f, 0, F_AUDITORIUM), "theatre", db_val(f, 0, F_THEATRE));
}

/* The verdict on a code that names no booking. */
static int
unknown(const char *code, json_t **result)
{
	*result = json_pack("{s:s}", "code", code);
	return verdict(*result, CHECKIN_REFUSED, "unknown_code", "Unknown code");
}

int
bookings_check_in(struct arena *a, const char *code, int64_t staff,
    json_t **result)
{
	struct checkin	 c = { booking_code_normalize(a, code), staff, 0 };
	PGresult	*f;
	const char	*seats;
	int		 rc;

	*result = NULL;
	if (strlen(c.code) != BOOKING_CODE_LEN)
		return unknown(c.code, result);
	if ((rc = db_tx(a, DB_READ_COMMITTED, checkin_tx, &c)) < 0 ||
	    (f = booking_facts(a, c.code)) == NULL)
		return CHECKIN_DB;
	if (PQntuples(f) != 1)
		return unknown(c.code, result);
	*result = details(f, c.code);
	if (rc != DB_OK)
		return explain(a, f, *result);
	seats = json_string_value(json_object_get(*result, "seats"));
	return verdict(*result, CHECKIN_ADMITTED, "admitted", arena_printf(a,
	    "Admitted \xe2\x80\x94 %s %s \xe2\x80\x94 %s, %s, %s",
	    strchr(seats, ',') ? "seats" : "seat", seats,
	    db_val(f, 0, F_MOVIE), db_val(f, 0, F_CLOCK),
	    db_val(f, 0, F_AUDITORIUM)));
}

/* Renders the door page, with the last scan's result when there is one;
 * steals result. */
static void
render(struct request *r, int status, json_t *result, const char *error)
{
	json_t	*ctx = json_object();

	if (result != NULL)
		json_object_set_new(ctx, "result", result);
	if (error != NULL)
		json_object_set_new(ctx, "error", json_string(error));
	admin_page(r, status, "admin/checkin", ctx);
}

/* GET /admin/checkin */
void
admin_checkin_form(struct request *r)
{
	render(r, 200, NULL, NULL);
}

/* POST /admin/checkin: the result of one scan, and the form again. */
void
admin_checkin_scan(struct request *r)
{
	json_t	*result;

	if (r->in_errors != NULL) {
		render(r, 400, NULL, "Scan a ticket or type its booking code.");
		return;
	}
	if (bookings_check_in(r->a, in_str(r, "code"), r->user_id, &result) ==
	    CHECKIN_DB) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	render(r, 200, result, NULL);
}
