/* review.c — the assessor's review file: loading it against a run, recording it, and printing
 * one to fill in. */
#include "review.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "tree.h"
#include "util.h"
#include "xmlin.h"

extern const char keur_xsd_review[];

/* A file or folder name keur writes: letters, digits, '.', '_' and '-' only, never "." or "..". */
static char *safe_name(const char *s)
{
	char *n = xstrdup(s && *s ? s : "_");

	for (char *c = n; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' ||
		      *c == '_' || *c == '-'))
			*c = '_';
	if (n[0] == '.')
		n[0] = '_';
	return n;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* The latest date a review may carry: today where the day is furthest ahead (UTC+14). */
static void latest_date(char out[11])
{
	time_t t = time(NULL) + 14 * 3600;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

void review_entry_release(struct review_entry *e)
{
	free(e->requirement);
	free(e->profile);
	free(e->verdict);
	free(e->assessor);
	free(e->date);
	free(e->rationale);
	free(e->override);
	free(e->answers);
	free(e->path);
	for (size_t d = 0; d < e->ndocs; d++) {
		free(e->docs[d].path);
		free(e->docs[d].title);
	}
	free(e->docs);
}

void review_file_free(struct review_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		review_entry_release(&f->e[i]);
	free(f->e);
	free(f->path);
	free(f->run);
	free(f);
}

/* Why keur's own verdict stands unless a person overrides it, or NULL for a requirement a
 * person decides anyway. */
static char *decided_by_keur(const struct rv_req *q)
{
	const char *na = jrec_get(q->rec, "na");

	if (na)
		return xasprintf("does not apply to this DUT (%s)", na);
	if (!q->docs)
		return xasprintf("is decided by keur's cases (%s: %s)", verdict_name(q->tested),
				 jrec_get(q->rec, "cases") ? jrec_get(q->rec, "cases") : "");
	return NULL;
}

int review_doc_problem(const char *full, char *why, size_t len)
{
	struct stat st;

	if (stat(full, &st) < 0)
		snprintf(why, len, "document '%s': %s", full, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(why, len, "document '%s' is not a regular file", full);
	else if (st.st_size > REVIEW_DOC_MAX)
		snprintf(why, len, "document '%s' is %lld bytes; keur keeps documents up to %lld", full,
			 (long long)st.st_size, (long long)REVIEW_DOC_MAX);
	else if (access(full, R_OK) < 0)
		snprintf(why, len, "document '%s': %s", full, strerror(errno));
	else
		return 0;
	return -1;
}

static void doc_check(struct review_entry *e, xmlNodePtr c, const char *base, const char *path,
		      struct input_errors *err)
{
	char *rel, *full, why[PATH_MAX + 128];
	long line = xml_line(c);

	/* Past the limit the file is refused already (said once); looking at the rest would make the
	 * errors grow with the square of the documents. */
	if (e->ndocs > REVIEW_DOCS_MAX)
		return;
	rel = xml_attr(c, "path");
	if (!rel || !rel[0]) {
		input_err_add(err, "%s:%ld: review of '%s': a <document> with an empty path", path, line, e->requirement);
		free(rel);
		return;
	}
	full = path_join(base, rel);
	free(rel);
	if (review_doc_problem(full, why, sizeof(why)) < 0)
		input_err_add(err, "%s:%ld: review of '%s': %s", path, line, e->requirement, why);
	for (size_t d = 0; d < e->ndocs; d++) {
		char *a = safe_name(base_name(e->docs[d].path)), *b = safe_name(base_name(full));
		int same = !strcmp(a, b);
		if (same)
			input_err_add(err, "%s:%ld: review of '%s': two documents named '%s'; rename one", path, line,
				      e->requirement, b);
		free(a);
		free(b);
		if (same)	/* once per document, not once per earlier namesake */
			break;
	}
	if (e->ndocs == REVIEW_DOCS_MAX)
		input_err_add(err, "%s:%ld: review of '%s': more than %d documents", path, line, e->requirement,
			      REVIEW_DOCS_MAX);
	e->docs = xrealloc(e->docs, (e->ndocs + 1) * sizeof(*e->docs));
	e->docs[e->ndocs].path = full;
	e->docs[e->ndocs++].title = xml_attr(c, "title");
}

/* An <answer question="Q">yes|no</answer>: added to e's answers text; an empty one is not given. */
static void answer_add(struct review_entry *e, xmlNodePtr c)
{
	char *q = xml_attr(c, "question"), *v = xml_text(c);

	if (q && v && v[0]) {
		char *more = xasprintf("%s%s%s=%s", e->answers ? e->answers : "", e->answers ? "," : "", q, v);
		free(e->answers);
		e->answers = more;
	}
	free(q);
	free(v);
}

/* Follows e's answers through q's tree: the verdict they lead to fills an empty one, and must be
 * the one given otherwise.  Answers that stop short leave the review open.  -1 on an error. */
static int tree_verdict(struct review_entry *e, const struct rv_req *q, const char *path, struct input_errors *err)
{
	struct tree_walk w;
	char why[256];

	if (tree_walk(&q->guide, e->answers, &w, why, sizeof(why)) < 0) {
		input_err_add(err, "%s:%d: review of '%s': %s", path, e->line, e->requirement, why);
		return -1;
	}
	if (!w.verdict) {
		if (e->verdict[0]) {
			input_err_add(err, "%s:%d: review of '%s': the answers stop before a verdict (%s); answer question "
				      "'%s' too", path, e->line, e->requirement, w.path[0] ? w.path : "none yet",
				      q->guide.tree[w.next].id);
			return -1;
		}
		return 0;	/* stays open, like an empty verdict */
	}
	if (e->verdict[0] && strcmp(e->verdict, w.verdict)) {
		input_err_add(err, "%s:%d: review of '%s': the answers lead to %s (%s), the verdict says %s; make them agree",
			      path, e->line, e->requirement, w.verdict, w.path, e->verdict);
		return -1;
	}
	free(e->verdict);
	e->verdict = xstrdup(w.verdict);
	e->path = xstrdup(w.path);
	free(e->answers);
	e->answers = xstrdup(w.answers);
	return 0;
}

/* One <review>: read, then checked against the run; kept in f when it has a verdict. */
static void entry_load(struct review_file *f, xmlNodePtr n, const char *base, const struct run_view *rv,
		      struct input_errors *err)
{
	struct review_entry e = { 0 };
	const char *path = f->path;
	const struct rv_req *q;
	char today[11], *keur;

	e.line = (int)xml_line(n);
	e.requirement = xml_attr(n, "requirement");
	e.profile = xml_attr(n, "profile");
	if (e.profile && !e.profile[0]) {
		free(e.profile);
		e.profile = NULL;
	}
	e.verdict = xml_attr(n, "verdict");
	e.assessor = xml_attr(n, "assessor");
	e.date = xml_attr(n, "date");
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (xml_is_el(c, "rationale")) {
			free(e.rationale);
			e.rationale = xml_text(c);
		} else if (xml_is_el(c, "override")) {
			e.override = xml_attr(c, "reason");
		} else if (xml_is_el(c, "answer")) {
			answer_add(&e, c);
		}
	}
	q = run_view_req_in(rv, e.profile, e.requirement, NULL);
	if (!q) {
		char *ids = run_view_profile_ids(rv);
		input_err_add(err, "%s:%d: requirement '%s' is not in %s%s (profile%s %s%s%s)", path, e.line, e.requirement,
			      e.profile ? "profile " : "this run", e.profile ? e.profile : "", rv->nas > 1 ? "s" : "", ids,
			      jrec_get(rv->run, "level") ? ", --level " : "", jrec_get(rv->run, "level") ? jrec_get(rv->run, "level") : "");
		free(ids);
		review_entry_release(&e);
		return;
	}
	if (!e.profile) {
		/* Several profiles of the run may have this ID: one review decides them all only where
		 * the profiles say they are the same requirement. */
		for (size_t i = 0; i < rv->nas; i++) {
			const char *other = jrec_get(rv->as[i].profile, "id");
			const struct rv_req *o = run_view_req_in(rv, other, e.requirement, NULL);
			if (o && o != q && !run_view_same(rv, q, other, e.requirement)) {
				input_err_add(err, "%s:%d: requirement '%s' is in profiles %s and %s of this run, which do not say "
					      "they are the same: give the review profile=\"...\"", path, e.line, e.requirement,
					      q->profile, other);
				review_entry_release(&e);
				return;
			}
		}
	}
	free(e.profile);
	e.profile = q->profile ? xstrdup(q->profile) : NULL;
	if (q->guide.ntree && e.answers && tree_verdict(&e, q, path, err) < 0) {
		review_entry_release(&e);
		return;
	}
	if (!q->guide.ntree && e.answers) {
		input_err_add(err, "%s:%d: review of '%s': it has no decision tree, so nothing to answer; give its verdict",
			      path, e.line, e.requirement);
		review_entry_release(&e);
		return;
	}
	if (q->guide.ntree && !e.answers && e.verdict[0]) {
		input_err_add(err, "%s:%d: review of '%s': its decision tree gives the verdict: answer its questions "
			      "(<answer question=\"%s\">yes|no</answer>, keur list --requirement %s shows them)",
			      path, e.line, e.requirement, q->guide.tree[0].id, e.requirement);
		review_entry_release(&e);
		return;
	}
	if (!e.verdict[0]) {	/* left open: not recorded */
		f->open++;
		review_entry_release(&e);
		return;
	}
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->e[i].requirement, e.requirement) &&
		    (!f->e[i].profile || !e.profile || !strcmp(f->e[i].profile, e.profile))) {
			input_err_add(err, "%s:%d: requirement '%s' is reviewed twice in this file (first on line %d)", path,
				      e.line, e.requirement, f->e[i].line);
			break;	/* the first only: a file of one requirement N times gives N errors, not N*N/2 */
		}
	if (!e.assessor[0] || strspn(e.assessor, " \t\n") == strlen(e.assessor))
		input_err_add(err, "%s:%d: review of '%s': assessor is empty: name the person who decided", path, e.line,
			      e.requirement);
	latest_date(today);
	if (!e.date[0])
		input_err_add(err, "%s:%d: review of '%s': date is empty: when was it decided (YYYY-MM-DD)?", path, e.line,
			      e.requirement);
	else if (strcmp(e.date, today) > 0)
		input_err_add(err, "%s:%d: review of '%s': date %s is in the future", path, e.line, e.requirement, e.date);
	if (!e.rationale || !e.rationale[0])
		input_err_add(err, "%s:%d: review of '%s': <rationale> is empty: say why it is %s", path, e.line,
			      e.requirement, e.verdict);
	if ((keur = decided_by_keur(q)) && !e.override)
		input_err_add(err, "%s:%d: '%s' %s; a person's verdict on it needs <override reason=\"...\"/>", path, e.line,
			      e.requirement, keur);
	else if (!keur && e.override)
		input_err_add(err, "%s:%d: review of '%s': <override> is for requirements keur decides; this one is the "
			      "assessor's to decide anyway", path, e.line, e.requirement);
	free(keur);
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (xml_is_el(c, "document"))
			doc_check(&e, c, base, path, err);
	if (!strcmp(e.verdict, "pass") && !e.ndocs)
		input_err_add(err, "%s:%d: review of '%s': a pass needs the documents examined (<document path=\"...\"/>)",
			      path, e.line, e.requirement);
	f->e = xrealloc(f->e, (f->n + 1) * sizeof(*f->e));
	f->e[f->n++] = e;
}

