/* junit.c — JUnit XML as Jenkins (xUnit junit-10.xsd) and GitLab read it: one testsuite per
 * keur suite; <failure> for fail, <error> for error and inconc, <skipped> for na.  The schema
 * has no properties on a testcase, so each case's spec, verdict and requirements are suite
 * properties named CASE-ID.spec, CASE-ID.verdict and CASE-ID.requirements.  The assessor's
 * review is a testsuite of its own ("review"), a testcase per requirement a person decides. */
#include "reports.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xmlout.h"

struct counts {
	size_t tests, failures, errors, skipped;
	int64_t ms;
};

static void count(const struct rv_case *c, struct counts *n)
{
	n->tests++;
	if (c->verdict == KEUR_FAIL)
		n->failures++;
	else if (c->verdict == KEUR_NA)
		n->skipped++;
	else if (c->verdict != KEUR_PASS)
		n->errors++;
	if (c->result)
		n->ms += jrec_get_i64(c->result, "duration-ms", 0);
}

static void write_case(struct xo *x, const struct rv_case *c, const char *suite)
{
	const char *reason = c->result ? jrec_get(c->result, "reason") : "not run: the run ended before this case";
	char *name = xasprintf("%s %s", jrec_get(c->plan, "id"), jrec_get(c->plan, "title"));
	struct strbuf out;
	char ename[256], sha[65];
	long long size;

	xo_open(x, "testcase");
	xo_attr(x, "name", name);
	/* GitLab groups by classname: the same name as the testsuite. */
	xo_attr(x, "classname", suite);
	xo_attrf(x, "time", "%.3f", c->result ? (double)jrec_get_i64(c->result, "duration-ms", 0) / 1000.0 : 0.0);
	switch (c->verdict) {
	case KEUR_PASS:
		break;
	case KEUR_FAIL:
		xo_open(x, "failure");
		xo_attr(x, "type", "fail");
		xo_attr(x, "message", reason);
		xo_text(x, reason);
		xo_close(x);
		break;
	case KEUR_NA:
		xo_open(x, "skipped");
		xo_attr(x, "type", "na");
		xo_attr(x, "message", reason);
		xo_close(x);
		break;
	default:
		xo_open(x, "error");
		xo_attr(x, "type", verdict_or_not_run(c->verdict));
		xo_attr(x, "message", reason);
		xo_text(x, reason);
		xo_close(x);
		break;
	}
	sb_init(&out);
	sb_addf(&out, "verdict: %s\nspec: %s\n", c->verdict == KEUR_NONE ? "not run" : verdict_name(c->verdict),
		jrec_get(c->plan, "spec"));
	if (jrec_get(c->plan, "reqs"))
		sb_addf(&out, "requirements: %s\n", jrec_get(c->plan, "reqs"));
	sb_addf(&out, "reason: %s\n", reason);
	for (size_t i = 0; (i = evidence_next(c->result, i, ename, sha, &size));)
		sb_addf(&out, "evidence: evidence/%s/%s sha256=%s size=%lld\n", jrec_get(c->plan, "id"), ename, sha, size);
	xo_elem(x, "system-out", out.buf);
	sb_release(&out);
	xo_close(x);
	free(name);
}

/* Is the requirement in the review's testsuite: one a person decides, or did? */
static int in_review(const struct rv_req *q)
{
	return q->docs || q->review;
}

static void review_count(const struct run_view *rv, struct counts *n)
{
	for (size_t i = 0; i < rv->nreqs; i++) {
		const struct rv_req *q = &rv->reqs[i];
		if (!in_review(q))
			continue;
		n->tests++;
		if (q->verdict == KEUR_FAIL)
			n->failures++;
		else if (q->verdict == KEUR_NA)
			n->skipped++;
		else if (q->verdict != KEUR_PASS)
			n->errors++;
	}
}

/* The assessor's review as one testsuite: a testcase per requirement a person decides;
 * <failure> for fail, <error> for inconc and for one still awaiting review, <skipped> for na. */
