/* runner.h — runs a plan: each case in a forked child in its own process group, with its
 * deadline enforced by the parent; each result journaled (fsync) before its TAP line. */
#ifndef KEUR_RUNNER_H
#define KEUR_RUNNER_H

#include "contain.h"
#include "input.h"
#include "journal.h"
#include "plan.h"
#include "results.h"

struct runner {
	const char *outdir;
	struct journal *journal;
	const struct plan *plan;
	struct keur_dut *dut;		/* the run's MQTT versions probe fills in what it found */
	const struct keur_lab *lab;
	const struct run_view *prior;	/* cases already finished (resume), or NULL */
	int verbose;			/* echo each case's output as TAP comments */
	int progress;			/* a compact line per case on stderr */
	long case_memory_mb;		/* each case's data memory ceiling; set by runner_run */
	struct contain contain;		/* who cases run as (contain_plan, before the run) */
};

/* Runs every case of the plan not finished already, printing TAP on stdout.
 * 0 when all ran; -EINTR when a signal stopped the run (the case in flight is not journaled);
 * another -errno when the journal could not be written (the run stops: nothing may be lost). */
int runner_run(struct runner *r);

/* Before a run (or a resumed one): the DUT's uplink up, its power on, its broker address back,
 * in case a killed run left them changed.  What was done goes to OUTDIR/fixtures-repair.txt.
 * 0, or -1 with why (the run must not start). */
int runner_repair(const struct keur_lab *l, const struct keur_dut *d, const char *outdir, char *why, size_t len);

/* The journal record of a planned case (type "plan"); release with jrec_release(). */
void runner_plan_record(const struct plan_item *it, struct jrec *rec);

/* Installs the signal handlers that let a run stop cleanly (SIGINT, SIGTERM, SIGHUP). */
void runner_signals(void);

#endif
