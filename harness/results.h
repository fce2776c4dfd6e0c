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
	const struct jrec *rec;		/* id, source, kind, level, summary, cases, na, waiver-* */
	enum keur_verdict verdict;	/* KEUR_NONE for kind="docs": assessed outside keur */
	int docs;			/* kind="docs": keur gives no verdict, the lab's review does */
	const char *waived;		/* the waiver's reason, or NULL */
};

/* A level of the profile and whether this run reached it (DESIGN.md "Levels"). */
struct rv_level {
	char *id, *includes;
	int depth;			/* 0 for a level that includes none */
	int reached;
	int undecided;			/* not reached only for want of a decision (nothing failed) */
	char *why;			/* one line: what held it back, or what it rests on */
};

struct run_view {
	struct jrecs recs;
	const struct jrec *run, *dut, *lab, *profile, *end;
	struct rv_case *cases;
	size_t ncases, done;
	struct rv_req *reqs;
	size_t nreqs;
	struct rv_level *levels;	/* the profile's, in its order */
	size_t nlevels;
	const struct rv_level *reached;	/* the highest level reached, or NULL */
	char report_id[48];		/* the run's report ID, derived from its run record */
};

/* Reads DIR/journal.  0, or -1 with a one-line reason. */
int run_view_load(const char *dir, struct run_view *rv, char *why, size_t len);
void run_view_release(struct run_view *rv);
const struct rv_case *run_view_case(const struct run_view *rv, const char *id);

/* Exit code of a run (DESIGN.md): 0 every mandatory requirement passed (or was na),
 * 1 some failed, 3 some could not be decided.  Without a profile every case counts. */
int run_view_exit(const struct run_view *rv);
/* Does a requirement count towards the exit code and the level (mandatory or conditional, and
 * neither waived nor assessed outside keur)? */
int run_view_req_counts(const struct rv_req *r);
/* The verdict of a comma-separated list of case IDs, folded as a requirement's (verdict.h); a
 * case not in the run counts as not run. */
enum keur_verdict run_view_fold(const struct run_view *rv, const char *cases);
const struct rv_req *run_view_req(const struct run_view *rv, const char *id);
/* Label-independent wording of the security level: "substantial", "none" or "not determined". */
const char *run_view_level_text(const struct run_view *rv);

#endif
