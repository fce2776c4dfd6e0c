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

	if (only && !rv->levelless && !level_includes(rv, only, l->id)) {
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
		if (!run_view_req_counts(q) || (!rv->levelless && (!rl || !level_includes(rv, l->id, rl))))
			continue;
		if ((rv->levelless || !strcmp(rl, l->id)) && q->verdict != KEUR_NA)
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
		l->why = rv->levelless ? xstrdup("no requirement of the profile applies to this DUT") :
			 xasprintf("no requirement of level %s applies to this DUT", l->id);
	} else if (!passed) {
		l->why = xstrdup("no requirement passed: nothing was shown");
	} else {
		l->reached = 1;
		l->why = xasprintf("every counted requirement %s%s passed or does not apply (%d passed; %d decided by "
				   "keur's cases, %d reviewed by the assessor)", rv->levelless ? "of the profile" : "up to ",
				   rv->levelless ? "" : l->id, passed, tested, reviewed);
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
	/* A profile without levels is a pass/fail scheme: one implicit level that every counted
	 * requirement belongs to, judged like any other. */
	rv->levelless = rv->profile && !rv->nlevels;
	if (rv->levelless) {
		rv->levels = xcalloc(1, sizeof(*rv->levels));
		rv->levels[0].id = xstrdup("met");
		rv->nlevels = 1;
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
	if (rv->levelless)
		return rv->reached ? "met" : rv->nlevels && !rv->levels[0].undecided ? "not met" : "not determined";
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

/* Does record r have key with the value "A B"? */
static int list_has_pair(const struct jrec *r, const char *key, const char *a, const char *b)
{
	size_t la = strlen(a);

	for (size_t i = 0; r && i < r->n; i++)
		if (!strcmp(r->key[i], key) && !strncmp(r->val[i], a, la) && r->val[i][la] == ' ' &&
		    !strcmp(r->val[i] + la + 1, b))
			return 1;
	return 0;
}

/* Whether q is stated to be requirement id of profile b, whose requirement o is in the run (NULL:
 * it is not). */
static int same_as(const struct rv_req *q, const char *b, const char *id, const struct rv_req *o)
{
	if (!b || !strcmp(q->profile, b))
		return 0;
	return list_has_pair(q->rec, "same-as", b, id) || (o && list_has_pair(o->rec, "same-as", q->profile, jrec_get(q->rec, "id")));
}

int run_view_same(const struct run_view *rv, const struct rv_req *q, const char *b, const char *id)
{
	return same_as(q, b, id, b ? run_view_req_in(rv, b, id, NULL) : NULL);
}

/* Each requirement's verdict: not applicable to the DUT, else a person's review where there is
 * one (the latest, of it or of the same requirement of another profile of the run), else what
 * keur's cases say; a docs requirement without a review waits.  The ICS answers one profile. */
static void reqs_derive(struct run_view *rv, const char *dir)
{
	const char *me = jrec_get(rv->profile, "id");
	const char *ics_profile = rv->ics ? jrec_get(rv->ics, "profile") : NULL;

	for (size_t i = 0; i < rv->recs.n; i++) {
		const struct jrec *j = &rv->recs.r[i];
		int review = !strcmp(j->type, REVIEW_RECORD), ics = !strcmp(j->type, ICS_STATEMENT_RECORD);
		const char *req = jrec_get(j, "requirement"), *of = jrec_get(j, "profile");
		if ((!review && !ics) || !req)
			continue;
		if (ics) {
			struct rv_req *q = (struct rv_req *)run_view_req(rv, req);
			if (q && (!ics_profile || !me || !strcmp(ics_profile, me)))
				q->ics = j;
			continue;
		}
		if (verdict_parse(jrec_get(j, "verdict")) == KEUR_NONE)
			continue;
		/* A review without a profile (a journal of one profile, from before several could be
		 * given) is of the first profile that has the requirement. */
		size_t at;
		if (!of && run_view_req_in(rv, NULL, req, &at))
			of = jrec_get(rv->as[at].profile, "id");
		const struct rv_req *src = run_view_req_in(rv, of, req, NULL);
		for (size_t k = 0; k < rv->nreqs; k++) {
			struct rv_req *q = &rv->reqs[k];
			int own = !strcmp(jrec_get(q->rec, "id"), req) && (!of || !me || !strcmp(of, me));
			if (!own && !same_as(q, of, req, src))
				continue;
			/* Through <same-as> a review decides only what a person decides here too: a
			 * requirement that applies, and one keur's cases decide only by an override. */
			if (!own && (jrec_get(q->rec, "na") || (strcmp(jrec_get(q->rec, "kind"), "docs") && !jrec_get(j, "override"))))
				continue;
			q->review = j;
			q->review_src = own ? NULL : src;
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

static void assessment_keep(struct run_view *rv);

int run_view_load(const char *dir, struct run_view *rv, char *why, size_t len)
{
	char *path = path_join(dir, "journal");
	int r = journal_read(path, &rv->recs, NULL, why, len);

	free(path);
	rv->run = rv->dut = rv->lab = rv->profile = rv->end = NULL;
	rv->as = NULL;
	rv->nas = rv->cur = 0;
	rv->levelless = 0;
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
		else if (!strcmp(j->type, "profile")) {
			/* Its ID names the profile in reviews and names its label file: a word as profile.xsd
			 * allows, and no two alike. */
			const char *id = jrec_get(j, "id");
			int dup = 0;
			for (size_t k = 0; id && k < rv->nas; k++)
				dup |= !strcmp(jrec_get(rv->as[k].profile, "id"), id);
			if (!id || !id[0] || strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(id) || dup) {
				snprintf(why, len, "%s/journal: a profile record %s", dir, !id ? "without id" : dup ? "given twice" :
					 "whose id is not a profile id");
				goto bad;
			}
			rv->as = xrealloc(rv->as, (rv->nas + 1) * sizeof(*rv->as));
			memset(&rv->as[rv->nas], 0, sizeof(*rv->as));
			rv->as[rv->nas++].profile = j;
		}
		else if (!strcmp(j->type, "end"))
			rv->end = j;
		else if (!strcmp(j->type, ICS_RECORD))
			rv->ics = j;
		else if (!strcmp(j->type, "req")) {
			/* A requirement belongs to the profile record before it. */
			if (!rv->nas || !jrec_get(j, "id") || !jrec_get(j, "kind")) {
				snprintf(why, len, "%s/journal: a requirement %s", dir, rv->nas ? "without id or kind" : "before any profile");
				goto bad;
			}
			struct rv_assessment *a = &rv->as[rv->nas - 1];
			a->reqs = xrealloc(a->reqs, (a->nreqs + 1) * sizeof(*a->reqs));
			struct rv_req *q = &a->reqs[a->nreqs++];
			memset(q, 0, sizeof(*q));
			q->rec = j;
			q->profile = jrec_get(a->profile, "id");
			req_guide_load(j, &q->guide);
			q->verdict = KEUR_NONE;
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
	/* Every assessment's requirements are in place before any is judged: a review may be of
	 * the same requirement in another profile. */
	for (size_t i = 0; i < rv->nas; i++) {
		run_view_select(rv, i);
		reqs_derive(rv, dir);
		levels_derive(rv);
		assessment_keep(rv);
	}
	if (rv->nas)
		run_view_select(rv, 0);
	else
		levels_derive(rv);
	report_id(rv);
	return 0;
bad:
	run_view_release(rv);
	return -1;
}

int run_view_ics_here(const struct run_view *rv)
{
	const char *of = rv->ics ? jrec_get(rv->ics, "profile") : NULL;

	return rv->ics && (!of || !rv->profile || !strcmp(of, jrec_get(rv->profile, "id")));
}

void run_view_select(struct run_view *rv, size_t i)
{
	const struct rv_assessment *a = &rv->as[i];

	rv->cur = i;
	rv->profile = a->profile;
	rv->reqs = a->reqs;
	rv->nreqs = a->nreqs;
	rv->levels = a->levels;
	rv->nlevels = a->nlevels;
	rv->reached = a->reached;
	rv->levelless = a->levelless;
	rv->nopen = a->nopen;
	rv->ncontradictions = a->ncontradictions;
	rv->ntested = a->ntested;
	rv->nreviewed = a->nreviewed;
}

/* What judging the selected assessment found, kept in it. */
static void assessment_keep(struct run_view *rv)
{
	struct rv_assessment *a = &rv->as[rv->cur];

	a->levels = rv->levels;
	a->nlevels = rv->nlevels;
	a->reached = rv->reached;
	a->levelless = rv->levelless;
	a->nopen = rv->nopen;
	a->ncontradictions = rv->ncontradictions;
	a->ntested = rv->ntested;
	a->nreviewed = rv->nreviewed;
}

static void levels_release(struct rv_level *lv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(lv[i].id);
		free(lv[i].includes);
		free(lv[i].why);
	}
	free(lv);
}

const struct rv_req *run_view_req_in(const struct run_view *rv, const char *profile, const char *id, size_t *as)
{
	for (size_t i = 0; id && i < rv->nas; i++) {
		if (profile && strcmp(jrec_get(rv->as[i].profile, "id"), profile))
			continue;
		for (size_t k = 0; k < rv->as[i].nreqs; k++)
			if (!strcmp(jrec_get(rv->as[i].reqs[k].rec, "id"), id)) {
				if (as)
					*as = i;
				return &rv->as[i].reqs[k];
			}
	}
	return NULL;
}

char *run_view_profile_ids(const struct run_view *rv)
{
	struct strbuf sb;

	sb_init(&sb);
	for (size_t i = 0; i < rv->nas; i++)
		sb_addf(&sb, "%s%s", i ? ", " : "", jrec_get(rv->as[i].profile, "id"));
	return sb.len ? sb_detach(&sb) : (sb_release(&sb), xstrdup("none"));
}

void run_view_release(struct run_view *rv)
{
	for (size_t i = 0; i < rv->nas; i++) {
		struct rv_assessment *a = &rv->as[i];
		for (size_t k = 0; k < a->nreqs; k++) {
			free(a->reqs[k].contradiction);
			profile_req_release(&a->reqs[k].guide);
		}
		free(a->reqs);
		levels_release(a->levels, a->nlevels);
	}
	if (!rv->nas)
		levels_release(rv->levels, rv->nlevels);
	free(rv->as);
	jrecs_release(&rv->recs);
	free(rv->cases);
	rv->as = NULL;
	rv->nas = rv->cur = 0;
	rv->cases = NULL;
	rv->reqs = NULL;
	rv->levels = NULL;
	rv->reached = NULL;
	rv->profile = NULL;
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
	if (q->review_src)
		sb_addf(&sb, " [recorded for %s %s, the same requirement]", q->review_src->profile,
			jrec_get(q->review_src->rec, "id"));
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
	const struct rv_req *g = q->review_src ? q->review_src : q;	/* whose tree was answered */
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
	i = tree_find(&g->guide, a->question);
	a->ask = i >= 0 ? g->guide.tree[i].ask : NULL;
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

	if (rv->nas) {
		for (size_t a = 0; a < rv->nas; a++)
			for (size_t i = 0; i < rv->as[a].nreqs; i++)
				if (run_view_req_counts(&rv->as[a].reqs[i]))
					verdict_fold_add(&f, rv->as[a].reqs[i].verdict);
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
