/* tap.c — TAP 14 with YAML diagnostics: `ok` for pass, `ok # SKIP` for na, `not ok` for fail,
 * inconc and error, the verdict itself always spelled out in the diagnostics. */
#include "reports.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static void yaml_str(FILE *f, const char *key, const char *v)
{
	fprintf(f, "  %s: \"", key);
	for (const unsigned char *p = (const unsigned char *)(v ? v : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputs("\"\n", f);
}

/* A '#' in a TAP description would start a directive: it is escaped as '\#' (TAP 14). */
static void tap_desc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '#' || *s == '\\')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

void tap_case(FILE *f, size_t n, const struct rv_case *c)
{
	const char *id = jrec_get(c->plan, "id");
	const char *reason = c->result ? jrec_get(c->result, "reason") : "not run";
	enum keur_verdict v = c->verdict;

	fprintf(f, "%s %zu - %s ", v == KEUR_PASS || v == KEUR_NA ? "ok" : "not ok", n, id);
	tap_desc(f, jrec_get(c->plan, "title"));
	if (v == KEUR_NA) {
		fputs(" # SKIP ", f);
		tap_desc(f, reason);
	}
	fputs("\n  ---\n", f);
	yaml_str(f, "id", id);
	yaml_str(f, "spec", jrec_get(c->plan, "spec"));
	fprintf(f, "  verdict: %s\n", verdict_name(v));
	yaml_str(f, "reason", reason);
	if (c->result)
		fprintf(f, "  duration_ms: %lld\n", (long long)jrec_get_i64(c->result, "duration-ms", 0));
	if (c->result && jrec_get(c->result, "maxrss-kb"))
		fprintf(f, "  maxrss_kb: %lld\n", (long long)jrec_get_i64(c->result, "maxrss-kb", 0));
	if (c->result && jrec_get(c->result, "contain"))
		yaml_str(f, "containment", jrec_get(c->result, "contain"));
	if (jrec_get(c->plan, "reqs"))
		yaml_str(f, "requirements", jrec_get(c->plan, "reqs"));
	fputs("  ...\n", f);
}

const char *tap_version(const struct run_view *rv)
{
	const char *v = jrec_get(rv->run, "tap-version");
	return v && !strcmp(v, "13") ? "13" : "14";
}

static void trailer_one(FILE *f, const struct run_view *rv);

void tap_trailer(FILE *f, const struct run_view *rv)
{
	if (rv->nas <= 1) {
		if (rv->profile)
			trailer_one(f, rv);
		return;
	}
	/* Several profiles: each one's judgement, then all of them on one line. */
	struct run_view v = *rv;
	for (size_t i = 0; i < rv->nas; i++) {
		run_view_select(&v, i);
		fprintf(f, "# profile %s (version %s):\n", jrec_get(v.profile, "id"), jrec_get(v.profile, "version"));
		trailer_one(f, &v);
	}
	fputs("# verdicts:", f);
	for (size_t i = 0; i < rv->nas; i++) {
		run_view_select(&v, i);
		fprintf(f, "%s %s: %s%s", i ? ";" : "", jrec_get(v.profile, "id"), v.levelless ? "" : "level ",
			run_view_level_text(&v));
	}
	fputc('\n', f);
}

static void trailer_one(FILE *f, const struct run_view *rv)
{
	struct label lb;

	label_compute(rv, &lb);
	if (rv->levelless)
		fprintf(f, "# the scheme's requirements: %s\n", lb.level);
	else
		fprintf(f, "# level reached: %s\n", lb.level);
	for (size_t i = 0; i < rv->nlevels; i++)
		if (!rv->levels[i].reached && rv->levelless)
			fprintf(f, "# not met: %s\n", rv->levels[i].why);
		else if (!rv->levels[i].reached)
			fprintf(f, "# level %s not reached: %s\n", rv->levels[i].id, rv->levels[i].why);
	for (int k = 0; k < LABEL_NFIELDS; k++)
		fprintf(f, "# label %s: %s\n", lb.f[k].name, lb.f[k].text);
	for (size_t i = 0; i < rv->nreqs; i++)
		if (rv->reqs[i].waived)
			fprintf(f, "# waiver: %s is waived (approved by %s): %s\n", jrec_get(rv->reqs[i].rec, "id"),
				jrec_get(rv->reqs[i].rec, "waiver-by"), rv->reqs[i].waived);
	if (run_view_ics_here(rv))
		fprintf(f, "# ICS by %s of %s: %zu contradiction(s) with what keur found\n", jrec_get(rv->ics, "issued-by"),
			jrec_get(rv->ics, "date"), rv->ncontradictions);
	for (size_t i = 0; i < rv->nreqs; i++) {
		const struct rv_req *q = &rv->reqs[i];
		char *review = rv_review_text(q);
		if (q->contradiction)
			fprintf(f, "# ICS contradiction: %s: %s\n", jrec_get(q->rec, "id"), q->contradiction);
		if (review)
			fprintf(f, "# review: %s %s\n", jrec_get(q->rec, "id"), review);
		free(review);
	}
	fprintf(f, "# requirements decided: %zu by keur's cases, %zu by the assessor's review; %zu awaiting review\n",
		rv->ntested, rv->nreviewed, rv->nopen);
	char *waiting = run_view_open_text(rv);
	if (waiting)
		fprintf(f, "# awaiting the assessor's review: %s\n", waiting);
	free(waiting);
}

int tap_write(const struct run_view *rv, const char *dir)
{
	char *buf = NULL, *path;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return -1;
	fprintf(f, "TAP version %s\n1..%zu\n", tap_version(rv), rv->ncases);
	for (size_t i = 0; i < rv->ncases; i++)
		if (rv->cases[i].result)
			tap_case(f, i + 1, &rv->cases[i]);
	if (rv->done < rv->ncases)
		fprintf(f, "# %zu of %zu cases not finished: resume with `keur run --resume DIR`\n",
			rv->ncases - rv->done, rv->ncases);
	tap_trailer(f, rv);
	fclose(f);
	path = path_join(dir, "results.tap");
	r = file_write_atomic(path, buf, len);
	free(path);
	free(buf);
	return r;
}
