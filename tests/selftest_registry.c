/* selftest_registry.c — the suites of tests/keur-selftest: the selftest suite, whose cases pass,
 * fail, crash, hang and print noise on purpose, then keur's real suites (harness/suite_list.h). */
#include <stddef.h>

#include "case.h"
#include "suite_list.h"

extern const struct keur_suite selftest_suite;
KEUR_SUITE_LIST(KEUR_SUITE_DECLARE)

const struct keur_suite *const keur_suites[] = {
	&selftest_suite,
	KEUR_SUITE_LIST(KEUR_SUITE_ENTRY)
	NULL,
};
