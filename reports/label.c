/* label.c — the label the CSR advice asks for (REQUIREMENTS.md, "Levels and the label"): the
 * security level reached, automatic security updates, supported until, works without internet,
 * and what traces a printed label back to its report.  label_compute() gives the fields to
 * report.xml and label.svg alike, so the two never disagree. */
#include "reports.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sha256.h"
#include "util.h"
#include "xmlout.h"

/* Where a field comes from when the profile names no requirement for it: the cases
 * REQUIREMENTS.md names. */
static const char *const builtin_cases[LABEL_NFIELDS] = {
	[LABEL_UPDATES] = "UPDATE-AUTO-001,UPDATE-FORGED-001,UPDATE-FORGED-002,UPDATE-FORGED-003",
	[LABEL_SUPPORT] = "DECL-SUPPORT-001",
	[LABEL_OFFLINE] = "OFFLINE-LOCAL-001",
};
static const char *const field_names[LABEL_NFIELDS] = {
	[LABEL_UPDATES] = "automatic-updates",
	[LABEL_SUPPORT] = "supported-until",
	[LABEL_OFFLINE] = "works-offline",
};

/* The requirement the profile names for a field, or NULL. */
static const char *field_requirement(const struct run_view *rv, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; rv->profile && i < rv->profile->n; i++) {
		const char *v = rv->profile->val[i];
		if (!strcmp(rv->profile->key[i], "field") && !strncmp(v, name, n) && v[n] == ' ')
			return v + n + 1;
	}
	return NULL;
}

/* "2031-12" or "2031-12-31" as "December 2031"; -1 when it is neither. */
static int month_year(const char *date, char *out, size_t len)
{
	static const char *const months[] = { "January", "February", "March", "April", "May", "June", "July",
					      "August", "September", "October", "November", "December" };
	int y, m;
	char tail;

	if (!date || sscanf(date, "%4d-%2d%c", &y, &m, &tail) < 2 || m < 1 || m > 12)
		return -1;
	snprintf(out, len, "%s %d", months[m - 1], y);
	return 0;
}

static void set(struct label_value *v, const char *value, const char *text)
{
	snprintf(v->value, sizeof(v->value), "%s", value);
	snprintf(v->text, sizeof(v->text), "%s", text);
}

void label_compute(const struct run_view *rv, struct label *out)
{
	const char *until = jrec_get(rv->dut, "support-until");

	memset(out, 0, sizeof(*out));
	snprintf(out->level, sizeof(out->level), "%s", run_view_level_text(rv));
	for (int f = 0; f < LABEL_NFIELDS; f++) {
		struct label_value *v = &out->f[f];
		const char *req = field_requirement(rv, field_names[f]);
		v->name = field_names[f];
		if (req) {
			const struct rv_req *q = run_view_req(rv, req);
			v->verdict = q ? q->verdict : KEUR_NONE;
			snprintf(v->source, sizeof(v->source), "requirement %s%s", req, q ? "" : " (not in this run)");
		} else {
			v->verdict = run_view_fold(rv, builtin_cases[f]);
			snprintf(v->source, sizeof(v->source), "cases %s", builtin_cases[f]);
		}
		/* Anything undecided is "not determined", never yes or no. */
		if (v->verdict != KEUR_PASS && v->verdict != KEUR_FAIL && v->verdict != KEUR_NA) {
			set(v, "not-determined", "Not determined");
			continue;
		}
		switch (f) {
		case LABEL_UPDATES:
			/* na: the DUT declares no update channel, so it has no automatic updates. */
			if (v->verdict == KEUR_PASS)
				set(v, "yes", "Yes");
			else
				set(v, "no", "No");
			break;
		case LABEL_SUPPORT: {
			char my[32];
			if (v->verdict == KEUR_PASS && month_year(until, my, sizeof(my)) == 0)
				set(v, until, my);
			else if (v->verdict == KEUR_FAIL && month_year(until, my, sizeof(my)) == 0) {
				char text[96];
				snprintf(text, sizeof(text), "%s (below the 5-year minimum)", my);
				set(v, "no", text);
			} else if (v->verdict == KEUR_FAIL)
				set(v, "no", "Not declared");
			else
				set(v, "not-determined", "Not determined");
			break;
		}
		case LABEL_OFFLINE:
			/* na: no local function declared, so there was nothing to keep working. */
			if (v->verdict == KEUR_PASS)
				set(v, "yes", "Yes");
			else if (v->verdict == KEUR_FAIL)
				set(v, "no", "No");
			else
				set(v, "not-determined", "Not determined");
			break;
		}
	}
	for (size_t i = 0; i < rv->nreqs; i++)
		out->waivers += rv->reqs[i].waived != NULL;
}

