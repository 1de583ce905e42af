/*
 * The single-value validators declared in validate.h: pure functions of
 * their input (v_timezone also looks at the zoneinfo files).
 */
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "validate.h"

#ifndef ZONEINFO_DIR
#define ZONEINFO_DIR	"/usr/share/zoneinfo"
#endif

#define EMAIL_MAX	254
#define EMAIL_LOCAL_MAX	64
#define DNS_LABEL_MAX	63
#define SLUG_MAX	80
#define TZ_NAME_MAX	64
#define SEAT_NUMBER_MAX	100
#define URL_MAX		2000
#define CODE_MIN	4
#define CODE_MAX	32

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\f' || c == '\v';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_alnum(char c)
{
	return is_digit(c) || is_alpha(c);
}

static char
to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static char
to_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* Copies in without surrounding white space into the arena; *len gets its length. */
static char *
trimmed(struct arena *a, const char *in, size_t *len)
{
	size_t	 n;

	while (is_space(*in))
		in++;
	n = strlen(in);
	while (n > 0 && is_space(in[n - 1]))
		n--;
	*len = n;
	return arena_strndup(a, in, n);
}

/* The characters RFC 5322 allows in an unquoted local part, dots aside. */
static int
is_atext(char c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int
email_local_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > EMAIL_LOCAL_MAX || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.' && s[i + 1] == '.')
			return 0;
		if (s[i] != '.' && !is_atext(s[i]))
			return 0;
	}
	return 1;
}

/*
 * Takes a host name s[0..n); returns 1 when it has two or more labels
 * of letters, digits and inner hyphens and a top-level label that is
 * not all digits.
 */
static int
hostname_ok(const char *s, size_t n)
{
	size_t	 i, start = 0, labels = 0;
	int	 alldigits = 1;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!is_alnum(s[i]) && s[i] != '-')
				return 0;
			alldigits &= is_digit(s[i]);
			continue;
		}
		if (i == start || i - start > DNS_LABEL_MAX ||
		    s[start] == '-' || s[i - 1] == '-')
			return 0;
		labels++;
		if (i < n)
			alldigits = 1;
		start = i + 1;
	}
	return labels >= 2 && !alldigits;
}

const char *
v_email(struct arena *a, const char *in, const char **out)
{
	static const char msg[] = "must be a valid e-mail address";
	size_t	 n, i;
	char	*s = trimmed(a, in, &n);
	char	*at = strchr(s, '@');

	if (n == 0 || n > EMAIL_MAX || at == NULL || strchr(at + 1, '@'))
		return msg;
	if (!email_local_ok(s, (size_t)(at - s)) ||
	    !hostname_ok(at + 1, strlen(at + 1)))
		return msg;
	for (i = (size_t)(at - s) + 1; i < n; i++)
		s[i] = to_lower(s[i]);
	*out = s;
	return NULL;
}

const char *
v_slug(struct arena *a, const char *in, const char **out)
{
	static const char msg[] =
	    "must be lowercase letters, digits and single hyphens";
	size_t	 n, i;
	char	*s = trimmed(a, in, &n);

	if (n == 0 || n > SLUG_MAX)
		return n == 0 ? msg : "must be at most 80 characters";
	for (i = 0; i < n; i++) {
		if (is_digit(s[i]) || (s[i] >= 'a' && s[i] <= 'z'))
			continue;
		if (s[i] != '-' || i == 0 || i == n - 1 || s[i + 1] == '-')
			return msg;
	}
	*out = s;
	return NULL;
}

/*
 * Takes a trimmed time zone name; returns 1 when its shape is that of an
 * IANA name and it is not one of the aliases and copies that
 * PostgreSQL does not know.
 */
static int
tz_name_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > TZ_NAME_MAX || s[0] == '/' || s[n - 1] == '/' ||
	    strstr(s, "//") != NULL || strstr(s, "..") != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_alnum(s[i]) && strchr("/_-+", s[i]) == NULL)
			return 0;
	if (strncmp(s, "posix/", 6) == 0 || strncmp(s, "right/", 6) == 0)
		return 0;
	return strcmp(s, "localtime") != 0 && strcmp(s, "posixrules") != 0;
}

/* Returns 1 when the zoneinfo file for name exists and is a TZif file. */
static int
tz_file_ok(const char *name)
{
	char	 path[sizeof(ZONEINFO_DIR) + TZ_NAME_MAX + 2];
	char	 magic[4];
	FILE	*f;
	int	 ok;

	snprintf(path, sizeof(path), "%s/%s", ZONEINFO_DIR, name);
	if ((f = fopen(path, "rb")) == NULL)
		return 0;
	ok = fread(magic, 1, sizeof(magic), f) == sizeof(magic) &&
	    memcmp(magic, "TZif", sizeof(magic)) == 0;
	fclose(f);
	return ok;
}

const char *
v_timezone(struct arena *a, const char *in, const char **out)
{
	size_t	 n;
	char	*s = trimmed(a, in, &n);

	if (!tz_name_ok(s, n) || !tz_file_ok(s))
		return "must be a time zone such as America/New_York";
	*out = s;
	return NULL;
}

