/*
 * migrate: applies the numbered SQL files in sql/ (001_name.sql, ...) in
 * order, each inside its own transaction, recording each in
 * schema_migrations.  Applying them again changes nothing.
 */
#ifndef MARQUEE_MIGRATE_H
#define MARQUEE_MIGRATE_H

#include <stddef.h>

/* Returns how many were applied now, or -1 with a message in err. */
int	 migrate_apply(const char *dir, char *err, size_t errlen);
/* The highest applied version, 0 if none, -1 if unknown. */
int	 migrate_version(void);
/* Runs one SQL file (demo data) in a transaction: 0 or -1. */
int	 migrate_run_file(const char *path, char *err, size_t errlen);

#endif
