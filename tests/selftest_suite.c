/* selftest_suite.c — cases that misbehave on purpose, to test the runner itself.  Linked only
 * into tests/keur-selftest and tests/unit, never into keur. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "case.h"
#include "ctx.h"
#include "util.h"

static void pass(struct keur_ctx *ctx)
{
	keur_verdict(ctx, KEUR_PASS, "it works");
}

static void fail(struct keur_ctx *ctx)
{
	keur_verdict(ctx, KEUR_FAIL, "the device did the wrong thing, on purpose");
}

static void inconc(struct keur_ctx *ctx)
{
	keur_verdict(ctx, KEUR_INCONC, "the lab could not decide");
}

static void crash(struct keur_ctx *ctx)
{
	(void)ctx;
	raise(SIGSEGV);
}

static void hang(struct keur_ctx *ctx)
{
	(void)ctx;
	for (;;)
		pause();
}

static void no_verdict(struct keur_ctx *ctx)
{
	(void)ctx;
}

/* Output that would corrupt TAP if the runner let it through to stdout. */
static void noise(struct keur_ctx *ctx)
{
	for (int i = 0; i < 2000; i++) {
		printf("ok %d - I am not a test result\nnot ok %d\nBail out! not really\n", i, i);
		fprintf(stderr, "1..%d\n", i);
	}
	fflush(stdout);
	keur_verdict(ctx, KEUR_PASS, "printed noise and passed");
}

/* Output without a final newline: shown with -v, it must not swallow the next TAP line. */
static void partial(struct keur_ctx *ctx)
{
	fputs("a line without its end", stdout);
	fflush(stdout);
	keur_verdict(ctx, KEUR_PASS, "printed half a line");
}

/* Writes a known evidence file; the test compares its hash with sha256sum's. */
static void evidence(struct keur_ctx *ctx)
{
	FILE *f = keur_evidence(ctx, "frame.bin");

	if (!f || keur_evidence(ctx, "../escape") != NULL) {
		keur_verdict(ctx, KEUR_ERROR, "evidence file not created, or a path escaped the case's folder");
		if (f)
			fclose(f);
		return;
	}
	fputs("keur evidence\n", f);
	fclose(f);
	keur_note(ctx, "password=*** (a transcript line)");
	keur_verdict(ctx, KEUR_PASS, "evidence written");
}

/* Leaves a grandchild holding the output pipe: the runner must not wait for it. */
static void spawn(struct keur_ctx *ctx)
{
	if (fork() == 0) {
		sleep(30);
		_exit(0);
	}
	keur_verdict(ctx, KEUR_PASS, "left a grandchild behind");
}

/* Fixture cases: change something, then end badly; the parent must put it back. */
static void cut_and_crash(struct keur_ctx *ctx)
{
	if (keur_uplink_cut(ctx) < 0) {
		keur_verdict(ctx, KEUR_ERROR, "the uplink fixture did not cut");
		return;
	}
	raise(SIGSEGV);
}

static void cut_and_hang(struct keur_ctx *ctx)
{
	if (keur_uplink_cut(ctx) < 0) {
		keur_verdict(ctx, KEUR_ERROR, "the uplink fixture did not cut");
		return;
	}
	for (;;)
		pause();
}

static void power_off(struct keur_ctx *ctx)
{
	if (keur_power_off(ctx) < 0)
		keur_verdict(ctx, KEUR_ERROR, "the power fixture did not switch off");
	else
		keur_verdict(ctx, KEUR_PASS, "switched the DUT off and left it so");
}

static void twice(struct keur_ctx *ctx)
{
	keur_verdict(ctx, KEUR_FAIL, "first verdict");
	keur_verdict(ctx, KEUR_PASS, "second verdict");
}

/* 48 MB allocated and touched: the runner records each case's peak memory. */
static void big(struct keur_ctx *ctx)
{
	size_t n = 48u << 20;
	char *p = malloc(n);
	if (!p) {
		keur_verdict(ctx, KEUR_ERROR, "no memory");
		return;
	}
	for (size_t i = 0; i < n; i += 4096)
		p[i] = (char)i;
	keur_verdict(ctx, p[n - 4096] == (char)(n - 4096) ? KEUR_PASS : KEUR_FAIL, "touched 48 MB");
	free(p);
}

/* 256 MB through xmalloc: past the runner's memory ceiling for a case. */
static void too_big(struct keur_ctx *ctx)
{
	size_t n = 256u << 20;
	char *p = xmalloc(n);
	for (size_t i = 0; i < n; i += 4096)
		p[i] = 1;
	keur_verdict(ctx, KEUR_PASS, "held 256 MB");
	free(p);
}

