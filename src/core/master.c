#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "config.h"
#include "log.h"
#include "master.h"
#include "metrics.h"
#include "util.h"
#include "worker.h"

#define MAX_WORKERS	64
#define DRAIN_SECONDS	30
/* A worker that dies within this many seconds of starting counts
 * towards the crash loop back-off. */
#define QUICK_DEATH	2

struct slot {
	pid_t	 pid;		/* 0: empty */
	int64_t	 started;	/* now_usec() */
	int	 retiring;	/* sent SIGTERM during a roll */
};

static struct slot		 slots[MAX_WORKERS];
static int			 nslots;
/* Two pools: the main one, and (when auth_listen is set) a small one for
 * log-ins and registrations, whose Argon2id hashing would otherwise hold
 * up the workers that serve pages. */
static int			 nmain;
static int			 listen_fd = -1;
static int			 auth_fd = -1;
static const char		*unix_paths[2];
static volatile sig_atomic_t	 got_term, got_hup, got_chld;
static int			 sigpipe[2] = { -1, -1 };

static void
on_signal(int sig)
{
	int	 saved = errno;
	char	 c = (char)sig;

	if (sig == SIGTERM || sig == SIGINT)
		got_term = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
	if (write(sigpipe[1], &c, 1) == -1) {
		/* the pipe is full: a wake-up is already pending */
	}
	errno = saved;
}

/* Whether something accepts connections on the unix socket path. */
static int
socket_in_use(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, used;

	if (strlen(path) >= sizeof(sun.sun_path))
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return 0;
	used = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return used;
}

int
master_listen(const char *spec, int mode)
{
	const char	*path;
	int		 fd;

	if (strncmp(spec, "unix:", 5) == 0) {
		path = spec + 5;
		if (socket_in_use(path)) {
			log_msg(LOG_ERROR, "%s is served by another process; "
			    "not taking it over", path);
			return -1;
		}
		unlink(path);	/* a stale socket from a master that died */
		fd = FCGX_OpenSocket(path, 1024);
		if (fd >= 0 && chmod(path, (mode_t)mode) == -1)
			log_msg(LOG_WARN, "chmod %s: %s", path, strerror(errno));
		if (fd >= 0)
			unix_paths[unix_paths[0] != NULL] = path;
		return fd;
	}
	return FCGX_OpenSocket(spec, 1024);
}

/* The socket slot i serves. */
static int
slot_fd(int i)
{
	return i < nmain ? listen_fd : auth_fd;
}

/* Forks one worker into slot i. */
static void
spawn(int i)
{
	pid_t	 pid = fork();

	if (pid == -1) {
		log_msg(LOG_ERROR, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		close(sigpipe[0]);
		close(sigpipe[1]);
		signal(SIGCHLD, SIG_DFL);
		_exit(worker_main(slot_fd(i)));
	}
	slots[i].pid = pid;
	slots[i].started = now_usec();
	slots[i].retiring = 0;
}

static int
find_slot(pid_t pid)
{
	int	 i;

	for (i = 0; i < MAX_WORKERS; i++)
		if (slots[i].pid == pid)
			return i;
	return -1;
}

/* Reaps dead workers; restarts those that were not asked to stop. */
static void
reap(int *quick_deaths)
{
	pid_t	 pid;
	int	 status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((i = find_slot(pid)) == -1)
			continue;
		if (slots[i].retiring || got_term || i >= nslots) {
			slots[i].pid = 0;
			continue;
		}
		log_msg(LOG_WARN, "worker %d died (%s %d); restarting",
		    (int)pid, WIFSIGNALED(status) ? "signal" : "exit",
		    WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status));
		metrics_inc(M_WORKER_RESTARTS);
		if (now_usec() - slots[i].started < QUICK_DEATH * 1000000LL)
			(*quick_deaths)++;
		else
			*quick_deaths = 0;
		slots[i].pid = 0;
	}
}

