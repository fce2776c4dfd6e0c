/* verdict.h — the five verdicts and how they combine (DESIGN.md, "Verdicts"). */
#ifndef KEUR_VERDICT_H
#define KEUR_VERDICT_H

enum keur_verdict {
	KEUR_NONE = 0,	/* not decided yet (internal only; never written out) */
	KEUR_PASS,
	KEUR_FAIL,
	KEUR_INCONC,
	KEUR_ERROR,
	KEUR_NA,
};

/* "pass", "fail", "inconc", "error", "na"; "none" for KEUR_NONE. */
const char *verdict_name(enum keur_verdict v);
/* The same, but "not-run" for KEUR_NONE: how the outputs name a verdict not reached yet. */
const char *verdict_or_not_run(enum keur_verdict v);
/* Parses a verdict name; KEUR_NONE when it is not one. */
enum keur_verdict verdict_parse(const char *s);

/* Folds case verdicts into a requirement verdict: fail if any failed; else inconc if any is
 * inconc or error; else pass if any passed; else na.  Start from KEUR_NONE; a requirement
 * whose cases were not run (KEUR_NONE) stays inconc, never pass. */
struct verdict_fold {
	int pass, fail, inconc, error, na, missing;
};
void verdict_fold_add(struct verdict_fold *f, enum keur_verdict v);
enum keur_verdict verdict_fold_result(const struct verdict_fold *f);

#endif
