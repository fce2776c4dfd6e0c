/* inproc.c — the 1000 checks of tests/bench/trivial_suite.c run in one process, one after the
 * other, each with a TAP line to stdout: no fork, no deadline, no journal.  The baseline of
 * tests/bench/runner-overhead.sh. */
#include <stdio.h>

#include "trivial_suite.h"

int main(void)
{
	char reason[32];

	printf("TAP version 14\n1..1000\n");
	for (unsigned i = 0; i < 1000; i++) {
		int r = bench_check(i, reason, sizeof(reason));
		printf("%s %u - BENCH-%03u a trivial check\n", r == 0 ? "ok" : "not ok", i + 1, i);
	}
	return 0;
}
