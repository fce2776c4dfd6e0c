/* store.h — what the registry keeps, and the one small interface every storage backend
 * implements (store_sqlite.c now; PostgreSQL is a second `struct store_ops`, not a rewrite).
 *
 * A backend stores and returns these records; it never judges them.  Which report is current,
 * whether support has ended, which advisory applies and what a vendor's figures are is computed
 * by monitor.c from what `reports` and `advisories` return, the same for every backend. */
#ifndef KEUR_STORE_H
#define KEUR_STORE_H

#include <stddef.h>
#include <stdint.h>

/* A lab on the trust list: the CA its report-signing certificates chain to.  Removing trust
 * keeps the lab (and its reports): trusted becomes 0.  Every change is kept as an event. */
struct reg_lab {
	int64_t id;
	char *name, *ca_pem, *ca_subject, *ca_sha256;
	int trusted;
	char *changed_at, *changed_by, *changed_why;	/* the last add or remove */
};

/* One requirement's verdict in one assessment. */
struct reg_verdict {
	char *req, *kind, *verdict, *decided_by;	/* kind: mandatory, recommended, docs */
};

/* One profile's judgement in a report (a report of several profiles holds one each). */
struct reg_assess {
	int64_t id;
	char *profile, *profile_version, *title;
	char *level;			/* reached: a level's id, "none", "not determined"; met/not met */
	char *levels_reached;		/* the ids of every level reached, space-separated */
	char *updates, *support, *offline;	/* the label's fields: yes, no, not-determined, a date */
	int failed;			/* mandatory requirements failed (of any level) */
	int undecided;			/* requirements neither pass, fail nor na */
	struct reg_verdict *v;
	size_t nv;
};

/* A file of a stored report (report.xml, the journal, evidence), by content. */
struct reg_file {
	char *path, *sha256;
	int64_t size;
};

struct reg_report {
	int64_t id;
	char *sha256;			/* of report.xml: a report is stored once */
	char *report_id;		/* KEUR-..., from the label */
	char *lab;			/* the trusted lab whose CA the signer chains to */
	int lab_trusted;		/* (filled by reports(), not stored) */
	char *signer, *signer_sha256;	/* the signing certificate */
	char *vendor, *model, *firmware;
	char *started, *finished;	/* the run's, as the report gives them */
	char *support_until;		/* as declared (YYYY-MM or YYYY-MM-DD), or NULL */
	char *support_end;		/* its last day, YYYY-MM-DD, or NULL */
	char *operator_name, *lab_in_report, *selection;
	char *added_at, *added_by;
	struct reg_assess *as;
	size_t nas;
	struct reg_file *files;
	size_t nfiles;
};

/* A device known to be vulnerable or hacked: a CERT's advisory, a CVE. */
struct reg_advisory {
	int64_t id;
	char *vendor, *model, *firmware;	/* firmware: a range (monitor.c, fw_in_range) */
	char *reference, *url;
	char *added_at, *added_by;
	char *closed_at, *closed_by, *closed_why;	/* NULL while open */
};

struct store;

/* Every call returns 0 (or, for lookups, 1 found / 0 not found) or -1 with the reason in
 * store_why().  Writes happen between begin and commit; begin waits (a busy timeout) for another
 * process's write to finish rather than failing. */
struct store_ops {
	const char *name;
	int (*open)(const char *where, struct store **out, char *why, size_t len);
	void (*close)(struct store *s);
	int (*begin)(struct store *s);
	int (*commit)(struct store *s);
	void (*rollback)(struct store *s);

	int (*lab_find)(struct store *s, const char *name, struct reg_lab *out);
	/* Adds a lab or changes its trust and CA; the event (add or remove, by, why) is kept. */
	int (*lab_put)(struct store *s, const struct reg_lab *l, const char *event);
	int (*labs)(struct store *s, struct reg_lab **out, size_t *n);

	/* The id of the report whose report.xml has this SHA-256. */
	int (*report_find)(struct store *s, const char *sha256, int64_t *id);
	int (*report_add)(struct store *s, const struct reg_report *r, int64_t *id);
	/* Every report, with its assessments and files (verdicts only when with_verdicts), in the
	 * order they were added. */
	int (*reports)(struct store *s, int with_verdicts, struct reg_report **out, size_t *n);

	int (*advisory_add)(struct store *s, const struct reg_advisory *a, int64_t *id);
	int (*advisory_close)(struct store *s, int64_t id, const char *at, const char *by, const char *why);
	int (*advisories)(struct store *s, struct reg_advisory **out, size_t *n);
};

/* The state every backend's store begins with. */
struct store {
	const struct store_ops *ops;
	char why[512];
};

static inline const char *store_why(const struct store *s)
{
	return s->why;
}

extern const struct store_ops store_sqlite;

void reg_lab_release(struct reg_lab *l);
void reg_labs_free(struct reg_lab *l, size_t n);
void reg_reports_free(struct reg_report *r, size_t n);
void reg_advisories_free(struct reg_advisory *a, size_t n);

#endif
