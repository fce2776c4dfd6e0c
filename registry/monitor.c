/* monitor.c — the registry's judgement of what it stores, made at query time (monitor.h): a
 * report is superseded, never erased, by a newer one of the same product, firmware and
 * profile; support ends on the last day declared, compared with the day of the query; an
 * advisory covers the firmware versions in its range until someone closes it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor.h"
#include "util.h"

static const char *const status_names[] = { "failing", "undetermined", "support-ended", "advisory", "untrusted",
					    "superseded" };

const char *mon_status(unsigned flags, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(status_names); i++)
		if (flags & (1u << i) && o < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "", status_names[i]);
	if (!o)
		snprintf(buf, len, "ok");
	return buf;
}

int mon_status_flag(const char *name)
{
	if (!strcmp(name, "ok"))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(status_names); i++)
		if (!strcmp(name, status_names[i]))
			return 1 << i;
	return -1;
}

/* ---- firmware versions ---- */

static int is_sep(char c)
{
	return c == '.' || c == '-' || c == '_' || c == '+';
}

/* Compares two versions part by part: numbers as numbers, other parts as text, a number after
 * text; a version that runs out first is the older (1.0 < 1.0.1). */
static int fw_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		if (!*a)
			return -1;
		if (!*b)
			return 1;
		size_t la = strcspn(a, ".-_+"), lb = strcspn(b, ".-_+");
		int na = la && strspn(a, "0123456789") == la, nb = lb && strspn(b, "0123456789") == lb, c;
		if (na && nb) {
			while (la > 1 && *a == '0')	/* leading zeros do not count */
				a++, la--;
			while (lb > 1 && *b == '0')
				b++, lb--;
			c = la != lb ? (la < lb ? -1 : 1) : strncmp(a, b, la);
		} else if (na != nb) {
			c = na ? 1 : -1;
		} else {
			c = strncmp(a, b, la < lb ? la : lb);
			if (!c && la != lb)
				c = la < lb ? -1 : 1;
		}
		if (c)
			return c < 0 ? -1 : 1;
		a += la;
		b += lb;
		if (is_sep(*a))
			a++;
		if (is_sep(*b))
			b++;
	}
	return 0;
}

int fw_in_range(const char *v, const char *range)
{
	const char *p = range;
	char *term;
	int in = 1, nterms = 0;

	size_t rl = strlen(range);

	while (rl && isspace((unsigned char)range[rl - 1]))
		rl--;
	if (!rl || range[rl - 1] == ',')	/* an empty last term, which list_next would drop */
		return -1;
	if (!strcmp(range, "*"))
		return 1;
	while ((term = list_next(&p))) {
		char *t = term, op[3] = "=";
		while (isspace((unsigned char)*t))
			t++;
		size_t ol = strspn(t, "<>=");
		if (ol > 2 || (ol == 2 && t[1] != '=') || (ol == 2 && t[0] == '=')) {
			free(term);
			return -1;
		}
		if (ol) {
			memcpy(op, t, ol);
			op[ol] = '\0';
		}
		t += ol;
		while (isspace((unsigned char)*t))
			t++;
		size_t tl = strlen(t);
		while (tl && isspace((unsigned char)t[tl - 1]))
			t[--tl] = '\0';
		/* "1.2.x" or "1.2.*": every version whose first parts are 1.2 */
		int series = !strcmp(op, "=") && tl > 2 && t[tl - 2] == '.' && (t[tl - 1] == 'x' || t[tl - 1] == '*');
		if (series)
			t[tl -= 2] = '\0';
		if (!tl || strpbrk(t, " <>=*")) {
			free(term);
			return -1;
		}
		int c = fw_cmp(v, t);
		if (!*v)	/* a firmware the report does not state is in no range but "*" */
			in = 0;
		int holds = series ? !strncmp(v, t, tl) && (!v[tl] || is_sep(v[tl])) : !strcmp(op, "=") ? c == 0 : !strcmp(op, "<") ? c < 0 : !strcmp(op, "<=") ? c <= 0 :
			    !strcmp(op, ">") ? c > 0 : c >= 0;
		in = in && holds;
		nterms++;
		free(term);
	}
	return nterms ? in : -1;
}

