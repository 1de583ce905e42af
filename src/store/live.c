#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/util.h"
#include "store/live.h"

static CURL	*curl;

static size_t
discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

/* Splits cfg.live_publish ("unix:/sock:/prefix/" or an http URL). */
static int
target(int64_t showtime, char *sock, size_t socklen, char *url, size_t urllen)
{
	const char	*spec = cfg.live_publish, *colon;

	if (spec == NULL || *spec == '\0')
		return -1;
	sock[0] = '\0';
	if (strncmp(spec, "unix:", 5) == 0) {
		if ((colon = strrchr(spec + 5, ':')) == NULL)
			return -1;
		snprintf(sock, socklen, "%.*s", (int)(colon - spec - 5),
		    spec + 5);
		snprintf(url, urllen, "http://localhost%s%lld", colon + 1,
		    (long long)showtime);
	} else
		snprintf(url, urllen, "%s%lld", spec, (long long)showtime);
	return 0;
}

int
live_publish(int64_t showtime, json_t *seats)
{
	char		 sock[512], url[1024], *body;
	long		 code = 0;
	CURLcode	 rc;
	json_t		*msg;

	if (target(showtime, sock, sizeof(sock), url, sizeof(url)) == -1)
		return -1;
	if (curl == NULL && (curl = curl_easy_init()) == NULL)
		return -1;
	msg = json_pack("{s:I,s:O,s:I}", "showtime_id", (json_int_t)showtime,
	    "seats", seats, "version", (json_int_t)wall_usec());
	body = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (body == NULL)
		return -1;
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	if (sock[0] != '\0')
		curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 500L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(curl);
	arena_json_free(body);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK || code < 200 || code > 299) {
		metrics_inc(M_LIVE_FAILED);
		log_msg(LOG_WARN, "live publish for showtime %lld failed: %s "
		    "(HTTP %ld)", (long long)showtime, rc != CURLE_OK ?
		    curl_easy_strerror(rc) : "refused", code);
		return -1;
	}
	metrics_inc(M_LIVE_PUBLISHED);
	return 0;
}

void
live_close(void)
{
	if (curl != NULL)
		curl_easy_cleanup(curl);
	curl = NULL;
}
