/*
 * validate: declared, typed input.
 *
 * A handler declares the fields it accepts as a table of struct field
 * (ended by an entry whose name is NULL).  validate_json() and
 * validate_form() check a JSON object or a parsed query/form against
 * it and give back a JSON object of typed, normalised values plus a
 * field -> message object for the 400 invalid_input answer
 * ("details": {"fields": errors}).  Fields nobody declared are dropped.
 *
 *	static const char *const ratings[] = { "G", "PG", "PG-13", NULL };
 *	static const struct field add_movie[] = {
 *		{ "title", FT_STRING, 1, 0, 0, NULL, NULL },
 *		{ "duration_minutes", FT_INT, 1, 1, 600, NULL, NULL },
 *		{ "content_rating", FT_ENUM, 1, 0, 0, ratings, NULL },
 *		{ NULL, 0, 0, 0, 0, NULL, NULL }
 *	};
 *
 * The v_*() validators check one value each and can be used alone.
 */
#ifndef MARQUEE_VALIDATE_H
#define MARQUEE_VALIDATE_H

#include <jansson.h>

#include "parse.h"

struct arena;

enum ftype {
	FT_STRING,		/* one line, trimmed */
	FT_TEXT,		/* multi-line, trimmed, CR LF -> LF */
	FT_INT,
	FT_BOOL,
	FT_EMAIL,
	FT_PASSWORD,		/* as given, never trimmed */
	FT_SLUG,
	FT_DATE,		/* YYYY-MM-DD */
	FT_TIMESTAMP,		/* RFC 3339 with offset -> UTC */
	FT_LOCAL_DATETIME,	/* HTML datetime-local */
	FT_TIMEZONE,		/* IANA name */
	FT_SEAT,		/* C7, AA12 */
	FT_ENUM,
	FT_URL,
	FT_MEDIA_URL,		/* FT_URL, or a path of this site's /static/ */
	FT_OBJECT,
	FT_ARRAY,
	FT_ID,			/* positive int64 */
	FT_MONEY,		/* non-negative minor units */
	FT_CODE,		/* promo or gift-card code */
	FT_TYPE__MAX
};

/*
 * min and max: for FT_INT, FT_MONEY and FT_ID the value range (both 0:
 * the type's own range); for FT_STRING, FT_TEXT and FT_PASSWORD the
 * length in code points, and for FT_ARRAY the number of items (either
 * one 0: that bound's default).  Defaults: FT_STRING 1..200 (0..200
 * when optional), FT_TEXT max 5000, FT_PASSWORD 10..1024, FT_ARRAY
 * 0..100.  For FT_INT, a one-sided range is written with LLONG_MIN or
 * LLONG_MAX as the open end.
 *
 * Absent values: a missing key, JSON null, and text that is empty after
 * trimming are all "absent" ("is required" when required, else left out
 * of values), with two exceptions: an optional FT_STRING or FT_TEXT
 * given as "" is kept as "" (so a client can clear it), and an absent
 * optional FT_BOOL in a form is false.
 */
struct field {
	const char		*name;
	enum ftype		 type;
	int			 required;
	long long		 min, max;
	const char *const	*choices;	/* FT_ENUM: NULL-terminated */
	const struct field	*sub;		/* FT_OBJECT: its fields;
						   FT_ARRAY: the item */
};

#define VALIDATE_STRING_MAX	200
#define VALIDATE_TEXT_MAX	5000
#define VALIDATE_PASSWORD_MIN	10
#define VALIDATE_PASSWORD_MAX	1024
#define VALIDATE_ARRAY_MAX	100

/* Both objects are owned by the arena (released at its reset). */
struct vresult {
	json_t	*values;
	json_t	*errors;
};

/*
 * Validates obj (NULL is taken as {}) against fields.  Error keys are
 * paths: "email", "card.number", "seats[2]", "showtimes[0].starts_at";
 * an obj that is not an object gives the error key "".  Returns 0 when
 * errors is empty, else -1.
 */
int	 validate_json(struct arena *, const struct field *fields, json_t *obj,
	    struct vresult *);
/*
 * The same for a parsed query or form, where every value is a string:
 * numbers and booleans are parsed from text, an FT_ARRAY is a repeated
 * key (of scalars only: a list of objects cannot come from a form), an
 * FT_OBJECT's fields are keys "card.number", a repeated key for any
 * other field counts once (the first), and an absent optional FT_BOOL
 * (an unticked checkbox) is false.  A NULL list is taken as empty.
 */
int	 validate_form(struct arena *, const struct field *fields,
	    const struct kvlist *, struct vresult *);

/* Typed reads of a validated result; defaults when the field is absent. */
int		 vresult_has(const struct vresult *, const char *name);
const char	*vresult_str(const struct vresult *, const char *name);
long long	 vresult_int(const struct vresult *, const char *name);
int		 vresult_bool(const struct vresult *, const char *name);

/*
 * Single-value validators.  Each takes a NUL-terminated string, ignores
 * surrounding white space, and returns NULL with *out set to the
 * normalised value (in the arena), or a message for a person.
 */
const char	*v_email(struct arena *, const char *in, const char **out);
const char	*v_slug(struct arena *, const char *in, const char **out);
const char	*v_date(struct arena *, const char *in, const char **out);
const char	*v_timestamp(struct arena *, const char *in, const char **out);
const char	*v_local_datetime(struct arena *, const char *in,
		    const char **out);
const char	*v_timezone(struct arena *, const char *in, const char **out);
const char	*v_seat(struct arena *, const char *in, const char **out);
const char	*v_url(struct arena *, const char *in, const char **out);
const char	*v_media_url(struct arena *, const char *in, const char **out);
/* 1 when s is a plain path of this site's static files ("/static/..."):
 * letters, digits and "-._/", no "..", no "//", at most 2000 bytes. */
int		 site_static_path(const char *s);
const char	*v_code(struct arena *, const char *in, const char **out);

/* 1 when digits (2 or more, nothing but 0-9) pass the Luhn check. */
int		 luhn_valid(const char *digits);

#endif
