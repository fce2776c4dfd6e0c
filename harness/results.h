/* results.h — a run as its journal tells it: plan, case verdicts, requirement verdicts, exit code.
 * The runner and every report writer read runs through this, never through the runner's memory. */
#ifndef KEUR_RESULTS_H
#define KEUR_RESULTS_H

#include <stddef.h>

#include "input.h"
#include "journal.h"
#include "verdict.h"

struct rv_case {
	const struct jrec *plan;	/* id, suite, title, spec, deadline, reqs */
	const struct jrec *result;	/* NULL while the case has not finished */
	enum keur_verdict verdict;	/* KEUR_NONE while unfinished */
};

struct rv_req {
	const struct jrec *rec;		/* id, source, kind, obligation, level, summary, cases, na, waiver-* */
	enum keur_verdict verdict;	/* what counts: a person's review where there is one, else keur's */
	enum keur_verdict tested;	/* what keur's cases say (KEUR_NONE for a docs requirement) */
	int docs;			/* kind="docs": a person decides (the assessor's review) */
	int open;			/* waits for the assessor: docs, applicable, not reviewed yet */
	const char *waived;		/* the waiver's reason, or NULL */
	const struct jrec *review;	/* the latest review of it (review.h), or NULL */
	const struct rv_req *review_src;	/* the requirement that review was recorded for when it is
					 * the same requirement of another profile (<same-as>); else NULL */
	const char *profile;		/* the ID of the profile it belongs to */
	size_t nreviews;		/* how many reviews of it the journal holds (later ones replace) */
	const struct jrec *ics;		/* the manufacturer's ICS statement (ics.h), or NULL */
	char *contradiction;		/* where the ICS says otherwise than keur found: one line, or NULL */
	struct profile_req guide;	/* its guidance and decision tree as journaled (tree.h) */
};

/* A level of the profile and whether this run reached it (DESIGN.md "Levels"). */
struct rv_level {
	char *id, *includes;
	int depth;			/* 0 for a level that includes none */
	int reached;
	int undecided;			/* not reached only for want of a decision (nothing failed) */
	char *why;			/* one line: what held it back, or what it rests on */
};

/* One profile's judgement of the run: its requirements, levels and what holds them. */
struct rv_assessment {
	const struct jrec *profile;
	struct rv_req *reqs;
	size_t nreqs;
	struct rv_level *levels;
	size_t nlevels;
	const struct rv_level *reached;
	int levelless;			/* a pass/fail scheme: one implicit level, "met" or not */
	size_t nopen, ncontradictions, ntested, nreviewed;
};

/* A run judged against one or more profiles (keur run --profile A --profile B).  The fields
 * from profile to nreviewed are those of the selected assessment (run_view_select; the first
 * after loading), so that a writer of one profile's outputs reads them as before. */
struct run_view {
	struct jrecs recs;
	const struct jrec *run, *dut, *lab, *end;
	struct rv_assessment *as;	/* one per profile, in the order the run was given them */
	size_t nas, cur;
	const struct jrec *profile;	/* the selected assessment's; NULL: the run has no profile */
	struct rv_case *cases;
	size_t ncases, done;
	struct rv_req *reqs;
	size_t nreqs;
	struct rv_level *levels;	/* the profile's, in its order */
	size_t nlevels;
	const struct rv_level *reached;	/* the highest level reached, or NULL */
	const struct jrec *ics;		/* the ICS the run was given (ics.h), or NULL */
	size_t nopen;			/* counted requirements waiting for the assessor's review */
	size_t ncontradictions;		/* requirements where the ICS contradicts keur */
	size_t ntested, nreviewed;	/* counted requirements decided by keur's cases, by a person */
	int levelless;			/* the selected profile has no levels (a pass/fail scheme) */
	char report_id[48];		/* the run's report ID, derived from its run record */
};

/* Does the run's ICS answer the selected profile? */
int run_view_ics_here(const struct run_view *rv);
/* Makes assessment i (< nas) the selected one. */
void run_view_select(struct run_view *rv, size_t i);
/* The requirement with this ID in the assessment of profile (NULL: in any, the first that has
 * it); *as gets the index of its assessment (may be NULL). */
const struct rv_req *run_view_req_in(const struct run_view *rv, const char *profile, const char *id, size_t *as);
/* "a, b": the IDs of the run's profiles ("none" without); caller frees. */
char *run_view_profile_ids(const struct run_view *rv);
/* Whether requirement q is stated (by <same-as>, on either side) to be requirement id of
 * profile b, so that one review decides both. */
int run_view_same(const struct run_view *rv, const struct rv_req *q, const char *b, const char *id);

/* Reads DIR/journal.  0, or -1 with a one-line reason. */
int run_view_load(const char *dir, struct run_view *rv, char *why, size_t len);
void run_view_release(struct run_view *rv);
const struct rv_case *run_view_case(const struct run_view *rv, const char *id);

/* Exit code of a run (DESIGN.md): 0 every mandatory requirement passed (or was na),
 * 1 some failed, 3 some could not be decided.  Without a profile every case counts; with several
 * the worst of them (a fail before an undecided). */
int run_view_exit(const struct run_view *rv);
/* Does a requirement count towards the exit code and the level (mandatory or conditional, or a
 * docs requirement that is not only recommended; and not waived)? */
int run_view_req_counts(const struct rv_req *r);
/* The verdict of a comma-separated list of case IDs, folded as a requirement's (verdict.h); a
 * case not in the run counts as not run. */
enum keur_verdict run_view_fold(const struct run_view *rv, const char *cases);
const struct rv_req *run_view_req(const struct run_view *rv, const char *id);
/* "A, B, C, D, E and 7 more": the first few counted requirements waiting for a review (caller
 * frees; NULL when none waits). */
char *run_view_open_text(const struct run_view *rv);
/* A requirement's verdict as the outputs name it: pass, fail, inconc, error, na,
 * "awaiting-review" (a person decides it and has not yet) or "not-run". */
const char *rv_req_verdict_name(const struct rv_req *q);

/* A document a review names (its journal value "FILE:SHA256:SIZE:TITLE"). */
struct review_doc_ref {
	char file[512];		/* relative to the run directory: evidence/REVIEW/... */
	char sha256[65];
	long long size;
	const char *title;	/* points into the record */
};
/* The next document of review record r from index i on: the index after it, or 0 when none. */
size_t review_doc_next(const struct jrec *r, size_t i, struct review_doc_ref *d);

/* The answers of q's review to its decision tree, one by one in the order asked: start with
 * a zeroed ref; 1 while there is one, 0 at the end. */
struct review_answer_ref {
	size_t off;
	char question[33];
	int yes;
	const char *ask;	/* the question as journaled, or NULL */
};
int review_answer_next(const struct rv_req *q, struct review_answer_ref *a);

/* One line on a requirement's review for the text outputs: "pass by NAME on DATE: RATIONALE
 * [override of keur's V: REASON] [documents: FILE (TITLE) ...]"; NULL when it has none.  Caller
 * frees. */
char *rv_review_text(const struct rv_req *q);

/* Label-independent wording of the security level: "substantial", "none" or "not determined";
 * for a profile without levels "met", "not met" or "not determined". */
const char *run_view_level_text(const struct run_view *rv);

#endif