/* ---- the rows ---- */

static int row_order(const void *x, const void *y)
{
	const struct mon_row *a = x, *b = y;
	int c;

	if ((c = strcmp(a->r->vendor, b->r->vendor)) || (c = strcmp(a->r->model, b->r->model)) ||
	    (c = fw_cmp(b->r->firmware, a->r->firmware)) || (c = strcmp(a->r->firmware, b->r->firmware)) ||
	    (c = strcmp(a->as->profile, b->as->profile)) || (c = strcmp(b->r->finished, a->r->finished)))
		return c;
	return a->r->id < b->r->id ? 1 : a->r->id > b->r->id ? -1 : 0;
}

static int same_subject(const struct mon_row *a, const struct mon_row *b)
{
	return !strcmp(a->r->vendor, b->r->vendor) && !strcmp(a->r->model, b->r->model) &&
	       !strcmp(a->r->firmware, b->r->firmware) && !strcmp(a->as->profile, b->as->profile);
}

static void row_judge(struct monitor *m, struct mon_row *w)
{
	/* Falling short is reaching no level of the scheme (a pass/fail scheme: not met), not a
	 * failed requirement of a higher level than the one reached. */
	if (!strcmp(w->as->level, "none") || !strcmp(w->as->level, "not met"))
		w->flags |= ST_FAILING;
	if (!strcmp(w->as->level, "not determined"))
		w->flags |= ST_UNDETERMINED;
	if (w->r->support_end && strcmp(w->r->support_end, m->today) < 0)
		w->flags |= ST_SUPPORT_ENDED;
	if (!w->r->lab_trusted)
		w->flags |= ST_UNTRUSTED;
	for (size_t k = 0; k < m->na; k++) {
		const struct reg_advisory *a = &m->a[k];
		if (a->closed_at || strcmp(a->vendor, w->r->vendor) || strcmp(a->model, w->r->model) ||
		    fw_in_range(w->r->firmware, a->firmware) != 1)
			continue;
		w->adv = xrealloc(w->adv, (w->nadv + 1) * sizeof(*w->adv));
		w->adv[w->nadv++] = a;
		w->flags |= ST_ADVISORY;
	}
}

int monitor_load(struct store *st, const char *today, int with_verdicts, struct monitor *m, char *why, size_t len)
{
	memset(m, 0, sizeof(*m));
	if (today) {
		snprintf(m->today, sizeof(m->today), "%s", today);
	} else {
		time_t t = time(NULL);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(m->today, sizeof(m->today), "%Y-%m-%d", &tm);
	}
	if (st->ops->reports(st, with_verdicts, &m->r, &m->nr) < 0 || st->ops->advisories(st, &m->a, &m->na) < 0) {
		snprintf(why, len, "%s", store_why(st));
		monitor_release(m);
		return -1;
	}
	for (size_t i = 0; i < m->nr; i++)
		for (size_t k = 0; k < m->r[i].nas; k++) {
			m->rows = xrealloc(m->rows, (m->nrows + 1) * sizeof(*m->rows));
			m->rows[m->nrows++] = (struct mon_row){ .r = &m->r[i], .as = &m->r[i].as[k] };
		}
	if (m->nrows)
		qsort(m->rows, m->nrows, sizeof(*m->rows), row_order);
	for (size_t i = 0; i < m->nrows; i++) {
		struct mon_row *w = &m->rows[i];
		if (i && same_subject(&m->rows[i - 1], w)) {
			w->flags |= ST_SUPERSEDED;
			w->newer = m->rows[i - 1].newer ? m->rows[i - 1].newer : m->rows[i - 1].r;
		}
		row_judge(m, w);
	}
	return 0;
}

void monitor_release(struct monitor *m)
{
	for (size_t i = 0; i < m->nrows; i++)
		free(m->rows[i].adv);
	free(m->rows);
	reg_reports_free(m->r, m->nr);
	reg_advisories_free(m->a, m->na);
	memset(m, 0, sizeof(*m));
}