const char *
v_seat(struct arena *a, const char *in, const char **out)
{
	static const char msg[] = "must be a seat such as C7";
	size_t	 n, i, letters;
	char	*s = trimmed(a, in, &n);
	int	 num = 0;

	for (letters = 0; letters < n && is_alpha(s[letters]); letters++)
		s[letters] = to_upper(s[letters]);
	if (letters < 1 || letters > 2 || letters == n || s[letters] == '0')
		return msg;
	for (i = letters; i < n; i++) {
		if (!is_digit(s[i]) || num > SEAT_NUMBER_MAX)
			return msg;
		num = num * 10 + (s[i] - '0');
	}
	if (num > SEAT_NUMBER_MAX)
		return msg;
	*out = s;
	return NULL;
}

/*
 * Checks the authority s[0..n) of an http(s) URL (host, optional port,
 * no user info) and lower-cases the host in place.  Returns 1 if good.
 */
static int
url_authority_ok(char *s, size_t n)
{
	size_t	 i, host;
	long	 port = 0;

	if (n > 0 && s[0] == '[') {
		for (host = 1; host < n && s[host] != ']'; host++)
			if (!is_alnum(s[host]) && s[host] != ':' && s[host] != '.')
				return 0;
		if (host == n || host == 1)
			return 0;
		host++;
	} else {
		for (host = 0; host < n && s[host] != ':'; host++)
			if (!is_alnum(s[host]) && s[host] != '-' && s[host] != '.')
				return 0;
		if (host == 0 || s[0] == '.' || s[0] == '-')
			return 0;
	}
	for (i = 0; i < host; i++)
		s[i] = to_lower(s[i]);
	if (host == n)
		return 1;
	if (s[host] != ':' || host + 1 == n || n - host > 6)
		return 0;
	for (i = host + 1; i < n; i++) {
		if (!is_digit(s[i]))
			return 0;
		port = port * 10 + (s[i] - '0');
	}
	return port >= 1 && port <= 65535;
}

const char *
v_url(struct arena *a, const char *in, const char **out)
{
	static const char msg[] =
	    "must be a web address starting with http:// or https://";
	size_t	 n, i, start, end;
	char	*s = trimmed(a, in, &n);

	if (n > URL_MAX)
		return "must be at most 2000 characters";
	for (i = 0; i < n && s[i] != ':'; i++)
		s[i] = to_lower(s[i]);
	if (strncmp(s, "http://", 7) == 0)
		start = 7;
	else if (strncmp(s, "https://", 8) == 0)
		start = 8;
	else
		return msg;
	for (i = start; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ||
		    strchr("\"<>\\^`{|}", s[i]) != NULL)
			return msg;
	end = start + strcspn(s + start, "/?#");
	if (!url_authority_ok(s + start, end - start))
		return msg;
	*out = s;
	return NULL;
}

int
site_static_path(const char *s)
{
	static const char	 prefix[] = "/static/";
	size_t			 n = strlen(s), i;

	if (n > URL_MAX || n <= sizeof(prefix) - 1 ||
	    strncmp(s, prefix, sizeof(prefix) - 1) != 0 ||
	    strstr(s, "..") != NULL || strstr(s, "//") != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_alnum(s[i]) && strchr("-._/", s[i]) == NULL)
			return 0;
	return 1;
}

const char *
v_media_url(struct arena *a, const char *in, const char **out)
{
	size_t	 n;
	char	*s = trimmed(a, in, &n);

	if (site_static_path(s)) {
		*out = s;
		return NULL;
	}
	if (v_url(a, in, out) != NULL)
		return "must be a web address starting with http:// or "
		    "https://, or the /static/ path of an uploaded file";
	return NULL;
}

const char *
v_code(struct arena *a, const char *in, const char **out)
{
	size_t	 n, i;
	char	*s = trimmed(a, in, &n);

	if (n < CODE_MIN || n > CODE_MAX)
		return "must be 4 to 32 letters and digits";
	for (i = 0; i < n; i++) {
		if (!is_alnum(s[i]))
			return "must be 4 to 32 letters and digits";
		s[i] = to_upper(s[i]);
	}
	*out = s;
	return NULL;
}

/* A calendar date and time of day, as read from text. */
struct datetime {
	int	 y, mo, d, h, mi, s;
};

/* Reads exactly n digits at p into *v; returns 1 on success. */
static int
read_digits(const char *p, int n, int *v)
{
	int	 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return 0;
		*v = *v * 10 + (p[i] - '0');
	}
	return 1;
}

