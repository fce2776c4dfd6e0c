/* monitor.h — what the registry shows, computed at query time from the stored reports and
 * advisories: which report is current, whose support has ended (against the date of the query),
 * which open advisory applies, and each vendor's figures.  The same for every storage backend. */
#ifndef KEUR_MONITOR_H
#define KEUR_MONITOR_H

#include <stddef.h>

#include "store.h"

/* A row's flags; a row with none is "ok". */
enum {
	ST_FAILING = 1 << 0,		/* no level reached (none; a pass/fail scheme: not met) */
	ST_UNDETERMINED = 1 << 1,	/* the level could not be determined */
	ST_SUPPORT_ENDED = 1 << 2,	/* the declared support end is before today */
	ST_ADVISORY = 1 << 3,		/* an open advisory covers this firmware */
	ST_UNTRUSTED = 1 << 4,		/* the lab that signed it is no longer trusted */
	ST_SUPERSEDED = 1 << 5,		/* a newer report of the same product, firmware and profile */
};
#define ST_NAMES "failing, undetermined, support-ended, advisory, untrusted, superseded, ok"

/* One profile's judgement of one report, with what the monitor makes of it. */
struct mon_row {
	const struct reg_report *r;
	const struct reg_assess *as;
	unsigned flags;
	const struct reg_report *newer;		/* with ST_SUPERSEDED: the report that supersedes it */
	const struct reg_advisory **adv;	/* the open advisories that cover it */
	size_t nadv;
};

struct monitor {
	struct reg_report *r;
	size_t nr;
	struct reg_advisory *a;
	size_t na;
	struct mon_row *rows;	/* every assessment of every report, newest report first */
	size_t nrows;
	char today[11];		/* YYYY-MM-DD */
};

/* Loads everything from the store and computes the rows against today (NULL: the date now). */
int monitor_load(struct store *st, const char *today, int with_verdicts, struct monitor *m, char *why, size_t len);
void monitor_release(struct monitor *m);

/* "ok" or the flags, comma-separated, into buf. */
const char *mon_status(unsigned flags, char *buf, size_t len);
/* The flag of a status name (0 for "ok"), or -1. */
int mon_status_flag(const char *name);

/* Does firmware version v fall in range?  A range is "*" or comma-separated terms that must
 * all hold, each OP VERSION with OP one of = < <= > >= (none: =): ">=1.0,<1.4.2"; "1.2.x" or
 * "1.2.*" is every version of the 1.2 series; a firmware not stated ("") is in "*" only.  Versions
 * compare part by part (split at . - _ +), numbers as numbers.  1 yes, 0 no, -1 a bad range. */
int fw_in_range(const char *v, const char *range);

#endif
