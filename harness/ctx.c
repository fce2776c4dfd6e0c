/* ctx.c — what a running case can do: read its inputs, write evidence, settle its verdict.
 * Runs in the forked child only. */
#include "ctx.h"

#include <ctype.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "util.h"

const struct keur_dut *keur_dut(const struct keur_ctx *ctx)
{
	return ctx->dut;
}

const struct keur_lab *keur_lab(const struct keur_ctx *ctx)
{
	return ctx->lab;
}

const struct keur_case *keur_this_case(const struct keur_ctx *ctx)
{
	return ctx->c;
}

long keur_time_left_ms(const struct keur_ctx *ctx)
{
	return (long)(ctx->deadline_ms - (time_mono_ms() - ctx->t0));
}

void keur_verdict(struct keur_ctx *ctx, enum keur_verdict v, const char *fmt, ...)
{
	va_list ap;

	if (ctx->verdict != KEUR_NONE) {
		keur_note(ctx, "harness: a second verdict (%s) ignored; the first stands", verdict_name(v));
		return;
	}
	ctx->verdict = v;
	va_start(ap, fmt);
	vsnprintf(ctx->reason, sizeof(ctx->reason), fmt, ap);
	va_end(ap);
	for (char *p = ctx->reason; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

char *keur_evidence_path(struct keur_ctx *ctx, const char *name)
{
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_')
			return NULL;
	if (!*name || name[0] == '.' || mkdir_p(ctx->evdir, 0755) < 0)
		return NULL;
	return path_join(ctx->evdir, name);
}

FILE *keur_evidence(struct keur_ctx *ctx, const char *name)
{
	char *path = keur_evidence_path(ctx, name);
	FILE *f = path ? fopen(path, "a") : NULL;

	free(path);
	return f;
}

void keur_note(struct keur_ctx *ctx, const char *fmt, ...)
{
	FILE *f = keur_evidence(ctx, "transcript.txt");
	va_list ap;

	if (!f)
		return;
	fprintf(f, "[%7.3f] ", (double)(time_mono_ms() - ctx->t0) / 1000.0);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

/* Every fixture change a case makes goes into its evidence (fixtures.txt): the command and its
 * output, or the operator who confirmed, and a state line ("= uplink cut") that tells the
 * parent what is left to put back. */
static int fixture(struct keur_ctx *ctx, int (*fn)(const struct lab_fixture *, FILE *, char *, size_t),
		   int uplink, const char *what)
{
	const struct keur_lab *l = ctx->lab;
	const struct lab_fixture *f = uplink ? lab_fixture_for(l->uplinks, l->nuplinks, ctx->dut->id)
					     : lab_fixture_for(l->powers, l->npowers, ctx->dut->id);
	FILE *ev = keur_evidence(ctx, "fixtures.txt");
	char why[512];
	int rc = fn(f, ev, why, sizeof(why));

	if (ev) {
		fprintf(ev, "= %s%s\n", what, rc == FIXTURE_NOT_DONE ? " NOT DONE" : rc < 0 ? " FAILED" : "");
		fclose(ev);
	}
	if (rc < 0) {
		keur_note(ctx, "fixture: %s failed: %s", what, why);
		return -1;
	}
	keur_note(ctx, "fixture: %s", what);
	return 0;
}

int keur_uplink_works(struct keur_ctx *ctx, const char *host, int port, char *why, size_t len)
{
	const struct keur_lab *l = ctx->lab;
	FILE *ev = keur_evidence(ctx, "fixtures.txt");
	int r = hw_uplink_works(lab_fixture_for(l->uplinks, l->nuplinks, ctx->dut->id), host, port, ev, why, len);

	if (ev)
		fclose(ev);
	keur_note(ctx, "fixture: does the uplink work? %s (%s)", r > 0 ? "yes" : r == 0 ? "no" : "cannot tell", why);
	return r;
}

int keur_reflash(struct keur_ctx *ctx, char *why, size_t len)
{
	const struct keur_lab *l = ctx->lab;
	const struct keur_dut *d = ctx->dut;
	const char *fw = d->firmware ? d->firmware : "?";
	FILE *ev = keur_evidence(ctx, "fixtures.txt");
	int r = hw_reflash(lab_fixture_for(l->reflashes, l->nreflashes, d->id), d->firmware ? d->firmware : "", ev, why,
			   len);

	if (ev) {
		fprintf(ev, "= reflash to %s%s\n", fw, r == FIXTURE_NOT_DONE ? " NOT DONE" : r < 0 ? " FAILED" : "");
		fclose(ev);
	}
	keur_note(ctx, "fixture: reflash to the declared firmware %s: %s", fw, r == 0 ? "done" : why);
	return r == 0 ? 0 : -1;
}

const struct lab_broker *keur_broker(const struct keur_ctx *ctx)
{
	return lab_broker_for(ctx->lab, ctx->dut->id);
}

int keur_broker_take(struct keur_ctx *ctx)
{
	const struct lab_broker *b = keur_broker(ctx);
	char why[512];

	FILE *ev = b && b->ns ? keur_evidence(ctx, "fixtures.txt") : NULL;
	int rc = hw_broker_take(b, why, sizeof(why));

	if (ev) {
		/* The state line tells the parent to give the address back (runner.c). */
		fprintf(ev, "= broker taken%s\n", rc < 0 ? " FAILED" : "");
		fclose(ev);
	}
	if (rc < 0) {
		keur_note(ctx, "fixture: moving the broker address %s to keur failed: %s", b->listen, why);
		return -1;
	}
	if (b && b->ns)
		keur_note(ctx, "fixture: the broker address %s moved from %s to keur", b->listen, b->ns);
	return 0;
}

int keur_uplink_cut(struct keur_ctx *ctx)
{
	return fixture(ctx, hw_uplink_cut, 1, "uplink cut");
}

int keur_uplink_restore(struct keur_ctx *ctx)
{
	return fixture(ctx, hw_uplink_restore, 1, "uplink restored");
}

int keur_power_off(struct keur_ctx *ctx)
{
	return fixture(ctx, hw_power_off, 0, "power off");
}

int keur_power_on(struct keur_ctx *ctx)
{
	return fixture(ctx, hw_power_on, 0, "power on");
}

void keur_find(struct keur_findings *f, enum keur_finding kind, const char *fmt, ...)
{
	char **list = kind == FIND_BAD ? &f->bad : kind == FIND_OPEN ? &f->open : &f->good;
	int *n = kind == FIND_BAD ? &f->nbad : kind == FIND_OPEN ? &f->nopen : &f->ngood;
	struct strbuf sb;
	va_list ap;
	char item[800];

	va_start(ap, fmt);
	vsnprintf(item, sizeof(item), fmt, ap);
	va_end(ap);
	sb_init(&sb);
	if (*list)
		sb_addf(&sb, "%s; ", *list);
	sb_adds(&sb, item);
	free(*list);
	*list = sb_detach(&sb);
	(*n)++;
}

void keur_findings_settle(struct keur_ctx *ctx, struct keur_findings *f, const char *good,
			  enum keur_verdict none_verdict, const char *none_reason)
{
	if (f->nbad)
		keur_verdict(ctx, KEUR_FAIL, "%s", f->bad);
	else if (f->nopen)
		keur_verdict(ctx, KEUR_INCONC, "%s", f->open);
	else if (f->ngood)
		keur_verdict(ctx, KEUR_PASS, "%s: %s", good, f->good);
	else
		keur_verdict(ctx, none_verdict, "%s", none_reason);
	free(f->bad);
	free(f->open);
	free(f->good);
	memset(f, 0, sizeof(*f));
}

static struct keur_ctx *running;
static int result_fd = -1;

static void add(char *buf, size_t *n, size_t cap, const char *s)
{
	while (*s && *n + 2 < cap)
		buf[(*n)++] = *s++;
}

/* SIGABRT inside an abort guard: the result line, written without stdio or malloc. */
static void on_abort(int sig)
{
	const char *what = abort_guard_what();
	char line[sizeof(running->reason) + 512];
	size_t n = 0;

	if (what && running && result_fd >= 0) {
		if (running->verdict != KEUR_NONE) {	/* settled already: that stands */
			add(line, &n, sizeof(line), verdict_name(running->verdict));
			add(line, &n, sizeof(line), "\t");
			add(line, &n, sizeof(line), running->reason);
		} else {
			add(line, &n, sizeof(line), "inconc\t");
			add(line, &n, sizeof(line), what);
			add(line, &n, sizeof(line), " aborted on what the DUT sent (see output.log): undecided");
		}
		line[n++] = '\n';
		if (write(result_fd, line, n) == (ssize_t)n)
			_exit(0);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void ctx_run_case(struct keur_ctx *ctx, int fd)
{
	char *msg;
	struct sigaction sa;

	running = ctx;
	result_fd = fd;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_abort;
	sigaction(SIGABRT, &sa, NULL);
	ctx->t0 = time_mono_ms();
	ctx->c->run(ctx);
	if (ctx->verdict == KEUR_NONE)
		msg = xasprintf("error\tcase returned without a verdict (harness bug in %s)\n", ctx->c->id);
	else
		msg = xasprintf("%s\t%s\n", verdict_name(ctx->verdict), ctx->reason);
	write_all(fd, msg, strlen(msg));
	free(msg);
}
