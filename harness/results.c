/* results.c — deriving a run's state from its journal. */
#include "results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const struct rv_case *run_view_case(const struct run_view *rv, const char *id)
{
	for (size_t i = 0; i < rv->ncases; i++)
		if (!strcmp(jrec_get(rv->cases[i].plan, "id"), id))
			return &rv->cases[i];
	return NULL;
}

int run_view_load(const char *dir, struct run_view *rv, char *why, size_t len)
{
	char *path = path_join(dir, "journal");
	int r = journal_read(path, &rv->recs, NULL, why, len);

	free(path);
	rv->run = rv->dut = rv->lab = rv->profile = rv->end = NULL;
	rv->cases = NULL;
	rv->reqs = NULL;
	rv->ncases = rv->nreqs = rv->done = 0;
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
		else if (!strcmp(j->type, "req")) {
			rv->reqs = xrealloc(rv->reqs, (rv->nreqs + 1) * sizeof(*rv->reqs));
			rv->reqs[rv->nreqs].rec = j;
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
	for (size_t i = 0; i < rv->nreqs; i++) {
		struct verdict_fold f = { 0 };
		const char *cases = jrec_get(rv->reqs[i].rec, "cases");
		for (const char *p = cases ? cases : ""; *p;) {
			size_t l = strcspn(p, ",");
			char *id = xstrndup(p, l);
			const struct rv_case *c = run_view_case(rv, id);
			/* A case the plan left out (e.g. --only) was not run: the requirement is not decided. */
			verdict_fold_add(&f, c ? c->verdict : KEUR_NONE);
			free(id);
			p += l;
			if (*p == ',')
				p++;
		}
		rv->reqs[i].verdict = verdict_fold_result(&f);
	}
	return 0;
bad:
	run_view_release(rv);
	return -1;
}

void run_view_release(struct run_view *rv)
{
	jrecs_release(&rv->recs);
	free(rv->cases);
	free(rv->reqs);
	rv->cases = NULL;
	rv->reqs = NULL;
	rv->ncases = rv->nreqs = rv->done = 0;
}

int run_view_req_counts(const struct rv_req *r)
{
	const char *kind = jrec_get(r->rec, "kind");
	return kind && (!strcmp(kind, "mandatory") || !strcmp(kind, "conditional"));
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
