/* results.h — a run as its journal tells it: plan, case verdicts, requirement verdicts, exit code.
 * The runner and every report writer read runs through this, never through the runner's memory. */
#ifndef KEUR_RESULTS_H
#define KEUR_RESULTS_H

#include <stddef.h>

#include "journal.h"
#include "verdict.h"

struct rv_case {
	const struct jrec *plan;	/* id, suite, title, spec, deadline, reqs */
	const struct jrec *result;	/* NULL while the case has not finished */
	enum keur_verdict verdict;	/* KEUR_NONE while unfinished */
};

struct rv_req {
	const struct jrec *rec;		/* id, source, kind, level, summary, cases */
	enum keur_verdict verdict;
};

struct run_view {
	struct jrecs recs;
	const struct jrec *run, *dut, *lab, *profile, *end;
	struct rv_case *cases;
	size_t ncases, done;
	struct rv_req *reqs;
	size_t nreqs;
};

/* Reads DIR/journal.  0, or -1 with a one-line reason. */
int run_view_load(const char *dir, struct run_view *rv, char *why, size_t len);
void run_view_release(struct run_view *rv);
const struct rv_case *run_view_case(const struct run_view *rv, const char *id);

/* Exit code of a run (DESIGN.md): 0 every mandatory requirement passed (or was na),
 * 1 some failed, 3 some could not be decided.  Without a profile every case counts. */
int run_view_exit(const struct run_view *rv);
/* Does a requirement count towards the exit code (mandatory or conditional)? */
int run_view_req_counts(const struct rv_req *r);

#endif
