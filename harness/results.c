/* results.c — deriving a run's state from its journal. */
#include "results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ics.h"
#include "review.h"
#include "sha256.h"
#include "tree.h"
#include "util.h"

const struct rv_case *run_view_case(const struct run_view *rv, const char *id)
{
	for (size_t i = 0; i < rv->ncases; i++)
		if (!strcmp(jrec_get(rv->cases[i].plan, "id"), id))
			return &rv->cases[i];
	return NULL;
}

enum keur_verdict run_view_fold(const struct run_view *rv, const char *cases)
{
	struct verdict_fold f = { 0 };

	for (char *id; (id = list_next(&cases)); free(id)) {
		const struct rv_case *c = run_view_case(rv, id);
		/* A case the plan left out (e.g. --only) was not run: the requirement is not decided. */
		verdict_fold_add(&f, c ? c->verdict : KEUR_NONE);
	}
	return verdict_fold_result(&f);
}

const struct rv_req *run_view_req(const struct run_view *rv, const char *id)
{
	for (size_t i = 0; i < rv->nreqs; i++)
		if (!strcmp(jrec_get(rv->reqs[i].rec, "id"), id))
			return &rv->reqs[i];
	return NULL;
}

static struct rv_level *level_find(const struct run_view *rv, const char *id)
{
	for (size_t i = 0; id && i < rv->nlevels; i++)
		if (!strcmp(rv->levels[i].id, id))
			return &rv->levels[i];
	return NULL;
}

/* Does level `a` include level `b` (itself or through includes)?  Bounded like the loader's. */
static int level_includes(const struct run_view *rv, const char *a, const char *b)
{
	for (size_t hops = 0; a && hops <= rv->nlevels; hops++) {
		if (!strcmp(a, b))
			return 1;
		const struct rv_level *l = level_find(rv, a);
		a = l ? l->includes : NULL;
	}
	return 0;
}

/* Judges one level: reached when every counted requirement it includes passed (or does not
 * apply), at least one passed, and at least one requirement of the level itself applies. */
static void level_judge(const struct run_view *rv, struct rv_level *l)
{
	const char *only = jrec_get(rv->run, "level");
	struct strbuf failed, open, waiting;
	int own = 0, passed = 0, tested = 0, reviewed = 0;
	size_t nwaiting = 0;

	if (only && !level_includes(rv, only, l->id)) {
		l->why = xasprintf("not assessed: the run was limited to --level %s", only);
		l->undecided = 1;
		return;
	}
	sb_init(&failed);
	sb_init(&open);
	sb_init(&waiting);
	for (size_t i = 0; i < rv->nreqs; i++) {
		const struct rv_req *q = &rv->reqs[i];
		const char *rl = jrec_get(q->rec, "level"), *id = jrec_get(q->rec, "id");
		if (!run_view_req_counts(q) || !rl || !level_includes(rv, l->id, rl))
			continue;
		if (!strcmp(rl, l->id) && q->verdict != KEUR_NA)
			own++;
		if (q->verdict == KEUR_PASS || q->verdict == KEUR_NA) {
			passed += q->verdict == KEUR_PASS;
			q->review ? reviewed++ : tested++;
		} else if (q->verdict == KEUR_FAIL) {
			sb_addf(&failed, "%s%s", failed.len ? ", " : "", id);
		} else if (q->open) {
			sb_add_capped(&waiting, &nwaiting, 5, id);
		} else {
			sb_addf(&open, "%s%s %s", open.len ? ", " : "", id,
				q->verdict == KEUR_ERROR ? "(harness error)" : q->verdict == KEUR_NONE ? "(not run)" : "(inconclusive)");
		}
	}
	sb_add_more(&waiting, nwaiting, 5);
	if (nwaiting)
		sb_addf(&open, "%s%zu awaiting the assessor's review (%s)", open.len ? ", " : "", nwaiting, waiting.buf);
	if (failed.len || open.len) {
		l->undecided = !failed.len;
		l->why = xasprintf("held back by %s%s%s%s%s", failed.len ? "failed " : "", failed.len ? failed.buf : "",
				   failed.len && open.len ? "; " : "", open.len ? "not determined " : "", open.len ? open.buf : "");
	} else if (!own) {
		l->why = xasprintf("no requirement of level %s applies to this DUT", l->id);
	} else if (!passed) {
		l->why = xstrdup("no requirement passed: nothing was shown");
	} else {
		l->reached = 1;
		l->why = xasprintf("every counted requirement up to %s passed or does not apply (%d passed; %d decided by "
				   "keur's cases, %d reviewed by the assessor)", l->id, passed, tested, reviewed);
	}
	sb_release(&failed);
	sb_release(&open);
	sb_release(&waiting);
}

