/*
 * pickload: the load generator of the seat-picking benchmark's pick phases
 * ("many" and "hot", see bench/seating.mjs and bench/seating.md).  The Node
 * generator cost about 0.3 ms of CPU per pick on the machine being measured;
 * this one does the same work over epoll for a fraction of that.
 *
 * The workload is the Node one: N clients, each its own user (client i sends
 * token i) on one keep-alive HTTP/1.1 connection to 127.0.0.1, in a closed
 * loop (the next pick goes out when the previous answer is in, one request
 * outstanding per connection).  A pick takes a random showtime of the list and
 * 1..max_seats random seats that the shared view of that showtime shows free or
 * held by the client itself (choose() in seating.mjs); a 201 moves the
 * client's seats of that showtime in the view (learn()).
 *
 * Input on stdin, one item a line (written by seating.mjs):
 *	port N
 *	theatre ID
 *	clients N
 *	warmup_ms N
 *	seconds_ms N
 *	max_seats N
 *	tokens N	then N lines: the bearer token of client 0, 1, ...
 *	showtimes N	then N lines: showtime ids
 *	labels N	then N lines: seat labels
 * Output on stdout, one JSON object a line:
 *	{"event":"measure","cpu_ms":X}	the warm-up is over (X: own CPU so far)
 *	{"event":"end","cpu_ms":X}	the measured window is over
 *	{"event":"result",...}		the figures, once the requests still in
 *					flight are in (they are not counted)
 * The parent takes its CPU snapshots of the instance at the first two lines,
 * so that both cover the same window.  Answers are counted when they arrive
 * inside the window.  The process exits by itself, at the latest
 * warmup + seconds + 5 s after reading its input (SIGALRM).
 *
 * Build: cc -O2 -Wall -Wextra -o pickload bench/pickload.c
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS	10000
#define MAX_SEATS	16		/* per pick */
#define MAX_LABEL	32
#define CHOOSE_TRIES	40		/* as choose() in seating.mjs */
#define IN_START	4096		/* a pick's answer is well under 2 KB */
#define IN_MAX		(1 << 20)
#define SAMPLE_MAX	200		/* bytes of an unexpected answer kept */
#define SAMPLES		5
#define DRAIN_MS	2000		/* wait for requests in flight at the end */
#define RETRY_MS	10		/* after a socket error */
#define GRACE_MS	5000		/* hard limit past warm-up + window */

enum state {
	S_CONNECTING,			/* request composed, socket connecting */
	S_WRITING,
	S_READING,
	S_SLEEPING,			/* after a socket error, until wake */
	S_DONE
};

struct client {
	int		 id;
	int		 fd;
	enum state	 state;
	const char	*token;
	char		*req;		/* the request in flight */
	size_t		 reqcap, reqlen, reqoff;
	char		*in;		/* its answer so far */
	size_t		 incap, inlen;
	double		 t0;		/* when the request was composed */
	double		 wake;
	int		 show;		/* the request's showtime (index) */
	int		 seats[MAX_SEATS];
	int		 nseats;
	unsigned	 served;	/* answers on this connection */
	int		 retried;	/* this request was resent once */
	int		 pending_in;	/* readable while not reading */
};

struct resp {
	int		 status;
	int		 close;
	size_t		 used;
	int		 want_sample;
	char		 sample[SAMPLE_MAX];
	size_t		 nsample;
};

struct lats {
	double		*v;
	size_t		 n, cap;
};

/* Configuration. */
static int		 port;
static char		 theatre[64];
static int		 nclients;
static long		 warmup_ms, seconds_ms;
static int		 max_seats;
static char		**tokens;
static long long	*showtimes;
static int		 nshow;
static char		**labels;
static int		 nlabels;

/*
 * The shared view: per showtime, seat -> holding client (-1: free), and per
 * (showtime, client) the seats of its last 201.
 */
static int		*owner;		/* [nshow][nlabels] */
static int		*mine;		/* [nshow][nclients][max_seats] */
static unsigned char	*nmine;		/* [nshow][nclients] */