/* Slow cases for the kill-and-resume test: KEUR_SELFTEST_SLOW_MS each (default 0). */
static void slow(struct keur_ctx *ctx)
{
	const char *ms = getenv("KEUR_SELFTEST_SLOW_MS");
	if (ms)
		usleep((useconds_t)atoi(ms) * 1000);
	if (!strcmp(keur_this_case(ctx)->id, "SELF-SLOW-003"))
		keur_verdict(ctx, KEUR_FAIL, "slow and failing");
	else
		keur_verdict(ctx, KEUR_PASS, "slow and passing");
}

/* From inside a running case, what a hostile device that took over the case process would try
 * first (contain.h): each attempt must be refused.  Paths come from the test: KEUR_SELFTEST_KEY
 * (the lab's signing key), KEUR_SELFTEST_OUT (the run directory), KEUR_SELFTEST_SUID (a
 * set-user-ID-root program that prints its effective uid).  contain.txt says what was seen. */
static void try_open(FILE *ev, struct strbuf *allowed, const char *what, const char *path, int flags)
{
	int fd = path ? open(path, flags | O_CLOEXEC | O_NONBLOCK, 0644) : -1;

	if (!path) {
		fprintf(ev, "%s: not tried (no path given)\n", what);
	} else if (fd < 0) {
		fprintf(ev, "%s (%s): refused: %s\n", what, path, strerror(errno));
	} else {
		fprintf(ev, "%s (%s): ALLOWED\n", what, path);
		sb_addf(allowed, "%s%s", allowed->len ? "; " : "", what);
		close(fd);
	}
}

