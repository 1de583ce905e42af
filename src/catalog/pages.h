/*
 * The catalog's HTML pages: the customer pages (search, a movie, a
 * theatre) and the admin pages for movies, theatres and showtimes.
 *
 * Page handlers read declared, validated fields, call the same domain
 * functions as the JSON handlers (movies_*, theatres_*, showtimes_*,
 * catalog_*), and hand a context to a template; they hold no markup and
 * no business rules.  The helpers in pages_util.c shape values for
 * people (times, prices, seat maps) and keep what a form's user typed.
 */
#ifndef MARQUEE_CATALOG_PAGES_H
#define MARQUEE_CATALOG_PAGES_H

#include <stdint.h>

#include <jansson.h>

#include "core/validate.h"

struct arena;
struct request;

/* pages.c: customer pages. */
void	 catalog_page_search(struct request *);
void	 catalog_page_movie(struct request *);
void	 catalog_page_theatre(struct request *);

extern const struct field catalog_day_query[];

/* admin_movies.c */
void	 admin_movies_list(struct request *);
void	 admin_movies_new(struct request *);
void	 admin_movies_create(struct request *);
void	 admin_movies_edit(struct request *);
void	 admin_movies_update(struct request *);
void	 admin_movies_remove(struct request *);

extern const struct field admin_movies_query[];
extern const struct field admin_movie_form[];

/* uploads.c: poster images and trailer videos of the admin movie form. */
enum upload_kind {
	UPLOAD_POSTER,		/* JPEG, PNG or WebP, up to 4 MB */
	UPLOAD_TRAILER		/* MP4 or WebM, up to 50 MB */
};
enum upload_result {
	UPLOAD_NONE,		/* no file chosen */
	UPLOAD_STORED,		/* *url: its address under /static/uploads/ */
	UPLOAD_REJECTED,	/* *msg: why, for beside the field */
	UPLOAD_FAILED		/* not stored (disk trouble, logged): 500 */
};
/*
 * The file posted as file part field, of the kind by its content and
 * within its size, stored once as <sha256>.<ext> in the kind's folder
 * under upload_dir ("posters", "trailers").
 */
enum upload_result uploads_store(struct request *, const char *field,
	    enum upload_kind, const char **url, const char **msg);
/* Whether url is the address of an uploaded trailer video. */
int	 uploads_trailer_file(const char *url);

/* admin_theatres.c */
void	 admin_theatres_list(struct request *);
void	 admin_theatres_new(struct request *);
void	 admin_theatres_create(struct request *);
void	 admin_theatres_edit(struct request *);
void	 admin_theatres_update(struct request *);
void	 admin_theatres_remove(struct request *);

extern const struct field admin_theatres_query[];
extern const struct field admin_theatre_form[];

/* admin_auditoriums.c: the auditorium slots of the theatre form. */
#define AUD_SLOTS_MAX	51	/* the API's 50 auditoriums and an empty slot */

/* Slot i holding name and layout text; t: the stored theatre or NULL. */
json_t	*slots_new(struct arena *, size_t i, const char *name,
	    const char *layout, json_t *t);
/* The stored auditoriums of t (NULL: none) as slots, and an empty one. */
json_t	*slots_stored(struct arena *, json_t *t);
/* The submitted slots; moves the aud_* errors of errors beside them. */
json_t	*slots_posted(struct request *, json_t *t, json_t *errors);
/*
 * The "auditoriums" list of theatre_add_fields from the slots (empty and
 * removed ones left out, each with its "slot" index), after checking
 * names and layouts; NULL when a slot got an error.
 */
json_t	*slots_auditoriums(struct arena *, json_t *slots);
/* Sets a slot's a_name_error or a_layout_error unless it has one. */
void	 slots_error(json_t *slot, const char *which, const char *msg);
/* The slot that holds the auditorium called name, or NULL. */
json_t	*slots_named(json_t *slots, const char *name);

/* admin_showtimes.c: a theatre's day. */
void	 admin_showtimes_day(struct request *);

extern const struct field admin_showtimes_query[];

/*
 * What the day page shows besides the day itself: the scheduling forms
 * as typed ({"form", "errors"}, NULL for the defaults) and one
 * showtime's change form with its errors.
 */
struct day_view {
	json_t		*theatre;	/* theatre_json() */
	const char	*date;		/* local YYYY-MM-DD; NULL: today */
	json_t		*one, *bulk;
	int64_t		 row;		/* the showtime whose form failed */
	json_t		*row_form, *row_errors;
	const char	*problem;	/* a sentence above everything */
};
/* Renders the day page; steals every json_t of v. */
void	 admin_showtimes_render(struct request *, int status,
	    struct day_view *v);
/* The theatre of a posted hidden "theatre" field, or NULL after a reply. */
json_t	*admin_showtimes_theatre_or_reply(struct request *, int64_t id);

/* admin_showtime_edit.c: changing and cancelling one showtime. */
void	 admin_showtimes_edit(struct request *);
void	 admin_showtimes_cancel(struct request *);

extern const struct field admin_showtime_edit_form[];

/* admin_schedule.c: scheduling one showtime, or many at once. */
void	 admin_showtimes_schedule(struct request *);
void	 admin_showtimes_bulk(struct request *);

extern const struct field admin_showtime_one_form[];
extern const struct field admin_showtime_bulk_form[];

/* pages_util.c */

/* What was typed into the form for each key of keys (NULL-ended). */
json_t	*page_form_values(struct request *, const char *const *keys);
/* The validation errors of the request (field -> message), a copy. */
json_t	*page_form_errors(struct request *);
/* [{value, label, selected}] for a <select>; labels may be NULL. */
json_t	*page_options(const char *const *values, const char *const *labels,
	    const char *selected);
/* "2:30 PM" from an RFC 3339 local time "2026-12-05T14:30:00-05:00". */
char	*page_clock(struct arena *, const char *rfc3339_local);
/*
 * The showtime a 409 auditorium_busy's details name, for a person:
 * "\"Title\" at 5:15 PM in Auditorium 2"; NULL when they name none.
 */
const char *page_clash_with(struct arena *, json_t *details);
/*
 * Reads dollars and cents ("12.50", "12", "$12.5") into *cents.
 * Returns NULL, or a message for a person.
 */
const char *page_parse_money(const char *, json_int_t *cents);
/* Reads "14:30" (or "14:30:00") into "14:30"; NULL when it is not. */
const char *page_parse_clock(struct arena *, const char *);
/* Row labels A..Z, AA, AB, ... for row i (0 = the front row). */
char	*page_row_label(struct arena *, size_t i);
/*
 * A seat map for people: {"rows": [{"label", "cells": [{"kind"}]}],
 * "columns"}, from layout rows (a JSON array of strings).
 */
json_t	*page_seat_map(struct arena *, json_t *layout);
/* Adds the showtime's labels for people: time, price, seats left. */
void	 page_showtime_labels(struct arena *, json_t *showtime);
/* A movie shaped for partials/movie_card: genres as text, average
 * rating with one decimal. */
void	 page_movie_card(struct arena *, json_t *movie, json_t *genre_names);
/* {"average": "4.3", "count": 12, "any": true} for a person. */
json_t	*page_rating(json_t *movie);

#endif