int review_load(const char *path, const struct run_view *rv, struct review_file **out, struct input_errors *err)
{
	struct review_file *f = xcalloc(1, sizeof(*f));
	size_t nerr = err->n;
	xmlDocPtr doc = input_load_checked(path, NS_REVIEW, "reviews", keur_xsd_review, f->sha256, err);
	char *base = path_dir(path);
	xmlNodePtr root;

	f->path = xstrdup(path);
	if (!doc)
		goto out;
	root = xmlDocGetRootElement(doc);
	f->run = xml_attr(root, "run");
	if (f->run && f->run[0] && strcmp(f->run, rv->report_id)) {
		input_err_add(err, "%s:%ld: these reviews are for run %s; this run is %s", path, xml_line(root), f->run,
			      rv->report_id);
		goto out;
	}
	if (!rv->profile) {
		input_err_add(err, "%s: the run has no profile, so no requirement to review", path);
		goto out;
	}
	for (xmlNodePtr n = root->children; n; n = n->next)
		if (xml_is_el(n, "review"))
			entry_load(f, n, base, rv, err);
	if (err->n == nerr && f->n == 0)
		input_err_add(err, "%s: no review has a verdict yet (%zu left open); nothing to record", path, f->open);
out:
	free(base);
	if (doc)
		xmlFreeDoc(doc);
	if (err->n > nerr) {
		review_file_free(f);
		return -1;
	}
	*out = f;
	return 0;
}