static void contain_probe(struct keur_ctx *ctx)
{
	FILE *ev = keur_evidence(ctx, "contain.txt");
	const char *out = getenv("KEUR_SELFTEST_OUT"), *suid = getenv("KEUR_SELFTEST_SUID");
	char *journal = out ? xasprintf("%s/journal", out) : NULL;
	char *other = out ? xasprintf("%s/evidence/SELF-EVIDENCE-001/transcript.txt", out) : NULL;
	struct strbuf allowed;
	int fd;

	if (!ev) {
		keur_verdict(ctx, KEUR_ERROR, "cannot write contain.txt in the case's own evidence folder");
		return;
	}
	sb_init(&allowed);
	fprintf(ev, "uid %ld euid %ld gid %ld egid %ld\n", (long)getuid(), (long)geteuid(), (long)getgid(), (long)getegid());
	try_open(ev, &allowed, "read /etc/shadow", "/etc/shadow", O_RDONLY);
	try_open(ev, &allowed, "read the lab's signing key", getenv("KEUR_SELFTEST_KEY"), O_RDONLY);
	try_open(ev, &allowed, "write the journal", journal, O_WRONLY | O_APPEND);
	try_open(ev, &allowed, "write the journal from the evidence folder", "../../journal", O_WRONLY | O_APPEND);
	try_open(ev, &allowed, "read another case's evidence", other, O_RDONLY);
	try_open(ev, &allowed, "read another case's evidence from here", "../SELF-EVIDENCE-001/transcript.txt", O_RDONLY);
	try_open(ev, &allowed, "write into another case's evidence", "../SELF-EVIDENCE-001/planted", O_WRONLY | O_CREAT);
	try_open(ev, &allowed, "open the controlling terminal", "/dev/tty", O_RDWR);
	if (kill(getppid(), 0) == 0) {
		fprintf(ev, "signal the parent (PID %ld): ALLOWED\n", (long)getppid());
		sb_addf(&allowed, "%ssignal the parent", allowed.len ? "; " : "");
	} else {
		fprintf(ev, "signal the parent (PID %ld): refused: %s\n", (long)getppid(), strerror(errno));
	}
	if (setuid(0) == 0 || seteuid(0) == 0) {
		fprintf(ev, "setuid(0): ALLOWED\n");
		sb_addf(&allowed, "%ssetuid(0)", allowed.len ? "; " : "");
	} else {
		fprintf(ev, "setuid(0): refused: %s\n", strerror(errno));
	}
	if (suid) {
		/* A set-user-ID root program: with no_new_privs it runs as the case user. */
		char cmd[600], line[64] = "";
		snprintf(cmd, sizeof(cmd), "'%s' -u 2>&1", suid);
		FILE *p = popen(cmd, "r");
		if (p && fgets(line, sizeof(line), p))
			line[strcspn(line, "\n")] = '\0';
		if (p)
			pclose(p);
		if (!strcmp(line, "0")) {
			fprintf(ev, "run set-user-ID root %s: ALLOWED (effective uid 0)\n", suid);
			sb_addf(&allowed, "%sa set-user-ID root program", allowed.len ? "; " : "");
		} else {
			fprintf(ev, "run set-user-ID root %s: refused: it ran with effective uid %s\n", suid, line);
		}
	}
	/* Its own folder is where it may write. */
	fd = open("contain-own.txt", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	fprintf(ev, "write into its own evidence folder: %s\n", fd >= 0 ? "allowed" : strerror(errno));
	if (fd >= 0)
		close(fd);
	fclose(ev);
	if (allowed.len)
		keur_verdict(ctx, KEUR_FAIL, "the case process could: %s", allowed.buf);
	else
		keur_verdict(ctx, KEUR_PASS, "every attempt to leave the case's confinement was refused");
	sb_release(&allowed);
	free(journal);
	free(other);
}

/* Plants a link to KEUR_SELFTEST_VICTIM where the parent keeps the case's output (output.log),
 * then prints: the parent must not follow it. */
static void plant(struct keur_ctx *ctx)
{
	const char *victim = getenv("KEUR_SELFTEST_VICTIM");
	char *path = keur_evidence_path(ctx, "output.log");

	if (victim && path) {
		unlink(path);
		if (symlink(victim, path) < 0)
			keur_note(ctx, "symlink: %s", strerror(errno));
	}
	free(path);
	printf("overwritten by a case\n");
	fflush(stdout);
	keur_verdict(ctx, KEUR_PASS, "planted a link and printed");
}

/* Binds the lab's broker address when it is a port below 1024: a case that plays the DUT's
 * broker keeps CAP_NET_BIND_SERVICE for it, any other case has no capability at all. */
static void bind_low(struct keur_ctx *ctx)
{
	const struct lab_broker *b = keur_broker(ctx);
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd;

	if (!b || inet_pton(AF_INET, b->listen, &a.sin_addr) != 1) {
		keur_verdict(ctx, KEUR_ERROR, "the lab gives no IPv4 broker address");
		return;
	}
	a.sin_port = htons((uint16_t)b->port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		keur_verdict(ctx, KEUR_PASS, "bound %s:%d", b->listen, b->port);
	else
		keur_verdict(ctx, KEUR_FAIL, "cannot bind %s:%d: %s", b->listen, b->port, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Requests the parent must refuse (ctx.h): a short one, an unknown one, an uplink check to an
 * address no description names, the machine's sockets for a case that scans no ports.  Each
 * answer goes into requests.txt; pass when every one was refused. */
static void bad_requests(struct keur_ctx *ctx)
{
	FILE *ev = keur_evidence(ctx, "requests.txt");
	struct ctx_req q;
	char why[600];
	int refused = 0, rc;

	if (!ev) {
		keur_verdict(ctx, KEUR_ERROR, "cannot write requests.txt");
		return;
	}
	struct ctx_rep rep;
	if (send(ctx->reqfd, "x", 1, MSG_NOSIGNAL) == 1 && recv(ctx->reqfd, &rep, sizeof(rep), 0) == (ssize_t)sizeof(rep)) {
		rep.why[sizeof(rep.why) - 1] = '\0';
		fprintf(ev, "a request of 1 byte: %d %s\n", (int)rep.rc, rep.why);
		refused += rep.rc < 0 && strstr(rep.why, "malformed");
	}
	memset(&q, 0, sizeof(q));
	q.op = 999;
	rc = ctx_ask(ctx, &q, why, sizeof(why), NULL);
	fprintf(ev, "unknown request: %d %s\n", rc, why);
	refused += rc < 0 && strstr(why, "refused");
	memset(&q, 0, sizeof(q));
	q.op = REQ_UPLINK_WORKS;
	q.port = 53;
	snprintf(q.host, sizeof(q.host), "198.18.0.1");
	rc = ctx_ask(ctx, &q, why, sizeof(why), NULL);
	fprintf(ev, "uplink check to 198.18.0.1:53: %d %s\n", rc, why);
	refused += rc < 0 && strstr(why, "refused");
	memset(&q, 0, sizeof(q));
	q.op = REQ_LOCAL_OWNERS;
	rc = ctx_ask(ctx, &q, why, sizeof(why), NULL);
	fprintf(ev, "the machine's sockets: %d %s\n", rc, why);
	refused += rc < 0 && strstr(why, "refused");
	fclose(ev);
	if (refused == 4)
		keur_verdict(ctx, KEUR_PASS, "every malformed request, and every one outside the case's needs, was refused");
	else
		keur_verdict(ctx, KEUR_FAIL, "%d of 4 requests refused (see requests.txt)", refused);
}

/* Sends requests and never reads the answers: the parent must stop it, not wait on it. */
static void flood(struct keur_ctx *ctx)
{
	struct ctx_req q = { .op = REQ_CONTAINED };

	for (int i = 0; i < 100000; i++)
		if (send(ctx->reqfd, &q, sizeof(q), MSG_NOSIGNAL) < 0)
			break;
	keur_verdict(ctx, KEUR_PASS, "flooded the harness and was not stopped");
}

/* Holds the case process for KEUR_SELFTEST_SLOW_MS so that a test can look at it in /proc. */
static void linger(struct keur_ctx *ctx)
{
	const char *ms = getenv("KEUR_SELFTEST_SLOW_MS");
	usleep((useconds_t)(ms ? atoi(ms) : 0) * 1000);
	keur_verdict(ctx, KEUR_PASS, "lingered");
}

static const struct keur_case cases[] = {
	{ "SELF-PASS-001", "a case that passes", "selftest", 0, 5, 0, pass },
	{ "SELF-FAIL-001", "a case that fails", "selftest", 0, 5, 0, fail },
	{ "SELF-INCONC-001", "a case that cannot decide", "selftest", 0, 5, 0, inconc },
	{ "SELF-CRASH-001", "a case that crashes", "selftest", 0, 5, 0, crash },
	{ "SELF-HANG-001", "a case that hangs", "selftest", 0, 1, 0, hang },
	{ "SELF-HANGFAIL-001", "a case where hanging is the finding", "selftest", 0, 1, KEUR_HANG_IS_FAIL, hang },
	{ "SELF-NOVERDICT-001", "a case that returns without a verdict", "selftest", 0, 5, 0, no_verdict },
	{ "SELF-NOISE-001", "a case that prints noise", "selftest", 0, 5, 0, noise },
	{ "SELF-PARTIAL-001", "a case that prints half a line", "selftest", 0, 5, 0, partial },
	{ "SELF-EVIDENCE-001", "a case that writes evidence", "selftest", 0, 5, 0, evidence },
	{ "SELF-CONTAIN-001", "a case that tries to leave its confinement", "selftest", 0, 10, 0, contain_probe },
	{ "SELF-LINGER-001", "a case that stays a while", "selftest", 0, 30, 0, linger },
	{ "SELF-PLANT-001", "a case that plants a link where its output goes", "selftest", 0, 10, 0, plant },
	{ "SELF-BIND-001", "a case that plays the broker on the lab's port", "selftest", NEED_FIX_BROKER, 5, 0, bind_low },
	{ "SELF-BIND-002", "a case that binds the lab's broker port without playing the broker", "selftest", 0, 5, 0,
	  bind_low },
	{ "SELF-REQUEST-001", "a case that asks the harness for what it may not have", "selftest", 0, 10, 0, bad_requests },
	{ "SELF-FLOOD-001", "a case that floods the harness with requests", "selftest", 0, 5, 0, flood },
	{ "SELF-SPAWN-001", "a case that leaves a process behind", "selftest", 0, 10, 0, spawn },
	{ "SELF-TWICE-001", "a case that settles twice", "selftest", 0, 5, 0, twice },
	{ "SELF-NA-001", "a case for Modbus devices", "selftest", NEED_MODBUS, 5, 0, pass },
	{ "SELF-FIXTURE-001", "a case that needs the uplink fixture", "selftest", NEED_FIX_UPLINK, 5, 0, pass },
	{ "SELF-UPLINK-001", "a case that cuts the uplink and crashes", "selftest", NEED_FIX_UPLINK, 10, 0, cut_and_crash },
	{ "SELF-UPLINK-002", "a case that cuts the uplink and hangs", "selftest", NEED_FIX_UPLINK, 1, 0, cut_and_hang },
	{ "SELF-POWER-001", "a case that switches the DUT off", "selftest", NEED_FIX_POWER, 10, 0, power_off },
	/* As UPDATE-INTERRUPT-001 does: the power fixture used where the lab has one, not needed. */
	{ "SELF-POWER-002", "a case that switches the DUT off without needing the power fixture", "selftest", 0, 10, 0,
	  power_off },
	{ "SELF-MEM-001", "a case that uses 48 MB", "selftest", 0, 5, 0, big },
	{ "SELF-MEM-002", "a case that asks for 256 MB", "selftest", 0, 5, 0, too_big },
	{ "SELF-SLOW-001", "slow case 1", "selftest", 0, 30, 0, slow },
	{ "SELF-SLOW-002", "slow case 2", "selftest", 0, 30, 0, slow },
	{ "SELF-SLOW-003", "slow case 3", "selftest", 0, 30, 0, slow },
	{ "SELF-SLOW-004", "slow case 4", "selftest", 0, 30, 0, slow },
	{ "SELF-SLOW-005", "slow case 5", "selftest", 0, 30, 0, slow },
	{ "SELF-SLOW-006", "slow case 6", "selftest", 0, 30, 0, slow },
};

const struct keur_suite selftest_suite = {
	.name = "selftest",
	.title = "the runner's own test cases",
	.cases = cases,
	.ncases = ARRAY_SIZE(cases),
};
