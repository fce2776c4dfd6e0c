/* ctx.h — the context a case runs in (private to the harness; suites see case.h). */
#ifndef KEUR_CTX_H
#define KEUR_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "case.h"

struct keur_ctx {
	const struct keur_case *c;
	const struct keur_dut *dut;
	const struct keur_lab *lab;
	char *evdir;		/* OUT/evidence/CASE-ID; "." once the case works in it (contain.h) */
	const char *evdir_path;	/* OUT/evidence/CASE-ID in either case */
	enum keur_verdict verdict;
	char reason[1024];
	int64_t t0;		/* monotonic ms when the case started */
	int64_t deadline_ms;
	int reqfd;		/* the request socket to the parent (struct ctx_req), -1: none */
};

/* What a case asks the parent to do for it (contain.h): the fixtures, the broker address, and
 * the DUT's sockets on this machine.  The parent validates each request against the DUT and lab
 * descriptions, does it, logs it into the case's fixtures.txt, and answers with a ctx_rep.  One
 * request at a time, over a SOCK_SEQPACKET pair: a message is a whole request or nothing. */
enum ctx_req_op {
	REQ_CONTAINED = 1,	/* the case process has given up root: the parent looks at /proc */
	REQ_UPLINK_CUT,
	REQ_UPLINK_RESTORE,
	REQ_POWER_OFF,
	REQ_POWER_ON,
	REQ_UPLINK_WORKS,	/* host, port: what the DUT reaches through its uplink */
	REQ_REFLASH,
	REQ_BROKER_TAKE,
	REQ_LOCAL_DECLARED,	/* port: the <local-process> index; the PIDs come as a descriptor */
	REQ_LOCAL_OWNERS,	/* who holds this machine's sockets; likewise */
};

struct ctx_req {
	uint32_t op;
	int32_t port;
	char host[256];
};

struct ctx_rep {
	int32_t rc;		/* 0, -1, or FIXTURE_NOT_DONE (hw/fixture.h); uplink-works: 1, 0, -1 */
	char why[512];
};

/* Sends q and waits for the answer: its rc (why filled), or -1 when the parent did not answer.
 * *fd (may be NULL) receives a descriptor that came with the answer, else -1. */
int ctx_ask(struct keur_ctx *ctx, const struct ctx_req *q, char *why, size_t len, int *fd);

/* Runs a case in the current (child) process and writes "VERDICT\tREASON" to fd. */
void ctx_run_case(struct keur_ctx *ctx, int fd);

#endif