static void review_suite(struct xo *x, const struct run_view *rv)
{
	struct counts n = { 0 };

	review_count(rv, &n);
	if (!n.tests)
		return;
	xo_open(x, "testsuite");
	if (rv->nas > 1)
		xo_attrf(x, "name", "review %s", jrec_get(rv->profile, "id"));
	else
		xo_attr(x, "name", "review");
	xo_attrf(x, "tests", "%zu", n.tests);
	xo_attrf(x, "failures", "%zu", n.failures);
	xo_attrf(x, "errors", "%zu", n.errors);
	xo_attrf(x, "skipped", "%zu", n.skipped);
	xo_attr(x, "time", "0.000");
	xo_attr_time(x, "timestamp", jrec_get_i64(rv->run, "started", 0));
	xo_open(x, "properties");
	for (size_t i = 0; i < rv->nreqs; i++) {
		const struct rv_req *q = &rv->reqs[i];
		const struct { const char *suffix, *value; } p[] = {
			{ "verdict", in_review(q) ? rv_req_verdict_name(q) : NULL },
			{ "assessor", q->review ? jrec_get(q->review, "assessor") : NULL },
			{ "date", q->review ? jrec_get(q->review, "date") : NULL },
			{ "ics", q->ics ? jrec_get(q->ics, "status") : NULL },
			{ "contradiction", q->contradiction },
		};
		for (size_t k = 0; k < ARRAY_SIZE(p); k++) {
			if (!p[k].value)
				continue;
			char *key = xasprintf("%s.%s", jrec_get(q->rec, "id"), p[k].suffix);
			xo_open(x, "property");
			xo_attr(x, "name", key);
			xo_attr(x, "value", p[k].value);
			xo_close(x);
			free(key);
		}
	}
	xo_close(x);
	for (size_t i = 0; i < rv->nreqs; i++) {
		const struct rv_req *q = &rv->reqs[i];
		if (!in_review(q))
			continue;
		char *name = xasprintf("%s %s", jrec_get(q->rec, "id"), jrec_get(q->rec, "summary") ? jrec_get(q->rec, "summary") : "");
		char *text = rv_review_text(q);
		const char *msg = text ? text : "awaiting the assessor's review";
		xo_open(x, "testcase");
		xo_attr(x, "name", name);
		if (rv->nas > 1)
			xo_attrf(x, "classname", "review.%s", jrec_get(rv->profile, "id"));
		else
			xo_attr(x, "classname", "review");
		xo_attr(x, "time", "0.000");
		if (q->verdict != KEUR_PASS) {
			const char *el = q->verdict == KEUR_FAIL ? "failure" : q->verdict == KEUR_NA ? "skipped" : "error";
			xo_open(x, el);
			xo_attr(x, "type", rv_req_verdict_name(q));
			xo_attr(x, "message", msg);
			if (strcmp(el, "skipped"))
				xo_text(x, msg);
			xo_close(x);
		}
		struct strbuf out;
		sb_init(&out);
		sb_addf(&out, "verdict: %s\nreview: %s\n", rv_req_verdict_name(q), msg);
		if (q->ics)
			sb_addf(&out, "ICS: %s%s%s\n", jrec_get(q->ics, "status"),
				jrec_get(q->ics, "justification") && jrec_get(q->ics, "justification")[0] ? ": " : "",
				jrec_get(q->ics, "justification") ? jrec_get(q->ics, "justification") : "");
		if (q->contradiction)
			sb_addf(&out, "ICS contradiction: %s\n", q->contradiction);
		xo_elem(x, "system-out", out.buf);
		sb_release(&out);
		xo_close(x);
		free(text);
		free(name);
	}
	xo_close(x);
}