static struct client	*clients;
static int		 ep;
static int		 nsleeping;
static double		 t_measure, t_end;

/* Figures. */
static unsigned long	 status_n[600];		/* 0: socket errors */
static struct lats	 lat_all, lat_201;
static unsigned long	 reconnects, stale_retries;
static int		 sample_status[SAMPLES];
static char		 sample_text[SAMPLES][SAMPLE_MAX];
static size_t		 sample_len[SAMPLES];
static int		 nsamples;

static uint64_t		 rng;

static void
die(const char *fmt, ...)
{
	va_list	 ap;

	fputs("pickload: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *
xmalloc(size_t n)
{
	void	*p = calloc(1, n ? n : 1);

	if (p == NULL)
		die("out of memory");
	return p;
}

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double
cpu_ms(void)
{
	struct rusage	 ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* xorshift64*, seeded through splitmix64. */
static void
rng_seed(uint64_t s)
{
	s += 0x9e3779b97f4a7c15ULL;
	s = (s ^ (s >> 30)) * 0xbf58476d1ce4e5b9ULL;
	s = (s ^ (s >> 27)) * 0x94d049bb133111ebULL;
	rng = (s ^ (s >> 31)) | 1;
}

static uint64_t
rng_next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n), as Math.floor(Math.random() * n). */
static int
rnd(int n)
{
	return (int)(((rng_next() >> 32) * (uint64_t)n) >> 32);
}

/* ------------------------------------------------------------ input */

static char *
next_line(void)
{
	static char	*line;
	static size_t	 cap;
	ssize_t		 n;

	if ((n = getline(&line, &cap, stdin)) < 0)
		die("input ends early");
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

/* A line "KEY VALUE"; returns VALUE. */
static char *
keyed(const char *key)
{
	char	*l = next_line();
	size_t	 k = strlen(key);

	if (strncmp(l, key, k) != 0 || l[k] != ' ')
		die("expected \"%s N\", got \"%.40s\"", key, l);
	return l + k + 1;
}

static long long
number(const char *s, long long lo, long long hi, const char *what)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		die("%s: bad value \"%.40s\"", what, s);
	return v;
}

/* Printable ASCII without space, quote or backslash: goes into JSON and
 * headers as is. */
static char *
word(const char *s, size_t max, const char *what)
{
	const char	*p;

	if (*s == '\0' || strlen(s) > max)
		die("%s: bad length", what);
	for (p = s; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || *p == '"' || *p == '\\')
			die("%s: bad character", what);
	return strdup(s);
}

static void
read_input(void)
{
	const char	*p;
	int		 i, n;

	port = (int)number(keyed("port"), 1, 65535, "port");
	p = keyed("theatre");
	if (*p == '\0' || strlen(p) >= sizeof(theatre) ||
	    strspn(p, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(p))
		die("theatre: bad value");
	strcpy(theatre, p);
	nclients = (int)number(keyed("clients"), 1, MAX_CLIENTS, "clients");
	warmup_ms = (long)number(keyed("warmup_ms"), 0, 600000, "warmup_ms");
	seconds_ms = (long)number(keyed("seconds_ms"), 1, 600000, "seconds_ms");
	max_seats = (int)number(keyed("max_seats"), 1, MAX_SEATS, "max_seats");

	n = (int)number(keyed("tokens"), nclients, MAX_CLIENTS, "tokens");
	tokens = xmalloc(n * sizeof(*tokens));
	for (i = 0; i < n; i++)
		tokens[i] = word(next_line(), 4096, "token");
	nshow = (int)number(keyed("showtimes"), 1, 100000, "showtimes");
	showtimes = xmalloc(nshow * sizeof(*showtimes));
	for (i = 0; i < nshow; i++)
		showtimes[i] = number(next_line(), 1, INT64_MAX, "showtime");
	nlabels = (int)number(keyed("labels"), 1, 100000, "labels");
	labels = xmalloc(nlabels * sizeof(*labels));
	for (i = 0; i < nlabels; i++)
		labels[i] = word(next_line(), MAX_LABEL, "label");
}

/* ------------------------------------------------------- the workload */

/* choose() of seating.mjs: up to `want` distinct random seats that look free
 * or are the client's own, in CHOOSE_TRIES draws; failing that, the client's
 * first seat, or any seat. */
static void
choose(struct client *c)
{
	const int	*own = owner + (size_t)c->show * nlabels;
	size_t		 k = (size_t)c->show * nclients + c->id;
	int		 want = 1 + rnd(max_seats), tries, s, i;

	c->nseats = 0;
	for (tries = 0; c->nseats < want && tries < CHOOSE_TRIES; tries++) {
		s = rnd(nlabels);
		if (own[s] != -1 && own[s] != c->id)
			continue;
		for (i = 0; i < c->nseats && c->seats[i] != s; i++)
			;
		if (i == c->nseats)
			c->seats[c->nseats++] = s;
	}
	if (c->nseats == 0)
		c->seats[c->nseats++] = nmine[k] ? mine[k * max_seats] :
		    rnd(nlabels);
}

/* learn() of seating.mjs: the client's previous seats of the showtime are
 * free in the view, the new ones its own. */
static void
learn(struct client *c)
{
	int	*own = owner + (size_t)c->show * nlabels;
	size_t	 k = (size_t)c->show * nclients + c->id;
	int	*prev = mine + k * max_seats;
	int	 i;

	for (i = 0; i < nmine[k]; i++)
		if (own[prev[i]] == c->id)
			own[prev[i]] = -1;
	for (i = 0; i < c->nseats; i++) {
		own[c->seats[i]] = c->id;
		prev[i] = c->seats[i];
	}
	nmine[k] = (unsigned char)c->nseats;
}

static void
compose(struct client *c)
{
	char	 body[96 + MAX_SEATS * (MAX_LABEL + 3)];
	int	 n, m, i;

	n = snprintf(body, sizeof(body), "{\"showtime_id\":%lld,\"seats\":[",
	    showtimes[c->show]);
	for (i = 0; i < c->nseats; i++)
		n += snprintf(body + n, sizeof(body) - n, "%s\"%s\"",
		    i ? "," : "", labels[c->seats[i]]);
	n += snprintf(body + n, sizeof(body) - n, "]}");
	m = snprintf(c->req, c->reqcap,
	    "POST /v1/theatre/%s/pick_seats HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n"
	    "Accept: application/json\r\n"
	    "Authorization: Bearer %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %d\r\n"
	    "Connection: keep-alive\r\n"
	    "\r\n%s", theatre, port, c->token, n, body);
	if (m < 0 || (size_t)m >= c->reqcap)
		die("request too long");
	c->reqlen = (size_t)m;
	c->reqoff = 0;
}

/* ----------------------------------------------------------- figures */

static void
lats_add(struct lats *l, double v)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 65536;
		if ((l->v = realloc(l->v, l->cap * sizeof(*l->v))) == NULL)
			die("out of memory");
	}
	l->v[l->n++] = v;
}

/* One sample of each unexpected status, the first five statuses seen (at
 * any time, as the Node generator keeps them). */
static void
keep_sample(int status, const char *text, size_t len)
{
	int	 i;

	for (i = 0; i < nsamples; i++)
		if (sample_status[i] == status)
			return;
	if (nsamples == SAMPLES)
		return;
	if (len > SAMPLE_MAX)
		len = SAMPLE_MAX;
	sample_status[nsamples] = status;
	memcpy(sample_text[nsamples], text, len);
	sample_len[nsamples++] = len;
}

static void
count(struct client *c, double t, int status)
{
	if (t < t_measure || t >= t_end)
		return;
	status_n[status]++;
	lats_add(&lat_all, t - c->t0);
	if (status == 201)
		lats_add(&lat_201, t - c->t0);
}

/* --------------------------------------------------------- responses */

static const char *
find(const char *p, size_t n, const char *needle)
{
	size_t	 k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (p[i] == needle[0] && memcmp(p + i, needle, k) == 0)
			return p + i;
	return NULL;
}

/* Case-insensitive: does header line [p, e) have this name, and its value? */
static const char *
header(const char *p, const char *e, const char *name)
{
	size_t	 k = strlen(name), i;

	if ((size_t)(e - p) <= k || p[k] != ':')
		return NULL;
	for (i = 0; i < k; i++)
		if ((p[i] | 0x20) != name[i])
			return NULL;
	for (p += k + 1; p < e && (*p == ' ' || *p == '\t'); p++)
		;
	return p;
}

static int
has_token(const char *p, const char *e, const char *tok)
{
	size_t	 k = strlen(tok), i;
	const char *q;

	for (q = p; q + k <= e; q++) {
		for (i = 0; i < k && (q[i] | 0x20) == tok[i]; i++)
			;
		if (i == k)
			return 1;
	}
	return 0;
}

static void
sample_add(struct resp *r, const char *p, size_t n)
{
	if (!r->want_sample || r->nsample >= SAMPLE_MAX)
		return;
	if (n > SAMPLE_MAX - r->nsample)
		n = SAMPLE_MAX - r->nsample;
	memcpy(r->sample + r->nsample, p, n);
	r->nsample += n;
}

/*
 * Parses one answer at the start of buf: 1 when it is all there (r filled),
 * 0 when more is needed, -1 when it is malformed.  eof: the server has
 * closed its side (the end of a body without length).
 */
static int
parse_response(const char *buf, size_t len, int eof, struct resp *r)
{
	const char	*h, *he, *l, *le, *v;
	size_t		 off = 0, clen = 0, p, size;
	int		 has_clen = 0, chunked = 0, minor;
	char		*end;
	unsigned long long x;

	r->status = r->close = r->want_sample = 0;
	r->used = r->nsample = 0;
	for (;;) {
		h = buf + off;
		if ((he = find(h, len - off, "\r\n\r\n")) == NULL)
			return eof ? -1 : 0;
		if (he - h < 12 || memcmp(h, "HTTP/1.", 7) != 0 ||
		    h[8] != ' ' || h[9] < '1' || h[9] > '5' ||
		    h[10] < '0' || h[10] > '9' || h[11] < '0' || h[11] > '9')
			return -1;
		minor = h[7] - '0';
		r->status = (h[9] - '0') * 100 + (h[10] - '0') * 10 +
		    (h[11] - '0');
		has_clen = chunked = 0;
		r->close = minor == 0;
		l = find(h, he + 2 - h, "\r\n") + 2;
		for (; l < he + 2; l = le + 2) {
			le = find(l, he + 2 - l, "\r\n");
			if ((v = header(l, le, "content-length")) != NULL) {
				errno = 0;
				x = strtoull(v, &end, 10);
				if (end == v || errno != 0 || x > IN_MAX)
					return -1;
				clen = (size_t)x;
				has_clen = 1;
			} else if ((v = header(l, le,
			    "transfer-encoding")) != NULL)
				chunked = has_token(v, le, "chunked");
			else if ((v = header(l, le, "connection")) != NULL) {
				if (has_token(v, le, "close"))
					r->close = 1;
				else if (has_token(v, le, "keep-alive"))
					r->close = 0;
			}
		}
		off = he + 4 - buf;
		/* Interim answers (100 Continue) come before the real one. */
		if (r->status >= 200)
			break;
	}
	r->want_sample = r->status != 201 && r->status != 409;

	if (r->status == 204 || r->status == 304) {
		r->used = off;
	} else if (chunked) {
		for (p = off;;) {
			if ((l = find(buf + p, len - p, "\r\n")) == NULL)
				return eof ? -1 : 0;
			errno = 0;
			x = strtoull(buf + p, &end, 16);
			if (end == buf + p || errno != 0 || x > IN_MAX)
				return -1;
			size = (size_t)x;
			p = l + 2 - buf;
			if (size == 0) {
				/* Trailers, up to an empty line. */
				for (;;) {
					if ((l = find(buf + p, len - p,
					    "\r\n")) == NULL)
						return eof ? -1 : 0;
					if (l == buf + p)
						break;
					p = l + 2 - buf;
				}
				r->used = p + 2;
				break;
			}
			if (len - p < size + 2)
				return eof ? -1 : 0;
			if (buf[p + size] != '\r' || buf[p + size + 1] != '\n')
				return -1;
			sample_add(r, buf + p, size);
			p += size + 2;
		}
	} else if (has_clen) {
		if (len - off < clen)
			return eof ? -1 : 0;
		sample_add(r, buf + off, clen);
		r->used = off + clen;
	} else {
		/* No length: the body ends when the server closes. */
		if (!eof)
			return 0;
		sample_add(r, buf + off, len - off);
		r->used = len;
		r->close = 1;
	}
	return 1;
}

/* ------------------------------------------------------- connections */

static void	start_request(struct client *, double);
static void	try_write(struct client *, double);
static void	try_read(struct client *, double);

static void
close_conn(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);	/* also leaves the epoll set */
	c->fd = -1;
	c->inlen = 0;
	c->served = 0;
	c->pending_in = 0;
}