/* ---- label.svg ---- */

#define W 380
#define GREEN "#1b7f3b"
#define RED "#b3261e"
#define GREY "#6b6b6b"
#define INK "#1a1a1a"
#define BAND "#12355b"

static void text_at(struct xo *x, int px, int py, int size, const char *weight, const char *fill,
		    const char *anchor, const char *family, const char *s)
{
	xo_open(x, "text");
	xo_attrf(x, "x", "%d", px);
	xo_attrf(x, "y", "%d", py);
	xo_attrf(x, "font-size", "%d", size);
	xo_attr(x, "font-family", family ? family : "DejaVu Sans, Helvetica, Arial, sans-serif");
	if (weight)
		xo_attr(x, "font-weight", weight);
	xo_attr(x, "fill", fill ? fill : INK);
	if (anchor)
		xo_attr(x, "text-anchor", anchor);
	xo_text(x, s);
	xo_close(x);
}

static void rect(struct xo *x, int rx, int ry, int w, int h, int r, const char *fill, const char *stroke)
{
	xo_open(x, "rect");
	xo_attrf(x, "x", "%d", rx);
	xo_attrf(x, "y", "%d", ry);
	xo_attrf(x, "width", "%d", w);
	xo_attrf(x, "height", "%d", h);
	if (r)
		xo_attrf(x, "rx", "%d", r);
	xo_attr(x, "fill", fill);
	if (stroke) {
		xo_attr(x, "stroke", stroke);
		xo_attr(x, "stroke-width", "2");
	}
	xo_close(x);
}

static const char *value_colour(const char *value)
{
	if (!strcmp(value, "yes"))
		return GREEN;
	if (!strcmp(value, "no"))
		return RED;
	if (!strcmp(value, "not-determined"))
		return GREY;
	return GREEN;	/* a date that met the requirement */
}

/* One line of the label: the question, and the answer in a coloured box. */
static void row(struct xo *x, int y, const char *question, const struct label_value *v)
{
	const char *c = value_colour(v->value);
	int dated = strcmp(v->value, "yes") && strcmp(v->value, "no") && strcmp(v->value, "not-determined");
	char shown[96];
	size_t i;

	xo_open(x, "g");
	xo_attr(x, "id", v->name);
	xo_attr(x, "data-value", v->value);
	xo_attr(x, "data-verdict", verdict_name(v->verdict));
	rect(x, 20, y, W - 40, 58, 6, "#f4f6f8", NULL);
	text_at(x, 32, y + 22, 14, NULL, INK, NULL, NULL, question);
	/* YES, NO, NOT DETERMINED in capitals; a date as written. */
	for (i = 0; v->text[i] && i < sizeof(shown) - 1; i++)
		shown[i] = dated ? v->text[i] : (char)toupper((unsigned char)v->text[i]);
	shown[i] = '\0';
	text_at(x, 32, y + 46, strlen(shown) > 30 ? 13 : 19, "bold", c, NULL, NULL, shown);
	xo_close(x);
}

/* The level as a scale, lowest at the top, the reached one marked like an energy label's arrow. */
static int level_scale(struct xo *x, const struct run_view *rv, const struct label *lb, int y)
{
	static const char *const shades[] = { "#7fb77e", "#3f9142", "#1b6b33", "#0f4a22" };
	int maxd = 0;

	for (size_t i = 0; i < rv->nlevels; i++)
		if (rv->levels[i].depth > maxd)
			maxd = rv->levels[i].depth;
	xo_open(x, "g");
	xo_attr(x, "id", "security-level");
	xo_attr(x, "data-value", lb->level);
	if (rv->levelless) {
		/* A pass/fail scheme: no scale, the one answer. */
		int met = !strcmp(lb->level, "met"), unmet = !strcmp(lb->level, "not met");
		text_at(x, 20, y, 14, "bold", INK, NULL, NULL, "The scheme's security requirements");
		rect(x, 20, y + 10, 250, 26, 3, met ? shades[1] : unmet ? RED : "#d9dde1", NULL);
		text_at(x, 30, y + 28, 14, "bold", met || unmet ? "#ffffff" : GREY, NULL, NULL,
			met ? "ALL MET" : unmet ? "NOT MET" : "NOT DETERMINED");
		xo_close(x);
		return y + 10 + 31;
	}
	text_at(x, 20, y, 14, "bold", INK, NULL, NULL, "Security level");
	y += 10;
	for (int d = 0; d <= maxd && d < 8; d++) {
		for (size_t i = 0; i < rv->nlevels; i++) {
			const struct rv_level *l = &rv->levels[i];
			int here = rv->reached == l, w = 150 + 50 * d;
			if (l->depth != d)
				continue;
			rect(x, 20, y, w, 26, 3, here ? shades[d % 4] : "#d9dde1", NULL);
			text_at(x, 30, y + 18, 14, here ? "bold" : NULL, here ? "#ffffff" : GREY, NULL, NULL, l->id);
			if (here) {
				/* The arrow points at the level reached. */
				xo_open(x, "path");
				xo_attrf(x, "d", "M %d %d l 14 -13 h 86 v 26 h -86 z", W - 122, y + 13);
				xo_attr(x, "fill", INK);
				xo_close(x);
				text_at(x, W - 65, y + 18, 13, "bold", "#ffffff", "middle", NULL, "REACHED");
			}
			y += 31;
		}
	}
	if (!rv->reached) {
		char s[64];
		snprintf(s, sizeof(s), "%s", !strcmp(lb->level, "none") ? "NO LEVEL REACHED" : "LEVEL NOT DETERMINED");
		text_at(x, 20, y + 16, 17, "bold", !strcmp(lb->level, "none") ? RED : GREY, NULL, NULL, s);
		y += 26;
	}
	xo_close(x);
	return y;
}

