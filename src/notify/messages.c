/*
 * One function a kind of outbox row: gather what the message says,
 * render the e-mail from templates/emails/, send it, and leave the
 * in-app notice (once per message id).
 */
#include <stdio.h>
#include <string.h>

#include "bookings/bookings.h"
#include "bookings/pages.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "notify/messages.h"
#include "store/db.h"
#include "store/mail.h"
#include "view/render.h"

struct message {
	const char	*tpl;		/* emails/<tpl>.txt|.html */
	const char	*subject;
	const char	*to;
	const char	*to_name;
	int64_t		 user;
	int64_t		 booking;
	const char	*title;		/* the in-app notice */
	const char	*body;
	json_t		*ctx;		/* borrowed */
};

static int
fail(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s", why);
	return -1;
}

/* The booking's message data, with links; a new reference or NULL. */
static json_t *
booking_data(struct arena *a, int64_t booking)
{
	PGresult	*res;
	json_t		*d;

	res = db_q(a, "SELECT booking_mail_json($1)", 1, db_id(a, booking));
	if (res == NULL || PQntuples(res) != 1 ||
	    (d = db_json(res, 0, 0)) == NULL)
		return NULL;
	json_object_set_new(d, "ticket_link", json_sprintf("%s/bookings/%lld/"
	    "ticket", cfg.base_url, (long long)booking));
	json_object_set_new(d, "booking_link", json_sprintf("%s/bookings/%lld",
	    cfg.base_url, (long long)booking));
	json_object_set_new(d, "site", json_string(cfg.base_url));
	return d;
}

/* A confirmation carries the booking's calendar entry. */
static void
attach_calendar(struct arena *a, const struct outbox_msg *om,
    const struct message *m, struct mail *mail)
{
	if (m->booking <= 0 || strcmp(om->kind, "booking_confirmed") != 0)
		return;
	if ((mail->attach_data = booking_ics(a, m->booking)) == NULL)
		return;
	mail->attach_name = "booking.ics";
	mail->attach_type = "text/calendar; charset=utf-8; method=PUBLISH";
	mail->attach_len = strlen(mail->attach_data);
}

/* Sends the e-mail and records the notice; 0 or -1. */
static int
send(struct arena *a, const struct outbox_msg *om, struct message *m,
    char *err, size_t errlen)
{
	struct buf	 text = BUF_INIT, html = BUF_INIT;
	struct mail	 mail;
	int		 rc;
	char		 name[128];

	memset(&mail, 0, sizeof(mail));
	snprintf(name, sizeof(name), "emails/%s.txt", m->tpl);
	if (render_template(name, m->ctx, &text) == -1) {
		buf_free(&text);
		return fail(err, errlen, "no e-mail template for this message");
	}
	snprintf(name, sizeof(name), "emails/%s.html", m->tpl);
	if (render_has(name))
		render_template(name, m->ctx, &html);
	mail.to = m->to;
	mail.to_name = m->to_name;
	mail.subject = m->subject;
	mail.text = text.data;
	mail.html = html.data;
	mail.message_id = om->message_id;
	attach_calendar(a, om, m, &mail);
	rc = mail_send(&mail, err, errlen);
	buf_free(&text);
	buf_free(&html);
	if (rc < 0)
		return rc;
	if (m->title != NULL && !db_q(a, "INSERT INTO notifications (user_id, "
	    "kind, title, body, booking_id, message_id) VALUES ($1, $2, $3, $4, "
	    "nullif($5::bigint, 0), $6) ON CONFLICT (message_id) DO NOTHING", 6,
	    db_id(a, m->user), om->kind, m->title, m->body ? m->body : "",
	    db_id(a, m->booking), om->message_id))
		return fail(err, errlen, "could not record the notice");
	return 0;
}

/* Fills the common parts of a booking message from its data. */
static void
about_booking(struct message *m, json_t *d, int64_t booking)
{
	json_t	*u = json_object_get(d, "user");

	m->ctx = d;
	m->booking = booking;
	m->user = json_integer_value(json_object_get(u, "id"));
	m->to = json_string_value(json_object_get(u, "email"));
	m->to_name = json_string_value(json_object_get(u, "name"));
}

/* Where a refund went, as a person says it. */
static const char *
destination_words(const char *d)
{
	if (d != NULL && strcmp(d, "gift_card") == 0)
		return "gift card";
	if (d != NULL && strcmp(d, "wallet") == 0)
		return "account credit";
	return "card";
}

/* A moved showtime's old and new start, as the confirmation says times:
 * "Friday 5 December 2026, 7:30 PM" in the theatre's zone. */
