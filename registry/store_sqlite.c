/* store_sqlite.c — the registry's embedded backend: one SQLite file, no server.
 *
 * The schema is a list of migrations; PRAGMA user_version says how many a database has had, and
 * opening one applies the rest in one transaction (a database from a newer keur is refused, not
 * changed).  WAL lets readers go on while one process adds; writers take the database with
 * BEGIN IMMEDIATE and wait for each other through SQLite's busy timeout, so two processes adding
 * at once are serialised by SQLite's own locking, never by a lock of keur's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "util.h"

/* How long a writer waits for another to finish before giving up. */
#define BUSY_MS 60000

static const char *const migrations[] = {
	/* 1: labs and their trust, reports with what they are indexed by, advisories. */
	"CREATE TABLE lab ("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, ca_pem TEXT NOT NULL, ca_subject TEXT NOT NULL,"
	"  ca_sha256 TEXT NOT NULL, trusted INTEGER NOT NULL, changed_at TEXT NOT NULL, changed_by TEXT NOT NULL,"
	"  changed_why TEXT);"
	"CREATE TABLE trust_event ("
	"  id INTEGER PRIMARY KEY, lab INTEGER NOT NULL REFERENCES lab(id), event TEXT NOT NULL,"
	"  ca_sha256 TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL, why TEXT);"
	"CREATE TABLE product ("
	"  id INTEGER PRIMARY KEY, vendor TEXT NOT NULL, model TEXT NOT NULL, UNIQUE (vendor, model));"
	"CREATE TABLE report ("
	"  id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, report_id TEXT NOT NULL,"
	"  lab INTEGER NOT NULL REFERENCES lab(id), signer TEXT NOT NULL, signer_sha256 TEXT NOT NULL,"
	"  product INTEGER NOT NULL REFERENCES product(id), firmware TEXT NOT NULL,"
	"  started TEXT NOT NULL, finished TEXT NOT NULL, support_until TEXT, support_end TEXT,"
	"  operator TEXT, lab_in_report TEXT, selection TEXT, added_at TEXT NOT NULL, added_by TEXT NOT NULL);"
	"CREATE INDEX report_product ON report (product, firmware);"
	"CREATE TABLE assessment ("
	"  id INTEGER PRIMARY KEY, report INTEGER NOT NULL REFERENCES report(id), seq INTEGER NOT NULL,"
	"  profile TEXT NOT NULL, profile_version TEXT, title TEXT, level TEXT NOT NULL, levels_reached TEXT NOT NULL,"
	"  updates TEXT, support TEXT, offline TEXT, failed INTEGER NOT NULL, undecided INTEGER NOT NULL,"
	"  UNIQUE (report, profile));"
	"CREATE TABLE verdict ("
	"  assessment INTEGER NOT NULL REFERENCES assessment(id), requirement TEXT NOT NULL, kind TEXT NOT NULL,"
	"  verdict TEXT NOT NULL, decided_by TEXT, PRIMARY KEY (assessment, requirement));"
	"CREATE TABLE file ("
	"  report INTEGER NOT NULL REFERENCES report(id), path TEXT NOT NULL, sha256 TEXT NOT NULL,"
	"  size INTEGER NOT NULL, PRIMARY KEY (report, path));"
	"CREATE TABLE advisory ("
	"  id INTEGER PRIMARY KEY, vendor TEXT NOT NULL, model TEXT NOT NULL, firmware TEXT NOT NULL,"
	"  reference TEXT NOT NULL, url TEXT, added_at TEXT NOT NULL, added_by TEXT NOT NULL,"
	"  closed_at TEXT, closed_by TEXT, closed_why TEXT);",
};
#define NMIGRATIONS ((int)ARRAY_SIZE(migrations))

struct sq {
	struct store base;
	sqlite3 *db;
};

static int sq_fail(struct sq *q, const char *what)
{
	snprintf(q->base.why, sizeof(q->base.why), "%s: %s", what, sqlite3_errmsg(q->db));
	return -1;
}

