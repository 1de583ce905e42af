/*
 * Uploaded files of the admin movie form: the poster image and the
 * trailer video.
 *
 * A file's type is read from its content (the magic bytes of JPEG, PNG
 * and WebP; of MP4 and WebM), never from its name or declared
 * Content-Type.  It is stored once under the SHA-256 of its content,
 * written to a temporary file in the same folder and renamed into place,
 * so a reader never sees half a file and the same file uploaded twice is
 * one file.  A name never changes meaning, so nginx serves
 * /static/uploads/ with caching for good, videos with byte ranges
 * (nginx/marquee.conf.in).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "catalog/pages.h"
#include "core/config.h"
#include "core/log.h"
#include "core/request.h"
#include "core/util.h"

#define POSTER_MAX		(4 * 1024 * 1024)
#define TRAILER_MAX		(50 * 1024 * 1024)
#define UPLOADS_URL		"/static/uploads/"
#define WEBM_DOCTYPE_WITHIN	64
#define DIR_MODE		0755
#define FILE_MODE		0644

/* An image type known by its first bytes: magic at offset, and more. */
static const struct image_kind {
	const char	*ext;
	size_t		 off, len;
	const char	*magic;
	size_t		 off2, len2;
	const char	*magic2;
} kinds[] = {
	{ "jpg", 0, 3, "\xff\xd8\xff", 0, 0, NULL },
	{ "png", 0, 8, "\x89PNG\r\n\x1a\n", 0, 0, NULL },
	{ "webp", 0, 4, "RIFF", 8, 4, "WEBP" },	/* RIFF, size, WEBP */
};

/* Major brands of an ISO media file that browsers play as MP4 video. */
static const char *const mp4_brands[] = {
	"isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1",
	"dash", "M4V ", NULL
};

/*
 * The file extension of a video by its content, or NULL: MP4 (an ISO
 * media file: a box "ftyp" first, of a video brand: not an AVIF or HEIC
 * image, not QuickTime) or WebM (an EBML header naming the "webm"
 * document type).
 */
static const char *
video_ext(const unsigned char *d, size_t n)
{
	size_t	 i;

	if (n >= 12 && memcmp(d + 4, "ftyp", 4) == 0) {
		for (i = 0; mp4_brands[i] != NULL; i++)
			if (memcmp(d + 8, mp4_brands[i], 4) == 0)
				return "mp4";
		return NULL;
	}
	if (n < 8 || memcmp(d, "\x1a\x45\xdf\xa3", 4) != 0)
		return NULL;
	for (i = 4; i + 4 <= n && i < WEBM_DOCTYPE_WITHIN; i++)
		if (memcmp(d + i, "webm", 4) == 0)
			return "webm";
	return NULL;
}


/* The file extension of an image by its content, or NULL. */
static const char *
image_ext(const unsigned char *d, size_t n)
{
	const struct image_kind	*k;
	size_t			 i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		k = &kinds[i];
		if (n < k->off + k->len || memcmp(d + k->off, k->magic,
		    k->len) != 0)
			continue;
		if (k->magic2 != NULL && (n < k->off2 + k->len2 ||
		    memcmp(d + k->off2, k->magic2, k->len2) != 0))
			continue;
		return k->ext;
	}
	return NULL;
}

/* What is accepted of each kind, and what to say when it is not. */
static const struct upload_spec {
	const char	*dir;		/* under upload_dir, and the URL's */
	size_t		 max;
	const char	*(*ext)(const unsigned char *, size_t);
	const char	*empty, *big, *wrong;
} specs[] = {
	[UPLOAD_POSTER] = { "posters", POSTER_MAX, image_ext,
	    "is an empty file; choose a JPEG, PNG or WebP image",
	    "is larger than 4 MB; choose a smaller image",
	    "is not a JPEG, PNG or WebP image (the file's content was "
	    "checked, whatever its name)" },
	[UPLOAD_TRAILER] = { "trailers", TRAILER_MAX, video_ext,
	    "is an empty file; choose an MP4 or WebM video",
	    "is larger than 50 MB; choose a shorter or smaller video",
	    "is not an MP4 or WebM video (the file's content was checked, "
	    "whatever its name)" },
};

