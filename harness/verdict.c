/* verdict.c — verdict names and the requirement fold. */
#include "verdict.h"

#include <string.h>

static const char *const names[] = {
	[KEUR_NONE] = "none", [KEUR_PASS] = "pass", [KEUR_FAIL] = "fail",
	[KEUR_INCONC] = "inconc", [KEUR_ERROR] = "error", [KEUR_NA] = "na",
};

const char *verdict_name(enum keur_verdict v)
{
	if ((unsigned)v >= sizeof(names) / sizeof(names[0]))
		return "none";
	return names[v];
}

const char *verdict_or_not_run(enum keur_verdict v)
{
	return v == KEUR_NONE ? "not-run" : verdict_name(v);
}

enum keur_verdict verdict_parse(const char *s)
{
	for (unsigned v = KEUR_PASS; v <= KEUR_NA; v++)
		if (s && strcmp(s, names[v]) == 0)
			return (enum keur_verdict)v;
	return KEUR_NONE;
}

void verdict_fold_add(struct verdict_fold *f, enum keur_verdict v)
{
	switch (v) {
	case KEUR_PASS: f->pass++; break;
	case KEUR_FAIL: f->fail++; break;
	case KEUR_INCONC: f->inconc++; break;
	case KEUR_ERROR: f->error++; break;
	case KEUR_NA: f->na++; break;
	case KEUR_NONE: f->missing++; break;
	}
}

enum keur_verdict verdict_fold_result(const struct verdict_fold *f)
{
	if (f->fail)
		return KEUR_FAIL;
	if (f->inconc || f->error || f->missing)
		return KEUR_INCONC;
	if (f->pass)
		return KEUR_PASS;
	return KEUR_NA;
}
