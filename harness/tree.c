/* tree.c — decision trees (tree.h): the checks keur lint and every load make, and the walk
 * from the assessor's answers to a verdict. */
#include "tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "util.h"
#include "xmlin.h"

void tree_release(struct profile_req *r)
{
	for (size_t i = 0; i < r->ntree; i++) {
		free(r->tree[i].id);
		free(r->tree[i].ask);
		free(r->tree[i].yes.next);
		free(r->tree[i].yes.verdict);
		free(r->tree[i].no.next);
		free(r->tree[i].no.verdict);
	}
	free(r->tree);
	r->tree = NULL;
	r->ntree = 0;
}

int tree_find(const struct profile_req *r, const char *id)
{
	for (size_t i = 0; i < r->ntree; i++)
		if (!strcmp(r->tree[i].id, id))
			return (int)i;
	return -1;
}

static void answer_check(const char *path, const struct profile_req *r, const struct tree_question *q,
			 struct tree_answer *a, const char *name, struct input_errors *err)
{
	a->to = -1;
	if (a->next && a->verdict)
		input_err_add(err, "%s:%d: requirement '%s': question '%s' answer '%s' has both next and verdict; give one",
			      path, a->line, r->id, q->id, name);
	else if (!a->next && !a->verdict)
		input_err_add(err, "%s:%d: requirement '%s': question '%s' answer '%s' leads nowhere (a dead end); "
			      "give next=\"QUESTION\" or verdict=\"pass|fail|na\"", path, a->line, r->id, q->id, name);
	else if (a->verdict && strcmp(a->verdict, "pass") && strcmp(a->verdict, "fail") && strcmp(a->verdict, "na"))
		input_err_add(err, "%s:%d: requirement '%s': question '%s' answer '%s' leads to verdict '%s'; a tree ends in "
			      "pass, fail or na", path, a->line, r->id, q->id, name, a->verdict);
	else if (a->next && (a->to = tree_find(r, a->next)) < 0)
		input_err_add(err, "%s:%d: requirement '%s': question '%s' answer '%s' leads to question '%s', "
			      "which the tree does not have (a dead end)", path, a->line, r->id, q->id, name, a->next);
}

/* Depth-first from question i: state 1 on the current path, 2 done.  Reports an answer that
 * leads back onto the current path (a circle).  Depth is bounded by the tree's size. */
static void walk_check(const char *path, const struct profile_req *r, int i, char *state, struct input_errors *err)
{
	const struct tree_question *q = &r->tree[i];
	const struct tree_answer *as[2] = { &q->yes, &q->no };

	state[i] = 1;
	for (int k = 0; k < 2; k++) {
		int to = as[k]->to;
		if (to < 0)
			continue;
		if (state[to] == 1)
			input_err_add(err, "%s:%d: requirement '%s': question '%s' answer '%s' leads back to question '%s' "
				      "(a circle: that path never ends in a verdict)", path, as[k]->line, r->id, q->id,
				      k ? "no" : "yes", r->tree[to].id);
		else if (!state[to])
			walk_check(path, r, to, state, err);
	}
	state[i] = 2;
}

void tree_check(const char *path, struct profile_req *r, struct input_errors *err)
{
	char *state;

	if (!r->ntree)
		return;
	for (size_t i = 0; i < r->ntree; i++)
		for (size_t k = 0; k < i; k++)
			if (!strcmp(r->tree[i].id, r->tree[k].id))
				input_err_add(err, "%s:%d: requirement '%s': question '%s' is defined twice", path,
					      r->tree[i].line, r->id, r->tree[i].id);
	for (size_t i = 0; i < r->ntree; i++) {
		answer_check(path, r, &r->tree[i], &r->tree[i].yes, "yes", err);
		answer_check(path, r, &r->tree[i], &r->tree[i].no, "no", err);
	}
	state = xcalloc(r->ntree, 1);
	walk_check(path, r, 0, state, err);
	for (size_t i = 0; i < r->ntree; i++)
		if (!state[i])
			input_err_add(err, "%s:%d: requirement '%s': question '%s' is reached by no answer from the first "
				      "question '%s'", path, r->tree[i].line, r->id, r->tree[i].id, r->tree[0].id);
	free(state);
}

