/*
 * Declared-field validation: walks a handler's struct field table over
 * a JSON object or a parsed form and builds the values and errors
 * objects.  The single-value checks are in validators.c.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "validate.h"

enum vstatus {
	V_OK,		/* *out holds the value */
	V_ABSENT,	/* missing, null or empty */
	V_ERROR		/* the error is recorded, or in *msg */
};

/* How each field type is checked. */
enum vkind {
	K_STRING,	/* FT_STRING, FT_TEXT, FT_PASSWORD */
	K_FORMAT,	/* text with a v_*() validator */
	K_NUMBER,
	K_BOOL,
	K_ENUM,
	K_OBJECT,
	K_ARRAY
};

typedef const char *(*vfn)(struct arena *, const char *, const char **);

static const struct {
	enum vkind	 kind;
	vfn		 fn;
} ftypes[FT_TYPE__MAX] = {
	[FT_STRING] = { K_STRING, NULL },
	[FT_TEXT] = { K_STRING, NULL },
	[FT_INT] = { K_NUMBER, NULL },
	[FT_BOOL] = { K_BOOL, NULL },
	[FT_EMAIL] = { K_FORMAT, v_email },
	[FT_PASSWORD] = { K_STRING, NULL },
	[FT_SLUG] = { K_FORMAT, v_slug },
	[FT_DATE] = { K_FORMAT, v_date },
	[FT_TIMESTAMP] = { K_FORMAT, v_timestamp },
	[FT_LOCAL_DATETIME] = { K_FORMAT, v_local_datetime },
	[FT_TIMEZONE] = { K_FORMAT, v_timezone },
	[FT_SEAT] = { K_FORMAT, v_seat },
	[FT_ENUM] = { K_ENUM, NULL },
	[FT_URL] = { K_FORMAT, v_url },
	[FT_MEDIA_URL] = { K_FORMAT, v_media_url },
	[FT_OBJECT] = { K_OBJECT, NULL },
	[FT_ARRAY] = { K_ARRAY, NULL },
	[FT_ID] = { K_NUMBER, NULL },
	[FT_MONEY] = { K_NUMBER, NULL },
	[FT_CODE] = { K_FORMAT, v_code },
};

/* One validation run. */
struct vctx {
	struct arena		*a;
	const struct kvlist	*form;		/* NULL for JSON */
	json_t			*errors;
};

static enum vstatus	check_value(struct vctx *, const struct field *,
			    const char *, json_t *, const char *, json_t **,
			    const char **);

static void
json_release(void *p)
{
	json_decref(p);
}

/* Checks a new jansson value, which is NULL only when memory ran out. */
static json_t *
must(json_t *j)
{
	if (j == NULL)
		abort();
	return j;
}

static json_t *
owned_object(struct arena *a)
{
	return arena_defer(a, json_release, must(json_object()));
}

/* Records msg for path unless path already has an error. */
static void
add_error(struct vctx *c, const char *path, const char *msg)
{
	if (json_object_get(c->errors, path) == NULL)
		json_object_set_new(c->errors, path, json_string(msg));
}

static enum vkind
kind_of(const struct field *f)
{
	if ((unsigned)f->type >= FT_TYPE__MAX)
		abort();
	return ftypes[f->type].kind;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\f' || c == '\v';
}

/* Narrows [*s, *s + *n) to drop white space at either end. */
static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_space((*s)[*n - 1]))
		(*n)--;
}

/*
 * Gets the text of a present value: s itself in a form, else the JSON
 * string j.  Returns 0 when j is not a string.
 */
static int
raw_text(json_t *j, const char *s, const char **str, size_t *len)
{
	if (s != NULL) {
		*str = s;
		*len = strlen(s);
		return 1;
	}
	if (!json_is_string(j))
		return 0;
	*str = json_string_value(j);
	*len = json_string_length(j);
	return 1;
}

/*
 * Returns 1 when s[0..n) holds a control character: C0 other than
 * those in allow, DEL, and C1 when c1 is set.
 */
