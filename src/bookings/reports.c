/*
 * Sales reports: revenue, tickets, refunds and occupancy over a range of
 * show dates, per day, per movie, per theatre and per showtime, as a
 * page or as CSV files.
 *
 * Everything is counted by the showtime's date in its theatre's time
 * zone.  Gross sales are the totals of every booking paid (refunded ones
 * included); revenue is gross sales minus the refunds; tickets sold are
 * the seats of bookings still confirmed; occupancy is tickets sold over
 * the seats of the scheduled showtimes (a cancelled showtime has no
 * seats to fill).  One query computes the four tables and the totals
 * with GROUPING SETS.
 */
#include <string.h>

#include "bookings/admin.h"
#include "admin/admin.h"
#include "catalog/pages.h"
#include "core/buf.h"
#include "core/request.h"
#include "core/util.h"
#include "store/db.h"
#include "view/render.h"

#define RANGE_DEFAULT_DAYS	30
#define RANGE_MAX_DAYS		366
#define SHOWTIME_ROWS_MAX	500	/* on the page; the CSV has them all */
#define BAR_STEP		5	/* percent per width class of a bar */

static const char *const formats[] = { "html", "csv", NULL };
static const char *const tables[] = {
	"day", "movie", "theatre", "showtime", NULL
};

const struct field admin_reports_query[] = {
	{ "from", FT_DATE, 0, 0, 0, NULL, NULL },
	{ "to", FT_DATE, 0, 0, 0, NULL, NULL },
	{ "format", FT_ENUM, 0, 0, 0, formats, NULL },
	{ "table", FT_ENUM, 0, 0, 0, tables, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* The columns of the report query. */
enum rcol {
	R_KIND, R_DAY, R_SHOWTIME, R_STARTS, R_MOVIE, R_THEATRE, R_AUDITORIUM,
	R_BOOKINGS, R_TICKETS, R_GROSS, R_REFUNDS, R_REFUNDED, R_CAPACITY,
	R__MAX
};

/* What each table shows before the figures, and its CSV headings. */
static const struct table {
	const char	*name;
	size_t		 nlead;
	enum rcol	 lead[5];
	const char	*heads[5];
} table_defs[] = {
	{ "day", 1, { R_DAY }, { "Date" } },
	{ "movie", 1, { R_MOVIE }, { "Movie" } },
	{ "theatre", 1, { R_THEATRE }, { "Theatre" } },
	{ "showtime", 5, { R_SHOWTIME, R_STARTS, R_MOVIE, R_THEATRE,
	    R_AUDITORIUM }, { "Showtime", "Starts (local time)", "Movie",
	    "Theatre", "Auditorium" } },
};

static const char *const figure_heads[] = {
	"Bookings", "Tickets sold", "Gross sales", "Refunds", "Refunded",
	"Revenue", "Capacity", "Occupancy %", NULL
};

/*
 * The report rows for local show dates from..to: kind "day", "movie",
 * "theatre", "showtime" (only those with bookings) or "total", in that
 * order; NULL when the database failed.
 */
static PGresult *
report_rows(struct arena *a, const char *from, const char *to)
{
	return db_q(a, "WITH st AS (SELECT s.id, s.movie_id, m.title AS movie, "
	    "t.id AS theatre_id, t.name AS theatre, au.name AS auditorium, "
	    "s.starts_at, (s.starts_at AT TIME ZONE t.timezone)::date AS day, "
	    "to_char(s.starts_at AT TIME ZONE t.timezone, 'YYYY-MM-DD HH24:MI') "
	    "  AS starts, CASE WHEN s.status = 'scheduled' THEN (SELECT "
	    "  count(*) FROM showtime_seats ss WHERE ss.showtime_id = s.id) "
	    "  ELSE 0 END AS capacity "
	    " FROM showtimes s JOIN movies m ON m.id = s.movie_id "
	    " JOIN auditoriums au ON au.id = s.auditorium_id "
	    " JOIN theatres t ON t.id = au.theatre_id "
	    " WHERE s.starts_at >= $1::date - 1 AND s.starts_at < $2::date + 2 "
	    " AND (s.starts_at AT TIME ZONE t.timezone)::date "
	    "   BETWEEN $1::date AND $2::date), "
	    "sa AS (SELECT b.showtime_id, count(*) AS bookings, "
	    " sum(b.total_cents) AS gross, sum(CASE WHEN b.status = "
	    " 'confirmed' THEN (SELECT count(*) FROM booking_seats bs "
	    " WHERE bs.booking_id = b.id) ELSE 0 END) AS tickets, "
	    " count(rf.id) AS refunds, coalesce(sum(rf.amount_cents), 0) "
	    " AS refunded FROM bookings b "
	    " LEFT JOIN refunds rf ON rf.booking_id = b.id "
	    " WHERE b.showtime_id IN (SELECT id FROM st) "
	    " GROUP BY b.showtime_id), "
	    "g AS (SELECT CASE WHEN GROUPING(st.day) = 0 THEN 1 "
	    " WHEN GROUPING(st.movie_id) = 0 THEN 2 "
	    " WHEN GROUPING(st.theatre_id) = 0 THEN 3 "
	    " WHEN GROUPING(st.id) = 0 THEN 4 ELSE 5 END AS kind, "
	    " st.day, st.id, st.starts, st.movie, st.theatre, st.auditorium, "
	    " st.starts_at, coalesce(sum(sa.bookings), 0) AS bookings, "
	    " coalesce(sum(sa.tickets), 0) AS tickets, "
	    " coalesce(sum(sa.gross), 0) AS gross, "
	    " coalesce(sum(sa.refunds), 0) AS refunds, "
	    " coalesce(sum(sa.refunded), 0) AS refunded, "
	    " sum(st.capacity) AS capacity "
	    " FROM st LEFT JOIN sa ON sa.showtime_id = st.id "
	    " GROUP BY GROUPING SETS ((st.day), (st.movie_id, st.movie), "
	    "  (st.theatre_id, st.theatre), (st.id, st.starts_at, st.starts, "
	    "  st.movie, st.theatre, st.auditorium), ()) "
	    " HAVING GROUPING(st.id) = 1 OR coalesce(sum(sa.bookings), 0) > 0) "
	    "SELECT (ARRAY['day', 'movie', 'theatre', 'showtime', "
	    " 'total'])[g.kind] AS kind, to_char(g.day, 'YYYY-MM-DD') AS day, "
	    " g.id AS showtime, g.starts, g.movie, g.theatre, g.auditorium, "
	    " g.bookings, g.tickets, g.gross, g.refunds, g.refunded, g.capacity "
	    "FROM g ORDER BY g.kind, g.day, g.starts_at, g.movie, g.theatre, "
	    " g.id", 2, from, to);
}

/* "12.50": cents for a spreadsheet. */
static const char *
plain_money(struct arena *a, long long cents)
{
	return arena_printf(a, "%lld.%02lld", cents / 100, cents % 100);
}

/* Tickets over capacity in tenths of a percent; -1 without seats. */
static long long
occupancy(const PGresult *res, int i)
{
	long long	 cap = db_int(res, i, R_CAPACITY);

	return cap > 0 ? (db_int(res, i, R_TICKETS) * 1000 + cap / 2) / cap :
	    -1;
}

static const char *
percent(struct arena *a, long long tenths)
{
	return tenths < 0 ? "" : arena_printf(a, "%lld.%lld", tenths / 10,
	    tenths % 10);
}

/* The width class of an occupancy bar: percent in steps of 5. */
static long long
bar_width(long long tenths)
{
	long long	 w = (tenths + BAR_STEP * 5) / (BAR_STEP * 10) * BAR_STEP;

	return w < 0 ? 0 : w > 100 ? 100 : w;
}

/* One row of a table on the page: its labels and figures for people. */
static json_t *
page_row(struct arena *a, const PGresult *res, int i)
{
	long long	 gross = db_int(res, i, R_GROSS);
	long long	 refunded = db_int(res, i, R_REFUNDED);
	long long	 occ = occupancy(res, i);
	json_t		*row = json_object();
	int		 c;

	for (c = R_DAY; c <= R_AUDITORIUM; c++)
		if (db_val(res, i, c) != NULL)
			json_object_set_new(row, PQfname(res, c),
			    json_string(db_val(res, i, c)));
	json_object_set_new(row, "figures", json_pack("{s:s,s:s,s:s,s:s,s:s,"
	    "s:s,s:s,s:s,s:s,s:b}", "bookings", db_val(res, i, R_BOOKINGS),
	    "tickets", db_val(res, i, R_TICKETS), "gross", view_money(a, gross,
	    NULL), "refunds", db_val(res, i, R_REFUNDS), "refunded",
	    view_money(a, refunded, NULL), "revenue", view_money(a,
	    gross - refunded, NULL), "capacity", db_val(res, i, R_CAPACITY),
	    "occupancy", percent(a, occ), "bar", arena_printf(a, "w%lld",
	    bar_width(occ)), "has_occupancy", occ >= 0));
	return row;
}

/* The page's tables: {"day": [...], ..., "total": {...}}. */
static json_t *
page_tables(struct arena *a, const PGresult *res, int *cut)
{
	json_t		*out = json_object(), *list;
	size_t		 i;
	int		 n;

	for (i = 0; tables[i] != NULL; i++)
		json_object_set_new(out, tables[i], json_array());
	*cut = 0;
	for (n = 0; n < PQntuples(res); n++) {
		const char	*kind = db_val(res, n, R_KIND);

		if (strcmp(kind, "total") == 0) {
			json_object_set_new(out, "total", page_row(a, res, n));
			continue;
		}
		list = json_object_get(out, kind);
		if (strcmp(kind, "showtime") == 0 &&
		    json_array_size(list) >= SHOWTIME_ROWS_MAX)
			*cut = 1;
		else
			json_array_append_new(list, page_row(a, res, n));
	}
	for (i = 0; tables[i] != NULL; i++)
		json_object_set_new(out, arena_printf(a, "%s_any", tables[i]),
		    json_boolean(json_array_size(json_object_get(out,
		    tables[i])) > 0));
	return out;
}

/* Whether a spreadsheet would take text starting like v for a formula. */
static int
formula_like(const char *v)
{
	return *v != '\0' && strchr("=+-@\t\r", *v) != NULL;
}

void
csv_cell(struct buf *out, const char *v, int first)
{
	const char	*p;

	if (!first)
		buf_addc(out, ',');
	if (v == NULL)
		return;
	if (strpbrk(v, "\",\r\n") == NULL && !formula_like(v)) {
		buf_adds(out, v);
		return;
	}
	buf_addc(out, '"');
	if (formula_like(v))
		buf_addc(out, '\'');
	for (p = v; *p != '\0'; p++) {
		if (*p == '"')
			buf_addc(out, '"');
		buf_addc(out, *p);
	}
	buf_addc(out, '"');
}

/* The CSV of one table (RFC 4180: CRLF line ends, a heading row). */
static void
csv_table(struct arena *a, struct buf *out, const struct table *t,
    const PGresult *res)
{
	long long	 gross, refunded;
	size_t		 c;
	int		 i;

	for (c = 0; c < t->nlead; c++)
		csv_cell(out, t->heads[c], c == 0);
	for (c = 0; figure_heads[c] != NULL; c++)
		csv_cell(out, figure_heads[c], 0);
	buf_adds(out, "\r\n");
	for (i = 0; i < PQntuples(res); i++) {
		if (strcmp(db_val(res, i, R_KIND), t->name) != 0)
			continue;
		gross = db_int(res, i, R_GROSS);
		refunded = db_int(res, i, R_REFUNDED);
		for (c = 0; c < t->nlead; c++)
			csv_cell(out, db_val(res, i, t->lead[c]), c == 0);
		csv_cell(out, db_val(res, i, R_BOOKINGS), 0);
		csv_cell(out, db_val(res, i, R_TICKETS), 0);
		csv_cell(out, plain_money(a, gross), 0);
		csv_cell(out, db_val(res, i, R_REFUNDS), 0);
		csv_cell(out, plain_money(a, refunded), 0);
		csv_cell(out, plain_money(a, gross - refunded), 0);
		csv_cell(out, db_val(res, i, R_CAPACITY), 0);
		csv_cell(out, percent(a, occupancy(res, i)), 0);
		buf_adds(out, "\r\n");
	}
}

static const struct table *
table_named(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(table_defs) / sizeof(table_defs[0]); i++)
		if (name != NULL && strcmp(table_defs[i].name, name) == 0)
			return &table_defs[i];
	return &table_defs[0];
}

/* Answers with one table as a CSV download. */
static void
reply_csv(struct request *r, const PGresult *res, const char *from,
    const char *to)
{
	const struct table	*t = table_named(in_str(r, "table"));
	struct buf		 out = BUF_INIT;

	csv_table(r->a, &out, t, res);
	resp_text(r, 200, "text/csv; charset=utf-8", out.data ? out.data : "",
	    out.len);
	buf_free(&out);
	resp_header(r, "Content-Disposition", arena_printf(r->a, "attachment; "
	    "filename=\"marquee-sales-by-%s-%s-to-%s.csv\"", t->name, from,
	    to));
	resp_header(r, "Cache-Control", "no-store");
}

/*
 * The date range asked for (default: the last 30 days up to today) into
 * *from and *to.  Returns 0; 1 with *problem, a sentence saying what is
 * wrong with it; or -1 when the database failed.
 */
static int
date_range(struct request *r, const char **from, const char **to,
    const char **problem)
{
	PGresult	*res;

	*problem = NULL;
	if (r->in_errors != NULL)
		*problem = "Dates are written like 2026-12-05.";
	if (*problem != NULL)
		return 1;
	res = db_q(r->a, "SELECT coalesce($2::date, current_date), "
	    "coalesce($1::date, coalesce($2::date, current_date) - $3::int), "
	    "coalesce($1::date, coalesce($2::date, current_date) - $3::int) "
	    "  <= coalesce($2::date, current_date), "
	    "coalesce($2::date, current_date) - coalesce($1::date, "
	    "  coalesce($2::date, current_date) - $3::int) < $4::int", 4,
	    in_str(r, "from"), in_str(r, "to"), arena_printf(r->a, "%d",
	    RANGE_DEFAULT_DAYS - 1), arena_printf(r->a, "%d", RANGE_MAX_DAYS));
	if (res == NULL)
		return -1;
	*to = db_val(res, 0, 0);
	*from = db_val(res, 0, 1);
	if (!db_bool(res, 0, 2))
		*problem = "The first day comes after the last day.";
	else if (!db_bool(res, 0, 3))
		*problem = "A report covers at most 366 days.";
	return *problem != NULL;
}

/* Renders the page without figures, explaining what is wrong. */
static void
render_problem(struct request *r, const char *problem)
{
	admin_page(r, 400, "admin/reports", json_pack("{s:s,s:s,s:s}",
	    "problem", problem, "from", in_has(r, "from") ? in_str(r, "from") :
	    "", "to", in_has(r, "to") ? in_str(r, "to") : ""));
}

/* GET /admin/reports?from=&to=&format=csv&table= */
void
admin_reports(struct request *r)
{
	const char	*from = NULL, *to = NULL, *problem;
	PGresult	*res;
	json_t		*ctx;
	int		 cut;

	switch (date_range(r, &from, &to, &problem)) {
	case 0:
		break;
	case 1:
		render_problem(r, problem);
		return;
	default:
		db_fail_reply(r, DB_ERROR);
		return;
	}
	if ((res = report_rows(r->a, from, to)) == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	if (in_str(r, "format") != NULL && strcmp(in_str(r, "format"),
	    "csv") == 0) {
		reply_csv(r, res, from, to);
		return;
	}
	ctx = json_pack("{s:o,s:s,s:s}", "tables", page_tables(r->a, res, &cut),
	    "from", from, "to", to);
	json_object_set_new(ctx, "cut", json_boolean(cut));
	json_object_set_new(ctx, "csv", json_string(arena_printf(r->a,
	    "/admin/reports?from=%s&to=%s&format=csv&table=", from, to)));
	admin_page(r, 200, "admin/reports", ctx);
}
