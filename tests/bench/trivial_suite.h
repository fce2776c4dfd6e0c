/* trivial_suite.h — the check of tests/bench/trivial_suite.c. */
#ifndef KEUR_TRIVIAL_SUITE_H
#define KEUR_TRIVIAL_SUITE_H

#include <stddef.h>

/* A small check: the SHA-256 of a short string, its first 16 hex digits into reason.  0. */
int bench_check(unsigned i, char *reason, size_t len);

#endif
