/* ctx.c — what a running case can do: read its inputs, write evidence, settle its verdict.
 * Runs in the forked child only. */
#include "ctx.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procnet.h"
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

int ctx_ask(struct keur_ctx *ctx, const struct ctx_req *q, char *why, size_t len, int *fd)
{
	struct ctx_rep rep;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &rep, sizeof(rep) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	ssize_t n;

	if (fd)
		*fd = -1;
	if (ctx->reqfd < 0 || send(ctx->reqfd, q, sizeof(*q), MSG_NOSIGNAL) != (ssize_t)sizeof(*q)) {
		snprintf(why, len, "the harness did not take the request");
		return -1;
	}
	while ((n = recvmsg(ctx->reqfd, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(rep)) {
		snprintf(why, len, "the harness did not answer the request");
		return -1;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int))) {
			int got;
			memcpy(&got, CMSG_DATA(c), sizeof(got));
			if (fd)
				*fd = got;
			else
				close(got);
		}
	rep.why[sizeof(rep.why) - 1] = '\0';
	snprintf(why, len, "%s", rep.why);
	return rep.rc;
}

/* Every fixture change a case makes is done by the parent (it keeps root; contain.h), which
 * logs it into the case's fixtures.txt and remembers what it has to put back. */
static int fixture(struct keur_ctx *ctx, enum ctx_req_op op, const char *what)
{
	struct ctx_req q = { .op = op };
	char why[512];
	int rc = ctx_ask(ctx, &q, why, sizeof(why), NULL);

	if (rc < 0) {
		keur_note(ctx, "fixture: %s failed: %s", what, why);
		return -1;
	}
	keur_note(ctx, "fixture: %s", what);
	return 0;
}

int keur_uplink_works(struct keur_ctx *ctx, const char *host, int port, char *why, size_t len)
{
	struct ctx_req q = { .op = REQ_UPLINK_WORKS, .port = port };
	int r;

	snprintf(q.host, sizeof(q.host), "%s", host ? host : "");
	r = ctx_ask(ctx, &q, why, len, NULL);
	keur_note(ctx, "fixture: does the uplink work? %s (%s)", r > 0 ? "yes" : r == 0 ? "no" : "cannot tell", why);
	return r;
}

int keur_reflash(struct keur_ctx *ctx, char *why, size_t len)
{
	const struct keur_dut *d = ctx->dut;
	struct ctx_req q = { .op = REQ_REFLASH };
	int r = ctx_ask(ctx, &q, why, len, NULL);

	keur_note(ctx, "fixture: reflash to the declared firmware %s: %s", d->firmware ? d->firmware : "?",
		  r == 0 ? "done" : why);
	return r == 0 ? 0 : -1;
}

const struct lab_broker *keur_broker(const struct keur_ctx *ctx)
{
	return lab_broker_for(ctx->lab, ctx->dut->id);
}

int keur_broker_take(struct keur_ctx *ctx)
{
	const struct lab_broker *b = keur_broker(ctx);
	struct ctx_req q = { .op = REQ_BROKER_TAKE };
	char why[512];

	if (!b || !b->ns)
		return 0;
	if (ctx_ask(ctx, &q, why, sizeof(why), NULL) < 0) {
		keur_note(ctx, "fixture: moving the broker address %s to keur failed: %s", b->listen, why);
		return -1;
	}
	keur_note(ctx, "fixture: the broker address %s moved from %s to keur", b->listen, b->ns);
	return 0;
}

int keur_uplink_cut(struct keur_ctx *ctx)
{
	return fixture(ctx, REQ_UPLINK_CUT, "uplink cut");
}

int keur_uplink_restore(struct keur_ctx *ctx)
{
	return fixture(ctx, REQ_UPLINK_RESTORE, "uplink restored");
}

int keur_power_off(struct keur_ctx *ctx)
{
	return fixture(ctx, REQ_POWER_OFF, "power off");
}

int keur_power_on(struct keur_ctx *ctx)
{
	return fixture(ctx, REQ_POWER_ON, "power on");
}

/* The text the parent wrote into the descriptor fd, NUL-terminated (caller frees), or NULL. */
static char *blob_read(int fd)
{
	struct strbuf sb;
	char buf[8192];
	ssize_t n;

	if (fd < 0)
		return NULL;
	sb_init(&sb);
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sb_add(&sb, buf, (size_t)n);
	close(fd);
	return sb_detach(&sb);
}

int keur_local_declared(struct keur_ctx *ctx, size_t i, struct procnet_pids *out, char *why, size_t len)
{
	struct ctx_req q = { .op = REQ_LOCAL_DECLARED, .port = (int32_t)i };
	int fd, rc = ctx_ask(ctx, &q, why, len, &fd);
	char *text = blob_read(fd), *p = text;

	while (rc == 0 && p && *p) {
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0)
			procnet_pids_add(out, (int)pid);
		p = end;
	}
	free(text);
	return rc;
}

int keur_local_owners(struct keur_ctx *ctx, struct procnet_owners *out, char *why, size_t len)
{
	struct ctx_req q = { .op = REQ_LOCAL_OWNERS };
	int fd, rc = ctx_ask(ctx, &q, why, len, &fd);
	char *text = blob_read(fd), *line = text, *next;

	memset(out, 0, sizeof(*out));
	for (; rc == 0 && line && *line; line = next) {
		struct procnet_owner w = { 0 };
		int pid, at = 0;
		unsigned long inode;
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		if (sscanf(line, "unreadable %d", &out->unreadable) == 1)
			continue;
		if (sscanf(line, "%lu %d %n", &inode, &pid, &at) < 2 || !at)
			continue;
		w.inode = inode;
		w.pid = pid;
		snprintf(w.comm, sizeof(w.comm), "%s", line + at);
		out->o = xrealloc(out->o, (out->n + 1) * sizeof(*out->o));
		out->o[out->n++] = w;
	}
	free(text);
	return rc;
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
