/* ics.h — the manufacturer's implementation conformance statement (ICS) for one profile: per
 * requirement implemented, not implemented or not applicable, a justification and the documents
 * that show it (profiles/ics.xsd, namespace urn:keur:ics:1).  keur takes it as a statement, never
 * as a verdict: results.c holds it against what the cases found and shows every contradiction. */
#ifndef KEUR_ICS_H
#define KEUR_ICS_H

#include <stdio.h>

#include "input.h"
#include "journal.h"

#define ICS_RECORD "ics"			/* the journal's record of the ICS file */
#define ICS_STATEMENT_RECORD "ics-statement"	/* one per requirement */
#define ICS_EVIDENCE "ICS"			/* evidence/ICS/ics.xml: the file as given */

enum ics_status { ICS_IMPLEMENTED, ICS_NOT_IMPLEMENTED, ICS_NOT_APPLICABLE };

struct ics_statement {
	char *requirement;
	enum ics_status status;
	char *justification;	/* "" when none */
	char **documents;	/* the manufacturer's references: title, version, section */
	size_t ndocuments;
	int line;
};

struct keur_ics {
	char *path;
	char sha256[65];
	char *profile, *profile_version, *issued_by, *date;
	char *vendor, *model, *firmware;	/* <product>, each NULL when not given */
	struct ics_statement *st;
	size_t n;
};

/* Loads and validates the ICS at path: each requirement stated once, a justification for each
 * not-implemented or not-applicable one; and against the profile p it must answer (unless p is
 * NULL: keur lint without the profile): the same profile id and version, each requirement known,
 * every requirement of the profile stated.  0 and *out set (caller frees with ics_free), or -1
 * with errors ("FILE:LINE: ...") appended to err. */
int ics_load(const char *path, const struct keur_profile *p, struct keur_ics **out, struct input_errors *err);
/* The checks of ics_load, for an ICS loaded without its profile (p NULL) and checked against the
 * profile once it is known which one it answers. */
void ics_check(const struct keur_ics *ics, const struct keur_profile *p, struct input_errors *err);
void ics_free(struct keur_ics *ics);

/* "implemented", "not-implemented", "not-applicable". */
const char *ics_status_name(enum ics_status s);

/* Prints an ICS for the profile to fill in: one statement per requirement, its summary as a
 * comment, status and issued-by left empty (the file does not validate until they are filled). */
void ics_template(FILE *f, const struct keur_profile *p);

/* The journal's records of an ICS: one ICS_RECORD (file, sha256, who, when; ev names the copy in
 * evidence/ICS/ when ev is not NULL, as "ics.xml:SHA:SIZE") and one ICS_STATEMENT_RECORD per
 * statement, appended to rs. */
void ics_records(const struct keur_ics *ics, const char *ev, struct jrecs *rs);

#endif
