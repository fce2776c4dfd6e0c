/* ctx.h — the context a case runs in (private to the harness; suites see case.h). */
#ifndef KEUR_CTX_H
#define KEUR_CTX_H

#include <stdint.h>

#include "case.h"

struct keur_ctx {
	const struct keur_case *c;
	const struct keur_dut *dut;
	const struct keur_lab *lab;
	char *evdir;		/* OUT/evidence/CASE-ID, created on first use */
	enum keur_verdict verdict;
	char reason[1024];
	int64_t t0;		/* monotonic ms when the case started */
	int64_t deadline_ms;
};

/* Runs a case in the current (child) process and writes "VERDICT\tREASON" to fd. */
void ctx_run_case(struct keur_ctx *ctx, int fd);

#endif