static void levels_derive(struct run_view *rv)
{
	for (size_t i = 0; rv->profile && i < rv->profile->n; i++) {
		if (strcmp(rv->profile->key[i], "level"))
			continue;
		const char *v = rv->profile->val[i];
		size_t l = strcspn(v, " ");
		rv->levels = xrealloc(rv->levels, (rv->nlevels + 1) * sizeof(*rv->levels));
		struct rv_level *lv = &rv->levels[rv->nlevels++];
		memset(lv, 0, sizeof(*lv));
		lv->id = xstrndup(v, l);
		lv->includes = v[l] ? xstrdup(v + l + 1) : NULL;
	}
	for (size_t i = 0; i < rv->nlevels; i++) {
		struct rv_level *l = &rv->levels[i];
		const char *up = l->includes;
		for (size_t hops = 0; up && hops < rv->nlevels; hops++) {
			const struct rv_level *u = level_find(rv, up);
			if (!u)
				break;
			l->depth++;
			up = u->includes;
		}
		level_judge(rv, l);
		if (l->reached && (!rv->reached || l->depth > rv->reached->depth))
			rv->reached = l;
	}
}

const char *run_view_level_text(const struct run_view *rv)
{
	if (rv->reached)
		return rv->reached->id;
	/* Nothing reached: "none" if a lowest level failed outright, else undecided. */
	for (size_t i = 0; i < rv->nlevels; i++)
		if (rv->levels[i].depth == 0 && !rv->levels[i].undecided)
			return "none";
	return "not determined";
}

/* The report's ID, printed on the label: derived from what the run record already holds (the
 * DUT file's hash, the start time, the output directory), so that it is the same however often
 * the reports are rewritten and differs between runs. */
static void report_id(struct run_view *rv)
{
	const char *parts[] = { "dut-sha256", "started", "out" };
	struct strbuf seed;
	char hex[65];

	sb_init(&seed);
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
		sb_addf(&seed, "%s%s", i ? " " : "", jrec_get(rv->run, parts[i]) ? jrec_get(rv->run, parts[i]) : "");
	sha256_hex(seed.buf ? seed.buf : "", seed.len, hex);
	sb_release(&seed);
	snprintf(rv->report_id, sizeof(rv->report_id), "KEUR-%.12s", hex);
}

/* The interface a requirement's applies-if names, as the port scan would find it open. */
static const struct {
	const char *applies_if, *proto, *what;
	int ports[2];
} scan_interfaces[] = {
	{ "mqtt-broker", "tcp", "MQTT", { 1883, 8883 } },
	{ "coap", "udp", "CoAP", { 5683, 5684 } },
	{ "modbus", "tcp", "Modbus", { 502, 802 } },
};

/* What NET-PORTS-001 saw open that the requirement's applies-if names (its ports.txt lines
 * "HOST tcp PORT open ..." and "HOST udp PORT answered ..."): "tcp/1883 on HOST (MQTT)", or NULL. */
static char *scan_found(const struct run_view *rv, const char *dir, const char *applies_if)
{
	const struct rv_case *c = run_view_case(rv, "NET-PORTS-001");
	char *path, *text = NULL, *found = NULL;
	size_t k = 0, n;

	while (applies_if && k < ARRAY_SIZE(scan_interfaces) && strcmp(scan_interfaces[k].applies_if, applies_if))
		k++;
	if (!applies_if || k == ARRAY_SIZE(scan_interfaces) || !c || !c->result)
		return NULL;
	path = path_join(dir, "evidence/NET-PORTS-001/ports.txt");
	if (file_read(path, &text, &n) == 0) {
		for (char *line = strtok(text, "\n"); line && !found; line = strtok(NULL, "\n")) {
			char host[128], proto[8], state[16];
			int port;
			if (sscanf(line, "%127s %7s %d %15s", host, proto, &port, state) == 4 &&
			    !strcmp(proto, scan_interfaces[k].proto) && (!strcmp(state, "open") || !strcmp(state, "answered")) &&
			    (port == scan_interfaces[k].ports[0] || port == scan_interfaces[k].ports[1]))
				found = xasprintf("%s/%d on %s (%s)", proto, port, host, scan_interfaces[k].what);
		}
	}
	free(text);
	free(path);
	return found;
}