static void
changed_times(struct arena *a, json_t *d)
{
	json_t		*o = json_object_get(d, "old"), *n = json_object_get(d, "new");
	PGresult	*res;

	res = db_q(a, "SELECT to_char($1::timestamptz AT TIME ZONE t.timezone, "
	    "'FMDay FMDD FMMonth YYYY, FMHH12:MI AM'), to_char($2::timestamptz "
	    "AT TIME ZONE t.timezone, 'FMDay FMDD FMMonth YYYY, FMHH12:MI AM') "
	    "FROM theatres t WHERE t.id = $3", 3,
	    json_string_value(json_object_get(o, "starts_at")),
	    json_string_value(json_object_get(n, "starts_at")),
	    db_id(a, json_integer_value(json_object_get(n, "theatre_id"))));
	if (res == NULL || PQntuples(res) != 1)
		return;
	json_object_set_new(o, "when", json_string(db_val(res, 0, 0)));
	json_object_set_new(n, "when", json_string(db_val(res, 0, 1)));
}

static int
booking_message(struct arena *a, const struct outbox_msg *om, char *err,
    size_t errlen)
{
	int64_t		 bid = json_integer_value(json_object_get(om->payload,
			    "booking_id"));
	json_t		*d = booking_data(a, bid), *extra;
	struct message	 m;
	const char	*movie, *when;
	int		 rc;

	if (d == NULL)
		return fail(err, errlen, "the booking is gone");
	memset(&m, 0, sizeof(m));
	about_booking(&m, d, bid);
	json_object_update(d, om->payload);	/* kind-specific fields */
	movie = json_string_value(json_object_get(d, "movie"));
	when = json_string_value(json_object_get(d, "when"));
	m.tpl = om->kind;
	if (strcmp(om->kind, "booking_confirmed") == 0) {
		m.subject = arena_printf(a, "Your tickets: %s, %s", movie, when);
		m.title = "Booking confirmed";
	} else if (strcmp(om->kind, "booking_refunded") == 0) {
		extra = json_object_get(d, "amount_cents");
		json_object_set_new(d, "amount", json_sprintf("$%lld.%02lld",
		    json_integer_value(extra) / 100,
		    json_integer_value(extra) % 100));
		m.subject = arena_printf(a, "Refunded: %s, %s", movie, when);
		m.title = "Booking refunded";
		extra = json_object_get(d, "destination");
		json_object_set_new(d, "destination", json_string(
		    destination_words(json_string_value(extra))));
	} else if (strcmp(om->kind, "showtime_changed") == 0) {
		m.subject = arena_printf(a, "Time change: %s", movie);
		m.title = "Your showtime changed";
		changed_times(a, d);
	} else {
		m.subject = arena_printf(a, "About your booking: %s, %s", movie,
		    when);
		m.title = "A message about your booking";
	}
	m.body = arena_printf(a, "%s, %s. Seats %s.", movie, when,
	    json_string_value(json_object_get(d, "seats")));
	rc = send(a, om, &m, err, errlen);
	json_decref(d);
	return rc;
}

/* A cancelled showtime: refund the booking; its refund row tells them. */
static int
cancelled_showtime(struct arena *a, const struct outbox_msg *om, char *err,
    size_t errlen)
{
	int64_t	 bid = json_integer_value(json_object_get(om->payload,
		    "booking_id"));

	switch (bookings_refund(a, bid, 0, 0, "the showtime was cancelled")) {
	case REFUND_OK:
	case REFUND_ALREADY:
		return 0;
	default:
		return fail(err, errlen, "the refund could not be made yet");
	}
}

static int
password_reset(struct arena *a, const struct outbox_msg *om, char *err,
    size_t errlen)
{
	PGresult	*res;
	struct message	 m;
	json_t		*ctx;
	int		 rc;

	res = db_q(a, "SELECT email, name FROM users WHERE id = $1", 1,
	    db_id(a, json_integer_value(json_object_get(om->payload,
	    "user_id"))));
	if (res == NULL || PQntuples(res) != 1)
		return fail(err, errlen, "the account is gone");
	memset(&m, 0, sizeof(m));
	ctx = json_pack("{s:s,s:s}", "name", db_val(res, 0, 1), "link",
	    arena_printf(a, "%s/account/password/reset?token=%s", cfg.base_url,
	    json_string_value(json_object_get(om->payload, "token"))));
	m.tpl = "password_reset";
	m.subject = "Reset your Marquee password";
	m.to = db_val(res, 0, 0);
	m.to_name = db_val(res, 0, 1);
	m.ctx = ctx;
	rc = send(a, om, &m, err, errlen);
	json_decref(ctx);
	return rc;
}

int
message_deliver(struct arena *a, const struct outbox_msg *om, char *err,
    size_t errlen)
{
	if (strcmp(om->kind, "showtime_cancelled") == 0)
		return cancelled_showtime(a, om, err, errlen);
	if (strcmp(om->kind, "password_reset") == 0)
		return password_reset(a, om, err, errlen);
	if (strcmp(om->kind, "booking_confirmed") == 0 ||
	    strcmp(om->kind, "booking_refunded") == 0 ||
	    strcmp(om->kind, "showtime_changed") == 0 ||
	    strcmp(om->kind, "change_notice") == 0)
		return booking_message(a, om, err, errlen);
	return fail(err, errlen, "unknown message kind");
}