int junit_write(const struct run_view *rv, const char *dir)
{
	struct xo x;
	struct counts all = { 0 };

	if (xo_start(&x) < 0)
		return -1;
	struct run_view v = *rv;

	for (size_t i = 0; i < rv->ncases; i++)
		count(&rv->cases[i], &all);
	for (size_t i = 0; i < rv->nas; i++) {
		run_view_select(&v, i);
		review_count(&v, &all);
	}
	xo_open(&x, "testsuites");
	xo_attrf(&x, "name", "keur %s", jrec_get(rv->dut, "id") ? jrec_get(rv->dut, "id") : "");
	xo_attrf(&x, "tests", "%zu", all.tests);
	xo_attrf(&x, "failures", "%zu", all.failures);
	xo_attrf(&x, "errors", "%zu", all.errors);
	xo_attrf(&x, "time", "%.3f", (double)all.ms / 1000.0);
	/* One testsuite per keur suite, in plan order (a suite's cases are contiguous). */
	for (size_t i = 0; i < rv->ncases;) {
		const char *suite = jrec_get(rv->cases[i].plan, "suite");
		size_t j = i;
		struct counts n = { 0 };

		if (!suite)
			suite = "keur";
		while (j < rv->ncases && !strcmp(jrec_get(rv->cases[j].plan, "suite") ? jrec_get(rv->cases[j].plan, "suite") : "keur", suite))
			count(&rv->cases[j++], &n);
		xo_open(&x, "testsuite");
		xo_attr(&x, "name", suite);
		xo_attrf(&x, "tests", "%zu", n.tests);
		xo_attrf(&x, "failures", "%zu", n.failures);
		xo_attrf(&x, "errors", "%zu", n.errors);
		xo_attrf(&x, "skipped", "%zu", n.skipped);
		xo_attrf(&x, "time", "%.3f", (double)n.ms / 1000.0);
		xo_attr_time(&x, "timestamp", jrec_get_i64(rv->run, "started", 0));
		xo_open(&x, "properties");
#define PROP(k, v) do { if (v) { xo_open(&x, "property"); xo_attr(&x, "name", k); xo_attr(&x, "value", v); xo_close(&x); } } while (0)
		PROP("keur.version", jrec_get(rv->run, "keur-version"));
		PROP("dut.id", jrec_get(rv->dut, "id"));
		PROP("dut.firmware", jrec_get(rv->dut, "firmware"));
		PROP("lab.id", jrec_get(rv->lab, "id"));
		if (rv->profile) {
			PROP("profile.id", jrec_get(rv->profile, "id"));
			PROP("profile.version", jrec_get(rv->profile, "version"));
			PROP("profile.level-reached", run_view_level_text(rv));
			for (size_t a = 0; a < rv->nas; a++) {
				char key[160];
				run_view_select(&v, a);
				if (rv->nas > 1) {
					snprintf(key, sizeof(key), "profile.%s.version", jrec_get(v.profile, "id"));
					PROP(key, jrec_get(v.profile, "version"));
					snprintf(key, sizeof(key), "profile.%s.%s", jrec_get(v.profile, "id"),
						 v.levelless ? "requirements" : "level-reached");
					PROP(key, run_view_level_text(&v));
				}
				for (size_t q = 0; q < v.nreqs; q++)
					if (v.reqs[q].waived) {
						snprintf(key, sizeof(key), "waiver.%s", jrec_get(v.reqs[q].rec, "id"));
						PROP(key, v.reqs[q].waived);
					}
			}
		}
		for (size_t k = i; k < j; k++) {
			const struct rv_case *c = &rv->cases[k];
			char key[96];
			const char *id = jrec_get(c->plan, "id");
			snprintf(key, sizeof(key), "%s.spec", id);
			PROP(key, jrec_get(c->plan, "spec"));
			snprintf(key, sizeof(key), "%s.verdict", id);
			PROP(key, verdict_or_not_run(c->verdict));
			snprintf(key, sizeof(key), "%s.requirements", id);
			PROP(key, jrec_get(c->plan, "reqs"));
		}
#undef PROP
		xo_close(&x);
		for (size_t k = i; k < j; k++)
			write_case(&x, &rv->cases[k], suite);
		xo_close(&x);
		i = j;
	}
	for (size_t i = 0; i < rv->nas; i++) {
		run_view_select(&v, i);
		review_suite(&x, &v);
	}
	xo_close(&x);
	return xo_finish(&x, dir, "junit.xml");
}
