/* junit.c — JUnit XML as Jenkins (xUnit junit-10.xsd) and GitLab read it: one testsuite per
 * keur suite; <failure> for fail, <error> for error and inconc, <skipped> for na.  The schema
 * has no properties on a testcase, so each case's spec, verdict and requirements are suite
 * properties named CASE-ID.spec, CASE-ID.verdict and CASE-ID.requirements. */
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
		xo_attr(x, "type", c->verdict == KEUR_NONE ? "not-run" : verdict_name(c->verdict));
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

int junit_write(const struct run_view *rv, const char *dir)
{
	struct xo x;
	struct counts all = { 0 };

	if (xo_start(&x) < 0)
		return -1;
	for (size_t i = 0; i < rv->ncases; i++)
		count(&rv->cases[i], &all);
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
			for (size_t q = 0; q < rv->nreqs; q++)
				if (rv->reqs[q].waived) {
					char key[96];
					snprintf(key, sizeof(key), "waiver.%s", jrec_get(rv->reqs[q].rec, "id"));
					PROP(key, rv->reqs[q].waived);
				}
		}
		for (size_t k = i; k < j; k++) {
			const struct rv_case *c = &rv->cases[k];
			char key[96];
			const char *id = jrec_get(c->plan, "id");
			snprintf(key, sizeof(key), "%s.spec", id);
			PROP(key, jrec_get(c->plan, "spec"));
			snprintf(key, sizeof(key), "%s.verdict", id);
			PROP(key, c->verdict == KEUR_NONE ? "not-run" : verdict_name(c->verdict));
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
	xo_close(&x);
	return xo_finish(&x, dir, "junit.xml");
}
