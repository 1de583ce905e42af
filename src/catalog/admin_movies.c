/*
 * Admin pages for movies: the list, the add and edit forms, removal.
 *
 * The form is flat (genres as comma-separated text, cast as one
 * "Name — Role" per line); the handlers turn it into the object of
 * movie_add_fields / movie_update_fields, check it with the same table
 * as the API, and call movies_create/update/remove, which write the
 * audit log.  Errors are shown beside their fields with what was typed.
 *
 * The add and edit forms are multipart (RF_UPLOAD routes): a poster
 * image and a trailer video may be uploaded instead of typing their
 * addresses, and a file wins over an address.  Either address is an
 * http(s) URL or a path of the site's own static files (an uploaded
 * file's, or the demo's).
 */
#include <ctype.h>
#include <string.h>

#include "admin/admin.h"
#include "catalog/catalog.h"
#include "catalog/movies.h"
#include "catalog/pages.h"
#include "core/request.h"
#include "core/util.h"
#include "store/db.h"

#define GENRES_MAX	20
#define CAST_MAX	50
#define CAST_NAME_MAX	200
#define LIST_LIMIT	50

static const char *const ratings[] = {
	"G", "PG", "PG-13", "R", "NC-17", "NR", NULL
};
static const char *const saved_values[] = {
	"created", "updated", "removed", NULL
};
static const char *const form_keys[] = {
	"title", "slug", "synopsis", "genres", "cast", "duration_minutes",
	"release_date", "content_rating", "poster_url", "trailer_url", NULL
};
/* Optional fields a form clears by sending them empty. */
static const char *const clearable[] = { "poster_url", "trailer_url", NULL };
/* The files of the form, each stored or rejected on its own. */
static const struct file_field {
	const char		*field;		/* the file input */
	const char		*address;	/* the address it stands for */
	enum upload_kind	 kind;
	const char		*what;		/* for messages */
} file_fields[] = {
	{ "poster", "poster_url", UPLOAD_POSTER, "poster" },
	{ "trailer", "trailer_url", UPLOAD_TRAILER, "trailer" },
};
#define NFILES	(sizeof(file_fields) / sizeof(file_fields[0]))

/* The addresses of the files stored from this request (NULL: none). */
struct uploaded {
	const char	*url[NFILES];
};

/* Separators of a cast line, tried in this order. */
static const char *const cast_seps[] = {
	"\xe2\x80\x94", "\xe2\x80\x93", " - ", ",", NULL	/* — – */
};