/* Where the manufacturer's ICS says otherwise than keur found: implemented, yet keur's cases
 * failed; or not applicable, yet keur found that it applies (its cases ran on the DUT, the DUT
 * declares what the requirement applies to, or the port scan found that interface open). */
static char *contradiction(const struct run_view *rv, const struct rv_req *q, const char *dir)
{
	const char *status = jrec_get(q->ics, "status"), *cases = jrec_get(q->rec, "cases");
	const char *applies_if = jrec_get(q->rec, "applies-if");
	struct strbuf sb;
	char *r = NULL;

	sb_init(&sb);
	for (char *id; (id = list_next(&cases)); free(id)) {
		const struct rv_case *c = run_view_case(rv, id);
		int failed = c && c->verdict == KEUR_FAIL;
		int ran = c && (c->verdict == KEUR_PASS || c->verdict == KEUR_FAIL);
		if (!strcmp(status, "implemented") ? failed : ran)
			sb_addf(&sb, "%s%s (%s)", sb.len ? ", " : "", id, verdict_name(c->verdict));
	}
	if (!strcmp(status, "implemented")) {
		if (sb.len)
			r = xasprintf("the ICS says implemented; keur's cases failed: %s", sb.buf);
	} else if (!strcmp(status, "not-applicable")) {
		char *seen;
		if (sb.len)
			r = xasprintf("the ICS says not applicable; keur's cases found it applies: %s", sb.buf);
		else if (applies_if && !jrec_get(q->rec, "na"))
			r = xasprintf("the ICS says not applicable; the DUT description declares %s, which it applies to",
				      applies_if);
		else if ((seen = scan_found(rv, dir, applies_if))) {
			r = xasprintf("the ICS says not applicable; NET-PORTS-001 found %s open, which it applies to", seen);
			free(seen);
		}
	}
	sb_release(&sb);
	return r;
}

/* Each requirement's verdict: not applicable to the DUT, else a person's review where there is
 * one (the latest), else what keur's cases say; a docs requirement without a review waits. */
static void reqs_derive(struct run_view *rv, const char *dir)
{
	for (size_t i = 0; i < rv->recs.n; i++) {
		const struct jrec *j = &rv->recs.r[i];
		int review = !strcmp(j->type, REVIEW_RECORD), ics = !strcmp(j->type, ICS_STATEMENT_RECORD);
		struct rv_req *q;
		if ((!review && !ics) || !(q = (struct rv_req *)run_view_req(rv, jrec_get(j, "requirement"))))
			continue;
		if (ics) {
			q->ics = j;
		} else if (verdict_parse(jrec_get(j, "verdict")) != KEUR_NONE) {
			q->review = j;
			q->nreviews++;
		}
	}
	for (size_t i = 0; i < rv->nreqs; i++) {
		struct rv_req *q = &rv->reqs[i];
		const char *kind = jrec_get(q->rec, "kind");
		/* Not applicable comes first: a docs requirement that does not apply is na, not
		 * something for the lab to review. */
		q->docs = kind && !strcmp(kind, "docs") && !jrec_get(q->rec, "na");
		q->waived = jrec_get(q->rec, "waiver-reason");
		if (jrec_get(q->rec, "na"))
			q->tested = KEUR_NA;
		else if (!q->docs)
			q->tested = run_view_fold(rv, jrec_get(q->rec, "cases"));
		q->verdict = q->review ? verdict_parse(jrec_get(q->review, "verdict")) : q->tested;
		q->open = q->docs && !q->review;
		if (q->ics && jrec_get(q->ics, "status"))
			q->contradiction = contradiction(rv, q, dir);
		rv->ncontradictions += q->contradiction != NULL;
		if (!run_view_req_counts(q))
			continue;
		rv->nopen += q->open;
		if (q->verdict != KEUR_NONE)
			q->review ? rv->nreviewed++ : rv->ntested++;
	}
}