static int
has_control(const char *s, size_t n, const char *allow, int c1)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if ((p[i] < 0x20 && (p[i] == 0 || !strchr(allow, p[i]))) ||
		    p[i] == 0x7f)
			return 1;
		if (c1 && p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f)
			return 1;
	}
	return 0;
}

/* Copies s[0..*n) to the arena with CR LF and lone CR made LF. */
static const char *
unix_newlines(struct arena *a, const char *s, size_t *n)
{
	char	*d = arena_alloc(a, *n + 1);
	size_t	 i, j = 0;

	for (i = 0; i < *n; i++) {
		if (s[i] == '\r' && i + 1 < *n && s[i + 1] == '\n')
			continue;
		d[j++] = s[i] == '\r' ? '\n' : s[i];
	}
	d[j] = '\0';
	*n = j;
	return d;
}

/* Takes the length bounds of a string field into *min and *max. */
static void
length_bounds(const struct field *f, long long *min, long long *max)
{
	*min = f->min;
	*max = f->max;
	if (*min == 0)
		*min = f->type == FT_PASSWORD ? VALIDATE_PASSWORD_MIN : 0;
	if (*max == 0)
		*max = f->type == FT_TEXT ? VALIDATE_TEXT_MAX :
		    f->type == FT_PASSWORD ? VALIDATE_PASSWORD_MAX :
		    VALIDATE_STRING_MAX;
}

/* Checks the length of valid UTF-8 s[0..n) against f; NULL or a message. */
static const char *
check_length(struct arena *a, const struct field *f, const char *s, size_t n)
{
	long long	 min, max, len = (long long)utf8_count(s, n);

	length_bounds(f, &min, &max);
	if (len < min)
		return arena_printf(a, "must be at least %lld characters", min);
	if (len > max)
		return arena_printf(a, "must be at most %lld characters", max);
	return NULL;
}

/* FT_STRING, FT_TEXT, FT_PASSWORD. */
static enum vstatus
check_string(struct vctx *c, const struct field *f, json_t *j, const char *s,
    json_t **out, const char **msg)
{
	const char	*str;
	size_t		 n;

	if (!raw_text(j, s, &str, &n)) {
		*msg = "must be a string";
		return V_ERROR;
	}
	if (f->type != FT_PASSWORD)
		trim(&str, &n);
	if (f->type == FT_TEXT)
		str = unix_newlines(c->a, str, &n);
	if (has_control(str, n, f->type == FT_TEXT ? "\t\n" : "",
	    f->type != FT_PASSWORD))
		*msg = "must not contain control characters";
	else if (!utf8_valid(str, n))
		*msg = "must be valid UTF-8 text";
	else if (n == 0 && (f->required || f->type == FT_PASSWORD))
		return V_ABSENT;
	else if (n == 0 && f->min > 0 && c->form != NULL)
		return V_ABSENT;	/* an empty optional box: not sent */
	else if (n == 0 && f->min > 0)
		*msg = "must not be empty";	/* clearing a field that needs text */
	else if (n == 0 || (*msg = check_length(c->a, f, str, n)) == NULL) {
		*out = must(json_stringn(str, n));
		return V_OK;
	}
	return V_ERROR;
}

/* Text types with a v_*() validator, which does the trimming. */
static enum vstatus
check_format(struct vctx *c, const struct field *f, json_t *j, const char *s,
    json_t **out, const char **msg)
{
	const char	*str, *norm;
	size_t		 n;

	if (!raw_text(j, s, &str, &n)) {
		*msg = "must be a string";
		return V_ERROR;
	}
	if (strlen(str) != n) {
		*msg = "must not contain control characters";
		return V_ERROR;
	}
	trim(&str, &n);
	if (n == 0)
		return V_ABSENT;
	if ((*msg = ftypes[f->type].fn(c->a, str, &norm)) != NULL)
		return V_ERROR;
	if ((*out = json_string(norm)) == NULL) {
		*msg = "must be valid UTF-8 text";
		return V_ERROR;
	}
	return V_OK;
}