/* Starts workers in empty slots, slower while they die in a loop. */
static void
fill(int quick_deaths)
{
	int	 i;

	if (quick_deaths > 3) {
		/* Crash loop: at most one start per second, up to 1 s. */
		log_msg(LOG_ERROR, "workers are dying at start; backing off");
		sleep(1);
	}
	for (i = 0; i < nslots; i++)
		if (slots[i].pid == 0 && !got_term)
			spawn(i);
}

/* SIGHUP: re-read the config, then replace each worker one by one. */
static void
roll(const char *config_path)
{
	char	 err[512];
	pid_t	 old;
	int	 i;

	if (config_load(config_path, err, sizeof(err)) == -1) {
		log_msg(LOG_ERROR, "reload refused: %s", err);
		return;
	}
	log_init("marquee", cfg.log_level);
	log_msg(LOG_INFO, "rolling workers");
	for (i = 0; i < nslots; i++) {
		if ((old = slots[i].pid) == 0)
			continue;
		/* The new worker accepts before the old one leaves. */
		slots[i].retiring = 1;
		slots[i].pid = 0;
		spawn(i);
		slots[i + MAX_WORKERS / 2].pid = old;
		slots[i + MAX_WORKERS / 2].retiring = 1;
		kill(old, SIGTERM);
	}
}

/* SIGTERM: stop accepting, let in-flight requests finish. */
static void
drain(void)
{
	int64_t	 deadline = now_usec() + DRAIN_SECONDS * 1000000LL;
	int	 i, left, status;
	pid_t	 pid;

	for (i = 0; i < MAX_WORKERS; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, SIGTERM);
	do {
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			if ((i = find_slot(pid)) != -1)
				slots[i].pid = 0;
		for (left = 0, i = 0; i < MAX_WORKERS; i++)
			left += slots[i].pid > 0;
		if (left)
			usleep(50000);
	} while (left && now_usec() < deadline);
	for (i = 0; i < MAX_WORKERS; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, SIGKILL);
}

static void
install_signals(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int
master_run(const char *config_path)
{
	struct pollfd	 pfd;
	char		 drainbuf[64];
	int		 quick = 0;

	if (metrics_init() == -1 || pipe2(sigpipe, O_NONBLOCK | O_CLOEXEC) == -1) {
		log_msg(LOG_ERROR, "start: %s", strerror(errno));
		return 1;
	}
	if (FCGX_Init() != 0 ||
	    (listen_fd = master_listen(cfg.listen, cfg.listen_mode)) < 0) {
		log_msg(LOG_ERROR, "cannot listen on %s", cfg.listen);
		return 1;
	}
	nmain = config_workers();
	if (nmain > MAX_WORKERS / 4)
		nmain = MAX_WORKERS / 4;
	nslots = nmain;
	if (cfg.auth_listen != NULL && *cfg.auth_listen != '\0') {
		if ((auth_fd = master_listen(cfg.auth_listen,
		    cfg.listen_mode)) < 0) {
			log_msg(LOG_ERROR, "cannot listen on %s", cfg.auth_listen);
			return 1;
		}
		nslots += cfg.auth_workers > 0 ? (cfg.auth_workers > 8 ? 8 :
		    cfg.auth_workers) : 1;
	}
	install_signals();
	log_msg(LOG_INFO, "listening on %s with %d workers (%d for log-ins)",
	    cfg.listen, nslots, nslots - nmain);
	fill(0);
	pfd.fd = sigpipe[0];
	pfd.events = POLLIN;
	while (!got_term) {
		if (poll(&pfd, 1, 1000) > 0)
			while (read(sigpipe[0], drainbuf, sizeof(drainbuf)) ==
			    (ssize_t)sizeof(drainbuf))
				continue;
		got_chld = 0;
		reap(&quick);
		if (got_hup) {
			got_hup = 0;
			roll(config_path);
		}
		fill(quick);
	}
	log_msg(LOG_INFO, "draining workers");
	drain();
	if (unix_paths[0] != NULL)
		unlink(unix_paths[0]);
	if (unix_paths[1] != NULL)
		unlink(unix_paths[1]);
	log_msg(LOG_INFO, "stopped");
	return 0;
}