int review_lint(const char *path, size_t *n, struct input_errors *err)
{
	xmlDocPtr doc = input_load_checked(path, NS_REVIEW, "reviews", keur_xsd_review, NULL, err);

	if (!doc)
		return -1;
	*n = 0;
	for (xmlNodePtr e = xmlDocGetRootElement(doc)->children; e; e = e->next) {
		char *v = xml_is_el(e, "review") ? xml_attr(e, "verdict") : NULL;
		int answered = 0;
		for (xmlNodePtr a = v ? e->children : NULL; a && !answered; a = a->next)
			if (xml_is_el(a, "answer")) {
				char *t = xml_text(a);
				answered = t && t[0];
				free(t);
			}
		*n += (v && v[0]) || answered;
		free(v);
	}
	xmlFreeDoc(doc);
	return 0;
}

/* Removes what an interrupted attempt left in evidence/REVIEW/BATCH (two levels: requirement
 * folders holding documents); the journal names none of it. */
static void batch_clear(const char *bdir)
{
	DIR *d = opendir(bdir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *sub = path_join(bdir, de->d_name);
		DIR *s = opendir(sub);
		struct dirent *fe;
		while (s && (fe = readdir(s))) {
			if (strcmp(fe->d_name, ".") && strcmp(fe->d_name, "..")) {
				char *file = path_join(sub, fe->d_name);
				unlink(file);
				free(file);
			}
		}
		if (s)
			closedir(s);
		if (rmdir(sub) < 0)
			unlink(sub);
		free(sub);
	}
	closedir(d);
}

