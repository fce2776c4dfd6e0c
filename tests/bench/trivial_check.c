/* trivial_check.c — the check of the runner benchmark (trivial_suite.h). */
#include <stdio.h>

#include "sha256.h"
#include "trivial_suite.h"

int bench_check(unsigned i, char *reason, size_t len)
{
	char buf[64], hex[65];
	int n = snprintf(buf, sizeof(buf), "bench check %u", i);

	sha256_hex(buf, (size_t)n, hex);
	return snprintf(reason, len, "%.16s", hex) > 0 ? 0 : -1;
}