void label_file(const struct run_view *rv, char *out, size_t len)
{
	if (rv->nas > 1)
		snprintf(out, len, "label-%s.svg", jrec_get(rv->profile, "id"));
	else
		snprintf(out, len, "label.svg");
}

static int label_write_one(const struct run_view *rv, const char *dir)
{
	char name[96];
	struct label lb;
	struct xo x;
	char line[160], day[16] = "", hex[65] = "";
	char *report = path_join(dir, "report.xml");
	int64_t size, t = rv->end ? jrec_get_i64(rv->end, "finished", 0) : jrec_get_i64(rv->run, "started", 0);
	time_t secs = (time_t)(t / 1000);
	struct tm tm;
	int y, h, fs;

	label_compute(rv, &lb);
	if (sha256_file(report, hex, &size) < 0)
		snprintf(hex, sizeof(hex), "%s", "(report.xml missing)");
	free(report);
	if (gmtime_r(&secs, &tm))
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);

	/* The same sums as the drawing below: header, scale, three rows, the trace lines. */
	int nreview = rv->nreviewed || rv->nopen, extra = (lb.waivers ? 1 : 0) + nreview + (rv->ncontradictions ? 1 : 0);
	h = 142 + (rv->levelless ? 41 : 10 + 31 * (int)rv->nlevels + (rv->reached ? 0 : 26)) + 8 + 214 + 77 + 18 * extra + 16;
	if (xo_start(&x) < 0)
		return -1;
	xo_open(&x, "svg");
	xmlTextWriterWriteAttribute(x.w, BAD_CAST "xmlns", BAD_CAST "http://www.w3.org/2000/svg");
	xo_attrf(&x, "width", "%d", W);
	xo_attrf(&x, "height", "%d", h);
	xo_attrf(&x, "viewBox", "0 0 %d %d", W, h);
	xo_attr(&x, "role", "img");
	xo_open(&x, "title");
	xo_textf(&x, "Security label%s%s: %s %s; automatic security updates %s; supported until %s; works without internet %s",
		 rv->profile ? ", " : "", rv->profile ? jrec_get(rv->profile, "id") : "",
		 rv->levelless ? "the scheme's requirements" : "level", lb.level, lb.f[LABEL_UPDATES].text,
		 lb.f[LABEL_SUPPORT].text, lb.f[LABEL_OFFLINE].text);
	xo_close(&x);

	rect(&x, 1, 1, W - 2, h - 2, 12, "#ffffff", INK);
	xo_open(&x, "path");
	xo_attrf(&x, "d", "M 2 13 a 11 11 0 0 1 11 -11 h %d a 11 11 0 0 1 11 11 v 55 h -%d z", W - 26, W - 4);
	xo_attr(&x, "fill", BAND);
	xo_close(&x);
	text_at(&x, 20, 35, 22, "bold", "#ffffff", NULL, NULL, "SECURITY LABEL");
	text_at(&x, 20, 55, 12, NULL, "#dce6f0", NULL, NULL, "connected device · tested with keur");

	snprintf(line, sizeof(line), "%s %s", jrec_get(rv->dut, "vendor") ? jrec_get(rv->dut, "vendor") : "",
		 jrec_get(rv->dut, "model") ? jrec_get(rv->dut, "model") : jrec_get(rv->dut, "id"));
	/* A long product name gets a smaller font rather than running off the label. */
	fs = strlen(line) > 34 ? (int)(16 * 34 / strlen(line)) : 16;
	text_at(&x, 20, 94, fs < 10 ? 10 : fs, "bold", INK, NULL, NULL, line);
	snprintf(line, sizeof(line), "firmware %s · device %s", jrec_get(rv->dut, "firmware") ? jrec_get(rv->dut, "firmware") : "?",
		 jrec_get(rv->dut, "id"));
	text_at(&x, 20, 112, 12, NULL, GREY, NULL, NULL, line);

	y = level_scale(&x, rv, &lb, 142);
	y += 8;
	row(&x, y, "Automatic security updates", &lb.f[LABEL_UPDATES]);
	row(&x, y + 66, "Supported with security updates until", &lb.f[LABEL_SUPPORT]);
	row(&x, y + 132, "Works without internet", &lb.f[LABEL_OFFLINE]);
	y += 214;

	xo_open(&x, "g");
	xo_attr(&x, "id", "trace");
	snprintf(line, sizeof(line), "Profile %s %s",
		 rv->profile ? jrec_get(rv->profile, "id") : "(none: every case)",
		 rv->profile && jrec_get(rv->profile, "version") ? jrec_get(rv->profile, "version") : "");
	text_at(&x, 20, y, 11, NULL, INK, NULL, NULL, line);
	snprintf(line, sizeof(line), "Lab %s%s%s", jrec_get(rv->lab, "name") ? jrec_get(rv->lab, "name") : jrec_get(rv->lab, "id"),
		 jrec_get(rv->lab, "accreditation") ? " · accreditation " : "",
		 jrec_get(rv->lab, "accreditation") ? jrec_get(rv->lab, "accreditation") : "");
	text_at(&x, 20, y + 16, 11, NULL, INK, NULL, NULL, line);
	snprintf(line, sizeof(line), "Tested %s · report %s%s", day, rv->report_id,
		 rv->end && rv->done == rv->ncases ? "" : " · RUN INCOMPLETE");
	text_at(&x, 20, y + 32, 11, NULL, INK, NULL, NULL, line);
	text_at(&x, 20, y + 50, 10, NULL, GREY, NULL, NULL, "SHA-256 of report.xml:");
	snprintf(line, sizeof(line), "%.32s", hex);
	text_at(&x, 20, y + 64, 10, NULL, GREY, NULL, "DejaVu Sans Mono, Courier, monospace", line);
	snprintf(line, sizeof(line), "%s", strlen(hex) > 32 ? hex + 32 : "");
	text_at(&x, 20, y + 77, 10, NULL, GREY, NULL, "DejaVu Sans Mono, Courier, monospace", line);
	y += 95;
	if (lb.waivers) {
		snprintf(line, sizeof(line), "%d requirement%s waived: see the report", lb.waivers, lb.waivers == 1 ? "" : "s");
		text_at(&x, 20, y, 11, "bold", RED, NULL, NULL, line);
		y += 18;
	}
	if (nreview) {
		/* What a person decided is part of the label's claim: say how much, and what is open. */
		if (rv->nopen)
			snprintf(line, sizeof(line), "%zu reviewed by the assessor; %zu AWAITING REVIEW", rv->nreviewed, rv->nopen);
		else
			snprintf(line, sizeof(line), "%zu reviewed by the assessor; none awaiting review", rv->nreviewed);
		text_at(&x, 20, y, 11, rv->nopen ? "bold" : NULL, rv->nopen ? RED : INK, NULL, NULL, line);
		y += 18;
	}
	if (rv->ncontradictions) {
		snprintf(line, sizeof(line), "%zu ICS contradiction%s with keur's tests: see the report", rv->ncontradictions,
			 rv->ncontradictions == 1 ? "" : "s");
		text_at(&x, 20, y, 11, "bold", RED, NULL, NULL, line);
	}
	xo_close(&x);

	xo_close(&x);
	label_file(rv, name, sizeof(name));
	return xo_finish(&x, dir, name);
}

int label_write(const struct run_view *rv, const char *dir)
{
	struct run_view v = *rv;
	int r = 0;

	if (rv->nas <= 1)
		return label_write_one(rv, dir);
	for (size_t i = 0; i < rv->nas; i++) {
		run_view_select(&v, i);
		if (label_write_one(&v, dir) < 0)
			r = -1;
	}
	return r;
}