static int
days_in_month(int y, int m)
{
	static const int days[12] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int	 leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* Reads "YYYY-MM-DD" at p into t; returns 1 for a real date in years 1..9999. */
static int
read_date(const char *p, struct datetime *t)
{
	if (!read_digits(p, 4, &t->y) || p[4] != '-' ||
	    !read_digits(p + 5, 2, &t->mo) || p[7] != '-' ||
	    !read_digits(p + 8, 2, &t->d))
		return 0;
	return t->y >= 1 && t->mo >= 1 && t->mo <= 12 && t->d >= 1 &&
	    t->d <= days_in_month(t->y, t->mo);
}

/*
 * Reads "HH:MM" and, when present (or when need_secs), ":SS" and an
 * optional fraction, which is dropped, at *pp.  Advances *pp past them;
 * returns 1 for a valid time of day (no leap seconds).
 */
static int
read_time(const char **pp, struct datetime *t, int need_secs)
{
	const char	*p = *pp;

	t->s = 0;
	if (!read_digits(p, 2, &t->h) || p[2] != ':' ||
	    !read_digits(p + 3, 2, &t->mi))
		return 0;
	p += 5;
	if (*p == ':' || need_secs) {
		if (*p != ':' || !read_digits(p + 1, 2, &t->s))
			return 0;
		p += 3;
		if (*p == '.' && is_digit(p[1]))
			for (p++; is_digit(*p); p++)
				continue;
	}
	*pp = p;
	return t->h <= 23 && t->mi <= 59 && t->s <= 59;
}

/* Reads a date, a 'T' (or 't' or ' ') and a time at p; returns the rest. */
static const char *
read_datetime(const char *p, struct datetime *t, int need_secs)
{
	if (!read_date(p, t) || (p[10] != 'T' && p[10] != 't' && p[10] != ' '))
		return NULL;
	p += 11;
	return read_time(&p, t, need_secs) ? p : NULL;
}

/* Days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian). */
static long long
days_from_civil(int y, int m, int d)
{
	long long	 era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153LL * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* The inverse of days_from_civil(). */
static void
civil_from_days(long long z, struct datetime *t)
{
	long long	 era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	t->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	t->mo = (int)(mp < 10 ? mp + 3 : mp - 9);
	t->y = (int)(yoe + era * 400 + (t->mo <= 2));
}

/*
 * Reads an RFC 3339 offset ("Z", "+05:30", "-05:00") that must end the
 * string; *mins gets it in minutes east of UTC.  Returns 1 if good.
 */
static int
read_offset(const char *p, int *mins)
{
	int	 h, m;

	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*mins = 0;
		return 1;
	}
	if ((*p != '+' && *p != '-') || !read_digits(p + 1, 2, &h) ||
	    p[3] != ':' || !read_digits(p + 4, 2, &m) || p[6] != '\0' ||
	    h > 23 || m > 59)
		return 0;
	*mins = (*p == '-' ? -1 : 1) * (h * 60 + m);
	return 1;
}

const char *
v_timestamp(struct arena *a, const char *in, const char **out)
{
	static const char msg[] =
	    "must be a date and time such as 2026-12-05T19:30:00Z";
	struct datetime	 t;
	const char	*rest;
	long long	 secs, days;
	size_t		 n;
	int		 off;

	if ((rest = read_datetime(trimmed(a, in, &n), &t, 1)) == NULL)
		return msg;
	if (*rest == '\0')
		return "must include a time zone offset, such as Z or -05:00";
	if (!read_offset(rest, &off))
		return msg;
	secs = days_from_civil(t.y, t.mo, t.d) * 86400 + t.h * 3600 +
	    t.mi * 60 + t.s - off * 60;
	days = (secs >= 0 ? secs : secs - 86399) / 86400;
	secs -= days * 86400;
	civil_from_days(days, &t);
	if (t.y < 1 || t.y > 9999)
		return msg;
	*out = arena_printf(a, "%04d-%02d-%02dT%02d:%02d:%02dZ", t.y, t.mo,
	    t.d, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	return NULL;
}

const char *
v_local_datetime(struct arena *a, const char *in, const char **out)
{
	struct datetime	 t;
	const char	*rest;
	size_t		 n;

	rest = read_datetime(trimmed(a, in, &n), &t, 0);
	if (rest != NULL && *rest != '\0' && strchr("Zz+-", *rest) != NULL)
		return "must be a local time, without a time zone offset";
	if (rest == NULL || *rest != '\0')
		return "must be a date and time such as 2026-12-05T19:30";
	*out = arena_printf(a, "%04d-%02d-%02d %02d:%02d:%02d", t.y, t.mo,
	    t.d, t.h, t.mi, t.s);
	return NULL;
}

const char *
v_date(struct arena *a, const char *in, const char **out)
{
	struct datetime	 t;
	size_t		 n;
	char		*s = trimmed(a, in, &n);

	if (n != 10 || !read_date(s, &t))
		return "must be a date such as 2026-12-05";
	*out = s;
	return NULL;
}

int
luhn_valid(const char *digits)
{
	size_t	 n = strlen(digits), i;
	int	 sum = 0, d;

	if (n < 2)
		return 0;
	for (i = 0; i < n; i++) {
		if (!is_digit(digits[n - 1 - i]))
			return 0;
		d = digits[n - 1 - i] - '0';
		if (i % 2 == 1 && (d *= 2) > 9)
			d -= 9;
		sum += d;
	}
	return sum % 10 == 0;
}