/* FT_ENUM: one of f->choices, compared exactly after trimming. */
static enum vstatus
check_enum(struct vctx *c, const struct field *f, json_t *j, const char *s,
    json_t **out, const char **msg)
{
	const char *const	*ch;
	const char		*str, *list = NULL;
	size_t			 n;

	if (!raw_text(j, s, &str, &n)) {
		*msg = "must be a string";
		return V_ERROR;
	}
	trim(&str, &n);
	if (n == 0)
		return V_ABSENT;
	for (ch = f->choices; ch != NULL && *ch != NULL; ch++)
		if (strlen(*ch) == n && memcmp(*ch, str, n) == 0) {
			*out = must(json_string(*ch));
			return V_OK;
		}
	for (ch = f->choices; ch != NULL && *ch != NULL; ch++)
		list = list == NULL ? *ch :
		    arena_printf(c->a, "%s, %s", list, *ch);
	*msg = arena_printf(c->a, "must be one of: %s",
	    list != NULL ? list : "(none)");
	return V_ERROR;
}

/*
 * Checks v against the field's range: the declared one, or the type's
 * own when min and max are both 0.  Returns NULL or a message.
 */
static const char *
check_range(struct arena *a, const struct field *f, long long v)
{
	long long	 min = f->min, max = f->max;

	if (f->type == FT_ID && v < 1)
		return "must be a valid id";
	if (f->type == FT_MONEY && v < 0)
		return "must not be negative";
	if (min == 0 && max == 0)
		return NULL;
	if (v >= min && v <= max)
		return NULL;
	if (max == LLONG_MAX)
		return arena_printf(a, "must be at least %lld", min);
	if (min == LLONG_MIN)
		return arena_printf(a, "must be at most %lld", max);
	return arena_printf(a, "must be between %lld and %lld", min, max);
}

/* Reads a form's number for f into *v; V_OK, V_ABSENT or V_ERROR. */
static enum vstatus
form_number(struct vctx *c, const struct field *f, const char *s,
    long long *v, const char **msg)
{
	size_t	 n = strlen(s);
	int	 r;

	trim(&s, &n);
	if (n == 0)
		return V_ABSENT;
	if ((r = parse_integer(s, n, v)) == 1)
		return V_OK;
	if (r == 0)
		*msg = "must be a number";
	else if ((*msg = check_range(c->a, f,
	    s[0] == '-' ? LLONG_MIN : LLONG_MAX)) == NULL)
		*msg = "is out of range";
	return V_ERROR;
}

/* FT_INT, FT_ID, FT_MONEY: a JSON integer, or decimal text in a form. */
static enum vstatus
check_number(struct vctx *c, const struct field *f, json_t *j, const char *s,
    json_t **out, const char **msg)
{
	enum vstatus	 st;
	long long	 v;

	if (s != NULL) {
		if ((st = form_number(c, f, s, &v, msg)) != V_OK)
			return st;
	} else if (json_is_integer(j))
		v = json_integer_value(j);
	else {
		*msg = json_is_real(j) ? "must be a whole number" :
		    "must be a number";
		return V_ERROR;
	}
	if ((*msg = check_range(c->a, f, v)) != NULL)
		return V_ERROR;
	*out = must(json_integer(v));
	return V_OK;
}

/* FT_BOOL: JSON true or false, or a form's 1/on/true/0/off/false. */
static enum vstatus
check_bool(struct vctx *c, const struct field *f, json_t *j, const char *s,
    json_t **out, const char **msg)
{
	size_t	 n;
	int	 b;

	if (s == NULL && json_is_boolean(j))
		b = json_is_true(j);
	else if (s == NULL)
		b = -1;
	else {
		n = strlen(s);
		trim(&s, &n);
		if (n == 0)
			return V_ABSENT;
		b = parse_bool(s, n);
	}
	if (b < 0) {
		*msg = "must be true or false";
		return V_ERROR;
	}
	*out = json_boolean(b);
	return V_OK;
}

/* Returns 1 when the form has a key starting with prefix. */
static int
form_has_prefix(const struct kvlist *form, const char *prefix)
{
	size_t	 i, n = strlen(prefix);

	for (i = 0; i < form->n; i++)
		if (strncmp(form->v[i].key, prefix, n) == 0)
			return 1;
	return 0;
}

