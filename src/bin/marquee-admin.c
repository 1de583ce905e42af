/*
 * marquee-admin: the operator's command line.
 *   migrate          apply sql/NNN_*.sql in order
 *   demo             load the files in sql/demo (demo data; safe to repeat)
 *   version          print the schema version
 *   create-admin EMAIL   create (or promote) an administrator; the
 *                    password is read from standard input, or generated
 *                    and printed once when none is given
 *   set-role EMAIL ROLE  customer or admin
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/util.h"
#include "core/validate.h"
#include "store/db.h"
#include "store/migrate.h"
#include "users/users.h"

#define DEMO_ADMIN		"admin@marquee.test"
#define DEMO_ADMIN_PASSWORD	"marquee-admin-demo"
#define DEMO_PASSWORD		"marquee-demo-pass"

static struct arena	 arena;

/*
 * Creates the account, or finds it; makes it role.  A password given for
 * an existing account replaces the old one.  Returns 0 or 1.
 */
static int
ensure_user(const char *email_in, const char *name, const char *password,
    const char *role, int replace_password)
{
	const char	*email, *msg, *problem;
	int64_t		 id;
	int		 rc;

	if ((msg = v_email(&arena, email_in, &email)) != NULL) {
		fprintf(stderr, "marquee-admin: e-mail %s\n", msg);
		return 1;
	}
	if ((problem = password_problem(password)) != NULL) {
		fprintf(stderr, "marquee-admin: password %s\n", problem);
		return 1;
	}
	rc = users_register(&arena, email, password, name, &id);
	if (rc == USERS_EMAIL_TAKEN && replace_password) {
		char	 hash[128];

		if (password_hash(password, hash, sizeof(hash)) != 0 ||
		    db_q(&arena, "UPDATE users SET password_hash = $2 "
		    "WHERE lower(email) = lower($1)", 2, email, hash) == NULL)
			rc = USERS_DB;
		else
			rc = USERS_OK;
	} else if (rc == USERS_EMAIL_TAKEN)
		rc = USERS_OK;
	if (rc == USERS_OK)
		rc = users_set_role(&arena, email, role);
	if (rc != USERS_OK) {
		fprintf(stderr, "marquee-admin: could not save %s: %s\n", email,
		    db_errmsg());
		return 1;
	}
	return 0;
}

static int
cmd_create_admin(const char *email)
{
	char		 line[1100] = "";
	const char	*pw;
	int		 given;

	if (!isatty(STDIN_FILENO) && fgets(line, sizeof(line), stdin) != NULL)
		line[strcspn(line, "\r\n")] = '\0';
	given = line[0] != '\0';
	pw = given ? line : random_hex(&arena, 12);
	if (ensure_user(email, "Administrator", pw, "admin", given) != 0)
		return 1;
	if (given)
		printf("%s is an administrator\n", email);
	else
		printf("%s is an administrator; password (shown once): %s\n",
		    email, pw);
	return 0;
}

static int
cmd_set_role(const char *email, const char *role)
{
	if (strcmp(role, "admin") != 0 && strcmp(role, "customer") != 0) {
		fprintf(stderr, "marquee-admin: role must be admin or customer\n");
		return 2;
	}
	switch (users_set_role(&arena, email, role)) {
	case USERS_OK:
		printf("%s is now %s\n", email, role);
		return 0;
	case USERS_NOT_FOUND:
		fprintf(stderr, "marquee-admin: no account for %s\n", email);
		return 1;
	default:
		fprintf(stderr, "marquee-admin: %s\n", db_errmsg());
		return 1;
	}
}

/* The demo logins that `stack up` prints. */
static int
demo_users(void)
{
	const char	*admin_pw = getenv("MARQUEE_DEMO_ADMIN_PASSWORD");
	const char	*pw = getenv("MARQUEE_DEMO_PASSWORD");

	if (admin_pw == NULL || *admin_pw == '\0')
		admin_pw = DEMO_ADMIN_PASSWORD;
	if (pw == NULL || *pw == '\0')
		pw = DEMO_PASSWORD;
	return ensure_user(DEMO_ADMIN, "Demo Admin", admin_pw, "admin", 1) ||
	    ensure_user("alice@marquee.test", "Alice Moreau", pw, "customer", 1) ||
	    ensure_user("bob@marquee.test", "Bob Okafor", pw, "customer", 1) ||
	    ensure_user("carol@marquee.test", "Carol Tanaka", pw, "customer", 1);
}

static int
cmd_migrate(void)
{
	char	 err[1024] = "";
	int	 n = migrate_apply(cfg.sql_dir, err, sizeof(err));

	if (n < 0) {
		fprintf(stderr, "marquee-admin: migrate: %s\n", err);
		return 1;
	}
	printf("%d migration(s) applied; schema version %d\n", n,
	    migrate_version());
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmd_demo(void)
{
	char		 dir[4096], path[8192], err[1024] = "";
	char		**names = NULL;
	size_t		 n = 0, i;
	DIR		*d;
	struct dirent	*de;
	int		 rc = 0;

	snprintf(dir, sizeof(dir), "%s/demo", cfg.sql_dir);
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "marquee-admin: %s: cannot open\n", dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) < 5 ||
		    strcmp(de->d_name + strlen(de->d_name) - 4, ".sql") != 0)
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n && rc == 0; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (migrate_run_file(path, err, sizeof(err)) == -1) {
			fprintf(stderr, "marquee-admin: demo: %s\n", err);
			rc = 1;
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc == 0)
		rc = demo_users();
	if (rc == 0)
		printf("demo data loaded (%zu files, demo accounts ready)\n", n);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr, "usage: marquee-admin [-c config] migrate | demo | "
	    "version | create-admin EMAIL | set-role EMAIL ROLE\n");
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
		if (ch != 'c')
			usage();
		path = optarg;
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (sodium_init() < 0 || config_load(path, err, sizeof(err)) == -1) {
		fprintf(stderr, "marquee-admin: %s\n", err);
		return 1;
	}
	log_init("marquee-admin", "warn");
	arena_init(&arena);
	passwords_load(cfg.passwords_file);
	if (strcmp(argv[0], "migrate") == 0)
		rc = cmd_migrate();
	else if (strcmp(argv[0], "demo") == 0)
		rc = cmd_demo();
	else if (strcmp(argv[0], "version") == 0)
		rc = printf("%d\n", migrate_version()) > 0 ? 0 : 1;
	else if (strcmp(argv[0], "create-admin") == 0 && argc == 2)
		rc = cmd_create_admin(argv[1]);
	else if (strcmp(argv[0], "set-role") == 0 && argc == 3)
		rc = cmd_set_role(argv[1], argv[2]);
	else
		usage();
	arena_free(&arena);
	passwords_free();
	db_close();
	config_free();
	return rc;
}
