/* conformance.c — report.xml, keur's conformance report (reports/report.xsd): lab, operator,
 * DUT identity and declarations, profile with its SHA-256, the journal it was derived from,
 * each requirement and case with its verdict, evidence with SHA-256, levels, the label.
 * Secrets never reach it: the journal holds none. */
#include "reports.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ics.h"
#include "mqtt_versions.h"
#include "review.h"
#include "sha256.h"
#include "util.h"
#include "xmlout.h"

extern const char keur_xsd_report[];

static void attrs_of(struct xo *x, const struct jrec *r, const char *const *keys)
{
	for (; *keys; keys++)
		xo_attr(x, *keys, jrec_get(r, *keys));
}

/* An <evidence> element per evidence file that record r lists, in OUT/evidence/folder/. */
static void evidence_elems(struct xo *x, const struct jrec *r, const char *folder)
{
	char ename[256], sha[65];
	long long size;

	for (size_t k = 0; (k = evidence_next(r, k, ename, sha, &size));) {
		xo_open(x, "evidence");
		xo_attrf(x, "file", "evidence/%s/%s", folder, ename);
		xo_attr(x, "sha256", sha);
		xo_attrf(x, "size", "%lld", size);
		xo_close(x);
	}
}

/* What the run found out about the MQTT versions of each broker endpoint, with the probe's
 * evidence (harness/runner.c journals it as "mqtt-versions"). */
static void mqtt_versions(struct xo *x, const struct run_view *rv)
{
	for (size_t i = 0; i < rv->recs.n; i++) {
		const struct jrec *r = &rv->recs.r[i];
		if (strcmp(r->type, MQTT_VERSIONS_RECORD))
			continue;
		xo_open(x, "mqtt-versions");
		xo_attr(x, "endpoint", jrec_get(r, "endpoint"));
		xo_attr(x, "spoken", jrec_get(r, "spoken"));
		xo_attr(x, "not-spoken", jrec_get(r, "unspoken"));
		xo_elem(x, "how", jrec_get(r, "why"));
		evidence_elems(x, r, MQTT_VERSIONS_ID);
		xo_close(x);
	}
}

/* The ICS the run was given: who stated it, and its copy in the evidence. */
static void ics_elem(struct xo *x, const struct run_view *rv)
{
	size_t n = 0, contradictions = rv->ncontradictions;

	if (!rv->ics)
		return;
	for (size_t i = 0; i < rv->recs.n; i++)
		n += !strcmp(rv->recs.r[i].type, ICS_STATEMENT_RECORD);
	/* The ICS answers one profile of the run: its contradictions are that profile's. */
	for (size_t i = 0; i < rv->nas; i++)
		if (jrec_get(rv->ics, "profile") && !strcmp(jrec_get(rv->as[i].profile, "id"), jrec_get(rv->ics, "profile")))
			contradictions = rv->as[i].ncontradictions;
	xo_open(x, "ics");
	xo_attr(x, "profile", jrec_get(rv->ics, "profile"));
	xo_attr(x, "profile-version", jrec_get(rv->ics, "profile-version"));
	xo_attr(x, "issued-by", jrec_get(rv->ics, "issued-by"));
	xo_attr(x, "date", jrec_get(rv->ics, "date"));
	xo_attrf(x, "statements", "%zu", n);
	xo_attrf(x, "contradictions", "%zu", contradictions);
	evidence_elems(x, rv->ics, ICS_EVIDENCE);
	xo_close(x);
}

