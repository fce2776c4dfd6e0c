/* trivial_suite.c — 1000 trivial cases for the runner's own cost (tests/bench/runner-overhead.sh):
 * each does the same small check, bench_check(), and passes.  Linked only into
 * tests/keur-bench, never into keur.  bench_check() (trivial_check.c) is also what
 * tests/bench/inproc.c runs 1000 times without isolation, for the comparison. */
#include "case.h"
#include "trivial_suite.h"

static void trivial(struct keur_ctx *ctx)
{
	char reason[32];
	const char *id = keur_this_case(ctx)->id;
	unsigned i = (unsigned)(id[6] - '0') * 100 + (unsigned)(id[7] - '0') * 10 + (unsigned)(id[8] - '0');

	if (bench_check(i, reason, sizeof(reason)) == 0)
		keur_verdict(ctx, KEUR_PASS, "%s", reason);
}

#define D(a, b, c) { "BENCH-" #a #b #c, "a trivial check", "bench", 0, 5, 0, trivial },
#define C(a, b) D(a, b, 0) D(a, b, 1) D(a, b, 2) D(a, b, 3) D(a, b, 4) D(a, b, 5) D(a, b, 6) D(a, b, 7) D(a, b, 8) D(a, b, 9)
#define B(a) C(a, 0) C(a, 1) C(a, 2) C(a, 3) C(a, 4) C(a, 5) C(a, 6) C(a, 7) C(a, 8) C(a, 9)

static const struct keur_case cases[] = { B(0) B(1) B(2) B(3) B(4) B(5) B(6) B(7) B(8) B(9) };

const struct keur_suite bench_suite = {
	.name = "bench", .title = "1000 trivial cases", .cases = cases, .ncases = sizeof(cases) / sizeof(cases[0]),
};

/* tests/keur-bench runs this suite alone. */
const struct keur_suite *const keur_suites[] = { &bench_suite, NULL };