int run_view_load(const char *dir, struct run_view *rv, char *why, size_t len)
{
	char *path = path_join(dir, "journal");
	int r = journal_read(path, &rv->recs, NULL, why, len);

	free(path);
	rv->run = rv->dut = rv->lab = rv->profile = rv->end = NULL;
	rv->cases = NULL;
	rv->reqs = NULL;
	rv->levels = NULL;
	rv->reached = NULL;
	rv->ics = NULL;
	rv->report_id[0] = '\0';
	rv->ncases = rv->nreqs = rv->done = rv->nlevels = 0;
	rv->nopen = rv->ncontradictions = rv->ntested = rv->nreviewed = 0;
	if (r < 0)
		return -1;
	if (rv->recs.n == 0 || strcmp(rv->recs.r[0].type, "keur-journal") ||
	    strcmp(jrec_get(&rv->recs.r[0], "format") ? jrec_get(&rv->recs.r[0], "format") : "", "1")) {
		snprintf(why, len, "%s/journal: not a keur journal (format 1)", dir);
		goto bad;
	}
	for (size_t i = 0; i < rv->recs.n; i++) {
		const struct jrec *j = &rv->recs.r[i];
		if (!strcmp(j->type, "run"))
			rv->run = j;
		else if (!strcmp(j->type, "dut"))
			rv->dut = j;
		else if (!strcmp(j->type, "lab"))
			rv->lab = j;
		else if (!strcmp(j->type, "profile"))
			rv->profile = j;
		else if (!strcmp(j->type, "end"))
			rv->end = j;
		else if (!strcmp(j->type, ICS_RECORD))
			rv->ics = j;
		else if (!strcmp(j->type, "req")) {
			rv->reqs = xrealloc(rv->reqs, (rv->nreqs + 1) * sizeof(*rv->reqs));
			memset(&rv->reqs[rv->nreqs], 0, sizeof(*rv->reqs));
			rv->reqs[rv->nreqs].rec = j;
			req_guide_load(j, &rv->reqs[rv->nreqs].guide);
			rv->reqs[rv->nreqs++].verdict = KEUR_NONE;
		} else if (!strcmp(j->type, "plan")) {
			if (!jrec_get(j, "id")) {
				snprintf(why, len, "%s/journal: a plan record without id", dir);
				goto bad;
			}
			rv->cases = xrealloc(rv->cases, (rv->ncases + 1) * sizeof(*rv->cases));
			rv->cases[rv->ncases].plan = j;
			rv->cases[rv->ncases].result = NULL;
			rv->cases[rv->ncases++].verdict = KEUR_NONE;
		} else if (!strcmp(j->type, "case")) {
			const char *id = jrec_get(j, "id");
			struct rv_case *c = id ? (struct rv_case *)run_view_case(rv, id) : NULL;
			enum keur_verdict v = verdict_parse(jrec_get(j, "verdict"));
			if (!c || v == KEUR_NONE) {
				snprintf(why, len, "%s/journal: result for %s '%s'", dir,
					 c ? "with an unknown verdict for case" : "a case not in the plan",
					 id ? id : "?");
				goto bad;
			}
			if (!c->result)
				rv->done++;
			c->result = j;
			c->verdict = v;
		}
	}
	if (!rv->run) {
		snprintf(why, len, "%s/journal: the run's header is missing (the run never started)", dir);
		goto bad;
	}
	reqs_derive(rv, dir);
	levels_derive(rv);
	report_id(rv);
	return 0;
bad:
	run_view_release(rv);
	return -1;
}

void run_view_release(struct run_view *rv)
{
	for (size_t i = 0; i < rv->nreqs; i++) {
		free(rv->reqs[i].contradiction);
		profile_req_release(&rv->reqs[i].guide);
	}
	jrecs_release(&rv->recs);
	free(rv->cases);
	free(rv->reqs);
	for (size_t i = 0; i < rv->nlevels; i++) {
		free(rv->levels[i].id);
		free(rv->levels[i].includes);
		free(rv->levels[i].why);
	}
	free(rv->levels);
	rv->cases = NULL;
	rv->reqs = NULL;
	rv->levels = NULL;
	rv->reached = NULL;
	rv->ncases = rv->nreqs = rv->done = rv->nlevels = 0;
}