int review_record(const char *dir, const struct run_view *rv, const struct review_file *f, const char *by,
		  char *why, size_t len)
{
	struct jrec *recs = xcalloc(f->n, sizeof(*recs));
	struct journal *j = NULL;
	long long batch = 1;
	char *bdir, *jpath = path_join(dir, "journal");
	int r = -1, e;

	for (size_t i = 0; i < rv->recs.n; i++)
		if (!strcmp(rv->recs.r[i].type, REVIEW_RECORD) && jrec_get_i64(&rv->recs.r[i], "batch", 0) >= batch)
			batch = jrec_get_i64(&rv->recs.r[i], "batch", 0) + 1;
	bdir = xasprintf("%s/evidence/%s/%lld", dir, REVIEW_EVIDENCE, batch);
	/* Take the journal first: a run still going holds it, and nothing is copied then. */
	if ((e = journal_open(jpath, &j)) < 0) {
		if (e == -EBUSY)
			snprintf(why, len, "the run in %s is still going (another keur holds its journal); record the review "
				 "when it has ended", dir);
		else
			snprintf(why, len, "cannot open %s: %s", jpath, e == -EBADMSG ? "it is damaged" : strerror(-e));
		goto out;
	}
	batch_clear(bdir);
	for (size_t i = 0; i < f->n; i++) {
		const struct review_entry *en = &f->e[i];
		/* With several profiles a requirement ID may be in two: the folder names the profile. */
		char *both = rv->nas > 1 && en->profile ? xasprintf("%s.%s", en->profile, en->requirement) : NULL;
		char *req = safe_name(both ? both : en->requirement), *rdir = xasprintf("%s/%s", bdir, req);
		free(both);
		jrec_init(&recs[i], REVIEW_RECORD);
		jrec_add(&recs[i], "requirement", en->requirement);
		jrec_add(&recs[i], "profile", en->profile);
		jrec_add(&recs[i], "verdict", en->verdict);
		jrec_add(&recs[i], "assessor", en->assessor);
		jrec_add(&recs[i], "date", en->date);
		jrec_add(&recs[i], "rationale", en->rationale);
		jrec_add(&recs[i], "override", en->override);
		jrec_add(&recs[i], "answers", en->answers);
		jrec_add(&recs[i], "path", en->path);
		if (en->ndocs && (e = mkdir_p(rdir, 0755)) < 0)
			snprintf(why, len, "cannot create %s: %s", rdir, strerror(-e));
		for (size_t d = 0; e >= 0 && d < en->ndocs; d++) {
			char *name = safe_name(base_name(en->docs[d].path)), *to = path_join(rdir, name), sha[65];
			int64_t size = 0;
			if ((e = file_copy(en->docs[d].path, to, REVIEW_DOC_MAX, sha, &size)) < 0)
				snprintf(why, len, "cannot copy '%s' into the evidence: %s", en->docs[d].path,
					 e == -EFBIG ? "it grew beyond the size keur keeps" : strerror(-e));
			else
				jrec_addf(&recs[i], "doc", "evidence/%s/%lld/%s/%s:%s:%lld:%s", REVIEW_EVIDENCE, batch, req,
					  name, sha, (long long)size, en->docs[d].title ? en->docs[d].title : base_name(en->docs[d].path));
			free(name);
			free(to);
		}
		jrec_add(&recs[i], "file", f->path);
		if (f->sha256[0])
			jrec_add(&recs[i], "file-sha256", f->sha256);
		jrec_addf(&recs[i], "batch", "%lld", batch);
		jrec_addf(&recs[i], "recorded", "%lld", (long long)time_now_ms());
		jrec_add(&recs[i], "by", by);
		free(req);
		free(rdir);
		if (e < 0)
			goto out;
	}
	/* The documents are in place (each fsynced); one write makes the whole file count. */
	if ((e = journal_append(j, recs, f->n)) < 0) {
		snprintf(why, len, "cannot write %s: %s", jpath, strerror(-e));
		goto out;
	}
	r = 0;
out:
	if (j)
		journal_close(j);
	for (size_t i = 0; i < f->n; i++)
		jrec_release(&recs[i]);
	free(recs);
	free(bdir);
	free(jpath);
	return r;
}

