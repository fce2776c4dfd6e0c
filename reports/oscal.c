/* oscal.c — DIR/oscal.xml: the run as NIST OSCAL 1.1.2 assessment-results, for regulators who
 * collect results in OSCAL; validated against the OSCAL XSD (compiled in) on every write.
 *
 * One <result> per run.  Every case that ran is an <observation> (method TEST, its evidence
 * files as <relevant-evidence> with their SHA-256).  Every requirement keur decides is a
 * <finding> whose target is the requirement's ID (type objective-id), related to the
 * observations of its cases.  OSCAL's objective status knows only satisfied and not-satisfied:
 * pass is satisfied (reason pass), fail not-satisfied (reason fail), inconc and error are
 * not-satisfied with reason "other" and keur's own verdict in a prop, so that an undecided
 * requirement is never read as passed and never as failed by the device.  The assessor's
 * review of a requirement is an observation of its own (method EXAMINE, the documents examined
 * as evidence), and a reviewed requirement gets a finding like a tested one.  Requirements that
 * do not apply, or still await the review, get no finding: they are listed apart in
 * reviewed-controls, each with its reason in the result's remarks.
 *
 * UUIDs are derived from the report ID and the element they name, so rewriting the file from
 * the journal gives the same file. */
#include "reports.h"

#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "util.h"
#include "xmlout.h"

extern const char keur_xsd_oscal_assessment_results_schema[];

#define KEUR_NS "urn:keur:report:1"

/* A version-4-shaped UUID from the SHA-256 of "REPORT-ID/what". */
/* A UUID derived from the report ID and what it names; in a run of several profiles each
 * profile's result names its own (OSCAL wants every UUID of a document unique). */
static void uuid_of(const struct run_view *rv, const char *what, char out[37])
{
	char *s = rv->nas > 1 && strcmp(what, "assessment-results") ?
		  xasprintf("%s/%s/%s", rv->report_id, jrec_get(rv->profile, "id"), what) :
		  xasprintf("%s/%s", rv->report_id, what), hex[65];
	int o = 0;

	sha256_hex(s, strlen(s), hex);
	free(s);
	for (int i = 0; i < 32; i++) {
		if (i == 8 || i == 12 || i == 16 || i == 20)
			out[o++] = '-';
		char c = hex[i];
		if (i == 12)
			c = '4';
		else if (i == 16)
			c = "89ab"[(hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10) & 3];
		out[o++] = c;
	}
	out[o] = '\0';
}

static void prop(struct xo *x, const char *name, const char *value)
{
	if (!value || !value[0])
		return;
	xo_open(x, "prop");
	xo_attr(x, "name", name);
	xo_attr(x, "ns", KEUR_NS);
	xo_attr(x, "value", value);
	xo_close(x);
}

static void para(struct xo *x, const char *el, const char *text)
{
	xo_open(x, el);
	xo_elem(x, "p", text && text[0] ? text : "-");
	xo_close(x);
}

static void time_elem(struct xo *x, const char *el, int64_t ms)
{
	char t[40];

	if (ms <= 0)
		return;
	xo_elem(x, el, time_iso(ms, t, sizeof(t)));
}

/* Is this requirement one keur gives a finding for (decided by its cases or by the assessor)? */
static int decided(const struct rv_req *q)
{
	return !q->open && q->verdict != KEUR_NA && q->verdict != KEUR_NONE;
}

/* The assessor's review of a requirement as an observation (method EXAMINE), the documents
 * examined as its evidence. */
