/* reports.h — writers that read a run through its journal (results.h) and never call suites or
 * drivers.  Each returns 0 or -errno and writes its file atomically. */
#ifndef KEUR_REPORTS_H
#define KEUR_REPORTS_H

#include <stdio.h>

#include "results.h"

/* The TAP lines of one case: "ok N - ID title", with the YAML diagnostics block. */
void tap_case(FILE *f, size_t n, const struct rv_case *c);
/* "14", or "13" when the run asked for it (--tap-version 13). */
const char *tap_version(const struct run_view *rv);
/* The whole TAP stream of a run into DIR/results.tap. */
int tap_write(const struct run_view *rv, const char *dir);
/* DIR/junit.xml (JUnit XML as Jenkins and GitLab read it). */
int junit_write(const struct run_view *rv, const char *dir);
/* DIR/report.xml, keur's conformance report. */
int conformance_write(const struct run_view *rv, const char *dir);

/* The label's fields (REQUIREMENTS.md): the security level reached and three answers, each
 * "yes", "no", "not-determined" or (supported-until) the declared date. */
enum label_field { LABEL_UPDATES, LABEL_SUPPORT, LABEL_OFFLINE, LABEL_NFIELDS };
struct label_value {
	const char *name;		/* automatic-updates, supported-until, works-offline */
	char value[32];			/* yes, no, not-determined, or YYYY-MM[-DD] */
	char text[96];			/* what the label prints */
	enum keur_verdict verdict;	/* of the requirement or cases behind it */
	char source[160];		/* "requirement CSR-LABEL-ii" or "cases ..." */
};
struct label {
	char level[32];			/* a level's id, "none" or "not determined" */
	struct label_value f[LABEL_NFIELDS];
	int waivers;
};
void label_compute(const struct run_view *rv, struct label *out);
/* DIR/label.svg; it carries the SHA-256 of DIR/report.xml, so write that first. */
int label_write(const struct run_view *rv, const char *dir);
/* TAP comment lines after the cases: the level reached, the label, waivers. */
void tap_trailer(FILE *f, const struct run_view *rv);

/* All of the above into DIR, from a run its caller loaded from DIR/journal.  0, or -1 with
 * the reason printed. */
int reports_write_all(const struct run_view *rv, const char *dir);

#endif