/* The guidance and the decision tree of r, inside the comment before its <review>. */
static void guide_comment(FILE *out, const struct profile_req *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m;

	if ((!r->guidance && !r->ntree) || !(m = open_memstream(&text, &len)))
		return;
	if (r->guidance) {
		fprintf(m, "\n       Guidance:\n");
		guidance_print(m, r, "         ", 100);
	}
	if (r->ntree) {
		fprintf(m, "       Decision tree: answer yes or no from the first question on, along the path the\n"
			   "       answers take; keur derives the verdict from them.\n");
		tree_print(m, r, "         ", 100);
	}
	fclose(m);
	if (len && text[len - 1] == '\n')
		text[len - 1] = '\0';
	xml_comment_print(out, text);
	free(text);
}

int review_covered(const struct run_view *rv, size_t as, const struct rv_req *q)
{
	/* Only by one that is listed itself: its review decides q directly (same-as is not
	 * followed from one requirement to a third).  Depth at most the number of profiles. */
	for (size_t a = 0; a < as; a++)
		for (size_t i = 0; i < rv->as[a].nreqs; i++) {
			const struct rv_req *o = &rv->as[a].reqs[i];
			if (o->open && run_view_same(rv, q, o->profile, jrec_get(o->rec, "id")) &&
			    !review_covered(rv, a, o))
				return 1;
		}
	return 0;
}

static size_t template_reqs(FILE *out, const struct run_view *rv, size_t as);

