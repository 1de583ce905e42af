/*
 * marquee: the FastCGI server.  The master opens the socket and keeps
 * the workers running; see core/master.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "core/master.h"
#include "core/util.h"

static void
usage(void)
{
	fprintf(stderr, "usage: marquee [-c config]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	const char	*path = NULL;
	char		 err[512];
	int		 ch, rc;

	arena_json_setup();

	while ((ch = getopt(argc, argv, "c:")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (sodium_init() < 0) {
		fprintf(stderr, "marquee: libsodium failed to start\n");
		return 1;
	}
	if (config_load(path, err, sizeof(err)) == -1) {
		fprintf(stderr, "marquee: %s\n", err);
		return 1;
	}
	log_init("marquee", cfg.log_level);
	if (cfg.secret == NULL || strlen(cfg.secret) < 32) {
		/* Workers share the master's; forms break at each restart. */
		unsigned char	 raw[32];
		char		 hex[65];

		randombytes_buf(raw, sizeof(raw));
		hex_encode(hex, raw, sizeof(raw));
		free(cfg.secret);
		cfg.secret = strdup(hex);
		log_msg(LOG_WARN, "no secret configured; using a random one");
	}
	rc = master_run(path);
	config_free();
	return rc;
}
