#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/util.h"
#include "store/mail.h"

static CURL	*curl;

/* Appends data as base64 in lines of 76 characters. */
static void
add_base64(struct buf *b, const char *data, size_t len)
{
	size_t	 n = sodium_base64_ENCODED_LEN(len,
		    sodium_base64_VARIANT_ORIGINAL), i, total;
	char	*enc = xmalloc(n);

	sodium_bin2base64(enc, n, (const unsigned char *)data, len,
	    sodium_base64_VARIANT_ORIGINAL);
	total = strlen(enc);
	for (i = 0; i < total; i += 76) {
		buf_add(b, enc + i, total - i < 76 ? total - i : 76);
		buf_adds(b, "\r\n");
	}
	free(enc);
}

/* A header value: as is when plain ASCII, else RFC 2047 base64. */
static void
add_header_text(struct buf *b, const char *s)
{
	size_t	 i, n = strlen(s), enc;
	char	*out;
	int	 plain = 1;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x7f || s[i] < 0x20)
			plain = 0;
	if (plain) {
		buf_adds(b, s);
		return;
	}
	enc = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	out = xmalloc(enc);
	sodium_bin2base64(out, enc, (const unsigned char *)s, n,
	    sodium_base64_VARIANT_ORIGINAL);
	buf_printf(b, "=?UTF-8?B?%s?=", out);
	free(out);
}

static void
add_part(struct buf *b, const char *boundary, const char *type,
    const char *data, size_t len, const char *filename)
{
	buf_printf(b, "--%s\r\nContent-Type: %s\r\n"
	    "Content-Transfer-Encoding: base64\r\n", boundary, type);
	if (filename != NULL)
		buf_printf(b, "Content-Disposition: attachment; "
		    "filename=\"%s\"\r\n", filename);
	buf_adds(b, "\r\n");
	add_base64(b, data, len);
}

static void
add_alternative(struct buf *b, const struct mail *m, const char *boundary)
{
	add_part(b, boundary, "text/plain; charset=utf-8", m->text,
	    strlen(m->text), NULL);
	if (m->html != NULL)
		add_part(b, boundary, "text/html; charset=utf-8", m->html,
		    strlen(m->html), NULL);
	buf_printf(b, "--%s--\r\n", boundary);
}

void
mail_format(const struct mail *m, struct buf *b)
{
	char		 date[64], alt[48], mixed[48];
	time_t		 now = time(NULL);
	struct tm	 tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	snprintf(alt, sizeof(alt), "alt-%s", m->message_id);
	snprintf(mixed, sizeof(mixed), "mix-%s", m->message_id);
	buf_adds(b, "From: ");
	buf_adds(b, cfg.mail_from);
	buf_adds(b, "\r\nTo: ");
	if (m->to_name != NULL && *m->to_name != '\0') {
		add_header_text(b, m->to_name);
		buf_printf(b, " <%s>", m->to);
	} else
		buf_adds(b, m->to);
	buf_adds(b, "\r\nSubject: ");
	add_header_text(b, m->subject);
	buf_printf(b, "\r\nDate: %s\r\nMessage-ID: <%s@marquee>\r\n"
	    "MIME-Version: 1.0\r\n", date, m->message_id);
	if (m->attach_name == NULL) {
		buf_printf(b, "Content-Type: multipart/alternative; "
		    "boundary=\"%s\"\r\n\r\n", alt);
		add_alternative(b, m, alt);
		return;
	}
	buf_printf(b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
	    "--%s\r\nContent-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n",
	    mixed, mixed, alt);
	add_alternative(b, m, alt);
	add_part(b, mixed, m->attach_type, m->attach_data, m->attach_len,
	    m->attach_name);
	buf_printf(b, "--%s--\r\n", mixed);
}

struct reader {
	const char	*p;
	size_t		 left;
};

static size_t
read_cb(char *dst, size_t size, size_t n, void *ud)
{
	struct reader	*r = ud;
	size_t		 want = size * n;

	if (want > r->left)
		want = r->left;
	memcpy(dst, r->p, want);
	r->p += want;
	r->left -= want;
	return want;
}

int
mail_send(const struct mail *m, char *err, size_t errlen)
{
	struct buf		 msg = BUF_INIT;
	struct reader		 rd;
	struct curl_slist	*rcpt = NULL;
	char			 from[320], envelope[330], to[330], *lt, *gt;
	CURLcode		 rc;
	long			 code = 0;

	if (curl == NULL && (curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "libcurl did not start");
		return -1;
	}
	/* An address with these could inject SMTP commands: refuse it. */
	if (m->to == NULL || strpbrk(m->to, "\r\n<>") != NULL ||
	    strchr(m->to, '@') == NULL) {
		snprintf(err, errlen, "not a deliverable address");
		return -1;
	}
	/* The envelope sender: the address inside "Name <address>". */
	snprintf(from, sizeof(from), "%s", cfg.mail_from);
	if ((lt = strchr(from, '<')) != NULL && (gt = strchr(lt, '>')) != NULL) {
		*gt = '\0';
		memmove(from, lt + 1, strlen(lt + 1) + 1);
	}
	snprintf(envelope, sizeof(envelope), "<%s>", from);
	snprintf(to, sizeof(to), "<%s>", m->to);
	mail_format(m, &msg);
	rd.p = msg.data;
	rd.left = msg.len;
	rcpt = curl_slist_append(rcpt, to);
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, cfg.smtp_url);
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, envelope);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(curl, CURLOPT_READDATA, &rd);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(curl);
	curl_slist_free_all(rcpt);
	buf_free(&msg);
	if (rc != CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
		snprintf(err, errlen, "%s (SMTP %ld)", curl_easy_strerror(rc),
		    code);
		/* The relay is away: not the message's fault. */
		return rc == CURLE_COULDNT_CONNECT ||
		    rc == CURLE_COULDNT_RESOLVE_HOST ? -2 : -1;
	}
	return 0;
}

void
mail_close(void)
{
	if (curl != NULL)
		curl_easy_cleanup(curl);
	curl = NULL;
}