/* A requirement's ICS statement, contradiction and review. */
static void req_person(struct xo *x, const struct rv_req *q)
{
	if (q->ics) {
		xo_open(x, "ics");
		xo_attr(x, "status", jrec_get(q->ics, "status"));
		if (jrec_get(q->ics, "justification") && jrec_get(q->ics, "justification")[0])
			xo_elem(x, "justification", jrec_get(q->ics, "justification"));
		for (size_t k = 0; k < q->ics->n; k++)
			if (!strcmp(q->ics->key[k], "doc"))
				xo_elem(x, "document", q->ics->val[k]);
		xo_close(x);
	}
	xo_elem(x, "contradiction", q->contradiction);
	if (q->review) {
		const struct jrec *r = q->review;
		struct review_doc_ref d;
		xo_open(x, "review");
		xo_attr(x, "verdict", jrec_get(r, "verdict"));
		xo_attr(x, "assessor", jrec_get(r, "assessor"));
		xo_attr(x, "date", jrec_get(r, "date"));
		xo_attr_time(x, "recorded", jrec_get_i64(r, "recorded", 0));
		xo_attr(x, "recorded-by", jrec_get(r, "by"));
		xo_attrf(x, "reviews", "%zu", q->nreviews);
		xo_attr(x, "path", jrec_get(r, "path"));
		if (q->review_src)
			xo_attrf(x, "recorded-for", "%s %s", q->review_src->profile, jrec_get(q->review_src->rec, "id"));
		for (struct review_answer_ref a = { 0 }; review_answer_next(q, &a);) {
			xo_open(x, "answer");
			xo_attr(x, "question", a.question);
			xo_attr(x, "ask", a.ask);
			xo_text(x, a.yes ? "yes" : "no");
			xo_close(x);
		}
		xo_elem(x, "rationale", jrec_get(r, "rationale") ? jrec_get(r, "rationale") : "");
		xo_elem(x, "override", jrec_get(r, "override"));
		for (size_t k = 0; (k = review_doc_next(r, k, &d));) {
			xo_open(x, "document");
			xo_attr(x, "file", d.file);
			xo_attr(x, "sha256", d.sha256);
			xo_attrf(x, "size", "%lld", d.size);
			xo_attr(x, "title", d.title);
			xo_close(x);
		}
		xo_close(x);
	}
}

/* One profile's judgement: its requirements, levels and label. */
static const char *const prof_keys[] = { "id", "version", "title", "sha256", NULL };

static void assessment_elems(struct xo *x, const struct run_view *rv)
{
	struct label lb;

	xo_open(x, "requirements");
	for (size_t i = 0; i < rv->nreqs; i++) {
		const struct rv_req *q = &rv->reqs[i];
		xo_open(x, "requirement");
		xo_attr(x, "id", jrec_get(q->rec, "id"));
		xo_attr(x, "source", jrec_get(q->rec, "source"));
		xo_attr(x, "kind", jrec_get(q->rec, "kind"));
		xo_attr(x, "obligation", jrec_get(q->rec, "obligation"));
		xo_attr(x, "level", jrec_get(q->rec, "level"));
		xo_attr(x, "verdict", rv_req_verdict_name(q));
		xo_attr(x, "decided-by", q->review ? "assessor" : q->open ? "nobody yet" : "keur");
		if (q->review && !q->docs)
			xo_attr(x, "tested-verdict", verdict_or_not_run(q->tested));
		xo_elem(x, "summary", jrec_get(q->rec, "summary"));
		xo_elem(x, "not-applicable", jrec_get(q->rec, "na"));
		if (q->waived) {
			xo_open(x, "waiver");
			xo_attr(x, "approved-by", jrec_get(q->rec, "waiver-by"));
			xo_text(x, q->waived);
			xo_close(x);
		}
		const char *cases = jrec_get(q->rec, "cases");
		for (char *id; (id = list_next(&cases)); free(id)) {
			const struct rv_case *c = run_view_case(rv, id);
			xo_open(x, "case");
			xo_attr(x, "ref", id);
			xo_attr(x, "verdict", verdict_or_not_run(c ? c->verdict : KEUR_NONE));
			xo_close(x);
		}
		req_person(x, q);
		xo_close(x);
	}
	xo_close(x);

	if (rv->nlevels) {
		xo_open(x, "levels");
		xo_attr(x, "reached", run_view_level_text(rv));
		for (size_t i = 0; i < rv->nlevels; i++) {
			const struct rv_level *l = &rv->levels[i];
			xo_open(x, "level");
			xo_attr(x, "id", l->id);
			xo_attr(x, "includes", l->includes);
			xo_attr(x, "reached", l->reached ? "true" : "false");
			xo_text(x, l->why);
			xo_close(x);
		}
		xo_close(x);
	}

	label_compute(rv, &lb);
	xo_open(x, "label");
	xo_attr(x, "report-id", rv->report_id);
	xo_open(x, "field");
	xo_attr(x, "name", "security-level");
	xo_attr(x, "value", lb.level);
	xo_close(x);
	for (int f = 0; f < LABEL_NFIELDS; f++) {
		xo_open(x, "field");
		xo_attr(x, "name", lb.f[f].name);
		xo_attr(x, "value", lb.f[f].value);
		xo_attr(x, "verdict", verdict_or_not_run(lb.f[f].verdict));
		xo_attr(x, "from", lb.f[f].source);
		xo_text(x, lb.f[f].text);
		xo_close(x);
	}
	xo_close(x);
}