size_t review_template(FILE *out, const struct run_view *rv)
{
	size_t n = 0;
	char *ids = run_view_profile_ids(rv);

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<!-- The assessor's review of run %s (DUT %s, profile%s %s): one <review> per requirement still\n"
		     "     open for a person.  Fill in verdict (pass, fail, inconc or na), assessor, date (YYYY-MM-DD),\n"
		     "     the <rationale> and a <document path=\"...\"/> per document examined (paths relative to this\n"
		     "     file; keur copies each into the run's evidence).  A review left with verdict=\"\" stays open.\n"
		     "     Where a requirement has a decision tree, answer its questions (<answer>yes</answer> or no)\n"
		     "     along the path your answers take: keur derives the verdict, so verdict may stay empty.\n"
		     "     Record it with: keur review DIR, giving this file with the option with.%s -->\n",
		rv->report_id, jrec_get(rv->dut, "id") ? jrec_get(rv->dut, "id") : "?", rv->nas > 1 ? "s" : "",
		ids,
		rv->nas > 1 ? "\n     A requirement that a profile states to be the same as another's (same-as) is listed\n"
			      "     once: its review decides it in every profile of the run." : "");
	free(ids);
	fprintf(out, "<reviews xmlns=\"%s\" run=\"%s\">\n", NS_REVIEW, rv->report_id);
	for (size_t a = 0; a < rv->nas; a++)
		n += template_reqs(out, rv, a);
	fprintf(out, "</reviews>\n");
	return n;
}

/* The open requirements of profile as of the run, each once (review_covered). */
static size_t template_reqs(FILE *out, const struct run_view *rv, size_t as)
{
	size_t n = 0;

	for (size_t i = 0; i < rv->as[as].nreqs; i++) {
		const struct rv_req *q = &rv->as[as].reqs[i];
		if (!q->open || review_covered(rv, as, q))
			continue;
		n++;
		fprintf(out, "\n  <!-- %s%s%s (%s%s%s%s): ", rv->nas > 1 ? q->profile : "", rv->nas > 1 ? " " : "",
			jrec_get(q->rec, "id"), jrec_get(q->rec, "source"),
			run_view_req_counts(q) ? "" : "; recommended: does not count for the level",
			jrec_get(q->rec, "level") ? ", level " : "", jrec_get(q->rec, "level") ? jrec_get(q->rec, "level") : "");
		xml_comment_print(out, jrec_get(q->rec, "summary"));
		for (size_t a = as + 1; a < rv->nas; a++)
			for (size_t k = 0; k < rv->as[a].nreqs; k++)
				if (run_view_same(rv, q, rv->as[a].reqs[k].profile, jrec_get(rv->as[a].reqs[k].rec, "id")))
					fprintf(out, "\n       the same as %s %s: this review decides it too",
						rv->as[a].reqs[k].profile, jrec_get(rv->as[a].reqs[k].rec, "id"));
		if (q->ics) {
			fprintf(out, "\n       ICS: %s", jrec_get(q->ics, "status"));
			if (jrec_get(q->ics, "justification") && jrec_get(q->ics, "justification")[0]) {
				fprintf(out, ": ");
				xml_comment_print(out, jrec_get(q->ics, "justification"));
			}
			for (size_t k = 0; k < q->ics->n; k++)
				if (!strcmp(q->ics->key[k], "doc")) {
					fprintf(out, "\n       manufacturer's document: ");
					xml_comment_print(out, q->ics->val[k]);
				}
		}
		if (q->contradiction) {
			fprintf(out, "\n       CONTRADICTION: ");
			xml_comment_print(out, q->contradiction);
		}
		guide_comment(out, &q->guide);
		if (rv->nas > 1)
			fprintf(out, " -->\n  <review profile=\"%s\" requirement=\"%s\" verdict=\"\" assessor=\"\" date=\"\">\n",
				q->profile, jrec_get(q->rec, "id"));
		else
			fprintf(out, " -->\n  <review requirement=\"%s\" verdict=\"\" assessor=\"\" date=\"\">\n",
				jrec_get(q->rec, "id"));
		for (size_t k = 0; k < q->guide.ntree; k++)
			fprintf(out, "    <answer question=\"%s\"></answer>\n", q->guide.tree[k].id);
		fprintf(out, "    <rationale></rationale>\n    <!-- <document path=\"\" title=\"\"/> -->\n  </review>\n");
	}
	return n;
}