/*
 * Looks up field f at path in obj (JSON) or the form.  Returns V_ABSENT,
 * or V_OK with *j or *s set to what is there.
 */
static enum vstatus
lookup(struct vctx *c, const struct field *f, const char *path, json_t *obj,
    json_t **j, const char **s)
{
	*j = NULL;
	*s = NULL;
	if (c->form == NULL) {
		*j = json_object_get(obj, f->name);
		return *j == NULL || json_is_null(*j) ? V_ABSENT : V_OK;
	}
	if (kind_of(f) == K_OBJECT)
		return form_has_prefix(c->form,
		    arena_printf(c->a, "%s.", path)) ? V_OK : V_ABSENT;
	if (kind_of(f) == K_ARRAY)
		return kv_count(c->form, path) > 0 ? V_OK : V_ABSENT;
	*s = kv_get(c->form, path);
	return *s == NULL ? V_ABSENT : V_OK;
}

/*
 * Validates every field of fields found in obj (JSON) or in the form
 * under prefix, setting values and recording errors.  Returns 1 when it
 * recorded no error.
 */
static int
check_fields(struct vctx *c, const struct field *fields, json_t *obj,
    const char *prefix, json_t *values)
{
	const struct field	*f;
	const char		*path, *s, *msg;
	json_t			*j, *v;
	size_t			 before = json_object_size(c->errors);
	enum vstatus		 st;

	for (f = fields; f->name != NULL; f++) {
		path = arena_printf(c->a, "%s%s", prefix, f->name);
		msg = NULL;
		v = NULL;
		if ((st = lookup(c, f, path, obj, &j, &s)) == V_OK)
			st = check_value(c, f, path, j, s, &v, &msg);
		if (st == V_OK)
			json_object_set_new(values, f->name, v);
		else if (st == V_ERROR && msg != NULL)
			add_error(c, path, msg);
		else if (st == V_ABSENT && f->required)
			add_error(c, path, "is required");
		else if (st == V_ABSENT && c->form != NULL &&
		    kind_of(f) == K_BOOL)
			json_object_set_new(values, f->name, json_false());
	}
	return json_object_size(c->errors) == before;
}

/* FT_OBJECT: its sub-fields, with error paths "path.name". */
static enum vstatus
check_object(struct vctx *c, const struct field *f, const char *path,
    json_t *j, json_t **out, const char **msg)
{
	json_t	*values;

	if (c->form == NULL && !json_is_object(j)) {
		*msg = "must be an object";
		return V_ERROR;
	}
	values = must(json_object());
	if (!check_fields(c, f->sub, j, arena_printf(c->a, "%s.", path),
	    values)) {
		json_decref(values);
		return V_ERROR;
	}
	*out = values;
	return V_OK;
}

/* Takes the item count bounds of an array field; NULL or a message. */
static const char *
check_count(struct arena *a, const struct field *f, size_t count)
{
	long long	 min = f->min, max = f->max;

	if (max == 0)
		max = VALIDATE_ARRAY_MAX;
	if ((long long)count < min)
		return arena_printf(a, "must have at least %lld item%s", min,
		    min == 1 ? "" : "s");
	if ((long long)count > max)
		return arena_printf(a, "must have at most %lld item%s", max,
		    max == 1 ? "" : "s");
	return NULL;
}

/*
 * Validates item i of the array at path (JSON j, or form text s) with
 * the item field and appends it to arr.  Returns 1 when it is good.
 */
static int
check_item(struct vctx *c, const struct field *item, const char *path,
    size_t i, json_t *j, const char *s, json_t *arr)
{
	const char	*ipath = arena_printf(c->a, "%s[%zu]", path, i);
	const char	*msg = NULL;
	json_t		*v = NULL;
	enum vstatus	 st = V_ABSENT;

	if (s != NULL || (j != NULL && !json_is_null(j)))
		st = check_value(c, item, ipath, j, s, &v, &msg);
	if (st == V_OK) {
		json_array_append_new(arr, v);
		return 1;
	}
	if (st == V_ABSENT)
		add_error(c, ipath, "is required");
	else if (msg != NULL)
		add_error(c, ipath, msg);
	return 0;
}