/*
 * Where files of a kind are kept: <upload_dir>/<sub>, a relative
 * upload_dir standing for <static_dir>/uploads (what nginx serves at
 * /static/).
 */
static const char *
upload_dir(struct arena *a, const char *sub)
{
	if (cfg.upload_dir != NULL && cfg.upload_dir[0] == '/')
		return arena_printf(a, "%s/%s", cfg.upload_dir, sub);
	return arena_printf(a, "%s/uploads/%s", cfg.static_dir, sub);
}

/* mkdir -p: creates dir and its missing parents; 0 or -1 (errno). */
static int
make_dirs(struct arena *a, const char *dir)
{
	char	*p = arena_strdup(a, dir), *s;

	for (s = strchr(p + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, DIR_MODE) == -1 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, DIR_MODE) == -1 && errno != EEXIST ? -1 : 0;
}

static int
write_all(int fd, const unsigned char *d, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, d, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		d += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Stores data as dir/name unless a file of that name and size is
 * there already (the name is the content's hash): a temporary file,
 * written and synced, then renamed over the name.  0, or -1 (logged).
 */
static int
store_file(struct arena *a, const char *dir, const char *name,
    const unsigned char *data, size_t len)
{
	const char	*path = arena_printf(a, "%s/%s", dir, name), *what;
	char		*tmp = NULL;
	struct stat	 st;
	int		 fd = -1, rc = -1;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size == len)
		return 0;
	what = "mkdir";
	if (make_dirs(a, dir) == -1)
		goto out;
	what = "mkstemp";
	tmp = arena_printf(a, "%s/.upload-XXXXXX", dir);
	if ((fd = mkstemp(tmp)) == -1) {
		tmp = NULL;
		goto out;
	}
	what = "write";
	if (fchmod(fd, FILE_MODE) == -1 || write_all(fd, data, len) == -1 ||
	    fsync(fd) == -1)
		goto out;
	what = "close";
	if (close(fd) == -1) {
		fd = -1;
		goto out;
	}
	fd = -1;
	what = "rename";
	if (rename(tmp, path) == -1)
		goto out;
	tmp = NULL;
	rc = 0;
out:
	if (rc == -1)
		log_msg(LOG_ERROR, "storing upload %s: %s: %s", path, what,
		    strerror(errno));
	if (fd != -1)
		close(fd);
	if (tmp != NULL)
		unlink(tmp);
	return rc;
}

enum upload_result
uploads_store(struct request *r, const char *field, enum upload_kind kind,
    const char **url, const char **msg)
{
	const struct upload_spec *sp = &specs[kind];
	const struct mp_file	*f = mp_file_get(&r->files, field);
	unsigned char		 hash[crypto_hash_sha256_BYTES];
	char			 hex[2 * crypto_hash_sha256_BYTES + 1];
	const char		*ext = NULL, *name;

	*url = *msg = NULL;
	if (f == NULL || (f->len == 0 && f->filename[0] == '\0'))
		return UPLOAD_NONE;	/* "no file chosen" */
	if (f->len == 0)
		*msg = sp->empty;
	else if (f->len > sp->max)
		*msg = sp->big;
	else if ((ext = sp->ext(f->data, f->len)) == NULL)
		*msg = sp->wrong;
	if (*msg != NULL)
		return UPLOAD_REJECTED;
	crypto_hash_sha256(hash, f->data, f->len);
	hex_encode(hex, hash, sizeof(hash));
	name = arena_printf(r->a, "%s.%s", hex, ext);
	if (store_file(r->a, upload_dir(r->a, sp->dir), name, f->data,
	    f->len) == -1)
		return UPLOAD_FAILED;
	*url = arena_printf(r->a, UPLOADS_URL "%s/%s", sp->dir, name);
	return UPLOAD_STORED;
}

int
uploads_trailer_file(const char *url)
{
	const char	*p = UPLOADS_URL "trailers/";

	return url != NULL && strncmp(url, p, strlen(p)) == 0 &&
	    site_static_path(url);
}