int tree_walk(const struct profile_req *r, const char *answers, struct tree_walk *w, char *why, size_t len)
{
	/* The answers by question index: 0 none, 1 yes, 2 no; used marks those on the path. */
	unsigned char *given = xcalloc(r->ntree ? r->ntree : 1, 1), *used = xcalloc(r->ntree ? r->ntree : 1, 1);
	char *copy = xstrdup(answers ? answers : ""), *save = NULL;
	size_t off = 0, aoff = 0;
	int rc = -1, q = 0;

	memset(w, 0, sizeof(*w));
	w->next = -1;
	if (!r->ntree) {
		snprintf(why, len, "requirement '%s' has no decision tree to answer", r->id);
		goto out;
	}
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		int i;
		if (!eq) {
			snprintf(why, len, "answer '%s' is not QUESTION=yes|no", t);
			goto out;
		}
		*eq = '\0';
		if ((i = tree_find(r, t)) < 0) {
			snprintf(why, len, "question '%s' is not in the decision tree of %s", t, r->id);
			goto out;
		}
		if (strcmp(eq + 1, "yes") && strcmp(eq + 1, "no")) {
			snprintf(why, len, "question '%s' is answered '%s', not yes or no", t, eq + 1);
			goto out;
		}
		if (given[i]) {
			snprintf(why, len, "question '%s' is answered twice", t);
			goto out;
		}
		given[i] = strcmp(eq + 1, "yes") ? 2 : 1;
	}
	/* At most ntree steps: the tree has no circle (tree_check), and this bound holds anyway. */
	for (size_t steps = 0; steps <= r->ntree; steps++) {
		const struct tree_question *tq = &r->tree[q];
		const struct tree_answer *a;
		if (!given[q]) {
			w->next = q;
			break;
		}
		used[q] = 1;
		a = given[q] == 1 ? &tq->yes : &tq->no;
		aoff += (size_t)snprintf(w->answers + aoff, aoff < sizeof(w->answers) ? sizeof(w->answers) - aoff : 0,
					 "%s%s=%s", aoff ? "," : "", tq->id, given[q] == 1 ? "yes" : "no");
		off += (size_t)snprintf(w->path + off, off < sizeof(w->path) ? sizeof(w->path) - off : 0, "%s%s %s",
					off ? ", " : "", tq->id, given[q] == 1 ? "yes" : "no");
		if (a->verdict) {
			w->verdict = a->verdict;
			snprintf(w->path + off, off < sizeof(w->path) ? sizeof(w->path) - off : 0, ": %s", a->verdict);
			break;
		}
		if (a->to < 0) {
			snprintf(why, len, "question '%s' leads nowhere", tq->id);
			goto out;
		}
		q = a->to;
	}
	for (size_t i = 0; i < r->ntree; i++)
		if (given[i] && !used[i]) {
			snprintf(why, len, "question '%s' is answered but not on the path the other answers take (%s)",
				 r->tree[i].id, w->path[0] ? w->path : "none");
			goto out;
		}
	rc = 0;
out:
	free(given);
	free(used);
	free(copy);
	return rc;
}

void wrap_print(FILE *f, const char *indent, const char *label, int pad, const char *text, int width)
{
	int col = fprintf(f, "%s%-*s", indent, pad, label), start = col;
	const char *p = text;

	while (*p) {
		const char *w = p;
		int n;
		while (*w == ' ')
			w++;
		n = (int)strcspn(w, " ");
		if (!n)
			break;
		if (col > start && col + 1 + n > width) {
			col = fprintf(f, "\n%s%-*s", indent, pad, "") - 1;
		} else if (col > start) {
			fputc(' ', f);
			col++;
		}
		fwrite(w, 1, (size_t)n, f);
		col += n;
		p = w + n;
	}
	fputc('\n', f);
}

void guidance_print(FILE *f, const struct profile_req *r, const char *indent, int width)
{
	const struct profile_guidance *g = r->guidance;

	if (!g)
		return;
	wrap_print(f, indent, "Examine:", 16, g->examine, width);
	if (g->try_)
		wrap_print(f, indent, "Try:", 16, g->try_, width);
	wrap_print(f, indent, "Pass:", 16, g->pass, width);
	wrap_print(f, indent, "Fail:", 16, g->fail, width);
	wrap_print(f, indent, "Not applicable:", 16, g->na, width);
}

static void lead_text(const struct tree_answer *a, char *buf, size_t len)
{
	if (a->verdict)
		snprintf(buf, len, "%s", a->verdict);
	else
		snprintf(buf, len, "question %s", a->next ? a->next : "(none)");
}