/* The request failed without an answer: a socket error, status 0. */
static void
fail(struct client *c, double t, const char *why)
{
	count(c, t, 0);
	keep_sample(0, why, strlen(why));
	close_conn(c);
	c->state = S_SLEEPING;
	c->wake = t + RETRY_MS;
	nsleeping++;
}

static void
open_conn(struct client *c, double t)
{
	struct sockaddr_in	 sa;
	struct epoll_event	 ev;
	int			 one = 1;

	if (c->fd >= 0)
		close_conn(c);
	c->state = S_CONNECTING;
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
		fail(c, t, strerror(errno));
		return;
	}
	if (fcntl(c->fd, F_SETFL, O_NONBLOCK) < 0)
		die("fcntl: %s", strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Edge-triggered, registered once for the connection's life: the
	 * handler goes by the client's state. */
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = c;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    errno != EINPROGRESS)
		fail(c, t, strerror(errno));
	/* Otherwise EPOLLOUT says when it is connected. */
}

/* The server closed a reused connection before answering (it had closed
 * it when the request went out): the request was not read; send it again
 * on a new connection, once. */
static int
stale(struct client *c, double t)
{
	if (c->served == 0 || c->inlen != 0 || c->retried)
		return 0;
	c->retried = 1;
	stale_retries++;
	reconnects++;
	c->reqoff = 0;
	open_conn(c, t);
	return 1;
}