const struct field admin_movies_query[] = {
	{ "q", FT_STRING, 0, 0, 200, NULL, NULL },
	{ "cursor", FT_INT, 0, 0, 1000000000, NULL, NULL },
	{ "saved", FT_ENUM, 0, 0, 0, saved_values, NULL },
	{ "slug", FT_SLUG, 0, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

const struct field admin_movie_form[] = {
	{ "title", FT_STRING, 1, 1, 200, NULL, NULL },
	{ "slug", FT_SLUG, 0, 0, 0, NULL, NULL },
	{ "synopsis", FT_TEXT, 0, 0, 5000, NULL, NULL },
	{ "genres", FT_STRING, 0, 0, 1000, NULL, NULL },
	{ "cast", FT_TEXT, 0, 0, 20000, NULL, NULL },
	{ "duration_minutes", FT_INT, 1, 1, 600, NULL, NULL },
	{ "release_date", FT_DATE, 1, 0, 0, NULL, NULL },
	{ "content_rating", FT_ENUM, 1, 0, 0, ratings, NULL },
	/* An http(s) URL or a /static/ path: checked in address_choice(). */
	{ "poster_url", FT_STRING, 0, 0, 2000, NULL, NULL },
	{ "trailer_url", FT_STRING, 0, 0, 2000, NULL, NULL },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
};

/* s[0..n) without the blanks at either end, in the arena. */
static char *
trimmed(struct arena *a, const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return arena_strndup(a, s, n);
}

/* "Science Fiction" -> "science-fiction": lower case, blanks to hyphens. */
static char *
genre_slug(struct arena *a, const char *s, size_t n)
{
	char	*t = trimmed(a, s, n), *p, *o;

	for (p = o = t; *p != '\0'; p++) {
		if (isspace((unsigned char)*p)) {
			if (o > t && o[-1] != '-')
				*o++ = '-';
			continue;
		}
		*o++ = (char)tolower((unsigned char)*p);
	}
	*o = '\0';
	return t;
}

/* The genres text as a list of slugs; records an error in errors. */
static json_t *
genres_from_text(struct arena *a, const char *text, json_t *errors)
{
	json_t		*out = json_array(), *g;
	const char	*p = text ? text : "", *slug;
	char		*item;
	size_t		 n, i;

	for (; *p != '\0'; p += n + (p[n] != '\0')) {
		n = strcspn(p, ",");
		if (*(item = genre_slug(a, p, n)) == '\0')
			continue;
		if (v_slug(a, item, &slug) != NULL) {
			json_object_set_new(errors, "genres", json_string(
			    arena_printf(a, "has \"%s\", which is not a genre "
			    "name: use letters, digits and hyphens, such as "
			    "science-fiction", item)));
			break;
		}
		json_array_foreach(out, i, g)
			if (strcmp(json_string_value(g), slug) == 0)
				break;
		if (i == json_array_size(out))	/* not a repeat */
			json_array_append_new(out, json_string(slug));
	}
	if (json_array_size(out) > GENRES_MAX)
		json_object_set_new(errors, "genres", json_string(
		    "may list at most 20 genres"));
	return out;
}

/* One cast line as {name, role}, or NULL with *msg set. */
static json_t *
cast_line(struct arena *a, const char *line, const char **msg)
{
	const char	*sep = NULL, *name, *role = "";
	size_t		 i;

	for (i = 0; cast_seps[i] != NULL && sep == NULL; i++)
		if ((sep = strstr(line, cast_seps[i])) != NULL) {
			name = trimmed(a, line, (size_t)(sep - line));
			role = trimmed(a, sep + strlen(cast_seps[i]),
			    strlen(sep + strlen(cast_seps[i])));
		}
	if (sep == NULL)
		name = line;
	if (*name == '\0')
		*msg = "has no name before the role";
	else if (utf8_count(name, strlen(name)) > CAST_NAME_MAX ||
	    utf8_count(role, strlen(role)) > CAST_NAME_MAX)
		*msg = "is too long: names and roles have at most 200 characters";
	else
		return json_pack("{s:s,s:s}", "name", name, "role", role);
	return NULL;
}

/* The cast text, one "Name — Role" a line, as [{name, role}]. */
static json_t *
cast_from_text(struct arena *a, const char *text, json_t *errors)
{
	json_t		*out = json_array(), *c;
	const char	*p = text ? text : "", *msg = NULL;
	char		*line;
	size_t		 n;
	int		 lineno = 0;

	for (; *p != '\0'; p += n + (p[n] != '\0')) {
		n = strcspn(p, "\n");
		lineno++;
		if (*(line = trimmed(a, p, n)) == '\0')
			continue;
		if ((c = cast_line(a, line, &msg)) == NULL) {
			json_object_set_new(errors, "cast", json_string(
			    arena_printf(a, "line %d %s", lineno, msg)));
			break;
		}
		json_array_append_new(out, c);
	}
	if (json_array_size(out) > CAST_MAX)
		json_object_set_new(errors, "cast", json_string(
		    "may list at most 50 people"));
	return out;
}

/* "cast[2].name" -> "cast": the form field an API error belongs to. */
static const char *
form_key(struct arena *a, const char *key)
{
	return arena_strndup(a, key, strcspn(key, "[."));
}

/*
 * The files of the form that were chosen: stored, with their addresses
 * in up; a file that is not fitting leaves an error under its input's
 * name in errors.  Returns -1 when one could not be stored (logged),
 * after a 500 answer.
 */
static int
files_or_reply(struct request *r, json_t *errors, struct uploaded *up)
{
	const struct file_field	*ff;
	const char		*msg;
	size_t			 i;

	for (i = 0; i < NFILES; i++) {
		ff = &file_fields[i];
		switch (uploads_store(r, ff->field, ff->kind, &up->url[i],
		    &msg)) {
		case UPLOAD_FAILED:
			resp_error(r, 500, "upload_failed", arena_printf(r->a,
			    "the %s could not be stored; nothing was saved. "
			    "Try again later.", ff->what), NULL);
			return -1;
		case UPLOAD_REJECTED:
			json_object_set_new(errors, ff->field,
			    json_string(msg));
			break;
		case UPLOAD_STORED:		/* the file wins */
			json_object_del(errors, ff->address);
			break;
		case UPLOAD_NONE:
			break;
		}
	}
	return 0;
}

/*
 * The address to store that movie_*_fields (FT_URL) cannot check: the
 * upload's, or a typed /static/ path; NULL when there is none or the
 * typed address is an http(s) URL, which stays in the object.  Records
 * a bad address in errors.
 */
static const char *
address_choice(struct request *r, const struct file_field *ff,
    const char *upload, json_t *errors)
{
	const char	*typed = in_str(r, ff->address), *url, *msg;

	if (upload != NULL)
		return upload;
	if (typed == NULL || *typed == '\0')
		return NULL;
	if (site_static_path(typed))
		return typed;
	if ((msg = v_url(r->a, typed, &url)) != NULL)
		json_object_set_new(errors, ff->address, json_string(
		    arena_printf(r->a, "%s, or the path of an uploaded %s",
		    msg, ff->what)));
	return NULL;
}

/*
 * The movie object for movies_create (creating) or movies_update, from
 * the validated form and the uploaded files; NULL when errors (which
 * holds the validation's own) gained any.  The object is the arena's.
 */
static json_t *
movie_input(struct request *r, int creating, json_t *errors,
    const struct uploaded *up)
{
	struct vresult	 vr;
	json_t		*obj = json_object(), *v;
	const char	*key, *typed, *local[NFILES];
	size_t		 i;

	for (i = 0; form_keys[i] != NULL; i++)
		if ((v = json_object_get(r->in, form_keys[i])) != NULL)
			json_object_set(obj, form_keys[i], v);
	for (i = 0; i < NFILES; i++)
		if ((local[i] = address_choice(r, &file_fields[i], up->url[i],
		    errors)) != NULL)
			json_object_del(obj, file_fields[i].address);
	json_object_set_new(obj, "genres", genres_from_text(r->a,
	    in_str(r, "genres"), errors));
	json_object_set_new(obj, "cast", cast_from_text(r->a,
	    in_str(r, "cast"), errors));
	if (json_object_size(errors) == 0 && validate_json(r->a, creating ?
	    movie_add_fields : movie_update_fields, obj, &vr) != 0)
		json_object_foreach(vr.errors, key, v)
			json_object_set(errors, form_key(r->a, key), v);
	json_decref(obj);
	if (json_object_size(errors) > 0)
		return NULL;
	for (i = 0; !creating && clearable[i] != NULL; i++)
		if ((typed = kv_get(&r->form_kv, clearable[i])) != NULL &&
		    strspn(typed, " \t\r\n") == strlen(typed))
			json_object_set_new(vr.values, clearable[i], json_null());
	for (i = 0; i < NFILES; i++)
		if (local[i] != NULL)
			json_object_set_new(vr.values, file_fields[i].address,
			    json_string(local[i]));
	return vr.values;
}

/*
 * What was typed, for the form shown again; an uploaded file (a file
 * input cannot be refilled) is kept as its address instead, with
 * "poster_kept" or "trailer_kept" set.
 */
static json_t *
form_again(struct request *r, const struct uploaded *up)
{
	json_t	*form = page_form_values(r, form_keys);
	size_t	 i;

	for (i = 0; i < NFILES; i++)
		if (up->url[i] != NULL) {
			json_object_set_new(form, file_fields[i].address,
			    json_string(up->url[i]));
			json_object_set_new(form, arena_printf(r->a, "%s_kept",
			    file_fields[i].field), json_true());
		}
	return form;
}

/* The form's fields filled from a stored movie. */
static json_t *
form_from_movie(struct arena *a, json_t *m)
{
	json_t		*form = json_copy(m), *g, *c;
	const char	*genres = "", *cast = "", *role;
	size_t		 i;

	json_array_foreach(json_object_get(m, "genres"), i, g)
		genres = arena_printf(a, "%s%s%s", genres, i ? ", " : "",
		    json_string_value(g));
	json_array_foreach(json_object_get(m, "cast"), i, c) {
		role = json_string_value(json_object_get(c, "role"));
		cast = arena_printf(a, "%s%s%s%s\n", cast, json_string_value(
		    json_object_get(c, "name")), role && *role ?
		    " \xe2\x80\x94 " : "", role ? role : "");
	}
	json_object_set_new(form, "genres", json_string(genres));
	json_object_set_new(form, "cast", json_string(cast));
	return form;
}

/* Renders the add (movie NULL) or edit form; steals movie, form, errors. */
static void
render_form(struct request *r, int status, json_t *movie, json_t *form,
    json_t *errors, const char *problem)
{
	json_t	*ctx;

	ctx = json_pack("{s:o,s:o,s:o,s:b}", "form", form, "errors", errors,
	    "ratings", page_options(ratings, NULL, json_string_value(
	    json_object_get(form, "content_rating"))), "failed",
	    json_object_size(errors) > 0);
	if (movie != NULL)
		json_object_set_new(ctx, "movie", movie);
	if (problem != NULL)
		json_object_set_new(ctx, "problem", json_string(problem));
	admin_page(r, status, "admin/movie_form", ctx);
}

/* The movie of the {id} capture, or NULL after a 404 or 503 reply. */
static json_t *
movie_or_reply(struct request *r, int64_t *id)
{
	json_t	*m = NULL;

	*id = catalog_movie_ref(r->a, req_capture(r, "id"));
	if (*id == 0)
		resp_error(r, 404, "not_found", "there is no such movie", NULL);
	else if (*id < 0 || (m = catalog_movie_json(r->a, *id)) == NULL)
		db_fail_reply(r, DB_ERROR);
	return m;
}

/*
 * After movies_create/update: to the list with a confirmation, or the
 * form again (409 slug_taken).  Steals movie (may be NULL) and errors.
 */
static void
write_done(struct request *r, int rc, struct movie_write *w, json_t *movie,
    json_t *errors, const char *saved, const struct uploaded *up)
{
	if (rc == DB_OK) {
		catalog_changed(r->a);
		json_decref(movie);
		json_decref(errors);
		resp_redirect(r, 303, arena_printf(r->a, "/admin/movies?saved=%s"
		    "&slug=%s", saved, url_encode(r->a, json_string_value(
		    json_object_get(w->after, "slug")))));
	} else if (rc == DB_ABORT && w->conflict != NULL) {
		json_object_set_new(errors, "slug", json_string("is already "
		    "used by another movie; choose another or leave it empty"));
		render_form(r, 409, movie, form_again(r, up), errors, NULL);
	} else {
		json_decref(movie);
		json_decref(errors);
		db_fail_reply(r, rc);
	}
}

/* GET /admin/movies?q=&cursor=&saved=&slug= */
void
admin_movies_list(struct request *r)
{
	json_t		*in = json_pack("{s:i}", "limit", LIST_LIMIT), *list, *m;
	const char	*q = in_str(r, "q"), *saved = in_str(r, "saved");
	int		 dberr;
	size_t		 i;

	if (q != NULL)
		json_object_set_new(in, "q", json_string(q));
	if (in_has(r, "cursor"))
		json_object_set_new(in, "cursor", json_integer(in_int(r,
		    "cursor")));
	list = catalog_movie_search(r->a, in, &dberr);
	json_decref(in);
	if (list == NULL) {
		db_fail_reply(r, DB_ERROR);
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, m)
		page_movie_card(r->a, m, NULL);
	json_object_set_new(list, "q", json_string(q ? q : ""));
	json_object_set_new(list, "any", json_boolean(json_array_size(
	    json_object_get(list, "items")) > 0));
	if (json_is_string(json_object_get(list, "next_cursor")))
		json_object_set_new(list, "next_href", json_string(arena_printf(
		    r->a, "/admin/movies?q=%s&cursor=%s", url_encode(r->a,
		    q ? q : ""), json_string_value(json_object_get(list,
		    "next_cursor")))));
	if (saved != NULL)
		json_object_set_new(list, "saved", json_pack("{s:b}", saved, 1));
	if (in_has(r, "slug"))
		json_object_set_new(list, "saved_slug", json_string(in_str(r,
		    "slug")));
	admin_page(r, 200, "admin/movies", list);
}

/* GET /admin/movies/new */
void
admin_movies_new(struct request *r)
{
	render_form(r, 200, NULL, json_object(), json_object(), NULL);
}

/* POST /admin/movies/new: 303 to the list, or the form with errors. */
void
admin_movies_create(struct request *r)
{
	struct movie_write	 w;
	json_t			*errors = page_form_errors(r);
	struct uploaded		 up;

	memset(&w, 0, sizeof(w));
	memset(&up, 0, sizeof(up));
	if (files_or_reply(r, errors, &up) == -1) {
		json_decref(errors);
		return;
	}
	if ((w.in = movie_input(r, 1, errors, &up)) == NULL) {
		render_form(r, 400, NULL, form_again(r, &up), errors, NULL);
		return;
	}
	w.actor = r->user_id;
	write_done(r, movies_create(r->a, &w), &w, NULL, errors, "created",
	    &up);
}

/* GET /admin/movies/{id}/edit */
void
admin_movies_edit(struct request *r)
{
	int64_t	 id;
	json_t	*m;

	if ((m = movie_or_reply(r, &id)) == NULL)
		return;
	render_form(r, 200, m, form_from_movie(r->a, m), json_object(), NULL);
}

/* POST /admin/movies/{id}/edit */
void
admin_movies_update(struct request *r)
{
	struct movie_write	 w;
	json_t			*m, *errors;
	struct uploaded		 up;

	memset(&w, 0, sizeof(w));
	memset(&up, 0, sizeof(up));
	if ((m = movie_or_reply(r, &w.id)) == NULL)
		return;
	errors = page_form_errors(r);
	if (files_or_reply(r, errors, &up) == -1) {
		json_decref(errors);
		json_decref(m);
		return;
	}
	if ((w.in = movie_input(r, 0, errors, &up)) == NULL) {
		render_form(r, 400, m, form_again(r, &up), errors, NULL);
		return;
	}
	w.actor = r->user_id;
	write_done(r, movies_update(r->a, &w), &w, m, errors, "updated",
	    &up);
}

/* POST /admin/movies/{id}/remove: 409 has_future_bookings on the form. */
void
admin_movies_remove(struct request *r)
{
	struct movie_write	 w;
	json_t			*m;
	int			 rc;

	memset(&w, 0, sizeof(w));
	if ((m = movie_or_reply(r, &w.id)) == NULL)
		return;
	w.actor = r->user_id;
	if ((rc = movies_remove(r->a, &w)) == DB_OK) {
		catalog_changed(r->a);
		json_decref(m);
		resp_redirect(r, 303, "/admin/movies?saved=removed");
	} else if (rc == DB_ABORT && w.conflict != NULL)
		render_form(r, 409, m, form_from_movie(r->a, m), json_object(),
		    "This movie has bookings for showtimes still to come, so "
		    "it cannot be removed yet. Cancel those showtimes first "
		    "(their customers are refunded and told).");
	else {
		json_decref(m);
		db_fail_reply(r, rc);
	}
}
