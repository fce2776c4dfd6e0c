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

/* All of the above into DIR, from a run its caller loaded from DIR/journal.  0, or -1 with
 * the reason printed. */
int reports_write_all(const struct run_view *rv, const char *dir);

#endif