static void review_observation(struct xo *x, const struct run_view *rv, const struct rv_req *q)
{
	const struct jrec *r = q->review;
	struct review_doc_ref d;
	char u[37], *what = xasprintf("review/%s", jrec_get(q->rec, "id")), *text = rv_review_text(q);

	xo_open(x, "observation");
	uuid_of(rv, what, u);
	xo_attr(x, "uuid", u);
	free(what);
	what = xasprintf("Assessor's review of %s", jrec_get(q->rec, "id"));
	xo_elem(x, "title", what);
	free(what);
	para(x, "description", text);
	free(text);
	prop(x, "requirement", jrec_get(q->rec, "id"));
	prop(x, "verdict", jrec_get(r, "verdict"));
	prop(x, "assessor", jrec_get(r, "assessor"));
	prop(x, "review-date", jrec_get(r, "date"));
	prop(x, "recorded-by", jrec_get(r, "by"));
	if (jrec_get(r, "override"))
		prop(x, "overrides", verdict_or_not_run(q->tested));
	if (jrec_get(r, "path"))
		prop(x, "decision-path", jrec_get(r, "path"));
	for (struct review_answer_ref a = { 0 }; review_answer_next(q, &a);) {
		what = xasprintf("%s %s%s%s", a.question, a.yes ? "yes" : "no", a.ask ? ": " : "", a.ask ? a.ask : "");
		prop(x, "decision-answer", what);
		free(what);
	}
	xo_elem(x, "method", "EXAMINE");
	for (size_t k = 0; (k = review_doc_next(r, k, &d));) {
		xo_open(x, "relevant-evidence");
		xo_attr(x, "href", d.file);
		what = xasprintf("%s: SHA-256 %s, %lld bytes", d.title, d.sha256, d.size);
		para(x, "description", what);
		free(what);
		xo_close(x);
	}
	time_elem(x, "collected", jrec_get_i64(r, "recorded", 0));
	xo_close(x);
}

static void result_elem(struct xo *xp, const struct run_view *rv);

int oscal_write(const struct run_view *rv, const char *dir)
{
	struct xo x;
	char u[37], *title;
	int64_t started = jrec_get_i64(rv->run, "started", 0);
	int64_t finished = rv->end ? jrec_get_i64(rv->end, "finished", 0) : 0;
	const char *dut = jrec_get(rv->dut, "id"), *profile = rv->profile ? jrec_get(rv->profile, "id") : NULL;
	struct strbuf profiles;

	if (xo_start(&x) < 0)
		return -1;
	sb_init(&profiles);
	for (size_t i = 0; i < rv->nas; i++)
		sb_addf(&profiles, "%s%s", i ? (i + 1 == rv->nas ? " and " : ", ") : "", jrec_get(rv->as[i].profile, "id"));
	if (profiles.len)
		profile = profiles.buf;
	xo_open(&x, "assessment-results");
	xmlTextWriterWriteAttribute(x.w, BAD_CAST "xmlns", BAD_CAST "http://csrc.nist.gov/ns/oscal/1.0");
	uuid_of(rv, "assessment-results", u);
	xo_attr(&x, "uuid", u);

	xo_open(&x, "metadata");
	title = xasprintf("keur assessment of %s%s%s", dut ? dut : "a DUT", profile ? " against " : "",
			  profile ? profile : "");
	sb_release(&profiles);
	xo_elem(&x, "title", title);
	free(title);
	time_elem(&x, "last-modified", finished ? finished : started);
	xo_elem(&x, "version", rv->report_id);
	xo_elem(&x, "oscal-version", "1.1.2");
	prop(&x, "keur-version", jrec_get(rv->run, "keur-version"));
	prop(&x, "report-id", rv->report_id);
	prop(&x, "lab", jrec_get(rv->lab, "name") ? jrec_get(rv->lab, "name") : jrec_get(rv->lab, "id"));
	prop(&x, "accreditation", jrec_get(rv->lab, "accreditation"));
	prop(&x, "operator", jrec_get(rv->run, "operator"));
	xo_close(&x);

	/* keur has no separate assessment plan: the conformance report of the run stands for it. */
	xo_open(&x, "import-ap");
	xo_attr(&x, "href", "report.xml");
	para(&x, "remarks", "The plan of this assessment is the profile, DUT and lab description recorded in the "
			    "run's journal; report.xml is the conformance report derived from it.");
	xo_close(&x);

	/* One result per profile the run was judged against. */
	if (rv->nas > 1) {
		struct run_view v = *rv;
		for (size_t i = 0; i < rv->nas; i++) {
			run_view_select(&v, i);
			result_elem(&x, &v);
		}
	} else {
		result_elem(&x, rv);
	}
	xo_close(&x);
	return xo_finish_valid(&x, dir, "oscal.xml", keur_xsd_oscal_assessment_results_schema);
}