void tree_print(FILE *f, const struct profile_req *r, const char *indent, int width)
{
	int pad = 0;

	for (size_t i = 0; i < r->ntree; i++)
		if ((int)strlen(r->tree[i].id) + 2 > pad)
			pad = (int)strlen(r->tree[i].id) + 2;
	for (size_t i = 0; i < r->ntree; i++) {
		const struct tree_question *q = &r->tree[i];
		char yes[64], no[64], sub[128];
		lead_text(&q->yes, yes, sizeof(yes));
		lead_text(&q->no, no, sizeof(no));
		wrap_print(f, indent, q->id, pad, q->ask, width);
		snprintf(sub, sizeof(sub), "%s%*s", indent, pad, "");
		fprintf(f, "%syes: %s; no: %s\n", sub, yes, no);
	}
}

static void lead_record(const struct tree_answer *a, char *buf, size_t len)
{
	if (a->verdict)
		snprintf(buf, len, "=%s", a->verdict);
	else
		snprintf(buf, len, "%s", a->next ? a->next : "=");
}

void req_guide_record(const struct profile_req *r, struct jrec *rec)
{
	const struct profile_guidance *g = r->guidance;

	if (g) {
		jrec_add(rec, "g-examine", g->examine);
		jrec_add(rec, "g-try", g->try_);
		jrec_add(rec, "g-pass", g->pass);
		jrec_add(rec, "g-fail", g->fail);
		jrec_add(rec, "g-na", g->na);
	}
	for (size_t i = 0; i < r->ntree; i++) {
		char yes[40], no[40];
		lead_record(&r->tree[i].yes, yes, sizeof(yes));
		lead_record(&r->tree[i].no, no, sizeof(no));
		jrec_addf(rec, "question", "%s %s %s %s", r->tree[i].id, yes, no, r->tree[i].ask);
	}
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* "ID" or "=VERDICT", up to the next space, into a; the rest of s after it. */
static const char *lead_load(const char *s, struct tree_answer *a)
{
	size_t n = strcspn(s, " ");
	char *w = xstrndup(s, n);

	if (w[0] == '=') {
		a->verdict = w[1] ? xstrdup(w + 1) : NULL;
		free(w);
	} else {
		a->next = w;
	}
	return s[n] ? s + n + 1 : s + n;
}

void req_guide_load(const struct jrec *rec, struct profile_req *r)
{
	struct input_errors err = { 0 };

	memset(r, 0, sizeof(*r));
	r->id = dup_or_null(jrec_get(rec, "id"));
	r->kind = dup_or_null(jrec_get(rec, "kind"));
	r->summary = dup_or_null(jrec_get(rec, "summary"));
	if (jrec_get(rec, "g-examine")) {
		r->guidance = xcalloc(1, sizeof(*r->guidance));
		r->guidance->examine = xstrdup(jrec_get(rec, "g-examine"));
		r->guidance->try_ = dup_or_null(jrec_get(rec, "g-try"));
		r->guidance->pass = xstrdup(jrec_get(rec, "g-pass") ? jrec_get(rec, "g-pass") : "");
		r->guidance->fail = xstrdup(jrec_get(rec, "g-fail") ? jrec_get(rec, "g-fail") : "");
		r->guidance->na = xstrdup(jrec_get(rec, "g-na") ? jrec_get(rec, "g-na") : "");
	}
	for (size_t i = 0; i < rec->n; i++) {
		struct tree_question *q;
		const char *s = rec->val[i];
		if (strcmp(rec->key[i], "question"))
			continue;
		r->tree = xrealloc(r->tree, (r->ntree + 1) * sizeof(*r->tree));
		q = &r->tree[r->ntree++];
		memset(q, 0, sizeof(*q));
		q->line = q->yes.line = q->no.line = (int)r->ntree;
		q->id = xstrndup(s, strcspn(s, " "));
		s += strcspn(s, " ");
		s += *s == ' ';
		s = lead_load(s, &q->yes);
		s = lead_load(s, &q->no);
		q->ask = xstrdup(s);
	}
	if (!r->id)
		r->id = xstrdup("?");
	tree_check("journal", r, &err);
	if (err.n)	/* not as keur wrote it: no tree rather than one that misleads */
		tree_release(r);
	input_errors_release(&err);
}
