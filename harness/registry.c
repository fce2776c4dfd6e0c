/* registry.c — the suites of keur, in the order they run (harness/suite_list.h). */
#include <stddef.h>

#include "case.h"
#include "suite_list.h"

KEUR_SUITE_LIST(KEUR_SUITE_DECLARE)

const struct keur_suite *const keur_suites[] = {
	KEUR_SUITE_LIST(KEUR_SUITE_ENTRY)
	NULL,
};