static void result_elem(struct xo *xp, const struct run_view *rv)
{
	struct xo x = *xp;
	char u[37], *title;
	int64_t started = jrec_get_i64(rv->run, "started", 0);
	int64_t finished = rv->end ? jrec_get_i64(rv->end, "finished", 0) : 0;
	const char *dut = jrec_get(rv->dut, "id"), *profile = rv->profile ? jrec_get(rv->profile, "id") : NULL;
	int ndecided = 0, nother = 0;

	title = xasprintf("keur assessment of %s%s%s", dut ? dut : "a DUT", profile ? " against " : "",
			  profile ? profile : "");
	xo_open(&x, "result");
	uuid_of(rv, "result", u);
	xo_attr(&x, "uuid", u);
	xo_elem(&x, "title", title);
	free(title);
	{
		char *d = xasprintf("Automated tests by keur %s of DUT %s (%s %s, firmware %s); %s: %s.",
				    jrec_get(rv->run, "keur-version"), dut ? dut : "?",
				    jrec_get(rv->dut, "vendor") ? jrec_get(rv->dut, "vendor") : "",
				    jrec_get(rv->dut, "model") ? jrec_get(rv->dut, "model") : "",
				    jrec_get(rv->dut, "firmware") ? jrec_get(rv->dut, "firmware") : "?",
				    rv->levelless ? "the scheme's requirements" : "level reached",
				    rv->profile ? run_view_level_text(rv) : "no profile");
		para(&x, "description", d);
		free(d);
	}
	time_elem(&x, "start", started);
	time_elem(&x, "end", finished);
	prop(&x, "complete", rv->end && rv->done == rv->ncases ? "true" : "false");

	xo_open(&x, "reviewed-controls");
	for (size_t i = 0; i < rv->nreqs; i++)
		decided(&rv->reqs[i]) ? ndecided++ : nother++;
	if (ndecided || !nother) {
		xo_open(&x, "control-selection");
		para(&x, "description", "Requirements decided: by keur testing the DUT, or by the assessor's review.");
		for (size_t i = 0; i < rv->nreqs; i++)
			if (decided(&rv->reqs[i])) {
				xo_open(&x, "include-control");
				xo_attr(&x, "control-id", jrec_get(rv->reqs[i].rec, "id"));
				xo_close(&x);
			}
		if (!ndecided)
			xo_elem(&x, "include-all", "");
		xo_close(&x);
	}
	if (nother) {
		xo_open(&x, "control-selection");
		para(&x, "description", "Requirements not decided here: not applicable to this DUT, or awaiting the "
					"assessor's review; see the remarks.");
		for (size_t i = 0; i < rv->nreqs; i++)
			if (!decided(&rv->reqs[i])) {
				xo_open(&x, "include-control");
				xo_attr(&x, "control-id", jrec_get(rv->reqs[i].rec, "id"));
				xo_close(&x);
			}
		xo_close(&x);
	}
	xo_close(&x);

	for (size_t i = 0; i < rv->ncases; i++) {
		const struct rv_case *c = &rv->cases[i];
		const char *id = jrec_get(c->plan, "id");
		char ename[256], sha[65], *d;
		long long size;
		if (!c->result)
			continue;
		xo_open(&x, "observation");
		uuid_of(rv, id, u);
		xo_attr(&x, "uuid", u);
		d = xasprintf("%s %s", id, jrec_get(c->plan, "title") ? jrec_get(c->plan, "title") : "");
		xo_elem(&x, "title", d);
		free(d);
		d = xasprintf("%s: %s", verdict_name(c->verdict), jrec_get(c->result, "reason") ? jrec_get(c->result, "reason") : "");
		para(&x, "description", d);
		free(d);
		prop(&x, "case-id", id);
		prop(&x, "verdict", verdict_name(c->verdict));
		prop(&x, "spec", jrec_get(c->plan, "spec"));
		xo_elem(&x, "method", "TEST");
		for (size_t k = 0; (k = evidence_next(c->result, k, ename, sha, &size));) {
			xo_open(&x, "relevant-evidence");
			xo_attrf(&x, "href", "evidence/%s/%s", id, ename);
			d = xasprintf("%s: SHA-256 %s, %lld bytes", ename, sha, size);
			para(&x, "description", d);
			free(d);
			xo_close(&x);
		}
		time_elem(&x, "collected", jrec_get_i64(c->result, "start", 0) > 0 ? jrec_get_i64(c->result, "start", 0) : started);
		xo_close(&x);
	}
	for (size_t i = 0; i < rv->nreqs; i++)
		if (rv->reqs[i].review)
			review_observation(&x, rv, &rv->reqs[i]);

	for (size_t i = 0; i < rv->nreqs; i++) {
		const struct rv_req *q = &rv->reqs[i];
		const char *id = jrec_get(q->rec, "id"), *cases = jrec_get(q->rec, "cases");
		char *what;
		if (!decided(q))
			continue;
		xo_open(&x, "finding");
		what = xasprintf("finding/%s", id);
		uuid_of(rv, what, u);
		free(what);
		xo_attr(&x, "uuid", u);
		what = xasprintf("%s: %s", id, jrec_get(q->rec, "summary") ? jrec_get(q->rec, "summary") : "");
		xo_elem(&x, "title", what);
		free(what);
		what = xasprintf("%s (%s, level %s): %s verdict %s%s%s.", jrec_get(q->rec, "source") ? jrec_get(q->rec, "source") : id,
				 jrec_get(q->rec, "kind"), jrec_get(q->rec, "level") ? jrec_get(q->rec, "level") : "-",
				 q->review ? "the assessor's" : "keur's", verdict_name(q->verdict), q->waived ? "; waived: " : "",
				 q->waived ? q->waived : "");
		para(&x, "description", what);
		free(what);
		prop(&x, "verdict", verdict_name(q->verdict));
		prop(&x, "kind", jrec_get(q->rec, "kind"));
		prop(&x, "decided-by", q->review ? "assessor" : "keur");
		if (q->ics)
			prop(&x, "ics-status", jrec_get(q->ics, "status"));
		if (q->waived)
			prop(&x, "waived", "true");
		xo_open(&x, "target");
		xo_attr(&x, "type", "objective-id");
		xo_attr(&x, "target-id", id);
		xo_open(&x, "status");
		xo_attr(&x, "state", q->verdict == KEUR_PASS ? "satisfied" : "not-satisfied");
		xo_attr(&x, "reason", q->verdict == KEUR_PASS ? "pass" : q->verdict == KEUR_FAIL ? "fail" : "other");
		if (q->verdict != KEUR_PASS && q->verdict != KEUR_FAIL)
			para(&x, "remarks", "Not determined: the lab could not decide (inconc) or keur failed (error); "
					    "this is not a failure of the device.");
		xo_close(&x);
		xo_close(&x);
		for (char *cid; (cid = list_next(&cases)); free(cid)) {
			const struct rv_case *c = run_view_case(rv, cid);
			if (c && c->result) {
				xo_open(&x, "related-observation");
				uuid_of(rv, cid, u);
				xo_attr(&x, "observation-uuid", u);
				xo_close(&x);
			}
		}
		if (q->review) {
			what = xasprintf("review/%s", id);
			uuid_of(rv, what, u);
			free(what);
			xo_open(&x, "related-observation");
			xo_attr(&x, "observation-uuid", u);
			xo_close(&x);
		}
		if (q->contradiction) {
			what = xasprintf("ICS contradiction: %s", q->contradiction);
			para(&x, "remarks", what);
			free(what);
		}
		xo_close(&x);
	}

	if (nother) {
		xo_open(&x, "remarks");
		for (size_t i = 0; i < rv->nreqs; i++) {
			const struct rv_req *q = &rv->reqs[i];
			if (decided(q))
				continue;
			char *review = rv_review_text(q);
			char *t = xasprintf("%s: %s%s%s", jrec_get(q->rec, "id"),
					    q->open ? "awaiting the assessor's review (documentation)"
					    : review ? review : jrec_get(q->rec, "na") ? jrec_get(q->rec, "na") : "not applicable to this DUT",
					    q->contradiction ? "; ICS contradiction: " : "", q->contradiction ? q->contradiction : "");
			xo_elem(&x, "p", t);
			free(t);
			free(review);
		}
		xo_close(&x);
	}
	xo_close(&x);	/* result */
	*xp = x;
}