/*
 * FT_ARRAY: a JSON array, or in a form the values of a repeated key,
 * each checked with f->sub[0]; error paths "path[i]".  Forms cannot
 * carry lists of objects or of lists.
 */
static enum vstatus
check_array(struct vctx *c, const struct field *f, const char *path,
    json_t *j, json_t **out, const char **msg)
{
	const struct kvlist	*form = c->form;
	json_t			*arr;
	size_t			 i, k = 0, count;
	int			 ok = 1;

	if ((form == NULL && !json_is_array(j)) || (form != NULL &&
	    (kind_of(f->sub) == K_OBJECT || kind_of(f->sub) == K_ARRAY))) {
		*msg = "must be a list";
		return V_ERROR;
	}
	count = form != NULL ? kv_count(form, path) : json_array_size(j);
	if ((*msg = check_count(c->a, f, count)) != NULL)
		return V_ERROR;
	arr = must(json_array());
	if (form == NULL)
		for (i = 0; i < count; i++)
			ok &= check_item(c, f->sub, path, i,
			    json_array_get(j, i), NULL, arr);
	else
		for (i = 0; i < form->n; i++)
			if (strcmp(form->v[i].key, path) == 0)
				ok &= check_item(c, f->sub, path, k++, NULL,
				    form->v[i].val, arr);
	if (!ok) {
		json_decref(arr);
		return V_ERROR;
	}
	*out = arr;
	return V_OK;
}

/*
 * Validates the present value of field f at path: JSON j, or form text
 * s.  Returns V_OK with *out set (a new reference), V_ABSENT for an
 * empty value, or V_ERROR with *msg set (NULL when the errors are
 * already recorded under deeper paths).
 */
static enum vstatus
check_value(struct vctx *c, const struct field *f, const char *path,
    json_t *j, const char *s, json_t **out, const char **msg)
{
	switch (kind_of(f)) {
	case K_STRING:
		return check_string(c, f, j, s, out, msg);
	case K_FORMAT:
		return check_format(c, f, j, s, out, msg);
	case K_NUMBER:
		return check_number(c, f, j, s, out, msg);
	case K_BOOL:
		return check_bool(c, f, j, s, out, msg);
	case K_ENUM:
		return check_enum(c, f, j, s, out, msg);
	case K_OBJECT:
		return check_object(c, f, path, j, out, msg);
	case K_ARRAY:
		return check_array(c, f, path, j, out, msg);
	}
	abort();
}

int
validate_json(struct arena *a, const struct field *fields, json_t *obj,
    struct vresult *r)
{
	struct vctx	 c;

	c.a = a;
	c.form = NULL;
	c.errors = r->errors = owned_object(a);
	r->values = owned_object(a);
	if (obj != NULL && !json_is_object(obj))
		add_error(&c, "", "must be an object");
	else
		check_fields(&c, fields, obj, "", r->values);
	return json_object_size(r->errors) == 0 ? 0 : -1;
}

int
validate_form(struct arena *a, const struct field *fields,
    const struct kvlist *form, struct vresult *r)
{
	static const struct kvlist	 empty = { NULL, 0 };
	struct vctx			 c;

	c.a = a;
	c.form = form != NULL ? form : &empty;
	c.errors = r->errors = owned_object(a);
	r->values = owned_object(a);
	check_fields(&c, fields, NULL, "", r->values);
	return json_object_size(r->errors) == 0 ? 0 : -1;
}

int
vresult_has(const struct vresult *r, const char *name)
{
	return json_object_get(r->values, name) != NULL;
}

const char *
vresult_str(const struct vresult *r, const char *name)
{
	return json_string_value(json_object_get(r->values, name));
}

long long
vresult_int(const struct vresult *r, const char *name)
{
	return json_integer_value(json_object_get(r->values, name));
}

int
vresult_bool(const struct vresult *r, const char *name)
{
	return json_is_true(json_object_get(r->values, name));
}