static void
start_request(struct client *c, double t)
{
	if (t >= t_end) {
		close_conn(c);
		c->state = S_DONE;
		return;
	}
	c->show = rnd(nshow);
	choose(c);
	compose(c);
	c->t0 = t;
	c->retried = 0;
	if (c->fd < 0) {
		open_conn(c, t);
		return;
	}
	c->state = S_WRITING;
	try_write(c, t);
}

static void
try_write(struct client *c, double t)
{
	ssize_t	 n;

	while (c->reqoff < c->reqlen) {
		n = send(c->fd, c->req + c->reqoff, c->reqlen - c->reqoff,
		    MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;		/* EPOLLOUT resumes */
			if (!stale(c, t))
				fail(c, t, strerror(errno));
			return;
		}
		c->reqoff += (size_t)n;
	}
	c->state = S_READING;
	if (c->pending_in) {
		c->pending_in = 0;
		try_read(c, t);
	}
}

static void
answered(struct client *c, double t, struct resp *r, int eof)
{
	count(c, t, r->status);
	if (r->status == 201)
		learn(c);
	else if (r->want_sample)
		keep_sample(r->status, r->sample, r->nsample);
	c->served++;
	/* Anything past the answer is a protocol error without pipelining:
	 * start afresh. */
	if (r->close || eof || r->used != c->inlen) {
		close_conn(c);
		reconnects++;
	}
	c->inlen = 0;
	start_request(c, t);
}

