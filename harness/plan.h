/* plan.h — from profile, DUT and lab to the ordered list of cases, each to run or already
 * decided (`na` when the DUT lacks the interface, `inconc` when the lab lacks the fixture). */
#ifndef KEUR_PLAN_H
#define KEUR_PLAN_H

#include <stdint.h>

#include "case.h"
#include "input.h"

struct plan_item {
	const struct keur_case *c;
	const struct keur_suite *suite;
	enum keur_verdict pre;	/* KEUR_NONE: run it; else the verdict it gets without running */
	char *pre_reason;
	char *reqs;		/* comma-separated IDs of the requirements it gives evidence for */
	int64_t deadline_ms;	/* the case's deadline times the run's --deadline-scale */
};

/* One profile's part of a plan: the requirements in play (all of the profile's, or those of
 * the chosen level). */
struct plan_part {
	const struct keur_profile *profile;
	const struct profile_req **reqs;
	const char **req_na;	/* per requirement: why it does not apply to this DUT, or NULL */
	size_t nreqs;
};

/* Each case once, however many of the profiles ask for it. */
struct plan {
	struct plan_item *items;
	size_t n;
	struct plan_part *parts;	/* one per profile, in the order given */
	size_t nparts;
};

/* What narrows or stretches a plan: only is a comma-separated list of case IDs or NULL; level a
 * profile level or NULL (all levels); deadline_scale multiplies every case's deadline (0 = 1). */
struct plan_opts {
	const char *only, *level;
	double deadline_scale;
};

#define DEADLINE_SCALE_MIN 0.1
#define DEADLINE_SCALE_MAX 100.0

/* Builds the plan for nprofiles profiles (none: every case that exists).  A level (opts) must
 * be one of every profile that has levels; a profile without levels is judged whole.  0, or -1
 * with errors. */
int plan_build(struct keur_profile *const *profiles, size_t nprofiles, const struct keur_dut *dut,
	       const struct keur_lab *lab, const struct plan_opts *opts,
	       struct plan *out, struct input_errors *err);
void plan_release(struct plan *p);

/* Why a case does not apply to this DUT / lab: a static string, or NULL when it applies. */
const char *plan_na_reason(const struct keur_case *c, const struct keur_dut *dut);
/* Why a requirement does not apply to this DUT (its applies-if): a static string, or NULL. */
const char *plan_req_na(const struct profile_req *r, const struct keur_dut *dut);
const char *plan_fixture_missing(const struct keur_case *c, const struct keur_lab *lab, const struct keur_dut *dut);

#endif
