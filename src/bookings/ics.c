/*
 * A booking as an iCalendar file (RFC 5545): one VEVENT from the start
 * of the showtime to the end of the movie, times in UTC, with the seats,
 * the booking code and the ticket's address.  Lines end in CRLF and are
 * folded at 75 octets (never inside a UTF-8 character); TEXT values
 * escape backslash, semicolon, comma and line ends.
 */
#include <string.h>

#include "bookings/pages.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "store/db.h"

#define ICS_LINE_MAX	75	/* octets, without the CRLF */
#define ICS_UTC		"'YYYYMMDD\"T\"HH24MISS\"Z\"'"

static const char ics_sql[] =
    "SELECT b.code, b.status, m.title, t.name, t.address, t.city, "
    "to_char(s.starts_at AT TIME ZONE 'UTC', " ICS_UTC "), "
    "to_char((s.starts_at + make_interval(mins => m.duration_minutes)) "
    "  AT TIME ZONE 'UTC', " ICS_UTC "), "
    "to_char(now() AT TIME ZONE 'UTC', " ICS_UTC "), "
    "(SELECT string_agg(bs.label, ', ' ORDER BY bs.label) "
    "  FROM booking_seats bs WHERE bs.booking_id = b.id) "
    "FROM bookings b JOIN showtimes s ON s.id = b.showtime_id "
    "JOIN movies m ON m.id = s.movie_id "
    "JOIN auditoriums au ON au.id = s.auditorium_id "
    "JOIN theatres t ON t.id = au.theatre_id WHERE b.id = $1";

enum ics_col {
	IC_CODE,
	IC_STATUS,
	IC_TITLE,
	IC_THEATRE,
	IC_ADDRESS,
	IC_CITY,
	IC_START,
	IC_END,
	IC_STAMP,
	IC_SEATS,
	IC__MAX
};

/* Appends s as an RFC 5545 TEXT value. */
static void
add_text(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		switch (*s) {
		case '\\':
		case ';':
		case ',':
			buf_addc(b, '\\');
			buf_addc(b, *s);
			break;
		case '\n':
			buf_adds(b, "\\n");
			break;
		case '\r':
			break;
		default:
			buf_addc(b, *s);
		}
}

/* Appends one content line, folded, with its CRLF. */
static void
add_folded(struct buf *out, const char *line, size_t len)
{
	size_t	 pos = 0, room = ICS_LINE_MAX;

	while (len - pos > room) {
		size_t	 n = room;

		/* Back up to the first byte of a UTF-8 character. */
		while (n > 1 && ((unsigned char)line[pos + n] & 0xc0) == 0x80)
			n--;
		buf_add(out, line + pos, n);
		buf_adds(out, "\r\n ");
		pos += n;
		room = ICS_LINE_MAX - 1;	/* after the leading space */
	}
	buf_add(out, line + pos, len - pos);
	buf_adds(out, "\r\n");
}

/* NAME:value with value taken as is (no escaping). */
static void
prop(struct buf *out, const char *name, const char *value)
{
	struct buf	 line = BUF_INIT;

	buf_printf(&line, "%s:%s", name, value);
	add_folded(out, line.data, line.len);
	buf_free(&line);
}

/* NAME:value with value escaped as TEXT. */
static void
prop_text(struct buf *out, const char *name, const char *value)
{
	struct buf	 line = BUF_INIT;

	buf_printf(&line, "%s:", name);
	add_text(&line, value);
	add_folded(out, line.data, line.len);
	buf_free(&line);
}

static void
add_event(struct arena *a, struct buf *out, const PGresult *res,
    int64_t booking)
{
	const char	*address = db_val(res, 0, IC_ADDRESS);
	const char	*ticket = arena_printf(a, "%s/bookings/%lld/ticket",
			    cfg.base_url ? cfg.base_url : "",
			    (long long)booking);
	int		 valid = strcmp(db_val(res, 0, IC_STATUS),
			    "confirmed") == 0;

	if (address == NULL || *address == '\0')
		address = db_val(res, 0, IC_CITY);
	prop(out, "BEGIN", "VEVENT");
	prop(out, "UID", arena_printf(a, "booking-%s@marquee",
	    db_val(res, 0, IC_CODE)));
	prop(out, "DTSTAMP", db_val(res, 0, IC_STAMP));
	prop(out, "DTSTART", db_val(res, 0, IC_START));
	prop(out, "DTEND", db_val(res, 0, IC_END));
	prop(out, "SEQUENCE", valid ? "0" : "1");
	prop(out, "STATUS", valid ? "CONFIRMED" : "CANCELLED");
	prop_text(out, "SUMMARY", arena_printf(a, "%s at %s",
	    db_val(res, 0, IC_TITLE), db_val(res, 0, IC_THEATRE)));
	prop_text(out, "LOCATION", *address != '\0' ? arena_printf(a,
	    "%s, %s", db_val(res, 0, IC_THEATRE), address) :
	    db_val(res, 0, IC_THEATRE));
	prop_text(out, "DESCRIPTION", arena_printf(a, "Seats: %s\n"
	    "Booking code: %s\nTicket: %s", db_val(res, 0, IC_SEATS) ?
	    db_val(res, 0, IC_SEATS) : "", db_val(res, 0, IC_CODE), ticket));
	prop(out, "URL", ticket);
	prop(out, "END", "VEVENT");
}

char *
booking_ics(struct arena *a, int64_t booking)
{
	PGresult	*res;
	struct buf	 out = BUF_INIT;
	char		*ics;

	res = db_q(a, ics_sql, 1, db_id(a, booking));
	if (res == NULL || PQntuples(res) != 1)
		return NULL;
	prop(&out, "BEGIN", "VCALENDAR");
	prop(&out, "VERSION", "2.0");
	prop(&out, "PRODID", "-//Marquee//Tickets//EN");
	prop(&out, "CALSCALE", "GREGORIAN");
	prop(&out, "METHOD", "PUBLISH");
	add_event(a, &out, res, booking);
	prop(&out, "END", "VCALENDAR");
	ics = arena_strdup(a, out.data);
	buf_free(&out);
	return ics;
}
