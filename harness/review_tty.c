/* review_tty.c — the guided review on a terminal (review.h, review_terminal): one open
 * requirement after another, its guidance, the ICS entry, the decision tree's questions one at
 * a time, then the verdict, the rationale and the documents examined; each requirement is
 * recorded in the journal as soon as the assessor confirms it, so that a review broken off at
 * any point (Ctrl-C, a closed terminal, a killed process) goes on at the next open one. */
#include "review.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "sha256.h"
#include "tree.h"
#include "util.h"

#define WIDTH 78

struct tty {
	FILE *in, *out;
	const char *dir, *assessor, *by;
	char date[11];
	size_t saved;
	size_t nas;	/* how many profiles the run has: with several, each requirement names its own */
};

/* One line from the terminal without its newline, white space trimmed; NULL at the end of input. */
static char *ask(struct tty *t, const char *prompt)
{
	char *line = NULL, *s, *e;
	size_t cap = 0;

	fputs(prompt, t->out);
	fflush(t->out);
	if (getline(&line, &cap, t->in) < 0) {
		free(line);
		return NULL;
	}
	for (s = line; *s == ' ' || *s == '\t'; s++)
		;
	for (e = s + strlen(s); e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	*e = '\0';
	memmove(line, s, (size_t)(e - s) + 1);
	return line;
}

/* A choice among the words of choices (space-separated; the first letter of each is enough).
 * Returns the word's index, -1 at the end of input.  Asks again on anything else: nothing is
 * chosen for the assessor. */
static int choose(struct tty *t, const char *prompt, const char *const *choices)
{
	for (;;) {
		char *a = ask(t, prompt);
		if (!a)
			return -1;
		for (int i = 0; a[0] && choices[i]; i++)
			if (!strcmp(a, choices[i]) || (!a[1] && a[0] == choices[i][0])) {
				free(a);
				return i;
			}
		fprintf(t->out, "  (answer one of:");
		for (int i = 0; choices[i]; i++)
			fprintf(t->out, " %s", choices[i]);
		fprintf(t->out, ")\n");
		free(a);
	}
}

enum step { STEP_SAVED, STEP_SKIP, STEP_QUIT, STEP_EOF };

static void show(struct tty *t, const struct rv_req *q, size_t at, size_t of)
{
	const struct jrec *r = q->rec;

	fprintf(t->out, "\n==== %zu of %zu: %s%s%s (%s; level %s, %s) ====\n", at, of, t->nas > 1 ? q->profile : "",
		t->nas > 1 ? " " : "", jrec_get(r, "id"), jrec_get(r, "source"),
		jrec_get(r, "level") ? jrec_get(r, "level") : "-", run_view_req_counts(q) ? jrec_get(r, "obligation") ? jrec_get(r, "obligation") : "mandatory"
							     : "recommended: shown, not counted for the level");
	wrap_print(t->out, "  ", "", 0, jrec_get(r, "summary"), WIDTH);
	if (q->ics) {
		char *s = xasprintf("%s%s%s", jrec_get(q->ics, "status"),
				    jrec_get(q->ics, "justification") && *jrec_get(q->ics, "justification") ? ": " : "",
				    jrec_get(q->ics, "justification") ? jrec_get(q->ics, "justification") : "");
		fputc('\n', t->out);
		wrap_print(t->out, "  ", "ICS:", 16, s, WIDTH);
		free(s);
		for (size_t k = 0; k < q->ics->n; k++)
			if (!strcmp(q->ics->key[k], "doc"))
				wrap_print(t->out, "  ", "Document named:", 16, q->ics->val[k], WIDTH);
	} else {
		fprintf(t->out, "\n  ICS:            none given with the run\n");
	}
	if (q->contradiction)
		wrap_print(t->out, "  ", "CONTRADICTION:", 16, q->contradiction, WIDTH);
	if (q->guide.guidance) {
		fprintf(t->out, "\n  Guidance:\n");
		guidance_print(t->out, &q->guide, "    ", WIDTH);
	} else {
		fprintf(t->out, "\n  (the profile gives no guidance for it)\n");
	}
}

/* The decision tree, one question at a time: the verdict the answers lead to, with e's answers
 * and path filled in. */
static enum step walk_tree(struct tty *t, const struct rv_req *q, struct review_entry *e)
{
	static const char *const yn[] = { "yes", "no", "skip", "quit", NULL };
	struct strbuf answers;
	struct tree_walk w;
	char why[256], prompt[64];

	fprintf(t->out, "\n  Decision tree: answer from the technical documentation.\n");
	sb_init(&answers);
	/* Each step answers one more question of an acyclic tree: at most ntree steps. */
	for (size_t steps = 0; steps <= q->guide.ntree; steps++) {
		if (tree_walk(&q->guide, answers.buf ? answers.buf : "", &w, why, sizeof(why)) < 0)
			break;
		if (w.verdict) {
			fprintf(t->out, "  The answers lead to: %s  (%s)\n", w.verdict, w.path);
			e->verdict = xstrdup(w.verdict);
			e->answers = xstrdup(w.answers);
			e->path = xstrdup(w.path);
			sb_release(&answers);
			return STEP_SAVED;
		}
		const struct tree_question *tq = &q->guide.tree[w.next];
		fputc('\n', t->out);
		wrap_print(t->out, "  ", tq->id, (int)strlen(tq->id) + 2, tq->ask, WIDTH);
		snprintf(prompt, sizeof(prompt), "  %s [yes, no, skip, quit]: ", tq->id);
		int c = choose(t, prompt, yn);
		if (c < 0 || c == 3) {
			sb_release(&answers);
			return c < 0 ? STEP_EOF : STEP_QUIT;
		}
		if (c == 2) {
			sb_release(&answers);
			return STEP_SKIP;
		}
		sb_addf(&answers, "%s%s=%s", answers.buf && answers.buf[0] ? "," : "", tq->id, yn[c]);
	}
	sb_release(&answers);
	fprintf(t->out, "  keur: the decision tree of %s cannot be followed (%s); skipped\n", q->guide.id, why);
	return STEP_SKIP;
}

static enum step documents(struct tty *t, struct review_entry *e)
{
	fprintf(t->out, "\n  The documents you examined, one path per line (relative to %s); an empty line ends%s.\n",
		"this directory", strcmp(e->verdict, "pass") ? "" : " (a pass needs at least one)");
	for (;;) {
		char why[PATH_MAX + 128], *p = ask(t, "  document: "), *full;
		if (!p)
			return STEP_EOF;
		if (!p[0]) {
			free(p);
			if (!strcmp(e->verdict, "pass") && !e->ndocs) {
				fprintf(t->out, "  (a pass needs the documents examined: give one)\n");
				continue;
			}
			return STEP_SAVED;
		}
		full = path_join(".", p);
		free(p);
		if (review_doc_problem(full, why, sizeof(why)) < 0) {
			fprintf(t->out, "  (%s)\n", why);
			free(full);
			continue;
		}
		if (e->ndocs >= REVIEW_DOCS_MAX) {
			fprintf(t->out, "  (keur keeps up to %d documents per review)\n", REVIEW_DOCS_MAX);
			free(full);
			continue;
		}
		e->docs = xrealloc(e->docs, (e->ndocs + 1) * sizeof(*e->docs));
		e->docs[e->ndocs].path = full;
		e->docs[e->ndocs++].title = NULL;
	}
}

/* Journals e at once (documents copied first), then rewrites the outputs. */
static int save(struct tty *t, struct review_entry *e)
{
	struct review_file f = { 0 };
	struct run_view rv;
	struct strbuf canon;
	char why[768];
	int rc;

	/* The record's file is the terminal; its hash is of what was entered, so the journal still
	 * says exactly what the assessor confirmed. */
	sb_init(&canon);
	sb_addf(&canon, "%s\n%s\n%s\n%s\n%s\n%s\n%s\n", e->requirement, e->verdict, e->assessor, e->date,
		e->answers ? e->answers : "", e->rationale, t->by);
	if (e->profile && t->nas > 1)	/* a run of one profile hashes as before */
		sb_addf(&canon, "profile %s\n", e->profile);
	for (size_t d = 0; d < e->ndocs; d++)
		sb_addf(&canon, "%s\n", e->docs[d].path);
	sha256_hex(canon.buf, canon.len, f.sha256);
	sb_release(&canon);
	f.path = (char *)"(terminal: keur review)";
	f.e = e;
	f.n = 1;
	if (run_view_load(t->dir, &rv, why, sizeof(why)) < 0) {
		fprintf(t->out, "keur: %s; not recorded\n", why);
		return -1;
	}
	rc = review_record(t->dir, &rv, &f, t->by, why, sizeof(why));
	run_view_release(&rv);
	if (rc < 0) {
		fprintf(t->out, "keur: %s; not recorded\n", why);
		return -1;
	}
	t->saved++;
	fprintf(t->out, "  saved: %s %s by %s on %s\n", e->requirement, e->verdict, e->assessor, e->date);
	cli_outputs_again(t->dir, 0);
	return 0;
}

/* One requirement, from its guidance to its record. */
static enum step one(struct tty *t, const struct rv_req *q, size_t at, size_t of)
{
	static const char *const verdicts[] = { "pass", "fail", "inconc", "na", "skip", "quit", NULL };
	static const char *const confirm[] = { "yes", "redo", "skip", "quit", NULL };
	struct review_entry e;
	enum step s;
	int c;

again:
	memset(&e, 0, sizeof(e));
	show(t, q, at, of);
	e.requirement = xstrdup(jrec_get(q->rec, "id"));
	e.profile = q->profile ? xstrdup(q->profile) : NULL;
	e.assessor = xstrdup(t->assessor);
	e.date = xstrdup(t->date);
	if (q->guide.ntree) {
		if ((s = walk_tree(t, q, &e)) != STEP_SAVED)
			goto out;
	} else {
		c = choose(t, "\n  Verdict [pass, fail, inconc, na, skip, quit]: ", verdicts);
		if (c < 0 || c >= 4) {
			s = c < 0 ? STEP_EOF : c == 4 ? STEP_SKIP : STEP_QUIT;
			goto out;
		}
		e.verdict = xstrdup(verdicts[c]);
	}
	for (;;) {
		fprintf(t->out, "\n  Rationale: why it is %s (one line).\n", e.verdict);
		if (!(e.rationale = ask(t, "  rationale: "))) {
			s = STEP_EOF;
			goto out;
		}
		if (e.rationale[0])
			break;
		free(e.rationale);
		e.rationale = NULL;
		fprintf(t->out, "  (a review needs its reason)\n");
	}
	if ((s = documents(t, &e)) != STEP_SAVED)
		goto out;
	fprintf(t->out, "\n  %s: %s by %s on %s, %zu document(s)%s%s\n", e.requirement, e.verdict, e.assessor, e.date,
		e.ndocs, e.path ? "; decision tree: " : "", e.path ? e.path : "");
	c = choose(t, "  Record it [yes, redo, skip, quit]: ", confirm);
	if (c == 0) {
		s = save(t, &e) < 0 ? STEP_QUIT : STEP_SAVED;
	} else if (c == 1) {
		review_entry_release(&e);
		goto again;
	} else {
		s = c < 0 ? STEP_EOF : c == 2 ? STEP_SKIP : STEP_QUIT;
	}
out:
	review_entry_release(&e);
	return s;
}

/* The requirement a todo entry "PROFILE REQUIREMENT" names. */
static const struct rv_req *todo_req(const struct run_view *rv, const char *todo)
{
	const char *sp = strchr(todo, ' ');
	char *profile = sp ? xstrndup(todo, (size_t)(sp - todo)) : NULL;
	const struct rv_req *q = sp ? run_view_req_in(rv, profile, sp + 1, NULL) : NULL;

	free(profile);
	return q;
}

int review_terminal(const char *dir, FILE *in, FILE *out, const char *assessor, const char *by)
{
	struct tty t = { .in = in, .out = out, .dir = dir, .by = by };
	struct run_view rv;
	char why[768], *name = NULL, **todo = NULL;
	size_t ntodo = 0, nskipped = 0, pass = 0;
	time_t now = time(NULL);
	struct tm tm;
	int code = EXIT_USAGE, stop = 0;

	if (run_view_load(dir, &rv, why, sizeof(why)) < 0) {
		fprintf(stderr, "keur: %s\n", why);
		return EXIT_USAGE;
	}
	if (!rv.profile) {
		fprintf(stderr, "keur: the run in %s has no profile: there is nothing for a person to review\n", dir);
		goto out;
	}
	/* "PROFILE REQUIREMENT", each once: one the profiles state to be the same as another
	 * listed before it is decided with that one. */
	for (size_t a = 0; a < rv.nas; a++)
		for (size_t i = 0; i < rv.as[a].nreqs; i++)
			if (rv.as[a].reqs[i].open && !review_covered(&rv, a, &rv.as[a].reqs[i])) {
				todo = xrealloc(todo, (ntodo + 1) * sizeof(*todo));
				todo[ntodo++] = xasprintf("%s %s", rv.as[a].reqs[i].profile, jrec_get(rv.as[a].reqs[i].rec, "id"));
			}
	t.nas = rv.nas;
	localtime_r(&now, &tm);
	strftime(t.date, sizeof(t.date), "%Y-%m-%d", &tm);
	char *ids = run_view_profile_ids(&rv);
	fprintf(out, "keur review: run %s (DUT %s, profile%s %s): %zu requirement(s) open for the assessor.\n"
		     "Each is recorded as soon as you confirm it; quit at any time and run keur review %s again\n"
		     "to go on with the next open one.  Nothing is decided for you: every verdict is yours.\n",
		rv.report_id, jrec_get(rv.dut, "id") ? jrec_get(rv.dut, "id") : "?", rv.nas > 1 ? "s" : "", ids, ntodo, dir);
	free(ids);
	if (!ntodo) {
		code = run_view_exit(&rv);
		goto out;
	}
	if (!assessor) {
		while (!(name = ask(&t, "\nYour name, as the assessor who decides: ")) || !name[0]) {
			if (!name) {
				fprintf(out, "\nkeur: input ended; nothing recorded\n");
				code = run_view_exit(&rv);
				goto out;
			}
			free(name);
		}
		assessor = name;
	}
	t.assessor = assessor;
	run_view_release(&rv);
	memset(&rv, 0, sizeof(rv));
	/* Rounds: every open requirement once; then, if the assessor wants, the skipped ones again.
	 * Bounded: each round either records one or the assessor stops. */
	for (pass = 0; ntodo && !stop; pass++) {
		char **skipped = NULL;
		nskipped = 0;
		for (size_t i = 0; i < ntodo; i++) {
			const struct rv_req *q;
			enum step s = STEP_QUIT;
			if (stop) {
				skipped = xrealloc(skipped, (nskipped + 1) * sizeof(*skipped));
				skipped[nskipped++] = todo[i];
				continue;
			}
			if (run_view_load(dir, &rv, why, sizeof(why)) < 0) {
				fprintf(stderr, "keur: %s\n", why);
				stop = 1;
			} else if ((q = todo_req(&rv, todo[i])) && q->open) {
				s = one(&t, q, i + 1, ntodo);
			} else {
				s = STEP_SAVED;	/* decided meanwhile */
			}
			run_view_release(&rv);
			memset(&rv, 0, sizeof(rv));
			if (s == STEP_SAVED) {
				free(todo[i]);
				continue;
			}
			if (s == STEP_QUIT || s == STEP_EOF) {
				fprintf(out, s == STEP_EOF ? "\nkeur: input ended\n" : "\n");
				stop = 1;
			}
			skipped = xrealloc(skipped, (nskipped + 1) * sizeof(*skipped));
			skipped[nskipped++] = todo[i];
		}
		free(todo);
		todo = skipped;
		ntodo = nskipped;
		if (ntodo && !stop) {
			static const char *const yn[] = { "yes", "no", NULL };
			fprintf(out, "\n%zu requirement(s) skipped and still open.\n", ntodo);
			if (choose(&t, "Go through them again [yes, no]: ", yn) != 0)
				stop = 1;
		}
	}
	fprintf(out, "keur: %zu review(s) recorded in this session; %zu requirement(s) still open%s\n", t.saved, ntodo,
		ntodo ? " (keur review DIR again goes on with them)" : "");
	code = cli_outputs_again(dir, 1);
out:
	for (size_t i = 0; i < ntodo; i++)
		free(todo[i]);
	free(todo);
	free(name);
	run_view_release(&rv);
	return code;
}
