/* registry.h — keur registry: signed reports from many labs, verified, stored and indexed, and
 * the monitor built on them (docs/registry.md).  harness/cli.c calls cmd_registry and
 * cmd_bundle; the rest is the registry's own. */
#ifndef KEUR_REGISTRY_H
#define KEUR_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* An open registry: the database, and beside it DB.files/, the stored reports' files by
 * SHA-256 (sha256/AB/HEX) with tmp/ for what is being written. */
struct registry {
	struct store *st;
	char *db, *files;
};
int registry_open(const char *db, struct registry *r, char *why, size_t len);
void registry_close(struct registry *r);
/* DB.files/sha256/AB/HEX for a file of that SHA-256; caller frees. */
char *registry_blob_path(const struct registry *r, const char *sha256);

/* What intake_add made of one run directory or bundle. */
enum intake_outcome {
	INTAKE_ADDED,		/* stored, *id is its number */
	INTAKE_ALREADY,		/* the same report.xml is stored already, as *id */
	INTAKE_REFUSED,		/* not verified: why says what failed */
	INTAKE_ERROR,		/* the registry itself failed (disk, database) */
};
/* Verifies the report at src (a run directory or a bundle file) against the trust list and
 * stores it whole: its files by content, its index in one transaction.  by: who adds it;
 * summary: one line naming the product, its levels and lab. */
enum intake_outcome intake_add(struct registry *r, const char *src, const char *by, int64_t *id, char *summary,
			       size_t slen, char *why, size_t len);

/* Reads a report.xml that sign_check accepted into the index fields of r (vendor, model,
 * firmware, dates, support, each profile's assessment and verdicts).  0, or -1 with why. */
int report_index(const char *path, struct reg_report *r, char *why, size_t len);

/* The last day of a declared support end: "2027-06" -> "2027-06-30", "2027-06-15" as it is.
 * 0, or -1 when it is not such a date. */
int support_last_day(const char *declared, char out[11]);

/* keur registry and keur bundle (cli_registry.c). */
int cmd_registry(int argc, char **argv);
int cmd_bundle(int argc, char **argv);

#endif