static void
try_read(struct client *c, double t)
{
	struct resp	 r;
	ssize_t		 n;
	int		 eof = 0, rc;

	for (;;) {
		if (c->inlen == c->incap) {
			if (c->incap >= IN_MAX) {
				fail(c, t, "answer too large");
				return;
			}
			c->incap *= 2;
			if ((c->in = realloc(c->in, c->incap)) == NULL)
				die("out of memory");
		}
		n = read(c->fd, c->in + c->inlen, c->incap - c->inlen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;		/* the next edge resumes */
			if (!stale(c, t))
				fail(c, t, strerror(errno));
			return;
		}
		if (n == 0) {
			if (stale(c, t))
				return;
			eof = 1;
		}
		c->inlen += (size_t)n;
		t = now_ms();
		/* One answer per read, usually: stop as soon as it is whole
		 * (anything left in the socket makes a new edge). */
		rc = parse_response(c->in, c->inlen, eof, &r);
		if (rc > 0) {
			answered(c, t, &r, eof);
			return;
		}
		if (rc < 0 || eof) {
			fail(c, t, eof && c->inlen == 0 ?
			    "connection closed before the answer" :
			    rc < 0 ? "malformed answer" :
			    "connection closed in the answer");
			return;
		}
	}
}

static void
on_event(struct client *c, uint32_t events)
{
	double		 t = now_ms();
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	switch (c->state) {
	case S_CONNECTING:
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err != 0) {
			fail(c, t, strerror(err));
			return;
		}
		c->state = S_WRITING;
		if (events & (EPOLLIN | EPOLLRDHUP))
			c->pending_in = 1;
		try_write(c, t);
		return;
	case S_WRITING:
		if (events & (EPOLLIN | EPOLLRDHUP))
			c->pending_in = 1;
		try_write(c, t);
		return;
	case S_READING:
		if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			try_read(c, t);
		return;
	case S_SLEEPING:
	case S_DONE:
		return;
	}
}