static int sq_exec(struct sq *q, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(q->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		snprintf(q->base.why, sizeof(q->base.why), "%s", err ? err : sqlite3_errmsg(q->db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static sqlite3_stmt *sq_prep(struct sq *q, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sq_fail(q, "the registry database");
		return NULL;
	}
	return st;
}

/* Binds the arguments of fmt: 's' a string (NULL binds NULL), 'i' an int64. */
static void sq_bind(sqlite3_stmt *st, const char *fmt, const void *const *args)
{
	for (int i = 0; fmt[i]; i++) {
		if (fmt[i] == 'i')
			sqlite3_bind_int64(st, i + 1, *(const int64_t *)args[i]);
		else if (args[i])
			sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, i + 1);
	}
}

/* Runs one statement that returns no rows. */
static int sq_run(struct sq *q, const char *sql, const char *fmt, const void *const *args)
{
	sqlite3_stmt *st = sq_prep(q, sql);
	int r;

	if (!st)
		return -1;
	if ((int)strlen(fmt) != sqlite3_bind_parameter_count(st)) {	/* keur's own mistake: say so */
		snprintf(q->base.why, sizeof(q->base.why), "internal error: %zu values for %d parameters in \"%.60s\"",
			 strlen(fmt), sqlite3_bind_parameter_count(st), sql);
		sqlite3_finalize(st);
		return -1;
	}
	sq_bind(st, fmt, args);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : sq_fail(q, "the registry database");
	sqlite3_finalize(st);
	return r;
}

static char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? xstrdup((const char *)t) : NULL;
}

/* PRAGMA application_id of a keur registry: "keur" in ASCII. */
#define KEUR_APP_ID 0x6b657572

/* One integer that a statement returns, or -1. */
static int sq_int(struct sq *q, const char *sql)
{
	sqlite3_stmt *st = sq_prep(q, sql);
	int v = -1;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else if (st)
		sq_fail(q, "the registry database");
	sqlite3_finalize(st);
	return v;
}

/* A database of another program is not made into a registry: a new one is empty, a
 * registry says so in its application_id. */
static int ours(struct sq *q)
{
	int app = sq_int(q, "PRAGMA application_id"), n = sq_int(q, "SELECT count(*) FROM sqlite_master");

	if (app < 0 || n < 0)
		return -1;
	if (app == KEUR_APP_ID || (app == 0 && n == 0))
		return 0;
	snprintf(q->base.why, sizeof(q->base.why), "it is a database of another program, not a keur registry%s",
		 app ? "" : " (it holds tables, and no keur application_id)");
	return -1;
}

static int schema_version(struct sq *q)
{
	return sq_int(q, "PRAGMA user_version");
}

/* Brings the schema up to date.  A database that is (the usual case) takes no lock here, so a
 * query never waits for an intake's transaction; one that is not is migrated by the first
 * process to take the write lock, and the others see it done. */
static int migrate(struct sq *q)
{
	int have = schema_version(q);

	if (have == NMIGRATIONS)
		return 0;
	if (have < 0 || sq_exec(q, "BEGIN IMMEDIATE") < 0)
		return -1;
	if ((have = schema_version(q)) < 0)
		goto fail;
	if (have > NMIGRATIONS) {
		snprintf(q->base.why, sizeof(q->base.why), "the database has schema version %d; this keur knows "
			 "versions up to %d: use a newer keur", have, NMIGRATIONS);
		goto fail;
	}
	char app[48];
	snprintf(app, sizeof(app), "PRAGMA application_id = %d", KEUR_APP_ID);
	if (have == 0 && sq_exec(q, app) < 0)
		goto fail;
	for (int v = have; v < NMIGRATIONS; v++) {
		char pragma[48];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (sq_exec(q, migrations[v]) < 0 || sq_exec(q, pragma) < 0)
			goto fail;
	}
	return sq_exec(q, "COMMIT");
fail:
	sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static void sq_close(struct store *s)
{
	struct sq *q = (struct sq *)s;

	if (!q)
		return;
	sqlite3_close(q->db);
	free(q);
}

static int sq_open(const char *where, struct store **out, char *why, size_t len)
{
	struct sq *q = xcalloc(1, sizeof(*q));

	q->base.ops = &store_sqlite;
	*out = NULL;
	if (sqlite3_open_v2(where, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(why, len, "cannot open the registry database %s: %s", where, q->db ? sqlite3_errmsg(q->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(q->db, BUSY_MS);
	/* WAL: readers do not wait for a writer; FULL: a commit is on disk when COMMIT returns. */
	if (ours(q) < 0 || sq_exec(q, "PRAGMA journal_mode = WAL") < 0 || sq_exec(q, "PRAGMA synchronous = FULL") < 0 ||
	    sq_exec(q, "PRAGMA foreign_keys = ON") < 0 || migrate(q) < 0) {
		snprintf(why, len, "the registry database %s: %s", where, q->base.why);
		goto fail;
	}
	*out = &q->base;
	return 0;
fail:
	sq_close(&q->base);
	return -1;
}

static int sq_begin(struct store *s)
{
	return sq_exec((struct sq *)s, "BEGIN IMMEDIATE");
}

static int sq_commit(struct store *s)
{
	return sq_exec((struct sq *)s, "COMMIT");
}

static void sq_rollback(struct store *s)
{
	sqlite3_exec(((struct sq *)s)->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- labs ---- */

#define LAB_COLS "id, name, ca_pem, ca_subject, ca_sha256, trusted, changed_at, changed_by, changed_why"

static void lab_row(sqlite3_stmt *st, struct reg_lab *l)
{
	l->id = sqlite3_column_int64(st, 0);
	l->name = col(st, 1);
	l->ca_pem = col(st, 2);
	l->ca_subject = col(st, 3);
	l->ca_sha256 = col(st, 4);
	l->trusted = sqlite3_column_int(st, 5);
	l->changed_at = col(st, 6);
	l->changed_by = col(st, 7);
	l->changed_why = col(st, 8);
}

static int sq_lab_find(struct store *s, const char *name, struct reg_lab *out)
{
	struct sq *q = (struct sq *)s;
	sqlite3_stmt *st = sq_prep(q, "SELECT " LAB_COLS " FROM lab WHERE name = ?");
	int r;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		lab_row(st, out);
	r = r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : sq_fail(q, "the trust list");
	sqlite3_finalize(st);
	return r;
}

static int sq_lab_put(struct store *s, const struct reg_lab *l, const char *event)
{
	struct sq *q = (struct sq *)s;
	int64_t trusted = l->trusted;
	const void *a[] = { l->name, l->ca_pem, l->ca_subject, l->ca_sha256, &trusted, l->changed_at, l->changed_by,
			    l->changed_why };

	if (sq_run(q, "INSERT INTO lab (name, ca_pem, ca_subject, ca_sha256, trusted, changed_at, changed_by, changed_why) "
		      "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET ca_pem = excluded.ca_pem, "
		      "ca_subject = excluded.ca_subject, ca_sha256 = excluded.ca_sha256, trusted = excluded.trusted, "
		      "changed_at = excluded.changed_at, changed_by = excluded.changed_by, changed_why = excluded.changed_why",
		   "ssssisss", a) < 0)
		return -1;
	const void *e[] = { event, l->ca_sha256, l->changed_at, l->changed_by, l->changed_why, l->name };
	return sq_run(q, "INSERT INTO trust_event (lab, event, ca_sha256, at, by, why) "
			 "SELECT id, ?, ?, ?, ?, ? FROM lab WHERE name = ?", "ssssss", e);
}

static int sq_labs(struct store *s, struct reg_lab **out, size_t *n)
{
	struct sq *q = (struct sq *)s;
	sqlite3_stmt *st = sq_prep(q, "SELECT " LAB_COLS " FROM lab ORDER BY name");
	int r;

	*out = NULL;
	*n = 0;
	if (!st)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		lab_row(st, &(*out)[(*n)++]);
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? 0 : sq_fail(q, "the trust list");
}

/* ---- reports ---- */

static int sq_report_find(struct store *s, const char *sha256, int64_t *id)
{
	struct sq *q = (struct sq *)s;
	sqlite3_stmt *st = sq_prep(q, "SELECT id FROM report WHERE sha256 = ?");
	int r;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	r = r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : sq_fail(q, "the registry database");
	sqlite3_finalize(st);
	return r;
}

static int product_id(struct sq *q, const char *vendor, const char *model, int64_t *id)
{
	const void *a[] = { vendor, model };
	sqlite3_stmt *st;
	int r;

	if (sq_run(q, "INSERT INTO product (vendor, model) VALUES (?, ?) ON CONFLICT DO NOTHING", "ss", a) < 0 ||
	    !(st = sq_prep(q, "SELECT id FROM product WHERE vendor = ? AND model = ?")))
		return -1;
	sq_bind(st, "ss", a);
	r = sqlite3_step(st) == SQLITE_ROW ? 0 : sq_fail(q, "the registry database");
	*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r;
}

static int assess_add(struct sq *q, int64_t report, int64_t seq, const struct reg_assess *as)
{
	int64_t failed = as->failed, undecided = as->undecided, aid;
	const void *a[] = { &report, &seq, as->profile, as->profile_version, as->title, as->level, as->levels_reached,
			    as->updates, as->support, as->offline, &failed, &undecided };

	if (sq_run(q, "INSERT INTO assessment (report, seq, profile, profile_version, title, level, levels_reached, "
		      "updates, support, offline, failed, undecided) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		   "iissssssssii", a) < 0)
		return -1;
	aid = sqlite3_last_insert_rowid(q->db);
	for (size_t i = 0; i < as->nv; i++) {
		const struct reg_verdict *v = &as->v[i];
		const void *b[] = { &aid, v->req, v->kind, v->verdict, v->decided_by };
		if (sq_run(q, "INSERT INTO verdict (assessment, requirement, kind, verdict, decided_by) VALUES (?, ?, ?, ?, ?)",
			   "issss", b) < 0)
			return -1;
	}
	return 0;
}

static int sq_report_add(struct store *s, const struct reg_report *r, int64_t *id)
{
	struct sq *q = (struct sq *)s;
	int64_t product;
	struct reg_lab lab;

	if (sq_lab_find(s, r->lab, &lab) != 1)
		return -1;
	int64_t labid = lab.id;
	reg_lab_release(&lab);
	if (product_id(q, r->vendor, r->model, &product) < 0)
		return -1;
	const void *a[] = { r->sha256, r->report_id, &labid, r->signer, r->signer_sha256, &product, r->firmware,
			    r->started, r->finished, r->support_until, r->support_end, r->operator_name,
			    r->lab_in_report, r->selection, r->added_at, r->added_by };
	if (sq_run(q, "INSERT INTO report (sha256, report_id, lab, signer, signer_sha256, product, firmware, started, "
		      "finished, support_until, support_end, operator, lab_in_report, selection, added_at, added_by) "
		      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "ssississssssssss", a) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(q->db);
	for (size_t i = 0; i < r->nas; i++)
		if (assess_add(q, *id, (int64_t)i, &r->as[i]) < 0)
			return -1;
	for (size_t i = 0; i < r->nfiles; i++) {
		const void *b[] = { id, r->files[i].path, r->files[i].sha256, &r->files[i].size };
		if (sq_run(q, "INSERT INTO file (report, path, sha256, size) VALUES (?, ?, ?, ?)", "issi", b) < 0)
			return -1;
	}
	return 0;
}

/* The report in out[] with this id (they come in id order). */
static struct reg_report *report_of(struct reg_report *r, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (r[mid].id == id)
			return &r[mid];
		if (r[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int verdicts_load(struct sq *q, struct reg_report *r, size_t n)
{
	sqlite3_stmt *st = sq_prep(q, "SELECT a.report, a.seq, v.requirement, v.kind, v.verdict, v.decided_by "
				      "FROM verdict v JOIN assessment a ON a.id = v.assessment ORDER BY a.report, a.seq, v.rowid");
	int rc;

	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct reg_report *p = report_of(r, n, sqlite3_column_int64(st, 0));
		int64_t seq = sqlite3_column_int64(st, 1);
		if (!p || seq < 0 || (size_t)seq >= p->nas)
			continue;
		struct reg_assess *as = &p->as[seq];
		as->v = xrealloc(as->v, (as->nv + 1) * sizeof(*as->v));
		as->v[as->nv++] = (struct reg_verdict){ col(st, 2), col(st, 3), col(st, 4), col(st, 5) };
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sq_fail(q, "the registry database");
}

static int sq_reports(struct store *s, int with_verdicts, struct reg_report **out, size_t *n)
{
	struct sq *q = (struct sq *)s;
	sqlite3_stmt *st = sq_prep(q, "SELECT r.id, r.sha256, r.report_id, l.name, l.trusted, r.signer, r.signer_sha256, "
				      "p.vendor, p.model, r.firmware, r.started, r.finished, r.support_until, r.support_end, "
				      "r.operator, r.lab_in_report, r.selection, r.added_at, r.added_by "
				      "FROM report r JOIN lab l ON l.id = r.lab JOIN product p ON p.id = r.product ORDER BY r.id");
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		struct reg_report *r = &(*out)[(*n)++];
		memset(r, 0, sizeof(*r));
		r->id = sqlite3_column_int64(st, 0);
		r->sha256 = col(st, 1);
		r->report_id = col(st, 2);
		r->lab = col(st, 3);
		r->lab_trusted = sqlite3_column_int(st, 4);
		r->signer = col(st, 5);
		r->signer_sha256 = col(st, 6);
		r->vendor = col(st, 7);
		r->model = col(st, 8);
		r->firmware = col(st, 9);
		r->started = col(st, 10);
		r->finished = col(st, 11);
		r->support_until = col(st, 12);
		r->support_end = col(st, 13);
		r->operator_name = col(st, 14);
		r->lab_in_report = col(st, 15);
		r->selection = col(st, 16);
		r->added_at = col(st, 17);
		r->added_by = col(st, 18);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sq_fail(q, "the registry database");

	if (!(st = sq_prep(q, "SELECT report, id, profile, profile_version, title, level, levels_reached, updates, support, "
			      "offline, failed, undecided FROM assessment ORDER BY report, seq")))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct reg_report *r = report_of(*out, *n, sqlite3_column_int64(st, 0));
		if (!r)
			continue;
		r->as = xrealloc(r->as, (r->nas + 1) * sizeof(*r->as));
		r->as[r->nas++] = (struct reg_assess){ .id = sqlite3_column_int64(st, 1), .profile = col(st, 2),
			.profile_version = col(st, 3), .title = col(st, 4), .level = col(st, 5), .levels_reached = col(st, 6),
			.updates = col(st, 7), .support = col(st, 8), .offline = col(st, 9),
			.failed = sqlite3_column_int(st, 10), .undecided = sqlite3_column_int(st, 11) };
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sq_fail(q, "the registry database");

	if (!(st = sq_prep(q, "SELECT report, path, sha256, size FROM file ORDER BY report, rowid")))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct reg_report *r = report_of(*out, *n, sqlite3_column_int64(st, 0));
		if (!r)
			continue;
		r->files = xrealloc(r->files, (r->nfiles + 1) * sizeof(*r->files));
		r->files[r->nfiles++] = (struct reg_file){ col(st, 1), col(st, 2), sqlite3_column_int64(st, 3) };
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sq_fail(q, "the registry database");
	return with_verdicts ? verdicts_load(q, *out, *n) : 0;
}

/* ---- advisories ---- */

static int sq_advisory_add(struct store *s, const struct reg_advisory *a, int64_t *id)
{
	struct sq *q = (struct sq *)s;
	const void *v[] = { a->vendor, a->model, a->firmware, a->reference, a->url, a->added_at, a->added_by };

	if (sq_run(q, "INSERT INTO advisory (vendor, model, firmware, reference, url, added_at, added_by) "
		      "VALUES (?, ?, ?, ?, ?, ?, ?)", "sssssss", v) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(q->db);
	return 0;
}

static int sq_advisory_close(struct store *s, int64_t id, const char *at, const char *by, const char *why)
{
	struct sq *q = (struct sq *)s;
	const void *v[] = { at, by, why, &id };

	if (sq_run(q, "UPDATE advisory SET closed_at = ?, closed_by = ?, closed_why = ? WHERE id = ? AND closed_at IS NULL",
		   "sssi", v) < 0)
		return -1;
	if (sqlite3_changes(q->db) != 1) {
		snprintf(q->base.why, sizeof(q->base.why), "no open advisory %lld", (long long)id);
		return -1;
	}
	return 0;
}

static int sq_advisories(struct store *s, struct reg_advisory **out, size_t *n)
{
	struct sq *q = (struct sq *)s;
	sqlite3_stmt *st = sq_prep(q, "SELECT id, vendor, model, firmware, reference, url, added_at, added_by, closed_at, "
				      "closed_by, closed_why FROM advisory ORDER BY id");
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = (struct reg_advisory){ sqlite3_column_int64(st, 0), col(st, 1), col(st, 2), col(st, 3),
			col(st, 4), col(st, 5), col(st, 6), col(st, 7), col(st, 8), col(st, 9), col(st, 10) };
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sq_fail(q, "the advisories");
}

const struct store_ops store_sqlite = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.lab_find = sq_lab_find,
	.lab_put = sq_lab_put,
	.labs = sq_labs,
	.report_find = sq_report_find,
	.report_add = sq_report_add,
	.reports = sq_reports,
	.advisory_add = sq_advisory_add,
	.advisory_close = sq_advisory_close,
	.advisories = sq_advisories,
};

/* ---- freeing what the calls return (the same for every backend) ---- */

void reg_lab_release(struct reg_lab *l)
{
	free(l->name);
	free(l->ca_pem);
	free(l->ca_subject);
	free(l->ca_sha256);
	free(l->changed_at);
	free(l->changed_by);
	free(l->changed_why);
	memset(l, 0, sizeof(*l));
}

void reg_labs_free(struct reg_lab *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		reg_lab_release(&l[i]);
	free(l);
}

static void assess_release(struct reg_assess *a)
{
	for (size_t i = 0; i < a->nv; i++) {
		free(a->v[i].req);
		free(a->v[i].kind);
		free(a->v[i].verdict);
		free(a->v[i].decided_by);
	}
	free(a->v);
	free(a->profile);
	free(a->profile_version);
	free(a->title);
	free(a->level);
	free(a->levels_reached);
	free(a->updates);
	free(a->support);
	free(a->offline);
}

void reg_reports_free(struct reg_report *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct reg_report *p = &r[i];
		char *s[] = { p->sha256, p->report_id, p->lab, p->signer, p->signer_sha256, p->vendor, p->model, p->firmware,
			      p->started, p->finished, p->support_until, p->support_end, p->operator_name, p->lab_in_report,
			      p->selection, p->added_at, p->added_by };
		for (size_t k = 0; k < ARRAY_SIZE(s); k++)
			free(s[k]);
		for (size_t k = 0; k < p->nas; k++)
			assess_release(&p->as[k]);
		free(p->as);
		for (size_t k = 0; k < p->nfiles; k++) {
			free(p->files[k].path);
			free(p->files[k].sha256);
		}
		free(p->files);
	}
	free(r);
}

void reg_advisories_free(struct reg_advisory *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *s[] = { a[i].vendor, a[i].model, a[i].firmware, a[i].reference, a[i].url, a[i].added_at,
			      a[i].added_by, a[i].closed_at, a[i].closed_by, a[i].closed_why };
		for (size_t k = 0; k < ARRAY_SIZE(s); k++)
			free(s[k]);
	}
	free(a);
}