static int conformance_write_sel(const struct run_view *rv, const char *dir)
{
	static const char *const dut_keys[] = { "id", "vendor", "model", "firmware", "serial", NULL };
	static const char *const decl_keys[] = { "support-until", "market-date", "automatic-updates", "sbom",
						 "network-equipment", NULL };
	static const char *const lab_keys[] = { "id", "name", "accreditation", NULL };
	struct xo x;
	int counts[KEUR_NA + 1] = { 0 };
	char sha[65], *jpath;
	int64_t jsize;

	/* The journal as it is now: the report rests on it, and keur verify checks it is unchanged. */
	jpath = path_join(dir, "journal");
	if (sha256_file(jpath, sha, &jsize) < 0) {
		free(jpath);
		return -1;
	}
	free(jpath);
	if (xo_start(&x) < 0)
		return -1;
	xo_open(&x, "report");
	xmlTextWriterWriteAttribute(x.w, BAD_CAST "xmlns", BAD_CAST "urn:keur:report:1");
	xo_attr(&x, "keur-version", jrec_get(rv->run, "keur-version"));
	xo_attr_time(&x, "started", jrec_get_i64(rv->run, "started", 0));
	if (rv->end)
		xo_attr_time(&x, "finished", jrec_get_i64(rv->end, "finished", 0));
	xo_attr(&x, "complete", rv->end && rv->done == rv->ncases ? "true" : "false");

	xo_open(&x, "lab");
	attrs_of(&x, rv->lab, lab_keys);
	for (size_t i = 0; rv->lab && i < rv->lab->n; i++)
		if (!strcmp(rv->lab->key[i], "scope")) {
			xo_open(&x, "scope");
			xo_attr(&x, "allow", rv->lab->val[i]);
			xo_close(&x);
		}
	xo_close(&x);

	xo_open(&x, "operator");
	xo_attr(&x, "name", jrec_get(rv->run, "operator") ? jrec_get(rv->run, "operator") : "not recorded");
	xo_close(&x);

	xo_open(&x, "dut");
	attrs_of(&x, rv->dut, dut_keys);
	xo_open(&x, "declares");
	attrs_of(&x, rv->dut, decl_keys);
	xo_close(&x);
	for (size_t i = 0; rv->dut && i < rv->dut->n; i++)
		if (!strcmp(rv->dut->key[i], "interface"))
			xo_elem(&x, "interface", rv->dut->val[i]);
	mqtt_versions(&x, rv);
	xo_close(&x);

	if (rv->profile) {
		xo_open(&x, "profile");
		attrs_of(&x, rv->profile, prof_keys);
		xo_close(&x);
	}
	if (jrec_get(rv->run, "only") || jrec_get(rv->run, "level")) {
		xo_open(&x, "selection");
		xo_attr(&x, "only", jrec_get(rv->run, "only"));
		xo_attr(&x, "level", jrec_get(rv->run, "level"));
		xo_close(&x);
	}
	xo_open(&x, "journal");
	xo_attr(&x, "file", "journal");
	xo_attr(&x, "sha256", sha);
	xo_attrf(&x, "size", "%lld", (long long)jsize);
	xo_close(&x);
	ics_elem(&x, rv);

	assessment_elems(&x, rv);
	if (rv->nas > 1) {
		struct run_view v = *rv;
		for (size_t i = 1; i < rv->nas; i++) {
			run_view_select(&v, i);
			xo_open(&x, "assessment");
			xo_attrf(&x, "decided-by-keur", "%zu", v.ntested);
			xo_attrf(&x, "reviewed", "%zu", v.nreviewed);
			xo_attrf(&x, "awaiting-review", "%zu", v.nopen);
			xo_open(&x, "profile");
			attrs_of(&x, v.profile, prof_keys);
			xo_close(&x);
			assessment_elems(&x, &v);
			xo_close(&x);
		}
	}

	xo_open(&x, "cases");
	for (size_t i = 0; i < rv->ncases; i++) {
		const struct rv_case *c = &rv->cases[i];
		counts[c->verdict]++;
		xo_open(&x, "case");
		xo_attr(&x, "id", jrec_get(c->plan, "id"));
		xo_attr(&x, "suite", jrec_get(c->plan, "suite"));
		xo_attr(&x, "spec", jrec_get(c->plan, "spec"));
		xo_attr(&x, "verdict", verdict_or_not_run(c->verdict));
		if (c->result) {
			xo_attr_time(&x, "started", jrec_get_i64(c->result, "start", 0));
			xo_attr(&x, "duration-ms", jrec_get(c->result, "duration-ms"));
		}
		xo_elem(&x, "title", jrec_get(c->plan, "title"));
		xo_elem(&x, "reason", c->result ? jrec_get(c->result, "reason") : "not run: the run ended before this case");
		if (c->result && jrec_get(c->result, "contain")) {
			/* What the case process ran as, seen in /proc by the parent (contain.h). */
			xo_open(&x, "containment");
			if (jrec_get(c->result, "contain-uid")) {
				xo_attr(&x, "uid", jrec_get(c->result, "contain-uid"));
				xo_attr(&x, "capabilities", jrec_get(c->result, "contain-caps"));
				xo_attr(&x, "no-new-privs", jrec_get_i64(c->result, "contain-nnp", 0) ? "true" : "false");
			}
			xo_text(&x, jrec_get(c->result, "contain"));
			xo_close(&x);
		}
		evidence_elems(&x, c->result, jrec_get(c->plan, "id"));
		xo_close(&x);
	}
	xo_close(&x);

	xo_open(&x, "summary");
	for (int v = KEUR_PASS; v <= KEUR_NA; v++)
		xo_attrf(&x, verdict_name((enum keur_verdict)v), "%d", counts[v]);
	xo_attrf(&x, "not-run", "%d", counts[KEUR_NONE]);
	if (rv->profile) {
		xo_attrf(&x, "decided-by-keur", "%zu", rv->ntested);
		xo_attrf(&x, "reviewed", "%zu", rv->nreviewed);
		xo_attrf(&x, "awaiting-review", "%zu", rv->nopen);
	}
	xo_attrf(&x, "exit-code", "%d", run_view_exit(rv));
	xo_close(&x);

	xo_close(&x);
	return xo_finish_valid(&x, dir, "report.xml", keur_xsd_report);
}