/* -------------------------------------------------------------- output */

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* pct() of seating.mjs over a sorted array; null when empty. */
static void
put_pct(const char *name, const struct lats *l, double p)
{
	size_t	 i;

	if (l->n == 0) {
		printf(",\"%s\":null", name);
		return;
	}
	i = (size_t)(p / 100 * l->n);
	if (i > l->n - 1)
		i = l->n - 1;
	printf(",\"%s\":%.3f", name, l->v[i]);
}

/* A sample cut at SAMPLE_MAX bytes may end inside a UTF-8 sequence: drop
 * that sequence's first bytes. */
static size_t
utf8_cut(const char *s, size_t n)
{
	size_t		 j = n, need;
	unsigned char	 lead;

	while (j > 0 && n - j < 3 && ((unsigned char)s[j - 1] & 0xc0) == 0x80)
		j--;
	if (j == 0 || (lead = (unsigned char)s[j - 1]) < 0xc0)
		return n;
	need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
	return n - (j - 1) < need ? j - 1 : n;
}

static void
put_json_string(const char *s, size_t n)
{
	size_t		 i;
	unsigned char	 ch;

	n = utf8_cut(s, n);
	putchar('"');
	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void
put_result(void)
{
	const char	*sep = "";
	int		 i;

	qsort(lat_all.v, lat_all.n, sizeof(double), cmp_double);
	qsort(lat_201.v, lat_201.n, sizeof(double), cmp_double);
	printf("{\"event\":\"result\",\"clients\":%d,\"seconds\":%.3f,"
	    "\"total\":%zu,\"status\":{", nclients, seconds_ms / 1e3,
	    lat_all.n);
	for (i = 0; i < (int)(sizeof(status_n) / sizeof(status_n[0])); i++)
		if (status_n[i]) {
			printf("%s\"%d\":%lu", sep, i, status_n[i]);
			sep = ",";
		}
	putchar('}');
	put_pct("p50", &lat_all, 50);
	put_pct("p99", &lat_all, 99);
	put_pct("max", &lat_all, 100);
	put_pct("p50_201", &lat_201, 50);
	put_pct("p99_201", &lat_201, 99);
	put_pct("max_201", &lat_201, 100);
	printf(",\"reconnects\":%lu,\"stale_retries\":%lu,\"other\":{",
	    reconnects, stale_retries);
	for (i = 0; i < nsamples; i++) {
		printf("%s\"%d\":", i ? "," : "", sample_status[i]);
		put_json_string(sample_text[i], sample_len[i]);
	}
	printf("},\"cpu_ms\":%.3f}\n", cpu_ms());
	fflush(stdout);
}

/* ---------------------------------------------------------------- main */

static void
set_limit(long ms)
{
	struct itimerval	 it;

	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
}

int
main(void)
{
	struct epoll_event	 evs[256];
	struct client		*c;
	double			 t, t0, next;
	size_t			 need;
	int			 i, n, timeout, measured = 0, ended = 0, live;

	signal(SIGPIPE, SIG_IGN);
	set_limit(60000);		/* the input, at most */
	read_input();
	/* SIGALRM's default action ends the process, whatever happens. */
	set_limit(warmup_ms + seconds_ms + GRACE_MS);
	rng_seed((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
	    (uint64_t)(now_ms() * 1e3));

	owner = xmalloc((size_t)nshow * nlabels * sizeof(*owner));
	memset(owner, 0xff, (size_t)nshow * nlabels * sizeof(*owner));
	mine = xmalloc((size_t)nshow * nclients * max_seats * sizeof(*mine));
	nmine = xmalloc((size_t)nshow * nclients);
	if ((ep = epoll_create1(0)) < 0)
		die("epoll_create1: %s", strerror(errno));

	t0 = now_ms();
	t_measure = t0 + warmup_ms;
	t_end = t_measure + seconds_ms;
	clients = xmalloc(nclients * sizeof(*clients));
	for (i = 0; i < nclients; i++) {
		c = &clients[i];
		c->id = i;
		c->fd = -1;
		c->token = tokens[i];
		need = 512 + strlen(theatre) + strlen(c->token) +
		    MAX_SEATS * (MAX_LABEL + 3);
		c->req = xmalloc(c->reqcap = need);
		c->in = xmalloc(c->incap = IN_START);
		start_request(c, t0);
	}

	for (;;) {
		t = now_ms();
		if (!measured && t >= t_measure) {
			measured = 1;
			printf("{\"event\":\"measure\",\"cpu_ms\":%.3f}\n",
			    cpu_ms());
			fflush(stdout);
		}
		if (!ended && t >= t_end) {
			ended = 1;
			printf("{\"event\":\"end\",\"cpu_ms\":%.3f}\n",
			    cpu_ms());
			fflush(stdout);
		}
		if (nsleeping > 0) {
			for (i = 0; i < nclients; i++) {
				c = &clients[i];
				if (c->state == S_SLEEPING && c->wake <= t) {
					nsleeping--;
					start_request(c, t);
				}
			}
		}
		if (ended) {
			for (live = 0, i = 0; i < nclients; i++)
				live += clients[i].state != S_DONE;
			if (live == 0 || t >= t_end + DRAIN_MS)
				break;
		}

		next = !measured ? t_measure : !ended ? t_end :
		    t_end + DRAIN_MS;
		if (nsleeping > 0 && next > t + RETRY_MS)
			next = t + RETRY_MS;
		timeout = next > t ? (int)(next - t) + 1 : 0;
		n = epoll_wait(ep, evs, sizeof(evs) / sizeof(evs[0]), timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait: %s", strerror(errno));
		}
		for (i = 0; i < n; i++)
			on_event(evs[i].data.ptr, evs[i].events);
	}
	put_result();
	return 0;
}
