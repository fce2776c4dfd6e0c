/* review.h — the assessor's review: a person's verdict on a requirement keur does not decide by
 * itself (the documentation review), or an override of one it does, each with who, when, why and
 * the documents examined (profiles/review.xsd, namespace urn:keur:review:1).
 *
 * A review file is checked whole against the run before anything is kept; then its documents are
 * copied into the run's evidence (evidence/REVIEW/BATCH/REQUIREMENT/) and its reviews appended
 * to the journal in one batch, so an interrupted review records all of the file or nothing. */
#ifndef KEUR_REVIEW_H
#define KEUR_REVIEW_H

#include <stdio.h>

#include "input.h"
#include "results.h"

#define REVIEW_RECORD "review"		/* one per requirement reviewed */
#define REVIEW_EVIDENCE "REVIEW"	/* evidence/REVIEW/: the documents examined */
#define REVIEW_DOC_MAX (256LL << 20)	/* bytes per document */
#define REVIEW_DOCS_MAX 64		/* documents per review */

struct review_doc {
	char *path;	/* as resolved against the review file's folder */
	char *title;	/* NULL: none given */
};

struct review_entry {
	char *requirement, *verdict, *assessor, *date, *rationale;
	char *profile;		/* the ID of the profile the requirement is of (NULL: the run has none) */
	char *override;		/* the reason keur's own verdict is overridden; NULL: none */
	char *answers;		/* decision tree answers "Q=yes,Q=no" in the order asked; NULL: none */
	char *path;		/* where they lead, for people ("DN-1 yes, DN-2 no: fail"); NULL: none */
	struct review_doc *docs;
	size_t ndocs;
	int line;
};

struct review_file {
	char *path;
	char sha256[65];
	char *run;		/* the report ID it names, or NULL */
	struct review_entry *e;	/* reviews with a verdict */
	size_t n;
	size_t open;		/* reviews left with an empty verdict: not recorded */
};

/* Loads a review file and checks it against the run rv: each review names a requirement of the
 * run once, has an assessor, a date not in the future, a rationale, documents that exist
 * (at least one for a pass), and an override for a requirement keur decided itself.  0 and *out
 * (caller frees with review_file_free), or -1 with one line per problem appended to err. */
int review_load(const char *path, const struct run_view *rv, struct review_file **out, struct input_errors *err);
void review_file_free(struct review_file *f);
void review_entry_release(struct review_entry *e);	/* what one entry holds */

/* Records the reviews of f in the run in dir: copies the documents into the evidence, then
 * appends one REVIEW_RECORD each to the journal in one write.  by: who gave the file to keur.
 * 0, or -1 with the reason in why (nothing recorded then; copies an interrupted attempt left
 * behind are replaced by the next). */
int review_record(const char *dir, const struct run_view *rv, const struct review_file *f, const char *by,
		  char *why, size_t len);

/* Is requirement q of assessment as the same (<same-as>) as one still open in an assessment
 * before it, so that the review of that one decides q too (listed and asked once)? */
int review_covered(const struct run_view *rv, size_t as, const struct rv_req *q);

/* Whether full names a document keur can keep: a readable regular file within REVIEW_DOC_MAX.
 * 0, or -1 with the reason in why. */
int review_doc_problem(const char *full, char *why, size_t len);

/* The guided review on a terminal (review_tty.c): walks the assessor through each requirement
 * of the run in dir still open (guidance, the decision tree's questions one at a time, the ICS
 * entry, then verdict, rationale and documents), recording each as soon as it is confirmed.
 * in/out: the terminal.  assessor: the name to record, or NULL to ask.  by: who runs keur.
 * Returns the run's exit code afterwards, or EXIT_USAGE. */
int review_terminal(const char *dir, FILE *in, FILE *out, const char *assessor, const char *by);

/* Checks a review file against its schema alone (keur lint: without the run), counting its
 * reviews with a verdict or decision-tree answers into *n.  0, or -1 with errors appended to err. */
int review_lint(const char *path, size_t *n, struct input_errors *err);

/* Prints a review file for every requirement of the run still open for a person: its summary,
 * the ICS statement and what keur found as comments; verdict, assessor and date left empty.
 * Returns how many requirements it lists. */
size_t review_template(FILE *out, const struct run_view *rv);

#endif
