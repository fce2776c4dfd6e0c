/* selftest_suite.c — cases that misbehave on purpose, to test the runner itself.  Linked only
 * into tests/keur-selftest and tests/unit, never into keur. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
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