int conformance_write(const struct run_view *rv, const char *dir)
{
	/* The report's own elements are the first profile's, whichever a caller had selected. */
	struct run_view v = *rv;

	if (v.nas)
		run_view_select(&v, 0);
	return conformance_write_sel(&v, dir);
}

int report_is_signed(const char *dir)
{
	char *path = path_join(dir, "report.xml"), *text = NULL;
	size_t n;
	int r = 0;

	if (file_read(path, &text, &n) == 0)
		r = strstr(text, "http://www.w3.org/2000/09/xmldsig#") != NULL;
	free(text);
	free(path);
	return r;
}

int reports_write_all(const struct run_view *rv, const char *dir, int keep_signed)
{
	int r = 0;

	if (tap_write(rv, dir) < 0) {
		fprintf(stderr, "keur: cannot write %s/results.tap\n", dir);
		r = -1;
	}
	if (junit_write(rv, dir) < 0) {
		fprintf(stderr, "keur: cannot write %s/junit.xml\n", dir);
		r = -1;
	}
	if (oscal_write(rv, dir) < 0) {
		fprintf(stderr, "keur: cannot write %s/oscal.xml\n", dir);
		r = -1;
	}
	if (keep_signed && report_is_signed(dir)) {
		/* A signed report is the lab's statement: a rewrite would drop the signature. */
		fprintf(stderr, "keur: %s/report.xml is signed; left as it is (delete it to have it rewritten)\n", dir);
	} else if (conformance_write(rv, dir) < 0) {
		fprintf(stderr, "keur: cannot write %s/report.xml\n", dir);
		r = -1;
	}
	if (label_write(rv, dir) < 0) {
		fprintf(stderr, "keur: cannot write %s/label.svg\n", dir);
		r = -1;
	}
	if (html_write(dir) < 0) {
		fprintf(stderr, "keur: cannot write %s/report.html\n", dir);
		r = -1;
	}
	return r;
}
