#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "log.h"
#include "util.h"

static const char *const level_names[LOG_LEVEL__MAX] = {
	"debug", "info", "warn", "error"
};
static enum log_level	 min_level = LOG_INFO;
static const char	*prog_name = "marquee";

void
log_init(const char *prog, const char *level)
{
	int	 i;

	prog_name = prog;
	for (i = 0; i < LOG_LEVEL__MAX; i++)
		if (level != NULL && strcmp(level, level_names[i]) == 0)
			min_level = (enum log_level)i;
}

void
log_json(enum log_level lvl, json_t *obj)
{
	char	 ts[40];
	char	*line;
	size_t	 n;
	ssize_t	 w;

	if (lvl < min_level) {
		json_decref(obj);
		return;
	}
	fmt_time_utc_ms(ts, sizeof(ts));
	json_object_set_new(obj, "time", json_string(ts));
	json_object_set_new(obj, "level", json_string(level_names[lvl]));
	json_object_set_new(obj, "pid", json_integer(getpid()));
	json_object_set_new(obj, "prog", json_string(prog_name));
	line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	if (line == NULL)
		return;
	n = strlen(line);
	line[n] = '\n';		/* json_dumps leaves room for the NUL */
	w = write(STDERR_FILENO, line, n + 1);
	(void)w;
	arena_json_free(line);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	char	 msg[2048];
	va_list	 ap;

	if (lvl < min_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_json(lvl, json_pack("{s:s}", "msg", msg));
}