int run_view_req_counts(const struct rv_req *r)
{
	const char *kind = jrec_get(r->rec, "kind"), *obligation = jrec_get(r->rec, "obligation");

	if (!kind || r->waived)
		return 0;
	if (!strcmp(kind, "docs"))
		return !obligation || strcmp(obligation, "recommended");
	return !strcmp(kind, "mandatory") || !strcmp(kind, "conditional");
}

const char *rv_req_verdict_name(const struct rv_req *q)
{
	if (q->open)
		return "awaiting-review";
	return verdict_or_not_run(q->verdict);
}

size_t review_doc_next(const struct jrec *r, size_t i, struct review_doc_ref *d)
{
	for (; r && i < r->n; i++) {
		if (strcmp(r->key[i], "doc"))
			continue;
		const char *v = r->val[i], *c1 = strchr(v, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		const char *c3 = c2 ? strchr(c2 + 1, ':') : NULL;
		if (!c3 || (size_t)(c1 - v) >= sizeof(d->file) || c2 - c1 - 1 != 64)
			continue;
		memcpy(d->file, v, (size_t)(c1 - v));
		d->file[c1 - v] = '\0';
		memcpy(d->sha256, c1 + 1, 64);
		d->sha256[64] = '\0';
		d->size = atoll(c2 + 1);
		d->title = c3 + 1;
		return i + 1;
	}
	return 0;
}

char *rv_review_text(const struct rv_req *q)
{
	const struct jrec *r = q->review;
	struct review_doc_ref d;
	struct strbuf sb;

	if (!r)
		return NULL;
	sb_init(&sb);
	sb_addf(&sb, "%s by %s on %s: %s", jrec_get(r, "verdict"), jrec_get(r, "assessor"), jrec_get(r, "date"),
		jrec_get(r, "rationale") ? jrec_get(r, "rationale") : "");
	if (jrec_get(r, "path"))
		sb_addf(&sb, " [decision tree: %s]", jrec_get(r, "path"));
	if (jrec_get(r, "override"))
		sb_addf(&sb, " [overrides keur's %s: %s]", verdict_or_not_run(q->tested),
			jrec_get(r, "override"));
	for (size_t k = 0, n = 0; (k = review_doc_next(r, k, &d)); n++)
		sb_addf(&sb, "%s%s (%s)", n ? ", " : " [documents: ", d.file, d.title);
	if (review_doc_next(r, 0, &d))
		sb_adds(&sb, "]");
	return sb_detach(&sb);
}

int review_answer_next(const struct rv_req *q, struct review_answer_ref *a)
{
	const char *s = q->review ? jrec_get(q->review, "answers") : NULL, *p, *eq;
	size_t n;
	int i;

	if (!s || a->off >= strlen(s))
		return 0;
	p = s + a->off;
	n = strcspn(p, ",");
	a->off += n + (p[n] == ',');
	eq = memchr(p, '=', n);
	if (!eq || (size_t)(eq - p) >= sizeof(a->question))
		return review_answer_next(q, a);	/* not as keur writes it: skipped */
	memcpy(a->question, p, (size_t)(eq - p));
	a->question[eq - p] = '\0';
	a->yes = !strncmp(eq + 1, "yes", 3);
	i = tree_find(&q->guide, a->question);
	a->ask = i >= 0 ? q->guide.tree[i].ask : NULL;
	return 1;
}

char *run_view_open_text(const struct run_view *rv)
{
	struct strbuf sb;
	size_t n = 0;

	sb_init(&sb);
	for (size_t i = 0; i < rv->nreqs; i++)
		if (rv->reqs[i].open && run_view_req_counts(&rv->reqs[i]))
			sb_add_capped(&sb, &n, 5, jrec_get(rv->reqs[i].rec, "id"));
	sb_add_more(&sb, n, 5);
	return n ? sb_detach(&sb) : (sb_release(&sb), NULL);
}

int run_view_exit(const struct run_view *rv)
{
	struct verdict_fold f = { 0 };

	if (rv->profile) {
		for (size_t i = 0; i < rv->nreqs; i++)
			if (run_view_req_counts(&rv->reqs[i]))
				verdict_fold_add(&f, rv->reqs[i].verdict);
	} else {
		for (size_t i = 0; i < rv->ncases; i++)
			verdict_fold_add(&f, rv->cases[i].verdict);
	}
	if (f.fail)
		return 1;
	if (f.inconc || f.error || f.missing)
		return 3;
	return 0;
}
